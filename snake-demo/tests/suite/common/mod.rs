//! Running the built `snake-demo` binary with deadlines.

#![allow(dead_code)]

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Output, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use snake_demo::rules::{Dir, Turn};
use snake_demo::sample::BotRecording;
use tickline::model::{Commit, CommitId, PeerId};

/// A finished run's stdout and stderr, for assertion messages.
pub fn output_text(out: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// The binary under test.
pub fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_snake-demo"))
}

/// Runs to completion, killing it after `limit`.
pub fn run(args: &[&str], limit: Duration) -> Output {
    let child = bin()
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawns");
    wait(child, limit, &args.join(" "))
}

/// Waits for a child with a deadline (killing it then) and returns its output.
pub fn wait(mut child: Child, limit: Duration, what: &str) -> Output {
    let deadline = Instant::now() + limit;
    loop {
        if child.try_wait().expect("waitable").is_some() {
            return child.wait_with_output().expect("output");
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let out = child.wait_with_output().expect("output");
            panic!(
                "`{what}` did not finish within {limit:?}; stderr:\n{}",
                String::from_utf8_lossy(&out.stderr)
            );
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Spawns `cmd` with its stdout read line by line on a thread, and waits for
/// its `listening on ADDR` line: the child, the address and the later lines.
pub fn spawn_listening(cmd: &mut Command) -> (Child, String, mpsc::Receiver<String>) {
    let mut child = cmd
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawns");
    let stdout = child.stdout.take().expect("piped");
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            let _ = tx.send(line);
        }
    });
    let line = rx
        .recv_timeout(Duration::from_secs(30))
        .expect("it prints its address");
    let addr = line
        .strip_prefix("listening on ")
        .expect("listening line")
        .to_string();
    (child, addr, rx)
}

/// Stops a child with SIGTERM and waits for it: its output.
pub fn terminate(child: Child, what: &str) -> Output {
    let killed = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .expect("kill runs");
    assert!(killed.success());
    wait(child, Duration::from_secs(30), what)
}

/// Starts a headless host on a free port and returns it with its address and
/// the join code it printed.
pub fn start_host(args: &[&str]) -> (Child, String, String) {
    let (child, addr, code, _lines) = start_host_lines(args);
    (child, addr, code)
}

/// [`start_host`], with the host's later stdout lines (e.g. `NAME joined`).
pub fn start_host_lines(args: &[&str]) -> (Child, String, String, mpsc::Receiver<String>) {
    let (child, addr, rx) = spawn_listening(
        bin()
            .args(["host", "--headless", "--bind", "127.0.0.1:0"])
            .args(["--discovery", "127.0.0.1:0"])
            .args(args),
    );
    let line = rx
        .recv_timeout(Duration::from_secs(30))
        .expect("the host prints its join code");
    let code = line
        .strip_prefix("join code: ")
        .expect("join code line on its own line")
        .to_string();
    (child, addr, code, rx)
}

/// Waits for a line equal to `wanted` among a child's stdout lines.
pub fn wait_for_line(lines: &mpsc::Receiver<String>, wanted: &str, limit: Duration) {
    let deadline = Instant::now() + limit;
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        match lines.recv_timeout(left) {
            Ok(line) if line == wanted => return,
            Ok(_) => {}
            Err(_) => panic!("no line {wanted:?} within {limit:?}"),
        }
    }
}

/// `replay PATH --verify --json [--to-tick N]`, parsed.
pub fn verify(path: &Path, to_tick: Option<u64>) -> (bool, serde_json::Value) {
    let path = path.to_string_lossy().into_owned();
    let mut args = vec!["replay", path.as_str(), "--verify", "--json"];
    let tick = to_tick.map(|t| t.to_string());
    if let Some(t) = &tick {
        args.extend(["--to-tick", t.as_str()]);
    }
    let out = run(&args, Duration::from_secs(60));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        stdout.lines().count(),
        1,
        "exactly one JSON object: {stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let json: serde_json::Value = serde_json::from_str(&stdout).expect("valid JSON");
    (out.status.success(), json)
}

/// A 300-tick game of 3 bots at 15 Hz (seed 8); `extra` adds one more commit at
/// that tick in this copy only: player 1 turns a way it may take but was not taking.
pub fn write_recording(path: &Path, extra: Option<u64>) {
    let game = BotRecording {
        bots: 3,
        ticks: 300,
        tick_rate: 15,
        seed: 8,
        snapshot_every: 0,
    };
    game.write(path, |world, t| {
        if extra != Some(t.0) {
            return Vec::new();
        }
        let s = world.snake(PeerId(1)).expect("joined");
        let dir = Dir::ALL
            .into_iter()
            .find(|d| *d != s.next_dir && *d != s.dir.opposite())
            .expect("a turn");
        let id = CommitId {
            author: PeerId(1),
            seq: 1_000_000,
        };
        vec![Commit::game(id, t, Turn(dir))]
    })
    .expect("writes");
}

/// Sends `signal` (`"TERM"`, `"INT"`, `"KILL"`) to a running child.
pub fn signal(child: &Child, signal: &str) {
    let sent = Command::new("kill")
        .args([&format!("-{signal}"), &child.id().to_string()])
        .status()
        .expect("kill runs");
    assert!(sent.success(), "kill -{signal}");
}

/// Waits until `path` exists (a session creates its recording once it runs).
pub fn wait_for_file(path: &Path, limit: Duration, what: &str) {
    let deadline = Instant::now() + limit;
    while !path.exists() {
        assert!(Instant::now() < deadline, "{what}: no {}", path.display());
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// A headless bot client of `addr` with the join code, recording to `record`.
pub fn spawn_join(addr: &str, code: &str, name: &str, record: &Path, extra: &[&str]) -> Child {
    bin()
        .args(["join", addr, "--bot", "--headless", "--code", code])
        .args(["--discovery", "127.0.0.1:0"])
        .args(["--name", name, "--record", &record.to_string_lossy()])
        .args(extra)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawns")
}

/// Waits until the recording at `path` holds sealed tick `tick` (a session
/// writes each sealed tick out as it seals it).
pub fn wait_for_tick(path: &Path, tick: u64, limit: Duration) {
    use snake_demo::rules::SnakeGame;
    use tickline::record::Recording;
    let deadline = Instant::now() + limit;
    loop {
        let last = Recording::<SnakeGame>::open(path).map_or(0, |r| r.last_tick().0);
        if last >= tick {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "{} stopped at tick {last}",
            path.display()
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}
