//! Test helpers for game developers: the determinism harness.
//!
//! [`check_determinism`] runs a WorkSpace through a commit script and, at every
//! tick, rolls back `depth` ticks — restoring from the *encoded* snapshot, as a late
//! joiner would — re-simulates, and compares checksums with the first run. It finds
//! rules that read a clock or a global, use an unseeded RNG, iterate a `HashMap`,
//! or keep state that serde does not capture.
//!
//! ```
//! use serde::{Deserialize, Serialize};
//! use tickline::prelude::*;
//! use tickline::testing::{DeterminismCheck, check_determinism};
//!
//! #[derive(Clone, Default, Serialize, Deserialize)]
//! struct Counter { total: u64 }
//! impl WorkSpace for Counter {}
//!
//! #[derive(Clone, Debug, Serialize, Deserialize)]
//! struct Add(u64);
//! impl Modification<Counter> for Add {
//!     fn apply(&self, ws: &mut Counter, _ctx: &mut TickCtx) { ws.total += self.0; }
//! }
//!
//! let check = DeterminismCheck { ticks: 100, ..DeterminismCheck::default() };
//! let report = check_determinism(&check, Counter::default(), |_state: &Counter, tick: Tick| {
//!     vec![(PeerId(1), Add(tick.0))]
//! })
//! .expect("deterministic");
//! assert_eq!(report.ticks, 100);
//! ```
//!
//! With the `fixtures` feature, `arena` is a reference game of snake-like size used
//! by Tickline's own benchmarks and tests, and `fuzz` holds what the fuzz targets
//! check. Neither is part of the API a game uses.

#[cfg(any(test, feature = "fixtures"))]
pub mod arena;
#[cfg(any(test, feature = "fixtures"))]
pub mod fuzz;

use std::collections::VecDeque;

use crate::model::checksum::checksum_bytes;
use crate::model::codec::{CodecError, decode_state, encode_state};
use crate::model::{Commit, CommitId, Modification, PeerId, Tick, WorkSpace, run_tick};
use crate::timeline::state_checksum;

/// Parameters of [`check_determinism`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DeterminismCheck {
    /// How many ticks to run.
    pub ticks: u64,
    /// How far to roll back at every tick.
    pub depth: u64,
    /// The session seed.
    pub seed: u64,
}

impl Default for DeterminismCheck {
    fn default() -> Self {
        DeterminismCheck {
            ticks: 600,
            depth: 4,
            seed: 0x5eed,
        }
    }
}

/// What a passing check did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DeterminismReport {
    /// Ticks run.
    pub ticks: u64,
    /// Commits applied in the first run.
    pub commits: u64,
    /// Ticks re-simulated after rollbacks.
    pub resimulated: u64,
    /// Checksum of the final state.
    pub checksum: u64,
}

/// How a WorkSpace failed the check.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum DeterminismError {
    /// Re-simulating a tick from a restored snapshot gave another state.
    #[error(
        "tick {tick}: re-simulated after a rollback from tick {from}, checksum {actual:016x} != {expected:016x}"
    )]
    Resimulation {
        /// The first tick that differed.
        tick: Tick,
        /// The tick restored from.
        from: Tick,
        /// The first run's checksum.
        expected: u64,
        /// The re-simulation's checksum.
        actual: u64,
    },
    /// Encoding, decoding and encoding again changed the bytes: state is lost or
    /// the encoding is not canonical (e.g. a `HashMap`).
    #[error("tick {tick}: the state does not survive a snapshot round trip")]
    Snapshot {
        /// The tick.
        tick: Tick,
    },
    /// The state could not be encoded or decoded.
    #[error("tick {tick}: {source}")]
    Codec {
        /// The tick.
        tick: Tick,
        /// Why.
        source: CodecError,
    },
}

/// Runs the check: `commits(state, tick)` says which commits (author, modification)
/// take effect at `tick`, given the state at `tick - 1` (so bots can be scripted).
///
/// # Errors
///
/// The first [`DeterminismError`] found.
pub fn check_determinism<W, M, F>(
    check: &DeterminismCheck,
    genesis: W,
    mut commits: F,
) -> Result<DeterminismReport, DeterminismError>
where
    W: WorkSpace,
    M: Modification<W>,
    F: FnMut(&W, Tick) -> Vec<(PeerId, M)>,
{
    let seed = check.seed;
    let mut state = genesis;
    let mut seqs = std::collections::BTreeMap::<PeerId, u64>::new();
    // Per tick in the rollback window: the snapshot before it, its commits, the checksum after.
    let mut window: VecDeque<(Vec<u8>, Vec<Commit<M>>, u64)> = VecDeque::new();
    let (mut total_commits, mut resimulated) = (0, 0);
    for t in 1..=check.ticks {
        let tick = Tick(t);
        let before = snapshot(&state, tick)?;
        let sealed: Vec<Commit<M>> = commits(&state, tick)
            .into_iter()
            .map(|(author, m)| {
                let seq = seqs.entry(author).or_default();
                *seq += 1;
                Commit::game(
                    CommitId {
                        author,
                        seq: *seq - 1,
                    },
                    tick,
                    m,
                )
            })
            .collect();
        total_commits += sealed.len() as u64;
        run_tick(&mut state, &sealed, seed, tick);
        window.push_back((before, sealed, state_checksum(&state)));
        if window.len() as u64 > check.depth {
            window.pop_front();
        }
        // Roll back to the oldest snapshot in the window and re-simulate to `tick`.
        let from = Tick(t + 1 - window.len() as u64);
        let mut again: W = decode_state(&window[0].0)
            .map_err(|source| DeterminismError::Codec { tick, source })?;
        for (i, (_, sealed, expected)) in window.iter().enumerate() {
            let at = from.plus(i as u64);
            run_tick(&mut again, sealed, seed, at);
            resimulated += 1;
            let actual = state_checksum(&again);
            if actual != *expected {
                return Err(DeterminismError::Resimulation {
                    tick: at,
                    from,
                    expected: *expected,
                    actual,
                });
            }
        }
    }
    Ok(DeterminismReport {
        ticks: check.ticks,
        commits: total_commits,
        resimulated,
        checksum: state_checksum(&state),
    })
}

/// Encodes `state` and checks that decoding and re-encoding gives the same bytes.
fn snapshot<W: WorkSpace>(state: &W, tick: Tick) -> Result<Vec<u8>, DeterminismError> {
    let codec = |source| DeterminismError::Codec { tick, source };
    let bytes = encode_state(state).map_err(codec)?;
    let back: W = decode_state(&bytes).map_err(codec)?;
    let again = encode_state(&back).map_err(codec)?;
    if checksum_bytes(&again) != checksum_bytes(&bytes) || again != bytes {
        return Err(DeterminismError::Snapshot { tick });
    }
    Ok(bytes)
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;
    use std::sync::atomic::{AtomicU64, Ordering};

    use serde::{Deserialize, Serialize};

    use super::*;
    use crate::fixtures::{Push, Tally};
    use crate::model::TickCtx;

    fn script(_: &Tally, tick: Tick) -> Vec<(PeerId, Push)> {
        (0..tick.0 % 3).map(|i| (PeerId(i), Push(tick.0))).collect()
    }

    #[test]
    fn a_deterministic_workspace_passes() {
        let check = DeterminismCheck {
            ticks: 200,
            depth: 5,
            seed: 3,
        };
        let report = check_determinism(&check, Tally::default(), script).expect("deterministic");
        assert_eq!(report.ticks, 200);
        assert_eq!(report.commits, (1..=200u64).map(|t| t % 3).sum::<u64>());
        assert_eq!(report.resimulated, 200 * 5 - (1 + 2 + 3 + 4));
    }

    static CALLS: AtomicU64 = AtomicU64::new(0);

    /// Reads a global in `step`: the first run and the re-simulation disagree.
    #[derive(Clone, Default, Serialize, Deserialize)]
    struct Leaky {
        value: u64,
    }
    impl WorkSpace for Leaky {
        fn step(&mut self, _ctx: &mut TickCtx) {
            self.value += CALLS.fetch_add(1, Ordering::Relaxed) % 2;
        }
    }
    impl Modification<Leaky> for Push {
        fn apply(&self, ws: &mut Leaky, _ctx: &mut TickCtx) {
            ws.value += self.0;
        }
    }

    #[test]
    fn a_workspace_reading_a_global_is_caught() {
        let check = DeterminismCheck {
            ticks: 50,
            ..DeterminismCheck::default()
        };
        let err = check_determinism(&check, Leaky::default(), |_: &Leaky, _| {
            Vec::<(PeerId, Push)>::new()
        })
        .expect_err("non-deterministic");
        assert!(
            matches!(err, DeterminismError::Resimulation { .. }),
            "{err}"
        );
    }

    /// Keeps state serde skips: a restored snapshot forgets it.
    #[derive(Clone, Default, Serialize, Deserialize)]
    struct Forgetful {
        shown: u64,
        #[serde(skip)]
        hidden: u64,
    }
    impl WorkSpace for Forgetful {
        fn step(&mut self, _ctx: &mut TickCtx) {
            self.hidden += 1;
            self.shown = self.hidden * 2;
        }
    }
    impl Modification<Forgetful> for Push {
        fn apply(&self, _ws: &mut Forgetful, _ctx: &mut TickCtx) {}
    }

    #[test]
    fn state_that_serde_skips_is_caught() {
        let check = DeterminismCheck {
            ticks: 20,
            ..DeterminismCheck::default()
        };
        let err = check_determinism(&check, Forgetful::default(), |_: &Forgetful, _| {
            Vec::<(PeerId, Push)>::new()
        })
        .expect_err("loses state");
        assert!(
            matches!(err, DeterminismError::Resimulation { tick: Tick(2), .. }),
            "{err}"
        );
    }

    /// Iterates a HashSet in a rule: order depends on the hasher's random keys.
    #[derive(Clone, Default, Serialize, Deserialize)]
    struct Hashy {
        set: HashSet<u64>,
        order: Vec<u64>,
    }
    impl WorkSpace for Hashy {
        fn step(&mut self, _ctx: &mut TickCtx) {
            self.order = self.set.iter().copied().collect();
        }
    }
    impl Modification<Hashy> for Push {
        fn apply(&self, ws: &mut Hashy, _ctx: &mut TickCtx) {
            ws.set.insert(self.0);
        }
    }

    #[test]
    fn hash_set_iteration_is_caught() {
        let check = DeterminismCheck {
            ticks: 60,
            ..DeterminismCheck::default()
        };
        let err = check_determinism(&check, Hashy::default(), |_: &Hashy, t: Tick| {
            vec![(PeerId(1), Push(t.0))]
        })
        .expect_err("hash order leaks");
        assert!(
            matches!(
                err,
                DeterminismError::Resimulation { .. } | DeterminismError::Snapshot { .. }
            ),
            "{err}"
        );
    }
}
