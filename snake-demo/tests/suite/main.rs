//! The Snake demo's tests, in one binary: they run the built `snake-demo` (one
//! build for all of them) as a player, host, server, spectator or tool, and check
//! what it prints, records and draws.

mod bisect;
mod common;
mod discovery;
mod errors;
mod lan;
mod leaving;
mod menu;
mod migration;
mod netns;
mod play;
mod recordings;
mod server;
mod window;
