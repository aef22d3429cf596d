//! Local play through the binary: bots move through the same path as people,
//! and a host predicts its own players and bots, so it never rolls back.

use std::time::Duration;

use crate::common::run;

fn stop_line(args: &[&str]) -> String {
    let out = run(args, Duration::from_secs(120));
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(out.status.success(), "{args:?}: {stderr}");
    stderr
        .lines()
        .find(|l| l.starts_with("stopped after sealed tick"))
        .unwrap_or_else(|| panic!("no stop line: {stderr}"))
        .to_string()
}

#[test]
fn a_local_game_with_bots_never_rolls_back() {
    let line = stop_line(&[
        "play",
        "--headless",
        "--ticks",
        "90",
        "--bots",
        "3",
        "--no-record",
    ]);
    assert!(line.starts_with("stopped after sealed tick 9"), "{line}");
    assert!(line.ends_with(", rollbacks 0"), "{line}");
    let line = stop_line(&[
        "host",
        "--headless",
        "--bind",
        "127.0.0.1:0",
        "--no-discovery",
        "--open",
        "--ticks",
        "60",
        "--bots",
        "2",
        "--no-record",
    ]);
    assert!(line.ends_with(", rollbacks 0"), "{line}");
}
