//! A shared counter in two Bevy apps: what a game developer needs in five minutes.
//!
//! 1. Define the state (a `WorkSpace`), the move players can make (a
//!    `Modification`), and one `Game` type naming both. Rules must be
//!    deterministic: no clock, no `HashMap` iteration, no floats, randomness only
//!    from `ctx.rng()` / `ctx.below(n)`.
//! 2. Add `TicklinePlugin<Game>` and a `TicklineSession` (host or client).
//! 3. Write `Submit` messages to make moves; read the predicted state from the
//!    session resource.
//!
//! Here both apps run in one process over the in-memory transport, headless. Over
//! the network, start a session with `StartSession::host` / `join` instead (see the
//! `tag` example).
//! Run: `cargo run -p tickline --example shared_counter --features bevy`.

use std::time::Duration;

use bevy::prelude::*;
use bevy::time::TimeUpdateStrategy;
use serde::{Deserialize, Serialize};
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

/// The game: names the state and the move; its schema hash is derived from them.
struct CounterGame;

impl Game for CounterGame {
    type State = Counter;
    type Move = Add;
    const ID: &'static str = "counter";
    const TICK_RATE: u32 = 30;
}

type Session = TicklineSession<CounterGame>;

/// A player who adds `step` every 30 frames.
fn player(step: i64) -> impl FnMut(Local<u32>, MessageWriter<Submit<CounterGame>>) {
    move |mut frame, mut submit| {
        *frame += 1;
        if frame.is_multiple_of(30) {
            submit.write(Submit::new(Add(step)));
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
        .add_plugins(TicklinePlugin::<CounterGame>::default())
        .insert_resource(session)
        .add_systems(Update, player(step));
    app
}

fn main() {
    let (host_transport, connector) = memory_hub();
    let host = Session::host(HostConfig::default(), Counter::default(), host_transport)
        .expect("host starts");
    let client_config = ClientConfig {
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
