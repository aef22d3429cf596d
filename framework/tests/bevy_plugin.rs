//! Two Bevy apps, a host and a client, driven with manual time over the memory
//! transport: both commit through `Submit` messages and converge.

use std::time::Duration;

use bevy::prelude::*;
use bevy::time::TimeUpdateStrategy;
use tickline::bevy::{
    Submit, TicklineEvent, TicklinePlugin, TicklineSession, TicklineState, TicklineStatus,
};
use tickline::model::Tick;
use tickline::net::{ClientConfig, ClientStatus, HostConfig, SessionEvent};
use tickline::testing::arena::{Arena, Dir, Steer};
use tickline::transport::memory_hub;

type Session = TicklineSession<Arena, Steer>;

fn app(session: Session) -> App {
    let mut app = App::new();
    app.add_plugins(MinimalPlugins)
        .insert_resource(TimeUpdateStrategy::ManualDuration(Duration::from_millis(5)))
        .add_plugins(TicklinePlugin::<Arena, Steer>::default())
        .insert_resource(session);
    app
}

/// Every 7th frame, steer through the plugin's message.
fn steer_sometimes(mut frame: Local<u32>, mut submit: MessageWriter<Submit<Steer>>) {
    *frame += 1;
    if frame.is_multiple_of(7) {
        submit.write(Submit(Steer(Dir::ALL[(*frame / 7 % 4) as usize])));
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
        game_id: "arena".into(),
        seed: 4,
        ..HostConfig::default()
    };
    let mut host = app(Session::host(config, Arena::default(), host_transport).expect("host"));
    let client_config = ClientConfig {
        game_id: "arena".into(),
        name: "bevy".into(),
        ..ClientConfig::default()
    };
    let mut client = app(
        Session::client(client_config, connector.connect().expect("host alive")).expect("client"),
    );
    for a in [&mut host, &mut client] {
        a.init_resource::<Seen>()
            .add_systems(Update, (steer_sometimes, collect));
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
    // Both players' steering went through Submit and reached the sealed state.
    let world = client
        .world()
        .resource::<Session>()
        .state()
        .expect("welcomed")
        .clone();
    assert_eq!(world.racers.len(), 2);
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
