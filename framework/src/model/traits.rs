//! The two traits a game implements: its state and the changes to it.

use std::fmt::Debug;

use serde::Serialize;
use serde::de::DeserializeOwned;

use super::ctx::TickCtx;
use super::ids::PeerId;

/// The game state. It changes only through [`Modification`]s and [`WorkSpace::step`].
///
/// # Determinism
///
/// Everything that runs in `step`, `on_join`, `on_leave` (and in
/// [`Modification::apply`]) must compute bit-identical results on every peer: no wall
/// clock, no OS or thread RNG (use [`TickCtx::rng`]), no iteration over
/// `HashMap`/`HashSet` (use `BTreeMap`, `Vec`), no floats in rules. All state must
/// be serialized: a field skipped by serde is lost on snapshot and breaks late join.
/// [`crate::testing::check_determinism`] catches most violations.
///
/// # Cost of a rollback
///
/// A timeline keeps one state per predicted tick and computes each into a
/// reused one with [`Clone::clone_from`]. A derived `Clone` does not override
/// `clone_from`, so every collection is allocated again; implementing it to
/// copy into the existing buffers (`Vec::clone_from`, a `VecDeque` cleared and
/// extended from its source's slices) makes prediction and rollback
/// allocation-free, as `tickline::testing::arena::Arena` (feature `fixtures`)
/// shows.
pub trait WorkSpace: Clone + Serialize + DeserializeOwned + Send + Sync + 'static {
    /// Advances time by one tick, after the tick's commits were applied.
    /// The default does nothing (turn-based or CRUD state).
    fn step(&mut self, ctx: &mut TickCtx) {
        let _ = ctx;
    }

    /// A peer joined the session (a sealed `Join` system commit).
    fn on_join(&mut self, peer: PeerId, name: &str, ctx: &mut TickCtx) {
        let _ = (peer, name, ctx);
    }

    /// A peer left the session (a sealed `Leave` system commit).
    fn on_leave(&mut self, peer: PeerId, ctx: &mut TickCtx) {
        let _ = (peer, ctx);
    }

    /// Checks a state that was decoded from outside: a recording's start state or
    /// snapshot, or a host's Welcome or Heal. The framework calls it on every state
    /// it decodes and refuses the state when it fails, so `step` and `apply` only
    /// ever see states the game's own rules could reach in shape: sizes within
    /// bounds, indices inside their collections, no value that would make a rule
    /// overflow, allocate without bound or take time out of proportion.
    ///
    /// The default accepts every state.
    ///
    /// # Errors
    ///
    /// [`InvalidState`] naming what is wrong.
    fn validate(&self) -> Result<(), InvalidState> {
        Ok(())
    }
}

/// Why a decoded state was refused by [`WorkSpace::validate`].
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("invalid state: {0}")]
pub struct InvalidState(pub String);

impl InvalidState {
    /// An error with this explanation.
    pub fn new(why: impl Into<String>) -> Self {
        InvalidState(why.into())
    }
}

/// A deterministic change to a WorkSpace `W`.
///
/// `apply` validates its own preconditions: a commit arrives from the network, so a
/// player may send anything. Compare [`TickCtx::author`] with the owner of what it
/// touches and do nothing when the change is not allowed.
pub trait Modification<W: WorkSpace>:
    Clone + Debug + Serialize + DeserializeOwned + Send + Sync + 'static
{
    /// Applies the change. Same determinism rules as [`WorkSpace`].
    fn apply(&self, ws: &mut W, ctx: &mut TickCtx);
}
