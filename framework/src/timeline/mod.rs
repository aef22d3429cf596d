//! Pure timeline logic, no IO and no clock: the host's [`Sequencer`] seals ticks;
//! every peer's [`Timeline`] predicts ahead of the sealed log and rolls back.

mod config;
mod error;
mod predict;
mod ring;
mod seen;
mod sequencer;

pub use config::{SequencerConfig, TimelineConfig};
pub use error::{ConfigError, SequencerError, TimelineError};
pub(crate) use predict::state_checksum;
pub use predict::{Rollback, SealOutcome, SealedEntry, Timeline, TimelineStats};
pub use sequencer::{Accepted, Sequencer};

#[cfg(test)]
mod tests;
