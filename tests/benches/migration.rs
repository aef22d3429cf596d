//! Host migration over real renet on 127.0.0.1 (prints figures for
//! BENCHMARKS.md): a host and three clients with standby ports play at 30 Hz
//! for 3 s, then the host vanishes (its process "killed": sockets gone, no
//! word) or leaves (`HostSession::leave`). Measured, over several runs each:
//! - the wall time from the host's loss to the first tick the new host seals;
//! - the wall time until every other client is back with it;
//! - sealed ticks lost: ticks the old host sealed that no surviving peer held
//!   when the new host took over (they are sealed anew).
//!
//! Run: `cargo bench -p tickline-e2e --bench migration`. The clock is the
//! wall clock (the connection timeout is real time).

use std::time::{Duration, Instant};

use tickline::model::{GameIdentity, Tick};
use tickline::net::{ClientConfig, ClientSession, ClientStatus, HostConfig, HostSession, follow};
use tickline::testing::arena::{Arena, ArenaGame, Dir, Steer};
use tickline::transport::{
    RenetClientConfig, RenetClientTransport, RenetHostConfig, RenetHostTransport, RenetSecurity,
    RenetStandby,
};

const RUNS: usize = 5;
const CLIENTS: usize = 3;

type Host = HostSession<ArenaGame, RenetHostTransport>;
type Client = ClientSession<ArenaGame, RenetClientTransport>;

enum Peer {
    Client(Box<Client>, RenetStandby),
    Host(Box<Host>),
}

impl Peer {
    fn sealed(&self) -> Tick {
        match self {
            Peer::Client(c, _) => c.sealed_tick(),
            Peer::Host(h) => h.sealed_tick(),
        }
    }
}

fn host_config() -> HostConfig {
    HostConfig {
        tick_rate: Some(30),
        seed: 3,
        ..HostConfig::default()
    }
}

/// How the host goes.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Loss {
    /// `HostSession::leave`.
    Leaves,
    /// Dropped without a word.
    Vanishes,
    /// Dropped with the first successor.
    VanishesWithItsSuccessor,
}

/// One run: (time to the new host's first sealed tick, time until every
/// client is back, sealed ticks lost).
fn run(loss: Loss) -> (Duration, Duration, u64) {
    let protocol_id = GameIdentity::of::<ArenaGame>()
        .expect("schema")
        .protocol_id();
    let renet = RenetHostConfig::for_game::<ArenaGame>(
        "127.0.0.1:0".parse().expect("address"),
        8,
        RenetSecurity::Unsecure,
    )
    .expect("schema");
    let transport = RenetHostTransport::bind(&renet).expect("binds");
    let addr = transport.local_addr();
    let mut host =
        HostSession::<ArenaGame, _>::new(host_config(), Arena::default(), transport).expect("host");
    let started = Instant::now();
    let mut peers: Vec<Peer> = Vec::new();
    for i in 0..CLIENTS {
        let standby = RenetStandby::bind(
            "127.0.0.1:0".parse().expect("address"),
            protocol_id,
            None,
            8,
        )
        .expect("standby");
        let config = ClientConfig {
            name: format!("c{i}"),
            standby: Some(standby.standby()),
            ..ClientConfig::default()
        };
        let transport =
            RenetClientTransport::connect(RenetClientConfig::unsecure(addr, protocol_id))
                .expect("connects");
        let client = ClientSession::new(config, transport).expect("client");
        peers.push(Peer::Client(Box::new(client), standby));
        // One at a time: peer ids, the order of succession, follow the clients.
        let i = peers.len() - 1;
        while !matches!(&peers[i], Peer::Client(c, _) if c.status() == ClientStatus::Connected) {
            step(Some(&mut host), &mut peers, started.elapsed(), false);
        }
    }
    let play_until = started.elapsed() + Duration::from_secs(3);
    while started.elapsed() < play_until {
        step(Some(&mut host), &mut peers, started.elapsed(), true);
    }
    if loss == Loss::Leaves {
        host.leave().expect("leaves");
    }
    let old_sealed = host.sealed_tick();
    drop(host);
    if loss == Loss::VanishesWithItsSuccessor {
        drop(peers.remove(0));
    }
    let lost_at = Instant::now();
    let (mut took_over, mut held) = (None, Tick::GENESIS);
    let deadline = lost_at + Duration::from_secs(20);
    loop {
        assert!(Instant::now() < deadline, "the game did not go on");
        step(None, &mut peers, started.elapsed(), true);
        let new_host = peers.iter().find_map(|p| match p {
            Peer::Host(h) => Some(h.sealed_tick()),
            Peer::Client(..) => None,
        });
        if let (Some(sealed), None) = (new_host, took_over) {
            took_over = Some(sealed);
            held = peers.iter().map(Peer::sealed).max().unwrap_or(sealed);
        }
        let first_sealed = took_over
            .zip(new_host)
            .is_some_and(|(from, now)| now > from.max(held));
        if first_sealed {
            break;
        }
    }
    let resumed = lost_at.elapsed();
    while !peers.iter().all(|p| match p {
        Peer::Client(c, _) => c.status() == ClientStatus::Connected,
        Peer::Host(_) => true,
    }) {
        assert!(Instant::now() < deadline, "a client did not come back");
        step(None, &mut peers, started.elapsed(), true);
    }
    let back = lost_at.elapsed();
    (resumed, back, old_sealed.0.saturating_sub(held.0))
}

/// Updates everyone once (a client whose host went follows it), then sleeps 1 ms.
fn step(host: Option<&mut Host>, peers: &mut [Peer], now: Duration, moves: bool) {
    if let Some(h) = host {
        h.update(now).expect("host transport");
    }
    for (i, peer) in peers.iter_mut().enumerate() {
        let became = match peer {
            Peer::Host(h) => {
                h.update(now).expect("host transport");
                None
            }
            Peer::Client(c, standby) => {
                if moves && now.as_millis() % 200 < 2 {
                    c.commit(Steer(Dir::ALL[i % 4]));
                }
                c.update(now).expect("client transport");
                follow(c, standby, &host_config(), now).expect("carries on")
            }
        };
        if let Some(h) = became {
            *peer = Peer::Host(Box::new(h));
        }
    }
    std::thread::sleep(Duration::from_millis(1));
}

fn main() {
    println!(
        "host migration over renet on 127.0.0.1, 30 Hz, host + {CLIENTS} clients, {RUNS} runs each"
    );
    let losses = [
        ("host leaves (graceful)", Loss::Leaves),
        ("host vanishes (killed)", Loss::Vanishes),
        (
            "host and its first successor vanish",
            Loss::VanishesWithItsSuccessor,
        ),
    ];
    for (label, loss) in losses {
        let mut runs: Vec<(Duration, Duration, u64)> = (0..RUNS).map(|_| run(loss)).collect();
        runs.sort();
        let median = runs[RUNS / 2];
        let worst = runs.iter().map(|r| r.0).max().unwrap_or_default();
        let back = runs.iter().map(|r| r.1).max().unwrap_or_default();
        let lost: Vec<u64> = runs.iter().map(|r| r.2).collect();
        println!(
            "{label}: first tick sealed by the new host after {:.0} ms (median; worst {:.0} ms), \
             every client back within {:.0} ms, sealed ticks lost per run {lost:?}",
            median.0.as_secs_f64() * 1e3,
            worst.as_secs_f64() * 1e3,
            back.as_secs_f64() * 1e3,
        );
    }
}
