//! What the menu starts: a local game, a hosted one, a joined or watched one,
//! the replay viewer. Each runs in the menu's own app (the viewer in its own
//! window), and leaving a game comes back to the menu.

use std::net::SocketAddr;
use std::time::Duration;

use bevy::prelude::*;
use tickline::bevy::LanAnnouncer;
use tickline::net::discovery::Listing;
use tickline::prelude::*;
use tickline::transport::{JoinCode, RenetStandby};

use crate::app::bots::Bots;
use crate::app::{Shown, menu_host_config};
use crate::paths::default_recording;
use crate::rules::{SnakeGame, SnakeWorld};

use super::{Menu, MenuConfig};

/// Most remote players a host started from the menu admits.
const MAX_CLIENTS: usize = 32;

fn bot_names(n: u32) -> Vec<String> {
    (1..=n).map(|i| format!("bot {i}")).collect()
}

/// A local game against the menu's number of bots.
pub fn play(world: &mut World) {
    let (name, bots) = {
        let menu = world.resource::<Menu>();
        (menu.name.clone(), menu.bots.max(1))
    };
    let config = menu_host_config(&name, default_recording("play"));
    let session =
        StartSession::<SnakeGame>::local(config, SnakeWorld::default()).with_bots(bot_names(bots));
    let result = session.start(world).map(drop).map_err(|e| e.to_string());
    started(world, result);
}

/// Hosts a LAN game with the menu's options, listed on the LAN.
pub fn host(world: &mut World) {
    let (name, bots, open, bind, discovery) = {
        let menu = world.resource::<Menu>();
        let config = world.resource::<MenuConfig>();
        (
            menu.name.clone(),
            menu.bots,
            menu.open,
            config.bind,
            config.discovery,
        )
    };
    let code = (!open).then(JoinCode::generate);
    let security = code
        .as_ref()
        .map_or(RenetSecurity::Unsecure, RenetSecurity::code);
    let renet = match RenetHostConfig::for_game::<SnakeGame>(bind, MAX_CLIENTS, security) {
        Ok(renet) => renet,
        Err(e) => return started(world, Err(e.to_string())),
    };
    let config = menu_host_config(&name, default_recording("host"));
    let session = StartSession::<SnakeGame>::host(config, SnakeWorld::default(), renet)
        .with_bots(bot_names(bots));
    let addr = match session.start(world) {
        Ok(Some(addr)) => addr,
        Ok(None) => return started(world, Err("the host did not listen".into())),
        Err(e) => return started(world, Err(format!("cannot listen on {bind}: {e}"))),
    };
    println!("listening on {addr}");
    let banner = match &code {
        Some(code) => {
            println!("join code: {code}");
            format!("JOIN CODE  {code}   (port {})", addr.port())
        }
        None => format!("OPEN GAME   (port {})", addr.port()),
    };
    let listing = Listing {
        name: format!("{name}'s game"),
        game_port: addr.port(),
        code_required: code.is_some(),
        version: env!("CARGO_PKG_VERSION").to_owned(),
    };
    match LanAnnouncer::bind(discovery, listing) {
        Ok(announcer) => {
            world.insert_resource(announcer);
        }
        Err(e) => eprintln!("not listed on the LAN ({e}); players need the address"),
    }
    world.resource_mut::<Menu>().hosting = Some(banner);
    started(world, Ok(()));
}

/// Joins (or watches) the game at `addr` with the typed code, if any.
pub fn join(world: &mut World, addr: SocketAddr, spectate: bool) {
    let (name, code) = {
        let menu = world.resource::<Menu>();
        (menu.name.clone(), menu.code.trim().to_owned())
    };
    let code = match code.is_empty() {
        true => None,
        false => match JoinCode::parse(&code) {
            Ok(code) => Some(code),
            Err(e) => return started(world, Err(format!("that join code: {e}"))),
        },
    };
    let mode = if spectate { "watch" } else { "join" };
    let config = ClientConfig {
        name: name.clone(),
        spectate,
        timeline: TimelineConfig {
            input_delay: 1,
            max_prediction: 30,
            ..TimelineConfig::default()
        },
        give_up_after: Duration::from_secs(10),
        record: Some(default_recording(mode)),
        snapshot_interval: 300,
        ..ClientConfig::default()
    };
    let renet = match RenetClientConfig::for_game::<SnakeGame>(addr, code.as_ref()) {
        Ok(renet) => renet,
        Err(e) => return started(world, Err(e.to_string())),
    };
    let protocol_id = renet.protocol_id;
    let code_required = code.is_some();
    let standby = match spectate {
        true => Ok(RenetStandby::follow_only(protocol_id, code)),
        false => RenetStandby::bind(
            SocketAddr::from(([0, 0, 0, 0], 0)),
            protocol_id,
            code,
            MAX_CLIENTS,
        ),
    };
    let standby = match standby {
        Ok(s) => s,
        Err(e) => return started(world, Err(format!("cannot keep a standby port: {e}"))),
    };
    let host = menu_host_config(&name, default_recording(mode));
    let listing = Listing {
        name: format!("{name}'s game"),
        game_port: 0,
        code_required,
        version: env!("CARGO_PKG_VERSION").to_owned(),
    };
    let discovery = world.resource::<MenuConfig>().discovery;
    let session = StartSession::<SnakeGame>::join(config, renet)
        .with_standby(standby, host)
        .listed_when_hosting(discovery, listing);
    let result = session
        .start(world)
        .map(drop)
        .map_err(|e| format!("cannot connect to {addr}: {e}"));
    started(world, result);
}

/// After a session started (or did not): into the game, or back with a message.
fn started(world: &mut World, result: Result<(), String>) {
    match result {
        Ok(()) => {
            world.insert_resource(Bots::new(false));
            world.insert_resource(Shown::default());
            world
                .resource_mut::<Menu>()
                .open_screen(super::Screen::Playing);
        }
        Err(e) => {
            let mut menu = world.resource_mut::<Menu>();
            menu.message = Some(e);
            menu.rebuild = true;
        }
    }
}

/// Leaves the running game (goodbye said, recording finished) and comes back
/// to the main screen, with `why` if the game ended on its own.
pub fn leave(world: &mut World, why: Option<String>) {
    StopSession::<SnakeGame>::stop(world);
    world.remove_resource::<LanAnnouncer>();
    world.insert_resource(Shown::default());
    let mut menu = world.resource_mut::<Menu>();
    menu.hosting = None;
    menu.message = why;
    menu.open_screen(super::Screen::Main);
}

/// Opens a recording in the replay viewer, in a window of its own.
pub fn replay(path: &std::path::Path) -> Result<(), String> {
    let exe = std::env::current_exe().map_err(|e| e.to_string())?;
    std::process::Command::new(exe)
        .arg("replay")
        .arg(path)
        .spawn()
        .map(drop)
        .map_err(|e| format!("cannot open the viewer: {e}"))
}
