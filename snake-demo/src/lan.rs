//! `snake-demo lan` and `join --lan`: the LAN's Snake games, found by
//! Tickline's discovery.

use std::net::{Ipv4Addr, SocketAddr};
use std::time::{Duration, Instant};

use tickline::net::discovery::{BrowseConfig, LanBrowser, LanGame};

use crate::cli::{Discovery, LanArgs};
use crate::rules::SnakeGame;

/// How often the browser reads its socket while it waits.
const POLL_EVERY: Duration = Duration::from_millis(20);
/// How long `join --lan` looks for the game before giving up.
const FIND_FOR: Duration = Duration::from_secs(4);

fn browser(discovery: &Discovery) -> Result<LanBrowser, String> {
    let mut config = BrowseConfig::default().on_port(discovery.discovery_port);
    if !discovery.discovery_target.is_empty() {
        config = config.only(discovery.discovery_target.clone());
        if discovery
            .discovery_target
            .iter()
            .all(|t| t.ip().is_loopback())
        {
            config.bind = SocketAddr::from((Ipv4Addr::LOCALHOST, 0));
        }
    }
    LanBrowser::new::<SnakeGame>(config).map_err(|e| format!("cannot look for LAN games: {e}"))
}

/// Polls `browser` until `done` says so or `wait` passes.
fn browse(
    browser: &mut LanBrowser,
    wait: Duration,
    mut done: impl FnMut(&LanBrowser) -> bool,
) -> Result<(), String> {
    let start = Instant::now();
    while start.elapsed() < wait {
        browser
            .poll(start.elapsed())
            .map_err(|e| format!("cannot look for LAN games: {e}"))?;
        if done(browser) {
            break;
        }
        std::thread::sleep(POLL_EVERY);
    }
    Ok(())
}

fn json_line(game: &LanGame) -> String {
    let a = &game.announcement;
    serde_json::json!({
        "name": a.name,
        "addr": game.addr.to_string(),
        "players": a.players,
        "max_players": a.max_players,
        "spectators": a.spectators,
        "code_required": a.code_required,
        "tick_rate": a.tick_rate,
        "version": a.version,
        "dedicated": a.dedicated,
    })
    .to_string()
}

fn text_line(game: &LanGame) -> String {
    let a = &game.announcement;
    let kind = if a.dedicated { "server" } else { "host" };
    let code = if a.code_required {
        "code needed"
    } else {
        "open"
    };
    format!(
        "{:<24} {:<21} {}/{} players, {} watching, {code}, {} Hz, {kind} {}",
        a.name, game.addr, a.players, a.max_players, a.spectators, a.tick_rate, a.version
    )
}

/// `lan`: listens for `--wait` seconds and prints the games found.
///
/// # Errors
///
/// One line when the browser cannot open its socket or send.
pub fn run(args: LanArgs) -> Result<(), String> {
    let mut browser = browser(&args.discovery)?;
    browse(&mut browser, Duration::from_secs(args.wait), |_| false)?;
    let games = browser.games();
    if args.json {
        for game in &games {
            println!("{}", json_line(game));
        }
    } else if games.is_empty() {
        println!("no Snake games on the LAN (waited {} s)", args.wait);
    } else {
        for game in &games {
            println!("{}", text_line(game));
        }
    }
    Ok(())
}

/// The address of the LAN game called `name` (for `join --lan`).
///
/// # Errors
///
/// One line: no such game (with the names that were found), or several.
pub fn find(name: &str, discovery: &Discovery) -> Result<SocketAddr, String> {
    let mut browser = browser(discovery)?;
    browse(&mut browser, FIND_FOR, |b| {
        b.find(name).is_ok_and(|g| g.is_some())
    })?;
    match browser.find(name) {
        Ok(Some(game)) => Ok(game.addr),
        Ok(None) => {
            let names: Vec<String> = browser
                .games()
                .iter()
                .map(|g| format!("{:?}", g.announcement.name))
                .collect();
            let found = if names.is_empty() {
                "none was found".to_owned()
            } else {
                format!("found: {}", names.join(", "))
            };
            Err(format!(
                "no LAN game called {name:?} answered within {} s ({found})",
                FIND_FOR.as_secs()
            ))
        }
        Err(e) => Err(e.to_string()),
    }
}
