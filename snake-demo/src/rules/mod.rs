//! The Snake rules: pure and deterministic (integers only, no Bevy, no clock).
//!
//! Every snake moves one cell per tick. A player turns its own snake (checked
//! against the commit's author) and cannot reverse into itself. Food is placed
//! with the tick RNG; eating grows the snake and scores. A snake dies on a wall, on
//! any body, or head-on with another (both die), and respawns after
//! [`RESPAWN_TICKS`] at a free cell. Scores survive deaths. Joins and leaves
//! (system commits) add and remove snakes.

mod step;
mod validate;
mod world;

pub use world::{
    BOARD_SIDES, Cell, Dir, MAX_NAME_BYTES, MAX_SNAKES, RESPAWN_TICKS, START_LENGTH, Snake,
    SnakeWorld, Turn,
};

/// The Snake game: a [`SnakeWorld`] changed by [`Turn`]s. Its schema hash is
/// derived from both types' shapes.
#[derive(Clone, Copy, Debug)]
pub struct SnakeGame;

impl tickline::Game for SnakeGame {
    type State = SnakeWorld;
    type Move = Turn;
    const ID: &'static str = "tickline-snake";
    const TICK_RATE: u32 = 15;
}

impl SnakeGame {
    /// The schema hash (the Snake types always trace; a test pins it).
    pub fn schema_hash() -> u64 {
        <SnakeGame as tickline::Game>::schema_hash().expect("the Snake types trace")
    }
}

#[cfg(test)]
mod tests;
