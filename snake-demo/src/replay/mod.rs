//! `replay`, `bisect` and `log`: open, verify, compare and print recordings.
//!
//! Verifying, bisecting and printing read recordings as streams, in bounded
//! memory whatever the file; only the viewer holds a whole recording.

mod bisect;
mod log;
mod verify;
mod viewer;

use std::path::Path;

use tickline::model::{Body, Commit, Tick};
use tickline::record::{Recording, Replayer};

use crate::cli::ReplayArgs;
use crate::rules::{SnakeGame, Turn};

pub use bisect::bisect;
pub use log::log;
pub use verify::Verdict;

/// Reads a Snake recording into memory (for the viewer), with one clear line on
/// failure.
///
/// # Errors
///
/// Missing, foreign, newer or corrupt files.
pub fn load(path: &Path) -> Result<Recording<SnakeGame>, String> {
    let rec = Recording::open(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
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

/// `replay`: the viewer, or `--verify`.
///
/// # Errors
///
/// An unreadable recording or an out-of-range `--to-tick`.
pub fn run(args: ReplayArgs) -> Result<Verdict, String> {
    if args.verify {
        return verify::run(&args);
    }
    let rec = load(&args.path)?;
    let (first, last) = (rec.start_tick(), rec.last_tick());
    if let Some(t) = args.to_tick
        && (Tick(t) < first || Tick(t) > last)
    {
        return Err(format!(
            "--to-tick {t} is outside the recording (ticks {first}..={last})"
        ));
    }
    let replayer: Replayer<SnakeGame> =
        Replayer::new(rec).map_err(|e| format!("cannot replay {}: {e}", args.path.display()))?;
    viewer::run(replayer, args.to_tick.map(Tick), args.screenshot)?;
    Ok(Verdict::Verified)
}

/// A commit's body as people read it: `Turn(Up)`, `Join(p2, "ann")`, `Leave(p2)`.
pub fn body_text(c: &Commit<Turn>) -> String {
    match &c.body {
        Body::Game(Turn(dir)) => format!("Turn({dir:?})"),
        Body::Join { peer, name } => format!("Join({peer}, {name:?})"),
        Body::Leave { peer } => format!("Leave({peer})"),
    }
}

/// A commit as JSON: author, sequence number and body.
pub fn commit_json(c: &Commit<Turn>) -> serde_json::Value {
    serde_json::json!({ "author": c.id.author.to_string(), "seq": c.id.seq, "body": body_text(c) })
}
