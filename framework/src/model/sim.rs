//! The one definition of what a tick does, shared by timelines, replayers and tests.

use super::commit::{Body, Commit};
use super::ctx::{STEP_STREAM, TickCtx};
use super::game::Game;
use super::ids::{PeerId, Tick};
use super::traits::{Modification, WorkSpace};

/// Applies one commit to `ws` as the `position`-th commit (0-based) of `tick`.
pub fn apply_commit<G: Game>(
    ws: &mut G::State,
    commit: &Commit<G::Move>,
    seed: u64,
    tick: Tick,
    position: usize,
) {
    let stream = position as u64 + 1;
    match &commit.body {
        Body::Game(m) => {
            let mut ctx = TickCtx::new(seed, tick, commit.id.author, stream);
            m.apply(ws, &mut ctx);
        }
        Body::Join { peer, name } => {
            let mut ctx = TickCtx::new(seed, tick, PeerId::SYSTEM, stream);
            ws.on_join(*peer, name, &mut ctx);
        }
        Body::Leave { peer } => {
            let mut ctx = TickCtx::new(seed, tick, PeerId::SYSTEM, stream);
            ws.on_leave(*peer, &mut ctx);
        }
    }
}

/// Computes `tick` on `ws` (which holds the state at `tick - 1`): applies the
/// commits in the given order, then runs [`WorkSpace::step`]. Name the game:
/// `run_tick::<MyGame>(&mut state, &sealed.commits, seed, sealed.tick)`.
pub fn run_tick<'a, G: Game>(
    ws: &mut G::State,
    commits: impl IntoIterator<Item = &'a Commit<G::Move>>,
    seed: u64,
    tick: Tick,
) {
    for (position, commit) in commits.into_iter().enumerate() {
        apply_commit::<G>(ws, commit, seed, tick, position);
    }
    let mut ctx = TickCtx::new(seed, tick, PeerId::SYSTEM, STEP_STREAM);
    ws.step(&mut ctx);
}
