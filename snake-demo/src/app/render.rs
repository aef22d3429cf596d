//! Draws the board, the snakes (a distinct colour each, with a visible head) and
//! the food from [`Shown`], with the sprites in `assets/sprites`. Sprites are
//! pooled (never respawned per frame) and snakes glide between cells with the
//! tick's progress.

use bevy::prelude::*;

use super::{Shown, player_color};
use tickline::model::PeerId;

use crate::rules::{Cell, Dir, SnakeWorld};

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

/// A pooled sprite for a snake segment or a food.
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
            .init_resource::<Pool>()
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
    let Some(world) = &shown.world else { return };
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

/// The sprites drawn so far, reused frame after frame: one per food or segment,
/// hidden when not needed.
#[derive(Resource, Default)]
struct Pool(Vec<Entity>);

/// One sprite to place this frame.
struct Placed {
    image: Handle<Image>,
    color: Color,
    at: Vec2,
    z: f32,
    rotation: Quat,
}

/// Where segment `i` of `owner`'s snake is drawn: between its cell on the
/// previous tick and on this one, when it moved one cell (not on a respawn).
fn glide(shown: &Shown, world: &SnakeWorld, owner: PeerId, i: usize, cell: Cell) -> Vec2 {
    let to = cell_to_world(cell.0, cell.1, world.width, world.height);
    let from = shown
        .previous
        .as_ref()
        .and_then(|p| p.snakes.iter().find(|s| s.owner == owner))
        .and_then(|s| s.body.get(i).copied())
        .filter(|&(x, y)| (x - cell.0).abs() + (y - cell.1).abs() == 1);
    match from {
        Some((x, y)) => cell_to_world(x, y, world.width, world.height).lerp(to, shown.progress),
        None => to,
    }
}

fn pieces(shown: &Shown, world: &SnakeWorld, art: &Art) -> Vec<Placed> {
    let mut out = Vec::with_capacity(world.food.len() + world.snakes.len() * 8);
    for &(x, y) in &world.food {
        out.push(Placed {
            image: art.food.clone(),
            color: Color::WHITE,
            at: cell_to_world(x, y, world.width, world.height),
            z: 1.0,
            rotation: Quat::IDENTITY,
        });
    }
    for snake in &world.snakes {
        let color = player_color(snake.owner.0);
        for (i, &cell) in snake.body.iter().enumerate() {
            let at = glide(shown, world, snake.owner, i, cell);
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
            out.push(Placed {
                image,
                color,
                at,
                z,
                rotation,
            });
        }
    }
    out
}

/// Places the food and the snakes on pooled sprites: spawned once, then moved.
fn draw_pieces(
    mut commands: Commands,
    shown: Res<Shown>,
    art: Res<Art>,
    mut pool: ResMut<Pool>,
    mut sprites: Query<(&mut Sprite, &mut Transform, &mut Visibility), With<Piece>>,
) {
    let placed = match &shown.world {
        Some(world) => pieces(&shown, world, &art),
        None => Vec::new(),
    };
    for (i, p) in placed.iter().enumerate() {
        let transform = Transform {
            translation: p.at.extend(p.z),
            rotation: p.rotation,
            ..default()
        };
        match pool.0.get(i).and_then(|&e| sprites.get_mut(e).ok()) {
            Some((mut sprite, mut t, mut visible)) => {
                if sprite.image != p.image {
                    sprite.image = p.image.clone();
                }
                sprite.color = p.color;
                *t = transform;
                *visible = Visibility::Inherited;
            }
            None => {
                let sprite = Sprite {
                    image: p.image.clone(),
                    color: p.color,
                    custom_size: Some(Vec2::splat(CELL)),
                    ..default()
                };
                let e = commands.spawn((Piece, sprite, transform)).id();
                pool.0.push(e);
            }
        }
    }
    for &e in pool.0.iter().skip(placed.len()) {
        if let Ok((_, _, mut visible)) = sprites.get_mut(e) {
            *visible = Visibility::Hidden;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::Snake;

    fn world(tick: u64, body: &[Cell]) -> SnakeWorld {
        let mut w = SnakeWorld::new(16, 16);
        w.tick = tick;
        w.snakes.push(Snake {
            owner: PeerId(1),
            name: "ann".into(),
            body: body.iter().copied().collect(),
            dir: Dir::Right,
            next_dir: Dir::Right,
            grow: 0,
            score: 0,
            deaths: 0,
            respawn_at: None,
        });
        w
    }

    #[test]
    fn segments_glide_one_cell_and_jump_on_a_respawn() {
        let mut shown = Shown::default();
        shown.show(&world(1, &[(3, 3), (2, 3)]), 0.0);
        shown.show(&world(2, &[(4, 3), (3, 3)]), 0.5);
        assert_eq!(shown.previous.as_ref().map(|w| w.tick), Some(1));
        let now = shown.world.clone().expect("shown");
        let at = |x, y| cell_to_world(x, y, 16, 16);
        // Halfway between the previous cell and this one.
        assert_eq!(
            glide(&shown, &now, PeerId(1), 0, (4, 3)),
            at(3, 3).lerp(at(4, 3), 0.5)
        );
        // A respawn far away is drawn where it is, not dragged across the board.
        shown.show(&world(3, &[(10, 10), (9, 10)]), 0.5);
        let now = shown.world.clone().expect("shown");
        assert_eq!(glide(&shown, &now, PeerId(1), 0, (10, 10)), at(10, 10));
        // A corrected prediction of the same tick keeps the previous tick to glide from.
        shown.show(&world(3, &[(10, 11), (10, 10)]), 0.7);
        assert_eq!(shown.previous.as_ref().map(|w| w.tick), Some(2));
        assert_eq!(shown.progress, 0.7);
    }
}
