//! Errors of the timeline layer.

use crate::model::{CommitId, Tick};

/// A configuration value is out of range.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ConfigError {
    /// `input_delay` must be at least 1.
    #[error("input_delay must be at least 1 (tick H is already computed when a commit is made)")]
    InputDelayZero,
}

/// The sequencer refused a commit or a seal. Nothing was changed.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SequencerError {
    /// The commit's tick is further ahead than `max_ahead` allows.
    #[error("commit {id} is stamped for tick {tick}, beyond the limit {limit}")]
    TooFarAhead {
        /// The commit.
        id: CommitId,
        /// Its stamp.
        tick: Tick,
        /// The last tick that would have been accepted.
        limit: Tick,
    },
    /// Only the sequencer itself mints system commits (`Join`, `Leave`), and no
    /// game commit may claim the system author.
    #[error("commit {id} claims a system body or the system author")]
    SystemBody {
        /// The commit.
        id: CommitId,
    },
    /// Ticks are sealed one after the other.
    #[error("cannot seal tick {requested}: the next tick to seal is {expected}")]
    SealOutOfOrder {
        /// The tick asked for.
        requested: Tick,
        /// The next unsealed tick.
        expected: Tick,
    },
}

/// A timeline refused an operation. Nothing was changed.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum TimelineError {
    /// Advancing would put the head more than `max_prediction` ticks ahead of the
    /// sealed tick; wait for sealed ticks.
    #[error("stalled: head {head} is {max_prediction} ticks ahead of sealed tick {sealed}")]
    Stalled {
        /// The sealed tick.
        sealed: Tick,
        /// The head.
        head: Tick,
        /// The configured bound.
        max_prediction: u64,
    },
    /// A sealed tick holds a commit stamped for another tick.
    #[error("sealed tick {tick} holds commit {id} stamped for tick {stamped}")]
    MisstampedCommit {
        /// The sealed tick.
        tick: Tick,
        /// The offending commit.
        id: CommitId,
        /// Its stamp.
        stamped: Tick,
    },
    /// A sealed tick arrived too far beyond the next expected one to buffer.
    #[error("sealed tick {tick} is too far ahead of the next expected tick {expected}")]
    SealedTooFarAhead {
        /// The tick received.
        tick: Tick,
        /// The next tick the timeline needs.
        expected: Tick,
    },
}
