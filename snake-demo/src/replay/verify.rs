//! `replay --verify`: re-simulate a recording as a stream and check every recorded
//! checksum and snapshot.

use serde_json::json;
use tickline::model::Tick;
use tickline::model::checksum::checksum_hex;
use tickline::record::{RecordStream, Stopped, VerifyReport, verify_stream};

use crate::cli::ReplayArgs;
use crate::rules::SnakeGame;

/// How a verification ended; the process exit status follows it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// Complete and verified (exit 0).
    Verified,
    /// A recorded checksum differs from the re-simulation (exit 1).
    Mismatch,
    /// The file is damaged; the intact prefix verified (exit 3).
    Damaged,
}

impl Verdict {
    /// The process exit status.
    pub fn exit_code(self) -> u8 {
        match self {
            Verdict::Verified => 0,
            Verdict::Mismatch => 1,
            Verdict::Damaged => 3,
        }
    }
}

/// Runs the verification and prints the report.
pub(super) fn run(args: &ReplayArgs) -> Result<Verdict, String> {
    let path = &args.path;
    let stream = RecordStream::<SnakeGame>::open(path)
        .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    let first = stream.header().start_tick;
    if let Some(t) = args.to_tick.filter(|t| Tick(*t) < first) {
        return Err(format!(
            "--to-tick {t} is before the recording's start tick {first}"
        ));
    }
    let report = verify_stream(stream, args.to_tick.map(Tick))
        .map_err(|e| format!("cannot replay {}: {e}", path.display()))?;
    if let Some(t) = args.to_tick.filter(|t| Tick(*t) > report.last_tick) {
        let last = report.last_tick;
        return Err(format!(
            "--to-tick {t} is outside the recording (ticks {first}..={last})"
        ));
    }
    if args.json {
        println!("{}", report_json(&report));
    } else {
        print_text(&report, path);
    }
    Ok(match (report.verified(), report.complete()) {
        (false, _) => Verdict::Mismatch,
        (true, false) => Verdict::Damaged,
        (true, true) => Verdict::Verified,
    })
}

fn damaged_json(stopped: Option<&Stopped>) -> serde_json::Value {
    stopped.map_or(serde_json::Value::Null, |s| {
        json!({
            "offset": s.offset,
            "after_tick": s.last_tick.0,
            "reason": s.problem.to_string(),
        })
    })
}

fn report_json(report: &VerifyReport) -> serde_json::Value {
    json!({
        "verified": report.verified() && report.complete(),
        "first_tick": report.first_tick.0,
        "last_tick": report.last_tick.0,
        "commits": report.commits,
        "checked": report.checked,
        "checksum": checksum_hex(report.checksum),
        "first_mismatch": report.first_mismatch.map(|t| t.0),
        "damaged": damaged_json(report.stopped.as_ref()),
    })
}

fn print_text(report: &VerifyReport, path: &std::path::Path) {
    let (first, last) = (report.first_tick, report.last_tick);
    if let Some(t) = report.first_mismatch {
        println!("NOT VERIFIED: the recorded checksum at tick {t} differs from the re-simulation");
        println!(
            "({} ticks, {} commits, {} checks)",
            last.since(first),
            report.commits,
            report.checked
        );
    } else {
        println!(
            "verified: ticks {first}..={last} re-simulated, {} commits, {} checksums and snapshots match, final checksum {}",
            report.commits,
            report.checked,
            checksum_hex(report.checksum)
        );
    }
    if let Some(s) = &report.stopped {
        println!(
            "DAMAGED: {} is damaged at byte {} ({}); only ticks up to {} were verified",
            path.display(),
            s.offset,
            s.problem,
            s.last_tick
        );
    }
}
