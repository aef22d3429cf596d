//! `bisect`: where two recordings of one session diverge, and which fields differ.

use serde_json::json;
use tickline::model::checksum::checksum_hex;
use tickline::model::{Commit, Tick};
use tickline::record::{Bisection, Divergence, FieldsFrom, Stopped, bisect as bisect_files};

use super::{body_text, commit_json};
use crate::cli::BisectArgs;
use crate::rules::{SnakeGame, Turn};

/// `bisect`: returns whether the recordings agree (exit 0) or diverge (exit 1).
///
/// # Errors
///
/// Unreadable recordings, or recordings of different sessions (exit 2).
pub fn bisect(args: BisectArgs) -> Result<bool, String> {
    let result = bisect_files::<SnakeGame>(&args.a, &args.b).map_err(|e| {
        format!(
            "cannot bisect {} and {}: {e}",
            args.a.display(),
            args.b.display()
        )
    })?;
    if args.json {
        println!("{}", to_json(&result));
    } else {
        print_text(&result);
    }
    Ok(result.agree())
}

fn range_json((first, last): (Tick, Tick)) -> serde_json::Value {
    json!([first.0, last.0])
}

fn to_json(r: &Bisection<Turn>) -> serde_json::Value {
    let d = r.divergence.as_ref();
    let commits = |c: &[Commit<Turn>]| c.iter().map(commit_json).collect::<Vec<_>>();
    let damaged = |s: &Option<Stopped>| {
        s.as_ref().map(|s| json!({"offset": s.offset, "after_tick": s.last_tick.0, "reason": s.problem.to_string()}))
    };
    json!({
        "agree": r.agree(),
        "range_a": range_json(r.range_a),
        "range_b": range_json(r.range_b),
        "compared": r.common.map(range_json),
        "checksums_compared": r.compared,
        "ticks_resimulated": r.resimulated,
        "first_diverging_tick": d.map(|d| d.tick.0),
        "reproduced_by_resimulation": d.map(|d| d.reproduced),
        "checksum_a": d.map(|d| checksum_hex(d.checksum_a)),
        "checksum_b": d.map(|d| checksum_hex(d.checksum_b)),
        "commits_a": d.map(|d| commits(&d.commits_a)),
        "commits_b": d.map(|d| commits(&d.commits_b)),
        "fields": d.map(|d| &d.fields.fields),
        "more_fields": d.map(|d| d.fields.more),
        "fields_from": d.map(|d| fields_from(&d.fields_from)),
        "damaged_a": damaged(&r.damaged_a),
        "damaged_b": damaged(&r.damaged_b),
    })
}

fn fields_from(from: &FieldsFrom) -> String {
    match from {
        FieldsFrom::RecordedHeal { tick } => format!("the heal recorded at tick {tick}"),
        FieldsFrom::Unknown(why) => format!("unknown: {why}"),
        _ => "the states at the diverging tick".into(),
    }
}

fn commits_text(commits: &[Commit<Turn>]) -> String {
    if commits.is_empty() {
        return "(none)".into();
    }
    let listed: Vec<String> = commits
        .iter()
        .map(|c| format!("{} {}", c.id, body_text(c)))
        .collect();
    listed.join(", ")
}

fn print_text(r: &Bisection<Turn>) {
    let (a, b) = (r.range_a, r.range_b);
    println!(
        "A covers ticks {}..={}, B covers ticks {}..={}",
        a.0, a.1, b.0, b.1
    );
    for (name, damaged) in [("A", &r.damaged_a), ("B", &r.damaged_b)] {
        if let Some(s) = damaged {
            println!(
                "{name} is damaged at byte {} ({}): compared up to tick {}",
                s.offset, s.problem, s.last_tick
            );
        }
    }
    let Some((lo, hi)) = r.common else {
        println!("the recordings share no tick: nothing to compare");
        return;
    };
    match &r.divergence {
        None => println!(
            "the recordings agree over ticks {lo}..={hi} ({} checksums compared, {} ticks re-simulated)",
            r.compared, r.resimulated
        ),
        Some(d) => print_divergence(d, (lo, hi)),
    }
}

fn print_divergence(d: &Divergence<Turn>, (lo, hi): (Tick, Tick)) {
    println!(
        "compared ticks {lo}..={hi}: first divergence at tick {}",
        d.tick
    );
    if !d.reproduced {
        println!("  (the logs re-simulate alike: a peer computed something its log does not say)");
    }
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
    println!(
        "  fields that differ (from {}):",
        fields_from(&d.fields_from)
    );
    for f in &d.fields.fields {
        println!("    {f}");
    }
    if d.fields.more > 0 {
        println!("    … and {} more", d.fields.more);
    }
}
