//! The game in a Bevy app: what is shown, how it is drawn, the HUD, input, bots,
//! and the runners for `play`, `host` and `join`.

pub mod bots;
pub mod hud;
pub mod input;
pub mod render;
mod run;
mod spectate;

use std::path::PathBuf;

use bevy::prelude::*;

use crate::rules::SnakeWorld;

pub use run::{menu_host_config, run_host, run_join, run_play, show_session};
pub use spectate::run_watch;

/// The world to draw this frame (the predicted state, or the replay's tick), the
/// one before it to glide from, and how far the clock is between them.
#[derive(Resource, Default)]
pub struct Shown {
    /// The current tick's world.
    pub world: Option<SnakeWorld>,
    /// The previous tick's world (snakes glide from it).
    pub previous: Option<SnakeWorld>,
    /// How far the clock is from `world`'s tick toward the next (0..=1).
    pub progress: f32,
}

impl Shown {
    /// Shows `world`: copied only when it differs from what is shown (a new tick,
    /// or a corrected prediction), keeping the previous tick's to glide from.
    pub fn show(&mut self, world: &SnakeWorld, progress: f32) {
        self.progress = progress;
        if self.world.as_ref() == Some(world) {
            return;
        }
        let new_tick = self.world.as_ref().is_none_or(|w| w.tick != world.tick);
        if new_tick {
            self.previous = self.world.take();
        }
        match &mut self.world {
            Some(shown) => shown.clone_from(world),
            None => self.world = Some(world.clone()),
        }
    }
}

/// Fails with one line when there is no display to open a window on (rather than
/// the windowing library's panic).
///
/// # Errors
///
/// What to do instead: `--headless`, or a virtual display.
pub fn require_display(instead: &str) -> Result<(), String> {
    let set = |var: &str| std::env::var_os(var).is_some_and(|v| !v.is_empty());
    if set("DISPLAY") || set("WAYLAND_DISPLAY") {
        return Ok(());
    }
    Err(format!(
        "no display to open a window on (DISPLAY and WAYLAND_DISPLAY are unset): {instead}"
    ))
}

/// Bevy's default plugins for a window of `width`×`height` titled `title`, with
/// the demo's assets and warnings-only logging.
pub fn window_plugins(title: &str, width: u32, height: u32) -> bevy::app::PluginGroupBuilder {
    let window = Window {
        title: title.to_string(),
        resolution: bevy::window::WindowResolution::new(width, height),
        ..default()
    };
    DefaultPlugins
        .set(WindowPlugin {
            primary_window: Some(window),
            ..default()
        })
        .set(AssetPlugin {
            file_path: assets_dir(),
            ..default()
        })
        .set(quiet_log())
}

/// Warnings and errors only (the renderer and the network are chatty otherwise).
pub fn quiet_log() -> bevy::log::LogPlugin {
    bevy::log::LogPlugin {
        level: bevy::log::Level::WARN,
        // renetcode logs every undecodable datagram; Tickline's transport counts
        // them and logs once a second instead.
        filter: "wgpu=error,naga=warn,renetcode=off,renet=off".into(),
        ..default()
    }
}

/// Where the assets are: `./assets` if present, else the repository's.
pub fn assets_dir() -> String {
    if let Ok(dir) = std::env::var("SNAKE_ASSETS") {
        return dir;
    }
    let local = PathBuf::from("assets");
    if local.join("sprites").is_dir() {
        return std::fs::canonicalize(&local)
            .unwrap_or(local)
            .to_string_lossy()
            .into_owned();
    }
    concat!(env!("CARGO_MANIFEST_DIR"), "/../assets").to_string()
}

/// One colour per player, by peer id.
pub fn player_color(peer: u64) -> Color {
    const PALETTE: [(u8, u8, u8); 8] = [
        (80, 200, 120),
        (90, 160, 255),
        (255, 170, 60),
        (220, 90, 220),
        (250, 230, 90),
        (80, 220, 230),
        (255, 110, 110),
        (180, 140, 255),
    ];
    let (r, g, b) = PALETTE[(peer % PALETTE.len() as u64) as usize];
    Color::srgb_u8(r, g, b)
}
