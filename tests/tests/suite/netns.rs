//! LAN discovery across network namespaces with games of other builds and
//! other games on the LAN: a player's list shows only the games it can join.
//! Needs root and `ip`, as CI has (see `tickline_e2e::netns`).

use std::io::{BufRead, BufReader};
use std::process::{Child, Stdio};

use tickline_e2e::netns::Netns;

const STAND_IN: &str = env!("CARGO_BIN_EXE_lan-stand-in");

/// A stand-in game answering in namespace 0, once it says it is bound.
fn answering(lan: &Netns, args: &[&str]) -> Child {
    let mut full = vec!["answer", "--seconds", "30"];
    full.extend_from_slice(args);
    let mut child = lan
        .exec(0, STAND_IN, &full)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawns");
    let stdout = child.stdout.take().expect("piped");
    let first = BufReader::new(stdout).lines().next();
    assert!(
        matches!(&first, Some(Ok(line)) if line == "answering"),
        "the stand-in did not bind: {first:?}"
    );
    child
}

#[test]
fn games_of_another_build_or_another_game_are_not_listed() {
    let lan = Netns::create();
    let mut games = vec![
        answering(&lan, &["--name", "same build"]),
        answering(&lan, &["--name", "other build", "--schema-offset", "1"]),
        answering(&lan, &["--name", "other game", "--game-id", "chess"]),
    ];
    let out = lan
        .exec(1, STAND_IN, &["browse", "--seconds", "3"])
        .output()
        .expect("runs");
    for g in &mut games {
        let _ = g.kill();
        let _ = g.wait();
    }
    let listed = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let lines: Vec<&str> = listed.lines().collect();
    assert_eq!(
        lines,
        [format!("same build at {}:5000", lan.addr(0)).as_str()],
        "only the game of the same build is listed"
    );
}
