//! `watch`: a spectator's view of a game, live or a few seconds behind. It holds
//! no player slot, is not in the game's state, and records like a player.

use std::collections::VecDeque;
use std::time::Duration;

use bevy::prelude::*;
use tickline::prelude::*;

use super::bots::Bots;
use super::hud::Watching;
use super::run::{announce_recording, base_app, finish, recording, standby, start};
use crate::cli::WatchArgs;
use crate::rules::{SnakeGame, SnakeWorld};

/// Sealed states held back to show the game a while behind.
#[derive(Resource, Debug, Default)]
pub struct Delayed {
    delay: Duration,
    /// States by the time they arrived, oldest first (one per tick).
    held: VecDeque<(Duration, SnakeWorld)>,
}

impl Delayed {
    /// Shows the game `delay` behind.
    pub fn new(delay: Duration) -> Self {
        Delayed {
            delay,
            held: VecDeque::new(),
        }
    }

    /// Takes the newest state at `now` (kept once per tick) and returns the one
    /// to show: the newest that arrived at least `delay` ago, or the oldest
    /// held while the delay fills up.
    pub fn push(&mut self, world: &SnakeWorld, now: Duration) -> Option<&SnakeWorld> {
        if self.held.back().is_none_or(|(_, w)| w.tick < world.tick) {
            self.held.push_back((now, world.clone()));
        }
        let due = now.saturating_sub(self.delay);
        while self.held.get(1).is_some_and(|(at, _)| *at <= due) {
            self.held.pop_front();
        }
        self.held.front().map(|(_, w)| w)
    }
}

/// `watch`: follow a game as a spectator.
///
/// # Errors
///
/// One line for the user: unreachable, refused (no room for spectators), kicked.
pub fn run_watch(args: WatchArgs) -> Result<(), String> {
    let addr = resolve(&args.addr).map_err(|e| e.to_string())?;
    let config = ClientConfig {
        name: args.name.clone(),
        room: args.room.clone(),
        spectate: true,
        give_up_after: Duration::from_secs(10),
        record: recording(&args.common, "watch"),
        snapshot_interval: 300,
        ..ClientConfig::default()
    };
    announce_recording(config.record.as_ref());
    let mut app = base_app(&args.common, "Tickline Snake — spectator")?;
    let renet = RenetClientConfig::for_game::<SnakeGame>(addr, args.code.as_ref())
        .map_err(|e| e.to_string())?;
    // A spectator follows the game to the next host, and never hosts.
    let session = StartSession::join(config, renet).with_standby(
        standby(None, args.code.clone())?,
        tickline::net::HostConfig::default(),
    );
    start(&mut app, session).map_err(|e| format!("cannot connect to {addr}: {e}"))?;
    if args.delay > 0 {
        app.insert_resource(Delayed::new(Duration::from_secs(args.delay)));
    }
    app.insert_resource(Bots::new(false))
        .insert_resource(Watching {
            room: args.room.clone(),
            delay_s: args.delay,
        });
    finish(app).map_err(|e| format!("{e} (watching {})", args.addr))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(tick: u64) -> SnakeWorld {
        SnakeWorld {
            tick,
            ..SnakeWorld::default()
        }
    }

    fn ms(n: u64) -> Duration {
        Duration::from_millis(n)
    }

    #[test]
    fn a_delayed_view_trails_the_newest_state_by_the_delay() {
        let mut d = Delayed::new(ms(1000));
        // 10 ticks a second: while the delay fills up, the first state stays.
        for t in 1..=5 {
            assert_eq!(d.push(&at(t), ms(t * 100)).map(|w| w.tick), Some(1));
        }
        for t in 6..=40 {
            d.push(&at(t), ms(t * 100));
        }
        assert_eq!(d.push(&at(40), ms(4000)).map(|w| w.tick), Some(30));
        assert!(
            d.held.len() <= 11,
            "holds the delay, no more: {}",
            d.held.len()
        );
        // A batch arriving at once is shown a delay later.
        for t in 41..=45 {
            d.push(&at(t), ms(4100));
        }
        assert_eq!(d.push(&at(45), ms(5000)).map(|w| w.tick), Some(40));
        assert_eq!(d.push(&at(45), ms(5100)).map(|w| w.tick), Some(45));
    }
}
