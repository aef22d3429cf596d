//! Building and running the app for `play`, `host` and `join`.

use std::io::Write;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bevy::app::ScheduleRunnerPlugin;
use bevy::prelude::*;
use bevy::render::view::screenshot::{Screenshot, save_to_disk};
use tickline::bevy::LanAnnouncer;
use tickline::net::discovery::Listing;
use tickline::prelude::*;
use tickline::transport::{LinkConditions, RenetStandby};

use super::bots::{Bots, run_bots};
use super::hud::HudPlugin;
use super::input::{quit_on_escape, steer};
use super::render::RenderPlugin;
use super::spectate::Delayed;
use super::{Shown, quiet_log, window_plugins};
use crate::cli::{Common, HostArgs, JoinArgs, PlayArgs};
use crate::paths::default_recording;
use crate::random_seed;
use crate::rules::{SnakeGame, SnakeWorld};
/// The sealed tick at which `--screenshot` is taken.
const SCREENSHOT_TICK: u64 = 40;
/// Most remote players a LAN host admits.
const MAX_CLIENTS: usize = 32;
/// How long a host that reached `--ticks` waits for its clients to catch up.
const DRAIN: Duration = Duration::from_secs(5);

type Session = TicklineSession<SnakeGame>;

/// Why the app stopped, readable after `App::run` (which consumes the app's world).
type Failure = Arc<Mutex<Option<String>>>;

/// When to stop, and why the app stopped.
#[derive(Resource, Default)]
struct Control {
    stop_after: Option<u64>,
    screenshot: Option<PathBuf>,
    shot_requested: bool,
    reached_at: Option<Duration>,
    failure: Option<String>,
    /// The host ended the game (a normal end for this client), in its words.
    ended: Option<String>,
    report: Failure,
}

pub(super) fn recording(common: &Common, mode: &str) -> Option<PathBuf> {
    if common.no_record {
        return None;
    }
    Some(
        common
            .record
            .clone()
            .unwrap_or_else(|| default_recording(mode)),
    )
}

fn conditions(common: &Common) -> Option<LinkConditions> {
    (common.lag_ms > 0 || common.jitter_ms > 0 || common.loss > 0.0).then(|| LinkConditions {
        latency: Duration::from_millis(common.lag_ms),
        jitter: Duration::from_millis(common.jitter_ms.min(common.lag_ms)),
        loss: common.loss / 100.0,
        seed: random_seed(),
        ..LinkConditions::default()
    })
}

fn host_config(
    common: &Common,
    name: &str,
    seed: Option<u64>,
    mode: &str,
    seal_delay: u64,
) -> HostConfig {
    HostConfig {
        tick_rate: Some(common.tick_rate),
        seed: seed.unwrap_or_else(random_seed),
        seal_delay,
        player: Some(name.to_string()),
        input_delay: 1,
        record: recording(common, mode),
        snapshot_interval: 300,
        ..HostConfig::default()
    }
}

/// How the menu hosts (and how a joined player would host after a host
/// migration): 15 Hz, a random seed, recording to `record`.
pub fn menu_host_config(name: &str, record: PathBuf) -> HostConfig {
    HostConfig {
        tick_rate: Some(15),
        seed: random_seed(),
        seal_delay: 2,
        player: Some(name.to_string()),
        input_delay: 1,
        record: Some(record),
        snapshot_interval: 300,
        ..HostConfig::default()
    }
}

pub(super) fn announce_recording(path: Option<&PathBuf>) {
    if let Some(path) = path {
        eprintln!("recording to {}", path.display());
    }
}

/// The app with what every mode needs; a window unless headless.
pub(super) fn base_app(common: &Common, title: &str) -> Result<App, String> {
    if !common.headless {
        super::require_display("run with --headless, or under xvfb-run")?;
    }
    crate::signals::install()?;
    let mut app = App::new();
    if common.headless {
        app.add_plugins((
            MinimalPlugins.set(ScheduleRunnerPlugin::run_loop(Duration::from_millis(2))),
            quiet_log(),
        ));
    } else {
        app.add_plugins(window_plugins(title, 1180, 720))
            .add_plugins((RenderPlugin, HudPlugin))
            .add_systems(Update, (steer, quit_on_escape))
            .add_systems(PreUpdate, show_session.after(TicklineSet::Receive))
            .add_systems(Last, take_screenshot);
    }
    app.add_plugins(TicklinePlugin::<SnakeGame>::default())
        .init_resource::<Bots>()
        .insert_resource(Control {
            stop_after: common.ticks,
            screenshot: common.screenshot.clone(),
            ..default()
        })
        .add_systems(Update, (run_bots, watch, crate::signals::exit_on_signal));
    Ok(app)
}

/// Shows the predicted state: copied once per new tick (the previous one kept to
/// glide from), with the tick's progress every frame.
pub fn show_session(
    session: Option<Res<Session>>,
    status: Res<TicklineStatus>,
    mut shown: ResMut<Shown>,
    delayed: Option<ResMut<Delayed>>,
    time: Res<Time<Real>>,
) {
    let Some(world) = session.as_ref().and_then(|s| s.state()) else {
        return;
    };
    match delayed {
        Some(mut delayed) => {
            if let Some(world) = delayed.push(world, time.elapsed()) {
                shown.show(world, status.tick_progress);
            }
        }
        None => shown.show(world, status.tick_progress),
    }
}

/// Stops the app: after `--ticks`, or on a failure worth one clear line.
fn watch(
    mut control: ResMut<Control>,
    status: Res<TicklineStatus>,
    session: Option<ResMut<Session>>,
    mut events: MessageReader<TicklineEvent>,
    time: Res<Time<Real>>,
    mut exit: MessageWriter<AppExit>,
    announcer: Option<Res<LanAnnouncer>>,
) {
    for TicklineEvent(event) in events.read() {
        match event {
            SessionEvent::Rejected {
                reason: reason @ Rejection::ServerFull,
            } => control.failure = Some(reason.to_string()),
            SessionEvent::Rejected { reason } => {
                control.failure = Some(format!("the host refused to let us in: {reason}"))
            }
            SessionEvent::Kicked {
                reason: KickReason::SessionEnded(why),
                ..
            } if matches!(status.state, TicklineState::Client(_)) => {
                control.ended = Some(why.clone());
            }
            SessionEvent::Kicked { reason, .. }
                if matches!(status.state, TicklineState::Client(_)) =>
            {
                control.failure = Some(format!("the host disconnected us: {reason}"));
            }
            SessionEvent::RecordingFailed { reason } => {
                eprintln!("warning: recording stopped: {reason}")
            }
            SessionEvent::HostLost { reason } => {
                eprintln!("lost the host ({reason}); following the game to the next host");
            }
            SessionEvent::HostChanged { name, tick, .. } => {
                eprintln!("{name} hosts the game now, from sealed tick {tick}");
                // This player took over: listed on the LAN as the old host was.
                if let Some(at) = announcer.as_ref().and_then(|a| a.local_addr().ok())
                    && status.state == TicklineState::Hosting
                {
                    println!("answering LAN discovery on {at}");
                }
            }
            // Whoever runs a host sees who comes and goes.
            SessionEvent::Joined { name, .. } if status.state == TicklineState::Hosting => {
                println!("{name} joined");
            }
            SessionEvent::Left { name, .. } if status.state == TicklineState::Hosting => {
                println!("{name} left");
            }
            _ => {}
        }
    }
    if let Some(why) = control.ended.take() {
        eprintln!(
            "the game ended at sealed tick {}: {why}",
            status.sealed_tick
        );
        exit.write(AppExit::Success);
        return;
    }
    if let TicklineState::Client(ClientStatus::Stopped(why)) = &status.state
        && control.failure.is_none()
    {
        control.failure = Some(why.clone());
    }
    if let Some(why) = &control.failure {
        if let Ok(mut slot) = control.report.lock() {
            slot.get_or_insert_with(|| why.clone());
        }
        exit.write(AppExit::error());
        return;
    }
    let Some(n) = control.stop_after else { return };
    let Some(mut session) = session else { return };
    if status.sealed_tick < Tick(n) {
        return;
    }
    let reached = *control.reached_at.get_or_insert(time.elapsed());
    // A host waits (a little) until its clients hold tick N as well.
    let clients_done = session.as_host_mut().is_none_or(|host| {
        host.peers()
            .iter()
            .filter(|p| p.remote && p.connected)
            .all(|p| p.acked.is_some_and(|t| t >= Tick(n)))
    });
    if clients_done || time.elapsed() - reached > DRAIN {
        if let Some(sum) = session.sealed_checksum() {
            eprintln!(
                "stopped after sealed tick {}, checksum {sum:016x}, rollbacks {}",
                status.sealed_tick, status.stats.rollbacks
            );
        }
        exit.write(AppExit::Success);
    }
}

/// `--screenshot`: one capture at the screenshot tick, then exit once it is saved.
fn take_screenshot(
    mut commands: Commands,
    mut control: ResMut<Control>,
    shown: Res<Shown>,
    mut exit: MessageWriter<AppExit>,
) {
    let Some(path) = control.screenshot.clone() else {
        return;
    };
    if control.shot_requested {
        if std::fs::metadata(&path).is_ok_and(|m| m.len() > 0) {
            exit.write(AppExit::Success);
        }
        return;
    }
    if shown
        .world
        .as_ref()
        .is_some_and(|w| w.tick >= SCREENSHOT_TICK)
    {
        control.shot_requested = true;
        let _ = std::fs::remove_file(&path);
        commands
            .spawn(Screenshot::primary_window())
            .observe(save_to_disk(path));
    }
}

/// Runs the app; `Err` with one line when it stopped on a failure.
pub(super) fn finish(mut app: App) -> Result<(), String> {
    let report = app
        .world()
        .get_resource::<Control>()
        .map(|c| c.report.clone())
        .unwrap_or_default();
    let exit = app.run();
    let failure = report.lock().ok().and_then(|mut f| f.take());
    match (exit, failure) {
        (_, Some(why)) => Err(why),
        (AppExit::Success, None) => Ok(()),
        (AppExit::Error(code), None) => Err(format!("the game stopped with status {code}")),
    }
}

fn bot_names(n: u32) -> Vec<String> {
    (1..=n).map(|i| format!("bot {i}")).collect()
}

/// Starts the session in the app's world (before it runs).
pub(super) fn start(
    app: &mut App,
    start: StartSession<SnakeGame>,
) -> Result<Option<std::net::SocketAddr>, SessionError> {
    start.start(app.world_mut())
}

/// `play`: a local match against bots.
///
/// # Errors
///
/// One line for the user when the session cannot start.
pub fn run_play(args: PlayArgs) -> Result<(), String> {
    let config = host_config(&args.common, &args.name, args.seed, "play", 1);
    announce_recording(config.record.as_ref());
    let mut app = base_app(&args.common, "Tickline Snake")?;
    let session =
        StartSession::local(config, SnakeWorld::default()).with_bots(bot_names(args.bots));
    start(&mut app, session).map_err(|e| format!("cannot start the game: {e}"))?;
    app.insert_resource(Bots::new(false));
    finish(app)
}

/// `host`: serve a LAN game over UDP and play in it.
///
/// # Errors
///
/// One line for the user, e.g. when the address is in use.
pub fn run_host(args: HostArgs) -> Result<(), String> {
    let config = host_config(&args.common, &args.name, args.seed, "host", 2);
    announce_recording(config.record.as_ref());
    let mut app = base_app(&args.common, "Tickline Snake — host")?;
    // A join code by default: strangers on the network can neither join nor hold
    // a slot. `--open` allows keyless play.
    let code = (!args.open).then(|| args.code.clone().unwrap_or_else(JoinCode::generate));
    let security = code
        .as_ref()
        .map_or(RenetSecurity::Unsecure, RenetSecurity::code);
    let renet = RenetHostConfig::for_game::<SnakeGame>(args.bind, MAX_CLIENTS, security)
        .map_err(|e| e.to_string())?;
    let mut session =
        StartSession::host(config, SnakeWorld::default(), renet).with_bots(bot_names(args.bots));
    if let Some(c) = conditions(&args.common) {
        session = session.conditioned(c);
    }
    let addr = start(&mut app, session)
        .map_err(|e| format!("cannot listen on {}: {e}", args.bind))?
        .ok_or("a host listens")?;
    println!("listening on {addr}");
    if let Some(code) = &code {
        println!("join code: {code}");
    }
    if !args.listed.no_discovery {
        answer_discovery(&mut app, &args, addr.port(), code.is_some());
    }
    let _ = std::io::stdout().flush();
    app.insert_resource(Bots::new(false));
    finish(app)
}

/// Lists the hosted game on the LAN (a failure only loses the listing).
fn answer_discovery(app: &mut App, args: &HostArgs, game_port: u16, code_required: bool) {
    let listing = Listing {
        name: args
            .game_name
            .clone()
            .unwrap_or_else(|| format!("{}'s game", args.name)),
        game_port,
        code_required,
        version: env!("CARGO_PKG_VERSION").to_owned(),
    };
    match LanAnnouncer::bind(args.listed.discovery, listing) {
        Ok(announcer) => {
            if let Ok(at) = announcer.local_addr() {
                println!("answering LAN discovery on {at}");
            }
            app.insert_resource(announcer);
        }
        Err(e) => eprintln!("not listed on the LAN ({e}); players need the address"),
    }
}

/// The port a client would host on if its host goes (`None`: it only follows
/// the game to the next host).
pub(super) fn standby(
    bind: Option<std::net::SocketAddr>,
    code: Option<JoinCode>,
) -> Result<RenetStandby, String> {
    let protocol_id = tickline::model::GameIdentity::of::<SnakeGame>()
        .map_err(|e| e.to_string())?
        .protocol_id();
    match bind {
        Some(bind) => RenetStandby::bind(bind, protocol_id, code, MAX_CLIENTS)
            .map_err(|e| format!("cannot keep a standby port on {bind}: {e}")),
        None => Ok(RenetStandby::follow_only(protocol_id, code)),
    }
}

/// `join --inject-desync`: the first snake's score jumps by 1000 on this peer only.
fn inject_desync(app: &mut App, tick: Tick) {
    let mut session = app.world_mut().resource_mut::<Session>();
    if let Some(client) = session.as_client_mut() {
        eprintln!("debugging demonstration: this peer's state will be corrupted at tick {tick}");
        client.inject_desync(tick, |world: &mut SnakeWorld| {
            if let Some(snake) = world.snakes.first_mut() {
                snake.score = snake.score.saturating_add(1000);
            }
        });
    }
}

/// `join`: play in a game hosted on the LAN.
///
/// # Errors
///
/// One line for the user: host unreachable, version mismatch, kicked.
pub fn run_join(args: JoinArgs) -> Result<(), String> {
    let (addr, shown) = match (&args.lan, &args.addr) {
        (Some(name), _) => {
            let addr = crate::lan::find(name, &args.discovery)?;
            println!("found {name:?} at {addr}");
            (addr, addr.to_string())
        }
        (None, Some(given)) => (resolve(given).map_err(|e| e.to_string())?, given.clone()),
        (None, None) => return Err("give the host's address or --lan NAME".into()),
    };
    let config = ClientConfig {
        name: args.name.clone(),
        room: args.room.clone(),
        timeline: TimelineConfig {
            input_delay: 1,
            max_prediction: 30,
            ..TimelineConfig::default()
        },
        give_up_after: Duration::from_secs(10),
        record: recording(&args.common, "join"),
        snapshot_interval: 300,
        ..ClientConfig::default()
    };
    announce_recording(config.record.as_ref());
    let mut app = base_app(&args.common, "Tickline Snake — client")?;
    let renet = RenetClientConfig::for_game::<SnakeGame>(addr, args.code.as_ref())
        .map_err(|e| e.to_string())?;
    let mut session = StartSession::join(config, renet);
    if let Some(c) = conditions(&args.common) {
        session = session.conditioned(c);
    }
    session = session.with_standby(
        standby(
            (!args.no_migration).then_some(args.standby),
            args.code.clone(),
        )?,
        host_config(&args.common, &args.name, None, "join", 2),
    );
    if !args.listed.no_discovery {
        let listing = Listing {
            name: format!("{}'s game", args.name),
            game_port: 0,
            code_required: args.code.is_some(),
            version: env!("CARGO_PKG_VERSION").to_owned(),
        };
        session = session.listed_when_hosting(args.listed.discovery, listing);
    }
    start(&mut app, session).map_err(|e| format!("cannot connect to {addr}: {e}"))?;
    if let Some(tick) = args.inject_desync {
        inject_desync(&mut app, Tick(tick));
    }
    app.insert_resource(Bots::new(args.bot));
    finish(app).map_err(|e| {
        // Only for a client that never got in: one that lost its host says so.
        let hint = if args.code.is_none() && e.starts_with("could not reach the host") {
            "; if the host printed a join code, pass it with --code"
        } else {
            ""
        };
        format!("{e} (host {shown}){hint}")
    })
}
