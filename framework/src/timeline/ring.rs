//! The predicted ticks after the sealed one, each a whole state, with their
//! buffers reused: a rollback or a confirmed tick allocates nothing once the
//! ring has reached its depth (with a WorkSpace whose `Clone::clone_from` reuses
//! its own buffers).

use std::collections::VecDeque;

use crate::model::CommitId;

/// A predicted tick: the state after it, and which commits were applied in it.
#[derive(Clone, Debug)]
struct Predicted<S> {
    state: S,
    applied: Vec<CommitId>,
}

/// The predicted ticks S+1 ..= H in order, and spare slots taken off it.
///
/// Slots leave the ring (a rollback, a confirmed tick) into `spare`, and the
/// next prediction copies into a spare slot with `clone_from`, so the states'
/// allocations live as long as the ring. At most as many slots exist as the
/// ring's deepest length so far (the timeline's `max_prediction`).
#[derive(Debug)]
pub(super) struct Ring<S> {
    ticks: VecDeque<Predicted<S>>,
    spare: Vec<Predicted<S>>,
}

impl<S: Clone> Clone for Ring<S> {
    /// The predicted ticks; the spare slots are not copied.
    fn clone(&self) -> Self {
        Ring {
            ticks: self.ticks.clone(),
            spare: Vec::new(),
        }
    }
}

impl<S: Clone> Ring<S> {
    pub(super) fn new() -> Self {
        Ring {
            ticks: VecDeque::new(),
            spare: Vec::new(),
        }
    }

    /// How many ticks are predicted.
    pub(super) fn len(&self) -> usize {
        self.ticks.len()
    }

    /// The state at the head, if any tick is predicted.
    pub(super) fn last_state(&self) -> Option<&S> {
        self.ticks.back().map(|p| &p.state)
    }

    /// Whether any predicted tick applied `id`.
    pub(super) fn applied(&self, id: CommitId) -> bool {
        self.ticks.iter().any(|p| p.applied.contains(&id))
    }

    /// Keeps the first `keep` predicted ticks and spares the rest.
    pub(super) fn truncate(&mut self, keep: usize) {
        if keep < self.ticks.len() {
            self.spare.extend(self.ticks.drain(keep..));
        }
    }

    /// Spares every predicted tick.
    pub(super) fn clear(&mut self) {
        self.truncate(0);
    }

    /// Predicts one more tick: a copy of the head's state (or of `sealed`, when
    /// nothing is predicted) that `compute` advances, recording in `applied`
    /// (given empty) the ids of the commits it applied.
    pub(super) fn push(&mut self, sealed: &S, compute: impl FnOnce(&mut S, &mut Vec<CommitId>)) {
        let base = self.ticks.back().map_or(sealed, |p| &p.state);
        let mut slot = match self.spare.pop() {
            Some(mut slot) => {
                slot.state.clone_from(base);
                slot.applied.clear();
                slot
            }
            None => Predicted {
                state: base.clone(),
                applied: Vec::new(),
            },
        };
        compute(&mut slot.state, &mut slot.applied);
        self.ticks.push_back(slot);
    }

    /// When the first predicted tick applied exactly `ids` in this order, makes
    /// its state the sealed one (`sealed`) and returns true; otherwise changes
    /// nothing.
    pub(super) fn confirm_first(
        &mut self,
        sealed: &mut S,
        ids: impl IntoIterator<Item = CommitId>,
    ) -> bool {
        let matches = self
            .ticks
            .front()
            .is_some_and(|p| p.applied.iter().copied().eq(ids));
        if !matches {
            return false;
        }
        if let Some(mut slot) = self.ticks.pop_front() {
            std::mem::swap(sealed, &mut slot.state);
            self.spare.push(slot);
        }
        true
    }
}
