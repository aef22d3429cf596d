//! The two per-tick messages, assembled from parts encoded once.
//!
//! A host's `Frame` carries sealed ticks that the resend buffer encoded when
//! they were sealed; a client's `Update` carries its unsealed commits, encoded
//! when first sent and repeated until sealed. Each part is encoded once and its
//! bytes are copied into the message: the size of a message is known exactly as
//! it is filled, and nothing is encoded again to measure it or to resend it.
//!
//! The bytes are those of [`encode_msg`](super::protocol::encode_msg) for the
//! same message: bincode's canonical configuration writes an enum as its
//! variant index, a struct as its fields in order and a sequence as its length
//! followed by its items, so a message written field by field is the message.
//! The tests below hold the two encodings to the byte.

use serde::Serialize;

use crate::model::codec::{CANONICAL, CodecError};
use crate::model::{Commit, Tick};

use super::protocol::{ClockSample, FREQUENT_MESSAGE_BUDGET, HostClock};

/// The variant index of `HostMsg::Frame`.
const HOST_FRAME: u32 = 2;
/// The variant index of `ClientMsg::Update`.
const CLIENT_UPDATE: u32 = 1;
/// The most bytes a varint-encoded integer takes (a `u64`: tag and 8 bytes).
const MAX_VARINT: usize = 9;

/// A message being written, part by part.
#[derive(Debug)]
struct Writer {
    bytes: Vec<u8>,
}

impl Writer {
    /// A message of the enum variant `index`.
    fn variant(index: u32) -> Result<Self, CodecError> {
        let mut w = Writer {
            bytes: Vec::with_capacity(FREQUENT_MESSAGE_BUDGET),
        };
        w.field(&index)?;
        Ok(w)
    }

    /// Appends a field, encoded.
    fn field<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), CodecError> {
        bincode::serde::encode_into_std_write(value, &mut self.bytes, CANONICAL)?;
        Ok(())
    }

    /// Appends a sequence of items encoded already.
    fn encoded_seq<'a>(
        &mut self,
        items: impl ExactSizeIterator<Item = &'a [u8]>,
    ) -> Result<(), CodecError> {
        self.field(&(items.len() as u64))?;
        for item in items {
            self.bytes.extend_from_slice(item);
        }
        Ok(())
    }
}

/// Sealed ticks `from..=through` for a frame: the encoded bytes of those with
/// commits, in order.
#[derive(Debug)]
pub(crate) struct EncodedRun<'a> {
    /// The first tick covered.
    pub(crate) from: Tick,
    /// The last tick covered (`from` - 1: none).
    pub(crate) through: Tick,
    /// The encoded ticks with commits.
    pub(crate) ticks: Vec<&'a [u8]>,
}

/// Writes `HostMsg::Frame { clock, relayed, sealed }`, with the sealed run cut
/// by `cut` from the bytes left in [`FREQUENT_MESSAGE_BUDGET`] once the clock
/// and relays are written.
///
/// # Errors
///
/// [`CodecError::Encode`] if a relayed commit cannot be encoded.
pub(crate) fn frame<'a, M: Serialize>(
    clock: &HostClock,
    relayed: &[Commit<M>],
    cut: impl FnOnce(usize) -> EncodedRun<'a>,
) -> Result<(Vec<u8>, Tick), CodecError> {
    let mut w = Writer::variant(HOST_FRAME)?;
    w.field(clock)?;
    w.field(relayed)?;
    let left = FREQUENT_MESSAGE_BUDGET.saturating_sub(w.bytes.len() + 3 * MAX_VARINT);
    let run = cut(left);
    w.field(&run.from)?;
    w.field(&run.through)?;
    w.encoded_seq(run.ticks.into_iter())?;
    Ok((w.bytes, run.through))
}

/// A client's `Update`, its commits encoded already.
#[derive(Debug)]
pub(crate) struct UpdateParts<'a> {
    /// The last sealed tick held without gaps.
    pub(crate) ack: Tick,
    /// A clock sample to echo.
    pub(crate) clock: Option<ClockSample>,
    /// The encoded unsealed commits, oldest first.
    pub(crate) commits: Vec<&'a [u8]>,
    /// A checksum report.
    pub(crate) checksum: Option<(Tick, u64)>,
    /// Sealed ticks after `ack` were lost.
    pub(crate) gap: bool,
}

/// Writes `ClientMsg::Update` from its parts.
///
/// # Errors
///
/// [`CodecError::Encode`] (not for these field types in practice).
pub(crate) fn update(parts: UpdateParts<'_>) -> Result<Vec<u8>, CodecError> {
    let mut w = Writer::variant(CLIENT_UPDATE)?;
    w.field(&parts.ack)?;
    w.field(&parts.clock)?;
    w.encoded_seq(parts.commits.into_iter())?;
    w.field(&parts.checksum)?;
    w.field(&parts.gap)?;
    Ok(w.bytes)
}

/// Encodes one part (a commit, a sealed tick) for later assembly.
///
/// # Errors
///
/// [`CodecError::Encode`] if serde refuses the value.
pub(crate) fn part<T: Serialize>(value: &T) -> Result<Vec<u8>, CodecError> {
    crate::model::codec::encode(value)
}

/// The commits of a budget, oldest first: as many of `sizes` as fit in `budget`
/// bytes, stopping at the first that does not.
pub(crate) fn fitting(sizes: impl Iterator<Item = usize>, mut budget: usize) -> usize {
    let mut n = 0;
    for size in sizes {
        if size > budget {
            break;
        }
        budget -= size;
        n += 1;
    }
    n
}

/// The bytes a client's `Update` may give its commits: the budget less the
/// most its other fields take.
pub(crate) const UPDATE_COMMIT_BUDGET: usize = FREQUENT_MESSAGE_BUDGET - 8 * MAX_VARINT;

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;
    use crate::model::{CommitId, PeerId, SealedTick};
    use crate::net::protocol::{ClientMsg, HostMsg, SealedRun, encode_msg};

    fn commit(author: u64, seq: u64, tick: u64, m: u32) -> Commit<u32> {
        let id = CommitId {
            author: PeerId(author),
            seq,
        };
        Commit::game(id, Tick(tick), m)
    }

    fn sealed(tick: u64, commits: Vec<Commit<u32>>) -> SealedTick<u32> {
        let mut st = SealedTick::empty(Tick(tick));
        st.commits = commits;
        st
    }

    proptest! {
        #[test]
        fn an_assembled_frame_is_the_encoded_frame(
            time in any::<u64>(),
            echo in proptest::option::of((any::<u64>(), any::<u64>())),
            delay in 0u64..100,
            relayed in proptest::collection::vec((0u64..300, any::<u64>(), any::<u64>(), any::<u32>()), 0..8),
            from in 0u64..1_000_000,
            listed in proptest::collection::vec((0u64..50, any::<u32>()), 0..6),
        ) {
            let clock = HostClock { host_time_us: time, echo, seal_delay: delay };
            let relayed: Vec<_> = relayed.into_iter().map(|(a, s, t, m)| commit(a, s, t, m)).collect();
            let ticks: Vec<_> = listed.iter().enumerate()
                .map(|(i, &(a, m))| sealed(from + i as u64, vec![commit(a, i as u64, from, m)]))
                .collect();
            let through = Tick(from + ticks.len() as u64);
            let parts: Vec<Vec<u8>> = ticks.iter().map(|st| part(st).expect("encodes")).collect();
            let (bytes, last) = frame(&clock, &relayed, |_| EncodedRun {
                from: Tick(from),
                through,
                ticks: parts.iter().map(Vec::as_slice).collect(),
            }).expect("assembles");
            let whole = HostMsg::Frame {
                clock,
                relayed,
                sealed: SealedRun { from: Tick(from), through, ticks },
            };
            prop_assert_eq!(last, through);
            prop_assert_eq!(bytes, encode_msg(&whole).expect("encodes"));
        }

        #[test]
        fn an_assembled_update_is_the_encoded_update(
            ack in any::<u64>(),
            clock in proptest::option::of((any::<u64>(), any::<u32>(), any::<u32>())),
            commits in proptest::collection::vec((0u64..300, any::<u64>(), any::<u64>(), any::<u32>()), 0..70),
            checksum in proptest::option::of((any::<u64>(), any::<u64>())),
            gap in any::<bool>(),
        ) {
            let clock = clock.map(|(sent_at_us, rtt_us, jitter_us)| ClockSample { sent_at_us, rtt_us, jitter_us });
            let checksum = checksum.map(|(t, c)| (Tick(t), c));
            let commits: Vec<_> = commits.into_iter().map(|(a, s, t, m)| commit(a, s, t, m)).collect();
            let parts: Vec<Vec<u8>> = commits.iter().map(|c| part(c).expect("encodes")).collect();
            let bytes = update(UpdateParts {
                ack: Tick(ack),
                clock,
                commits: parts.iter().map(Vec::as_slice).collect(),
                checksum,
                gap,
            }).expect("assembles");
            let whole = ClientMsg::Update { ack: Tick(ack), clock, commits, checksum, gap };
            prop_assert_eq!(bytes, encode_msg(&whole).expect("encodes"));
        }
    }

    #[test]
    fn the_run_is_cut_from_what_the_clock_and_relays_leave() {
        let clock = HostClock {
            host_time_us: 1,
            echo: None,
            seal_delay: 2,
        };
        let relayed: Vec<_> = (0..10).map(|s| commit(1, s, 5, 7)).collect();
        let mut offered = 0;
        let (bytes, through) = frame(&clock, &relayed, |left| {
            offered = left;
            EncodedRun {
                from: Tick(1),
                through: Tick(0),
                ticks: Vec::new(),
            }
        })
        .expect("assembles");
        assert_eq!(through, Tick(0), "an empty run");
        // What is offered plus what is written never passes the budget.
        assert!(offered + bytes.len() <= FREQUENT_MESSAGE_BUDGET);
        assert!(offered > FREQUENT_MESSAGE_BUDGET - bytes.len() - 3 * MAX_VARINT - 1);
    }

    #[test]
    fn commits_fit_until_the_first_that_does_not() {
        assert_eq!(fitting([10, 20, 30].into_iter(), 30), 2);
        assert_eq!(fitting([10, 40, 5].into_iter(), 30), 1, "no skipping ahead");
        assert_eq!(fitting([31].into_iter(), 30), 0);
        assert_eq!(fitting(std::iter::empty(), 0), 0);
    }
}
