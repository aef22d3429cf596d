//! Sealed ticks from the host: confirm the prediction, or correct it.

use crate::model::{Commit, Game, SealedTick, Tick, run_tick};
use crate::timeline::error::TimelineError;

use super::{MAX_BUFFERED_SEALED, Rollback, Timeline};

/// What [`Timeline::receive_sealed`] did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SealOutcome {
    /// How many ticks were sealed by this call (0 if it only buffered or ignored).
    pub newly_sealed: u64,
    /// Set when the prediction had to be corrected.
    pub rollback: Option<Rollback>,
}

/// One sealed tick as this peer computed it, for recordings and checksum reports.
pub struct SealedEntry<G: Game> {
    /// The tick.
    pub tick: Tick,
    /// Its commits in sealed order.
    pub commits: Vec<Commit<G::Move>>,
    /// Checksum of the sealed state at `tick`, when one was due.
    pub checksum: Option<u64>,
    /// The sealed state at `tick`, when a snapshot was due.
    pub snapshot: Option<G::State>,
}

impl<G: Game> Clone for SealedEntry<G> {
    fn clone(&self) -> Self {
        SealedEntry {
            tick: self.tick,
            commits: self.commits.clone(),
            checksum: self.checksum,
            snapshot: self.snapshot.clone(),
        }
    }
}

impl<G: Game> std::fmt::Debug for SealedEntry<G> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SealedEntry")
            .field("tick", &self.tick)
            .field("commits", &self.commits)
            .field("checksum", &self.checksum)
            .field("snapshot", &self.snapshot.is_some())
            .finish()
    }
}

/// What one call of [`Timeline::receive_sealed`] saw while sealing ticks.
struct SealPass {
    /// The head when the call began.
    old_head: Tick,
    /// The first sealed tick that differed from its prediction.
    mispredicted: Option<Tick>,
    newly_sealed: u64,
}

impl<G: Game> Timeline<G> {
    /// Takes one sealed tick from the host. Ticks may arrive out of order or more
    /// than once: later ones are buffered, old ones ignored.
    ///
    /// # Errors
    ///
    /// [`TimelineError::MisstampedCommit`] if a commit in it carries another tick;
    /// [`TimelineError::SealedTooFarAhead`] if it is too far ahead to buffer.
    /// Nothing is changed in either case.
    pub fn receive_sealed(
        &mut self,
        sealed: SealedTick<G::Move>,
    ) -> Result<SealOutcome, TimelineError> {
        if let Some(c) = sealed.commits.iter().find(|c| c.tick != sealed.tick) {
            return Err(TimelineError::MisstampedCommit {
                tick: sealed.tick,
                id: c.id,
                stamped: c.tick,
            });
        }
        let expected = self.sealed_tick.next();
        if sealed.tick < expected {
            return Ok(SealOutcome::default());
        }
        if sealed.tick.since(expected) > MAX_BUFFERED_SEALED {
            return Err(TimelineError::SealedTooFarAhead {
                tick: sealed.tick,
                expected,
            });
        }
        if sealed.tick > expected {
            // The ticks in between are late or lost: hold this one until they come.
            self.buffered.insert(sealed.tick, sealed);
            return Ok(SealOutcome::default());
        }
        let mut pass = SealPass {
            old_head: self.head(),
            mispredicted: None,
            newly_sealed: 0,
        };
        self.seal_one(sealed, &mut pass);
        while let Some(st) = self.buffered.remove(&self.sealed_tick.next()) {
            self.seal_one(st, &mut pass);
        }
        Ok(self.finish_pass(pass))
    }

    /// Seals the next tick: the first predicted tick becomes the sealed state when
    /// it applied the same commits, otherwise the tick is computed again.
    fn seal_one(&mut self, st: SealedTick<G::Move>, pass: &mut SealPass) {
        let confirmed = pass.mispredicted.is_none()
            && self.ring.confirm_first(&mut self.sealed_state, st.ids());
        if confirmed {
            self.stats.confirmed_ticks += 1;
        } else {
            if pass.mispredicted.is_none() && st.tick <= pass.old_head {
                pass.mispredicted = Some(st.tick);
            }
            self.ring.clear();
            run_tick::<G>(&mut self.sealed_state, &st.commits, self.seed, st.tick);
        }
        pass.newly_sealed += 1;
        self.sealed_tick = st.tick;
        self.sealed_checksum = None;
        for c in st.commits.iter().filter(|c| c.id.author == self.me) {
            self.pending.remove(&c.id.seq);
        }
        self.drop_relayed_through(st.tick);
        self.journal_tick(st);
    }

    /// Predicts again up to the old head after a misprediction.
    fn finish_pass(&mut self, pass: SealPass) -> SealOutcome {
        let mut rollback = None;
        if let Some(from) = pass.mispredicted {
            while self.head() < pass.old_head {
                self.predict_next();
            }
            rollback = Some(self.count_rollback(from, pass.old_head));
        }
        SealOutcome {
            newly_sealed: pass.newly_sealed,
            rollback,
        }
    }

    fn journal_tick(&mut self, st: SealedTick<G::Move>) {
        if !self.config.journal {
            return;
        }
        let due = |every: u64| every > 0 && st.tick.0.is_multiple_of(every);
        let checksum = due(self.config.checksum_interval).then(|| self.sealed_checksum());
        let snapshot = due(self.config.snapshot_interval).then(|| self.sealed_state.clone());
        self.journal.push(SealedEntry {
            tick: st.tick,
            commits: st.commits,
            checksum,
            snapshot,
        });
    }

    /// Sealed ticks journaled since the last call (empty unless
    /// [`TimelineConfig::journal`](crate::timeline::TimelineConfig::journal) is
    /// on). Drain it regularly: it grows until then.
    pub fn drain_journal(&mut self) -> Vec<SealedEntry<G>> {
        std::mem::take(&mut self.journal)
    }
}
