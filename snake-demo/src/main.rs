//! The Snake demo binary. The game itself arrives with the Bevy plugin; until
//! then this entry point says so and exits with a failure status.

fn main() -> std::process::ExitCode {
    eprintln!("snake-demo: the playable demo is not built yet; see README.md");
    std::process::ExitCode::FAILURE
}
