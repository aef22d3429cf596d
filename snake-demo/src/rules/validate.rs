//! What a decoded Snake state must satisfy before the rules run on it: a board of
//! a sane size, every cell on it, bounded counts and no value a rule could
//! overflow. A recording or a host may send anything.

use std::collections::BTreeSet;

use tickline::model::{InvalidState, Tick};

use super::world::{BOARD_SIDES, Cell, MAX_NAME_BYTES, MAX_SNAKES, RESPAWN_TICKS, SnakeWorld};

/// Checks `ws` (see the module documentation).
pub(super) fn check(ws: &SnakeWorld) -> Result<(), InvalidState> {
    let bad = |why: String| Err(InvalidState::new(why));
    if !BOARD_SIDES.contains(&ws.width) || !BOARD_SIDES.contains(&ws.height) {
        return bad(format!(
            "board {}x{} (each side {}..={})",
            ws.width,
            ws.height,
            BOARD_SIDES.start(),
            BOARD_SIDES.end()
        ));
    }
    if ws.tick > Tick::MAX.0 {
        return bad(format!("tick {} is beyond any session", ws.tick));
    }
    if ws.snakes.len() > MAX_SNAKES {
        return bad(format!("{} snakes, at most {MAX_SNAKES}", ws.snakes.len()));
    }
    let cells = (ws.width as usize) * (ws.height as usize);
    if ws.food.len() > cells {
        return bad(format!("{} food on {cells} cells", ws.food.len()));
    }
    if let Some(c) = ws.food.iter().find(|c| !ws.inside(**c)) {
        return bad(format!("food at {c:?}, off the board"));
    }
    let mut owners = BTreeSet::new();
    for (i, s) in ws.snakes.iter().enumerate() {
        if !owners.insert(s.owner) {
            return bad(format!("snakes[{i}]: a second snake of {}", s.owner));
        }
        if s.name.len() > MAX_NAME_BYTES {
            return bad(format!("snakes[{i}]: name of {} bytes", s.name.len()));
        }
        check_body(ws, i, cells)?;
        if s.grow as usize > cells {
            return bad(format!("snakes[{i}]: grows by {}", s.grow));
        }
        if s.respawn_at
            .is_some_and(|t| t > Tick::MAX.0 + RESPAWN_TICKS)
        {
            return bad(format!("snakes[{i}]: respawns beyond any session"));
        }
    }
    Ok(())
}

fn check_body(ws: &SnakeWorld, i: usize, cells: usize) -> Result<(), InvalidState> {
    let body = &ws.snakes[i].body;
    if body.len() > cells {
        let n = body.len();
        return Err(InvalidState::new(format!("snakes[{i}]: {n} cells long")));
    }
    match body.iter().position(|c: &Cell| !ws.inside(*c)) {
        Some(j) => Err(InvalidState::new(format!(
            "snakes[{i}].body[{j}] at {:?}, off the board",
            body[j]
        ))),
        None => Ok(()),
    }
}
