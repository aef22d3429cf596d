//! `server`: a dedicated server of many Snake rooms on one UDP port, with no
//! window and no player of its own. SIGTERM or SIGINT ends it gracefully: every
//! room's recording is finished, every client is told why, exit 0.

use std::io::Write;
use std::time::{Duration, Instant};

use tickline::agones::{Agones, AgonesConfig};
use tickline::net::discovery::{DiscoveryResponder, Listing};
use tickline::net::{HostConfig, Server, ServerConfig, ServerEvent, SessionEvent};
use tickline::transport::{JoinCode, RenetHostConfig, RenetHostTransport, RenetSecurity};

use crate::cli::ServerArgs;
use crate::random_seed;
use crate::rules::{SnakeGame, SnakeWorld};

/// What every client is told when the server stops.
pub const SHUTDOWN_REASON: &str = "the server is shutting down";
/// How long a stopping server waits for its clients to hear why.
const DRAIN: Duration = Duration::from_secs(2);
/// How often the status line is printed (without `--headless`).
const STATUS_EVERY: Duration = Duration::from_secs(5);
/// The sleep between two updates: short against the tick, so that a datagram
/// waits at most this long before the server reads it.
const IDLE: Duration = Duration::from_millis(2);

type SnakeServer = Server<SnakeGame, RenetHostTransport>;

/// Runs the server until SIGTERM or SIGINT.
///
/// # Errors
///
/// One line for the user: the address cannot be bound, the signal handler or
/// the Agones client cannot be set up, the socket failed.
pub fn run(args: ServerArgs) -> Result<(), String> {
    crate::signals::install()?;
    let agones = match args.agones {
        true => Some(
            AgonesConfig::from_env()
                .and_then(Agones::start)
                .map_err(|e| e.to_string())?,
        ),
        false => None,
    };
    let code = (!args.open).then(|| args.code.clone().unwrap_or_else(JoinCode::generate));
    let mut server = bind(&args, code.as_ref())?;
    let addr = server.with_transport(RenetHostTransport::local_addr);
    println!("listening on {addr}");
    if let Some(code) = &code {
        println!("join code: {code}");
    }
    let _ = std::io::stdout().flush();
    let mut discovery = (!args.listed.no_discovery)
        .then(|| listed(&args, addr.port(), code.is_some()))
        .flatten();
    let _ = std::io::stdout().flush();
    if let Some(a) = &agones {
        a.ready();
    }
    let started = Instant::now();
    let mut last_status = Instant::now();
    while !crate::signals::stop_requested() {
        server
            .update(started.elapsed())
            .map_err(|e| format!("the server stopped: {e}"))?;
        report(&mut server, agones.as_ref());
        if let Some((responder, listing)) = &mut discovery {
            let announcement = server.announcement(listing);
            if let Err(e) = responder.poll(started.elapsed(), &announcement) {
                eprintln!("LAN discovery stopped: {e}");
                discovery = None;
            }
        }
        if !args.headless && last_status.elapsed() >= STATUS_EVERY {
            last_status = Instant::now();
            eprintln!("{}", status_line(&server));
        }
        std::thread::sleep(IDLE);
    }
    shut_down(server, started, agones)
}

/// The discovery responder and what it announces, or `None` (with a line
/// saying why) when its port cannot be bound: the server runs unlisted.
fn listed(
    args: &ServerArgs,
    game_port: u16,
    code_required: bool,
) -> Option<(DiscoveryResponder, Listing)> {
    let listing = Listing {
        name: args.game_name.clone(),
        game_port,
        code_required,
        version: env!("CARGO_PKG_VERSION").to_owned(),
    };
    match DiscoveryResponder::bind(args.listed.discovery) {
        Ok(responder) => {
            if let Ok(at) = responder.local_addr() {
                println!("answering LAN discovery on {at}");
            }
            Some((responder, listing))
        }
        Err(e) => {
            eprintln!("not listed on the LAN ({e}); players need the address");
            None
        }
    }
}

/// Binds the socket and builds the server.
fn bind(args: &ServerArgs, code: Option<&JoinCode>) -> Result<SnakeServer, String> {
    let per_room = (args.max_players + args.max_spectators) as usize;
    let slots = (args.max_rooms as usize).saturating_mul(per_room).min(1024);
    let security = code.map_or(RenetSecurity::Unsecure, RenetSecurity::code);
    let renet = RenetHostConfig::for_game::<SnakeGame>(args.bind, slots, security)
        .map_err(|e| e.to_string())?;
    let transport = RenetHostTransport::bind(&renet)
        .map_err(|e| format!("cannot listen on {}: {e}", args.bind))?;
    let config = ServerConfig {
        max_rooms: args.max_rooms as usize,
        room: HostConfig {
            tick_rate: Some(args.tick_rate),
            seed: random_seed(),
            seal_delay: 2,
            player: None,
            max_clients: args.max_players as usize,
            max_spectators: args.max_spectators as usize,
            snapshot_interval: 300,
            ..HostConfig::default()
        },
        record_dir: (!args.no_record).then(|| args.record_dir.clone()),
    };
    Server::new(config, transport, |_room: &str| SnakeWorld::default())
        .map_err(|e| format!("cannot start the server: {e}"))
}

/// Logs the server's events and tells Agones about players.
fn report(server: &mut SnakeServer, agones: Option<&Agones>) {
    for event in server.drain_events() {
        match event {
            ServerEvent::RoomOpened {
                room, recording, ..
            } => match recording {
                Some(path) => eprintln!("room {room} opened, recording to {}", path.display()),
                None => eprintln!("room {room} opened"),
            },
            ServerEvent::RoomClosed { room, sealed_tick } => {
                eprintln!("room {room} closed at tick {sealed_tick}");
            }
            ServerEvent::Room { room, event } => room_event(&room, &event, agones),
            ServerEvent::Refused { reason } => eprintln!("refused a connection: {reason}"),
            _ => {}
        }
    }
}

fn room_event(room: &str, event: &SessionEvent, agones: Option<&Agones>) {
    match event {
        SessionEvent::Joined { peer, name } => {
            eprintln!("room {room}: {name} joined");
            if let Some(a) = agones {
                a.player_connected(&format!("{room}/{}", peer.0));
            }
        }
        SessionEvent::Left { peer, name } => {
            eprintln!("room {room}: {name} left");
            if let Some(a) = agones {
                a.player_disconnected(&format!("{room}/{}", peer.0));
            }
        }
        SessionEvent::Kicked { peer, reason } => {
            eprintln!("room {room}: kicked {peer:?}: {reason}");
        }
        SessionEvent::DesyncDetected { peer, tick } => {
            eprintln!("room {room}: desync of {peer} at tick {tick}, healing");
        }
        SessionEvent::RecordingFailed { reason } => {
            eprintln!("room {room}: recording stopped: {reason}");
        }
        _ => {}
    }
}

/// `3 rooms, 6 players, 3 spectators, 12.3 kB/s out, 0.4 ms per update`.
fn status_line(server: &SnakeServer) -> String {
    let s = server.stats();
    let per_update = s.busy.as_secs_f64() * 1000.0 / s.updates.max(1) as f64;
    format!(
        "{} rooms, {} players, {} spectators; {} kB in, {} kB out; {per_update:.3} ms per update",
        s.rooms,
        s.players,
        s.spectators,
        s.bytes_in / 1000,
        s.bytes_out / 1000
    )
}

/// Tells every client why, finishes every recording, lets the reasons go out,
/// then tells Agones.
fn shut_down(
    mut server: SnakeServer,
    started: Instant,
    agones: Option<Agones>,
) -> Result<(), String> {
    eprintln!("stopping: {SHUTDOWN_REASON}");
    let rooms = server.stats().rooms;
    let finished = server.shutdown(SHUTDOWN_REASON);
    let deadline = Instant::now() + DRAIN;
    while server.connections() > 0 && Instant::now() < deadline {
        if let Err(e) = server.update(started.elapsed()) {
            eprintln!("warning: {e}");
            break;
        }
        report(&mut server, None);
        std::thread::sleep(IDLE);
    }
    if let Some(a) = agones {
        let r = a.shutdown(Duration::from_secs(3));
        if !r.shut_down {
            eprintln!("warning: the Agones sidecar did not take the shutdown");
        }
    }
    finished.map_err(|e| format!("a recording could not be finished: {e}"))?;
    eprintln!("stopped: {rooms} rooms ended, their recordings finished");
    Ok(())
}
