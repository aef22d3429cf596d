//! `snake-demo`: multiplayer Snake on Tickline. See `snake-demo --help`.

use std::process::ExitCode;

use clap::Parser;
use snake_demo::cli::{Cli, Command};

fn main() -> ExitCode {
    let command = match Cli::parse().command {
        Some(command) => command,
        // `snake-demo` alone is `snake-demo play` with its defaults.
        None => match Cli::parse_from(["snake-demo", "play"]).command {
            Some(command) => command,
            None => return ExitCode::FAILURE,
        },
    };
    let result: Result<bool, String> = match command {
        Command::Play(args) => snake_demo::app::run_play(args).map(|()| true),
        Command::Host(args) => snake_demo::app::run_host(args).map(|()| true),
        Command::Join(args) => snake_demo::app::run_join(args).map(|()| true),
        Command::Replay(args) => snake_demo::replay::run(args),
        Command::Bisect(args) => snake_demo::replay::bisect(args).map(|()| true),
    };
    match result {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::FAILURE,
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::FAILURE
        }
    }
}
