//! Replaying a recording: seek, step, verify.

use crate::model::checksum::checksum_bytes;
use crate::model::codec::decode_state;
use crate::model::{Game, Tick, run_tick};
use crate::timeline::state_checksum;

use super::error::ReplayError;
use super::reader::Recording;
use super::verify::{Verifier, VerifyReport};

/// Moves through a recording: any tick can be shown, from the nearest snapshot.
pub struct Replayer<G: Game> {
    rec: Recording<G>,
    start: G::State,
    state: G::State,
    tick: Tick,
}

impl<G: Game> Clone for Replayer<G> {
    fn clone(&self) -> Self {
        Replayer {
            rec: self.rec.clone(),
            start: self.start.clone(),
            state: self.state.clone(),
            tick: self.tick,
        }
    }
}

impl<G: Game> std::fmt::Debug for Replayer<G> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Replayer")
            .field("rec", &self.rec)
            .field("tick", &self.tick)
            .finish_non_exhaustive()
    }
}

impl<G: Game> Replayer<G> {
    /// A replayer positioned at the recording's start state.
    ///
    /// # Errors
    ///
    /// [`ReplayError::Genesis`] if the start state does not decode as `G::State`.
    pub fn new(rec: Recording<G>) -> Result<Self, ReplayError> {
        let start: G::State = decode_state(&rec.header.genesis).map_err(ReplayError::Genesis)?;
        let tick = rec.start_tick();
        Ok(Replayer {
            state: start.clone(),
            start,
            tick,
            rec,
        })
    }

    /// The recording.
    pub fn recording(&self) -> &Recording<G> {
        &self.rec
    }

    /// The tick shown.
    pub fn tick(&self) -> Tick {
        self.tick
    }

    /// The sealed state at [`Replayer::tick`].
    pub fn state(&self) -> &G::State {
        &self.state
    }

    /// The checksum of the state shown.
    pub fn checksum(&self) -> u64 {
        state_checksum(&self.state)
    }

    /// The first tick (start state) and the last sealed tick.
    pub fn range(&self) -> (Tick, Tick) {
        (self.rec.start_tick(), self.rec.last_tick())
    }

    /// Shows `tick`: from the current state when it lies ahead and no snapshot is
    /// closer, otherwise from the nearest snapshot at or before it.
    ///
    /// # Errors
    ///
    /// [`ReplayError::OutOfRange`], or [`ReplayError::Snapshot`] if the snapshot to
    /// start from does not decode (the position is then unchanged).
    pub fn seek(&mut self, tick: Tick) -> Result<(), ReplayError> {
        let (first, last) = self.range();
        if tick < first || tick > last {
            return Err(ReplayError::OutOfRange { tick, first, last });
        }
        let snapshot = self.rec.snapshots.range(first..=tick).next_back();
        let from_here = tick >= self.tick && snapshot.is_none_or(|(t, _)| *t <= self.tick);
        if !from_here {
            match snapshot {
                Some((&t, bytes)) => {
                    self.state = decode_state(bytes)
                        .map_err(|source| ReplayError::Snapshot { tick: t, source })?;
                    self.tick = t;
                }
                None => {
                    self.state = self.start.clone();
                    self.tick = first;
                }
            }
        }
        while self.tick < tick {
            self.step_forward();
        }
        Ok(())
    }

    /// Shows the next tick; `None` at the end of the recording.
    pub fn step_forward(&mut self) -> Option<Tick> {
        let next = self.tick.next();
        let sealed = self.rec.sealed_at(next)?;
        run_tick::<G>(&mut self.state, &sealed.commits, self.rec.header.seed, next);
        self.tick = next;
        Some(next)
    }

    /// Shows the previous tick; `None` at the start.
    ///
    /// # Errors
    ///
    /// As [`Replayer::seek`].
    pub fn step_back(&mut self) -> Result<Option<Tick>, ReplayError> {
        if self.tick <= self.rec.start_tick() {
            return Ok(None);
        }
        let previous = Tick(self.tick.0 - 1);
        self.seek(previous)?;
        Ok(Some(previous))
    }

    /// Re-simulates the whole recording from its start state (ignoring snapshots as
    /// a source) and compares every recorded checksum and snapshot.
    pub fn verify(&self) -> VerifyReport {
        self.verify_to(self.rec.last_tick())
    }

    /// As [`Replayer::verify`], stopping at `tick` (clamped to the recording).
    pub fn verify_to(&self, tick: Tick) -> VerifyReport {
        let rec = &self.rec;
        let mut verifier =
            Verifier::<G>::new(self.start.clone(), rec.start_tick(), rec.header.seed);
        for sealed in rec.sealed.iter().take_while(|st| st.tick <= tick) {
            verifier.sealed(sealed);
            if let Some(&sum) = rec.checksums.get(&sealed.tick) {
                verifier.expect(sealed.tick, sum);
            }
            if let Some(bytes) = rec.snapshots.get(&sealed.tick) {
                verifier.expect(sealed.tick, checksum_bytes(bytes));
            }
        }
        verifier.finish(rec.stopped.clone())
    }
}
