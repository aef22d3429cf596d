//! Frames read from any `Read` through one buffer of our own: whole chunks are
//! read at a time and each frame's body is checked and decoded where it lies,
//! not copied out frame by frame.

use std::io::{ErrorKind, Read};

use super::error::TailProblem;
use super::format::MAX_FRAME_BYTES;

/// Bytes asked of the input at a time.
const CHUNK: usize = 1 << 16;
/// A buffer grown past this (a large snapshot) is given back once drained.
const KEEP_BUFFER: usize = 1 << 20;

/// The input and the bytes read from it but not consumed, `buf[start..end]`.
///
/// The buffer grows past [`CHUNK`] only to hold one frame, and only as its
/// bytes really arrive, so a forged length costs nothing.
#[derive(Debug)]
pub(super) struct Frames<R> {
    input: R,
    buf: Vec<u8>,
    start: usize,
    end: usize,
}

impl<R> Frames<R> {
    pub(super) fn new(input: R) -> Self {
        Frames {
            input,
            buf: Vec::new(),
            start: 0,
            end: 0,
        }
    }

    /// Forgets the buffered bytes (the input was moved elsewhere).
    pub(super) fn discard(&mut self) {
        self.start = 0;
        self.end = 0;
    }

    pub(super) fn input_mut(&mut self) -> &mut R {
        &mut self.input
    }
}

impl<R: Read> Frames<R> {
    /// Consumes exactly `n` bytes; `Ok(Err(got))` when the input ends after
    /// `got` of them (which are consumed too).
    pub(super) fn take(&mut self, n: usize) -> Result<Result<&[u8], usize>, TailProblem> {
        let got = self.fill(n)?;
        let at = self.start;
        self.start += got;
        if got < n {
            return Ok(Err(got));
        }
        Ok(Ok(&self.buf[at..at + n]))
    }

    /// The next frame's body, its CRC checked; `Ok(None)` at a clean end.
    pub(super) fn next_body(&mut self) -> Result<Option<&[u8]>, TailProblem> {
        self.shrink_if_drained();
        let len = match self.take(4)? {
            Ok(b) => u32::from_le_bytes([b[0], b[1], b[2], b[3]]) as usize,
            Err(0) => return Ok(None),
            Err(_) => return Err(TailProblem::Truncated),
        };
        if len > MAX_FRAME_BYTES {
            return Err(TailProblem::BadLength(len as u64));
        }
        let framed = self.take(len + 4)?.map_err(|_| TailProblem::Truncated)?;
        let (body, crc) = framed.split_at(len);
        if crc32fast::hash(body).to_le_bytes() != crc {
            return Err(TailProblem::BadCrc);
        }
        Ok(Some(body))
    }

    /// Reads until `n` bytes are buffered or the input ends; returns how many
    /// are (at most `n`).
    fn fill(&mut self, n: usize) -> Result<usize, TailProblem> {
        while self.end - self.start < n {
            self.make_room(n);
            match self.input.read(&mut self.buf[self.end..]) {
                Ok(0) => break,
                Ok(got) => self.end += got,
                Err(e) if e.kind() == ErrorKind::Interrupted => {}
                Err(e) => return Err(TailProblem::Unreadable(e.to_string())),
            }
        }
        Ok((self.end - self.start).min(n))
    }

    /// Leaves free space after `end`: moves the unconsumed bytes to the front,
    /// then grows the buffer when they fill it (doubling, up to `n` bytes).
    fn make_room(&mut self, n: usize) {
        if self.end < self.buf.len() {
            return;
        }
        if self.start > 0 {
            self.buf.copy_within(self.start..self.end, 0);
            self.end -= self.start;
            self.start = 0;
        }
        if self.end == self.buf.len() {
            let grown = (self.buf.len() * 2).clamp(CHUNK, n.max(CHUNK));
            self.buf.resize(grown, 0);
        }
    }

    fn shrink_if_drained(&mut self) {
        if self.buf.len() > KEEP_BUFFER && self.start == self.end {
            self.buf = Vec::new();
            self.discard();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Hands out its bytes `step` at a time, as a pipe or a slow disk might.
    struct Trickle<'a> {
        bytes: &'a [u8],
        step: usize,
    }

    impl Read for Trickle<'_> {
        fn read(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
            let n = self.step.min(out.len()).min(self.bytes.len());
            out[..n].copy_from_slice(&self.bytes[..n]);
            self.bytes = &self.bytes[n..];
            Ok(n)
        }
    }

    fn frame(body: &[u8]) -> Vec<u8> {
        let mut out = (body.len() as u32).to_le_bytes().to_vec();
        out.extend_from_slice(body);
        out.extend_from_slice(&crc32fast::hash(body).to_le_bytes());
        out
    }

    #[test]
    fn frames_across_chunks_and_short_reads_come_back_whole() {
        // Bodies from empty to several chunks, so frames straddle every boundary.
        let bodies: Vec<Vec<u8>> = (0..40u32)
            .map(|i| {
                (0..(i * i * 97) as usize)
                    .map(|b| (b % 251) as u8)
                    .collect()
            })
            .collect();
        let bytes: Vec<u8> = bodies.iter().flat_map(|b| frame(b)).collect();
        for step in [1, 7, 4096, usize::MAX] {
            let mut frames = Frames::new(Trickle {
                bytes: &bytes,
                step,
            });
            for (i, body) in bodies.iter().enumerate() {
                let got = frames.next_body().expect("intact").expect("present");
                assert_eq!(got, &body[..], "frame {i}, reads of {step}");
            }
            assert_eq!(frames.next_body().expect("clean end"), None);
        }
    }

    #[test]
    fn a_forged_length_grows_the_buffer_only_with_the_bytes_that_came() {
        let mut bytes = (MAX_FRAME_BYTES as u32).to_le_bytes().to_vec();
        bytes.extend(std::iter::repeat_n(7u8, 300_000));
        let mut frames = Frames::new(&bytes[..]);
        assert_eq!(frames.next_body(), Err(TailProblem::Truncated));
        assert!(
            frames.buf.len() <= 2 * 300_004,
            "{} bytes held",
            frames.buf.len()
        );
    }

    #[test]
    fn a_bad_crc_and_a_cut_length_are_told_apart() {
        let mut bad = frame(b"tickline");
        bad[6] ^= 1;
        assert_eq!(Frames::new(&bad[..]).next_body(), Err(TailProblem::BadCrc));
        assert_eq!(
            Frames::new(&[1u8, 0][..]).next_body(),
            Err(TailProblem::Truncated)
        );
        assert_eq!(Frames::new(&[][..]).next_body(), Ok(None));
    }
}
