//! Verifying a recording: re-simulate from its start state and compare every
//! recorded checksum and snapshot. Works on a stream, in the memory of one state.

use std::io::Read;

use crate::model::checksum::checksum_bytes;
use crate::model::codec::decode_state;
use crate::model::{Game, SealedTick, Tick, run_tick};
use crate::timeline::state_checksum;

use super::error::ReplayError;
use super::format::Record;
use super::reader::Stopped;
use super::stream::RecordStream;

/// The outcome of a verification.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VerifyReport {
    /// The first tick (the start state).
    pub first_tick: Tick,
    /// The last tick re-simulated.
    pub last_tick: Tick,
    /// Commits applied from the start up to `last_tick`.
    pub commits: usize,
    /// Checksum of the re-simulated sealed state at `last_tick`.
    pub checksum: u64,
    /// How many recorded checksums and snapshots were compared.
    pub checked: usize,
    /// The first tick whose recorded checksum (or snapshot) differs from the
    /// re-simulation.
    pub first_mismatch: Option<Tick>,
    /// Set if the file is damaged: only the ticks before the damage were verified.
    pub stopped: Option<Stopped>,
}

impl VerifyReport {
    /// Whether every recorded checksum and snapshot that was read matched.
    pub fn verified(&self) -> bool {
        self.first_mismatch.is_none()
    }

    /// Whether the file was read to its end, undamaged.
    pub fn complete(&self) -> bool {
        self.stopped.is_none()
    }
}

/// Re-simulates sealed ticks and checks recorded checksums and snapshots.
pub(super) struct Verifier<G: Game> {
    state: G::State,
    seed: u64,
    report: VerifyReport,
    dirty: bool,
}

impl<G: Game> Verifier<G> {
    pub(super) fn new(start: G::State, start_tick: Tick, seed: u64) -> Self {
        let checksum = state_checksum(&start);
        Verifier {
            state: start,
            seed,
            dirty: false,
            report: VerifyReport {
                first_tick: start_tick,
                last_tick: start_tick,
                commits: 0,
                checksum,
                checked: 0,
                first_mismatch: None,
                stopped: None,
            },
        }
    }

    pub(super) fn sealed(&mut self, sealed: &SealedTick<G::Move>) {
        run_tick::<G>(&mut self.state, &sealed.commits, self.seed, sealed.tick);
        self.report.commits += sealed.commits.len();
        self.report.last_tick = sealed.tick;
        self.dirty = true;
    }

    /// A recorded checksum of the state at the last sealed tick.
    pub(super) fn expect(&mut self, tick: Tick, recorded: u64) {
        if tick != self.report.last_tick {
            return;
        }
        let sum = self.current();
        self.report.checked += 1;
        if recorded != sum && self.report.first_mismatch.is_none() {
            self.report.first_mismatch = Some(tick);
        }
    }

    fn current(&mut self) -> u64 {
        if self.dirty {
            self.report.checksum = state_checksum(&self.state);
            self.dirty = false;
        }
        self.report.checksum
    }

    pub(super) fn finish(mut self, stopped: Option<Stopped>) -> VerifyReport {
        self.current();
        self.report.stopped = stopped;
        self.report
    }
}

/// Verifies a recording read as a stream, up to `up_to` (or its end), in the
/// memory of one state and one frame.
///
/// # Errors
///
/// [`ReplayError::Genesis`] if the start state does not decode or is invalid.
pub fn verify_stream<G: Game, R: Read>(
    mut stream: RecordStream<G, R>,
    up_to: Option<Tick>,
) -> Result<VerifyReport, ReplayError> {
    let header = stream.header();
    let start: G::State = decode_state(&header.genesis).map_err(ReplayError::Genesis)?;
    let mut verifier = Verifier::<G>::new(start, header.start_tick, header.seed);
    let up_to = up_to.unwrap_or(Tick(u64::MAX));
    while let Some((_, record)) = stream.next_record() {
        match record {
            Record::Sealed(st) if st.tick > up_to => break,
            Record::Sealed(st) => verifier.sealed(&st),
            Record::Checksum { tick, value } => verifier.expect(tick, value),
            Record::Snapshot { tick, bytes } => verifier.expect(tick, checksum_bytes(&bytes)),
            Record::Event { .. } => {}
        }
    }
    let stopped = stream.stopped().cloned();
    Ok(verifier.finish(stopped))
}
