//! A peer's view of the session: sealed state, pending commits, predicted head.

use std::collections::{BTreeMap, BTreeSet};

use crate::model::checksum::checksum;
use crate::model::{
    Commit, CommitId, Game, PeerId, SealedTick, Tick, WorkSpace, merge_canonical, run_tick,
    sort_canonical,
};

use super::config::TimelineConfig;
use super::error::{ConfigError, TimelineError};
use super::ring::Ring;

mod seal;

pub use seal::{SealOutcome, SealedEntry};

/// How many sealed ticks beyond the next expected one are buffered (arrival out of
/// order); more is refused.
const MAX_BUFFERED_SEALED: u64 = 4096;
/// Most relayed commits held at once; more are ignored (the sealed log still
/// brings them).
const MAX_RELAYED: usize = 16_384;

/// A rollback: the prediction was wrong from `from` on, and the ticks from `from`
/// to the head were computed again.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Rollback {
    /// The first tick whose prediction was wrong.
    pub from: Tick,
    /// How many predicted ticks were thrown away and re-simulated.
    pub depth: u64,
}

/// Counters a game or a stats overlay can show.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct TimelineStats {
    /// Rollbacks so far.
    pub rollbacks: u64,
    /// Predicted ticks thrown away and re-simulated, in total.
    pub resimulated_ticks: u64,
    /// The deepest rollback so far.
    pub deepest_rollback: u64,
    /// Predicted ticks that the sealed log confirmed (no work needed).
    pub confirmed_ticks: u64,
}

/// One peer's timeline: the sealed state at tick S, this peer's pending commits,
/// and a prediction up to the head H (S ≤ H ≤ S + `max_prediction`).
///
/// The timeline is pure: it does no IO and reads no clock. The caller calls
/// [`Timeline::advance`] on its own clock, sends [`Timeline::take_outgoing`] to the
/// host, and feeds the host's sealed ticks to [`Timeline::receive_sealed`].
///
/// Memory is bounded: only the sealed state at S is kept, plus one predicted state
/// per tick in (S, H] (whose buffers are reused from tick to tick: implement
/// `Clone::clone_from` on the WorkSpace to make predictions allocation-free).
pub struct Timeline<G: Game> {
    me: PeerId,
    seed: u64,
    config: TimelineConfig,
    sealed_tick: Tick,
    sealed_state: G::State,
    sealed_checksum: Option<u64>,
    ring: Ring<G::State>,
    pending: BTreeMap<u64, Commit<G::Move>>,
    /// Other peers' commits the host relayed before sealing them, by tick.
    relayed: BTreeMap<Tick, Vec<Commit<G::Move>>>,
    /// The ids in `relayed`, to refuse a duplicate without scanning its tick.
    relayed_ids: BTreeSet<CommitId>,
    relayed_len: usize,
    /// The earliest predicted tick that held relayed commits have made stale.
    stale_from: Option<Tick>,
    outbox: Vec<Commit<G::Move>>,
    next_seq: u64,
    buffered: BTreeMap<Tick, SealedTick<G::Move>>,
    journal: Vec<SealedEntry<G>>,
    stats: TimelineStats,
}

impl<G: Game> Clone for Timeline<G> {
    fn clone(&self) -> Self {
        Timeline {
            me: self.me,
            seed: self.seed,
            config: self.config.clone(),
            sealed_tick: self.sealed_tick,
            sealed_state: self.sealed_state.clone(),
            sealed_checksum: self.sealed_checksum,
            ring: self.ring.clone(),
            pending: self.pending.clone(),
            relayed: self.relayed.clone(),
            relayed_ids: self.relayed_ids.clone(),
            relayed_len: self.relayed_len,
            stale_from: self.stale_from,
            outbox: self.outbox.clone(),
            next_seq: self.next_seq,
            buffered: self.buffered.clone(),
            journal: self.journal.clone(),
            stats: self.stats,
        }
    }
}

impl<G: Game> std::fmt::Debug for Timeline<G> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Timeline")
            .field("me", &self.me)
            .field("sealed_tick", &self.sealed_tick)
            .field("head", &self.head())
            .field("pending", &self.pending.len())
            .field("relayed", &self.relayed_len)
            .field("stats", &self.stats)
            .finish_non_exhaustive()
    }
}

impl<G: Game> Timeline<G> {
    /// A timeline for peer `me`, starting from the genesis state at tick 0.
    ///
    /// # Errors
    ///
    /// [`ConfigError`] when the configuration is invalid.
    pub fn new(
        me: PeerId,
        genesis: G::State,
        seed: u64,
        config: TimelineConfig,
    ) -> Result<Self, ConfigError> {
        Self::from_sealed(me, genesis, Tick::GENESIS, seed, config)
    }

    /// A timeline that starts from a sealed snapshot `state` at `tick` (late join).
    ///
    /// # Errors
    ///
    /// [`ConfigError`] when the configuration is invalid.
    pub fn from_sealed(
        me: PeerId,
        state: G::State,
        tick: Tick,
        seed: u64,
        config: TimelineConfig,
    ) -> Result<Self, ConfigError> {
        config.validate()?;
        Ok(Timeline {
            me,
            seed,
            config,
            sealed_tick: tick,
            sealed_state: state,
            sealed_checksum: None,
            ring: Ring::new(),
            pending: BTreeMap::new(),
            relayed: BTreeMap::new(),
            relayed_ids: BTreeSet::new(),
            relayed_len: 0,
            stale_from: None,
            outbox: Vec::new(),
            next_seq: 0,
            buffered: BTreeMap::new(),
            journal: Vec::new(),
            stats: TimelineStats::default(),
        })
    }

    /// This peer's id.
    pub fn peer(&self) -> PeerId {
        self.me
    }

    /// The session seed.
    pub fn seed(&self) -> u64 {
        self.seed
    }

    /// The configuration.
    pub fn config(&self) -> &TimelineConfig {
        &self.config
    }

    /// The last sealed tick S.
    pub fn sealed_tick(&self) -> Tick {
        self.sealed_tick
    }

    /// The sealed state at S.
    pub fn sealed_state(&self) -> &G::State {
        &self.sealed_state
    }

    /// The predicted head H.
    pub fn head(&self) -> Tick {
        self.sealed_tick.plus(self.ring.len() as u64)
    }

    /// The predicted state at H (what a game renders).
    pub fn state(&self) -> &G::State {
        self.ring.last_state().unwrap_or(&self.sealed_state)
    }

    /// Counters.
    pub fn stats(&self) -> TimelineStats {
        self.stats
    }

    /// The checksum of the sealed state at S (computed once per sealed tick).
    pub fn sealed_checksum(&mut self) -> u64 {
        if let Some(sum) = self.sealed_checksum {
            return sum;
        }
        let sum = state_checksum(&self.sealed_state);
        self.sealed_checksum = Some(sum);
        sum
    }

    /// The sequence number the next local commit will get.
    pub fn next_seq(&self) -> u64 {
        self.next_seq
    }

    /// Continues numbering local commits from `seq` (a peer that resumes a session
    /// under its old id must not reuse ids). Lower values are ignored.
    pub fn resume_seq_from(&mut self, seq: u64) {
        self.next_seq = self.next_seq.max(seq);
    }

    /// Makes a commit: stamps it for `H + input_delay`, includes it in the
    /// prediction from that tick on, queues it for sending, and returns its id.
    pub fn commit(&mut self, modification: G::Move) -> CommitId {
        let id = CommitId {
            author: self.me,
            seq: self.next_seq,
        };
        self.next_seq += 1;
        let commit = Commit::game(id, self.head().plus(self.config.input_delay), modification);
        self.outbox.push(commit.clone());
        self.pending.insert(id.seq, commit);
        id
    }

    /// Local commits made since the last call, to send to the host.
    pub fn take_outgoing(&mut self) -> Vec<Commit<G::Move>> {
        std::mem::take(&mut self.outbox)
    }

    /// Local commits not sealed yet, in the order they were made (to re-send).
    pub fn pending(&self) -> impl Iterator<Item = &Commit<G::Move>> {
        self.pending.values()
    }

    /// Moves the head one tick forward and returns the new head.
    ///
    /// # Errors
    ///
    /// [`TimelineError::Stalled`] when the head would be more than
    /// `max_prediction` ticks ahead of the sealed tick.
    pub fn advance(&mut self) -> Result<Tick, TimelineError> {
        let head = self.head();
        if head.next().since(self.sealed_tick) > self.config.max_prediction {
            return Err(TimelineError::Stalled {
                sealed: self.sealed_tick,
                head,
                max_prediction: self.config.max_prediction,
            });
        }
        self.predict_next();
        Ok(self.head())
    }

    /// Computes the tick after the head from pending commits and pushes it.
    fn predict_next(&mut self) {
        let tick = self.head().next();
        let first_open = self.sealed_tick.next();
        // Relayed commits are held in arrival order: sort them once (a sorted
        // tick costs one pass).
        if let Some(held) = self.relayed.get_mut(&tick) {
            sort_canonical(held);
        }
        // Own commits are in sequence order, which is the canonical order of one
        // author. One whose stamp is already sealed will be re-stamped by the host
        // to the next open tick: predict it there.
        let own = self
            .pending
            .values()
            .filter(move |c| c.tick.max(first_open) == tick);
        let others = self.relayed.get(&tick).into_iter().flatten();
        let seed = self.seed;
        self.ring.push(&self.sealed_state, |state, applied| {
            let due = merge_canonical(own, others).inspect(|c| applied.push(c.id));
            run_tick::<G>(state, due, seed, tick);
        });
    }

    /// Folds another peer's commit, relayed by the host before sealing, into the
    /// prediction at its tick. When that tick is already predicted, the prediction
    /// is recomputed from it (reported as a rollback). Commits of this peer, for a
    /// sealed tick, already known, or too far ahead are ignored (`None`): the sealed
    /// log stays the authority and corrects any difference.
    pub fn receive_relayed(&mut self, commit: Commit<G::Move>) -> Option<Rollback> {
        self.hold_relayed(commit);
        self.refresh_relayed()
    }

    /// As [`Timeline::receive_relayed`] for a batch: every commit is held first and
    /// the prediction is recomputed once, from the earliest tick touched, so that a
    /// batch of `n` commits costs one re-prediction, not `n`.
    pub fn receive_relayed_all(
        &mut self,
        commits: impl IntoIterator<Item = Commit<G::Move>>,
    ) -> Option<Rollback> {
        for commit in commits {
            self.hold_relayed(commit);
        }
        self.refresh_relayed()
    }

    /// Holds a relayed commit without recomputing the prediction; returns whether
    /// it was taken. Call [`Timeline::refresh_relayed`] after a batch: until then
    /// the predicted state does not include it.
    pub fn hold_relayed(&mut self, commit: Commit<G::Move>) -> bool {
        let tick = commit.tick;
        if commit.id.author == self.me
            || tick <= self.sealed_tick
            || tick.since(self.sealed_tick) > MAX_BUFFERED_SEALED
            || self.relayed_len >= MAX_RELAYED
            || !self.relayed_ids.insert(commit.id)
        {
            return false;
        }
        self.relayed.entry(tick).or_default().push(commit);
        self.relayed_len += 1;
        if tick <= self.head() {
            self.stale_from = Some(self.stale_from.map_or(tick, |t| t.min(tick)));
        }
        true
    }

    /// Recomputes the predicted ticks from the earliest one a held relayed commit
    /// touched (reported as a rollback); `None` when none was touched.
    pub fn refresh_relayed(&mut self) -> Option<Rollback> {
        let tick = self.stale_from.take()?;
        if tick <= self.sealed_tick {
            return None;
        }
        let head = self.head();
        // Keep the predicted ticks before `tick`, compute the rest again.
        self.ring
            .truncate(tick.since(self.sealed_tick) as usize - 1);
        while self.head() < head {
            self.predict_next();
        }
        Some(self.count_rollback(tick, head))
    }

    /// Whether sealed ticks after a gap are buffered (the ones in between were lost
    /// or are late).
    pub fn has_gap(&self) -> bool {
        !self.buffered.is_empty()
    }

    /// Relayed commits held (not sealed yet).
    pub fn relayed_len(&self) -> usize {
        self.relayed_len
    }

    /// Whether the predicted state at the head includes the commit `id` (own,
    /// relayed, or in a predicted tick not sealed yet). Sealed commits are not
    /// tracked here.
    pub fn predicts(&self, id: CommitId) -> bool {
        self.ring.applied(id)
    }

    /// Forgets relayed commits for ticks up to `tick` (sealed: the log has them).
    fn drop_relayed_through(&mut self, tick: Tick) {
        while let Some(held) = self.relayed.first_entry() {
            if *held.key() > tick {
                break;
            }
            for commit in held.remove() {
                self.relayed_ids.remove(&commit.id);
                self.relayed_len -= 1;
            }
        }
    }

    fn count_rollback(&mut self, from: Tick, old_head: Tick) -> Rollback {
        let depth = old_head.since(from) + 1;
        self.stats.rollbacks += 1;
        self.stats.resimulated_ticks += depth;
        self.stats.deepest_rollback = self.stats.deepest_rollback.max(depth);
        Rollback { from, depth }
    }

    /// Withdraws a pending local commit (the host refused it) and predicts again
    /// without it. Returns whether it was pending.
    pub fn withdraw(&mut self, id: CommitId) -> bool {
        if id.author != self.me || self.pending.remove(&id.seq).is_none() {
            return false;
        }
        self.outbox.retain(|c| c.id != id);
        self.repredict();
        true
    }

    /// Drops every pending local commit (they can no longer be matched with the
    /// sealed log, e.g. after re-joining from a snapshot) and predicts again.
    /// Returns how many were dropped.
    pub fn forget_pending(&mut self) -> usize {
        let n = self.pending.len();
        self.pending.clear();
        self.outbox.clear();
        self.repredict();
        n
    }

    fn repredict(&mut self) {
        let old_head = self.head();
        self.ring.clear();
        while self.head() < old_head {
            self.predict_next();
        }
    }

    /// Replaces the sealed state with an authoritative snapshot at `tick` (desync
    /// healing, or catching up after a long absence) and re-predicts to the head.
    pub fn restore(&mut self, state: G::State, tick: Tick) {
        let old_head = self.head();
        self.sealed_state = state;
        self.sealed_tick = tick;
        self.sealed_checksum = None;
        self.ring.clear();
        self.stale_from = None;
        self.buffered = self.buffered.split_off(&tick.next());
        self.drop_relayed_through(tick);
        while self.head() < old_head.max(tick) {
            self.predict_next();
        }
    }
}

/// The checksum of a WorkSpace, which must encode.
///
/// # Panics
///
/// If the WorkSpace cannot be encoded by bincode: that is a bug in the game's
/// `Serialize` implementation (for example a `#[serde(flatten)]` or a sequence of
/// unknown length) and must be fixed there.
pub(crate) fn state_checksum<W: WorkSpace>(state: &W) -> u64 {
    match checksum(state) {
        Ok(sum) => sum,
        Err(e) => panic!("the WorkSpace could not be encoded, fix its Serialize impl: {e}"),
    }
}
