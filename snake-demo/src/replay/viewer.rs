//! The replay viewer: play/pause (Space), step one tick (. and ,), seek (arrow
//! keys, Home/End, or click the timeline), speed (+ and -), with the tick and the
//! commits of the current tick shown.

use std::path::PathBuf;

use bevy::prelude::*;
use bevy::render::view::screenshot::{Screenshot, save_to_disk};
use bevy::window::PrimaryWindow;
use tickline::model::Tick;
use tickline::record::Replayer;

use crate::app::hud::{ScoreboardPlugin, font};
use crate::app::input::quit_on_escape;
use crate::app::render::{Art, RenderPlugin};
use crate::app::{Shown, window_plugins};
use crate::rules::SnakeGame;

/// Timeline geometry, in window pixels from the bottom-left.
const BAR_MARGIN: f32 = 16.0;
const BAR_BOTTOM: f32 = 40.0;
const BAR_HEIGHT: f32 = 14.0;

#[derive(Resource)]
struct Viewer {
    replayer: Replayer<SnakeGame>,
    playing: bool,
    speed: f64,
    carry: f64,
    rate: f64,
}

impl Viewer {
    fn seek(&mut self, tick: u64) {
        let (first, last) = self.replayer.range();
        let tick = Tick(tick.clamp(first.0, last.0));
        if let Err(e) = self.replayer.seek(tick) {
            warn!("cannot seek to {tick}: {e}");
        }
    }
}

#[derive(Component)]
struct Info;

#[derive(Component)]
struct BarFill;

/// Opens the viewer window on `replayer`, at `start` if given.
///
/// # Errors
///
/// When the app stops with an error.
pub fn run(
    mut replayer: Replayer<SnakeGame>,
    start: Option<Tick>,
    screenshot: Option<PathBuf>,
) -> Result<(), String> {
    if let Some(t) = start {
        replayer.seek(t).map_err(|e| e.to_string())?;
    }
    crate::app::require_display(
        "use `replay --verify` or `log` without a window, or run under xvfb-run",
    )?;
    let rate = f64::from(replayer.recording().header.tick_rate.max(1));
    crate::signals::install()?;
    let mut app = App::new();
    app.add_plugins(window_plugins("Tickline Snake — replay", 1180, 760))
        .add_plugins((RenderPlugin, ScoreboardPlugin))
        .insert_resource(Viewer {
            replayer,
            playing: false,
            speed: 1.0,
            carry: 0.0,
            rate,
        })
        .insert_resource(Capture {
            path: screenshot,
            frames: 0,
            requested: false,
        })
        .add_systems(Startup, spawn_ui)
        .add_systems(Last, capture)
        .add_systems(
            Update,
            (
                controls,
                click_timeline,
                advance,
                show,
                update_ui,
                quit_on_escape,
                crate::signals::exit_on_signal,
            )
                .chain(),
        );
    match app.run() {
        AppExit::Success => Ok(()),
        AppExit::Error(code) => Err(format!("the viewer stopped with status {code}")),
    }
}

/// `--screenshot`: capture once the window has been drawn for a while, then exit.
#[derive(Resource)]
struct Capture {
    path: Option<PathBuf>,
    frames: u32,
    requested: bool,
}

fn capture(mut commands: Commands, mut capture: ResMut<Capture>, mut exit: MessageWriter<AppExit>) {
    let Some(path) = capture.path.clone() else {
        return;
    };
    capture.frames += 1;
    if capture.requested {
        if std::fs::metadata(&path).is_ok_and(|m| m.len() > 0) {
            exit.write(AppExit::Success);
        }
    } else if capture.frames >= 20 {
        capture.requested = true;
        let _ = std::fs::remove_file(&path);
        commands
            .spawn(Screenshot::primary_window())
            .observe(save_to_disk(path));
    }
}

fn spawn_ui(mut commands: Commands, art: Res<Art>) {
    commands.spawn((
        Info,
        Text::new(""),
        font(&art, 15.0, false),
        TextColor(Color::srgb_u8(210, 215, 225)),
        Node {
            position_type: PositionType::Absolute,
            top: px(12.0),
            left: px(16.0),
            max_width: px(700.0),
            ..default()
        },
    ));
    commands
        .spawn((
            Node {
                position_type: PositionType::Absolute,
                left: px(BAR_MARGIN),
                right: px(BAR_MARGIN),
                bottom: px(BAR_BOTTOM),
                height: px(BAR_HEIGHT),
                ..default()
            },
            BackgroundColor(Color::srgb_u8(45, 50, 62)),
        ))
        .with_children(|bar| {
            bar.spawn((
                BarFill,
                Node {
                    width: percent(0.0),
                    height: percent(100.0),
                    ..default()
                },
                BackgroundColor(Color::srgb_u8(90, 160, 255)),
            ));
        });
    commands.spawn((
        Text::new("Space play/pause · . and , step · ←/→ ±10 ticks · ↑/↓ ±100 · Home/End · +/- speed · click the timeline · Esc quits"),
        font(&art, 13.0, false),
        TextColor(Color::srgb_u8(150, 155, 170)),
        Node { position_type: PositionType::Absolute, bottom: px(12.0), left: px(16.0), ..default() },
    ));
}

fn controls(keys: Res<ButtonInput<KeyCode>>, mut viewer: ResMut<Viewer>) {
    let tick = viewer.replayer.tick().0;
    let (first, last) = viewer.replayer.range();
    if keys.just_pressed(KeyCode::Space) {
        viewer.playing = !viewer.playing;
    }
    if keys.just_pressed(KeyCode::Period) {
        viewer.playing = false;
        viewer.replayer.step_forward();
    }
    if keys.just_pressed(KeyCode::Comma) {
        viewer.playing = false;
        if let Err(e) = viewer.replayer.step_back() {
            warn!("cannot step back: {e}");
        }
    }
    let jumps = [
        (KeyCode::ArrowRight, tick.saturating_add(10)),
        (KeyCode::ArrowLeft, tick.saturating_sub(10)),
        (KeyCode::ArrowUp, tick.saturating_add(100)),
        (KeyCode::ArrowDown, tick.saturating_sub(100)),
        (KeyCode::Home, first.0),
        (KeyCode::End, last.0),
    ];
    for (key, target) in jumps {
        if keys.just_pressed(key) {
            viewer.seek(target);
        }
    }
    if keys.just_pressed(KeyCode::Equal) || keys.just_pressed(KeyCode::NumpadAdd) {
        viewer.speed = (viewer.speed * 2.0).min(32.0);
    }
    if keys.just_pressed(KeyCode::Minus) || keys.just_pressed(KeyCode::NumpadSubtract) {
        viewer.speed = (viewer.speed / 2.0).max(0.125);
    }
}

fn click_timeline(
    buttons: Res<ButtonInput<MouseButton>>,
    window: Single<&Window, With<PrimaryWindow>>,
    mut viewer: ResMut<Viewer>,
) {
    if !buttons.pressed(MouseButton::Left) {
        return;
    }
    let Some(cursor) = window.cursor_position() else {
        return;
    };
    let (w, h) = (window.width(), window.height());
    let from_bottom = h - cursor.y;
    if !(BAR_BOTTOM - 4.0..=BAR_BOTTOM + BAR_HEIGHT + 4.0).contains(&from_bottom) {
        return;
    }
    let fraction = ((cursor.x - BAR_MARGIN) / (w - 2.0 * BAR_MARGIN)).clamp(0.0, 1.0);
    let (first, last) = viewer.replayer.range();
    let target = first.0 + (f64::from(fraction) * last.since(first) as f64).round() as u64;
    viewer.seek(target);
}

fn advance(time: Res<Time>, mut viewer: ResMut<Viewer>) {
    if !viewer.playing {
        return;
    }
    viewer.carry += time.delta_secs_f64() * viewer.rate * viewer.speed;
    while viewer.carry >= 1.0 {
        viewer.carry -= 1.0;
        if viewer.replayer.step_forward().is_none() {
            viewer.playing = false;
            viewer.carry = 0.0;
            break;
        }
    }
}

fn show(viewer: Res<Viewer>, mut shown: ResMut<Shown>) {
    if viewer.is_changed() || shown.world.is_none() {
        // Replay steps are shown as they are (no gliding between them).
        shown.show(viewer.replayer.state(), 1.0);
    }
}

fn update_ui(
    viewer: Res<Viewer>,
    mut info: Single<&mut Text, With<Info>>,
    mut fill: Single<&mut Node, With<BarFill>>,
) {
    let (first, last) = viewer.replayer.range();
    let tick = viewer.replayer.tick();
    let commits = viewer.replayer.recording().commits_at(tick);
    let mut lines = vec![format!(
        "tick {tick} / {last}   {}   speed ×{}   seed {}",
        if viewer.playing {
            "▶ playing"
        } else {
            "❚❚ paused"
        },
        viewer.speed,
        viewer.replayer.recording().header.seed
    )];
    lines.push(format!("commits sealed at tick {tick}: {}", commits.len()));
    for c in commits.iter().take(8) {
        lines.push(format!("  {} {:?}", c.id, c.body));
    }
    info.0 = lines.join("\n");
    let span = last.since(first).max(1) as f32;
    fill.width = percent(tick.since(first) as f32 / span * 100.0);
}
