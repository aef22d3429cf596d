//! The Tickline Snake demo: rules, bots, the Bevy game, the replay viewer and the
//! command line. `main.rs` is a thin entry point over this library.

pub mod app;
pub mod bot;
pub mod cli;
pub mod paths;
pub mod replay;
pub mod rules;
pub mod sample;
