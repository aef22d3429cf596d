//! A dedicated server through the built binary, headless, on 127.0.0.1: three
//! rooms, each with two bot players and a spectator. Every recording (the
//! players', the spectator's, the server's) verifies; a room's agree at tick
//! 90 and differ from the other rooms'; the spectator is not in the game; and
//! SIGTERM ends the server with exit 0 and its recordings finished.

use std::path::{Path, PathBuf};
use std::process::{Child, Stdio};
use std::time::Duration;

use crate::common::{bin, spawn_listening, terminate, verify, wait};
use snake_demo::rules::SnakeGame;
use tickline::model::Body;
use tickline::record::Recording;
use tickline_e2e::sidecar::Sidecar;

const ROOMS: [&str; 3] = ["red", "green", "blue"];

/// `server --headless --open` on a free port; its address.
fn start_server(record_dir: &Path) -> (Child, String) {
    start_server_with(record_dir, &[], None)
}

/// The same with more flags, and the sidecar's port for `--agones`.
fn start_server_with(record_dir: &Path, extra: &[&str], sidecar: Option<u16>) -> (Child, String) {
    let mut cmd = bin();
    if let Some(port) = sidecar {
        cmd.env("AGONES_SDK_HTTP_PORT", port.to_string());
    }
    cmd.args(["server", "--headless", "--open", "--bind", "127.0.0.1:0"])
        .args(["--discovery", "127.0.0.1:0"])
        .args(["--tick-rate", "30", "--record-dir"])
        .arg(record_dir)
        .args(extra);
    let (child, addr, _lines) = spawn_listening(&mut cmd);
    (child, addr)
}

fn client(addr: &str, command: &str, room: &str, name: &str, record: &Path) -> Child {
    let mut cmd = bin();
    cmd.args([command, addr, "--headless", "--ticks", "90", "--room", room])
        .args(["--name", name, "--record"])
        .arg(record)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    if command == "join" {
        cmd.arg("--bot");
    }
    cmd.spawn().expect("spawns")
}

/// The server's recording of `room` in `dir`.
fn room_recording(dir: &Path, room: &str) -> PathBuf {
    let found: Vec<PathBuf> = std::fs::read_dir(dir)
        .expect("the record dir exists")
        .map(|e| e.expect("entry").path())
        .filter(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with(&format!("{room}-")) && n.ends_with(".tlrec"))
        })
        .collect();
    assert_eq!(found.len(), 1, "one recording of room {room}: {found:?}");
    found[0].clone()
}

#[test]
fn three_rooms_with_spectators_record_apart_and_sigterm_ends_the_server() {
    let dir = tempfile::tempdir().expect("temp dir");
    let server_dir = dir.path().join("server");
    let (server, addr) = start_server(&server_dir);
    let path = |name: &str| dir.path().join(format!("{name}.tlrec"));
    let mut clients = Vec::new();
    for room in ROOMS {
        for p in ["a", "b"] {
            let name = format!("{room}-{p}");
            clients.push((
                name.clone(),
                client(&addr, "join", room, &name, &path(&name)),
            ));
        }
        let name = format!("{room}-watch");
        clients.push((
            name.clone(),
            client(&addr, "watch", room, &name, &path(&name)),
        ));
    }
    for (name, child) in clients {
        let out = wait(child, Duration::from_secs(120), &name);
        assert!(
            out.status.success(),
            "{name} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    // A room still playing when the server is told to stop.
    let stayer = bin()
        .args(["join", &addr, "--headless", "--bot", "--room", "late"])
        .args(["--name", "stayer", "--no-record"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawns");
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    while std::fs::read_dir(&server_dir)
        .expect("record dir")
        .filter_map(Result::ok)
        .all(|e| !e.file_name().to_string_lossy().starts_with("late-"))
    {
        assert!(
            std::time::Instant::now() < deadline,
            "room late never opened"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    std::thread::sleep(Duration::from_millis(500));
    let log = stop_server(server);
    assert!(
        log.contains("stopping: the server is shutting down"),
        "{log}"
    );
    let out = wait(stayer, Duration::from_secs(30), "stayer");
    let told = String::from_utf8_lossy(&out.stderr);
    assert!(
        told.contains("the server is shutting down") && !told.contains("panicked"),
        "the stayer hears why: {told}"
    );
    let (ok, json) = verify(&room_recording(&server_dir, "late"), None);
    assert!(
        ok && json["verified"] == true,
        "room late's recording is finished: {json}"
    );

    let mut room_sums = Vec::new();
    for room in ROOMS {
        let server_rec = room_recording(&server_dir, room);
        let mut sums = Vec::new();
        for file in [
            server_rec.clone(),
            path(&format!("{room}-a")),
            path(&format!("{room}-b")),
            path(&format!("{room}-watch")),
        ] {
            let (ok, json) = verify(&file, None);
            assert!(ok && json["verified"] == true, "{file:?}: {json}");
            let (ok, json) = verify(&file, Some(90));
            assert!(ok, "{file:?} at 90: {json}");
            sums.push(json["checksum"].as_str().expect("hex").to_string());
        }
        assert!(sums.iter().all(|s| s == &sums[0]), "{room}: {sums:?}");
        room_sums.push(sums[0].clone());

        let rec = Recording::<SnakeGame>::open(&server_rec).expect("readable");
        let joined: Vec<String> = rec
            .sealed
            .iter()
            .flat_map(|st| &st.commits)
            .filter_map(|c| match &c.body {
                Body::Join { name, .. } => Some(name.clone()),
                _ => None,
            })
            .collect();
        let mut joined_sorted = joined.clone();
        joined_sorted.sort();
        assert_eq!(
            joined_sorted,
            [format!("{room}-a"), format!("{room}-b")],
            "the spectator is not a player"
        );
    }
    assert!(
        room_sums[0] != room_sums[1]
            && room_sums[1] != room_sums[2]
            && room_sums[0] != room_sums[2],
        "rooms play their own games: {room_sums:?}"
    );
}

/// SIGTERM: the server must exit 0; its log.
fn stop_server(server: Child) -> String {
    let out = terminate(server, "server");
    let log = String::from_utf8_lossy(&out.stderr).into_owned();
    assert_eq!(out.status.code(), Some(0), "{log}");
    log
}

/// Waits until the sidecar has seen the player leave.
fn wait_for_leave(sidecar: &Sidecar) {
    sidecar.wait_for("the player leaving", Duration::from_secs(15), |r| {
        r.iter().any(|r| r.path == "/alpha/player/disconnect")
    });
}

/// One bot client in room `main` for 60 ticks; it must finish cleanly.
fn play_one(addr: &str, name: &str) {
    let child = bin()
        .args(["join", addr, "--headless", "--bot", "--ticks", "60"])
        .args(["--name", name, "--no-record"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawns");
    let out = wait(child, Duration::from_secs(60), name);
    assert!(
        out.status.success(),
        "{name}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

const AGONES_CALLS: [&str; 4] = [
    "/ready",
    "/alpha/player/connect",
    "/alpha/player/disconnect",
    "/shutdown",
];

#[test]
fn with_agones_the_server_reports_ready_players_and_shutdown_to_the_sidecar() {
    let dir = tempfile::tempdir().expect("temp dir");
    let sidecar = Sidecar::start();
    let (server, addr) = start_server_with(dir.path(), &["--agones"], Some(sidecar.port));
    sidecar.wait_for("ready", Duration::from_secs(10), |r| {
        r.iter().any(|r| r.path == "/ready")
    });
    play_one(&addr, "ann");
    wait_for_leave(&sidecar);
    stop_server(server);
    assert_eq!(sidecar.calls(), AGONES_CALLS);
    let connect = sidecar
        .requests()
        .into_iter()
        .find(|r| r.path == "/alpha/player/connect")
        .expect("sent");
    assert_eq!(connect.body, r#"{"playerID":"main/1"}"#);
    assert!(sidecar.requests().iter().any(|r| r.path == "/health"));
}

#[test]
fn a_late_or_failing_sidecar_never_stops_the_game() {
    let dir = tempfile::tempdir().expect("temp dir");
    // Late: the sidecar comes up while a game is being played.
    let late = Sidecar::reserve();
    let (server, addr) = start_server_with(dir.path(), &["--agones"], Some(late.port));
    play_one(&addr, "early");
    late.listen();
    wait_for_leave(&late);
    stop_server(server);
    assert_eq!(late.calls(), AGONES_CALLS, "in order, none lost");

    // Failing: every call is answered 500; the game goes on all the same.
    let failing = Sidecar::start();
    failing.answer(500);
    let (server, addr) = start_server_with(dir.path(), &["--agones"], Some(failing.port));
    play_one(&addr, "anyway");
    wait_for_leave(&failing);
    let log = stop_server(server);
    assert!(
        log.contains("the Agones sidecar did not take the shutdown"),
        "{log}"
    );
    assert_eq!(failing.calls(), AGONES_CALLS);
}
