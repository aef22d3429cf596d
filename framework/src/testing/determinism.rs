//! The determinism harness: a scripted run, rolled back and re-simulated at every tick.

use std::collections::{BTreeMap, VecDeque};

use crate::model::checksum::checksum_bytes;
use crate::model::codec::{CodecError, decode_state, encode_state};
use crate::model::{
    Body, Commit, CommitId, Game, PeerId, Tick, WorkSpace, run_tick, sort_canonical,
};
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

/// The commits of one tick of a [`check_determinism`] run, in the order a host
/// would seal them: joins and leaves (host-authored, as a session mints them)
/// before moves, each in the order given.
pub struct Script<G: Game> {
    tick: Tick,
    commits: Vec<Commit<G::Move>>,
    seqs: BTreeMap<PeerId, u64>,
}

impl<G: Game> Script<G> {
    fn new() -> Self {
        Script {
            tick: Tick::GENESIS,
            commits: Vec::new(),
            seqs: BTreeMap::new(),
        }
    }

    /// The tick being scripted.
    pub fn tick(&self) -> Tick {
        self.tick
    }

    /// `peer` joins with `name` at this tick (runs `on_join`).
    pub fn join(&mut self, peer: PeerId, name: &str) {
        let name = name.to_string();
        self.push(PeerId::SYSTEM, Body::Join { peer, name });
    }

    /// `peer` leaves at this tick (runs `on_leave`).
    pub fn leave(&mut self, peer: PeerId) {
        self.push(PeerId::SYSTEM, Body::Leave { peer });
    }

    /// `author` plays `mv` at this tick.
    pub fn play(&mut self, author: PeerId, mv: G::Move) {
        self.push(author, Body::Game(mv));
    }

    fn push(&mut self, author: PeerId, body: Body<G::Move>) {
        let seq = self.seqs.entry(author).or_default();
        let id = CommitId { author, seq: *seq };
        *seq += 1;
        let tick = self.tick;
        self.commits.push(Commit { id, tick, body });
    }

    /// Starts scripting `tick`.
    fn next_tick(&mut self, tick: Tick) {
        self.tick = tick;
        self.commits.clear();
    }

    /// This tick's commits in sealed order.
    fn sealed(&mut self) -> Vec<Commit<G::Move>> {
        let mut commits = std::mem::take(&mut self.commits);
        sort_canonical(&mut commits);
        commits
    }
}

/// A tick in the rollback window: the snapshot before it, its commits, the
/// checksum after.
type Window<G> = (Vec<u8>, Vec<Commit<<G as Game>::Move>>, u64);

/// Runs the check on the game `G` from `genesis`: `script(state, tick, script)`
/// says which joins, moves and leaves take effect at `tick`, given the state at
/// `tick - 1` (so bots can be scripted). Joins and leaves run `on_join` /
/// `on_leave` with the RNG streams a session gives them, and are rolled back and
/// re-simulated like moves.
///
/// # Errors
///
/// The first [`DeterminismError`] found.
pub fn check_determinism<G: Game>(
    check: &DeterminismCheck,
    genesis: G::State,
    mut script: impl FnMut(&G::State, Tick, &mut Script<G>),
) -> Result<DeterminismReport, DeterminismError> {
    let seed = check.seed;
    let mut state = genesis;
    let mut scripted = Script::<G>::new();
    let mut window: VecDeque<Window<G>> = VecDeque::new();
    let (mut total_commits, mut resimulated) = (0, 0);
    for t in 1..=check.ticks {
        let tick = Tick(t);
        let before = snapshot(&state, tick)?;
        scripted.next_tick(tick);
        script(&state, tick, &mut scripted);
        let sealed = scripted.sealed();
        total_commits += sealed.len() as u64;
        run_tick::<G>(&mut state, &sealed, seed, tick);
        window.push_back((before, sealed, state_checksum(&state)));
        if window.len() as u64 > check.depth {
            window.pop_front();
        }
        // Roll back to the oldest snapshot in the window and re-simulate to `tick`.
        let from = Tick(t + 1 - window.len() as u64);
        let mut again: G::State = decode_state(&window[0].0)
            .map_err(|source| DeterminismError::Codec { tick, source })?;
        for (i, (_, sealed, expected)) in window.iter().enumerate() {
            let at = from.plus(i as u64);
            run_tick::<G>(&mut again, sealed, seed, at);
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
    use crate::fixtures::{Push, Tally, TallyGame};
    use crate::model::{Modification, TickCtx};

    fn script(_: &Tally, tick: Tick, script: &mut Script<TallyGame>) {
        for i in 0..tick.0 % 3 {
            script.play(PeerId(i), Push(tick.0));
        }
    }

    /// A game whose state is `S`, moved by `Push`.
    struct On<S>(std::marker::PhantomData<S>);
    impl<S: WorkSpace> Game for On<S>
    where
        Push: Modification<S>,
    {
        type State = S;
        type Move = Push;
        const ID: &'static str = "on";
    }

    fn no_moves<S: WorkSpace>(_: &S, _: Tick, _: &mut Script<On<S>>)
    where
        Push: Modification<S>,
    {
    }

    #[test]
    fn a_deterministic_workspace_passes() {
        let check = DeterminismCheck {
            ticks: 200,
            depth: 5,
            seed: 3,
        };
        let report = check_determinism::<TallyGame>(&check, Tally::default(), script)
            .expect("deterministic");
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
        let err = check_determinism::<On<Leaky>>(&check, Leaky::default(), no_moves)
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
        let err = check_determinism::<On<Forgetful>>(&check, Forgetful::default(), no_moves)
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
        let err = check_determinism::<On<Hashy>>(&check, Hashy::default(), |_, t, script| {
            script.play(PeerId(1), Push(t.0));
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

    static JOINS: AtomicU64 = AtomicU64::new(0);

    /// Numbers players from a global in `on_join`: a re-simulated join differs.
    #[derive(Clone, Default, Serialize, Deserialize)]
    struct Numbered {
        numbers: Vec<u64>,
    }
    impl WorkSpace for Numbered {
        fn on_join(&mut self, _peer: PeerId, _name: &str, _ctx: &mut TickCtx) {
            self.numbers.push(JOINS.fetch_add(1, Ordering::Relaxed));
        }
    }
    impl Modification<Numbered> for Push {
        fn apply(&self, _ws: &mut Numbered, _ctx: &mut TickCtx) {}
    }

    #[test]
    fn a_join_hook_reading_a_global_is_caught() {
        let check = DeterminismCheck {
            ticks: 10,
            ..DeterminismCheck::default()
        };
        let err = check_determinism::<On<Numbered>>(&check, Numbered::default(), |_, t, s| {
            if t == Tick(3) {
                s.join(PeerId(1), "ann");
            }
        })
        .expect_err("the join hook reads a global");
        assert!(
            matches!(err, DeterminismError::Resimulation { tick: Tick(3), .. }),
            "{err}"
        );
    }

    #[test]
    fn scripted_joins_and_leaves_seal_as_a_host_seals_them() {
        // The same joins, moves and leaves through a host's Sequencer: the state
        // (members, their order and every RNG draw) must come out identical.
        let plan = |t: u64, s: &mut Script<TallyGame>| {
            s.play(PeerId(1), Push(t));
            match t {
                1 => {
                    s.join(PeerId(1), "ann");
                    s.join(PeerId(2), "bob");
                }
                10 => s.leave(PeerId(2)),
                _ => {}
            }
        };
        let check = DeterminismCheck {
            ticks: 30,
            depth: 3,
            seed: 11,
        };
        let report =
            check_determinism::<TallyGame>(&check, Tally::default(), |_, t, s| plan(t.0, s))
                .expect("deterministic");
        assert_eq!(report.commits, 30 + 3);

        let mut host = crate::timeline::Sequencer::new(Default::default(), Tick::GENESIS);
        let mut state = Tally::default();
        let mut s = Script::<TallyGame>::new();
        for t in 1..=30 {
            s.next_tick(Tick(t));
            plan(t, &mut s);
            for c in s.commits.drain(..) {
                match c.body {
                    Body::Game(_) => {
                        host.accept(c).expect("in range");
                    }
                    body => {
                        host.system_at(body, Tick(t)).expect("a system body");
                    }
                }
            }
            let sealed = host.seal(Tick(t)).expect("next tick");
            run_tick::<TallyGame>(&mut state, &sealed.commits, 11, Tick(t));
        }
        assert_eq!(state.members, vec![(1, "ann".to_string())]);
        assert_eq!(state_checksum(&state), report.checksum);
    }
}
