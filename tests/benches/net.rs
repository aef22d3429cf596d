//! Network benchmarks (prints figures for BENCHMARKS.md):
//! 1. bytes on the wire per player-second over renet on loopback, 4 players
//!    turning about every 5 ticks, at 20 Hz and 60 Hz (counted by a UDP relay);
//! 2. host CPU time per tick with 64 clients on the memory transport;
//! 3. ticks from a commit's creation to its application on another peer, median
//!    and 99th percentile, with 0 and 50 ms one-way latency.
//!
//! Run: `cargo bench -p tickline-e2e --bench net`. Simulated time, 60 frames/s.

use std::net::{SocketAddr, UdpSocket};
use std::time::{Duration, Instant};

use rand_chacha::ChaCha8Rng;
use rand_chacha::rand_core::{RngCore, SeedableRng};
use tickline::model::{CommitId, Tick};
use tickline::net::{ClientConfig, ClientSession, ClientStatus, HostConfig, HostSession};
use tickline::record::{Expect, Recording};
use tickline::testing::arena::{Arena, Dir, Steer};
use tickline::transport::{
    Conditioned, LinkConditions, RenetClientConfig, RenetClientTransport, RenetHostConfig,
    RenetHostTransport, RenetSecurity, memory_hub,
};

const FRAME: Duration = Duration::from_micros(16_667);

fn host_config(tick_rate: u32) -> HostConfig {
    HostConfig {
        game_id: "arena".into(),
        tick_rate,
        seed: 1,
        ..HostConfig::default()
    }
}

fn client_config(name: String) -> ClientConfig {
    ClientConfig {
        game_id: "arena".into(),
        name,
        ..ClientConfig::default()
    }
}

/// Relays UDP between one client and the host, counting payload bytes and packets.
struct Relay {
    socket: UdpSocket,
    host: SocketAddr,
    client: Option<SocketAddr>,
    bytes: u64,
    packets: u64,
}

impl Relay {
    fn new(host: SocketAddr) -> Relay {
        let socket = UdpSocket::bind("127.0.0.1:0").expect("bind");
        socket.set_nonblocking(true).expect("nonblocking");
        Relay {
            socket,
            host,
            client: None,
            bytes: 0,
            packets: 0,
        }
    }

    fn addr(&self) -> SocketAddr {
        self.socket.local_addr().expect("bound")
    }

    fn pump(&mut self) {
        let mut buf = [0u8; 2048];
        while let Ok((n, from)) = self.socket.recv_from(&mut buf) {
            let to = if from == self.host {
                match self.client {
                    Some(c) => c,
                    None => continue,
                }
            } else {
                self.client = Some(from);
                self.host
            };
            self.bytes += n as u64;
            self.packets += 1;
            let _ = self.socket.send_to(&buf[..n], to);
        }
    }
}

fn wire_bytes(tick_rate: u32) {
    let transport = RenetHostTransport::bind(&RenetHostConfig {
        bind: "127.0.0.1:0".parse().expect("addr"),
        public_addr: None,
        protocol_id: 1,
        max_clients: 8,
        security: RenetSecurity::Unsecure,
    })
    .expect("bind");
    let host_addr = transport.local_addr();
    let mut host: HostSession<Arena, Steer, _> =
        HostSession::new(host_config(tick_rate), Arena::default(), transport).expect("host");
    let mut relays: Vec<Relay> = (0..3).map(|_| Relay::new(host_addr)).collect();
    let mut clients: Vec<ClientSession<Arena, Steer, _>> = relays
        .iter()
        .enumerate()
        .map(|(i, r)| {
            let t = RenetClientTransport::connect(RenetClientConfig::unsecure(r.addr(), 1))
                .expect("socket");
            ClientSession::new(client_config(format!("p{i}")), t).expect("client")
        })
        .collect();
    let mut now = Duration::ZERO;
    let mut rng = ChaCha8Rng::seed_from_u64(1);
    let mut frame = |host: &mut HostSession<Arena, Steer, _>,
                     clients: &mut Vec<ClientSession<Arena, Steer, _>>,
                     relays: &mut Vec<Relay>,
                     now: &mut Duration,
                     turn: bool| {
        *now += FRAME;
        let ticks_per_frame = f64::from(tick_rate) / 60.0;
        let p = (ticks_per_frame / 5.0 * 1e6) as u64;
        if turn && rng.next_u64() % 1_000_000 < p {
            host.commit(Steer(Dir::ALL[(rng.next_u64() % 4) as usize]));
        }
        host.update(*now).expect("host");
        for c in clients.iter_mut() {
            if turn && rng.next_u64() % 1_000_000 < p {
                c.commit(Steer(Dir::ALL[(rng.next_u64() % 4) as usize]));
            }
            c.update(*now).expect("client");
        }
        for r in relays.iter_mut() {
            r.pump();
        }
    };
    let wall = Instant::now();
    while !clients
        .iter()
        .all(|c| c.status() == ClientStatus::Connected)
    {
        assert!(
            wall.elapsed() < Duration::from_secs(30),
            "clients did not connect"
        );
        frame(&mut host, &mut clients, &mut relays, &mut now, false);
    }
    for _ in 0..120 {
        frame(&mut host, &mut clients, &mut relays, &mut now, true);
    }
    let (b0, p0): (u64, u64) = (
        relays.iter().map(|r| r.bytes).sum(),
        relays.iter().map(|r| r.packets).sum(),
    );
    let seconds = 60u32;
    for _ in 0..seconds * 60 {
        frame(&mut host, &mut clients, &mut relays, &mut now, true);
    }
    let bytes = relays.iter().map(|r| r.bytes).sum::<u64>() - b0;
    let packets = relays.iter().map(|r| r.packets).sum::<u64>() - p0;
    let per = |x: u64| x as f64 / 3.0 / f64::from(seconds);
    println!(
        "wire @ {tick_rate} Hz, 4 players (3 remote): {:.0} B/player-s UDP payload ({:.0} with IPv4+UDP headers), {:.1} packets/player-s, both directions",
        per(bytes),
        per(bytes + 28 * packets),
        per(packets)
    );
}

fn host_cpu(clients_n: usize) {
    let (transport, connector) = memory_hub();
    let mut host: HostSession<Arena, Steer, _> =
        HostSession::new(host_config(60), Arena::default(), transport).expect("host");
    let mut clients: Vec<ClientSession<Arena, Steer, _>> = (0..clients_n)
        .map(|i| {
            ClientSession::new(
                client_config(format!("p{i}")),
                connector.connect().expect("host"),
            )
            .expect("client")
        })
        .collect();
    let mut rng = ChaCha8Rng::seed_from_u64(2);
    let mut now = Duration::ZERO;
    let mut samples = Vec::new();
    for frame in 0..60 * 40 {
        now += FRAME;
        let started = Instant::now();
        host.update(now).expect("host");
        let spent = started.elapsed();
        if frame >= 600 {
            samples.push(spent);
        }
        for c in clients.iter_mut() {
            if rng.next_u64() % 5 == 0 {
                c.commit(Steer(Dir::ALL[(rng.next_u64() % 4) as usize]));
            }
            c.update(now).expect("client");
        }
    }
    assert!(
        clients
            .iter()
            .all(|c| c.status() == ClientStatus::Connected)
    );
    samples.sort();
    let mean = samples.iter().sum::<Duration>() / samples.len() as u32;
    let p99 = samples[samples.len() * 99 / 100];
    println!(
        "host CPU per tick, {clients_n} clients, 60 Hz, memory transport: mean {:.1} µs, p99 {:.1} µs ({} ticks, sealed {})",
        mean.as_secs_f64() * 1e6,
        p99.as_secs_f64() * 1e6,
        samples.len(),
        host.sealed_tick()
    );
}

fn latency(one_way: Duration) {
    let dir = tempfile::tempdir().expect("temp dir");
    let (transport, connector) = memory_hub();
    let config = HostConfig {
        record: Some(dir.path().join("host.tlrec")),
        player: None,
        ..host_config(60)
    };
    let mut host: HostSession<Arena, Steer, _> =
        HostSession::new(config, Arena::default(), transport).expect("host");
    let conditions = LinkConditions {
        latency: one_way,
        ..LinkConditions::default()
    };
    let mut a: ClientSession<Arena, Steer, _> = ClientSession::new(
        client_config("a".into()),
        Conditioned::new(connector.connect().expect("host"), conditions.clone()),
    )
    .expect("a");
    let mut b: ClientSession<Arena, Steer, _> = ClientSession::new(
        client_config("b".into()),
        Conditioned::new(connector.connect().expect("host"), conditions),
    )
    .expect("b");
    let mut now = Duration::ZERO;
    let mut made: Vec<(CommitId, Duration)> = Vec::new();
    let mut b_sealed: Vec<(Duration, Tick)> = Vec::new();
    let mut rng = ChaCha8Rng::seed_from_u64(3);
    for frame in 0..60 * 60 {
        now += FRAME;
        if frame > 120
            && frame < 60 * 55
            && rng.next_u64() % 4 == 0
            && let Some(id) = a.commit(Steer(Dir::ALL[(rng.next_u64() % 4) as usize]))
        {
            made.push((id, now));
        }
        host.update(now).expect("host");
        a.update(now).expect("a");
        b.update(now).expect("b");
        b_sealed.push((now, b.sealed_tick()));
    }
    let rec: Recording<Steer> =
        Recording::open(dir.path().join("host.tlrec"), &Expect::game("arena")).expect("recording");
    let mut ticks: Vec<f64> = made
        .iter()
        .filter_map(|(id, created)| {
            let sealed = rec
                .sealed
                .iter()
                .find(|st| st.commits.iter().any(|c| c.id == *id))?
                .tick;
            let (applied, _) = b_sealed.iter().find(|(_, t)| *t >= sealed)?;
            Some((*applied - *created).as_secs_f64() * 60.0)
        })
        .collect();
    ticks.sort_by(f64::total_cmp);
    println!(
        "commit → applied on another peer, {} ms one way, 60 Hz: median {:.1} ticks, p99 {:.1} ticks ({} commits)",
        one_way.as_millis(),
        ticks[ticks.len() / 2],
        ticks[ticks.len() * 99 / 100],
        ticks.len()
    );
}

fn main() {
    if std::env::args().any(|a| a == "--list") {
        return;
    }
    wire_bytes(20);
    wire_bytes(60);
    host_cpu(64);
    latency(Duration::ZERO);
    latency(Duration::from_millis(50));
}
