//! `snake-demo`: multiplayer Snake on Tickline. See `snake-demo --help`.

use std::process::ExitCode;

use clap::Parser;
use snake_demo::cli::{Cli, Command};

fn main() -> ExitCode {
    let command = match Cli::parse().command {
        Some(command) => command,
        // `snake-demo` alone opens the menu.
        None => match Cli::parse_from(["snake-demo", "menu"]).command {
            Some(command) => command,
            None => return ExitCode::FAILURE,
        },
    };
    match command {
        Command::Menu(args) => game(snake_demo::menu::run_menu(args)),
        Command::Play(args) => game(snake_demo::app::run_play(args)),
        Command::Host(args) => game(snake_demo::app::run_host(args)),
        Command::Join(args) => game(snake_demo::app::run_join(args)),
        Command::Lan(args) => game(snake_demo::lan::run(args)),
        Command::Server(args) => game(snake_demo::server::run(args)),
        Command::Watch(args) => game(snake_demo::app::run_watch(args)),
        Command::Replay(args) => match snake_demo::replay::run(args) {
            Ok(verdict) => ExitCode::from(verdict.exit_code()),
            Err(message) => fail(&message, 1),
        },
        Command::Bisect(args) => match snake_demo::replay::bisect(args) {
            Ok(agree) => ExitCode::from(if agree { 0 } else { 1 }),
            Err(message) => fail(&message, 2),
        },
        Command::Log(args) => match snake_demo::replay::log(args) {
            Ok(complete) => ExitCode::from(if complete { 0 } else { 3 }),
            Err(message) => fail(&message, 1),
        },
    }
}

fn game(result: Result<(), String>) -> ExitCode {
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => fail(&message, 1),
    }
}

fn fail(message: &str, code: u8) -> ExitCode {
    eprintln!("error: {message}");
    ExitCode::from(code)
}
