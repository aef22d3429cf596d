//! LAN discovery through the built binary on 127.0.0.1: `lan` lists a host,
//! `join --lan NAME` finds and joins it, and an unknown name is one clear line.
//! (Each command is aimed at the host's own discovery address: broadcast
//! between machines is tested in network namespaces.)

use std::time::Duration;

use crate::common::{bin, output_text, run, spawn_listening, terminate, wait};

/// A headless host with one bot that answers discovery on a free loopback
/// port: the host, its game address, its join code and its discovery address.
fn listed_host(name: &str) -> (std::process::Child, String, String, String) {
    let (child, addr, rx) = spawn_listening(
        bin()
            .args(["host", "--headless", "--bind", "127.0.0.1:0", "--no-record"])
            .args(["--discovery", "127.0.0.1:0", "--game-name", name])
            .args(["--bots", "1", "--tick-rate", "30", "--ticks", "3000"]),
    );
    let next = |prefix: &str| {
        let line = rx
            .recv_timeout(Duration::from_secs(30))
            .unwrap_or_else(|e| panic!("the host prints {prefix:?}: {e}"));
        line.strip_prefix(prefix)
            .unwrap_or_else(|| panic!("{line:?} starts with {prefix:?}"))
            .to_string()
    };
    let code = next("join code: ");
    let discovery = next("answering LAN discovery on ");
    (child, addr, code, discovery)
}

#[test]
fn lan_lists_the_host_and_join_by_name_plays_in_its_game() {
    let (host, addr, code, discovery) = listed_host("test room");

    let out = run(
        &[
            "lan",
            "--json",
            "--wait",
            "2",
            "--discovery-target",
            &discovery,
        ],
        Duration::from_secs(30),
    );
    assert!(out.status.success(), "{}", output_text(&out));
    let stdout = String::from_utf8_lossy(&out.stdout);
    let games: Vec<serde_json::Value> = stdout
        .lines()
        .map(|l| serde_json::from_str(l).expect("one JSON object per line"))
        .collect();
    assert_eq!(games.len(), 1, "{stdout}");
    let game = &games[0];
    assert_eq!(game["name"], "test room");
    assert_eq!(game["addr"], addr.as_str());
    assert_eq!(game["players"], 2, "the host's player and its bot");
    assert_eq!(game["code_required"], true);
    assert_eq!(game["tick_rate"], 30);
    assert!(game["max_players"].as_u64() > Some(2), "{game}");

    let joined = bin()
        .args([
            "join",
            "--lan",
            "test room",
            "--discovery-target",
            &discovery,
        ])
        .args(["--code", &code, "--bot", "--headless", "--ticks", "60"])
        .args(["--tick-rate", "30", "--no-record"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("spawns");
    let out = wait(joined, Duration::from_secs(60), "join --lan");
    assert!(out.status.success(), "{}", output_text(&out));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains(&format!("found \"test room\" at {addr}")),
        "{stdout}"
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    let stopped_at = stderr
        .lines()
        .find_map(|l| l.strip_prefix("stopped after sealed tick "))
        .and_then(|rest| rest.split(',').next()?.parse::<u64>().ok());
    assert!(stopped_at >= Some(60), "it played in the game: {stderr}");

    let out = run(
        &[
            "join",
            "--lan",
            "nobody",
            "--discovery-target",
            &discovery,
            "--headless",
        ],
        Duration::from_secs(30),
    );
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(
        stderr.trim(),
        "error: no LAN game called \"nobody\" answered within 4 s (found: \"test room\")"
    );
    terminate(host, "host");
}

#[test]
fn a_dedicated_server_is_listed_as_one_open_to_anyone() {
    let (server, addr, rx) = spawn_listening(
        bin()
            .args(["server", "--headless", "--open", "--bind", "127.0.0.1:0"])
            .args([
                "--discovery",
                "127.0.0.1:0",
                "--game-name",
                "rooms",
                "--no-record",
            ])
            .args(["--max-rooms", "4", "--max-players", "8"]),
    );
    let line = rx
        .recv_timeout(Duration::from_secs(30))
        .expect("the server prints its discovery address");
    let discovery = line
        .strip_prefix("answering LAN discovery on ")
        .unwrap_or_else(|| panic!("{line:?}"))
        .to_string();
    let out = run(
        &[
            "lan",
            "--json",
            "--wait",
            "1",
            "--discovery-target",
            &discovery,
        ],
        Duration::from_secs(30),
    );
    assert!(out.status.success(), "{}", output_text(&out));
    let game: serde_json::Value =
        serde_json::from_str(String::from_utf8_lossy(&out.stdout).trim()).expect("one game");
    assert_eq!(game["name"], "rooms");
    assert_eq!(game["addr"], addr.as_str());
    assert_eq!(game["dedicated"], true);
    assert_eq!(game["code_required"], false);
    assert_eq!(
        (game["players"].as_u64(), game["max_players"].as_u64()),
        (Some(0), Some(32))
    );
    terminate(server, "server");
}
