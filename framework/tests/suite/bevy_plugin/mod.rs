//! Two Bevy apps, a host and a client, driven with manual time over the memory
//! transport: both commit through `Submit` messages and converge.

use std::time::Duration;

use bevy::prelude::*;
use bevy::time::TimeUpdateStrategy;
use tickline::prelude::*;
use tickline::testing::arena::{Arena, ArenaGame, Dir, Steer};
use tickline::transport::memory_hub;

mod runtime;

type Session = TicklineSession<ArenaGame>;

fn app(session: Session) -> App {
    let mut app = App::new();
    app.add_plugins(MinimalPlugins)
        .insert_resource(TimeUpdateStrategy::ManualDuration(Duration::from_millis(5)))
        .add_plugins(TicklinePlugin::<ArenaGame>::default())
        .insert_resource(session);
    app
}

/// The one direction this app steers to (racers start heading right).
#[derive(Resource, Clone, Copy)]
struct SteerTo(Dir);

/// At frame 100, steer once through the plugin's message.
fn steer_once(
    mut frame: Local<u32>,
    to: Res<SteerTo>,
    mut submit: MessageWriter<Submit<ArenaGame>>,
) {
    *frame += 1;
    if *frame == 100 {
        submit.write(Submit::new(Steer(to.0)));
    }
}

#[derive(Resource, Default)]
struct Seen(Vec<SessionEvent>);

fn collect(mut events: MessageReader<TicklineEvent>, mut seen: ResMut<Seen>) {
    seen.0.extend(events.read().map(|e| e.0.clone()));
}

#[test]
fn a_host_app_and_a_client_app_converge() {
    let (host_transport, connector) = memory_hub();
    let config = HostConfig {
        seed: 4,
        ..HostConfig::default()
    };
    let mut host = app(Session::host(config, Arena::default(), host_transport).expect("host"));
    let client_config = ClientConfig {
        name: "bevy".into(),
        ..ClientConfig::default()
    };
    let mut client = app(
        Session::client(client_config, connector.connect().expect("host alive")).expect("client"),
    );
    for (a, dir) in [(&mut host, Dir::Up), (&mut client, Dir::Down)] {
        a.init_resource::<Seen>()
            .insert_resource(SteerTo(dir))
            .add_systems(Update, (steer_once, collect));
    }
    // Up to 20 simulated seconds (4,000 frames of 5 ms).
    let mut frames = 0;
    loop {
        host.update();
        client.update();
        frames += 1;
        let sealed = client.world().resource::<TicklineStatus>().sealed_tick;
        if sealed >= Tick(300) {
            break;
        }
        assert!(
            frames < 4000,
            "the client did not reach tick 300 (at {sealed})"
        );
    }
    let status = client.world().resource::<TicklineStatus>().clone();
    assert_eq!(status.state, TicklineState::Client(ClientStatus::Connected));
    assert_eq!(status.roster.len(), 2, "host and client in the roster");
    let tick = status.sealed_tick;
    let client_sum = client
        .world_mut()
        .resource_mut::<Session>()
        .sealed_checksum();
    let host_sum = match host.world_mut().resource_mut::<Session>().into_inner() {
        TicklineSession::Host(h) => h.checksum_at(tick),
        TicklineSession::Client(_) => None,
    };
    assert!(client_sum.is_some());
    assert_eq!(client_sum, host_sum, "same sealed state at tick {tick}");
    // Both players' steering went through Submit and reached both apps' states:
    // the host's racer turned up, the client's down.
    let client_peer = client
        .world()
        .resource::<Session>()
        .peer()
        .expect("welcomed");
    for app in [&host, &client] {
        let world = app.world().resource::<Session>().state().expect("running");
        assert_eq!(world.racers.len(), 2);
        for racer in &world.racers {
            let expected = if racer.peer == client_peer {
                Dir::Down
            } else {
                Dir::Up
            };
            assert_eq!(
                racer.dir, expected,
                "{:?}'s Submit reached the state",
                racer.peer
            );
        }
    }
    let seen = &client.world().resource::<Seen>().0;
    assert!(
        seen.iter()
            .any(|e| matches!(e, SessionEvent::Connected { .. }))
    );
    assert!(
        seen.iter()
            .filter(|e| matches!(e, SessionEvent::Joined { .. }))
            .count()
            >= 1
    );
    let host_seen = &host.world().resource::<Seen>().0;
    assert!(
        host_seen
            .iter()
            .any(|e| matches!(e, SessionEvent::Joined { name, .. } if name == "bevy"))
    );
}

/// Writes one Submit in `Update` of the frame `SubmitAt` names.
#[derive(Resource)]
struct SubmitAt(u32);

fn submit_at(
    mut frame: Local<u32>,
    at: Res<SubmitAt>,
    mut submit: MessageWriter<Submit<ArenaGame>>,
) {
    *frame += 1;
    if *frame == at.0 {
        submit.write(Submit::new(Steer(Dir::Down)));
    }
}

#[test]
fn a_submit_written_in_update_is_committed_in_the_same_frame() {
    let mut app = App::new();
    app.add_plugins(MinimalPlugins)
        .insert_resource(TimeUpdateStrategy::ManualDuration(Duration::from_millis(5)))
        .add_plugins(TicklinePlugin::<ArenaGame>::default())
        .insert_resource(SubmitAt(40))
        .add_systems(Update, submit_at);
    StartSession::<ArenaGame>::local(HostConfig::default(), Arena::default())
        .start(app.world_mut())
        .expect("starts");
    for _ in 0..39 {
        app.update();
    }
    let head = app.world().resource::<TicklineStatus>().head;
    app.update();
    let mut session = app.world_mut().resource_mut::<Session>();
    let host = session.as_host_mut().expect("a local game hosts");
    let pending: Vec<Tick> = host.timeline().pending().map(|c| c.tick).collect();
    // Stamped from this frame's head (the clock moved at most one tick since the
    // previous frame's status), not a frame later.
    assert_eq!(pending.len(), 1, "{pending:?}");
    assert!(
        pending[0] <= head.plus(1 + HostConfig::default().input_delay),
        "{pending:?} from head {head}"
    );
    let status = app.world().resource::<TicklineStatus>();
    assert_eq!(status.state, TicklineState::Hosting);
}
