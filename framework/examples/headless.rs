//! A networked game with no window and no Bevy, start to end, in one process:
//! a host that plays, two clients over renet UDP on 127.0.0.1, a late joiner and
//! a spectator. Every peer's checksum at one common tick is compared with the
//! host's, the host's recording is written and verified from scratch, and the
//! process exits 0 only if everything agrees.
//!
//! Run: `cargo run -p tickline --example headless` (`RUST_LOG=debug` for more).
//!
//! The shape of any headless Tickline program:
//! 1. A `Game` names the state (a `WorkSpace`) and the move (a `Modification`).
//! 2. A `HostSession` on a `RenetHostTransport`, `ClientSession`s on
//!    `RenetClientTransport`s, each driven by `update(now)` on one clock; `update`
//!    returns the ticks it moved through, on which players (here bots) act.
//! 3. Peers are compared at a tick every one of them has sealed with
//!    `checksum_at(tick)`.
//! 4. Clients `leave()` (their `Leave` is sealed at once), the host `shutdown`s
//!    (clients are told why, the recording is finished), and the recording is
//!    verified with `verify_stream`.

use std::net::SocketAddr;
use std::path::Path;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};
use tickline::prelude::*;

/// Side of the square board; players wrap around its edges.
const SIZE: i32 = 24;
/// The tick every peer's checksum is compared at (a multiple of the host's
/// checksum interval, 30, at which clients compute one).
const COMMON_TICK: Tick = Tick(300);
/// Everything must be done by then.
const DEADLINE: Duration = Duration::from_secs(30);

/// The state: players on a board, each collecting the gold under it.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
struct Board {
    players: Vec<Walker>,
    /// Where the gold is; moved to a random cell when collected.
    gold: (i32, i32),
}

#[derive(Clone, Debug, Serialize, Deserialize)]
struct Walker {
    peer: PeerId,
    at: (i32, i32),
    score: u32,
}

impl WorkSpace for Board {
    fn on_join(&mut self, peer: PeerId, _name: &str, ctx: &mut TickCtx) {
        let at = (ctx.below(SIZE as u32) as i32, ctx.below(SIZE as u32) as i32);
        self.players.push(Walker { peer, at, score: 0 });
    }

    fn on_leave(&mut self, peer: PeerId, _ctx: &mut TickCtx) {
        self.players.retain(|w| w.peer != peer);
    }

    fn step(&mut self, ctx: &mut TickCtx) {
        if let Some(w) = self.players.iter_mut().find(|w| w.at == self.gold) {
            w.score += 1;
            self.gold = (ctx.below(SIZE as u32) as i32, ctx.below(SIZE as u32) as i32);
        }
    }

    fn validate(&self) -> Result<(), InvalidState> {
        let on_board = |(x, y): (i32, i32)| (0..SIZE).contains(&x) && (0..SIZE).contains(&y);
        if self.players.len() > 64 || !self.players.iter().all(|w| on_board(w.at)) {
            return Err(InvalidState::new("a player off the board, or too many"));
        }
        Ok(())
    }
}

/// The move: one step in a direction, for the author's own walker only.
#[derive(Clone, Copy, Debug, Serialize, Deserialize)]
enum Go {
    Up,
    Down,
    Left,
    Right,
}

impl Modification<Board> for Go {
    fn apply(&self, board: &mut Board, ctx: &mut TickCtx) {
        let Some(w) = board.players.iter_mut().find(|w| w.peer == ctx.author()) else {
            return;
        };
        let (dx, dy) = match self {
            Go::Up => (0, -1),
            Go::Down => (0, 1),
            Go::Left => (-1, 0),
            Go::Right => (1, 0),
        };
        w.at = (
            (w.at.0 + dx).rem_euclid(SIZE),
            (w.at.1 + dy).rem_euclid(SIZE),
        );
    }
}

/// The game.
struct Gold;

impl Game for Gold {
    type State = Board;
    type Move = Go;
    const ID: &'static str = "gold";
    const TICK_RATE: u32 = 60;
}

/// A bot: one step toward the gold every fourth tick.
fn bot(board: &Board, me: PeerId, tick: Tick) -> Option<Go> {
    let w = board.players.iter().find(|w| w.peer == me)?;
    if !tick.0.is_multiple_of(4) {
        return None;
    }
    let (gx, gy) = board.gold;
    Some(match (gx - w.at.0, gy - w.at.1) {
        (dx, _) if dx > 0 => Go::Right,
        (dx, _) if dx < 0 => Go::Left,
        (_, dy) if dy > 0 => Go::Down,
        _ => Go::Up,
    })
}

type Client = ClientSession<Gold, RenetClientTransport>;

/// A client of the host at `addr`, named `name`.
fn join(addr: SocketAddr, name: &str, spectate: bool) -> Result<Client, String> {
    let renet = RenetClientConfig::for_game::<Gold>(addr, None).map_err(|e| e.to_string())?;
    let transport = RenetClientTransport::connect(renet).map_err(|e| e.to_string())?;
    let config = ClientConfig {
        name: name.into(),
        spectate,
        ..ClientConfig::default()
    };
    ClientSession::new(config, transport).map_err(|e| e.to_string())
}

/// The session: the host, its clients (players first, the spectator last).
struct Session {
    host: HostSession<Gold, RenetHostTransport>,
    clients: Vec<(&'static str, Client)>,
    start: Instant,
}

impl Session {
    /// Updates every peer once; bots act on every tick their peer moved through.
    fn update(&mut self) -> Result<(), String> {
        let now = self.start.elapsed();
        for tick in self.host.update(now).map_err(|e| e.to_string())?.ticks() {
            if let Some(go) = bot(self.host.state(), PeerId::HOST, tick) {
                self.host.commit(go);
            }
        }
        for (name, client) in &mut self.clients {
            let advanced = client.update(now).map_err(|e| format!("{name}: {e}"))?;
            for tick in advanced.ticks() {
                let me = client.peer();
                if let Some(go) = me.and_then(|me| bot(client.state()?, me, tick)) {
                    client.commit(go);
                }
            }
            for event in client.drain_events() {
                tracing::info!("{name}: {event:?}");
            }
        }
        for event in self.host.drain_events() {
            tracing::info!("host: {event:?}");
        }
        Ok(())
    }

    /// Runs until `done` holds, or fails at the deadline.
    fn run_until(&mut self, what: &str, done: impl Fn(&Session) -> bool) -> Result<(), String> {
        while !done(self) {
            if self.start.elapsed() > DEADLINE {
                return Err(format!("timed out waiting for {what}"));
            }
            self.update()?;
            std::thread::sleep(Duration::from_millis(2));
        }
        Ok(())
    }

    /// Every peer's checksum at `tick` next to the host's; whether all agree.
    fn compare_at(&self, tick: Tick) -> bool {
        let Some(reference) = self.host.checksum_at(tick) else {
            println!("the host kept no checksum at tick {tick}");
            return false;
        };
        println!("checksums at tick {tick}:");
        println!("  {:<10} {reference:016x}", "host");
        let mut agree = true;
        for (name, client) in &self.clients {
            let sum = client.checksum_at(tick);
            let verdict = if sum == Some(reference) {
                ""
            } else {
                "  DIFFERS"
            };
            agree &= sum == Some(reference);
            let shown = sum.map_or("(none)".into(), |s| format!("{s:016x}"));
            println!("  {name:<10} {shown}{verdict}");
        }
        agree
    }
}

fn run(recording: &Path) -> Result<bool, String> {
    let bind: SocketAddr = "127.0.0.1:0".parse().map_err(|e| format!("{e}"))?;
    let renet = RenetHostConfig::for_game::<Gold>(bind, 8, RenetSecurity::Unsecure)
        .map_err(|e| e.to_string())?;
    let transport = RenetHostTransport::bind(&renet).map_err(|e| e.to_string())?;
    let addr = transport.local_addr();
    let config = HostConfig {
        player: Some("host".into()),
        seed: 7,
        record: Some(recording.to_path_buf()),
        ..HostConfig::default()
    };
    let host = HostSession::new(config, Board::default(), transport).map_err(|e| e.to_string())?;
    println!("hosting on {addr}");
    let clients = vec![
        ("ann", join(addr, "ann", false)?),
        ("bob", join(addr, "bob", false)?),
    ];
    let mut s = Session {
        host,
        clients,
        start: Instant::now(),
    };
    s.run_until("tick 60", |s| s.host.sealed_tick() >= Tick(60))?;
    s.clients.push(("late", join(addr, "late", false)?));
    s.run_until("tick 120", |s| s.host.sealed_tick() >= Tick(120))?;
    s.clients
        .push(("spectator", join(addr, "spectator", true)?));
    let everyone_sealed = |s: &Session| {
        s.host.sealed_tick() >= COMMON_TICK
            && s.clients
                .iter()
                .all(|(_, c)| c.sealed_tick() >= COMMON_TICK)
    };
    s.run_until("every peer to seal the common tick", everyone_sealed)?;
    let agree = s.compare_at(COMMON_TICK);
    for (_, client) in &mut s.clients {
        client.leave();
    }
    s.host
        .shutdown("the example is over")
        .map_err(|e| e.to_string())?;
    Ok(agree)
}

/// Re-simulates the recording from its start and checks every checksum in it.
fn verify(path: &Path) -> Result<bool, String> {
    let stream = RecordStream::<Gold>::open(path).map_err(|e| e.to_string())?;
    let report = verify_stream(stream, None).map_err(|e| e.to_string())?;
    println!(
        "recording: ticks {}..={}, {} commits, {} checksums checked: {}",
        report.first_tick,
        report.last_tick,
        report.commits,
        report.checked,
        if report.verified() && report.complete() {
            "verified"
        } else {
            "NOT VERIFIED"
        }
    );
    Ok(report.verified() && report.complete() && report.last_tick >= COMMON_TICK)
}

fn main() -> ExitCode {
    // Tickline reports through `tracing`: without a subscriber its warnings
    // (a desync healed, a client dropped) go nowhere.
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "warn".into()),
        )
        .init();
    let dir = std::env::temp_dir().join(format!("tickline-headless-{}", std::process::id()));
    let recording = dir.join("host.tlrec");
    let outcome = run(&recording).and_then(|agree| Ok(agree && verify(&recording)?));
    let _ = std::fs::remove_dir_all(&dir);
    match outcome {
        Ok(true) => {
            println!("every peer agrees with the host");
            ExitCode::SUCCESS
        }
        Ok(false) => {
            println!("the peers disagree");
            ExitCode::FAILURE
        }
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(2)
        }
    }
}
