//! Leaving a game on purpose: a host that stops tells its clients who left, and
//! every mode ends gracefully on SIGTERM and SIGINT (goodbye said, recording
//! finished, exit 0). A client whose host vanished says so.

use std::time::Duration;

use tickline::model::Body;
use tickline::record::Recording;

use snake_demo::rules::SnakeGame;

use crate::common::{
    bin, output_text, signal, spawn_join, start_host, start_host_lines, verify, wait,
    wait_for_file, wait_for_line,
};

const LIMIT: Duration = Duration::from_secs(60);

#[test]
fn a_host_stopped_by_sigterm_tells_its_client_who_left() {
    let dir = tempfile::tempdir().expect("temp dir");
    let (host_rec, client_rec) = (dir.path().join("host.tlrec"), dir.path().join("c.tlrec"));
    let (host, addr, code) = start_host(&[
        "--name",
        "alice",
        "--tick-rate",
        "30",
        "--record",
        &host_rec.to_string_lossy(),
    ]);
    // Bob never hosts: nobody can take the game over, so it ends.
    let client = spawn_join(&addr, &code, "bob", &client_rec, &["--no-migration"]);
    wait_for_file(&client_rec, LIMIT, "the client joins");

    signal(&host, "TERM");
    let out = wait(host, LIMIT, "host");
    assert!(
        out.status.success(),
        "exit 0, not 143: {}",
        output_text(&out)
    );
    // Told by the host, not by a timeout: the line names who left.
    let out = wait(client, LIMIT, "client");
    let text = output_text(&out);
    assert!(out.status.success(), "{text}");
    assert!(
        text.contains("the game ended at sealed tick") && text.contains("alice (the host) left"),
        "{text}"
    );
    assert!(!text.contains("--code"), "{text}");
    for rec in [&host_rec, &client_rec] {
        let (ok, json) = verify(rec, None);
        assert!(ok && json["verified"] == true, "{}: {json}", rec.display());
    }
}

#[test]
fn a_client_on_sigint_and_a_spectator_on_sigterm_leave_gracefully() {
    let dir = tempfile::tempdir().expect("temp dir");
    let host_rec = dir.path().join("host.tlrec");
    let (client_rec, watch_rec) = (dir.path().join("c.tlrec"), dir.path().join("w.tlrec"));
    let (host, addr, code, lines) =
        start_host_lines(&["--tick-rate", "30", "--record", &host_rec.to_string_lossy()]);
    let client = spawn_join(&addr, &code, "bob", &client_rec, &[]);
    let watcher = bin()
        .args(["watch", &addr, "--headless", "--code", &code])
        .args(["--record", &watch_rec.to_string_lossy()])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("spawns");
    wait_for_file(&client_rec, LIMIT, "the client joins");
    wait_for_file(&watch_rec, LIMIT, "the spectator joins");
    wait_for_line(&lines, "bob joined", LIMIT);

    signal(&client, "INT");
    let out = wait(client, LIMIT, "client");
    assert!(
        out.status.success(),
        "exit 0, not 130: {}",
        output_text(&out)
    );
    signal(&watcher, "TERM");
    let out = wait(watcher, LIMIT, "spectator");
    assert!(
        out.status.success(),
        "exit 0, not 143: {}",
        output_text(&out)
    );
    wait_for_line(&lines, "bob left", LIMIT);
    signal(&host, "TERM");
    let out = wait(host, LIMIT, "host");
    assert!(out.status.success(), "{}", output_text(&out));

    for rec in [&host_rec, &client_rec, &watch_rec] {
        let (ok, json) = verify(rec, None);
        assert!(ok && json["verified"] == true, "{}: {json}", rec.display());
    }
    // The client said goodbye: the host sealed its leave.
    let rec = Recording::<SnakeGame>::open(&host_rec).expect("readable");
    let commits = || rec.sealed.iter().flat_map(|st| &st.commits);
    let bob = commits()
        .find_map(|c| match &c.body {
            Body::Join { peer, name } if name == "bob" => Some(*peer),
            _ => None,
        })
        .expect("bob joined");
    let left = commits().any(|c| matches!(c.body, Body::Leave { peer } if peer == bob));
    assert!(left, "the host sealed bob's leave");
}

#[test]
fn local_play_ends_on_sigterm_with_a_finished_recording() {
    let dir = tempfile::tempdir().expect("temp dir");
    let rec = dir.path().join("play.tlrec");
    let play = bin()
        .args(["play", "--headless", "--bots", "2"])
        .args(["--record", &rec.to_string_lossy()])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("spawns");
    wait_for_file(&rec, LIMIT, "the game starts");
    signal(&play, "TERM");
    let out = wait(play, LIMIT, "play");
    assert!(
        out.status.success(),
        "exit 0, not 143: {}",
        output_text(&out)
    );
    let (ok, json) = verify(&rec, None);
    assert!(ok && json["verified"] == true, "{json}");
}

/// A host killed outright cannot say goodbye: its client (which may not host
/// the game) says it lost the host, and does not advise a join code it
/// already gave.
#[test]
fn a_client_whose_host_vanished_says_so() {
    let dir = tempfile::tempdir().expect("temp dir");
    let client_rec = dir.path().join("c.tlrec");
    let (host, addr, code) = start_host(&["--tick-rate", "30", "--no-record"]);
    let client = spawn_join(&addr, &code, "bob", &client_rec, &["--no-migration"]);
    wait_for_file(&client_rec, LIMIT, "the client joins");
    signal(&host, "KILL");
    let _ = wait(host, LIMIT, "host");
    let out = wait(client, LIMIT, "client");
    let text = output_text(&out);
    assert!(!out.status.success(), "{text}");
    let line = text
        .lines()
        .find(|l| l.starts_with("error: "))
        .unwrap_or_else(|| panic!("an error line: {text}"));
    assert!(line.contains("lost the host at sealed tick"), "{line}");
    assert!(!line.contains("--code"), "{line}");
}
