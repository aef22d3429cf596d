//! Host migration through the built binary, on 127.0.0.1: a LAN host with two
//! bot clients is killed (SIGKILL) or quits mid-game, and the game goes on
//! with the first client as host; both clients reach their last tick with
//! equal checksums and recordings that verify and mark the handover.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::sync::mpsc;
use std::time::{Duration, Instant};

use crate::common::{
    output_text, signal, spawn_join, start_host_lines, verify, wait, wait_for_line, wait_for_tick,
};

const LIMIT: Duration = Duration::from_secs(90);
const LAST_TICK: u64 = 400;

/// A host and clients ann and bob (joined in that order: ann is first in
/// line), playing; `stop` ends the host's process.
fn play_and_lose_the_host(dir: &Path, stop: &str) -> Vec<(String, String)> {
    play_and_lose(dir, stop, &["ann", "bob"], 0, |_| {})
}

/// A client's stdout lines, read as they come.
type Lines = mpsc::Receiver<String>;

/// A host and `names` (joined in that order), playing; `stop` ends the host's
/// process, and the first `also_killed` clients are SIGKILLed at the same
/// moment; `during` runs while the others play on, with their stdout lines.
/// The others' stderr once they finished.
fn play_and_lose(
    dir: &Path,
    stop: &str,
    names: &[&str],
    also_killed: usize,
    during: impl FnOnce(&[(&str, Lines)]),
) -> Vec<(String, String)> {
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
    for name in names {
        let rec = dir.join(format!("{name}.tlrec"));
        let mut child = spawn_join(&addr, &code, name, &rec, &["--ticks", &ticks]);
        let stdout = child.stdout.take().expect("piped");
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                let _ = tx.send(line);
            }
        });
        clients.push((*name, child, rx));
        wait_for_line(&lines, &format!("{name} joined"), LIMIT);
    }
    // Mid-game: all have played a while (and know the order of succession).
    let last = names.last().expect("clients");
    wait_for_tick(&dir.join(format!("{last}.tlrec")), 90, LIMIT);
    signal(&host, stop);
    let killed: Vec<_> = clients.drain(..also_killed).collect();
    for (_, child, _) in &killed {
        signal(child, "KILL");
    }
    let _ = wait(host, LIMIT, "host");
    for (name, child, _) in killed {
        let _ = wait(child, LIMIT, name);
    }
    let (children, lines): (Vec<_>, Vec<_>) = clients
        .into_iter()
        .map(|(name, child, rx)| ((name, child), (name, rx)))
        .unzip();
    during(&lines);
    children
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
    check_recordings_of(dir, &["ann", "bob"], "ann");
}

/// The recordings of two clients verify through the last tick with one
/// checksum there, mark that `new_host` took the game over, and bisect finds
/// them in agreement across the handover.
fn check_recordings_of(dir: &Path, names: &[&str; 2], new_host: &str) {
    let mut sums = Vec::new();
    for name in names {
        let rec = dir.join(format!("{name}.tlrec"));
        let (ok, json) = verify(&rec, Some(LAST_TICK));
        assert!(ok && json["verified"] == true, "{name}: {json}");
        sums.push(json["checksum"].as_str().expect("hex").to_owned());
        let (ok, json) = verify(&rec, None);
        assert!(ok, "{name} (whole): {json}");
        let log = crate::common::run(&["log", &rec.to_string_lossy()], Duration::from_secs(30));
        let text = output_text(&log);
        assert!(
            text.contains(&format!("{new_host} (peer"))
                && text.contains("took the game over as host"),
            "{name}'s log marks the handover: {text}"
        );
    }
    assert_eq!(sums[0], sums[1], "equal checksums at tick {LAST_TICK}");
    let [a, b] = names.map(|n| dir.join(format!("{n}.tlrec")));
    let out = crate::common::run(
        &["bisect", &a.to_string_lossy(), &b.to_string_lossy()],
        Duration::from_secs(60),
    );
    assert!(out.status.success(), "bisect: {}", output_text(&out));
}

#[test]
fn a_killed_hosts_game_goes_on_with_its_first_client_as_host() {
    let dir = tempfile::tempdir().expect("temp dir");
    // The new host is listed on the LAN, as the old one was.
    let listed = |lines: &[(&str, Lines)]| {
        let at = line_after(&lines[0].1, "answering LAN discovery on ");
        let out = crate::common::run(
            &["lan", "--json", "--wait", "2", "--discovery-target", &at],
            Duration::from_secs(30),
        );
        let stdout = String::from_utf8_lossy(&out.stdout);
        let game: serde_json::Value = serde_json::from_str(stdout.trim())
            .unwrap_or_else(|e| panic!("one game ({e}): {stdout}"));
        assert_eq!(game["name"], "ann's game");
        assert_eq!(game["code_required"], true);
    };
    let outputs = play_and_lose(dir.path(), "KILL", &["ann", "bob"], 0, listed);
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

#[test]
fn when_the_first_successor_is_killed_with_the_host_the_next_one_takes_over() {
    let dir = tempfile::tempdir().expect("temp dir");
    let outputs = play_and_lose(dir.path(), "KILL", &["ann", "bob", "cat"], 1, |_| {});
    for (name, text) in &outputs {
        assert!(text.contains("bob hosts the game now"), "{name}: {text}");
    }
    check_recordings_of(dir.path(), &["bob", "cat"], "bob");
}

/// Waits for a line starting with `prefix`: its rest.
fn line_after(lines: &Lines, prefix: &str) -> String {
    let deadline = Instant::now() + LIMIT;
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        match lines.recv_timeout(left) {
            Ok(line) => {
                if let Some(rest) = line.strip_prefix(prefix) {
                    return rest.to_owned();
                }
            }
            Err(_) => panic!("no line starting {prefix:?}"),
        }
    }
}
