//! Reading a recording back, keeping everything before a damaged tail.

use std::collections::BTreeMap;
use std::path::Path;

use std::io::Read;

use crate::model::{Commit, Game, SchemaError, SealedTick, Tick};

use super::error::{RecordError, TailProblem};
use super::format::{Header, Record, RecordedEvent};
use super::stream::RecordStream;

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

    /// Accept recordings of the game `G` with its schema hash only.
    ///
    /// # Errors
    ///
    /// [`SchemaError`] when the game's schema cannot be derived.
    pub fn of<G: Game>() -> Result<Self, SchemaError> {
        Ok(Expect::game(G::ID).schema(G::schema_hash()?))
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

/// A recording of the game `G` read into memory.
pub struct Recording<G: Game> {
    /// What the recording is of.
    pub header: Header,
    /// Sealed ticks, contiguous from `header.start_tick + 1`.
    pub sealed: Vec<SealedTick<G::Move>>,
    /// Recorded checksums of the sealed state, by tick.
    pub checksums: BTreeMap<Tick, u64>,
    /// Recorded snapshots (canonical bytes), by tick.
    pub snapshots: BTreeMap<Tick, Vec<u8>>,
    /// Recorded events.
    pub events: Vec<(Tick, RecordedEvent)>,
    /// Set when the file had a truncated or damaged tail.
    pub stopped: Option<Stopped>,
}

impl<G: Game> Recording<G> {
    /// Reads the recording of `G` (its id and schema hash) at `path`, as a stream:
    /// memory follows what the file really holds, never its claimed lengths.
    ///
    /// # Errors
    ///
    /// [`RecordError::Io`] if it cannot be opened; otherwise as
    /// [`Recording::from_bytes`].
    pub fn open(path: impl AsRef<Path>) -> Result<Self, RecordError> {
        Self::collect(RecordStream::open(path)?)
    }

    /// Parses a recording of `G`. A truncated or corrupt tail is not an error:
    /// everything before it is kept and [`Recording::stopped`] says where it
    /// stopped.
    ///
    /// # Errors
    ///
    /// [`RecordError::NotARecording`], [`RecordError::NewerVersion`],
    /// [`RecordError::CorruptHeader`], [`RecordError::WrongGame`],
    /// [`RecordError::WrongSchema`] or [`RecordError::Schema`].
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, RecordError> {
        Self::collect(RecordStream::from_reader(bytes)?)
    }

    /// Reads the rest of `stream` into memory.
    ///
    /// # Errors
    ///
    /// None today; the signature leaves room for limits on what is kept.
    pub fn collect<R: Read>(mut stream: RecordStream<G, R>) -> Result<Self, RecordError> {
        let (mut sealed, mut events) = (Vec::new(), Vec::new());
        // Gathered in file order (ticks ascending, the stream checks it) and
        // built in one pass: cheaper than a tree insert per record. A tick
        // recorded twice keeps its last value, as an insert would.
        let (mut checksums, mut snapshots) = (Vec::new(), Vec::new());
        while let Some((_, record)) = stream.next_record() {
            match record {
                Record::Sealed(st) => sealed.push(st),
                Record::Checksum { tick, value } => checksums.push((tick, value)),
                Record::Snapshot { tick, bytes } => snapshots.push((tick, bytes)),
                Record::Event { tick, event } => events.push((tick, event)),
            }
        }
        let (header, stopped) = stream.into_parts();
        Ok(Recording {
            header,
            sealed,
            checksums: checksums.into_iter().collect(),
            snapshots: snapshots.into_iter().collect(),
            events,
            stopped,
        })
    }
}

impl<G: Game> Clone for Recording<G> {
    fn clone(&self) -> Self {
        Recording {
            header: self.header.clone(),
            sealed: self.sealed.clone(),
            checksums: self.checksums.clone(),
            snapshots: self.snapshots.clone(),
            events: self.events.clone(),
            stopped: self.stopped.clone(),
        }
    }
}

impl<G: Game> std::fmt::Debug for Recording<G> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Recording")
            .field("header", &self.header)
            .field("sealed", &self.sealed.len())
            .field("checksums", &self.checksums.len())
            .field("snapshots", &self.snapshots.len())
            .field("events", &self.events)
            .field("stopped", &self.stopped)
            .finish()
    }
}

impl<G: Game> Recording<G> {
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
    pub fn commits_at(&self, tick: Tick) -> &[Commit<G::Move>] {
        self.sealed_at(tick).map_or(&[], |st| st.commits.as_slice())
    }

    /// The sealed tick `tick`, if recorded.
    pub fn sealed_at(&self, tick: Tick) -> Option<&SealedTick<G::Move>> {
        let index = tick.0.checked_sub(self.header.start_tick.next().0)?;
        self.sealed.get(usize::try_from(index).ok()?)
    }

    /// How many commits were sealed in all.
    pub fn commit_count(&self) -> usize {
        self.sealed.iter().map(|st| st.commits.len()).sum()
    }
}
