use std::collections::VecDeque;

use tickline::model::{Modification, PeerId, Tick, TickCtx, WorkSpace};

use super::*;

fn ctx(tick: u64, author: PeerId) -> TickCtx {
    TickCtx::new(9, Tick(tick), author, 1)
}

fn snake(owner: u64, cells: &[Cell], dir: Dir) -> Snake {
    Snake {
        owner: PeerId(owner),
        name: format!("p{owner}"),
        body: cells.iter().copied().collect::<VecDeque<_>>(),
        dir,
        next_dir: dir,
        grow: 0,
        score: 0,
        deaths: 0,
        respawn_at: None,
    }
}

/// A 12×10 board with the given snakes and food far away.
fn world(snakes: Vec<Snake>) -> SnakeWorld {
    let mut w = SnakeWorld::new(12, 10);
    w.snakes = snakes;
    w.food = vec![(11, 9)];
    w
}

fn step(w: &mut SnakeWorld, tick: u64) {
    w.step(&mut TickCtx::new(9, Tick(tick), PeerId::SYSTEM, 0));
}

fn turn(w: &mut SnakeWorld, author: u64, dir: Dir) {
    Turn(dir).apply(w, &mut ctx(1, PeerId(author)));
}

#[test]
fn every_snake_moves_one_cell_per_tick() {
    let mut w = world(vec![snake(1, &[(3, 3), (2, 3), (1, 3)], Dir::Right)]);
    step(&mut w, 1);
    assert_eq!(w.snakes[0].body, VecDeque::from([(4, 3), (3, 3), (2, 3)]));
    step(&mut w, 2);
    assert_eq!(w.snakes[0].head(), Some((5, 3)));
    assert_eq!(w.tick, 2);
}

#[test]
fn turning_works_and_reversal_is_ignored() {
    let mut w = world(vec![snake(1, &[(3, 3), (2, 3), (1, 3)], Dir::Right)]);
    turn(&mut w, 1, Dir::Left);
    step(&mut w, 1);
    assert_eq!(w.snakes[0].head(), Some((4, 3)), "no reversal into itself");
    turn(&mut w, 1, Dir::Down);
    // A second turn in the same tick is checked against the last move, not the pending one.
    turn(&mut w, 1, Dir::Left);
    step(&mut w, 2);
    assert_eq!(w.snakes[0].head(), Some((4, 4)));
    assert_eq!(w.snakes[0].dir, Dir::Down);
}

#[test]
fn a_player_may_only_steer_its_own_snake() {
    let mut w = world(vec![
        snake(1, &[(3, 3)], Dir::Right),
        snake(2, &[(3, 6)], Dir::Right),
    ]);
    turn(&mut w, 2, Dir::Up);
    turn(&mut w, 9, Dir::Down);
    assert_eq!(w.snakes[0].next_dir, Dir::Right);
    assert_eq!(w.snakes[1].next_dir, Dir::Up);
}

#[test]
fn eating_grows_scores_and_restocks_food_with_the_tick_rng() {
    let mut w = world(vec![snake(1, &[(3, 3), (2, 3)], Dir::Right)]);
    w.food = vec![(4, 3)];
    step(&mut w, 1);
    let s = &w.snakes[0];
    assert_eq!((s.score, s.body.len()), (1, 3), "grew by one");
    assert_eq!(w.food.len(), 1, "food restocked");
    assert!(!w.occupied(w.food[0]));
    // The same tick and seed place the food identically; another seed does not always.
    let mut again = world(vec![snake(1, &[(3, 3), (2, 3)], Dir::Right)]);
    again.food = vec![(4, 3)];
    step(&mut again, 1);
    assert_eq!(again.food, w.food);
    let placements: std::collections::BTreeSet<_> = (0..20u64)
        .map(|seed| {
            let mut o = world(vec![snake(1, &[(3, 3), (2, 3)], Dir::Right)]);
            o.food = vec![(4, 3)];
            o.step(&mut TickCtx::new(seed, Tick(1), PeerId::SYSTEM, 0));
            o.food[0]
        })
        .collect();
    assert!(placements.len() > 10, "food placement depends on the seed");
}

#[test]
fn walls_kill() {
    let mut w = world(vec![snake(1, &[(11, 3), (10, 3)], Dir::Right)]);
    step(&mut w, 5);
    let s = &w.snakes[0];
    assert!(!s.alive());
    assert_eq!((s.deaths, s.respawn_at), (1, Some(5 + RESPAWN_TICKS)));
}

#[test]
fn running_into_its_own_body_kills_but_chasing_its_tail_does_not() {
    // A loop of four: moving into the tail cell that leaves this tick is fine.
    let mut w = world(vec![snake(1, &[(3, 3), (3, 4), (4, 4), (4, 3)], Dir::Up)]);
    turn(&mut w, 1, Dir::Right);
    step(&mut w, 1);
    assert!(w.snakes[0].alive(), "the tail moved away");
    // Five cells: the cell ahead is body that stays.
    let mut w = world(vec![snake(
        1,
        &[(3, 3), (3, 4), (4, 4), (4, 3), (4, 2)],
        Dir::Up,
    )]);
    turn(&mut w, 1, Dir::Right);
    step(&mut w, 1);
    assert!(!w.snakes[0].alive());
}

#[test]
fn running_into_another_snake_kills_only_the_runner() {
    let mut w = world(vec![
        snake(1, &[(3, 3), (2, 3)], Dir::Right),
        snake(2, &[(4, 2), (4, 3), (4, 4)], Dir::Up),
    ]);
    step(&mut w, 1);
    assert!(!w.snakes[0].alive(), "hit the other's body");
    assert!(w.snakes[1].alive());
}

#[test]
fn head_on_kills_both() {
    // Into the same cell.
    let mut w = world(vec![
        snake(1, &[(3, 3)], Dir::Right),
        snake(2, &[(5, 3)], Dir::Left),
    ]);
    step(&mut w, 1);
    assert!(!w.snakes[0].alive() && !w.snakes[1].alive());
    // Swapping cells.
    let mut w = world(vec![
        snake(1, &[(3, 3)], Dir::Right),
        snake(2, &[(4, 3)], Dir::Left),
    ]);
    step(&mut w, 1);
    assert!(!w.snakes[0].alive() && !w.snakes[1].alive());
}

#[test]
fn a_dead_snake_respawns_after_the_delay_at_a_free_cell_keeping_its_score() {
    let mut w = world(vec![snake(1, &[(11, 3), (10, 3)], Dir::Right)]);
    w.snakes[0].score = 7;
    step(&mut w, 1);
    assert!(!w.snakes[0].alive());
    turn(&mut w, 1, Dir::Up);
    assert_eq!(
        w.snakes[0].next_dir,
        Dir::Right,
        "a dead snake ignores turns"
    );
    for t in 2..=RESPAWN_TICKS {
        step(&mut w, t);
        assert!(!w.snakes[0].alive(), "still dead at {t}");
    }
    step(&mut w, RESPAWN_TICKS + 1);
    let s = &w.snakes[0];
    assert!(s.alive());
    assert_eq!(s.score, 7, "score kept across deaths");
    assert_eq!(s.respawn_at, None);
    let head = s.head().expect("alive");
    assert!(w.inside(head) && !w.food.contains(&head));
}

#[test]
fn joins_spawn_snakes_and_leaves_remove_them() {
    let mut w = SnakeWorld::default();
    w.on_join(PeerId(4), "ann", &mut ctx(1, PeerId::SYSTEM));
    w.on_join(PeerId(5), "bob", &mut ctx(1, PeerId::SYSTEM));
    w.on_join(PeerId(4), "ann again", &mut ctx(1, PeerId::SYSTEM));
    assert_eq!(w.snakes.len(), 2);
    assert!(w.snakes.iter().all(Snake::alive));
    assert_ne!(w.snakes[0].head(), w.snakes[1].head());
    assert_eq!(w.snake(PeerId(5)).map(|s| s.name.as_str()), Some("bob"));
    for t in 1..=START_LENGTH as u64 {
        step(&mut w, t);
    }
    assert_eq!(w.snakes[0].body.len(), START_LENGTH as usize);
    w.on_leave(PeerId(4), &mut ctx(9, PeerId::SYSTEM));
    assert_eq!(w.snakes.len(), 1);
    assert_eq!(w.snakes[0].owner, PeerId(5));
}

fn invalid(w: &SnakeWorld) -> String {
    w.validate().expect_err("refused").to_string()
}

#[test]
fn a_board_of_negative_or_huge_size_is_refused() {
    // Width -1 used to end in a "capacity overflow" panic, 32767×32767 in 4.2 GB.
    let mut w = world(Vec::new());
    w.width = -1;
    assert_eq!(
        invalid(&w),
        "invalid state: board -1x10 (each side 8..=128)"
    );
    w.width = i16::MAX;
    w.height = i16::MAX;
    assert_eq!(
        invalid(&w),
        "invalid state: board 32767x32767 (each side 8..=128)"
    );
    assert!(world(Vec::new()).validate().is_ok());
    assert!(SnakeWorld::default().validate().is_ok());
}

#[test]
fn cells_off_the_board_duplicate_owners_and_absurd_counters_are_refused() {
    let w = world(vec![snake(1, &[(3, 3), (2, 3)], Dir::Right)]);
    assert!(w.validate().is_ok());
    let mut off = w.clone();
    off.snakes[0].body.push_back((i16::MIN, 3));
    assert_eq!(
        invalid(&off),
        "invalid state: snakes[0].body[2] at (-32768, 3), off the board"
    );
    let mut food = w.clone();
    food.food.push((12, 0));
    assert_eq!(
        invalid(&food),
        "invalid state: food at (12, 0), off the board"
    );
    let mut twice = w.clone();
    twice.snakes.push(snake(1, &[(6, 6)], Dir::Up));
    assert_eq!(
        invalid(&twice),
        "invalid state: snakes[1]: a second snake of peer1"
    );
    let mut late = w.clone();
    late.snakes[0].respawn_at = Some(u64::MAX);
    assert_eq!(
        invalid(&late),
        "invalid state: snakes[0]: respawns beyond any session"
    );
    let mut grow = w.clone();
    grow.snakes[0].grow = u32::MAX;
    assert!(invalid(&grow).contains("grows by"));
    let mut crowd = w;
    crowd.snakes = (0..=MAX_SNAKES as u64)
        .map(|p| snake(p, &[], Dir::Up))
        .collect();
    assert_eq!(invalid(&crowd), "invalid state: 65 snakes, at most 64");
}

#[test]
fn two_hundred_thousand_joins_in_one_tick_seat_at_most_max_snakes() {
    // A forged recording's tick of 200,000 joins used to take 43 s (each join
    // scanned every snake and every free cell); the seat limit keeps it linear.
    let mut w = SnakeWorld::default();
    let mut ctx = ctx(1, PeerId::SYSTEM);
    for p in 0..200_000 {
        w.on_join(PeerId(p), "x", &mut ctx);
    }
    assert_eq!(w.snakes.len(), MAX_SNAKES);
    assert!(w.validate().is_ok());
    step(&mut w, 1);
    assert!(w.validate().is_ok());
}

#[test]
fn long_names_are_cut_at_a_character_boundary() {
    let mut w = SnakeWorld::default();
    let name = "é".repeat(40);
    w.on_join(PeerId(1), &name, &mut ctx(1, PeerId::SYSTEM));
    assert_eq!(w.snakes[0].name, "é".repeat(32));
    assert!(w.validate().is_ok());
}

#[test]
fn counters_saturate_instead_of_overflowing() {
    let mut w = world(vec![snake(1, &[(3, 3), (2, 3)], Dir::Right)]);
    w.snakes[0].score = u32::MAX;
    w.snakes[0].deaths = u32::MAX;
    w.food = vec![(4, 3)];
    step(&mut w, 1);
    assert_eq!(w.snakes[0].score, u32::MAX, "ate at the limit");
    w.snakes[0].next_dir = Dir::Up;
    w.snakes[0].body = VecDeque::from([(4, 0)]);
    step(&mut w, 2);
    assert_eq!(w.snakes[0].deaths, u32::MAX, "died at the limit");
}
