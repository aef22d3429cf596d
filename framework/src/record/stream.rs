//! Reading a recording as a stream of records, in bounded memory.
//!
//! The stream holds the header, one frame body (at most [`MAX_FRAME_BYTES`], and
//! never more than the file really contains) and a few counters, whatever the size
//! of the file: a 2 GB file of zeros, `/dev/zero` or a FIFO costs the same as a
//! small recording. Every tick read is checked against [`Tick::MAX`] and against
//! the sealed sequence, so no arithmetic on it can overflow.

use std::fs::File;
use std::io::{BufReader, ErrorKind, Read, Seek, SeekFrom};
use std::marker::PhantomData;
use std::path::Path;

use crate::model::codec::decode;
use crate::model::{Game, Tick};

use super::error::{RecordError, TailProblem};
use super::format::{FORMAT_VERSION, Header, MAGIC, MAX_FRAME_BYTES, Record};
use super::reader::{Expect, Stopped};

/// Frame buffers above this size are given back after use.
const KEEP_BUFFER: usize = 1 << 20;

/// A record read, and the byte offset after it.
type Framed<G> = (Record<<G as Game>::Move>, u64);

/// A recording of the game `G` read record by record from `R` (a file unless
/// said otherwise).
pub struct RecordStream<G: Game, R = BufReader<File>> {
    input: R,
    header: Header,
    offset: u64,
    last_tick: Tick,
    stopped: Option<Stopped>,
    body: Vec<u8>,
    _game: PhantomData<fn() -> G>,
}

impl<G: Game, R> std::fmt::Debug for RecordStream<G, R> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RecordStream")
            .field("header", &self.header)
            .field("offset", &self.offset)
            .field("last_tick", &self.last_tick)
            .field("stopped", &self.stopped)
            .finish_non_exhaustive()
    }
}

impl<G: Game> RecordStream<G> {
    /// Opens the recording of `G` at `path` and reads its header.
    ///
    /// # Errors
    ///
    /// [`RecordError::Io`] if it cannot be opened; otherwise as
    /// [`RecordStream::from_reader`].
    pub fn open(path: impl AsRef<Path>) -> Result<Self, RecordError> {
        Self::open_with(path, &Expect::of::<G>()?)
    }

    /// As [`RecordStream::open`], accepting what `expect` says instead of `G`'s
    /// own id and schema hash (tools that read a recording whose schema they
    /// cannot name).
    ///
    /// # Errors
    ///
    /// As [`RecordStream::open`].
    pub fn open_with(path: impl AsRef<Path>, expect: &Expect) -> Result<Self, RecordError> {
        let file = File::open(path)?;
        Self::with_expect(BufReader::with_capacity(1 << 16, file), expect)
    }
}

impl<G: Game, R: Read> RecordStream<G, R> {
    /// Reads the magic, version and header of a recording of `G` from `input`.
    ///
    /// # Errors
    ///
    /// [`RecordError::Schema`] if `G`'s schema cannot be derived; otherwise as
    /// [`RecordStream::with_expect`].
    pub fn from_reader(input: R) -> Result<Self, RecordError> {
        Self::with_expect(input, &Expect::of::<G>()?)
    }

    /// Reads the magic, version and header from `input`, checking them against
    /// `expect`.
    ///
    /// # Errors
    ///
    /// [`RecordError::NotARecording`], [`RecordError::NewerVersion`],
    /// [`RecordError::CorruptHeader`], [`RecordError::WrongGame`] or
    /// [`RecordError::WrongSchema`].
    pub fn with_expect(mut input: R, expect: &Expect) -> Result<Self, RecordError> {
        let mut lead = [0u8; 10];
        if read_up_to(&mut input, &mut lead)? < lead.len() || lead[..MAGIC.len()] != MAGIC {
            return Err(RecordError::NotARecording);
        }
        let version = u16::from_le_bytes([lead[8], lead[9]]);
        if version > FORMAT_VERSION {
            return Err(RecordError::NewerVersion {
                found: version,
                supported: FORMAT_VERSION,
            });
        }
        if version == 0 {
            return Err(RecordError::NotARecording);
        }
        let mut body = Vec::new();
        let len = read_frame(&mut input, &mut body)
            .and_then(|len| len.ok_or(TailProblem::Truncated))
            .map_err(RecordError::CorruptHeader)?;
        let header: Header = decode::<_, MAX_FRAME_BYTES>(&body[..len])
            .map_err(|e| RecordError::CorruptHeader(TailProblem::Undecodable(e.to_string())))?;
        check_header(&header, expect)?;
        Ok(RecordStream {
            input,
            offset: (lead.len() + len + 8) as u64,
            last_tick: header.start_tick,
            header,
            stopped: None,
            body,
            _game: PhantomData,
        })
    }

    /// The next record and the byte offset of its frame; `None` at the end of the
    /// file or at the first damaged frame ([`RecordStream::stopped`] then says
    /// where and why).
    pub fn next_record(&mut self) -> Option<(u64, Record<G::Move>)> {
        if self.stopped.is_some() {
            return None;
        }
        let at = self.offset;
        match self.read_record() {
            Ok(Some((record, next))) => {
                self.offset = next;
                Some((at, record))
            }
            Ok(None) => None,
            Err(problem) => {
                self.stopped = Some(Stopped {
                    offset: at,
                    last_tick: self.last_tick,
                    problem,
                });
                None
            }
        }
    }

    /// The next record and the offset after it.
    fn read_record(&mut self) -> Result<Option<Framed<G>>, TailProblem> {
        let Some(len) = read_frame(&mut self.input, &mut self.body)? else {
            return Ok(None);
        };
        let decoded = decode::<Record<G::Move>, MAX_FRAME_BYTES>(&self.body[..len]);
        if self.body.capacity() > KEEP_BUFFER {
            self.body = Vec::new();
        }
        let record = decoded.map_err(|e| TailProblem::Undecodable(e.to_string()))?;
        self.check(&record)?;
        if let Record::Sealed(st) = &record {
            self.last_tick = st.tick;
        }
        Ok(Some((record, self.offset + len as u64 + 8)))
    }

    /// Sealed ticks come one after the other; checksums and snapshots belong to a
    /// tick already read; nothing lies before the start state.
    fn check(&self, record: &Record<G::Move>) -> Result<(), TailProblem> {
        let (start, last) = (self.header.start_tick, self.last_tick);
        match record {
            Record::Sealed(st) => {
                let expected = last.next();
                if st.tick != expected || !st.tick.in_range() {
                    return Err(TailProblem::OutOfSequence {
                        expected,
                        found: st.tick,
                    });
                }
                if let Some(c) = st.commits.iter().find(|c| c.tick != st.tick) {
                    return Err(TailProblem::Misplaced(c.tick));
                }
            }
            Record::Checksum { tick, .. } | Record::Snapshot { tick, .. } => {
                if *tick < start || *tick > last {
                    return Err(TailProblem::Misplaced(*tick));
                }
            }
            Record::Event { tick, .. } => {
                if !tick.in_range() {
                    return Err(TailProblem::Misplaced(*tick));
                }
            }
        }
        Ok(())
    }
}

impl<G: Game, R> RecordStream<G, R> {
    /// What the recording is of.
    pub fn header(&self) -> &Header {
        &self.header
    }

    /// The last sealed tick read so far (the start tick before any).
    pub fn last_tick(&self) -> Tick {
        self.last_tick
    }

    /// The offset of the next frame.
    pub fn offset(&self) -> u64 {
        self.offset
    }

    /// Set once the stream met a damaged frame.
    pub fn stopped(&self) -> Option<&Stopped> {
        self.stopped.as_ref()
    }

    /// Gives up the stream, keeping the header and where it stopped.
    pub fn into_parts(self) -> (Header, Option<Stopped>) {
        (self.header, self.stopped)
    }
}

impl<G: Game, R: Read + Seek> RecordStream<G, R> {
    /// Goes back (or forward) to a frame offset returned by
    /// [`RecordStream::next_record`], whose preceding sealed tick was `last_tick`.
    ///
    /// # Errors
    ///
    /// [`RecordError::Io`] if the input cannot seek.
    pub fn rewind_to(&mut self, offset: u64, last_tick: Tick) -> Result<(), RecordError> {
        self.input.seek(SeekFrom::Start(offset))?;
        self.offset = offset;
        self.last_tick = last_tick;
        self.stopped = None;
        Ok(())
    }
}

fn check_header(header: &Header, expect: &Expect) -> Result<(), RecordError> {
    if header.game_id != expect.game_id {
        return Err(RecordError::WrongGame {
            expected: expect.game_id.clone(),
            found: header.game_id.clone(),
        });
    }
    if let Some(expected) = expect.schema_hash.filter(|h| *h != header.schema_hash) {
        return Err(RecordError::WrongSchema {
            expected,
            found: header.schema_hash,
        });
    }
    if !header.start_tick.in_range() {
        return Err(RecordError::CorruptHeader(TailProblem::Misplaced(
            header.start_tick,
        )));
    }
    Ok(())
}

/// Reads one frame into `body`: `Ok(None)` at a clean end of input, otherwise the
/// body length (`body` then holds the body; the CRC was checked). Memory grows only
/// as bytes really arrive, so a forged length costs nothing.
fn read_frame(input: &mut impl Read, body: &mut Vec<u8>) -> Result<Option<usize>, TailProblem> {
    let mut len = [0u8; 4];
    match read_up_to(input, &mut len).map_err(io_problem)? {
        0 => return Ok(None),
        4 => {}
        _ => return Err(TailProblem::Truncated),
    }
    let len = u32::from_le_bytes(len) as usize;
    if len > MAX_FRAME_BYTES {
        return Err(TailProblem::BadLength(len as u64));
    }
    body.clear();
    let want = len + 4;
    while body.len() < want {
        let start = body.len();
        let step = (want - start).min(start.max(1 << 16));
        body.reserve_exact(step);
        body.resize(start + step, 0);
        let got = read_up_to(input, &mut body[start..]).map_err(io_problem)?;
        if got < step {
            return Err(TailProblem::Truncated);
        }
    }
    let crc = [body[len], body[len + 1], body[len + 2], body[len + 3]];
    if crc32fast::hash(&body[..len]).to_le_bytes() != crc {
        return Err(TailProblem::BadCrc);
    }
    Ok(Some(len))
}

/// Fills `buf` as far as the input goes; returns how many bytes were read.
fn read_up_to(input: &mut impl Read, buf: &mut [u8]) -> std::io::Result<usize> {
    let mut filled = 0;
    while filled < buf.len() {
        match input.read(&mut buf[filled..]) {
            Ok(0) => break,
            Ok(n) => filled += n,
            Err(e) if e.kind() == ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(filled)
}

fn io_problem(e: std::io::Error) -> TailProblem {
    TailProblem::Unreadable(e.to_string())
}
