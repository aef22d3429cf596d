//! The WorkSpace checksum: a platform-independent 64-bit hash of the canonical bytes.
//!
//! # Algorithm ("TL64", version 1)
//!
//! 1. Encode the value with the canonical bincode configuration
//!    ([`codec::CANONICAL`](super::codec::CANONICAL): little-endian, varint).
//! 2. Split the byte stream into 8-byte words, each read as a little-endian `u64`;
//!    the last word is padded with zero bytes.
//! 3. `h = 0xcbf2_9ce4_8422_2325`; for each word `w`:
//!    `h = ((h ^ w) * 0x9e37_79b9_7f4a_7c15).rotate_left(29)` (wrapping multiply).
//! 4. `h = (h ^ byte_len) * 0x9e37_79b9_7f4a_7c15`, then the splitmix64 finaliser:
//!    `h ^= h >> 30; h *= 0xbf58_476d_1ce4_e5b9; h ^= h >> 27;
//!    h *= 0x94d0_49bb_1331_11eb; h ^= h >> 31`.
//!
//! Each word step is a bijection of `h` for a fixed `w` and of `w` for a fixed `h`,
//! so two encodings that differ in a single word always hash differently. The hash
//! streams: no buffer of the encoding is allocated.

use bincode::enc::write::Writer;
use bincode::error::EncodeError;
use serde::Serialize;

use super::codec::{CANONICAL, CodecError};

const OFFSET: u64 = 0xcbf2_9ce4_8422_2325;
const K: u64 = 0x9e37_79b9_7f4a_7c15;
/// Bytes gathered before they are hashed (a multiple of 8): an encoder writes
/// most fields a byte or two at a time, and copying those is cheaper than a
/// word step each.
const BUFFER: usize = 64;

/// A streaming TL64 hasher (see the module documentation).
#[derive(Clone, Debug)]
pub struct Tl64 {
    h: u64,
    /// Bytes not hashed yet; the stream's position is a multiple of 8 at its start.
    buffer: [u8; BUFFER],
    filled: usize,
    /// Bytes hashed before the buffer's (the stream's length is this plus `filled`).
    hashed: u64,
}

impl Default for Tl64 {
    fn default() -> Self {
        Tl64 {
            h: OFFSET,
            buffer: [0; BUFFER],
            filled: 0,
            hashed: 0,
        }
    }
}

impl Tl64 {
    /// A hasher with nothing written.
    pub fn new() -> Self {
        Self::default()
    }

    #[inline]
    fn word(&mut self, w: u64) {
        self.h = (self.h ^ w).wrapping_mul(K).rotate_left(29);
    }

    /// Hashes whole words of `bytes` (whose length is a multiple of 8).
    #[inline]
    fn words(&mut self, bytes: &[u8]) {
        for chunk in bytes.chunks_exact(8) {
            let mut w = [0u8; 8];
            w.copy_from_slice(chunk);
            self.word(u64::from_le_bytes(w));
        }
    }

    /// Feeds bytes.
    #[inline]
    pub fn update(&mut self, bytes: &[u8]) {
        let room = BUFFER - self.filled;
        if bytes.len() < room {
            self.buffer[self.filled..self.filled + bytes.len()].copy_from_slice(bytes);
            self.filled += bytes.len();
            return;
        }
        self.update_past_buffer(bytes, room);
    }

    /// Fills the buffer, hashes it, hashes the whole words after it and keeps
    /// the rest.
    fn update_past_buffer(&mut self, bytes: &[u8], room: usize) {
        let (top_up, rest) = bytes.split_at(room);
        self.buffer[self.filled..].copy_from_slice(top_up);
        let full = self.buffer;
        self.words(&full);
        let whole = rest.len() - rest.len() % 8;
        self.words(&rest[..whole]);
        self.hashed += (BUFFER + whole) as u64;
        let tail = &rest[whole..];
        self.buffer[..tail.len()].copy_from_slice(tail);
        self.filled = tail.len();
    }

    /// The hash of everything fed so far.
    pub fn finish(&self) -> u64 {
        let mut this = self.clone();
        let whole = this.filled - this.filled % 8;
        let buffer = this.buffer;
        this.words(&buffer[..whole]);
        if whole < this.filled {
            let mut last = [0u8; 8];
            last[..this.filled - whole].copy_from_slice(&buffer[whole..this.filled]);
            this.word(u64::from_le_bytes(last));
        }
        let len = this.hashed + this.filled as u64;
        let mut h = (this.h ^ len).wrapping_mul(K);
        h ^= h >> 30;
        h = h.wrapping_mul(0xbf58_476d_1ce4_e5b9);
        h ^= h >> 27;
        h = h.wrapping_mul(0x94d0_49bb_1331_11eb);
        h ^ (h >> 31)
    }
}

impl Writer for Tl64 {
    #[inline]
    fn write(&mut self, bytes: &[u8]) -> Result<(), EncodeError> {
        self.update(bytes);
        Ok(())
    }
}

/// TL64 of raw bytes.
pub fn checksum_bytes(bytes: &[u8]) -> u64 {
    let mut h = Tl64::new();
    h.update(bytes);
    h.finish()
}

/// TL64 of a value's canonical encoding (the WorkSpace checksum).
///
/// # Errors
///
/// [`CodecError::Encode`] if the value cannot be encoded.
pub fn checksum<T: Serialize + ?Sized>(value: &T) -> Result<u64, CodecError> {
    let mut h = Tl64::new();
    bincode::serde::encode_into_writer(value, &mut h, CANONICAL)?;
    Ok(h.finish())
}

/// Formats a checksum as 16 lower-case hex digits, as tools print it.
pub fn checksum_hex(value: u64) -> String {
    format!("{value:016x}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::codec::encode;
    use proptest::prelude::*;

    #[test]
    fn tl64_golden_vectors() {
        // Pinned literals: any change to the algorithm breaks every recording and
        // every running session's checksums, so it must be a deliberate one.
        let ramp: Vec<u8> = (0..=255u8).cycle().take(1000).collect();
        let vectors: [(&[u8], u64); 5] = [
            (b"", 0x0803_5f29_acc1_08b3),
            (b"a", 0x71a1_f68f_d8a5_6567),
            (b"tickline", 0xa4f3_7196_824b_1970),
            (&[0; 64], 0x753a_501b_ce1c_9187),
            (&ramp, 0x8b63_de43_da5c_1201),
        ];
        for (input, expected) in vectors {
            assert_eq!(
                checksum_hex(checksum_bytes(input)),
                checksum_hex(expected),
                "TL64 of {} bytes",
                input.len()
            );
        }
        assert_eq!(checksum_hex(0xab), "00000000000000ab");
    }

    proptest! {
        #[test]
        fn streaming_equals_one_shot(data in proptest::collection::vec(any::<u8>(), 0..200),
                                     cut in 0usize..200) {
            let cut = cut.min(data.len());
            let mut h = Tl64::new();
            h.update(&data[..cut]);
            h.update(&data[cut..]);
            prop_assert_eq!(h.finish(), checksum_bytes(&data));
        }

        #[test]
        fn any_split_into_pieces_hashes_as_one_shot(
            data in proptest::collection::vec(any::<u8>(), 0..700),
            pieces in proptest::collection::vec(0usize..150, 0..40),
        ) {
            // Pieces around and across the hasher's buffer, and whole words.
            let mut h = Tl64::new();
            let mut at = 0;
            for len in pieces {
                let end = (at + len).min(data.len());
                h.update(&data[at..end]);
                at = end;
            }
            h.update(&data[at..]);
            prop_assert_eq!(h.finish(), checksum_bytes(&data));
        }

        #[test]
        fn value_checksum_hashes_the_canonical_bytes(v in proptest::collection::vec(any::<u32>(), 0..50)) {
            let bytes = encode(&v).expect("encodes");
            prop_assert_eq!(checksum(&v).expect("hashes"), checksum_bytes(&bytes));
        }

        #[test]
        fn one_flipped_byte_changes_the_hash(data in proptest::collection::vec(any::<u8>(), 1..200),
                                             at in any::<prop::sample::Index>(), bit in 0u8..8) {
            let mut other = data.clone();
            other[at.index(data.len())] ^= 1 << bit;
            prop_assert_ne!(checksum_bytes(&data), checksum_bytes(&other));
        }
    }
}
