//! Bots in a Bevy app: the host's local bot players, or a client playing by itself.

use bevy::prelude::*;
use tickline::bevy::TicklineSession;
use tickline::model::{PeerId, Tick};

use crate::bot::decide;
use crate::rules::{SnakeWorld, Turn};

/// Bots this app runs: the host's local players, or (`join --bot`) our own snake.
#[derive(Resource, Default)]
pub struct Bots {
    /// Local bot players of the host.
    pub local: Vec<PeerId>,
    /// Whether a bot steers our own snake.
    pub me: bool,
    last: Option<Tick>,
}

impl Bots {
    /// Bots for these local players, and optionally our own snake.
    pub fn new(local: Vec<PeerId>, me: bool) -> Self {
        Bots {
            local,
            me,
            last: None,
        }
    }
}

/// Once per new predicted tick, each bot decides on the predicted state.
pub fn run_bots(mut bots: ResMut<Bots>, mut session: ResMut<TicklineSession<SnakeWorld, Turn>>) {
    let Some(world) = session.state() else { return };
    let tick = Tick(world.tick);
    if bots.last == Some(tick) {
        return;
    }
    bots.last = Some(tick);
    let mut turns: Vec<(Option<PeerId>, Turn)> = Vec::new();
    for &peer in &bots.local {
        if let Some(dir) = decide(world, peer) {
            turns.push((Some(peer), Turn(dir)));
        }
    }
    if bots.me
        && let Some(me) = session.peer()
        && let Some(dir) = decide(world, me)
    {
        turns.push((None, Turn(dir)));
    }
    for (peer, turn) in turns {
        match (peer, session.as_host_mut()) {
            (Some(peer), Some(host)) => {
                host.commit_as(peer, turn);
            }
            _ => {
                session.commit(turn);
            }
        }
    }
}
