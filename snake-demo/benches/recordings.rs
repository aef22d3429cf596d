//! Recordings at scale: time to bisect two one-hour 20 Hz Snake recordings, and
//! the peak memory of verifying or bisecting any file, however large or endless.
//!
//! `cargo bench -p snake-demo --bench recordings` prints one table. Each workload
//! runs in a fresh child process (this binary, re-executed) that reports its own
//! peak resident memory (VmHWM), so the figures are those of that workload alone.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Instant;

use snake_demo::rules::SnakeGame;
use snake_demo::sample::BotRecording;
use tickline::model::{Body, Commit, CommitId, PeerId};
use tickline::record::{RecordStream, bisect, verify_stream};

const HOUR_AT_20_HZ: u64 = 20 * 3600;
const DIVERGE_AT: u64 = 50_000;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if let Some(i) = args.iter().position(|a| a == "--child") {
        return child(&args[i + 1], &args[i + 2..]);
    }
    let dir = tempfile::tempdir().expect("temp dir");
    let (a, b) = (dir.path().join("a.tlrec"), dir.path().join("b.tlrec"));
    let made = Instant::now();
    write_hours(&a, 1, None, 600);
    write_hours(&b, 1, Some(DIVERGE_AT), 300);
    let long = dir.path().join("ten-hours.tlrec");
    write_hours(&long, 10, None, 600);
    let size = std::fs::metadata(&a).map_or(0, |m| m.len());
    eprintln!(
        "wrote two one-hour recordings ({} KB each) in {:.1} s",
        size / 1024,
        made.elapsed().as_secs_f64()
    );
    let zeros = dir.path().join("zeros.tlrec");
    std::fs::File::create(&zeros)
        .and_then(|f| f.set_len(2 << 30))
        .expect("sparse 2 GB file");
    let fifo = dir.path().join("fifo.tlrec");
    let made_fifo = Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .is_ok_and(|s| s.success());

    println!("| workload | result | time | peak memory |");
    println!("| --- | --- | --- | --- |");
    let s = |p: &Path| p.to_string_lossy().into_owned();
    run(
        "bisect two one-hour 20 Hz recordings (diverge at 50,000)",
        &["bisect", &s(&a), &s(&b)],
        None,
    );
    run(
        "verify one one-hour 20 Hz recording",
        &["verify", &s(&a)],
        None,
    );
    let mb = std::fs::metadata(&long).map_or(0, |m| m.len()) >> 20;
    run(
        &format!("verify one ten-hour 20 Hz recording ({mb} MB)"),
        &["verify", &s(&long)],
        None,
    );
    run("verify a 2 GB file of zeros", &["verify", &s(&zeros)], None);
    run("verify /dev/zero", &["verify", "/dev/zero"], None);
    if made_fifo {
        run(
            "verify a FIFO fed a recording then zeros",
            &["verify", &s(&fifo)],
            Some((fifo.clone(), a.clone())),
        );
    }
}

/// Runs one workload in a child process and prints its row.
fn run(name: &str, args: &[&str], feed: Option<(PathBuf, PathBuf)>) {
    let exe = std::env::current_exe().expect("own path");
    let child = Command::new(exe)
        .arg("--child")
        .args(args)
        .stdout(Stdio::piped())
        .spawn()
        .expect("spawns");
    let feeder = feed.map(|(fifo, rec)| {
        std::thread::spawn(move || {
            let Ok(mut out) = std::fs::OpenOptions::new().write(true).open(fifo) else {
                return;
            };
            let _ = out.write_all(&std::fs::read(rec).unwrap_or_default());
            let zeros = vec![0u8; 1 << 20];
            for _ in 0..1024 {
                if out.write_all(&zeros).is_err() {
                    return;
                }
            }
        })
    });
    let out = child.wait_with_output().expect("child output");
    if let Some(f) = feeder {
        let _ = f.join();
    }
    let line = String::from_utf8_lossy(&out.stdout);
    let fields: Vec<&str> = line.trim().split('\t').collect();
    match fields.as_slice() {
        [result, ms, kb] => println!(
            "| {name} | {result} | {ms} ms | {:.1} MB |",
            kb.parse::<f64>().unwrap_or(0.0) / 1024.0
        ),
        _ => println!("| {name} | failed: {line} | | |"),
    }
}

/// In the child: runs the workload, prints `result \t ms \t peak KB`.
fn child(workload: &str, paths: &[String]) {
    let started = Instant::now();
    let result = match workload {
        "bisect" => match bisect::<SnakeGame>(Path::new(&paths[0]), Path::new(&paths[1])) {
            Ok(r) => match r.divergence {
                Some(d) => format!(
                    "diverge at {}, {} fields, {} ticks re-simulated",
                    d.tick,
                    d.fields.fields.len(),
                    r.resimulated
                ),
                None => "agree".into(),
            },
            Err(e) => format!("error: {e}"),
        },
        _ => match RecordStream::<SnakeGame>::open(&paths[0]) {
            Ok(stream) => match verify_stream(stream, None) {
                Ok(r) => format!(
                    "verified {} ticks, damaged: {}",
                    r.last_tick.since(r.first_tick),
                    r.stopped.is_some()
                ),
                Err(e) => format!("error: {e}"),
            },
            Err(e) => format!("refused: {e}"),
        },
    };
    let ms = started.elapsed().as_millis();
    println!("{result}\t{ms}\t{}", peak_kb());
}

fn peak_kb() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0)
}

/// `hours` of a 3-bot game at 20 Hz: checksums every tick, snapshots every
/// `snapshot_every` ticks; at tick `extra`, player 3 leaves in this copy only.
fn write_hours(path: &Path, hours: u64, extra: Option<u64>, snapshot_every: u64) {
    let game = BotRecording {
        bots: 3,
        ticks: HOUR_AT_20_HZ * hours,
        tick_rate: 20,
        seed: 8,
        snapshot_every,
    };
    game.write(path, |_, t| {
        if extra != Some(t.0) {
            return Vec::new();
        }
        let id = CommitId {
            author: PeerId::SYSTEM,
            seq: 1_000,
        };
        vec![Commit {
            id,
            tick: t,
            body: Body::Leave { peer: PeerId(3) },
        }]
    })
    .expect("writes");
}
