//! A minimal networked game with a window: every player is a square on a grid,
//! moved with the arrow keys, gliding between ticks.
//!
//! ```text
//! cargo run -p tickline --example tag --features bevy -- host 127.0.0.1:5000
//! cargo run -p tickline --example tag --features bevy -- join localhost:5000
//! ```
//! With no arguments a menu waits: H hosts on port 5000, J joins localhost:5000,
//! Esc leaves the game and comes back to the menu.

use bevy::prelude::*;
use serde::{Deserialize, Serialize};
use tickline::prelude::*;

/// Where each player stands.
#[derive(Clone, Default, Serialize, Deserialize)]
struct Field {
    players: Vec<(PeerId, i32, i32)>,
}

impl WorkSpace for Field {
    fn on_join(&mut self, peer: PeerId, _name: &str, _ctx: &mut TickCtx) {
        self.players.push((peer, 0, 0));
    }
    fn on_leave(&mut self, peer: PeerId, _ctx: &mut TickCtx) {
        self.players.retain(|p| p.0 != peer);
    }
}

/// One step; a player moves only itself, and stays on a 21×21 field.
#[derive(Clone, Debug, Serialize, Deserialize)]
struct Step(i32, i32);

impl Modification<Field> for Step {
    fn apply(&self, field: &mut Field, ctx: &mut TickCtx) {
        if let Some(p) = field.players.iter_mut().find(|p| p.0 == ctx.author()) {
            p.1 = (p.1 + self.0.signum()).clamp(-10, 10);
            p.2 = (p.2 + self.1.signum()).clamp(-10, 10);
        }
    }
}

struct Tag;

/// A player's square.
#[derive(Component)]
struct Square(PeerId);

impl Game for Tag {
    type State = Field;
    type Move = Step;
    const ID: &'static str = "tag";
    const TICK_RATE: u32 = 20;
}

fn start(commands: &mut Commands, host: bool, addr: &str) -> Result<(), String> {
    let addr = resolve(addr).map_err(|e| e.to_string())?;
    let session: StartSession<Tag> = if host {
        let renet = RenetHostConfig::for_game::<Tag>(addr, 8, RenetSecurity::Unsecure);
        StartSession::host(
            HostConfig::default(),
            Field::default(),
            renet.map_err(|e| e.to_string())?,
        )
    } else {
        let renet = RenetClientConfig::for_game::<Tag>(addr, None);
        StartSession::join(ClientConfig::default(), renet.map_err(|e| e.to_string())?)
    };
    commands.queue(session);
    Ok(())
}

/// Flags on the first frame; afterwards H, J and Esc.
fn menu(mut commands: Commands, keys: Res<ButtonInput<KeyCode>>, mut first: Local<bool>) {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let chosen = match args.as_slice() {
        [what, addr] if !std::mem::replace(&mut *first, true) => {
            Some((what == "host", addr.as_str()))
        }
        _ if keys.just_pressed(KeyCode::KeyH) => Some((true, "0.0.0.0:5000")),
        _ if keys.just_pressed(KeyCode::KeyJ) => Some((false, "localhost:5000")),
        _ => None,
    };
    if let Some((host, addr)) = chosen
        && let Err(e) = start(&mut commands, host, addr)
    {
        eprintln!("cannot start: {e}");
    }
    if keys.just_pressed(KeyCode::Escape) {
        commands.queue(StopSession::<Tag>::default());
    }
}

fn steer(keys: Res<ButtonInput<KeyCode>>, mut submit: MessageWriter<Submit<Tag>>) {
    let x =
        i32::from(keys.pressed(KeyCode::ArrowRight)) - i32::from(keys.pressed(KeyCode::ArrowLeft));
    let y = i32::from(keys.pressed(KeyCode::ArrowUp)) - i32::from(keys.pressed(KeyCode::ArrowDown));
    if x != 0 || y != 0 {
        submit.write(Submit::new(Step(x, y)));
    }
}

/// One sprite per player, kept across frames, gliding toward its cell.
fn draw(
    mut commands: Commands,
    session: Option<Res<TicklineSession<Tag>>>,
    status: Res<TicklineStatus>,
    mut squares: Query<(Entity, &Square, &mut Transform)>,
    mut text: Single<&mut Text>,
) {
    text.0 = format!(
        "{:?} · sealed tick {} · H host, J join, Esc leave",
        status.state, status.sealed_tick
    );
    let players = session
        .as_ref()
        .and_then(|s| s.state())
        .map_or(&[][..], |f| &f.players[..]);
    for (entity, square, mut transform) in &mut squares {
        match players.iter().find(|p| p.0 == square.0) {
            Some(&(_, x, y)) => {
                // Ease toward the cell: a move takes about one tick to show.
                let target = Vec3::new(x as f32 * 30.0, y as f32 * 30.0, 0.0);
                transform.translation = transform.translation.lerp(target, 0.3);
            }
            None => commands.entity(entity).despawn(),
        }
    }
    for &(peer, x, y) in players {
        if !squares.iter().any(|(_, s, _)| s.0 == peer) {
            let color = Color::hsl((peer.0 * 67 % 360) as f32, 0.7, 0.6);
            let sprite = Sprite::from_color(color, Vec2::splat(26.0));
            commands.spawn((
                Square(peer),
                sprite,
                Transform::from_xyz(x as f32 * 30.0, y as f32 * 30.0, 0.0),
            ));
        }
    }
}

fn main() {
    App::new()
        .add_plugins(DefaultPlugins)
        .add_plugins(TicklinePlugin::<Tag>::default())
        .add_systems(Startup, |mut commands: Commands| {
            commands.spawn(Camera2d);
            commands.spawn((Text::new(""), Node::default()));
        })
        .add_systems(Update, (menu, steer, draw))
        .run();
}
