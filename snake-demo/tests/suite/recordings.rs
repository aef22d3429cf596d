//! Recordings through the binary: damaged and forged files get the truth and a
//! clear line, `log` prints the sealed log, and a desync injected on purpose is
//! detected, healed, kept as evidence and named by `bisect`.

use crate::common;

use std::path::Path;
use std::process::Stdio;
use std::time::Duration;

use crate::common::{bin, run, start_host, verify, wait, write_recording};
use snake_demo::rules::{SnakeGame, SnakeWorld};
use tickline::model::Tick;
use tickline::model::codec::encode;
use tickline::record::{Header, RecordingWriter};

#[test]
fn a_damaged_recording_verifies_its_prefix_but_exits_3_and_says_where() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("game.tlrec");
    write_recording(&path, None);
    let bytes = std::fs::read(&path).expect("reads");
    // Cut the file within the second of its 300 ticks (about 1% in).
    let damaged = dir.path().join("cut.tlrec");
    std::fs::write(&damaged, &bytes[..bytes.len() / 100]).expect("writes");
    let out = run(
        &["replay", &damaged.to_string_lossy(), "--verify", "--json"],
        Duration::from_secs(60),
    );
    assert_eq!(out.status.code(), Some(3), "{}", common::output_text(&out));
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).expect("one JSON object");
    assert_eq!(json["verified"], false, "{json}");
    assert!(
        json["first_mismatch"].is_null(),
        "the intact prefix verified"
    );
    let damaged_at = &json["damaged"];
    assert_eq!(damaged_at["after_tick"], json["last_tick"]);
    assert!(damaged_at["offset"].as_u64().is_some_and(|o| o > 10));
    assert_eq!(damaged_at["reason"], "truncated record");
    let out = run(
        &["replay", &damaged.to_string_lossy(), "--verify"],
        Duration::from_secs(60),
    );
    assert_eq!(out.status.code(), Some(3));
    assert!(
        common::output_text(&out).contains("DAMAGED"),
        "{}",
        common::output_text(&out)
    );
    // The whole file: complete, verified, exit 0.
    let (ok, json) = verify(&path, None);
    assert!(
        ok && json["damaged"].is_null() && json["verified"] == true,
        "{json}"
    );
}

#[test]
fn a_recording_of_an_absurd_board_is_refused_with_one_line() {
    let dir = tempfile::tempdir().expect("temp dir");
    let world = SnakeWorld {
        width: -1,
        ..SnakeWorld::default()
    };
    let header = Header {
        game_id: "tickline-snake".into(),
        schema_hash: SnakeGame::schema_hash(),
        tick_rate: 15,
        seed: 1,
        start_tick: Tick(0),
        genesis: encode(&world).expect("encodes"),
        created_unix_ms: 0,
    };
    let path = dir.path().join("absurd.tlrec");
    RecordingWriter::create(&path, &header)
        .expect("creates")
        .finish()
        .expect("flushes");
    let out = run(
        &["replay", &path.to_string_lossy(), "--verify"],
        Duration::from_secs(60),
    );
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(stderr.contains("invalid state: board -1x24"), "{stderr}");
}

#[test]
fn endless_and_huge_inputs_are_refused_at_once() {
    for path in ["/dev/zero", "/dev/null"] {
        let out = run(&["replay", path, "--verify"], Duration::from_secs(60));
        assert_eq!(
            out.status.code(),
            Some(1),
            "{path}: {}",
            common::output_text(&out)
        );
        assert!(
            common::output_text(&out).contains("not a Tickline recording"),
            "{}",
            common::output_text(&out)
        );
    }
}

#[test]
fn log_prints_the_sealed_log_for_people_and_scripts() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("game.tlrec");
    write_recording(&path, None);
    let out = run(&["log", &path.to_string_lossy()], Duration::from_secs(60));
    assert!(out.status.success(), "{}", common::output_text(&out));
    let stdout = String::from_utf8_lossy(&out.stdout);
    let first = stdout.lines().next().expect("a header line");
    assert_eq!(
        first,
        "recording of tickline-snake (seed 8, 15 Hz), from tick 0"
    );
    assert!(
        stdout
            .lines()
            .any(|l| l.starts_with("tick      1  peer1#") && l.contains("Turn("))
    );
    assert_eq!(stdout.lines().last(), Some("end of recording at tick 300"));

    let out = run(
        &["log", &path.to_string_lossy(), "--json"],
        Duration::from_secs(60),
    );
    let lines: Vec<serde_json::Value> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).expect("one JSON object per line"))
        .collect();
    assert_eq!(lines[0]["kind"], "header");
    assert_eq!(lines[0]["seed"], 8);
    let commits: Vec<_> = lines.iter().filter(|l| l["kind"] == "commit").collect();
    assert!(commits.len() > 10);
    assert!(
        commits
            .windows(2)
            .all(|w| w[0]["tick"].as_u64() <= w[1]["tick"].as_u64())
    );
    let end = lines.last().expect("an end line");
    assert_eq!(
        (end["kind"].as_str(), end["last_tick"].as_u64()),
        (Some("end"), Some(300))
    );
    assert!(end["damaged"].is_null());
}

#[test]
fn an_injected_desync_is_detected_healed_recorded_and_named_by_bisect() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = |name: &str| dir.path().join(format!("{name}.tlrec"));
    let (host_rec, client_rec) = (path("host"), path("client"));
    let (host, addr, code) = start_host(&[
        "--ticks",
        "240",
        "--tick-rate",
        "30",
        "--record",
        &host_rec.to_string_lossy(),
    ]);
    let client = bin()
        .args(["join", &addr, "--bot", "--headless", "--code", &code])
        .args([
            "--ticks",
            "200",
            "--tick-rate",
            "30",
            "--inject-desync",
            "60",
        ])
        .args(["--record", &client_rec.to_string_lossy()])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawns");
    let client_out = wait(client, Duration::from_secs(120), "client");
    assert!(
        client_out.status.success(),
        "{}",
        common::output_text(&client_out)
    );
    let host_out = wait(host, Duration::from_secs(60), "host");
    assert!(
        host_out.status.success(),
        "{}",
        common::output_text(&host_out)
    );
    assert!(
        String::from_utf8_lossy(&host_out.stderr).contains("desync: peer1 at tick 60"),
        "the host logs the desync at the default level: {}",
        common::output_text(&host_out)
    );
    assert!(
        String::from_utf8_lossy(&client_out.stderr).contains("snakes[0].score"),
        "the client logs the differing field: {}",
        common::output_text(&client_out)
    );

    // The client's own recording no longer verifies from tick 60 on.
    let (ok, json) = verify(Path::new(&client_rec), None);
    assert!(!ok && json["first_mismatch"] == 60, "{json}");
    // bisect names the tick and the field.
    let out = run(
        &[
            "bisect",
            &host_rec.to_string_lossy(),
            &client_rec.to_string_lossy(),
            "--json",
        ],
        Duration::from_secs(60),
    );
    assert_eq!(out.status.code(), Some(1), "{}", common::output_text(&out));
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    assert_eq!(json["first_diverging_tick"], 60, "{json}");
    assert_eq!(json["reproduced_by_resimulation"], false);
    assert_eq!(json["fields"][0]["path"], "snakes[0].score", "{json}");
    let (a, b) = (&json["fields"][0]["a"], &json["fields"][0]["b"]);
    let parse = |v: &serde_json::Value| v.as_str().and_then(|s| s.parse::<u32>().ok());
    // A is the host, B the corrupted client.
    assert_eq!(
        parse(a).zip(parse(b)).map(|(host, ours)| ours - host),
        Some(1000),
        "{json}"
    );
    // And `log` shows the heal with the field.
    let out = run(
        &["log", &client_rec.to_string_lossy()],
        Duration::from_secs(60),
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout
            .lines()
            .any(|l| l.contains("healed") && l.contains("snakes[0].score")),
        "{stdout}"
    );
}
