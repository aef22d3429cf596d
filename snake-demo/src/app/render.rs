//! Draws the board, the snakes (a distinct colour each, with a visible head) and
//! the food from [`Shown`], with the sprites in `assets/sprites`.

use bevy::prelude::*;

use super::{Shown, player_color};
use crate::rules::Dir;

/// Pixels per cell.
pub const CELL: f32 = 22.0;

/// The loaded sprites and font.
#[derive(Resource, Clone)]
pub struct Art {
    /// Snake body segment.
    pub body: Handle<Image>,
    /// Snake head (eyes up).
    pub head: Handle<Image>,
    /// Food.
    pub food: Handle<Image>,
    /// Board tile.
    pub cell: Handle<Image>,
    /// HUD font.
    pub font: Handle<Font>,
    /// HUD bold font.
    pub bold: Handle<Font>,
}

/// A drawn snake segment or food, redrawn every frame.
#[derive(Component)]
struct Piece;

/// A board tile.
#[derive(Component)]
struct Tile;

/// Draws the world; add to windowed apps.
pub struct RenderPlugin;

impl Plugin for RenderPlugin {
    fn build(&self, app: &mut App) {
        app.init_resource::<Shown>()
            .add_systems(PreStartup, load_art)
            .add_systems(Startup, spawn_camera)
            .add_systems(PostUpdate, (draw_board, draw_pieces).chain());
    }
}

fn load_art(mut commands: Commands, assets: Res<AssetServer>) {
    commands.insert_resource(Art {
        body: assets.load("sprites/body.png"),
        head: assets.load("sprites/head.png"),
        food: assets.load("sprites/food.png"),
        cell: assets.load("sprites/cell.png"),
        font: assets.load("fonts/DejaVuSans.ttf"),
        bold: assets.load("fonts/DejaVuSans-Bold.ttf"),
    });
}

fn spawn_camera(mut commands: Commands) {
    commands.spawn((
        Camera2d,
        Camera {
            clear_color: ClearColorConfig::Custom(Color::srgb_u8(16, 18, 24)),
            ..default()
        },
    ));
}

/// Where a cell's centre is drawn: the board is centred a little left of the
/// window's centre, leaving room for the scoreboard on the right.
pub fn cell_to_world(x: i16, y: i16, width: i16, height: i16) -> Vec2 {
    let left = -(f32::from(width) * CELL) / 2.0 - 110.0;
    let top = (f32::from(height) * CELL) / 2.0 + 10.0;
    Vec2::new(
        left + (f32::from(x) + 0.5) * CELL,
        top - (f32::from(y) + 0.5) * CELL,
    )
}

fn draw_board(
    mut commands: Commands,
    shown: Res<Shown>,
    art: Res<Art>,
    tiles: Query<(), With<Tile>>,
) {
    let Some(world) = &shown.0 else { return };
    if !tiles.is_empty() {
        return;
    }
    for y in 0..world.height {
        for x in 0..world.width {
            let at = cell_to_world(x, y, world.width, world.height);
            commands.spawn((
                Tile,
                Sprite {
                    image: art.cell.clone(),
                    custom_size: Some(Vec2::splat(CELL)),
                    ..default()
                },
                Transform::from_xyz(at.x, at.y, 0.0),
            ));
        }
    }
}

fn draw_pieces(
    mut commands: Commands,
    shown: Res<Shown>,
    art: Res<Art>,
    old: Query<Entity, With<Piece>>,
) {
    for e in &old {
        commands.entity(e).despawn();
    }
    let Some(world) = &shown.0 else { return };
    let size = Some(Vec2::splat(CELL));
    for &(x, y) in &world.food {
        let at = cell_to_world(x, y, world.width, world.height);
        commands.spawn((
            Piece,
            Sprite {
                image: art.food.clone(),
                custom_size: size,
                ..default()
            },
            Transform::from_xyz(at.x, at.y, 1.0),
        ));
    }
    for snake in &world.snakes {
        let color = player_color(snake.owner.0);
        for (i, &(x, y)) in snake.body.iter().enumerate() {
            let at = cell_to_world(x, y, world.width, world.height);
            let (image, z, rotation) = if i == 0 {
                let angle = match snake.dir {
                    Dir::Up => 0.0,
                    Dir::Left => std::f32::consts::FRAC_PI_2,
                    Dir::Down => std::f32::consts::PI,
                    Dir::Right => -std::f32::consts::FRAC_PI_2,
                };
                (art.head.clone(), 3.0, Quat::from_rotation_z(angle))
            } else {
                (art.body.clone(), 2.0, Quat::IDENTITY)
            };
            commands.spawn((
                Piece,
                Sprite {
                    image,
                    color,
                    custom_size: size,
                    ..default()
                },
                Transform {
                    translation: Vec3::new(at.x, at.y, z),
                    rotation,
                    ..default()
                },
            ));
        }
    }
}
