//! Real renet over UDP on 127.0.0.1 (port 0): reliable messages far larger than a
//! datagram arrive intact (a 10 MB Welcome and a 10 MB Heal), and a host keyed by
//! a join code keeps serving its players while dozens of sockets replay keyless
//! handshakes at it. Time is simulated (4 ms per loop turn); every wait has a
//! deadline.

use std::cell::Cell;
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};
use tickline::model::{Game, Modification, Tick, TickCtx, WorkSpace};
use tickline::net::{
    ClientConfig, ClientSession, ClientStatus, HostConfig, HostSession, SessionEvent,
};
use tickline::testing::arena::{Arena, ArenaGame, Dir, Steer};
use tickline::transport::{
    ClientTransport, HostTransport, JoinCode, RenetClientConfig, RenetClientTransport,
    RenetHostConfig, RenetHostTransport, RenetSecurity,
};

const PROTOCOL_ID: u64 = 0x7469_636c;
const TEN_MB: usize = 10 << 20;
/// The tick at which the faulty client's state goes wrong.
const FAULT_TICK: u64 = 20;

thread_local! {
    /// Set while the faulty client runs its simulation.
    static FAULTY: Cell<bool> = const { Cell::new(false) };
}

/// 10 MB of state; the faulty client flips one byte at [`FAULT_TICK`].
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
struct Blob {
    data: Vec<u8>,
    ticks: u64,
}

impl WorkSpace for Blob {
    fn step(&mut self, ctx: &mut TickCtx) {
        self.ticks += 1;
        if ctx.tick() == Tick(FAULT_TICK) && FAULTY.get() {
            self.data[12_345] ^= 0x5a;
        }
    }
}

#[derive(Clone, Debug, Serialize, Deserialize)]
struct Nothing;

/// The game of a 10 MB state.
struct BlobGame;

impl Game for BlobGame {
    type State = Blob;
    type Move = Nothing;
    const ID: &'static str = "blob";
}

impl Modification<Blob> for Nothing {
    fn apply(&self, _ws: &mut Blob, _ctx: &mut TickCtx) {}
}

fn bind(security: RenetSecurity, max_clients: usize) -> RenetHostTransport {
    RenetHostTransport::bind(&RenetHostConfig {
        bind: "127.0.0.1:0".parse().expect("address"),
        public_addr: None,
        protocol_id: PROTOCOL_ID,
        max_clients,
        security,
    })
    .expect("binds a free port")
}

/// Runs `turn` every simulated 4 ms until `done`, with a real-time safety net.
fn run_until(what: &str, mut turn: impl FnMut(Duration) -> bool) {
    let wall = Instant::now();
    let mut now = Duration::ZERO;
    loop {
        now += Duration::from_millis(4);
        if turn(now) {
            return;
        }
        assert!(
            wall.elapsed() < Duration::from_secs(120),
            "timed out waiting for: {what}"
        );
    }
}

#[test]
fn a_welcome_and_a_heal_of_ten_megabytes_arrive_intact() {
    let genesis = Blob {
        data: (0..TEN_MB).map(|i| (i * 7 % 251) as u8).collect(),
        ticks: 0,
    };
    let config = HostConfig {
        tick_rate: Some(10),
        player: None,
        checksum_interval: 5,
        ..HostConfig::default()
    };
    let transport = bind(RenetSecurity::Unsecure, 4);
    let addr = transport.local_addr();
    let mut host: HostSession<BlobGame, _> =
        HostSession::new(config, genesis.clone(), transport).expect("host");
    let client_config = ClientConfig {
        name: "faulty".into(),
        ..ClientConfig::default()
    };
    let mut client: ClientSession<BlobGame, _> = ClientSession::new(
        client_config,
        RenetClientTransport::connect(RenetClientConfig::unsecure(addr, PROTOCOL_ID))
            .expect("socket"),
    )
    .expect("client");
    let mut events = Vec::new();
    run_until("the welcome's snapshot and a heal", |now| {
        host.update(now).expect("host socket");
        FAULTY.set(true);
        client.update(now).expect("client socket");
        FAULTY.set(false);
        events.extend(client.drain_events());
        events
            .iter()
            .any(|e| matches!(e, SessionEvent::DesyncHealed { .. }))
    });
    assert!(
        events
            .iter()
            .any(|e| matches!(e, SessionEvent::DesyncDetected { .. })),
        "{events:?}"
    );
    let welcome_state = client.timeline().expect("welcomed");
    assert_eq!(welcome_state.sealed_state().data.len(), TEN_MB);
    // After the heal the client's sealed state is the host's, byte for byte.
    let tick = client.sealed_tick();
    run_until("the host's checksum at the client's tick", |now| {
        host.update(now).expect("host socket");
        client.update(now).expect("client socket");
        host.checksum_at(tick).is_some()
    });
    assert_eq!(
        client.sealed_checksum(),
        host.checksum_at(tick),
        "healed at tick {tick}"
    );
    assert_eq!(client.status(), ClientStatus::Connected);
}

#[test]
fn a_coded_host_keeps_serving_while_34_sockets_replay_keyless_handshakes() {
    let code = JoinCode::generate();
    let config = HostConfig {
        max_clients: 32,
        ..HostConfig::default()
    };
    let transport = bind(RenetSecurity::code(&code), 32);
    let addr = transport.local_addr();
    let mut host: HostSession<ArenaGame, _> =
        HostSession::new(config, Arena::default(), transport).expect("host");
    let mut strangers: Vec<RenetClientTransport> = (0..34)
        .map(|_| {
            RenetClientTransport::connect(RenetClientConfig::unsecure(addr, PROTOCOL_ID))
                .expect("socket")
        })
        .collect();
    let player_config = |name: &str| ClientConfig {
        name: name.into(),
        ..ClientConfig::default()
    };
    let mut player: ClientSession<ArenaGame, _> = ClientSession::new(
        player_config("ann"),
        RenetClientTransport::connect(RenetClientConfig::with_code(addr, PROTOCOL_ID, &code))
            .expect("socket"),
    )
    .expect("client");
    let wrong = JoinCode::parse("2222-2222").expect("valid");
    let mut guesser: ClientSession<ArenaGame, _> = ClientSession::new(
        player_config("eve"),
        RenetClientTransport::connect(RenetClientConfig::with_code(addr, PROTOCOL_ID, &wrong))
            .expect("socket"),
    )
    .expect("client");
    let mut turn = 0u64;
    run_until("300 ticks played under the flood", |now| {
        turn += 1;
        for s in &mut strangers {
            s.update(now).expect("stranger socket");
            while s.poll().is_some() {}
            // Once netcode gives up on a stranger, it tries again from a new socket.
            if turn.is_multiple_of(250) {
                s.reconnect(now).expect("socket");
            }
        }
        host.update(now).expect("host socket");
        if turn.is_multiple_of(20) {
            player.commit(Steer(Dir::ALL[(turn / 20 % 4) as usize]));
        }
        player.update(now).expect("client socket");
        guesser.update(now).expect("client socket");
        player.sealed_tick() >= Tick(300)
    });
    assert_eq!(player.status(), ClientStatus::Connected);
    assert!(player.roster().values().any(|n| n == "ann"));
    assert_ne!(
        guesser.status(),
        ClientStatus::Connected,
        "a wrong code never joins"
    );
    assert_eq!(host.roster().len(), 2, "the host and ann, nobody else");
    assert!(
        host.transport().garbage() > 100,
        "the keyless handshakes were seen and dropped: {}",
        host.transport().garbage()
    );
}
