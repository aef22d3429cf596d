//! `replay` and `bisect`: open, verify and compare recordings.

mod viewer;

use std::path::Path;

use serde_json::json;
use tickline::model::checksum::checksum_hex;
use tickline::model::{Body, Commit, Tick};
use tickline::record::{Expect, Recording, Replayer, compare};

use crate::cli::{BisectArgs, ReplayArgs};
use crate::rules::{SnakeWorld, Turn};

/// Reads a Snake recording, with one clear line on failure.
///
/// # Errors
///
/// Missing, foreign, newer or corrupt files.
pub fn load(path: &Path) -> Result<Recording<Turn>, String> {
    let expect = Expect::game(SnakeWorld::GAME_ID).schema(SnakeWorld::SCHEMA_HASH);
    let rec = Recording::open(path, &expect)
        .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    if let Some(stopped) = &rec.stopped {
        eprintln!(
            "warning: {} is damaged at byte {} ({}); using the {} ticks before it",
            path.display(),
            stopped.offset,
            stopped.problem,
            stopped.last_tick.since(rec.start_tick())
        );
    }
    Ok(rec)
}

/// `replay`: the viewer, or `--verify` (exit status: whether it verified).
///
/// # Errors
///
/// An unreadable recording or an out-of-range `--to-tick`.
pub fn run(args: ReplayArgs) -> Result<bool, String> {
    let rec = load(&args.path)?;
    let (first, last) = (rec.start_tick(), rec.last_tick());
    if let Some(t) = args.to_tick
        && (Tick(t) < first || Tick(t) > last)
    {
        return Err(format!(
            "--to-tick {t} is outside the recording (ticks {first}..={last})"
        ));
    }
    let replayer: Replayer<SnakeWorld, Turn> =
        Replayer::new(rec).map_err(|e| format!("cannot replay {}: {e}", args.path.display()))?;
    if !args.verify {
        viewer::run(replayer, args.to_tick.map(Tick), args.screenshot)?;
        return Ok(true);
    }
    let report = replayer.verify_to(args.to_tick.map_or(last, Tick));
    if args.json {
        let out = json!({
            "verified": report.verified(),
            "last_tick": report.last_tick.0,
            "commits": report.commits,
            "checksum": checksum_hex(report.checksum),
            "first_mismatch": report.first_mismatch.map(|t| t.0),
        });
        println!("{out}");
    } else if let Some(t) = report.first_mismatch {
        println!("NOT VERIFIED: the recorded checksum at tick {t} differs from the re-simulation");
        println!(
            "({} ticks, {} commits, {} checks)",
            report.last_tick.since(first),
            report.commits,
            report.checked
        );
    } else {
        println!(
            "verified: ticks {first}..={} re-simulated, {} commits, {} checksums and snapshots match, final checksum {}",
            report.last_tick,
            report.commits,
            report.checked,
            checksum_hex(report.checksum)
        );
    }
    Ok(report.verified())
}

fn commit_json(c: &Commit<Turn>) -> serde_json::Value {
    let body = match &c.body {
        Body::Game(Turn(dir)) => format!("Turn({dir:?})"),
        Body::Join { peer, name } => format!("Join({peer}, {name:?})"),
        Body::Leave { peer } => format!("Leave({peer})"),
    };
    json!({ "author": c.id.author.0, "seq": c.id.seq, "body": body })
}

fn commits_text(commits: &[Commit<Turn>]) -> String {
    if commits.is_empty() {
        return "(none)".into();
    }
    commits
        .iter()
        .map(|c| {
            commit_json(c)["body"]
                .as_str()
                .map(|b| format!("{} {b}", c.id))
                .unwrap_or_default()
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// `bisect`: the first tick where two recordings' checksums differ.
///
/// # Errors
///
/// Unreadable recordings, or recordings of different sessions.
pub fn bisect(args: BisectArgs) -> Result<(), String> {
    let a = load(&args.a)?;
    let b = load(&args.b)?;
    let cmp = compare::<SnakeWorld, Turn>(&a, &b).map_err(|e| e.to_string())?;
    let (lo, hi) = cmp.common;
    if args.json {
        let d = cmp.divergence.as_ref();
        let out = json!({
            "agree": cmp.agree(),
            "common": [lo.0, hi.0],
            "tick": d.map(|d| d.tick.0),
            "checksum_a": d.map(|d| checksum_hex(d.checksum_a)),
            "checksum_b": d.map(|d| checksum_hex(d.checksum_b)),
            "commits_a": d.map(|d| d.commits_a.iter().map(commit_json).collect::<Vec<_>>()),
            "commits_b": d.map(|d| d.commits_b.iter().map(commit_json).collect::<Vec<_>>()),
            "first_log_difference": cmp.first_log_difference.map(|t| t.0),
        });
        println!("{out}");
        return Ok(());
    }
    match &cmp.divergence {
        None => println!("the recordings agree over ticks {lo}..={hi}"),
        Some(d) => {
            println!("first divergence at tick {}", d.tick);
            println!(
                "  A: checksum {}  commits: {}",
                checksum_hex(d.checksum_a),
                commits_text(&d.commits_a)
            );
            println!(
                "  B: checksum {}  commits: {}",
                checksum_hex(d.checksum_b),
                commits_text(&d.commits_b)
            );
            if let Some(t) = cmp.first_log_difference {
                println!("  the sealed logs first differ at tick {t}");
            }
        }
    }
    Ok(())
}
