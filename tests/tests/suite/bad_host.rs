//! A malicious or broken host cannot crash a client or make it run on an absurd
//! state: a Welcome or Heal whose state fails the WorkSpace's validation is refused
//! with a clear reason.

use std::collections::VecDeque;
use std::time::Duration;

use tickline::model::codec::encode;
use tickline::model::{PeerId, Tick};
use tickline::net::protocol::{CatchUp, ClientMsg, HostMsg, Welcome, decode_client};
use tickline::net::{ClientConfig, ClientSession, ClientStatus};
use tickline::testing::arena::{Arena, ArenaGame, Dir, Racer, Steer};
use tickline::transport::{
    Channel, HostEvent, HostTransport, MemoryClient, MemoryHost, memory_hub,
};

type Client = ClientSession<ArenaGame, MemoryClient>;

/// An arena whose racer stands far off the grid (its next step would overflow).
fn absurd() -> Arena {
    Arena {
        racers: vec![Racer {
            peer: PeerId(1),
            dir: Dir::Down,
            body: VecDeque::from([(7, u16::MAX)]),
            score: 0,
        }],
        food: Vec::new(),
    }
}

fn welcome(state: &Arena) -> HostMsg<Steer> {
    HostMsg::Welcome(Box::new(Welcome {
        peer: PeerId(1),
        resume_token: 9,
        tick_rate: 20,
        seed: 1,
        host_time_us: 0,
        checksum_interval: 1,
        seal_delay: 1,
        roster: vec![(PeerId(1), "victim".into())],
        succession: Default::default(),
        catch_up: CatchUp::Snapshot {
            tick: Tick(10),
            state: tickline::model::codec::encode_state(state).expect("encodes"),
        },
    }))
}

/// A client connected to a hand-driven host that answers its Hello with `reply`.
fn connect_and_answer(reply: HostMsg<Steer>) -> (Client, MemoryHost, Duration) {
    let (mut host, connector) = memory_hub();
    let config = ClientConfig {
        name: "victim".into(),
        ..ClientConfig::default()
    };
    let mut client = Client::new(config, connector.connect().expect("host alive")).expect("starts");
    let mut now = Duration::ZERO;
    let mut answered = false;
    while !answered {
        assert!(now < Duration::from_secs(5), "the client never said hello");
        now += Duration::from_millis(5);
        client.update(now).expect("memory");
        host.update(now).expect("memory");
        while let Some(event) = host.poll() {
            if let HostEvent::Message(conn, _, bytes) = event
                && matches!(decode_client::<Steer>(&bytes), Ok(ClientMsg::Hello(_)))
            {
                let bytes = encode(&reply).expect("encodes");
                host.send(conn, Channel::Reliable, bytes)
                    .expect("connected");
                host.flush();
                answered = true;
            }
        }
    }
    (client, host, now)
}

/// Steps the client until it stops (5 simulated seconds at most); its reason.
fn stopped(client: &mut Client, now: &mut Duration, what: &str) -> String {
    let deadline = *now + Duration::from_secs(5);
    loop {
        if let ClientStatus::Stopped(reason) = client.status() {
            return reason;
        }
        assert!(*now < deadline, "{what}");
        *now += Duration::from_millis(5);
        client.update(*now).expect("memory");
    }
}

#[test]
fn a_welcome_with_an_invalid_state_stops_the_client_with_the_reason() {
    let (mut client, _host, mut now) = connect_and_answer(welcome(&absurd()));
    let reason = stopped(&mut client, &mut now, "the client did not refuse the state");
    assert_eq!(
        reason,
        "the host's snapshot does not decode: invalid state: racers[0]: cell (7, 65535) off the grid"
    );
    assert!(client.state().is_none(), "never ran on the absurd state");
}

#[test]
fn a_welcome_at_an_absurd_tick_stops_the_client() {
    let mut msg = welcome(&Arena::default());
    if let HostMsg::Welcome(w) = &mut msg
        && let CatchUp::Snapshot { tick, .. } = &mut w.catch_up
    {
        *tick = Tick(u64::MAX);
    }
    let (mut client, _host, mut now) = connect_and_answer(msg);
    let reason = stopped(&mut client, &mut now, "the client did not refuse the tick");
    assert!(reason.contains("beyond any session"), "{reason}");
}

#[test]
fn a_heal_with_an_invalid_state_is_ignored_and_the_client_plays_on() {
    let honest = Arena::with_players(1, 3);
    let (mut client, mut host, mut now) = connect_and_answer(welcome(&honest));
    let deadline = now + Duration::from_secs(5);
    while client.status() != ClientStatus::Connected {
        assert!(now < deadline, "not welcomed");
        now += Duration::from_millis(5);
        client.update(now).expect("memory");
    }
    let conn = loop {
        host.update(now).expect("memory");
        if let Some(HostEvent::Connected(conn) | HostEvent::Message(conn, ..)) = host.poll() {
            break conn;
        }
        assert!(now < deadline, "no connection seen");
        now += Duration::from_millis(5);
    };
    let heal = HostMsg::<Steer>::Heal {
        tick: Tick(10),
        state: tickline::model::codec::encode_state(&absurd()).expect("encodes"),
    };
    host.send(conn, Channel::Reliable, encode(&heal).expect("encodes"))
        .expect("connected");
    host.flush();
    for _ in 0..50 {
        now += Duration::from_millis(5);
        client.update(now).expect("memory");
    }
    assert_eq!(client.status(), ClientStatus::Connected);
    let state = client.state().expect("running");
    assert_eq!(state.racers.len(), 1);
    assert!(
        state.racers[0].body.iter().all(|c| c.1 < 64),
        "the absurd state was not applied: {:?}",
        state.racers[0].body
    );
}
