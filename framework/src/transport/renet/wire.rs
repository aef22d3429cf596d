//! Coalescing: every renet packet due in one flush (reliable, unreliable and
//! renet's own acknowledgements) travels in as few netcode datagrams as fit, so a
//! flush with a little of each costs one datagram instead of three.
//!
//! A datagram's payload is a sequence of frames, each a little-endian `u16` length
//! followed by that many bytes of one renet packet.

use renetcode::NETCODE_MAX_PAYLOAD_BYTES;

/// Bytes of a frame's length prefix.
const PREFIX: usize = 2;

/// A datagram payload that does not split into whole frames.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[error("a datagram's frames do not add up: {at} of {len} bytes read")]
pub(crate) struct BadFrames {
    at: usize,
    len: usize,
}

/// Packs renet packets into datagram payloads of at most
/// [`NETCODE_MAX_PAYLOAD_BYTES`], in order. A packet too large for one datagram
/// (renet never makes one) is dropped rather than sent broken.
pub(crate) fn pack(packets: Vec<Vec<u8>>) -> Vec<Vec<u8>> {
    let mut out: Vec<Vec<u8>> = Vec::new();
    let mut current: Vec<u8> = Vec::new();
    for packet in packets {
        let need = PREFIX + packet.len();
        let Ok(len) = u16::try_from(packet.len()) else {
            continue;
        };
        if need > NETCODE_MAX_PAYLOAD_BYTES {
            continue;
        }
        if current.len() + need > NETCODE_MAX_PAYLOAD_BYTES {
            out.push(std::mem::take(&mut current));
        }
        current.extend_from_slice(&len.to_le_bytes());
        current.extend_from_slice(&packet);
    }
    if !current.is_empty() {
        out.push(current);
    }
    out
}

/// Splits a datagram payload into the renet packets it carries.
///
/// # Errors
///
/// [`BadFrames`] when a length runs past the end (nothing is returned then).
pub(crate) fn unpack(payload: &[u8]) -> Result<Vec<&[u8]>, BadFrames> {
    let mut frames = Vec::new();
    let mut at = 0;
    while at < payload.len() {
        let bad = BadFrames {
            at,
            len: payload.len(),
        };
        let prefix = payload.get(at..at + PREFIX).ok_or(bad)?;
        let len = usize::from(u16::from_le_bytes([prefix[0], prefix[1]]));
        let start = at + PREFIX;
        frames.push(payload.get(start..start + len).ok_or(bad)?);
        at = start + len;
    }
    Ok(frames)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn small_packets_share_one_datagram_and_come_back_whole() {
        let packets = vec![vec![1u8; 10], vec![2u8; 300], vec![3u8; 5]];
        let datagrams = pack(packets.clone());
        assert_eq!(datagrams.len(), 1);
        assert_eq!(datagrams[0].len(), 315 + 3 * PREFIX);
        let back: Vec<Vec<u8>> = unpack(&datagrams[0])
            .expect("whole frames")
            .into_iter()
            .map(<[u8]>::to_vec)
            .collect();
        assert_eq!(back, packets);
    }

    #[test]
    fn packets_that_do_not_fit_together_start_a_new_datagram() {
        let datagrams = pack(vec![vec![1u8; 1200], vec![2u8; 200], vec![3u8; 50]]);
        let sizes: Vec<usize> = datagrams.iter().map(Vec::len).collect();
        assert_eq!(sizes, vec![1202, 254]);
        assert!(sizes.iter().all(|&s| s <= NETCODE_MAX_PAYLOAD_BYTES));
    }

    #[test]
    fn a_length_past_the_end_is_refused() {
        assert_eq!(unpack(&[5, 0, 1, 2]), Err(BadFrames { at: 0, len: 4 }));
        assert_eq!(unpack(&[1, 0, 9, 7]), Err(BadFrames { at: 3, len: 4 }));
        assert_eq!(unpack(&[]).map(|f| f.len()), Ok(0));
    }
}
