//! Host migration through the built binary, on 127.0.0.1: a LAN host with two
//! bot clients is killed (SIGKILL) or quits mid-game, and the game goes on
//! with the first client as host; both clients reach their last tick with
//! equal checksums and recordings that verify and mark the handover.

use std::path::Path;
use std::time::Duration;

use crate::common::{
    output_text, signal, spawn_join, start_host_lines, verify, wait, wait_for_line, wait_for_tick,
};

const LIMIT: Duration = Duration::from_secs(90);
const LAST_TICK: u64 = 400;

/// A host and clients ann and bob (joined in that order: ann is first in
/// line), playing; `stop` ends the host's process.
fn play_and_lose_the_host(dir: &Path, stop: &str) -> Vec<(String, String)> {
    let host_rec = dir.join("host.tlrec");
    let (host, addr, code, lines) = start_host_lines(&[
        "--tick-rate",
        "30",
        "--name",
        "alice",
        "--record",
        &host_rec.to_string_lossy(),
    ]);
    let ticks = LAST_TICK.to_string();
    let mut clients = Vec::new();
    for name in ["ann", "bob"] {
        let rec = dir.join(format!("{name}.tlrec"));
        clients.push((
            name,
            spawn_join(&addr, &code, name, &rec, &["--ticks", &ticks]),
        ));
        wait_for_line(&lines, &format!("{name} joined"), LIMIT);
    }
    // Mid-game: both have played a while (and know the order of succession).
    wait_for_tick(&dir.join("bob.tlrec"), 90, LIMIT);
    signal(&host, stop);
    let _ = wait(host, LIMIT, "host");
    clients
        .into_iter()
        .map(|(name, child)| {
            let out = wait(child, LIMIT, name);
            let text = output_text(&out);
            assert!(out.status.success(), "{name}: {text}");
            (name.to_owned(), text)
        })
        .collect()
}

/// Both recordings verify through the last tick with one checksum there, and
/// mark that ann took the game over.
fn check_recordings(dir: &Path) {
    let mut sums = Vec::new();
    for name in ["ann", "bob"] {
        let rec = dir.join(format!("{name}.tlrec"));
        let (ok, json) = verify(&rec, Some(LAST_TICK));
        assert!(ok && json["verified"] == true, "{name}: {json}");
        sums.push(json["checksum"].as_str().expect("hex").to_owned());
        let (ok, json) = verify(&rec, None);
        assert!(ok, "{name} (whole): {json}");
        let log = crate::common::run(&["log", &rec.to_string_lossy()], Duration::from_secs(30));
        let text = output_text(&log);
        assert!(
            text.contains("ann (peer") && text.contains("took the game over as host"),
            "{name}'s log marks the handover: {text}"
        );
    }
    assert_eq!(sums[0], sums[1], "equal checksums at tick {LAST_TICK}");
    // Bisect compares them across the handover: they agree.
    let (ann, bob) = (dir.join("ann.tlrec"), dir.join("bob.tlrec"));
    let out = crate::common::run(
        &["bisect", &ann.to_string_lossy(), &bob.to_string_lossy()],
        Duration::from_secs(60),
    );
    assert!(out.status.success(), "bisect: {}", output_text(&out));
}

#[test]
fn a_killed_hosts_game_goes_on_with_its_first_client_as_host() {
    let dir = tempfile::tempdir().expect("temp dir");
    let outputs = play_and_lose_the_host(dir.path(), "KILL");
    for (name, text) in &outputs {
        assert!(text.contains("ann hosts the game now"), "{name}: {text}");
        // Its usual last line, at or just past the last tick.
        let stopped_at = text
            .lines()
            .find_map(|l| l.strip_prefix("stopped after sealed tick "))
            .and_then(|rest| rest.split(',').next())
            .and_then(|t| t.parse::<u64>().ok());
        assert!(stopped_at.is_some_and(|t| t >= LAST_TICK), "{name}: {text}");
    }
    check_recordings(dir.path());
}

#[test]
fn a_host_that_quits_hands_its_game_to_its_first_client() {
    let dir = tempfile::tempdir().expect("temp dir");
    let outputs = play_and_lose_the_host(dir.path(), "TERM");
    for (name, text) in &outputs {
        assert!(text.contains("alice (the host) left"), "{name}: {text}");
        assert!(text.contains("ann hosts the game now"), "{name}: {text}");
    }
    check_recordings(dir.path());
}
