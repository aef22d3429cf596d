//! A deterministic Snake bot: avoids walls and bodies, keeps room to move, seeks
//! the nearest food. Its decisions become ordinary `Turn` commits authored by the
//! peer that runs it, so bot games record and replay like any other.

use tickline::model::PeerId;

use crate::rules::{Cell, Dir, SnakeWorld};

/// The turn the bot wants for `me`'s snake, or `None` to keep going.
pub fn decide(world: &SnakeWorld, me: PeerId) -> Option<Dir> {
    let snake = world.snake(me)?;
    let head = snake.head()?;
    let need = snake.body.len() + 2;
    let mut best: Option<((bool, bool, i32, usize), Dir)> = None;
    for dir in Dir::ALL {
        if dir == snake.dir.opposite() {
            continue;
        }
        let cell = dir.from(head);
        if !world.inside(cell) || world.occupied(cell) {
            continue;
        }
        let room = room(world, cell, need * 2);
        let near_head = world
            .snakes
            .iter()
            .filter(|s| s.owner != me)
            .filter_map(|s| s.head())
            .any(|h| manhattan(h, cell) == 1);
        let dist = world
            .food
            .iter()
            .map(|f| manhattan(*f, cell))
            .min()
            .unwrap_or(0);
        // Room first, then no head-on risk, then the food, then more room.
        let key = (room >= need, !near_head, -dist, room);
        if best.as_ref().is_none_or(|(k, _)| key > *k) {
            best = Some((key, dir));
        }
    }
    let dir = best.map_or(snake.next_dir, |(_, d)| d);
    (dir != snake.next_dir).then_some(dir)
}

fn manhattan(a: Cell, b: Cell) -> i32 {
    i32::from((a.0 - b.0).abs()) + i32::from((a.1 - b.1).abs())
}

/// Free cells reachable from `start`, counted up to `limit`.
fn room(world: &SnakeWorld, start: Cell, limit: usize) -> usize {
    let w = world.width as usize;
    let mut seen = vec![false; w * world.height as usize];
    let index = |(x, y): Cell| y as usize * w + x as usize;
    for cell in world.snakes.iter().flat_map(|s| s.body.iter()) {
        if world.inside(*cell) {
            seen[index(*cell)] = true;
        }
    }
    let mut stack = vec![start];
    seen[index(start)] = true;
    let mut count = 0;
    while let Some(cell) = stack.pop() {
        count += 1;
        if count >= limit {
            break;
        }
        for d in Dir::ALL {
            let next = d.from(cell);
            if world.inside(next) && !seen[index(next)] {
                seen[index(next)] = true;
                stack.push(next);
            }
        }
    }
    count
}

#[cfg(test)]
mod tests {
    use tickline::model::{Tick, TickCtx, WorkSpace};
    use tickline::testing::{DeterminismCheck, check_determinism};

    use super::*;
    use crate::rules::{SnakeGame, Turn};

    fn bot_world(players: u64) -> SnakeWorld {
        let mut w = SnakeWorld::default();
        for p in 1..=players {
            w.on_join(
                PeerId(p),
                &format!("bot{p}"),
                &mut TickCtx::new(1, Tick(0), PeerId::SYSTEM, p),
            );
        }
        w
    }

    fn bots(state: &SnakeWorld, _tick: Tick) -> Vec<(PeerId, Turn)> {
        state
            .snakes
            .iter()
            .filter_map(|s| decide(state, s.owner).map(|d| (s.owner, Turn(d))))
            .collect()
    }

    #[test]
    fn the_bot_avoids_a_wall_ahead() {
        let mut w = bot_world(1);
        let s = &mut w.snakes[0];
        s.body = [(w.width - 1, 5)].into_iter().collect();
        s.dir = Dir::Right;
        s.next_dir = Dir::Right;
        let turn = decide(&w, PeerId(1)).expect("must turn");
        assert!(matches!(turn, Dir::Up | Dir::Down));
    }

    #[test]
    fn bots_eat_and_survive_a_while() {
        let mut w = bot_world(4);
        let mut t = 0;
        for _ in 0..2000 {
            t += 1;
            for (peer, turn) in bots(&w, Tick(t)) {
                tickline::model::Modification::apply(
                    &turn,
                    &mut w,
                    &mut TickCtx::new(3, Tick(t), peer, 1),
                );
            }
            w.step(&mut TickCtx::new(3, Tick(t), PeerId::SYSTEM, 0));
        }
        let eaten: u32 = w.snakes.iter().map(|s| s.score).sum();
        let deaths: u32 = w.snakes.iter().map(|s| s.deaths).sum();
        assert!(eaten > 40, "bots find food: {eaten}");
        assert!(
            deaths < eaten,
            "bots mostly survive: {deaths} deaths, {eaten} eaten"
        );
    }

    #[test]
    fn a_long_bot_game_is_deterministic_under_rollback() {
        let check = DeterminismCheck {
            ticks: 3000,
            depth: 6,
            seed: 77,
        };
        // Six bots join at tick 1 (their on_join runs under rollback too) and
        // steer every tick after.
        let report = check_determinism::<SnakeGame>(&check, SnakeWorld::default(), |w, t, s| {
            if t == Tick(1) {
                (1..=6).for_each(|p| s.join(PeerId(p), &format!("bot{p}")));
            }
            for (peer, turn) in bots(w, t) {
                s.play(peer, turn);
            }
        })
        .expect("deterministic");
        assert!(report.commits > 300, "the bots steered: {report:?}");
    }
}
