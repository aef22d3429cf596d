//! `log`: a recording's sealed log and events, for people (text) and scripts
//! (`--json`: one JSON object per line), read as a stream.

use std::io::{BufWriter, Write};

use serde_json::json;
use tickline::model::Tick;
use tickline::record::{Header, Record, RecordStream, RecordedEvent, Stopped};

use super::{body_text, commit_json};
use crate::cli::LogArgs;
use crate::rules::{SnakeGame, Turn};

/// `log`: returns false when the file is damaged (after printing what precedes
/// the damage).
///
/// # Errors
///
/// An unreadable recording, or stdout closed.
pub fn log(args: LogArgs) -> Result<bool, String> {
    let mut stream = RecordStream::<SnakeGame>::open(&args.path)
        .map_err(|e| format!("cannot read {}: {e}", args.path.display()))?;
    let out = std::io::stdout().lock();
    let mut out = BufWriter::new(out);
    let io = |e: std::io::Error| format!("cannot write the log: {e}");
    let header = stream.header().clone();
    writeln!(out, "{}", header_line(&header, args.json)).map_err(io)?;
    while let Some((_, record)) = stream.next_record() {
        for line in record_lines(&record, args.json) {
            writeln!(out, "{line}").map_err(io)?;
        }
    }
    let (last, stopped) = (stream.last_tick(), stream.stopped().cloned());
    writeln!(out, "{}", end_line(last, stopped.as_ref(), args.json)).map_err(io)?;
    out.flush().map_err(io)?;
    Ok(stopped.is_none())
}

fn header_line(h: &Header, json: bool) -> String {
    if json {
        let line = json!({"kind": "header", "game": h.game_id, "seed": h.seed, "tick_rate": h.tick_rate, "start_tick": h.start_tick.0});
        return line.to_string();
    }
    format!(
        "recording of {} (seed {}, {} Hz), from tick {}",
        h.game_id, h.seed, h.tick_rate, h.start_tick
    )
}

fn record_lines(record: &Record<Turn>, json: bool) -> Vec<String> {
    match record {
        Record::Sealed(st) => st
            .commits
            .iter()
            .map(|c| match json {
                true => {
                    let mut line = commit_json(c);
                    line["kind"] = "commit".into();
                    line["tick"] = st.tick.0.into();
                    line.to_string()
                }
                false => format!(
                    "tick {:>6}  {:<10} {}",
                    st.tick.0,
                    c.id.to_string(),
                    body_text(c)
                ),
            })
            .collect(),
        Record::Event { tick, event } => vec![event_line(*tick, event, json)],
        _ => Vec::new(),
    }
}

fn event_line(tick: Tick, event: &RecordedEvent, json: bool) -> String {
    let (kind, text, detail) = match event {
        RecordedEvent::Desync {
            peer,
            expected,
            reported,
        } => (
            "desync",
            format!("desync: {peer} reported {reported:016x}, the host had {expected:016x}"),
            json!({"peer": peer.0, "expected": format!("{expected:016x}"), "reported": format!("{reported:016x}")}),
        ),
        RecordedEvent::Healed { fields, more } => {
            let listed: Vec<String> = fields.iter().map(ToString::to_string).collect();
            let text = format!(
                "healed by the host's snapshot; fields that differed: {}{}",
                listed.join(", "),
                if *more > 0 {
                    format!(" and {more} more")
                } else {
                    String::new()
                }
            );
            (
                "healed",
                text,
                json!({"fields": fields, "more_fields": more}),
            )
        }
        RecordedEvent::Note(note) => ("note", note.clone(), json!({"text": note})),
        RecordedEvent::HostChanged { peer, name } => (
            "host_changed",
            format!("{name} ({peer}) took the game over as host"),
            json!({"peer": peer.0, "name": name}),
        ),
        other => (
            "event",
            format!("{other:?}"),
            json!({"text": format!("{other:?}")}),
        ),
    };
    if json {
        let mut line = detail;
        line["kind"] = kind.into();
        line["tick"] = tick.0.into();
        return line.to_string();
    }
    format!("tick {:>6}  event      {text}", tick.0)
}

fn end_line(last: Tick, stopped: Option<&Stopped>, json: bool) -> String {
    match (stopped, json) {
        (None, true) => json!({"kind": "end", "last_tick": last.0, "damaged": null}).to_string(),
        (Some(s), true) => json!({"kind": "end", "last_tick": last.0, "damaged": {"offset": s.offset, "after_tick": s.last_tick.0, "reason": s.problem.to_string()}}).to_string(),
        (None, false) => format!("end of recording at tick {last}"),
        (Some(s), false) => format!("DAMAGED at byte {} ({}): the log stops after tick {last}", s.offset, s.problem),
    }
}
