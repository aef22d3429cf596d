//! Re-simulating a recording from any tick, read from its file: start at the
//! nearest snapshot (or the start state), then step through the sealed ticks.

use std::path::Path;

use crate::model::codec::decode_state;
use crate::model::{Commit, Game, Tick, run_tick};
use crate::timeline::state_checksum;

use super::error::ReplayError;
use super::format::Record;
use super::index::Index;
use super::reader::Expect;
use super::stream::RecordStream;

/// A recording's state at one tick, and what the file says about that tick.
pub(super) struct Cursor<G: Game> {
    stream: RecordStream<G>,
    pending: Option<Record<G::Move>>,
    seed: u64,
    /// The state at `tick`, re-simulated.
    pub(super) state: G::State,
    pub(super) tick: Tick,
    /// The commits sealed at `tick`.
    pub(super) commits: Vec<Commit<G::Move>>,
    /// The snapshot recorded at `tick`, if any.
    pub(super) snapshot: Option<Vec<u8>>,
    /// The checksum recorded at `tick`, if any.
    pub(super) recorded_sum: Option<u64>,
    /// Ticks stepped so far.
    pub(super) stepped: u64,
}

impl<G: Game> Cursor<G> {
    /// Opens `path` at the latest snapshot at or before `tick` (the start state if
    /// there is none), then steps to `tick`.
    pub(super) fn open_at(
        path: &Path,
        expect: &Expect,
        index: &Index,
        tick: Tick,
    ) -> Result<Self, ReplayError> {
        let mut stream = RecordStream::<G>::open_with(path, expect)?;
        let header = stream.header().clone();
        let (state, from) = match index.snapshots.at_or_before(tick) {
            Some(&(at, offset)) => {
                stream.rewind_to(offset, at)?;
                match stream.next_record() {
                    Some((_, Record::Snapshot { bytes, .. })) => {
                        let state = decode_state(&bytes)
                            .map_err(|source| ReplayError::Snapshot { tick: at, source })?;
                        (state, at)
                    }
                    _ => return Err(ReplayError::Changed(path.display().to_string())),
                }
            }
            None => {
                let state = decode_state(&header.genesis).map_err(ReplayError::Genesis)?;
                (state, header.start_tick)
            }
        };
        let mut cursor = Cursor {
            stream,
            pending: None,
            seed: header.seed,
            state,
            tick: from,
            commits: Vec::new(),
            snapshot: None,
            recorded_sum: None,
            stepped: 0,
        };
        while cursor.tick < tick {
            if !cursor.step() {
                let last = cursor.tick;
                return Err(ReplayError::OutOfRange {
                    tick,
                    first: header.start_tick,
                    last,
                });
            }
        }
        Ok(cursor)
    }

    /// Steps to the next sealed tick; false at the end of the readable file.
    pub(super) fn step(&mut self) -> bool {
        let sealed = loop {
            match self.pending.take().or_else(|| self.next()) {
                Some(Record::Sealed(st)) => break st,
                Some(_) => {}
                None => return false,
            }
        };
        run_tick::<G>(&mut self.state, &sealed.commits, self.seed, sealed.tick);
        self.tick = sealed.tick;
        self.commits = sealed.commits;
        self.stepped += 1;
        (self.snapshot, self.recorded_sum) = (None, None);
        // What the file says about this tick follows its sealed record.
        while let Some(record) = self.next() {
            match record {
                Record::Checksum { tick, value } if tick == self.tick => {
                    self.recorded_sum = Some(value);
                }
                Record::Snapshot { tick, bytes } if tick == self.tick => {
                    self.snapshot = Some(bytes);
                }
                Record::Sealed(st) => {
                    self.pending = Some(Record::Sealed(st));
                    break;
                }
                _ => {}
            }
        }
        true
    }

    fn next(&mut self) -> Option<Record<G::Move>> {
        self.stream.next_record().map(|(_, record)| record)
    }

    /// Checksum of the re-simulated state.
    pub(super) fn checksum(&self) -> u64 {
        state_checksum(&self.state)
    }

    /// The state the recording's own peer held at this tick: its snapshot when it
    /// recorded one, otherwise the re-simulated state.
    pub(super) fn recorded_state(&self) -> Result<G::State, ReplayError> {
        match &self.snapshot {
            Some(bytes) => decode_state(bytes).map_err(|source| ReplayError::Snapshot {
                tick: self.tick,
                source,
            }),
            None => Ok(self.state.clone()),
        }
    }
}
