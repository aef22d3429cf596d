//! The game in a Bevy app: what is shown, how it is drawn, the HUD, input, bots,
//! and the runners for `play`, `host` and `join`.

pub mod bots;
pub mod hud;
pub mod input;
pub mod render;
mod run;

use std::path::PathBuf;

use bevy::prelude::*;

use crate::rules::SnakeWorld;

pub use run::{run_host, run_join, run_play};

/// The world to draw this frame (the predicted state, or the replay's tick).
#[derive(Resource, Default)]
pub struct Shown(pub Option<SnakeWorld>);

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
