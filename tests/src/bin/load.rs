//! Load generator: one dedicated server and `rooms × players` simulated
//! clients in one process, over real renet UDP on loopback. The server runs on
//! its own thread, so its CPU time and update times are its alone. Prints one
//! JSON object on stdout as its last line; progress goes to stderr.
//!
//! `cargo run --release -p tickline-e2e --bin load -- --rooms 250 --players 4
//! --tick-rate 20 --seconds 30`

use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::{AtomicU8, Ordering};
use std::thread;
use std::time::{Duration, Instant};

use clap::Parser;
use tickline_e2e::load::{Measured, Phase, Swarm, serve, spawn_swarms};

/// Threads running the simulated clients: they need more than a core (each
/// simulates its whole room); the server thread is measured alone.
const CLIENT_THREADS: usize = 2;

/// Load a dedicated server with simulated players and measure it.
#[derive(Parser, Debug)]
#[command(name = "load")]
struct Args {
    /// Rooms on the server.
    #[arg(long, default_value_t = 10, value_parser = clap::value_parser!(u32).range(1..=1024))]
    rooms: u32,
    /// Players per room.
    #[arg(long, default_value_t = 4, value_parser = clap::value_parser!(u32).range(1..=1024))]
    players: u32,
    /// Ticks per second.
    #[arg(long, default_value_t = 20, value_parser = clap::value_parser!(u32).range(1..=240))]
    tick_rate: u32,
    /// Seconds measured (after everyone joined).
    #[arg(long, default_value_t = 20, value_parser = clap::value_parser!(u64).range(1..=3600))]
    seconds: u64,
}

fn main() -> ExitCode {
    let args = Args::parse();
    let (rooms, players) = (args.rooms as usize, args.players as usize);
    if rooms * players > 1024 {
        eprintln!("error: at most 1024 clients on one server ({rooms} × {players} asked)");
        return ExitCode::from(2);
    }
    let phase = Arc::new(AtomicU8::new(Phase::Joining as u8));
    let (addr_tx, addr_rx) = crossbeam_channel::bounded(1);
    let server_phase = Arc::clone(&phase);
    let tick_rate = args.tick_rate;
    let server = thread::Builder::new()
        .name("server".into())
        .spawn(move || serve(rooms * players, tick_rate, addr_tx, &server_phase));
    let Ok(server) = server else {
        eprintln!("error: cannot start the server thread");
        return ExitCode::FAILURE;
    };
    let Ok(addr) = addr_rx.recv() else {
        eprintln!("error: the server did not start");
        return ExitCode::FAILURE;
    };
    let started = Instant::now();
    let swarms = match spawn_swarms(addr, rooms, players, CLIENT_THREADS, &phase) {
        Ok(handles) => handles,
        Err(e) => {
            eprintln!("error: {e}");
            phase.store(Phase::Done as u8, Ordering::SeqCst);
            return ExitCode::FAILURE;
        }
    };
    eprintln!(
        "{} clients joined in {:.1} s; measuring {} s",
        rooms * players,
        started.elapsed().as_secs_f64(),
        args.seconds
    );
    phase.store(Phase::Measuring as u8, Ordering::SeqCst);
    thread::sleep(Duration::from_secs(args.seconds));
    phase.store(Phase::Settling as u8, Ordering::SeqCst);
    thread::sleep(Duration::from_secs(2));
    phase.store(Phase::Done as u8, Ordering::SeqCst);
    let mut swarms: Vec<Swarm> = swarms
        .into_iter()
        .filter_map(|h| h.join().ok().flatten())
        .collect();
    let Ok((server, measured)) = server.join() else {
        eprintln!("error: the server thread panicked");
        return ExitCode::FAILURE;
    };
    let t = server.with_transport(tickline::transport::RenetHostTransport::stats);
    eprintln!(
        "server: {} datagrams in, {} out over the whole run; {:?}",
        t.datagrams_in,
        t.datagrams_out,
        server.stats()
    );
    let min_tick = args.seconds * u64::from(args.tick_rate) / 2;
    let converged =
        swarms.len() == CLIENT_THREADS && swarms.iter_mut().all(|s| s.converged(&server, min_tick));
    let out = summary(&args, &measured, converged);
    println!("{out}");
    if converged {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

/// The one JSON object the run prints.
fn summary(args: &Args, measured: &Measured, converged: bool) -> serde_json::Value {
    let clients = (args.rooms * args.players) as usize;
    serde_json::json!({
        "rooms": args.rooms,
        "players": args.players,
        "tick_rate": args.tick_rate,
        "server_cpu_percent_of_one_core": round(measured.cpu_percent()),
        "tick_ms_mean": round(measured.tick_ms_mean()),
        "tick_ms_p99": round(measured.tick_ms_p99()),
        "bytes_per_player_s": round(measured.bytes_per_player_s(clients)),
        "converged": converged,
    })
}

fn round(x: f64) -> f64 {
    (x * 1000.0).round() / 1000.0
}
