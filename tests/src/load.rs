//! The parts of the load generator (`src/bin/load.rs`): the server thread with
//! what it measures of itself, and the swarm of simulated clients.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU8, Ordering};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use crossbeam_channel::Sender;
use rand_chacha::ChaCha8Rng;
use rand_chacha::rand_core::{RngCore, SeedableRng};
use tickline::model::Tick;
use tickline::net::{ClientConfig, ClientSession, ClientStatus, HostConfig, Server, ServerConfig};
use tickline::testing::arena::{Arena, ArenaGame, Dir, Steer};
use tickline::transport::{
    RenetClientConfig, RenetClientTransport, RenetHostConfig, RenetHostTransport, RenetSecurity,
};

/// What the run is doing; the server measures itself in `Measuring` only.
#[repr(u8)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Phase {
    /// Clients connect.
    Joining = 0,
    /// Clients play; the server measures.
    Measuring = 1,
    /// Clients stop steering; everything settles.
    Settling = 2,
    /// The server thread returns.
    Done = 3,
}

/// The load server.
pub type LoadServer = Server<ArenaGame, RenetHostTransport>;

/// What the server thread measured of itself while `Measuring`.
#[derive(Clone, Debug, Default)]
pub struct Measured {
    /// Wall time measured.
    pub wall: Duration,
    /// The server thread's CPU time in that time.
    pub cpu: Duration,
    /// Server time spent in updates, per tick period.
    pub per_tick: Vec<Duration>,
    /// Bytes received and sent by the rooms in that time.
    pub bytes: u64,
}

impl Measured {
    /// CPU time of the server thread, in percent of one core.
    pub fn cpu_percent(&self) -> f64 {
        100.0 * self.cpu.as_secs_f64() / self.wall.as_secs_f64().max(1e-9)
    }

    /// Mean server time per tick, in ms.
    pub fn tick_ms_mean(&self) -> f64 {
        let total: Duration = self.per_tick.iter().sum();
        total.as_secs_f64() * 1000.0 / self.per_tick.len().max(1) as f64
    }

    /// 99th percentile of the server time per tick, in ms.
    pub fn tick_ms_p99(&self) -> f64 {
        let mut sorted = self.per_tick.clone();
        sorted.sort_unstable();
        let i = (sorted.len() * 99 / 100).min(sorted.len().saturating_sub(1));
        sorted.get(i).map_or(0.0, |d| d.as_secs_f64() * 1000.0)
    }

    /// Bytes in and out per player per second.
    pub fn bytes_per_player_s(&self, players: usize) -> f64 {
        self.bytes as f64 / players.max(1) as f64 / self.wall.as_secs_f64().max(1e-9)
    }
}

/// This thread's time on a CPU so far (Linux: `/proc/thread-self/schedstat`).
fn thread_cpu() -> Duration {
    std::fs::read_to_string("/proc/thread-self/schedstat")
        .ok()
        .and_then(|s| s.split_whitespace().next()?.parse::<u64>().ok())
        .map_or(Duration::ZERO, Duration::from_nanos)
}

/// The server thread: binds on loopback, sends its address, serves until
/// `Done`, measuring itself while `Measuring`.
///
/// # Panics
///
/// If the server cannot bind on loopback.
pub fn serve(
    clients: usize,
    tick_rate: u32,
    addr: Sender<SocketAddr>,
    phase: &AtomicU8,
) -> (LoadServer, Measured) {
    let loopback = SocketAddr::from(([127, 0, 0, 1], 0));
    let renet = RenetHostConfig::for_game::<ArenaGame>(loopback, clients, RenetSecurity::Unsecure)
        .expect("the arena traces");
    let transport = RenetHostTransport::bind(&renet).expect("binds on loopback");
    let _ = addr.send(transport.local_addr());
    let config = ServerConfig {
        max_rooms: clients,
        room: HostConfig {
            tick_rate: Some(tick_rate),
            player: None,
            max_clients: clients,
            ..HostConfig::default()
        },
        record_dir: None,
    };
    let mut server =
        Server::new(config, transport, |_room: &str| Arena::default()).expect("the arena traces");
    let started = Instant::now();
    let period = Duration::from_secs(1) / tick_rate;
    let mut m = Measured::default();
    let mut window: Option<(Instant, Duration, u64)> = None;
    loop {
        let now = phase.load(Ordering::SeqCst);
        if now == Phase::Done as u8 {
            break;
        }
        let t0 = Instant::now();
        if let Err(e) = server.update(started.elapsed()) {
            eprintln!("server: {e}");
        }
        let took = t0.elapsed();
        match (now == Phase::Measuring as u8, window) {
            (true, None) => {
                let s = server.stats();
                window = Some((t0, thread_cpu(), s.bytes_in + s.bytes_out));
            }
            (true, Some((from, _, _))) => {
                let slot = (t0.duration_since(from).as_nanos() / period.as_nanos()) as usize;
                if m.per_tick.len() <= slot {
                    m.per_tick.resize(slot + 1, Duration::ZERO);
                }
                m.per_tick[slot] += took;
            }
            (false, Some((from, cpu, bytes))) if m.wall.is_zero() => {
                let s = server.stats();
                m.wall = from.elapsed();
                m.cpu = thread_cpu().saturating_sub(cpu);
                m.bytes = (s.bytes_in + s.bytes_out).saturating_sub(bytes);
            }
            _ => {}
        }
        std::thread::sleep(Duration::from_millis(1));
    }
    (server, m)
}

/// Starts `threads` threads sharing `rooms × players` clients, each playing
/// through `phase` (see [`Swarm::play`]) and returning its swarm at `Done`.
/// Returns once every client is welcomed.
///
/// # Errors
///
/// A client could not connect or was not welcomed within a minute.
pub fn spawn_swarms(
    addr: SocketAddr,
    rooms: usize,
    players: usize,
    threads: usize,
    phase: &Arc<AtomicU8>,
) -> Result<Vec<JoinHandle<Option<Swarm>>>, String> {
    let seats: Vec<(usize, usize)> = (0..rooms)
        .flat_map(|r| (0..players).map(move |p| (r, p)))
        .collect();
    let (joined_tx, joined_rx) = crossbeam_channel::unbounded::<Result<(), String>>();
    let handles: Vec<_> = (0..threads)
        .map(|t| {
            let mine: Vec<(usize, usize)> =
                seats.iter().copied().skip(t).step_by(threads).collect();
            let phase = Arc::clone(phase);
            let joined = joined_tx.clone();
            std::thread::spawn(move || {
                let joining = Swarm::connect(addr, &mine)
                    .and_then(|mut s| s.run_until_joined(Duration::from_secs(60)).map(|()| s));
                let _ = joined.send(joining.as_ref().map(|_| ()).map_err(Clone::clone));
                let mut swarm = joining.ok()?;
                swarm.play(&phase);
                Some(swarm)
            })
        })
        .collect();
    for _ in 0..threads {
        joined_rx.recv().map_err(|e| e.to_string())??;
    }
    Ok(handles)
}

/// The simulated clients, in one thread.
pub struct Swarm {
    clients: Vec<(String, ClientSession<ArenaGame, RenetClientTransport>)>,
    last_head: Vec<Tick>,
    rng: ChaCha8Rng,
    started: Instant,
}

impl Swarm {
    /// One client per `(room, player)` pair: room `rN`, name `pM`.
    ///
    /// # Errors
    ///
    /// A socket that cannot be opened.
    pub fn connect(server: SocketAddr, seats: &[(usize, usize)]) -> Result<Self, String> {
        let mut clients = Vec::with_capacity(seats.len());
        for &(room, p) in seats {
            let renet = RenetClientConfig::for_game::<ArenaGame>(server, None)
                .map_err(|e| e.to_string())?;
            let transport = RenetClientTransport::connect(renet).map_err(|e| e.to_string())?;
            let config = ClientConfig {
                name: format!("p{p}"),
                room: format!("r{room}"),
                ..ClientConfig::default()
            };
            let session = ClientSession::new(config, transport).map_err(|e| e.to_string())?;
            clients.push((format!("r{room}"), session));
        }
        let n = clients.len();
        Ok(Swarm {
            clients,
            last_head: vec![Tick::GENESIS; n],
            rng: ChaCha8Rng::seed_from_u64(7),
            started: Instant::now(),
        })
    }

    fn update_all(&mut self) {
        let now = self.started.elapsed();
        for (_, c) in &mut self.clients {
            if let Err(e) = c.update(now) {
                eprintln!("client: {e}");
            }
        }
    }

    /// Updates every client until all are welcomed.
    ///
    /// # Errors
    ///
    /// Not all joined within `limit`, or one was refused.
    pub fn run_until_joined(&mut self, limit: Duration) -> Result<(), String> {
        let deadline = Instant::now() + limit;
        loop {
            self.update_all();
            let mut joined = 0;
            for (room, c) in &self.clients {
                match c.status() {
                    ClientStatus::Connected => joined += 1,
                    ClientStatus::Stopped(why) => return Err(format!("a client of {room}: {why}")),
                    _ => {}
                }
            }
            if joined == self.clients.len() {
                return Ok(());
            }
            if Instant::now() > deadline {
                return Err(format!(
                    "{joined} of {} joined in {limit:?}",
                    self.clients.len()
                ));
            }
            std::thread::sleep(Duration::from_millis(1));
        }
    }

    /// Runs until the phase is `Done`; while `Measuring`, each client turns
    /// about every 5 ticks.
    pub fn play(&mut self, phase: &AtomicU8) {
        loop {
            let now = phase.load(Ordering::SeqCst);
            if now == Phase::Done as u8 {
                return;
            }
            self.update_all();
            if now == Phase::Measuring as u8 {
                for (i, (_, c)) in self.clients.iter_mut().enumerate() {
                    let head = c.timeline().map_or(Tick::GENESIS, |t| t.head());
                    if head > self.last_head[i] {
                        self.last_head[i] = head;
                        if self.rng.next_u32().is_multiple_of(5) {
                            let dir = Dir::ALL[(self.rng.next_u32() % 4) as usize];
                            c.commit(Steer(dir));
                        }
                    }
                }
            }
            std::thread::sleep(Duration::from_millis(1));
        }
    }

    /// Whether every client holds its room's sealed checksum at its own sealed
    /// tick, and each reached at least `min_tick`.
    pub fn converged(&mut self, server: &LoadServer, min_tick: u64) -> bool {
        let mut ok = true;
        let mut statuses = std::collections::BTreeMap::<String, usize>::new();
        for (_, c) in &self.clients {
            *statuses.entry(format!("{:?}", c.status())).or_default() += 1;
        }
        if statuses.len() > 1 || !statuses.contains_key("Connected") {
            eprintln!("clients: {statuses:?}");
            ok = false;
        }
        for (room, c) in &mut self.clients {
            let tick = c.sealed_tick();
            let theirs = c.sealed_checksum();
            let ours = server.room(room).and_then(|r| r.checksum_at(tick));
            if theirs.is_none() || theirs != ours || tick.0 < min_tick {
                let seen = server
                    .room(room)
                    .and_then(|r| r.peers().into_iter().find(|p| Some(p.peer) == c.peer()));
                eprintln!(
                    "{room}: a client at tick {tick} (head {:?}) holds {theirs:?}, the server {ours:?}; server sees {seen:?}; {:?}",
                    c.timeline().map(|t| t.head()),
                    c.stats()
                );
                ok = false;
            }
        }
        ok
    }
}
