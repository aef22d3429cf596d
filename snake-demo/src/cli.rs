//! The command line.

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};
use tickline::transport::JoinCode;

/// Multiplayer Snake on Tickline: play against bots, host or join a game over a
/// LAN, and replay, verify or bisect recorded sessions.
#[derive(Parser, Debug)]
#[command(name = "snake-demo", version, about, long_about = None)]
pub struct Cli {
    /// What to do (default: `menu`).
    #[command(subcommand)]
    pub command: Option<Command>,
}

/// The subcommands.
#[derive(Subcommand, Debug)]
pub enum Command {
    /// Open the main menu in a window (the default): play, host, join from the
    /// LAN list, watch, replays.
    Menu(MenuArgs),
    /// Play locally against bots at once.
    Play(PlayArgs),
    /// Host a game on the LAN (and play in it).
    Host(HostArgs),
    /// Join a game hosted on the LAN, or a room of a server.
    Join(JoinArgs),
    /// List the LAN's Snake games (those this build can join).
    Lan(LanArgs),
    /// Run a dedicated server: many rooms on one UDP port, no player of its own.
    Server(ServerArgs),
    /// Watch a game as a spectator (no player slot, no moves).
    Watch(WatchArgs),
    /// Open a recording in the replay viewer, or verify it with --verify.
    Replay(ReplayArgs),
    /// Find the first tick at which two recordings of one session diverge, and
    /// which fields differ (exit 0: they agree, 1: they diverge, 2: error).
    Bisect(BisectArgs),
    /// Print a recording's sealed log and events.
    Log(LogArgs),
}

/// Flags common to play, host and join.
#[derive(Args, Debug, Clone)]
pub struct Common {
    /// Run without a window (with `join --bot`, a client plays by itself).
    #[arg(long)]
    pub headless: bool,
    /// Stop cleanly after sealed tick N and exit 0.
    #[arg(long, value_name = "N")]
    pub ticks: Option<u64>,
    /// Write the recording to PATH (default: recordings/snake-TIME-MODE.tlrec).
    #[arg(long, value_name = "PATH", conflicts_with = "no_record")]
    pub record: Option<PathBuf>,
    /// Do not record the session.
    #[arg(long)]
    pub no_record: bool,
    /// Simulation ticks per second (the host's rate is the game's rate).
    #[arg(long, value_name = "HZ", default_value_t = 15, value_parser = clap::value_parser!(u32).range(1..=240))]
    pub tick_rate: u32,
    /// Link conditioner: one-way delay added to this peer's traffic, in ms (no
    /// effect in local play, which has no network).
    #[arg(long, value_name = "MS", default_value_t = 0)]
    pub lag_ms: u64,
    /// Link conditioner: random variation of that delay, ± ms.
    #[arg(long, value_name = "MS", default_value_t = 0)]
    pub jitter_ms: u64,
    /// Link conditioner: percentage of unreliable packets lost (0-100).
    #[arg(long, value_name = "PCT", default_value_t = 0.0, value_parser = percent)]
    pub loss: f64,
    /// Save a screenshot of the window to PATH once the game is running (tick 40),
    /// then exit 0.
    #[arg(long, value_name = "PATH")]
    pub screenshot: Option<PathBuf>,
}

/// `menu`.
#[derive(Args, Debug, Clone)]
pub struct MenuArgs {
    /// Your name (editable in the menu).
    #[arg(long, value_name = "NAME", default_value = "player")]
    pub name: String,
    /// UDP address a game hosted from the menu listens on.
    #[arg(long, value_name = "ADDR", default_value = "0.0.0.0:5000")]
    pub bind: SocketAddr,
    /// Where a game hosted from the menu answers LAN discovery.
    #[arg(long, value_name = "ADDR", default_value = "0.0.0.0:5001")]
    pub discovery: SocketAddr,
    /// The discovery port the LAN list asks on.
    #[arg(long, value_name = "PORT", default_value_t = tickline::net::discovery::DEFAULT_DISCOVERY_PORT)]
    pub discovery_port: u16,
    /// Where F12 saves screenshots.
    #[arg(long, value_name = "DIR", default_value = "screenshots")]
    pub screenshot_dir: PathBuf,
}

/// `play`.
#[derive(Args, Debug, Clone)]
pub struct PlayArgs {
    /// Number of bot opponents.
    #[arg(long, value_name = "N", default_value_t = 3, value_parser = clap::value_parser!(u32).range(0..=16))]
    pub bots: u32,
    /// Session seed (food placement, spawn points); random when not given.
    #[arg(long, value_name = "S")]
    pub seed: Option<u64>,
    /// Your name on the scoreboard.
    #[arg(long, value_name = "NAME", default_value = "you")]
    pub name: String,
    /// Options shared by play, host and join.
    #[command(flatten)]
    pub common: Common,
}

/// `host`.
#[derive(Args, Debug, Clone)]
pub struct HostArgs {
    /// UDP address to listen on (open this port on the host's firewall).
    #[arg(long, value_name = "ADDR", default_value = "0.0.0.0:5000")]
    pub bind: SocketAddr,
    /// Bots run by the host.
    #[arg(long, value_name = "N", default_value_t = 0, value_parser = clap::value_parser!(u32).range(0..=16))]
    pub bots: u32,
    /// Your name on the scoreboard.
    #[arg(long, value_name = "NAME", default_value = "host")]
    pub name: String,
    /// Session seed; random when not given.
    #[arg(long, value_name = "S")]
    pub seed: Option<u64>,
    /// The join code players must give (default: a fresh random one, printed
    /// as `join code: XXXX-XXXX`).
    #[arg(long, value_name = "CODE", conflicts_with = "open", value_parser = join_code)]
    pub code: Option<JoinCode>,
    /// Let anyone on the network join, without a join code.
    #[arg(long)]
    pub open: bool,
    /// The game's name in players' LAN lists (default: "NAME's game").
    #[arg(long, value_name = "TEXT", value_parser = game_name)]
    pub game_name: Option<String>,
    /// Whether and where to answer LAN discovery.
    #[command(flatten)]
    pub listed: Listed,
    /// Options shared by play, host and join.
    #[command(flatten)]
    pub common: Common,
}

/// How `host` and `server` answer LAN discovery.
#[derive(Args, Debug, Clone)]
pub struct Listed {
    /// Answer LAN discovery on this UDP address (shared with other hosts on
    /// this machine).
    #[arg(
        long,
        value_name = "ADDR",
        default_value = "0.0.0.0:5001",
        conflicts_with = "no_discovery"
    )]
    pub discovery: SocketAddr,
    /// Do not answer LAN discovery (players then need the address).
    #[arg(long)]
    pub no_discovery: bool,
}

/// Where `lan` and `join --lan` look for games.
#[derive(Args, Debug, Clone)]
pub struct Discovery {
    /// The discovery port hosts answer on.
    #[arg(long, value_name = "PORT", default_value_t = tickline::net::discovery::DEFAULT_DISCOVERY_PORT)]
    pub discovery_port: u16,
    /// Ask this host's discovery address directly instead of the LAN's
    /// broadcast address (repeatable; for a host behind a router).
    #[arg(long, value_name = "ADDR")]
    pub discovery_target: Vec<SocketAddr>,
}

/// `lan`.
#[derive(Args, Debug, Clone)]
pub struct LanArgs {
    /// Listen for answers this many seconds (1-60).
    #[arg(long, value_name = "S", default_value_t = 3, value_parser = clap::value_parser!(u64).range(1..=60))]
    pub wait: u64,
    /// One JSON object per game per line (`name`, `addr`, `players`,
    /// `max_players`, `spectators`, `code_required`, `tick_rate`, `version`,
    /// `dedicated`).
    #[arg(long)]
    pub json: bool,
    /// Where to look.
    #[command(flatten)]
    pub discovery: Discovery,
}

/// `join`.
#[derive(Args, Debug, Clone)]
pub struct JoinArgs {
    /// The host: `NAME:PORT` or `ADDRESS:PORT`, e.g. `mybox.lan:5000`,
    /// `localhost:5000` or `192.168.1.20:5000` (or give `--lan NAME`).
    #[arg(value_name = "ADDR", value_parser = host_port, required_unless_present = "lan")]
    pub addr: Option<String>,
    /// Join the LAN game of this name (as `snake-demo lan` lists it) instead
    /// of an address.
    #[arg(long, value_name = "NAME", conflicts_with = "addr")]
    pub lan: Option<String>,
    /// Where `--lan` looks.
    #[command(flatten)]
    pub discovery: Discovery,
    /// Your name on the scoreboard.
    #[arg(long, value_name = "NAME", default_value = "guest")]
    pub name: String,
    /// Let a bot steer your snake.
    #[arg(long)]
    pub bot: bool,
    /// The join code the host printed (not needed for a host started with --open).
    #[arg(long, value_name = "CODE", value_parser = join_code)]
    pub code: Option<JoinCode>,
    /// On a server: the room to play in (created on first join; default `main`).
    #[arg(long, value_name = "NAME", default_value = "", value_parser = room_name)]
    pub room: String,
    /// Debugging demonstration: corrupt one field of this peer's state (the first
    /// snake's score) just before tick N is sealed, as a non-deterministic bug
    /// would. Watch the host detect the desync and heal this peer, then run
    /// `bisect` on the two recordings to see the tick and the field named.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..))]
    pub inject_desync: Option<u64>,
    /// Host migration: the UDP address this player would host the game on if
    /// its host goes (port 0 picks a free one; open it on the firewall).
    #[arg(
        long,
        value_name = "ADDR",
        default_value = "0.0.0.0:0",
        conflicts_with = "no_migration"
    )]
    pub standby: std::net::SocketAddr,
    /// Never host the game if the host goes (this player still follows it to
    /// the next host).
    #[arg(long)]
    pub no_migration: bool,
    /// Whether and where to answer LAN discovery if this player takes the
    /// game over as its host.
    #[command(flatten)]
    pub listed: Listed,
    /// Options shared by play, host and join.
    #[command(flatten)]
    pub common: Common,
}

/// `server`.
#[derive(Args, Debug, Clone)]
pub struct ServerArgs {
    /// UDP address to listen on.
    #[arg(long, value_name = "ADDR", default_value = "0.0.0.0:5000")]
    pub bind: SocketAddr,
    /// Most rooms at once.
    #[arg(long, value_name = "N", default_value_t = 64, value_parser = clap::value_parser!(u32).range(1..=1024))]
    pub max_rooms: u32,
    /// Most players per room.
    #[arg(long, value_name = "N", default_value_t = 8, value_parser = clap::value_parser!(u32).range(1..=64))]
    pub max_players: u32,
    /// Most spectators per room.
    #[arg(long, value_name = "N", default_value_t = 8, value_parser = clap::value_parser!(u32).range(0..=64))]
    pub max_spectators: u32,
    /// Simulation ticks per second in every room.
    #[arg(long, value_name = "HZ", default_value_t = 15, value_parser = clap::value_parser!(u32).range(1..=240))]
    pub tick_rate: u32,
    /// Each room records to DIR/NAME-YYYYMMDD-HHMMSS.tlrec.
    #[arg(
        long,
        value_name = "DIR",
        default_value = "recordings",
        conflicts_with = "no_record"
    )]
    pub record_dir: PathBuf,
    /// Do not record the rooms.
    #[arg(long)]
    pub no_record: bool,
    /// A fixed join code (default: a new one, printed at start).
    #[arg(long, value_name = "CODE", conflicts_with = "open", value_parser = join_code)]
    pub code: Option<JoinCode>,
    /// Let anyone on the network join, without a join code.
    #[arg(long)]
    pub open: bool,
    /// Report to the Agones SDK sidecar (AGONES_SDK_HTTP_PORT, default 9358):
    /// ready, health, players, shutdown.
    #[arg(long)]
    pub agones: bool,
    /// Log events only (for a container); without it, a status line of the
    /// rooms is printed every few seconds as well.
    #[arg(long)]
    pub headless: bool,
    /// The server's name in players' LAN lists.
    #[arg(long, value_name = "TEXT", default_value = "Snake server", value_parser = game_name)]
    pub game_name: String,
    /// Whether and where to answer LAN discovery.
    #[command(flatten)]
    pub listed: Listed,
}

/// `watch`.
#[derive(Args, Debug, Clone)]
pub struct WatchArgs {
    /// The host or server: `NAME:PORT` or `ADDRESS:PORT`.
    #[arg(value_name = "ADDR", value_parser = host_port)]
    pub addr: String,
    /// On a server: the room to watch (default `main`).
    #[arg(long, value_name = "NAME", default_value = "", value_parser = room_name)]
    pub room: String,
    /// The join code the host or server printed.
    #[arg(long, value_name = "CODE", value_parser = join_code)]
    pub code: Option<JoinCode>,
    /// Show the game this many seconds behind (0-30).
    #[arg(long, value_name = "S", default_value_t = 0, value_parser = clap::value_parser!(u64).range(0..=30))]
    pub delay: u64,
    /// The spectator's name (in the server's log).
    #[arg(long, value_name = "NAME", default_value = "spectator")]
    pub name: String,
    /// Options shared with play, host and join (--headless, --ticks, --record...).
    #[command(flatten)]
    pub common: Common,
}

/// `replay`.
#[derive(Args, Debug, Clone)]
pub struct ReplayArgs {
    /// The recording (.tlrec).
    #[arg(value_name = "PATH")]
    pub path: PathBuf,
    /// Re-simulate headless and check every recorded checksum. Exit 0: complete
    /// and verified; 1: a checksum differs; 3: the file is damaged (the ticks
    /// before the damage verified).
    #[arg(long)]
    pub verify: bool,
    /// Stop at tick N (verify: report the checksum at N; viewer: open at N).
    #[arg(long, value_name = "N")]
    pub to_tick: Option<u64>,
    /// With --verify, print exactly one JSON object on stdout.
    #[arg(long, requires = "verify")]
    pub json: bool,
    /// Viewer: save a screenshot of the window to PATH once it is drawn, then exit 0.
    #[arg(long, value_name = "PATH", conflicts_with = "verify")]
    pub screenshot: Option<PathBuf>,
}

/// `bisect`.
#[derive(Args, Debug, Clone)]
pub struct BisectArgs {
    /// The first recording.
    #[arg(value_name = "PATH_A")]
    pub a: PathBuf,
    /// The second recording (of the same session).
    #[arg(value_name = "PATH_B")]
    pub b: PathBuf,
    /// Print one JSON object on stdout.
    #[arg(long)]
    pub json: bool,
}

/// `log`.
#[derive(Args, Debug, Clone)]
pub struct LogArgs {
    /// The recording (.tlrec).
    #[arg(value_name = "PATH")]
    pub path: PathBuf,
    /// One JSON object per line: a header, each commit and event, and an end line.
    #[arg(long)]
    pub json: bool,
}

fn join_code(s: &str) -> Result<JoinCode, String> {
    JoinCode::parse(s).map_err(|e| e.to_string())
}

/// `HOST:PORT` in form only (the name is looked up when joining): a
/// malformed address is a usage error, an unknown name a runtime one.
fn host_port(s: &str) -> Result<String, String> {
    if s.parse::<std::net::SocketAddr>().is_ok() {
        return Ok(s.to_owned());
    }
    let (host, port) = s
        .rsplit_once(':')
        .ok_or_else(|| format!("{s:?} is not HOST:PORT (e.g. localhost:5000)"))?;
    let host_ok = !host.is_empty()
        && host
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '.' || c == '_');
    if !host_ok {
        return Err(format!("{host:?} is not a host name or address"));
    }
    match port.parse::<u16>() {
        Ok(p) if p > 0 => Ok(s.to_owned()),
        _ => Err(format!("{port:?} is not a port (1..=65535)")),
    }
}

fn game_name(s: &str) -> Result<String, String> {
    let limit = tickline::net::protocol::MAX_NAME_CHARS;
    if s.trim().is_empty() || s.chars().count() > limit || s.chars().any(char::is_control) {
        return Err(format!("a game name is 1 to {limit} printable characters"));
    }
    Ok(s.to_owned())
}

fn room_name(s: &str) -> Result<String, String> {
    if tickline::net::protocol::valid_room(s) {
        Ok(s.to_owned())
    } else {
        Err("a room name is letters, digits, '-' and '_' (at most 32)".into())
    }
}

fn percent(s: &str) -> Result<f64, String> {
    let v: f64 = s.parse().map_err(|_| format!("{s:?} is not a number"))?;
    if (0.0..=100.0).contains(&v) {
        Ok(v)
    } else {
        Err(format!("{v} is not between 0 and 100"))
    }
}
