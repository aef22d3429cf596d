//! A misbehaving client cannot crash the host or harm the others: random bytes,
//! truncated messages, impersonation, far-future commits, a message 32 times the size a client may send, and
//! handshakes of the wrong protocol or game. One test per case; each checks that
//! the two honest clients never noticed.

use std::time::Duration;

use tickline::model::codec::encode;
use tickline::model::{Commit, CommitId, Game, PeerId, Tick};
use tickline::net::protocol::{ClientMsg, Hello, HostMsg, PROTOCOL_VERSION, decode_host};
use tickline::net::{ClientStatus, KickReason, RejectReason, SessionEvent};
use tickline::testing::arena::{ArenaGame, Dir, Steer};
use tickline::transport::{
    Channel, ClientEvent, ClientTransport, LinkConditions, MAX_MESSAGE_TO_HOST, MemoryClient,
};
use tickline_e2e::lan::{GAME, Lan, host_config};

/// A hand-driven client that says whatever the test wants.
struct Raw {
    link: MemoryClient,
    received: Vec<HostMsg<Steer>>,
    closed: bool,
}

impl Raw {
    fn connect(lan: &Lan) -> Raw {
        Raw {
            link: lan.connector().connect().expect("host alive"),
            received: Vec::new(),
            closed: false,
        }
    }

    fn send_bytes(&mut self, bytes: Vec<u8>) {
        self.link.send(Channel::Reliable, bytes).expect("connected");
    }

    fn send(&mut self, msg: &ClientMsg<Steer>) {
        self.send_bytes(encode(msg).expect("encodes"));
    }

    fn poll(&mut self, now: Duration) {
        self.link.update(now).expect("memory");
        while let Some(e) = self.link.poll() {
            match e {
                ClientEvent::Message(_, bytes) => self
                    .received
                    .push(decode_host(&bytes).expect("the host always sends valid messages")),
                ClientEvent::Disconnected(_) => self.closed = true,
                ClientEvent::Connected => {}
            }
        }
    }
}

fn hello(protocol: u32, game: &str) -> ClientMsg<Steer> {
    ClientMsg::Hello(Hello {
        protocol,
        game_id: game.into(),
        schema_hash: ArenaGame::schema_hash().expect("the arena traces"),
        name: "mallory".into(),
        resume: None,
        room: String::new(),
        spectator: false,
        standby: None,
    })
}

/// Steps the session with the raw client until `done` or 5 simulated seconds.
fn run(lan: &mut Lan, raw: &mut Raw, what: &str, mut done: impl FnMut(&Raw) -> bool) {
    let deadline = lan.now + Duration::from_secs(5);
    loop {
        lan.step();
        raw.poll(lan.now);
        if done(raw) {
            return;
        }
        assert!(lan.now < deadline, "timed out waiting for: {what}");
    }
}

fn kicked(raw: &Raw) -> Option<&KickReason> {
    raw.received.iter().find_map(|m| match m {
        HostMsg::Kick { reason } => Some(reason),
        _ => None,
    })
}

fn rejected(raw: &Raw) -> Option<&RejectReason> {
    raw.received.iter().find_map(|m| match m {
        HostMsg::Reject { reason } => Some(reason),
        _ => None,
    })
}

fn welcomed_peer(raw: &Raw) -> Option<PeerId> {
    raw.received.iter().find_map(|m| match m {
        HostMsg::Welcome(w) => Some(w.peer),
        _ => None,
    })
}

/// A session with two honest clients, 60 ticks in.
fn session(dir: &std::path::Path) -> Lan {
    let mut lan = Lan::new(dir, host_config(dir));
    lan.add_client("ann", LinkConditions::latency(Duration::from_millis(20)));
    lan.add_client("bob", LinkConditions::latency(Duration::from_millis(20)));
    lan.run_until("honest clients welcomed", Duration::from_secs(5), |lan| {
        lan.clients
            .iter()
            .all(|c| c.status() == ClientStatus::Connected)
    });
    lan.play(60, 10);
    lan
}

/// The honest clients play on, hold the host's log and saw nothing happen; the
/// host kicked exactly `kicks` connections.
fn honest_clients_never_noticed(lan: &mut Lan, kicks: usize) {
    lan.play(200, 10);
    lan.settle();
    lan.check_logs(&["ann", "bob"]);
    let kicked = lan.events[0]
        .iter()
        .filter(|e| matches!(e, SessionEvent::Kicked { .. }))
        .count();
    assert_eq!(kicked, kicks, "{:?}", lan.events[0]);
    for i in [1, 2] {
        assert!(!lan.events[i].iter().any(|e| matches!(
            e,
            SessionEvent::Disconnected { .. } | SessionEvent::DesyncDetected { .. }
        )));
    }
}

#[test]
fn random_bytes_get_the_sender_kicked() {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut lan = session(dir.path());
    let mut raw = Raw::connect(&lan);
    raw.send_bytes(vec![0xff, 0x13, 0x37, 0x00, 0x42, 0x99, 0xfe]);
    run(&mut lan, &mut raw, "kick for random bytes", |r| {
        kicked(r).is_some() && r.closed
    });
    assert!(
        kicked(&raw).is_some_and(|r| matches!(r, KickReason::Undecodable { bytes: 7, .. })),
        "{:?}",
        kicked(&raw)
    );
    honest_clients_never_noticed(&mut lan, 1);
}

#[test]
fn a_truncated_hello_gets_the_sender_kicked() {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut lan = session(dir.path());
    let mut raw = Raw::connect(&lan);
    let mut bytes = encode(&hello(PROTOCOL_VERSION, GAME)).expect("encodes");
    bytes.truncate(bytes.len() / 2);
    raw.send_bytes(bytes);
    run(&mut lan, &mut raw, "kick for a truncated message", |r| {
        kicked(r).is_some()
    });
    assert!(
        kicked(&raw).is_some_and(|r| matches!(r, KickReason::Undecodable { .. })),
        "{:?}",
        kicked(&raw)
    );
    honest_clients_never_noticed(&mut lan, 1);
}

#[test]
fn an_oversized_message_gets_the_sender_kicked() {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut lan = session(dir.path());
    let mut raw = Raw::connect(&lan);
    // As large as a client's reliable channel holds, far past what the host decodes.
    raw.send_bytes(vec![7u8; 32 * MAX_MESSAGE_TO_HOST]);
    run(&mut lan, &mut raw, "kick for an oversized message", |r| {
        kicked(r).is_some()
    });
    assert!(
        kicked(&raw).is_some_and(|r| matches!(r,
            KickReason::Undecodable { error, .. } if error.contains("over the limit"))),
        "{:?}",
        kicked(&raw)
    );
    honest_clients_never_noticed(&mut lan, 1);
}

#[test]
fn an_update_before_the_handshake_gets_the_sender_kicked() {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut lan = session(dir.path());
    let mut raw = Raw::connect(&lan);
    raw.send(&ClientMsg::Update {
        ack: Tick(0),
        clock: None,
        commits: Vec::new(),
        checksum: Some((Tick(1), 1)),
        gap: false,
    });
    run(&mut lan, &mut raw, "kick before handshake", |r| {
        kicked(r).is_some()
    });
    assert!(
        kicked(&raw) == Some(&KickReason::BeforeHandshake),
        "{:?}",
        kicked(&raw)
    );
    honest_clients_never_noticed(&mut lan, 1);
}

#[test]
fn a_hello_of_another_protocol_version_gets_a_readable_reject() {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut lan = session(dir.path());
    let mut raw = Raw::connect(&lan);
    raw.send(&hello(PROTOCOL_VERSION + 1, GAME));
    run(&mut lan, &mut raw, "reject wrong protocol", |r| {
        rejected(r).is_some()
    });
    let reason = rejected(&raw).expect("rejected");
    assert_eq!(
        reason,
        &RejectReason::Protocol {
            client: PROTOCOL_VERSION + 1,
            host: PROTOCOL_VERSION
        }
    );
    let said = reason.to_string();
    assert!(
        said.contains(&format!("protocol version {}", PROTOCOL_VERSION + 1))
            && said.contains(&format!("speaks version {PROTOCOL_VERSION}")),
        "{said}"
    );
    honest_clients_never_noticed(&mut lan, 0);
}

#[test]
fn a_hello_for_another_game_gets_a_readable_reject() {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut lan = session(dir.path());
    let mut raw = Raw::connect(&lan);
    raw.send(&hello(PROTOCOL_VERSION, "chess"));
    run(&mut lan, &mut raw, "reject wrong game", |r| {
        rejected(r).is_some()
    });
    let reason = rejected(&raw).map(ToString::to_string);
    assert_eq!(
        reason.as_deref(),
        Some("this host runs \"arena\", not \"chess\"")
    );
    honest_clients_never_noticed(&mut lan, 0);
}

/// A real peer that claims to be ann, then stamps a commit 10,000 ticks ahead.
#[test]
fn impersonation_is_sealed_as_the_sender_and_a_far_future_commit_is_refused() {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut lan = session(dir.path());
    let mut raw = Raw::connect(&lan);
    raw.send(&hello(PROTOCOL_VERSION, GAME));
    run(&mut lan, &mut raw, "welcome", |r| {
        welcomed_peer(r).is_some()
    });
    let mallory = welcomed_peer(&raw).expect("welcomed");
    let ann = lan.clients[0].peer().expect("ann welcomed");
    let head = lan.host.head();
    let forged = Commit::game(
        CommitId {
            author: ann,
            seq: 0,
        },
        head.plus(4),
        Steer(Dir::Up),
    );
    let far = Commit::game(
        CommitId {
            author: mallory,
            seq: 1,
        },
        head.plus(10_000),
        Steer(Dir::Down),
    );
    let ack = lan.host.sealed_tick();
    raw.send(&ClientMsg::Update {
        ack,
        clock: None,
        commits: vec![forged, far],
        checksum: None,
        gap: false,
    });
    run(&mut lan, &mut raw, "refusal of the far commit", |r| {
        r.received
            .iter()
            .any(|m| matches!(m, HostMsg::Refused { id, .. } if id.seq == 1))
    });
    lan.play(30, 0);
    let log = &lan.recordings(&[])["host"];
    let sealed: Vec<&Commit<Steer>> = log
        .sealed
        .iter()
        .flat_map(|st| &st.commits)
        .filter(|c| !c.is_system())
        .collect();
    let forged_sealed: Vec<_> = sealed.iter().filter(|c| c.id.author == mallory).collect();
    assert_eq!(
        forged_sealed.len(),
        1,
        "the forged commit was sealed once, as mallory's"
    );
    assert_eq!(forged_sealed[0].id.seq, 0);
    assert!(lan.host.stats().refused >= 1);
    assert!(!raw.closed, "a refused commit does not cost the connection");
    honest_clients_never_noticed(&mut lan, 0);
}
