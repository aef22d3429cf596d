//! The host's sealing: its Sequencer (the one order) and its own Timeline (what
//! the host's players see), kept in step, with the host's checksum of every
//! recent sealed tick.

use super::super::journal::Checksums;
use crate::model::{Body, Commit, CommitId, Game, SealedTick, Tick};
use crate::timeline::{
    Accepted, Rollback, SealedEntry, Sequencer, SequencerConfig, SequencerError, Timeline,
    TimelineConfig,
};

/// What sealing up to the host's clock produced.
pub(super) struct Sealed<G: Game> {
    /// The ticks sealed, in order (for the resend buffer).
    pub(super) ticks: Vec<crate::model::SealedTick<G::Move>>,
    /// The host's journal of them (roster, recording).
    pub(super) entries: Vec<SealedEntry<G>>,
    /// Corrections of the host's own prediction.
    pub(super) rollbacks: Vec<Rollback>,
}

/// A newly admitted commit: stamped with the tick it will be sealed in.
pub(super) struct Admitted<M> {
    /// The commit, to relay.
    pub(super) commit: Commit<M>,
    /// Its tick was already sealed; it was re-stamped to the next open one.
    pub(super) restamped: bool,
}

/// Where sealing starts: a sealed state at a tick, and who the host plays as.
pub(super) struct Start<G: Game> {
    /// The peer the host's own commits are authored by.
    pub(super) own: crate::model::PeerId,
    /// The sealed tick of `state`.
    pub(super) tick: Tick,
    /// The sealed state.
    pub(super) state: G::State,
    /// The session seed.
    pub(super) seed: u64,
}

/// Sequencer and host timeline.
#[derive(Debug)]
pub(super) struct Sealer<G: Game> {
    sequencer: Sequencer<G::Move>,
    timeline: Timeline<G>,
    checksums: Checksums,
}

impl<G: Game> Sealer<G> {
    /// The last sealed tick.
    pub(super) fn sealed_tick(&self) -> Tick {
        self.sequencer.sealed_tick()
    }

    /// Sealing from `genesis`; the host's timeline predicts `max_prediction`
    /// ticks past the sealed tick (its largest seal delay and one).
    #[cfg(test)]
    pub(super) fn new(
        genesis: G::State,
        seed: u64,
        timeline: TimelineConfig,
        sequencer: SequencerConfig,
        keep_checksums: u64,
    ) -> Result<Self, crate::timeline::ConfigError> {
        let start = Start {
            own: crate::model::PeerId::HOST,
            tick: Tick::GENESIS,
            state: genesis,
            seed,
        };
        Self::from_sealed(start, timeline, sequencer, keep_checksums)
    }

    /// Sealing on from `start`'s sealed state, the host's own player authoring
    /// as `start.own`.
    pub(super) fn from_sealed(
        start: Start<G>,
        timeline: TimelineConfig,
        sequencer: SequencerConfig,
        keep_checksums: u64,
    ) -> Result<Self, crate::timeline::ConfigError> {
        Ok(Sealer {
            sequencer: Sequencer::new(sequencer, start.tick),
            timeline: Timeline::from_sealed(
                start.own,
                start.state,
                start.tick,
                start.seed,
                timeline,
            )?,
            checksums: Checksums::new(keep_checksums),
        })
    }

    /// Notes a tick the old host sealed (see [`Sequencer::note_sealed`]).
    pub(super) fn note_sealed(&mut self, st: &SealedTick<G::Move>) {
        self.sequencer.note_sealed(st);
    }

    /// Takes `st` as sealed by the host this one took over from (see
    /// [`Sequencer::adopt`]): the host's timeline seals it like a client's.
    ///
    /// # Errors
    ///
    /// [`SequencerError`] if it is not the next tick; nothing changes then.
    pub(super) fn adopt(&mut self, st: SealedTick<G::Move>) -> Result<Sealed<G>, SequencerError> {
        self.sequencer.adopt(&st)?;
        let mut out = Sealed {
            ticks: vec![st.clone()],
            entries: Vec::new(),
            rollbacks: Vec::new(),
        };
        match self.timeline.receive_sealed(st) {
            Ok(outcome) => out.rollbacks.extend(outcome.rollback),
            Err(e) => tracing::error!("host timeline refused an adopted sealed tick: {e}"),
        }
        for entry in self.timeline.drain_journal() {
            self.checksums.observe(&entry);
            out.entries.push(entry);
        }
        Ok(out)
    }

    /// Numbers the host player's commits from `seq` on (it continues a client's).
    pub(super) fn resume_seq_from(&mut self, seq: u64) {
        self.timeline.resume_seq_from(seq);
    }

    pub(super) fn timeline(&self) -> &Timeline<G> {
        &self.timeline
    }

    pub(super) fn sealed_checksum(&mut self) -> u64 {
        self.timeline.sealed_checksum()
    }

    /// The host's checksum at a recent sealed tick.
    pub(super) fn checksum_at(&self, tick: Tick) -> Option<u64> {
        self.checksums.at(tick)
    }

    /// Mints a `Join` or `Leave` for the next open tick.
    pub(super) fn system(&mut self, body: Body<G::Move>) {
        if let Err(e) = self.sequencer.system(body) {
            tracing::error!("cannot mint a system commit: {e}");
        }
    }

    /// Mints a `Join` (or `Leave`) of a player in the host's process for `at` (or
    /// the next open tick), and predicts it: minted ahead of the head, it is
    /// sealed as predicted.
    pub(super) fn local_system(&mut self, body: Body<G::Move>, at: Tick) {
        match self.sequencer.system_at(body, at) {
            Ok(commit) => {
                self.timeline.hold_relayed(commit);
            }
            Err(e) => tracing::error!("cannot mint a system commit: {e}"),
        }
    }

    /// Stamps a Modification of the host's own player (through its timeline, so
    /// that the host predicts it) and returns it for admission.
    pub(super) fn own_commit(&mut self, modification: G::Move) -> (CommitId, Vec<Commit<G::Move>>) {
        let id = self.timeline.commit(modification);
        (id, self.timeline.take_outgoing())
    }

    /// Accepts a commit into the order. A new one comes back stamped with the
    /// tick it will be sealed in (to relay), with the host's own prediction
    /// already holding it; a duplicate gives `None`.
    ///
    /// # Errors
    ///
    /// [`SequencerError`] from the sequencer (too far ahead, a system body).
    pub(super) fn admit(
        &mut self,
        commit: Commit<G::Move>,
    ) -> Result<Option<Admitted<G::Move>>, SequencerError> {
        let mut relayed = commit.clone();
        let restamped = match self.sequencer.accept(commit)? {
            Accepted::Duplicate => return Ok(None),
            Accepted::Queued(tick) => {
                relayed.tick = tick;
                false
            }
            Accepted::Restamped { to, .. } => {
                relayed.tick = to;
                true
            }
        };
        self.timeline.hold_relayed(relayed.clone());
        Ok(Some(Admitted {
            commit: relayed,
            restamped,
        }))
    }

    /// Folds the commits admitted since the last call into the host's prediction,
    /// in one re-prediction however many there were.
    pub(super) fn refresh(&mut self) -> Option<Rollback> {
        self.timeline.refresh_relayed()
    }

    /// Moves the host's head to `target`, sealing every tick `seal_delay` ticks
    /// behind it on the way.
    pub(super) fn run_to(&mut self, target: u64, seal_delay: u64) -> Sealed<G> {
        let mut out = Sealed {
            ticks: Vec::new(),
            entries: Vec::new(),
            rollbacks: Vec::new(),
        };
        out.rollbacks.extend(self.refresh());
        while self.timeline.head().0 < target {
            let seal_to = Tick((self.timeline.head().0 + 1).saturating_sub(seal_delay));
            for st in self.sequencer.seal_through(seal_to) {
                out.ticks.push(st.clone());
                match self.timeline.receive_sealed(st) {
                    Ok(outcome) => out.rollbacks.extend(outcome.rollback),
                    Err(e) => tracing::error!("host timeline refused its own sealed tick: {e}"),
                }
            }
            if self.timeline.advance().is_err() {
                break;
            }
        }
        for entry in self.timeline.drain_journal() {
            self.checksums.observe(&entry);
            out.entries.push(entry);
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixtures::{Push, Tally, TallyGame};
    use crate::model::PeerId;

    fn sealer() -> Sealer<TallyGame> {
        let config = TimelineConfig {
            max_prediction: 4,
            journal: true,
            checksum_interval: 1,
            ..TimelineConfig::default()
        };
        Sealer::new(Tally::default(), 3, config, SequencerConfig::default(), 10)
            .expect("valid config")
    }

    #[test]
    fn sealing_trails_the_head_by_the_seal_delay_and_keeps_recent_checksums() {
        let mut s = sealer();
        let out = s.run_to(20, 2);
        assert_eq!(s.timeline().head(), Tick(20));
        assert_eq!(s.sealed_tick(), Tick(18));
        assert_eq!(out.ticks.len(), 18);
        assert_eq!(out.entries.len(), 18);
        assert!(s.checksum_at(Tick(8)).is_some());
        assert!(s.checksum_at(Tick(7)).is_none(), "older than 10 ticks");
        assert_eq!(s.checksum_at(Tick(18)), Some(s.sealed_checksum()));
    }

    #[test]
    fn an_admitted_commit_is_predicted_and_sealed_without_rollback() {
        let mut s = sealer();
        s.run_to(5, 1);
        let id = CommitId {
            author: PeerId(2),
            seq: 0,
        };
        let a = s
            .admit(Commit::game(id, Tick(7), Push(1)))
            .expect("in range")
            .expect("new");
        assert_eq!((a.commit.tick, a.restamped), (Tick(7), false));
        assert_eq!(s.refresh(), None, "ahead of the head: nothing to correct");
        assert!(s.admit(a.commit).expect("in range").is_none(), "duplicate");
        let out = s.run_to(10, 1);
        assert!(out.rollbacks.is_empty(), "the host predicted it");
        assert!(out.ticks.iter().any(|st| st.ids().any(|i| i == id)));
        // A late one is re-stamped to the next open tick and rolls the head back.
        let late = CommitId {
            author: PeerId(2),
            seq: 1,
        };
        let a = s
            .admit(Commit::game(late, Tick(3), Push(2)))
            .expect("in range")
            .expect("new");
        assert_eq!((a.commit.tick, a.restamped), (Tick(10), true));
        assert_eq!(s.refresh().map(|r| r.from), Some(Tick(10)));
    }
}
