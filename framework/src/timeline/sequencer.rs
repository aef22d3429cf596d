//! The host's side: admits commits in any order, seals ticks into one order.

use std::collections::BTreeMap;

use crate::model::{Body, Commit, CommitId, PeerId, SealedTick, Tick, sort_canonical};

use super::config::SequencerConfig;
use super::error::SequencerError;
use super::seen::SeenIds;

/// What the sequencer did with an accepted commit.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Accepted {
    /// Queued for the tick it was stamped with.
    Queued(Tick),
    /// Its tick was already sealed; it was re-stamped to the next open tick.
    Restamped {
        /// The stamp it came with.
        from: Tick,
        /// The tick it will be sealed in.
        to: Tick,
    },
    /// A commit with this id was accepted before; this copy was ignored.
    Duplicate,
}

/// Seals ticks: the one authoritative order of commits.
///
/// Commits arrive from any author in any order and any number of times. Within a
/// tick, commits are sealed in the canonical order ([`Commit::order_key`]): system
/// commits first, then by author and sequence number, so that the order does not
/// depend on network timing and peers can predict it. A commit that arrives
/// after its tick was sealed is re-stamped to the next open tick, never dropped.
#[derive(Clone, Debug)]
pub struct Sequencer<M> {
    config: SequencerConfig,
    sealed: Tick,
    open: BTreeMap<Tick, Vec<Commit<M>>>,
    seen: SeenIds,
    next_system_seq: u64,
}

impl<M> Sequencer<M> {
    /// A sequencer whose last sealed tick is `sealed` (genesis: [`Tick::GENESIS`]).
    pub fn new(config: SequencerConfig, sealed: Tick) -> Self {
        Sequencer {
            config,
            sealed,
            open: BTreeMap::new(),
            seen: SeenIds::default(),
            next_system_seq: 0,
        }
    }

    /// The last sealed tick.
    pub fn sealed_tick(&self) -> Tick {
        self.sealed
    }

    /// The configuration.
    pub fn config(&self) -> &SequencerConfig {
        &self.config
    }

    /// Whether a commit with this id was accepted.
    pub fn has_seen(&self, id: CommitId) -> bool {
        self.seen.contains(id)
    }

    /// Notes a tick another host sealed before this one took the session over:
    /// its commits count as seen (a copy sent again is a duplicate), and system
    /// commits are numbered after its own.
    pub fn note_sealed(&mut self, st: &SealedTick<M>) {
        for commit in &st.commits {
            self.seen.insert(commit.id);
            if commit.id.author == PeerId::SYSTEM {
                self.next_system_seq = self.next_system_seq.max(commit.id.seq.saturating_add(1));
            }
        }
    }

    /// Takes `st`, the next tick after ours, as sealed by the host this one took
    /// over from: its commits count as seen; open commits for it that it holds
    /// are dropped, the others move to the tick after (re-stamped, never lost).
    ///
    /// # Errors
    ///
    /// [`SequencerError::SealOutOfOrder`] if `st` is not the next unsealed tick.
    pub fn adopt(&mut self, st: &SealedTick<M>) -> Result<(), SequencerError> {
        let expected = self.sealed.next();
        if st.tick != expected {
            return Err(SequencerError::SealOutOfOrder {
                requested: st.tick,
                expected,
            });
        }
        self.note_sealed(st);
        self.sealed = st.tick;
        if let Some(mut open) = self.open.remove(&st.tick) {
            open.retain(|c| st.commits.iter().all(|s| s.id != c.id));
            for c in &mut open {
                c.tick = st.tick.next();
            }
            if !open.is_empty() {
                self.open.entry(st.tick.next()).or_default().extend(open);
            }
        }
        Ok(())
    }

    /// Commits accepted and not sealed yet.
    pub fn open_commits(&self) -> usize {
        self.open.values().map(Vec::len).sum()
    }

    /// Admits a game commit.
    ///
    /// # Errors
    ///
    /// [`SequencerError::TooFarAhead`] when the stamp is more than `max_ahead` ticks
    /// after the sealed tick; [`SequencerError::SystemBody`] for a `Join`/`Leave`
    /// body or the [`PeerId::SYSTEM`] author (only [`Sequencer::system`] mints
    /// those). A refused commit is not remembered, so a corrected copy may follow.
    pub fn accept(&mut self, mut commit: Commit<M>) -> Result<Accepted, SequencerError> {
        if commit.is_system() || commit.id.author == PeerId::SYSTEM {
            return Err(SequencerError::SystemBody { id: commit.id });
        }
        let limit = self.sealed.plus(self.config.max_ahead);
        if commit.tick > limit {
            if self.seen.contains(commit.id) {
                return Ok(Accepted::Duplicate);
            }
            return Err(SequencerError::TooFarAhead {
                id: commit.id,
                tick: commit.tick,
                limit,
            });
        }
        if !self.seen.insert(commit.id) {
            return Ok(Accepted::Duplicate);
        }
        let next_open = self.sealed.next();
        let outcome = if commit.tick < next_open {
            let from = commit.tick;
            commit.tick = next_open;
            Accepted::Restamped {
                from,
                to: next_open,
            }
        } else {
            Accepted::Queued(commit.tick)
        };
        self.open.entry(commit.tick).or_default().push(commit);
        Ok(outcome)
    }

    /// Mints a system commit (`Join` / `Leave`) for the next open tick and returns
    /// its id. Game bodies are refused: they need an author.
    ///
    /// # Errors
    ///
    /// [`SequencerError::SystemBody`] if `body` is a game body.
    pub fn system(&mut self, body: Body<M>) -> Result<CommitId, SequencerError>
    where
        M: Clone,
    {
        self.system_at(body, Tick::GENESIS).map(|c| c.id)
    }

    /// As [`Sequencer::system`], for `at` or the next open tick if `at` is
    /// already sealed; returns the commit (a host predicts it where it can: a
    /// local player's `Join` minted for a tick not yet predicted causes no
    /// rollback).
    ///
    /// # Errors
    ///
    /// [`SequencerError::SystemBody`] for a `Body::Game`.
    pub fn system_at(&mut self, body: Body<M>, at: Tick) -> Result<Commit<M>, SequencerError>
    where
        M: Clone,
    {
        let id = CommitId {
            author: PeerId::SYSTEM,
            seq: self.next_system_seq,
        };
        if matches!(body, Body::Game(_)) {
            return Err(SequencerError::SystemBody { id });
        }
        self.next_system_seq += 1;
        self.seen.insert(id);
        let tick = at.max(self.sealed.next());
        let commit = Commit { id, tick, body };
        self.open.entry(tick).or_default().push(commit.clone());
        Ok(commit)
    }

    /// Closes `tick` (which must be the next unsealed tick) and returns its commits
    /// in sealed order.
    ///
    /// # Errors
    ///
    /// [`SequencerError::SealOutOfOrder`] if `tick` is not the next unsealed tick.
    pub fn seal(&mut self, tick: Tick) -> Result<SealedTick<M>, SequencerError> {
        let expected = self.sealed.next();
        if tick != expected {
            return Err(SequencerError::SealOutOfOrder {
                requested: tick,
                expected,
            });
        }
        self.sealed = tick;
        let commits = self.take_open(tick);
        Ok(SealedTick { tick, commits })
    }

    /// Seals every tick up to and including `tick` (nothing if it is already sealed).
    pub fn seal_through(&mut self, tick: Tick) -> Vec<SealedTick<M>> {
        let mut out = Vec::with_capacity(tick.since(self.sealed) as usize);
        while self.sealed < tick {
            let next = self.sealed.next();
            self.sealed = next;
            out.push(SealedTick {
                tick: next,
                commits: self.take_open(next),
            });
        }
        out
    }

    /// The commits queued for `tick`, in the canonical order.
    fn take_open(&mut self, tick: Tick) -> Vec<Commit<M>> {
        let mut commits = self.open.remove(&tick).unwrap_or_default();
        sort_canonical(&mut commits);
        commits
    }
}
