//! The framework's integration tests, in one binary (each extra test binary links
//! the crate and its dependencies again): the fuzz regressions and, with the
//! `bevy` feature, the plugin in a headless app.

#[cfg(feature = "bevy")]
mod bevy_plugin;
mod fuzz_regressions;
