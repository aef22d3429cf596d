//! Configuration of timelines and sequencers (`pub` fields with `Default`).

use super::error::ConfigError;

/// How a peer's [`Timeline`](super::Timeline) predicts and what it reports.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TimelineConfig {
    /// A commit made at head `H` is stamped for tick `H + input_delay`. At least 1:
    /// tick `H` is already computed. Higher values hide latency (the commit reaches
    /// the host before its tick is sealed) at the cost of responsiveness.
    pub input_delay: u64,
    /// The most ticks the head may run ahead of the sealed tick. `0` is strict
    /// lockstep: the head only moves when ticks are sealed.
    pub max_prediction: u64,
    /// Keep a journal of sealed ticks (for recordings and checksum reports), drained
    /// with [`Timeline::drain_journal`](super::Timeline::drain_journal).
    pub journal: bool,
    /// Journal a checksum of the sealed state every this many ticks (0 = never).
    pub checksum_interval: u64,
    /// Journal a snapshot of the sealed state every this many ticks (0 = never).
    pub snapshot_interval: u64,
}

impl TimelineConfig {
    /// Default [`TimelineConfig::input_delay`].
    pub const DEFAULT_INPUT_DELAY: u64 = 2;
    /// Default [`TimelineConfig::max_prediction`].
    pub const DEFAULT_MAX_PREDICTION: u64 = 8;
    /// Default [`TimelineConfig::checksum_interval`].
    pub const DEFAULT_CHECKSUM_INTERVAL: u64 = 1;
    /// Default [`TimelineConfig::snapshot_interval`].
    pub const DEFAULT_SNAPSHOT_INTERVAL: u64 = 600;

    /// Strict lockstep: no prediction at all.
    #[must_use]
    pub fn lockstep() -> Self {
        TimelineConfig {
            max_prediction: 0,
            ..Self::default()
        }
    }

    /// This configuration with the journal on.
    #[must_use]
    pub fn with_journal(mut self) -> Self {
        self.journal = true;
        self
    }

    /// Checks the values.
    ///
    /// # Errors
    ///
    /// [`ConfigError::InputDelayZero`] when `input_delay` is 0.
    pub fn validate(&self) -> Result<(), ConfigError> {
        if self.input_delay == 0 {
            return Err(ConfigError::InputDelayZero);
        }
        Ok(())
    }
}

impl Default for TimelineConfig {
    fn default() -> Self {
        TimelineConfig {
            input_delay: Self::DEFAULT_INPUT_DELAY,
            max_prediction: Self::DEFAULT_MAX_PREDICTION,
            journal: false,
            checksum_interval: Self::DEFAULT_CHECKSUM_INTERVAL,
            snapshot_interval: Self::DEFAULT_SNAPSHOT_INTERVAL,
        }
    }
}

/// How the host's [`Sequencer`](super::Sequencer) admits commits.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SequencerConfig {
    /// A commit stamped more than this many ticks after the last sealed tick is
    /// refused.
    pub max_ahead: u64,
}

impl SequencerConfig {
    /// Default [`SequencerConfig::max_ahead`] (about 4 s at 60 Hz).
    pub const DEFAULT_MAX_AHEAD: u64 = 256;
}

impl Default for SequencerConfig {
    fn default() -> Self {
        SequencerConfig {
            max_ahead: Self::DEFAULT_MAX_AHEAD,
        }
    }
}
