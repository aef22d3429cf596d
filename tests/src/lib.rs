//! Shared helpers for Tickline's end-to-end tests.

pub mod cluster;
pub mod lan;
pub mod load;
pub mod netns;
pub mod sidecar;
