//! Test helpers for game developers: the determinism harness.
//!
//! [`check_determinism`] runs a game through a script of joins, moves and leaves
//! and, at every tick, rolls back `depth` ticks — restoring from the *encoded*
//! snapshot, as a late joiner would — re-simulates, and compares checksums with the
//! first run. It finds rules that read a clock or a global, use an unseeded RNG,
//! iterate a `HashMap`, or keep state that serde does not capture, in `apply`,
//! `step`, `on_join` and `on_leave` alike.
//!
//! ```
//! use serde::{Deserialize, Serialize};
//! use tickline::prelude::*;
//! use tickline::testing::{DeterminismCheck, check_determinism};
//!
//! #[derive(Clone, Default, Serialize, Deserialize)]
//! struct Counter { players: Vec<PeerId>, total: u64 }
//! impl WorkSpace for Counter {
//!     fn on_join(&mut self, peer: PeerId, _name: &str, _ctx: &mut TickCtx) {
//!         self.players.push(peer);
//!     }
//!     fn on_leave(&mut self, peer: PeerId, _ctx: &mut TickCtx) {
//!         self.players.retain(|p| *p != peer);
//!     }
//! }
//!
//! #[derive(Clone, Debug, Serialize, Deserialize)]
//! struct Add(u64);
//! impl Modification<Counter> for Add {
//!     fn apply(&self, ws: &mut Counter, ctx: &mut TickCtx) {
//!         if ws.players.contains(&ctx.author()) { ws.total += self.0; }
//!     }
//! }
//!
//! struct CounterGame;
//! impl Game for CounterGame {
//!     type State = Counter;
//!     type Move = Add;
//!     const ID: &'static str = "counter";
//! }
//!
//! let check = DeterminismCheck { ticks: 100, ..DeterminismCheck::default() };
//! let report = check_determinism::<CounterGame>(&check, Counter::default(), |state, tick, script| {
//!     match tick.0 {
//!         1 => script.join(PeerId(1), "ann"),
//!         50 => script.leave(PeerId(1)),
//!         _ if !state.players.is_empty() => script.play(PeerId(1), Add(tick.0)),
//!         _ => {}
//!     }
//! })
//! .expect("deterministic");
//! assert_eq!((report.ticks, report.commits), (100, 50));
//! ```
//!
//! With the `fixtures` feature, `arena` is a reference game of snake-like size used
//! by Tickline's own benchmarks and tests, `fuzz` holds what the fuzz targets
//! check, and `conformance` is the suite every transport passes (a transport of
//! your own gets it by enabling `fixtures` in its dev-dependencies). None of
//! them is part of the API a game uses.

#[cfg(any(test, feature = "fixtures"))]
pub mod arena;
#[cfg(any(test, feature = "fixtures"))]
pub mod conformance;
#[cfg(any(test, feature = "fixtures"))]
pub mod fuzz;

mod determinism;

pub use determinism::{
    DeterminismCheck, DeterminismError, DeterminismReport, Script, check_determinism,
};
