//! Reading a recording as a stream of records, in bounded memory.
//!
//! The stream holds the header, one frame body (at most [`MAX_FRAME_BYTES`], and
//! never more than the file really contains) and a few counters, whatever the size
//! of the file: a 2 GB file of zeros, `/dev/zero` or a FIFO costs the same as a
//! small recording. Every tick read is checked against [`Tick::MAX`] and against
//! the sealed sequence, so no arithmetic on it can overflow.

use std::fs::File;
use std::io::{Read, Seek, SeekFrom};
use std::marker::PhantomData;
use std::path::Path;

use crate::model::codec::decode;
use crate::model::{Game, Tick};

use super::error::{RecordError, TailProblem};
use super::format::{FORMAT_VERSION, Header, MAGIC, MAX_FRAME_BYTES, Record};
use super::frames::Frames;
use super::reader::{Expect, Stopped};

/// A record read, and the byte offset after it.
type Framed<G> = (Record<<G as Game>::Move>, u64);

/// A recording of the game `G` read record by record from `R` (a file unless
/// said otherwise).
pub struct RecordStream<G: Game, R = File> {
    frames: Frames<R>,
    header: Header,
    offset: u64,
    last_tick: Tick,
    stopped: Option<Stopped>,
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
        Self::with_expect(File::open(path)?, expect)
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
    pub fn with_expect(input: R, expect: &Expect) -> Result<Self, RecordError> {
        const LEAD: usize = MAGIC.len() + 2;
        let mut frames = Frames::new(input);
        let lead = match frames.take(LEAD) {
            Ok(Ok(lead)) if lead[..MAGIC.len()] == MAGIC => lead,
            Err(TailProblem::Unreadable(e)) => return Err(std::io::Error::other(e).into()),
            _ => return Err(RecordError::NotARecording),
        };
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
        let body = frames
            .next_body()
            .and_then(|body| body.ok_or(TailProblem::Truncated))
            .map_err(RecordError::CorruptHeader)?;
        let len = body.len();
        let header: Header = decode::<_, MAX_FRAME_BYTES>(body)
            .map_err(|e| RecordError::CorruptHeader(TailProblem::Undecodable(e.to_string())))?;
        check_header(&header, expect)?;
        Ok(RecordStream {
            frames,
            offset: (LEAD + len + 8) as u64,
            last_tick: header.start_tick,
            header,
            stopped: None,
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
        let Some(body) = self.frames.next_body()? else {
            return Ok(None);
        };
        let len = body.len();
        let record = decode::<Record<G::Move>, MAX_FRAME_BYTES>(body)
            .map_err(|e| TailProblem::Undecodable(e.to_string()))?;
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
        self.frames.input_mut().seek(SeekFrom::Start(offset))?;
        self.frames.discard();
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
