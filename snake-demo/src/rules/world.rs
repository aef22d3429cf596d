//! The state: grid, snakes, food; and the one Modification, [`Turn`].

use std::collections::VecDeque;

use serde::{Deserialize, Serialize};
use tickline::model::{InvalidState, Modification, PeerId, TickCtx, WorkSpace};

/// Ticks a dead snake waits before it respawns.
pub const RESPAWN_TICKS: u64 = 20;
/// Length of a (re)spawned snake.
pub const START_LENGTH: u32 = 3;
/// Most snakes on a board; later joiners watch.
pub const MAX_SNAKES: usize = 64;
/// Smallest and largest board side.
pub const BOARD_SIDES: std::ops::RangeInclusive<i16> = 8..=128;
/// Longest player name kept in the state, in bytes.
pub const MAX_NAME_BYTES: usize = 64;

/// A grid cell: column, row (row 0 at the top).
pub type Cell = (i16, i16);

/// A heading.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Dir {
    /// Row - 1.
    Up,
    /// Row + 1.
    Down,
    /// Column - 1.
    Left,
    /// Column + 1.
    Right,
}

impl Dir {
    /// All four, in a fixed order.
    pub const ALL: [Dir; 4] = [Dir::Up, Dir::Right, Dir::Down, Dir::Left];

    /// The opposite heading.
    pub fn opposite(self) -> Dir {
        match self {
            Dir::Up => Dir::Down,
            Dir::Down => Dir::Up,
            Dir::Left => Dir::Right,
            Dir::Right => Dir::Left,
        }
    }

    /// The cell one step from `cell` this way.
    pub fn from(self, (x, y): Cell) -> Cell {
        match self {
            Dir::Up => (x, y - 1),
            Dir::Down => (x, y + 1),
            Dir::Left => (x - 1, y),
            Dir::Right => (x + 1, y),
        }
    }
}

/// One player's snake.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Snake {
    /// Its owner: the only peer that may steer it.
    pub owner: PeerId,
    /// The owner's display name.
    pub name: String,
    /// Cells, head first; empty while dead.
    pub body: VecDeque<Cell>,
    /// The direction of its last move.
    pub dir: Dir,
    /// The direction of its next move.
    pub next_dir: Dir,
    /// Cells still to grow.
    pub grow: u32,
    /// Food eaten in the whole session (kept across deaths).
    pub score: u32,
    /// Deaths so far.
    pub deaths: u32,
    /// Set while dead: the tick it respawns.
    pub respawn_at: Option<u64>,
}

impl Snake {
    /// Whether it is on the board.
    pub fn alive(&self) -> bool {
        !self.body.is_empty()
    }

    /// Its head, if alive.
    pub fn head(&self) -> Option<Cell> {
        self.body.front().copied()
    }
}

/// The Snake WorkSpace.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SnakeWorld {
    /// Columns.
    pub width: i16,
    /// Rows.
    pub height: i16,
    /// Snakes, in join order.
    pub snakes: Vec<Snake>,
    /// Food cells.
    pub food: Vec<Cell>,
    /// The last tick computed.
    pub tick: u64,
}

impl SnakeWorld {
    /// Default board size.
    pub const DEFAULT_SIZE: (i16, i16) = (32, 24);

    /// An empty board.
    pub fn new(width: i16, height: i16) -> Self {
        let side = |n: i16| n.clamp(*BOARD_SIDES.start(), *BOARD_SIDES.end());
        SnakeWorld {
            width: side(width),
            height: side(height),
            snakes: Vec::new(),
            food: Vec::new(),
            tick: 0,
        }
    }

    /// Whether `cell` is on the board.
    pub fn inside(&self, (x, y): Cell) -> bool {
        x >= 0 && y >= 0 && x < self.width && y < self.height
    }

    /// Whether any snake's body covers `cell`.
    pub fn occupied(&self, cell: Cell) -> bool {
        self.snakes.iter().any(|s| s.body.contains(&cell))
    }

    /// The snake owned by `peer`.
    pub fn snake(&self, peer: PeerId) -> Option<&Snake> {
        self.snakes.iter().find(|s| s.owner == peer)
    }

    /// Cells with no snake and no food, row by row.
    pub fn free_cells(&self) -> Vec<Cell> {
        let mut taken = vec![false; (self.width as usize) * (self.height as usize)];
        let index = |(x, y): Cell| y as usize * self.width as usize + x as usize;
        for cell in self
            .snakes
            .iter()
            .flat_map(|s| s.body.iter())
            .chain(self.food.iter())
        {
            if self.inside(*cell) {
                taken[index(*cell)] = true;
            }
        }
        (0..self.height)
            .flat_map(|y| (0..self.width).map(move |x| (x, y)))
            .filter(|c| !taken[index(*c)])
            .collect()
    }

    /// How much food the board keeps: one per snake, at least one.
    pub fn food_target(&self) -> usize {
        self.snakes.len().max(1)
    }
}

impl Default for SnakeWorld {
    fn default() -> Self {
        SnakeWorld::new(Self::DEFAULT_SIZE.0, Self::DEFAULT_SIZE.1)
    }
}

impl WorkSpace for SnakeWorld {
    fn step(&mut self, ctx: &mut TickCtx) {
        super::step::step(self, ctx);
    }

    fn on_join(&mut self, peer: PeerId, name: &str, ctx: &mut TickCtx) {
        if self.snakes.len() >= MAX_SNAKES || self.snake(peer).is_some() {
            return;
        }
        self.snakes.push(Snake {
            owner: peer,
            name: clip(name, MAX_NAME_BYTES).to_string(),
            body: VecDeque::new(),
            dir: Dir::Right,
            next_dir: Dir::Right,
            grow: 0,
            score: 0,
            deaths: 0,
            respawn_at: None,
        });
        let last = self.snakes.len() - 1;
        super::step::spawn(self, last, ctx);
    }

    fn on_leave(&mut self, peer: PeerId, _ctx: &mut TickCtx) {
        self.snakes.retain(|s| s.owner != peer);
    }

    fn validate(&self) -> Result<(), InvalidState> {
        super::validate::check(self)
    }
}

/// The longest prefix of `name` within `max` bytes, cut at a character boundary.
fn clip(name: &str, max: usize) -> &str {
    let mut end = name.len().min(max);
    while !name.is_char_boundary(end) {
        end -= 1;
    }
    &name[..end]
}

/// Turn your own snake. Ignored for another player's snake, a dead one, or a
/// reversal into itself.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Turn(pub Dir);

impl Modification<SnakeWorld> for Turn {
    fn apply(&self, ws: &mut SnakeWorld, ctx: &mut TickCtx) {
        let Some(snake) = ws.snakes.iter_mut().find(|s| s.owner == ctx.author()) else {
            return;
        };
        if snake.alive() && self.0 != snake.dir.opposite() {
            snake.next_dir = self.0;
        }
    }
}
