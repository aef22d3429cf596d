//! The scoreboard (names and scores in each player's colour) and the status line
//! (connection, ping, sealed tick, rollbacks).

use bevy::prelude::*;
use tickline::bevy::{TicklineState, TicklineStatus};
use tickline::net::ClientStatus;

use super::render::Art;
use super::{Shown, player_color};

/// The scoreboard panel.
#[derive(Component)]
pub struct Scoreboard;

/// The status line.
#[derive(Component)]
pub struct StatusLine;

/// Scoreboard and status line for a live game.
pub struct HudPlugin;

impl Plugin for HudPlugin {
    fn build(&self, app: &mut App) {
        app.add_plugins(ScoreboardPlugin)
            .add_systems(Startup, spawn_status)
            .add_systems(Update, update_status);
    }
}

/// The scoreboard alone (the replay viewer uses it too).
pub struct ScoreboardPlugin;

impl Plugin for ScoreboardPlugin {
    fn build(&self, app: &mut App) {
        app.init_resource::<TicklineStatus>()
            .add_systems(Startup, spawn_scoreboard)
            .add_systems(Update, update_scoreboard);
    }
}

/// A text style with the HUD font.
pub fn font(art: &Art, size: f32, bold: bool) -> TextFont {
    TextFont::from_font_size(size).with_font(if bold {
        art.bold.clone()
    } else {
        art.font.clone()
    })
}

fn spawn_scoreboard(mut commands: Commands) {
    commands.spawn((
        Scoreboard,
        Node {
            position_type: PositionType::Absolute,
            top: px(16.0),
            right: px(16.0),
            width: px(220.0),
            flex_direction: FlexDirection::Column,
            padding: UiRect::all(px(10.0)),
            row_gap: px(4.0),
            ..default()
        },
        BackgroundColor(Color::srgba_u8(30, 33, 41, 230)),
    ));
}

fn spawn_status(mut commands: Commands, art: Res<Art>) {
    commands.spawn((
        StatusLine,
        Text::new("starting…"),
        font(&art, 15.0, false),
        TextColor(Color::srgb_u8(200, 205, 215)),
        Node {
            position_type: PositionType::Absolute,
            bottom: px(10.0),
            left: px(16.0),
            ..default()
        },
    ));
}

fn update_scoreboard(
    mut commands: Commands,
    shown: Res<Shown>,
    art: Res<Art>,
    board: Single<Entity, With<Scoreboard>>,
    status: Res<TicklineStatus>,
) {
    let Some(world) = &shown.world else { return };
    let mut rows: Vec<_> = world.snakes.iter().collect();
    rows.sort_by(|a, b| b.score.cmp(&a.score).then(a.owner.cmp(&b.owner)));
    commands.entity(*board).despawn_related::<Children>();
    commands.entity(*board).with_children(|panel| {
        panel.spawn((
            Text::new("SCORES"),
            font(&art, 18.0, true),
            TextColor(Color::WHITE),
        ));
        for snake in rows {
            let you = if Some(snake.owner) == status.peer {
                "  ◀"
            } else {
                ""
            };
            let state = if snake.alive() { "" } else { " ✝" };
            panel.spawn((
                Text::new(format!("{:>3}  {}{you}{state}", snake.score, snake.name)),
                font(&art, 16.0, Some(snake.owner) == status.peer),
                TextColor(player_color(snake.owner.0)),
            ));
        }
    });
}

fn plural(n: usize, one: &str) -> String {
    format!("{n} {one}{}", if n == 1 { "" } else { "s" })
}

/// The connection part of the status line: local bots and remote players apart.
pub fn state_label(status: &TicklineStatus) -> String {
    match &status.state {
        TicklineState::Idle => "starting".to_string(),
        TicklineState::Hosting => {
            let mut parts = vec!["hosting".to_string()];
            if status.remote_players == 0 && status.addr.is_none() {
                parts[0] = "local game".to_string();
            } else {
                parts.push(plural(status.remote_players, "remote player"));
            }
            if status.bots > 0 {
                parts.push(plural(status.bots, "bot"));
            }
            parts.join(" · ")
        }
        TicklineState::Client(ClientStatus::Connected) => "connected".to_string(),
        TicklineState::Client(ClientStatus::Stopped(why)) => format!("stopped: {why}"),
        TicklineState::Client(s) => format!("{s:?}").to_lowercase(),
    }
}

fn update_status(
    status: Res<TicklineStatus>,
    watching: Option<Res<Watching>>,
    mut line: Single<&mut Text, With<StatusLine>>,
) {
    let s = &status.stats;
    line.0 = match watching {
        Some(w) if matches!(status.state, TicklineState::Client(ClientStatus::Connected)) => {
            format!(
                "{}   ping {} ms   sealed tick {}   ↓{} kB   Esc quits",
                w.label(),
                s.rtt.as_millis(),
                status.sealed_tick,
                s.bytes_in / 1000
            )
        }
        _ => format!(
            "{}   ping {} ms   sealed tick {}   rollbacks {} (deepest {})   ↑{} kB ↓{} kB   arrows/WASD steer · Esc quits",
            state_label(&status),
            s.rtt.as_millis(),
            status.sealed_tick,
            s.rollbacks,
            s.deepest_rollback,
            s.bytes_out / 1000,
            s.bytes_in / 1000
        ),
    };
}

/// Set by `watch`: this app only watches, which the status line says.
#[derive(Resource, Debug, Clone, Default)]
pub struct Watching {
    /// The room watched ("" for the default room or a LAN host).
    pub room: String,
    /// How far behind the game is shown, in seconds.
    pub delay_s: u64,
}

impl Watching {
    /// `watching room friday · 3 s behind`.
    pub fn label(&self) -> String {
        let room = if self.room.is_empty() {
            "watching".to_string()
        } else {
            format!("watching room {}", self.room)
        };
        match self.delay_s {
            0 => room,
            n => format!("{room} · {n} s behind"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_status_line_tells_bots_from_remote_players() {
        let mut status = TicklineStatus {
            state: TicklineState::Hosting,
            bots: 3,
            ..TicklineStatus::default()
        };
        assert_eq!(state_label(&status), "local game · 3 bots");
        status.addr = Some("127.0.0.1:5000".parse().expect("address"));
        status.remote_players = 1;
        assert_eq!(state_label(&status), "hosting · 1 remote player · 3 bots");
        status.bots = 0;
        status.remote_players = 2;
        assert_eq!(state_label(&status), "hosting · 2 remote players");
    }

    #[test]
    fn a_spectator_is_told_what_it_watches() {
        let live = Watching {
            room: "friday".into(),
            delay_s: 0,
        };
        assert_eq!(live.label(), "watching room friday");
        let behind = Watching {
            room: String::new(),
            delay_s: 3,
        };
        assert_eq!(behind.label(), "watching · 3 s behind");
    }
}
