//! What happens in one tick.

use tickline::model::TickCtx;

use super::world::{Cell, Dir, RESPAWN_TICKS, START_LENGTH, SnakeWorld};

/// Places snake `index` at a random free cell with room ahead, heading away from
/// the nearest wall.
pub(super) fn spawn(ws: &mut SnakeWorld, index: usize, ctx: &mut TickCtx) {
    let free = ws.free_cells();
    let safe: Vec<Cell> = free
        .iter()
        .copied()
        .filter(|&(x, y)| x >= 2 && y >= 2 && x < ws.width - 2 && y < ws.height - 2)
        .filter(|&c| Dir::ALL.iter().all(|d| !ws.occupied(d.from(c))))
        .collect();
    let pool = if safe.is_empty() { &free } else { &safe };
    if pool.is_empty() {
        return;
    }
    let cell = pool[ctx.below(pool.len() as u32) as usize];
    let dir = if cell.0 < ws.width / 2 {
        Dir::Right
    } else {
        Dir::Left
    };
    let snake = &mut ws.snakes[index];
    snake.body.clear();
    snake.body.push_back(cell);
    snake.dir = dir;
    snake.next_dir = dir;
    snake.grow = START_LENGTH - 1;
    snake.respawn_at = None;
}

fn kill(ws: &mut SnakeWorld, index: usize, tick: u64) {
    let snake = &mut ws.snakes[index];
    snake.body.clear();
    snake.grow = 0;
    snake.deaths = snake.deaths.saturating_add(1);
    snake.respawn_at = Some(tick.saturating_add(RESPAWN_TICKS));
}

/// Moves every snake one cell, resolves collisions, feeds, respawns, restocks.
pub(super) fn step(ws: &mut SnakeWorld, ctx: &mut TickCtx) {
    let tick = ctx.tick().0;
    ws.tick = tick;
    // Respawns due this tick.
    for i in 0..ws.snakes.len() {
        if ws.snakes[i].respawn_at.is_some_and(|t| t <= tick) {
            spawn(ws, i, ctx);
        }
    }
    // Where each living snake's head goes.
    let moves: Vec<Option<Cell>> = ws
        .snakes
        .iter()
        .map(|s| s.head().map(|h| s.next_dir.from(h)))
        .collect();
    // Tails that leave their cell this tick (snakes that do not grow).
    let vacating: Vec<Option<Cell>> = ws
        .snakes
        .iter()
        .zip(&moves)
        .map(|(s, m)| {
            let eats = m.is_some_and(|c| ws.food.contains(&c));
            (s.grow == 0 && !eats)
                .then(|| s.body.back().copied())
                .flatten()
        })
        .collect();
    let mut dies = vec![false; ws.snakes.len()];
    for (i, target) in moves.iter().enumerate() {
        let Some(target) = *target else { continue };
        if !ws.inside(target) {
            dies[i] = true;
            continue;
        }
        // Any body cell that stays put.
        let hits_body = ws.snakes.iter().enumerate().any(|(j, other)| {
            other
                .body
                .iter()
                .any(|c| *c == target && vacating[j] != Some(*c))
        });
        // Head-on: two heads into one cell, or two heads swapping cells.
        let head_on = moves.iter().enumerate().any(|(j, other)| {
            j != i
                && other.is_some_and(|o| {
                    o == target
                        || (Some(o) == ws.snakes[i].head() && ws.snakes[j].head() == Some(target))
                })
        });
        dies[i] = hits_body || head_on;
    }
    for (i, target) in moves.iter().enumerate() {
        let Some(target) = *target else { continue };
        if dies[i] {
            kill(ws, i, tick);
            continue;
        }
        let snake = &mut ws.snakes[i];
        snake.dir = snake.next_dir;
        snake.body.push_front(target);
        if let Some(f) = ws.food.iter().position(|c| *c == target) {
            ws.food.swap_remove(f);
            snake.score = snake.score.saturating_add(1);
            snake.grow = snake.grow.saturating_add(1);
        }
        if snake.grow > 0 {
            snake.grow -= 1;
        } else {
            snake.body.pop_back();
        }
    }
    // Keep the food stocked, at free cells drawn with the tick RNG.
    while ws.food.len() < ws.food_target() {
        let free = ws.free_cells();
        if free.is_empty() {
            break;
        }
        let cell = free[ctx.below(free.len() as u32) as usize];
        ws.food.push(cell);
    }
}
