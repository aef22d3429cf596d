//! The Tickline Snake demo: rules, bots, the Bevy game, the replay viewer and the
//! command line. `main.rs` is a thin entry point over this library.

pub mod app;
pub mod bot;
pub mod cli;
pub mod lan;
pub mod menu;
pub mod paths;
pub mod replay;
pub mod rules;
pub mod sample;
pub mod server;
pub mod signals;

/// A seed that differs from run to run (sessions without `--seed`).
pub fn random_seed() -> u64 {
    use std::hash::{BuildHasher, Hasher};
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u32(std::process::id());
    h.finish()
}
