//! Bots in a Bevy app: the host's bot players, or a client playing by itself. They
//! move through `Submit`, the same path as a person at the keyboard.

use bevy::prelude::*;
use tickline::prelude::*;

use crate::bot::decide;
use crate::rules::{SnakeGame, Turn};

/// Whether a bot steers our own snake (`join --bot`), and the last tick decided.
#[derive(Resource, Default)]
pub struct Bots {
    /// Whether a bot steers our own snake.
    pub me: bool,
    last: Option<Tick>,
}

impl Bots {
    /// Bots for the session's bot players, and optionally our own snake.
    pub fn new(me: bool) -> Self {
        Bots { me, last: None }
    }
}

/// Once per new predicted tick, each bot decides on the predicted state.
pub fn run_bots(
    mut bots: ResMut<Bots>,
    session: Option<Res<TicklineSession<SnakeGame>>>,
    mut submit: MessageWriter<Submit<SnakeGame>>,
) {
    let Some(session) = session else { return };
    let Some(world) = session.state() else { return };
    let tick = Tick(world.tick);
    if bots.last == Some(tick) {
        return;
    }
    bots.last = Some(tick);
    for peer in session.bots() {
        if let Some(dir) = decide(world, peer) {
            submit.write(Submit::bot(peer, Turn(dir)));
        }
    }
    if bots.me
        && let Some(me) = session.peer()
        && let Some(dir) = decide(world, me)
    {
        submit.write(Submit::new(Turn(dir)));
    }
}
