//! A reference WorkSpace of snake-like size, for benchmarks and tests: racers on a
//! 64×64 wrapping grid, each with a body of up to [`MAX_BODY`] cells, steering by
//! commits and eating food placed with the tick RNG.

use std::collections::{BTreeSet, VecDeque};

use serde::{Deserialize, Serialize};

use crate::model::{Game, InvalidState, Modification, PeerId, TickCtx, WorkSpace};

/// Grid side.
pub const SIDE: u16 = 64;
/// Longest body.
pub const MAX_BODY: usize = 40;
/// Above this many food cells a tick indexes them by cell (see `step`).
const INDEX_FOOD_ABOVE: usize = 32;
/// Most racers in a valid arena.
pub const MAX_RACERS: usize = 4096;

/// A direction on the grid.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Dir {
    /// y - 1.
    Up,
    /// y + 1.
    Down,
    /// x - 1.
    Left,
    /// x + 1.
    Right,
}

impl Dir {
    /// All four, for picking one with an index.
    pub const ALL: [Dir; 4] = [Dir::Up, Dir::Down, Dir::Left, Dir::Right];

    /// The cell one step this way from `(x, y)`, wrapping at the edges.
    pub fn ahead(self, (x, y): (u16, u16)) -> (u16, u16) {
        match self {
            Dir::Up => (x, (y + SIDE - 1) % SIDE),
            Dir::Down => (x, (y + 1) % SIDE),
            Dir::Left => ((x + SIDE - 1) % SIDE, y),
            Dir::Right => ((x + 1) % SIDE, y),
        }
    }
}

/// One player's racer.
#[derive(Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Racer {
    /// Owner.
    pub peer: PeerId,
    /// Heading.
    pub dir: Dir,
    /// Cells, head first.
    pub body: VecDeque<(u16, u16)>,
    /// Food eaten.
    pub score: u32,
}

/// The reference WorkSpace.
#[derive(Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Arena {
    /// Racers, in join order.
    pub racers: Vec<Racer>,
    /// Food cells.
    pub food: Vec<(u16, u16)>,
}

// `clone_from` copies into the buffers already there: the timeline predicts
// each tick into a spare state with it, so a rollback allocates nothing. (A
// derived `Clone` allocates every body afresh.)
impl Clone for Racer {
    fn clone(&self) -> Self {
        Racer {
            peer: self.peer,
            dir: self.dir,
            body: self.body.clone(),
            score: self.score,
        }
    }

    fn clone_from(&mut self, source: &Self) {
        self.peer = source.peer;
        self.dir = source.dir;
        // Two slice copies, not a loop over the deque's elements.
        self.body.clear();
        let (front, back) = source.body.as_slices();
        self.body.extend(front);
        self.body.extend(back);
        self.score = source.score;
    }
}

impl Clone for Arena {
    fn clone(&self) -> Self {
        Arena {
            racers: self.racers.clone(),
            food: self.food.clone(),
        }
    }

    fn clone_from(&mut self, source: &Self) {
        self.racers.clone_from(&source.racers);
        self.food.clone_from(&source.food);
    }
}

impl Arena {
    /// An arena with racers for peers `1..=players`, each with a body of
    /// `body` cells, and one food per racer.
    pub fn with_players(players: u64, body: usize) -> Self {
        let mut arena = Arena::default();
        for p in 1..=players {
            let y = (p as u16 * 7) % SIDE;
            let cells = (0..body.min(MAX_BODY) as u16)
                .map(|i| ((SIDE - i) % SIDE, y))
                .collect();
            arena.racers.push(Racer {
                peer: PeerId(p),
                dir: Dir::Right,
                body: cells,
                score: 0,
            });
            arena
                .food
                .push(((p as u16 * 13) % SIDE, (p as u16 * 29) % SIDE));
        }
        arena
    }

    /// Cells of state: body cells plus food.
    pub fn cells(&self) -> usize {
        self.racers.iter().map(|r| r.body.len()).sum::<usize>() + self.food.len()
    }
}

impl WorkSpace for Arena {
    fn step(&mut self, ctx: &mut TickCtx) {
        // The lowest index on a cell is the food eaten. Many food cells (a
        // 256-player room) are indexed by cell for log-time lookups; a few are
        // searched, which costs less than building the index every tick.
        let mut index: Option<BTreeSet<((u16, u16), usize)>> = (self.food.len() > INDEX_FOOD_ABOVE)
            .then(|| self.food.iter().enumerate().map(|(i, &f)| (f, i)).collect());
        for racer in &mut self.racers {
            let Some(&cell) = racer.body.front() else {
                continue;
            };
            let head = racer.dir.ahead(cell);
            let ate = match &index {
                Some(at) => at
                    .range((head, 0)..=(head, usize::MAX))
                    .next()
                    .map(|&(_, i)| i),
                None => self.food.iter().position(|f| *f == head),
            };
            if let Some(i) = ate {
                racer.score += 1;
                let fresh = (
                    ctx.below(u32::from(SIDE)) as u16,
                    ctx.below(u32::from(SIDE)) as u16,
                );
                if let Some(at) = index.as_mut() {
                    at.remove(&(head, i));
                    at.insert((fresh, i));
                }
                self.food[i] = fresh;
            }
            // The tail goes before the head comes (a body at its capacity does
            // not grow to move).
            if ate.is_none() || racer.body.len() >= MAX_BODY {
                racer.body.pop_back();
            }
            racer.body.push_front(head);
        }
    }

    fn on_join(&mut self, peer: PeerId, _name: &str, ctx: &mut TickCtx) {
        if self.racers.iter().any(|r| r.peer == peer) {
            return;
        }
        let at = (
            ctx.below(u32::from(SIDE)) as u16,
            ctx.below(u32::from(SIDE)) as u16,
        );
        self.racers.push(Racer {
            peer,
            dir: Dir::Right,
            body: VecDeque::from([at]),
            score: 0,
        });
        self.food.push((
            ctx.below(u32::from(SIDE)) as u16,
            ctx.below(u32::from(SIDE)) as u16,
        ));
    }

    fn on_leave(&mut self, peer: PeerId, _ctx: &mut TickCtx) {
        self.racers.retain(|r| r.peer != peer);
    }

    /// Every cell on the grid, bodies within [`MAX_BODY`] (plus the cell a racer
    /// grows by), at most [`MAX_RACERS`] racers and one food per join.
    fn validate(&self) -> Result<(), InvalidState> {
        if self.racers.len() > MAX_RACERS || self.food.len() > MAX_RACERS * 4 {
            return Err(InvalidState::new(format!(
                "{} racers and {} food (at most {MAX_RACERS} racers)",
                self.racers.len(),
                self.food.len()
            )));
        }
        let on_grid = |&(x, y): &(u16, u16)| x < SIDE && y < SIDE;
        if let Some(f) = self.food.iter().find(|f| !on_grid(f)) {
            return Err(InvalidState::new(format!("food at {f:?}, off the grid")));
        }
        for (i, r) in self.racers.iter().enumerate() {
            if r.body.len() > MAX_BODY + 1 {
                return Err(InvalidState::new(format!(
                    "racers[{i}]: {} cells",
                    r.body.len()
                )));
            }
            if let Some(c) = r.body.iter().find(|c| !on_grid(c)) {
                return Err(InvalidState::new(format!(
                    "racers[{i}]: cell {c:?} off the grid"
                )));
            }
        }
        Ok(())
    }
}

/// The reference game: an [`Arena`] steered by [`Steer`].
#[derive(Clone, Copy, Debug)]
pub struct ArenaGame;

impl Game for ArenaGame {
    type State = Arena;
    type Move = Steer;
    const ID: &'static str = "arena";
    const TICK_RATE: u32 = 60;
}

/// Turns the author's racer (a player may only steer its own).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Steer(pub Dir);

impl Modification<Arena> for Steer {
    fn apply(&self, ws: &mut Arena, ctx: &mut TickCtx) {
        if let Some(r) = ws.racers.iter_mut().find(|r| r.peer == ctx.author()) {
            r.dir = self.0;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Tick;

    #[test]
    fn racers_move_wrap_and_only_their_owner_steers_them() {
        let mut arena = Arena::with_players(2, 3);
        assert_eq!(arena.cells(), 8);
        Steer(Dir::Up).apply(&mut arena, &mut TickCtx::new(1, Tick(1), PeerId(2), 1));
        Steer(Dir::Left).apply(&mut arena, &mut TickCtx::new(1, Tick(1), PeerId(9), 2));
        let heads: Vec<_> = arena.racers.iter().map(|r| r.body[0]).collect();
        arena.step(&mut TickCtx::new(1, Tick(1), PeerId::SYSTEM, 0));
        assert_eq!(
            arena.racers[0].body[0],
            ((heads[0].0 + 1) % SIDE, heads[0].1)
        );
        assert_eq!(arena.racers[1].body[0], (heads[1].0, heads[1].1 - 1));
        assert_eq!(arena.cells(), 8, "bodies keep their length until they eat");
    }

    /// The step as a linear search of the food, the rule the index must keep.
    fn step_by_search(arena: &mut Arena, ctx: &mut TickCtx) {
        for racer in &mut arena.racers {
            let Some(&cell) = racer.body.front() else {
                continue;
            };
            let head = racer.dir.ahead(cell);
            racer.body.push_front(head);
            let ate = arena.food.iter().position(|f| *f == head);
            if let Some(i) = ate {
                racer.score += 1;
                arena.food[i] = (
                    ctx.below(u32::from(SIDE)) as u16,
                    ctx.below(u32::from(SIDE)) as u16,
                );
            }
            if ate.is_none() || racer.body.len() > MAX_BODY {
                racer.body.pop_back();
            }
        }
    }

    #[test]
    fn indexed_and_searched_food_give_the_same_game() {
        for players in [3, 200] {
            let mut indexed = Arena::with_players(players, 5);
            let mut searched = indexed.clone();
            // Food piled ahead of the first racer, which heads right: the
            // lowest index on a cell must go first.
            let (x, y) = indexed.racers[0].body[0];
            for (i, f) in indexed.food.iter_mut().enumerate() {
                *f = ((x + 1 + (i % 3) as u16) % SIDE, y);
            }
            searched.food.clone_from(&indexed.food);
            let mut eaten = 0;
            for t in 1..=300 {
                let ctx = || TickCtx::new(9, Tick(t), PeerId::SYSTEM, 0);
                indexed.step(&mut ctx());
                step_by_search(&mut searched, &mut ctx());
                assert_eq!(indexed, searched, "{players} players, tick {t}");
                eaten = indexed.racers.iter().map(|r| r.score).sum::<u32>();
            }
            assert!(eaten > 0, "{players} players: some food was eaten");
        }
    }
}
