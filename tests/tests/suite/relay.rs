//! Sessions v2 on the memory transport: other players' commits are predicted
//! before sealing (relay), the round trip is measured from arrivals, leaving is
//! sealed at once, the roster is complete, and idle connections lose their slot.

use std::time::Duration;

use tickline::model::{PeerId, Tick};
use tickline::net::{KickReason, SessionEvent};
use tickline::testing::arena::{ArenaGame, Dir, Steer};
use tickline::transport::{ClientTransport, LinkConditions};
use tickline_e2e::lan::{Lan, host_config};

fn connected(lan: &mut Lan) -> bool {
    lan.clients.iter().all(|c| c.timeline().is_some())
}

/// Steps until no join is left to seal, so that later rollbacks are the game's.
fn warm_up(lan: &mut Lan) {
    lan.run_until("everyone welcomed", Duration::from_secs(5), connected);
    let peers = lan.clients.len() + 1;
    lan.run_until("every join sealed", Duration::from_secs(5), |lan| {
        lan.clients.iter().all(|c| c.roster().len() == peers)
    });
    lan.play(30, 0);
}

#[test]
fn another_players_commit_is_predicted_before_its_tick_is_sealed() {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut lan = Lan::new(dir.path(), host_config(dir.path()));
    lan.add_client("ann", LinkConditions::default());
    lan.add_client("bob", LinkConditions::default());
    warm_up(&mut lan);
    let id = lan.clients[0].commit(Steer(Dir::Up)).expect("welcomed");
    let stamped = lan.clients[0]
        .timeline()
        .and_then(|tl| tl.pending().find(|c| c.id == id).map(|c| c.tick))
        .expect("pending");
    lan.run_until("bob predicts ann's commit", Duration::from_secs(1), |lan| {
        lan.clients[1].timeline().is_some_and(|tl| tl.predicts(id))
    });
    assert!(
        lan.clients[1].sealed_tick() < stamped,
        "bob knew it before sealing ({} < {stamped})",
        lan.clients[1].sealed_tick()
    );
    assert!(
        lan.host.sealed_tick() < stamped,
        "even before the host sealed it"
    );
}

#[test]
fn on_a_fast_link_relayed_commits_arrive_in_time_and_nobody_rolls_back() {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut lan = Lan::new(dir.path(), host_config(dir.path()));
    lan.add_client("ann", LinkConditions::default());
    lan.add_client("bob", LinkConditions::default());
    lan.add_client("cat", LinkConditions::default());
    warm_up(&mut lan);
    let before: Vec<u64> = lan.clients.iter().map(|c| c.stats().rollbacks).collect();
    let host_before = lan.host.stats().rollbacks;
    lan.play(600, 5);
    lan.settle();
    let made: usize = lan.made.iter().map(Vec::len).sum();
    assert!(made > 200, "everyone committed: {made}");
    for (c, before) in lan.clients.iter().zip(before) {
        assert_eq!(c.stats().rollbacks, before, "{:?}", c.stats());
    }
    assert_eq!(
        lan.host.stats().rollbacks,
        host_before,
        "{:?}",
        lan.host.stats()
    );
    assert_eq!(lan.host.stats().restamped, 0);
    assert_eq!(
        lan.host.seal_delay(),
        1,
        "no jitter, the smallest seal delay"
    );
    lan.check_logs(&["ann", "bob", "cat"]);
}

fn measured_rtt(frame: Duration) -> Duration {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut lan = Lan::new(dir.path(), host_config(dir.path()));
    lan.dt = frame;
    lan.add_client("ann", LinkConditions::latency(Duration::from_millis(50)));
    warm_up(&mut lan);
    lan.play(300, 5);
    lan.clients[0].stats().rtt
}

#[test]
fn the_round_trip_is_measured_within_ten_percent_at_50_ms_one_way() {
    let rtt = measured_rtt(Duration::from_micros(4_167));
    assert!(
        rtt >= Duration::from_millis(90) && rtt <= Duration::from_millis(110),
        "true round trip 100 ms, measured {rtt:?} with a 240 Hz loop"
    );
    // At 60 frames per second, host and client polling in lockstep, every
    // message waits one host frame before it is noticed: at most one frame more.
    let rtt = measured_rtt(Duration::from_micros(16_667));
    assert!(
        rtt >= Duration::from_millis(100) && rtt <= Duration::from_micros(116_700),
        "true round trip 100 ms, measured {rtt:?} with a 60 Hz loop"
    );
}

#[test]
fn a_client_that_leaves_is_sealed_out_within_a_second() {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut lan = Lan::new(dir.path(), host_config(dir.path()));
    lan.add_client("ann", LinkConditions::latency(Duration::from_millis(20)));
    lan.add_client("bob", LinkConditions::latency(Duration::from_millis(20)));
    warm_up(&mut lan);
    let ann = lan.clients[0].peer().expect("welcomed");
    let bob = lan.clients[1].peer().expect("welcomed");

    // Ann leaves on purpose.
    lan.clients[0].leave();
    let left_at = lan.now;
    lan.run_until("ann's leave sealed", Duration::from_secs(1), |lan| {
        !lan.host.roster().contains_key(&ann)
    });
    assert!(lan.now - left_at < Duration::from_secs(1));

    // Bob's session is dropped (the game quit without calling anything).
    drop(lan.clients.remove(1));
    let dropped_at = lan.now;
    lan.run_until("bob's leave sealed", Duration::from_secs(1), |lan| {
        !lan.host.roster().contains_key(&bob)
    });
    assert!(lan.now - dropped_at < Duration::from_secs(1));
    assert!(
        lan.events[0]
            .iter()
            .any(|e| matches!(e, SessionEvent::Left { peer, .. } if *peer == bob))
    );
}

#[test]
fn a_late_joiners_roster_lists_everyone_in_the_sealed_state() {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut lan = Lan::new(dir.path(), host_config(dir.path()));
    lan.add_client("ann", LinkConditions::default());
    warm_up(&mut lan);
    lan.add_client("bob", LinkConditions::default());
    warm_up(&mut lan);
    let roster = lan.clients[1].roster().clone();
    let names: Vec<(PeerId, &str)> = roster.iter().map(|(p, n)| (*p, n.as_str())).collect();
    assert_eq!(
        names,
        vec![
            (PeerId::HOST, "host"),
            (PeerId(1), "ann"),
            (PeerId(2), "bob")
        ]
    );
    assert_eq!(lan.clients[0].roster(), &roster, "everyone agrees");
}

#[test]
fn a_connection_that_never_says_hello_loses_its_slot_after_two_seconds() {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut lan = Lan::new(dir.path(), host_config(dir.path()));
    let mut idle = lan.connector().connect().expect("host alive");
    let opened = lan.now;
    let mut closed = false;
    lan.run_until(
        "the idle connection closed",
        Duration::from_secs(3),
        |lan| {
            idle.update(lan.now).expect("memory");
            while let Some(event) = idle.poll() {
                closed |= matches!(event, tickline::transport::ClientEvent::Disconnected(_));
            }
            closed
        },
    );
    let after = lan.now - opened;
    assert!(after <= Duration::from_secs(2), "{after:?}");
    assert_eq!(lan.host.stats().handshake_timeouts, 1);
    assert!(
        lan.host.sealed_tick() > Tick(60),
        "the host went on meanwhile"
    );
}

/// A host transport whose reliable channel holds at most 16 bytes.
struct Tight(tickline::transport::MemoryHost);

impl tickline::transport::HostTransport for Tight {
    fn update(&mut self, now: Duration) -> Result<(), tickline::transport::TransportError> {
        self.0.update(now)
    }
    fn poll(&mut self) -> Option<tickline::transport::HostEvent> {
        self.0.poll()
    }
    fn send(
        &mut self,
        conn: tickline::transport::ConnId,
        channel: tickline::transport::Channel,
        bytes: Vec<u8>,
    ) -> Result<(), tickline::transport::SendError> {
        if channel == tickline::transport::Channel::Reliable && bytes.len() > 16 {
            return Err(tickline::transport::SendError::Full {
                bytes: bytes.len(),
                available: 16,
            });
        }
        self.0.send(conn, channel, bytes)
    }
    fn disconnect(&mut self, conn: tickline::transport::ConnId) {
        self.0.disconnect(conn);
    }
    fn flush(&mut self) {
        self.0.flush();
    }
}

#[test]
fn a_reliable_message_that_cannot_be_queued_ends_the_connection_with_a_reason_both_sides_see() {
    use tickline::net::{ClientConfig, ClientSession, ClientStatus, HostSession};
    use tickline::testing::arena::Arena;
    use tickline::transport::memory_hub;

    let dir = tempfile::tempdir().expect("temp dir");
    let (transport, connector) = memory_hub();
    let mut host: HostSession<ArenaGame, _> =
        HostSession::new(host_config(dir.path()), Arena::default(), Tight(transport))
            .expect("host");
    let config = ClientConfig {
        ..ClientConfig::default()
    };
    let mut client: ClientSession<ArenaGame, _> =
        ClientSession::new(config, connector.connect().expect("host alive")).expect("client");
    let mut host_events = Vec::new();
    let mut now = Duration::ZERO;
    // The Welcome (a snapshot) does not fit: the host says why and closes.
    while !matches!(client.status(), ClientStatus::Stopped(_)) {
        assert!(now < Duration::from_secs(5), "{:?}", client.status());
        now += Duration::from_millis(4);
        host.update(now).expect("host");
        host_events.extend(host.drain_events());
        client.update(now).expect("client");
    }
    let ClientStatus::Stopped(why) = client.status() else {
        unreachable!("the loop ends on Stopped");
    };
    assert!(why.contains("could not be queued"), "client: {why}");
    assert!(
        host_events.iter().any(|e| matches!(
            e,
            SessionEvent::Kicked {
                reason: KickReason::Saturated(_),
                ..
            }
        )),
        "host: {host_events:?}"
    );
}
