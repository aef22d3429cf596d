//! `bisect` names the first tick at which two recordings differ, and says when
//! they agree.

use crate::common;

use std::path::Path;
use std::time::Duration;

use snake_demo::rules::SnakeGame;
use tickline::model::Tick;
use tickline::model::codec::encode_state;
use tickline::record::{Recording, RecordingWriter, Replayer};

#[test]
fn bisect_names_the_diverging_tick_its_commits_and_fields() {
    let dir = tempfile::tempdir().expect("temp dir");
    let (a, b) = (dir.path().join("a.tlrec"), dir.path().join("b.tlrec"));
    common::write_recording(&a, None);
    common::write_recording(&b, Some(137));
    let (a, b) = (
        a.to_string_lossy().into_owned(),
        b.to_string_lossy().into_owned(),
    );

    let out = common::run(&["bisect", &a, &b, "--json"], Duration::from_secs(60));
    assert_eq!(
        out.status.code(),
        Some(1),
        "diverging: exit 1; {}",
        common::output_text(&out)
    );
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).expect("one JSON object");
    assert_eq!(json["agree"], false);
    assert_eq!(json["first_diverging_tick"], 137);
    assert_eq!(json["compared"], serde_json::json!([0, 300]));
    assert_eq!(json["reproduced_by_resimulation"], true);
    let extra = json["commits_b"].as_array().expect("list").len()
        - json["commits_a"].as_array().expect("list").len();
    assert_eq!(extra, 1, "{json}");
    assert_ne!(json["checksum_a"], json["checksum_b"]);
    // Player 1 (snakes[0]) turned in B only: its next heading differs.
    let fields = json["fields"].as_array().expect("fields");
    assert!(
        fields.iter().any(|f| f["path"] == "snakes[0].next_dir"),
        "{json}"
    );

    let text = common::run(&["bisect", &a, &b], Duration::from_secs(60));
    let text = String::from_utf8_lossy(&text.stdout);
    assert!(
        text.contains("compared ticks 0..=300: first divergence at tick 137"),
        "{text}"
    );
    assert!(text.contains("snakes[0].next_dir: "), "{text}");

    let same = common::run(&["bisect", &a, &a], Duration::from_secs(60));
    assert_eq!(same.status.code(), Some(0), "agreeing: exit 0");
    assert!(String::from_utf8_lossy(&same.stdout).contains("agree over ticks 0..=300"));
    // And the diverging recording still verifies: each is consistent with itself.
    let (ok, json) = common::verify(Path::new(&b), None);
    assert!(ok, "{json}");
}

#[test]
fn bisect_of_unreadable_recordings_exits_2_with_one_line() {
    let dir = tempfile::tempdir().expect("temp dir");
    let a = dir.path().join("a.tlrec");
    common::write_recording(&a, None);
    let junk = dir.path().join("junk.tlrec");
    std::fs::write(&junk, b"not a recording").expect("writes");
    let out = common::run(
        &["bisect", &a.to_string_lossy(), &junk.to_string_lossy()],
        Duration::from_secs(60),
    );
    assert_eq!(out.status.code(), Some(2), "{}", common::output_text(&out));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(stderr.contains("not a Tickline recording"), "{stderr}");
}

#[test]
fn bisect_of_recordings_that_do_not_overlap_says_so_instead_of_panicking() {
    let dir = tempfile::tempdir().expect("temp dir");
    let full = dir.path().join("full.tlrec");
    common::write_recording(&full, None);
    let early = dir.path().join("early.tlrec");
    let late = dir.path().join("late.tlrec");
    cut(&full, &early, 0, 100);
    cut(&full, &late, 150, 300);
    let (early, late) = (early.to_string_lossy(), late.to_string_lossy());
    let out = common::run(
        &["bisect", &early, &late, "--json"],
        Duration::from_secs(60),
    );
    assert_eq!(out.status.code(), Some(0), "{}", common::output_text(&out));
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    assert_eq!(json["compared"], serde_json::Value::Null);
    assert_eq!(json["range_a"], serde_json::json!([0, 100]));
    assert_eq!(json["range_b"], serde_json::json!([150, 300]));
    let text = common::run(&["bisect", &early, &late], Duration::from_secs(60));
    assert!(
        String::from_utf8_lossy(&text.stdout).contains("share no tick"),
        "{}",
        common::output_text(&text)
    );
    let out = common::run(
        &["bisect", &full.to_string_lossy(), &late, "--json"],
        Duration::from_secs(60),
    );
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    assert_eq!(json["compared"], serde_json::json!([150, 300]));
    assert_eq!(json["agree"], true);
}

/// Copies ticks `from+1..=to` of `src` into `dst`, starting from the state at `from`
/// (as a peer that joined at `from` and left at `to` would have recorded).
fn cut(src: &Path, dst: &Path, from: u64, to: u64) {
    let rec = Recording::<SnakeGame>::open(src).expect("reads");
    let mut header = rec.header.clone();
    let mut replayer: Replayer<SnakeGame> = Replayer::new(rec.clone()).expect("genesis");
    replayer.seek(Tick(from)).expect("in range");
    header.start_tick = Tick(from);
    header.genesis = encode_state(replayer.state()).expect("encodes");
    let mut writer = RecordingWriter::create(dst, &header).expect("creates");
    for st in rec
        .sealed
        .iter()
        .filter(|st| st.tick.0 > from && st.tick.0 <= to)
    {
        writer.write_sealed(st).expect("writes");
        if let Some(sum) = rec.checksums.get(&st.tick) {
            writer.write_checksum(st.tick, *sum).expect("writes");
        }
    }
    writer.finish().expect("flushes");
}
