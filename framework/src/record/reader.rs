//! Reading a recording back, keeping everything before a damaged tail.

use std::collections::BTreeMap;
use std::path::Path;

use serde::de::DeserializeOwned;

use crate::model::codec::decode;
use crate::model::{Commit, SealedTick, Tick};

use super::error::{RecordError, TailProblem};
use super::format::{
    FORMAT_VERSION, Header, MAGIC, MAX_FRAME_BYTES, Record, RecordedEvent, read_frame,
};

/// What the reader checks before accepting a file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Expect {
    /// The game id the file must carry.
    pub game_id: String,
    /// The schema hash the file must carry, if checked.
    pub schema_hash: Option<u64>,
}

impl Expect {
    /// Accept recordings of `game_id`, whatever their schema hash.
    pub fn game(game_id: impl Into<String>) -> Self {
        Expect {
            game_id: game_id.into(),
            schema_hash: None,
        }
    }

    /// Also require this schema hash.
    #[must_use]
    pub fn schema(mut self, hash: u64) -> Self {
        self.schema_hash = Some(hash);
        self
    }
}

/// Where and why a reader stopped before the end of the file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Stopped {
    /// Byte offset of the first frame that could not be read.
    pub offset: u64,
    /// The last sealed tick that was read whole.
    pub last_tick: Tick,
    /// What was wrong.
    pub problem: TailProblem,
}

/// A recording read into memory.
#[derive(Clone, Debug)]
pub struct Recording<M> {
    /// What the recording is of.
    pub header: Header,
    /// Sealed ticks, contiguous from `header.start_tick + 1`.
    pub sealed: Vec<SealedTick<M>>,
    /// Recorded checksums of the sealed state, by tick.
    pub checksums: BTreeMap<Tick, u64>,
    /// Recorded snapshots (canonical bytes), by tick.
    pub snapshots: BTreeMap<Tick, Vec<u8>>,
    /// Recorded events.
    pub events: Vec<(Tick, RecordedEvent)>,
    /// Set when the file had a truncated or damaged tail.
    pub stopped: Option<Stopped>,
}

impl<M: DeserializeOwned> Recording<M> {
    /// Reads the file at `path`.
    ///
    /// # Errors
    ///
    /// [`RecordError::Io`] if it cannot be read; otherwise as [`Recording::from_bytes`].
    pub fn open(path: impl AsRef<Path>, expect: &Expect) -> Result<Self, RecordError> {
        let bytes = std::fs::read(path)?;
        Self::from_bytes(&bytes, expect)
    }

    /// Parses a recording. A truncated or corrupt tail is not an error: everything
    /// before it is kept and [`Recording::stopped`] says where it stopped.
    ///
    /// # Errors
    ///
    /// [`RecordError::NotARecording`], [`RecordError::NewerVersion`],
    /// [`RecordError::CorruptHeader`], [`RecordError::WrongGame`] or
    /// [`RecordError::WrongSchema`].
    pub fn from_bytes(bytes: &[u8], expect: &Expect) -> Result<Self, RecordError> {
        if bytes.len() < MAGIC.len() + 2 || bytes[..MAGIC.len()] != MAGIC {
            return Err(RecordError::NotARecording);
        }
        let version = u16::from_le_bytes([bytes[8], bytes[9]]);
        if version > FORMAT_VERSION {
            return Err(RecordError::NewerVersion {
                found: version,
                supported: FORMAT_VERSION,
            });
        }
        if version == 0 {
            return Err(RecordError::NotARecording);
        }
        let (body, mut at) = read_frame(bytes, 10).map_err(RecordError::CorruptHeader)?;
        let header: Header = decode::<_, MAX_FRAME_BYTES>(body)
            .map_err(|e| RecordError::CorruptHeader(TailProblem::Undecodable(e.to_string())))?;
        if header.game_id != expect.game_id {
            return Err(RecordError::WrongGame {
                expected: expect.game_id.clone(),
                found: header.game_id,
            });
        }
        if let Some(expected) = expect.schema_hash.filter(|h| *h != header.schema_hash) {
            return Err(RecordError::WrongSchema {
                expected,
                found: header.schema_hash,
            });
        }
        let mut rec = Recording {
            sealed: Vec::new(),
            checksums: BTreeMap::new(),
            snapshots: BTreeMap::new(),
            events: Vec::new(),
            stopped: None,
            header,
        };
        while at < bytes.len() {
            match rec.read_record(bytes, at) {
                Ok(next) => at = next,
                Err(problem) => {
                    let last_tick = rec.last_tick();
                    rec.stopped = Some(Stopped {
                        offset: at as u64,
                        last_tick,
                        problem,
                    });
                    break;
                }
            }
        }
        Ok(rec)
    }

    fn read_record(&mut self, bytes: &[u8], at: usize) -> Result<usize, TailProblem> {
        let (body, next) = read_frame(bytes, at)?;
        let record: Record<M> = decode::<_, MAX_FRAME_BYTES>(body)
            .map_err(|e| TailProblem::Undecodable(e.to_string()))?;
        match record {
            Record::Sealed(st) => {
                let expected = self.last_tick().next();
                if st.tick != expected || st.commits.iter().any(|c| c.tick != st.tick) {
                    return Err(TailProblem::OutOfSequence {
                        expected,
                        found: st.tick,
                    });
                }
                self.sealed.push(st);
            }
            Record::Checksum { tick, value } => {
                self.checksums.insert(tick, value);
            }
            Record::Snapshot { tick, bytes } => {
                self.snapshots.insert(tick, bytes);
            }
            Record::Event { tick, event } => self.events.push((tick, event)),
        }
        Ok(next)
    }
}

impl<M> Recording<M> {
    /// The tick of the start state.
    pub fn start_tick(&self) -> Tick {
        self.header.start_tick
    }

    /// The last sealed tick in the recording (the start tick if there is none).
    pub fn last_tick(&self) -> Tick {
        self.sealed
            .last()
            .map_or(self.header.start_tick, |st| st.tick)
    }

    /// The commits sealed at `tick` (empty outside the recording).
    pub fn commits_at(&self, tick: Tick) -> &[Commit<M>] {
        self.sealed_at(tick).map_or(&[], |st| st.commits.as_slice())
    }

    /// The sealed tick `tick`, if recorded.
    pub fn sealed_at(&self, tick: Tick) -> Option<&SealedTick<M>> {
        let index = tick.0.checked_sub(self.header.start_tick.0 + 1)?;
        self.sealed.get(usize::try_from(index).ok()?)
    }

    /// How many commits were sealed in all.
    pub fn commit_count(&self) -> usize {
        self.sealed.iter().map(|st| st.commits.len()).sum()
    }
}
