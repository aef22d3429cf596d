//! A shared counter in two Bevy apps: what a game developer needs in five minutes.
//!
//! 1. Define the state (a `WorkSpace`) and the changes players can make
//!    (`Modification`s). Rules must be deterministic: no clock, no `HashMap`
//!    iteration, no floats, randomness only from `ctx.rng()` / `ctx.below(n)`.
//! 2. Insert a `TicklineSession` (host or client) and add `TicklinePlugin`.
//! 3. Write `Submit` messages to commit; read the predicted state from the
//!    session resource.
//!
//! Here both apps run in one process over the in-memory transport, headless. Over
//! the network, use `tickline::bevy::host_over_renet` / `join_over_renet` instead.
//! Run: `cargo run -p tickline --example shared_counter --features bevy`.

use std::time::Duration;

use bevy::prelude::*;
use bevy::time::TimeUpdateStrategy;
use serde::{Deserialize, Serialize};
use tickline::bevy::{Submit, TicklinePlugin, TicklineSession};
use tickline::net::{ClientConfig, HostConfig};
use tickline::prelude::*;
use tickline::transport::memory_hub;

/// The shared state: a total, and who added last.
#[derive(Clone, Default, Serialize, Deserialize)]
struct Counter {
    total: i64,
    last: Option<PeerId>,
}

impl WorkSpace for Counter {}

/// The one thing a player can do.
#[derive(Clone, Debug, Serialize, Deserialize)]
struct Add(i64);

impl Modification<Counter> for Add {
    fn apply(&self, ws: &mut Counter, ctx: &mut TickCtx) {
        ws.total += self.0;
        ws.last = Some(ctx.author());
    }
}

type Session = TicklineSession<Counter, Add>;

/// A player who adds `step` every 30 frames.
fn player(step: i64) -> impl FnMut(Local<u32>, MessageWriter<Submit<Add>>) {
    move |mut frame, mut submit| {
        *frame += 1;
        if frame.is_multiple_of(30) {
            submit.write(Submit(Add(step)));
        }
    }
}

fn game_app(session: Session, step: i64) -> App {
    let mut app = App::new();
    app.add_plugins(MinimalPlugins)
        // Manual time keeps the example deterministic and instant.
        .insert_resource(TimeUpdateStrategy::ManualDuration(Duration::from_millis(
            16,
        )))
        .add_plugins(TicklinePlugin::<Counter, Add>::default())
        .insert_resource(session)
        .add_systems(Update, player(step));
    app
}

fn main() {
    let (host_transport, connector) = memory_hub();
    let host_config = HostConfig {
        game_id: "counter".into(),
        tick_rate: 30,
        ..HostConfig::default()
    };
    let host = Session::host(host_config, Counter::default(), host_transport).expect("host starts");
    let client_config = ClientConfig {
        game_id: "counter".into(),
        name: "guest".into(),
        ..ClientConfig::default()
    };
    let client = Session::client(client_config, connector.connect().expect("host is up"))
        .expect("client starts");

    let mut host = game_app(host, 1);
    let mut guest = game_app(client, 10);
    for _ in 0..600 {
        host.update();
        guest.update();
    }
    let show = |name: &str, app: &mut App| {
        let mut session = app.world_mut().resource_mut::<Session>();
        let tick = session.sealed_tick();
        let checksum = session.sealed_checksum().unwrap_or_default();
        let total = session.state().map_or(0, |c| c.total);
        println!(
            "{name}: predicted total {total}, sealed tick {tick}, sealed checksum {checksum:016x}"
        );
    };
    show("host ", &mut host);
    show("guest", &mut guest);
}
