//! Network benchmarks (prints figures for BENCHMARKS.md):
//! 1. one table over real renet on 127.0.0.1: 4 players (the host's own and 3
//!    clients), each turning about every 5 ticks, input delay 2, a 60 frames per
//!    second game loop; for 60 Hz and 20 Hz, 0 and 50 ms one way:
//!    - how many ticks after a player made a move it is in another player's
//!      predicted state (median and 99th percentile), host→client, client→host
//!      and client→client;
//!    - bytes and datagrams per player-second, both directions, counted by a UDP
//!      relay between each client and the host, 28 B of IPv4+UDP header added per
//!      datagram;
//! 2. host CPU time per tick with 64 clients on the memory transport.
//!
//! Run: `cargo bench -p tickline-e2e --bench net`. Time is simulated (the game
//! loop's clock advances 16.7 ms per frame); the sockets are real.

use std::net::{SocketAddr, UdpSocket};
use std::time::{Duration, Instant};

use rand_chacha::ChaCha8Rng;
use rand_chacha::rand_core::{RngCore, SeedableRng};
use tickline::model::{CommitId, Tick};
use tickline::net::{ClientConfig, ClientSession, ClientStatus, HostConfig, HostSession};
use tickline::testing::arena::{Arena, ArenaGame, Dir, Steer};
use tickline::transport::{
    Conditioned, LinkConditions, RenetClientConfig, RenetClientTransport, RenetHostConfig,
    RenetHostTransport, RenetSecurity, memory_hub,
};

const FRAME: Duration = Duration::from_micros(16_667);
const HEADER: u64 = 28;
const CLIENTS: usize = 3;
const SECONDS: u32 = 30;

type Host = HostSession<ArenaGame, RenetHostTransport>;
type Client = ClientSession<ArenaGame, Conditioned<RenetClientTransport>>;

fn host_config(tick_rate: u32) -> HostConfig {
    HostConfig {
        tick_rate: Some(tick_rate),
        seed: 1,
        ..HostConfig::default()
    }
}

fn client_config(name: String) -> ClientConfig {
    ClientConfig {
        name,
        ..ClientConfig::default()
    }
}

/// Relays UDP between one client and the host, counting payload bytes and datagrams.
struct Relay {
    socket: UdpSocket,
    host: SocketAddr,
    client: Option<SocketAddr>,
    bytes: u64,
    datagrams: u64,
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
            datagrams: 0,
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
            self.datagrams += 1;
            let _ = self.socket.send_to(&buf[..n], to);
        }
    }
}

/// A move someone made: its id, author (0 = host), tick and when it was made.
struct Move {
    id: CommitId,
    author: usize,
    tick: Tick,
    made: Duration,
    /// When each player (0 = host) first had it in its predicted state.
    seen: [Option<Duration>; CLIENTS + 1],
}

struct World {
    host: Host,
    clients: Vec<Client>,
    relays: Vec<Relay>,
    now: Duration,
    moves: Vec<Move>,
    rng: ChaCha8Rng,
}

impl World {
    fn new(tick_rate: u32, one_way: Duration) -> World {
        let transport = RenetHostTransport::bind(&RenetHostConfig {
            bind: "127.0.0.1:0".parse().expect("addr"),
            public_addr: None,
            protocol_id: 1,
            max_clients: 8,
            security: RenetSecurity::Unsecure,
        })
        .expect("bind");
        let host_addr = transport.local_addr();
        let host =
            HostSession::new(host_config(tick_rate), Arena::default(), transport).expect("host");
        let relays: Vec<Relay> = (0..CLIENTS).map(|_| Relay::new(host_addr)).collect();
        let clients = relays
            .iter()
            .enumerate()
            .map(|(i, r)| {
                let t = RenetClientTransport::connect(RenetClientConfig::unsecure(r.addr(), 1))
                    .expect("socket");
                let t = Conditioned::new(t, LinkConditions::latency(one_way));
                ClientSession::new(client_config(format!("p{i}")), t).expect("client")
            })
            .collect();
        World {
            host,
            clients,
            relays,
            now: Duration::ZERO,
            moves: Vec::new(),
            rng: ChaCha8Rng::seed_from_u64(1),
        }
    }

    /// One frame: maybe a move per player, everyone updates, the relays forward.
    fn frame(&mut self, play: bool) {
        self.now += FRAME;
        if play {
            self.make_moves();
        }
        // The relays forward after every peer's update, as a network would at
        // once, so that they add no frame of their own.
        self.host.update(self.now).expect("host");
        self.pump();
        for c in &mut self.clients {
            c.update(self.now).expect("client");
        }
        self.pump();
        self.observe();
    }

    fn pump(&mut self) {
        for r in &mut self.relays {
            r.pump();
        }
    }

    fn turn(&mut self) -> Option<Steer> {
        let ticks_per_frame = self.rate() / 60.0;
        let p = (ticks_per_frame / 5.0 * 1e6) as u64;
        (self.rng.next_u64() % 1_000_000 < p)
            .then(|| Steer(Dir::ALL[(self.rng.next_u64() % 4) as usize]))
    }

    fn rate(&self) -> f64 {
        f64::from(self.clients[0].tick_rate())
    }

    fn make_moves(&mut self) {
        if let Some(m) = self.turn() {
            let tick = self.host.head().plus(2);
            if let Some(id) = self.host.commit(m) {
                self.record(id, 0, tick);
            }
        }
        for i in 0..CLIENTS {
            let Some(m) = self.turn() else { continue };
            let Some(id) = self.clients[i].commit(m) else {
                continue;
            };
            let tick = self.clients[i]
                .timeline()
                .and_then(|tl| tl.pending().find(|c| c.id == id).map(|c| c.tick))
                .unwrap_or_default();
            self.record(id, i + 1, tick);
        }
    }

    fn record(&mut self, id: CommitId, author: usize, tick: Tick) {
        let mut seen = [None; CLIENTS + 1];
        seen[author] = Some(self.now);
        self.moves.push(Move {
            id,
            author,
            tick,
            made: self.now,
            seen,
        });
    }

    /// Notes who now has which move in its predicted state (or sealed).
    fn observe(&mut self) {
        let now = self.now;
        for m in self
            .moves
            .iter_mut()
            .filter(|m| m.seen.iter().any(Option::is_none))
        {
            if m.seen[0].is_none()
                && (self.host.timeline().predicts(m.id) || self.host.sealed_tick() >= m.tick)
            {
                m.seen[0] = Some(now);
            }
            for (i, c) in self.clients.iter().enumerate() {
                let Some(tl) = c.timeline() else { continue };
                if m.seen[i + 1].is_none() && (tl.predicts(m.id) || tl.sealed_tick() >= m.tick) {
                    m.seen[i + 1] = Some(now);
                }
            }
        }
    }

    fn counts(&self) -> (u64, u64) {
        let bytes = self.relays.iter().map(|r| r.bytes).sum();
        let datagrams = self.relays.iter().map(|r| r.datagrams).sum();
        (bytes, datagrams)
    }
}

/// Median and 99th percentile, in ticks, of `samples` (in seconds).
fn percentiles(mut samples: Vec<f64>, rate: f64) -> String {
    if samples.is_empty() {
        return "—".into();
    }
    samples.sort_by(f64::total_cmp);
    let at = |q: usize| samples[(samples.len() * q / 100).min(samples.len() - 1)] * rate;
    format!("{:.1} / {:.1}", at(50), at(99))
}

fn session(tick_rate: u32, one_way: Duration) {
    let mut w = World::new(tick_rate, one_way);
    let wall = Instant::now();
    while !w
        .clients
        .iter()
        .all(|c| c.status() == ClientStatus::Connected)
    {
        assert!(
            wall.elapsed() < Duration::from_secs(30),
            "clients did not connect"
        );
        w.frame(false);
    }
    for _ in 0..120 {
        w.frame(false);
    }
    let (b0, d0) = w.counts();
    let start = w.moves.len();
    for _ in 0..SECONDS * 60 {
        w.frame(true);
    }
    let (b1, d1) = w.counts();
    // Let the last moves arrive everywhere.
    for _ in 0..120 {
        w.frame(false);
    }
    let rate = f64::from(tick_rate);
    let mut groups: [Vec<f64>; 3] = Default::default();
    for m in &w.moves[start..] {
        for (observer, seen) in m.seen.iter().enumerate() {
            let Some(seen) = seen else { continue };
            if observer == m.author {
                continue;
            }
            let group = match (m.author, observer) {
                (0, _) => 0,
                (_, 0) => 1,
                _ => 2,
            };
            groups[group].push((*seen - m.made).as_secs_f64());
        }
    }
    let per = |x: u64| x as f64 / CLIENTS as f64 / f64::from(SECONDS);
    let datagrams = d1 - d0;
    println!(
        "| {tick_rate} Hz | {} ms | {} | {} | {} | {:.0} | {:.1} | {} |",
        one_way.as_millis(),
        percentiles(groups[0].clone(), rate),
        percentiles(groups[1].clone(), rate),
        percentiles(groups[2].clone(), rate),
        per(b1 - b0 + HEADER * datagrams),
        per(datagrams),
        w.moves.len() - start,
    );
}

fn host_cpu(clients_n: usize) {
    let (transport, connector) = memory_hub();
    let mut host: HostSession<ArenaGame, _> =
        HostSession::new(host_config(60), Arena::default(), transport).expect("host");
    let mut clients: Vec<ClientSession<ArenaGame, _>> = (0..clients_n)
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

fn main() {
    if std::env::args().any(|a| a == "--list") {
        return;
    }
    println!(
        "| tick rate | one way | host→client ticks (median / p99) | client→host | client→client | B per player-s | datagrams per player-s | moves |"
    );
    println!("| --- | --- | --- | --- | --- | --- | --- | --- |");
    session(60, Duration::ZERO);
    session(60, Duration::from_millis(50));
    session(20, Duration::ZERO);
    session(20, Duration::from_millis(50));
    host_cpu(64);
}
