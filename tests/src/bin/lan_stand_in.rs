//! A stand-in for LAN games and players in discovery tests: `answer` answers
//! LAN discovery for a while as a game of the Arena reference game (or, with
//! `--schema-offset` or `--game-id`, as another build or another game);
//! `browse` lists the Arena games it finds, one `NAME at ADDR` line each.
//! Run inside network namespaces by the tests (`ip netns exec`).

use std::process::ExitCode;
use std::time::{Duration, Instant};

use clap::{Parser, Subcommand};
use tickline::model::Game;
use tickline::net::discovery::{
    Announcement, BrowseConfig, DEFAULT_DISCOVERY_PORT, DiscoveryResponder, LanBrowser,
};
use tickline::testing::arena::ArenaGame;

/// Answer or browse LAN discovery.
#[derive(Parser, Debug)]
#[command(name = "lan-stand-in")]
struct Args {
    #[command(subcommand)]
    command: Mode,
}

#[derive(Subcommand, Debug)]
enum Mode {
    /// Answer discovery on the default port, printing `answering` once bound.
    Answer {
        /// The game's name in the lists.
        #[arg(long)]
        name: String,
        /// Announce this much added to the Arena game's schema hash (another build).
        #[arg(long, default_value_t = 0)]
        schema_offset: u64,
        /// Announce another game id.
        #[arg(long)]
        game_id: Option<String>,
        /// How long to answer.
        #[arg(long, default_value_t = 20)]
        seconds: u64,
    },
    /// List the Arena games found within the time given.
    Browse {
        /// How long to look.
        #[arg(long, default_value_t = 3)]
        seconds: u64,
    },
}

fn main() -> ExitCode {
    let result = match Args::parse().command {
        Mode::Answer {
            name,
            schema_offset,
            game_id,
            seconds,
        } => answer(name, schema_offset, game_id, seconds),
        Mode::Browse { seconds } => browse(seconds),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

fn answer(name: String, offset: u64, game_id: Option<String>, seconds: u64) -> Result<(), String> {
    let schema = ArenaGame::schema_hash().map_err(|e| e.to_string())?;
    let announcement = Announcement {
        game_id: game_id.unwrap_or_else(|| ArenaGame::ID.to_owned()),
        schema_hash: schema.wrapping_add(offset),
        name,
        game_port: 5000,
        players: 1,
        max_players: 8,
        spectators: 0,
        code_required: false,
        tick_rate: 30,
        version: "stand-in".into(),
        dedicated: false,
    };
    let addr = std::net::SocketAddr::from(([0, 0, 0, 0], DEFAULT_DISCOVERY_PORT));
    let mut responder = DiscoveryResponder::bind(addr).map_err(|e| e.to_string())?;
    println!("answering");
    let start = Instant::now();
    while start.elapsed() < Duration::from_secs(seconds) {
        responder
            .poll(start.elapsed(), &announcement)
            .map_err(|e| e.to_string())?;
        std::thread::sleep(Duration::from_millis(5));
    }
    Ok(())
}

fn browse(seconds: u64) -> Result<(), String> {
    let mut browser =
        LanBrowser::new::<ArenaGame>(BrowseConfig::default()).map_err(|e| e.to_string())?;
    let start = Instant::now();
    while start.elapsed() < Duration::from_secs(seconds) {
        browser.poll(start.elapsed()).map_err(|e| e.to_string())?;
        std::thread::sleep(Duration::from_millis(20));
    }
    for game in browser.games() {
        println!("{} at {}", game.announcement.name, game.addr);
    }
    Ok(())
}
