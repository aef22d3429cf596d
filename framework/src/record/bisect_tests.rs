//! Bisecting recordings written to files: overlapping or not, reproducible or not.

use std::path::{Path, PathBuf};

use crate::fixtures::{Push, TallyGame};
use crate::model::Tick;
use crate::model::codec::encode_state;

use super::tests::{header, record_session};
use super::*;

/// Copies the records of `bytes` through `edit` (which may change or drop each)
/// into a new recording with `header`.
fn rewrite(
    bytes: &[u8],
    header: &Header,
    mut edit: impl FnMut(Record<Push>) -> Option<Record<Push>>,
) -> Vec<u8> {
    let mut stream = RecordStream::<TallyGame, _>::from_reader(bytes).expect("valid");
    let mut writer = RecordingWriter::new(Vec::new(), header).expect("header");
    while let Some((_, record)) = stream.next_record() {
        if let Some(record) = edit(record) {
            writer.write_record(&record).expect("writes");
        }
    }
    writer.finish().expect("flushes")
}

fn save(dir: &Path, name: &str, bytes: &[u8]) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, bytes).expect("writes");
    path
}

fn run(a: &Path, b: &Path) -> Result<Bisection<Push>, ReplayError> {
    bisect::<TallyGame>(a, b)
}

/// The ticks of `bytes` after `start`, as a recording that joined at `start`.
fn joined_late(bytes: &[u8], start: u64) -> Vec<u8> {
    let rec = super::tests::read(bytes).expect("valid");
    let mut replayer: Replayer<TallyGame> = Replayer::new(rec).expect("genesis");
    replayer.seek(Tick(start)).expect("in range");
    let mut late = header(5);
    late.start_tick = Tick(start);
    late.genesis = encode_state(replayer.state()).expect("encodes");
    rewrite(bytes, &late, |r| match &r {
        Record::Sealed(st) if st.tick.0 <= start => None,
        Record::Checksum { tick, .. } | Record::Snapshot { tick, .. } if tick.0 <= start => None,
        _ => Some(r),
    })
}

#[test]
fn bisect_names_the_first_diverging_tick_its_commits_and_fields() {
    let dir = tempfile::tempdir().expect("temp dir");
    let a = save(dir.path(), "a", &record_session(400, 50, None).0);
    let b = save(dir.path(), "b", &record_session(400, 50, Some(223)).0);
    let same = run(&a, &a).expect("same session");
    assert!(same.agree());
    assert_eq!(same.common, Some((Tick(0), Tick(400))));
    assert_eq!(same.compared, 401);

    let cmp = run(&a, &b).expect("same session");
    let d = cmp.divergence.expect("they differ");
    assert_eq!(d.tick, Tick(223));
    assert!(d.reproduced);
    assert_ne!(d.checksum_a, d.checksum_b);
    assert_eq!(d.commits_b.len(), d.commits_a.len() + 1);
    assert_eq!(d.fields_from, FieldsFrom::States);
    let paths: Vec<&str> = d.fields.fields.iter().map(|f| f.path.as_str()).collect();
    assert!(paths.contains(&"log[55]"), "{paths:?}");
    // Only the gap after the last agreeing checksum was re-simulated: from the
    // snapshot at 200 to 223, in both files.
    assert!(cmp.resimulated <= 2 * 23, "{}", cmp.resimulated);
}

#[test]
fn without_recorded_checksums_the_tick_is_found_by_resimulation() {
    let dir = tempfile::tempdir().expect("temp dir");
    let strip = |bytes: Vec<u8>| {
        rewrite(&bytes, &header(5), |r| match r {
            Record::Checksum { .. } | Record::Snapshot { .. } => None,
            r => Some(r),
        })
    };
    let a = save(dir.path(), "a", &strip(record_session(60, 0, None).0));
    let b = save(dir.path(), "b", &strip(record_session(60, 0, Some(23)).0));
    let cmp = run(&a, &b).expect("same session");
    assert_eq!(cmp.divergence.map(|d| d.tick), Some(Tick(23)));
}

#[test]
fn recordings_that_do_not_overlap_compare_nothing_and_say_so() {
    // A client that re-joined after its grace window leaves two recordings with
    // disjoint ranges; this used to panic.
    let dir = tempfile::tempdir().expect("temp dir");
    let (full, _) = record_session(100, 0, None);
    let early = rewrite(&full, &header(5), |r| match &r {
        Record::Sealed(st) if st.tick.0 > 40 => None,
        Record::Checksum { tick, .. } if tick.0 > 40 => None,
        _ => Some(r),
    });
    let a = save(dir.path(), "a", &early);
    let b = save(dir.path(), "b", &joined_late(&full, 60));
    let cmp = run(&a, &b).expect("same session");
    assert_eq!(cmp.common, None);
    assert_eq!(
        (cmp.range_a, cmp.range_b),
        ((Tick(0), Tick(40)), (Tick(60), Tick(100)))
    );
    assert!(cmp.agree());
    assert_eq!(cmp.compared, 0);

    // Overlapping from the late start on: compared over 60..=100.
    let c = save(dir.path(), "c", &full);
    let cmp = run(&c, &b).expect("same session");
    assert_eq!(cmp.common, Some((Tick(60), Tick(100))));
    assert!(cmp.agree());
    let (tampered, _) = record_session(100, 0, Some(77));
    let d = save(dir.path(), "d", &tampered);
    let cmp = run(&d, &b).expect("same session");
    assert_eq!(cmp.divergence.map(|d| d.tick), Some(Tick(77)));
}

#[test]
fn a_peer_that_computed_differently_is_named_by_its_snapshot_or_its_heal() {
    let dir = tempfile::tempdir().expect("temp dir");
    let (bytes, _) = record_session(60, 0, None);
    let a = save(dir.path(), "a", &bytes);
    // B's peer got tick 30 wrong (its log is the same): its checksums from 30 on
    // differ and it recorded a snapshot of its wrong state at 30.
    let rec = super::tests::read(&bytes).expect("valid");
    let mut replayer: Replayer<TallyGame> = Replayer::new(rec).expect("genesis");
    replayer.seek(Tick(30)).expect("in range");
    let mut wrong = replayer.state().clone();
    wrong.steps += 1000;
    let wrong_sum = crate::checksum(&wrong).expect("encodes");
    let snapshot = encode_state(&wrong).expect("encodes");
    let b_bytes = rewrite(&bytes, &header(5), |r| match r {
        Record::Checksum { tick, .. } if tick.0 >= 30 => Some(Record::Checksum {
            tick,
            value: wrong_sum ^ tick.0,
        }),
        r => Some(r),
    });
    let with_snapshot = insert_after_tick(
        &b_bytes,
        30,
        Record::Snapshot {
            tick: Tick(30),
            bytes: snapshot,
        },
    );
    let b = save(dir.path(), "b", &with_snapshot);
    let d = run(&a, &b)
        .expect("same session")
        .divergence
        .expect("differs");
    assert_eq!(d.tick, Tick(30));
    assert!(!d.reproduced);
    assert_eq!(d.fields_from, FieldsFrom::States);
    assert_eq!(d.fields.fields[0].path, "steps");

    // Without the snapshot, the heal it recorded later names the fields.
    let healed = RecordedEvent::Healed {
        fields: vec![FieldDiff {
            path: "steps".into(),
            a: "1040".into(),
            b: "40".into(),
        }],
        more: 0,
    };
    let with_heal = insert_after_tick(
        &b_bytes,
        40,
        Record::Event {
            tick: Tick(40),
            event: healed,
        },
    );
    let b = save(dir.path(), "b2", &with_heal);
    let d = run(&a, &b)
        .expect("same session")
        .divergence
        .expect("differs");
    assert_eq!(d.tick, Tick(30));
    assert_eq!(d.fields_from, FieldsFrom::RecordedHeal { tick: Tick(40) });
    // B recorded (its value, the host's); bisect shows them as (A, B).
    assert_eq!(d.fields.fields[0].to_string(), "steps: 40 ≠ 1040");
}

fn insert_after_tick(bytes: &[u8], tick: u64, extra: Record<Push>) -> Vec<u8> {
    let mut extra = Some(extra);
    let mut out = Vec::new();
    let mut stream = RecordStream::<TallyGame, _>::from_reader(bytes).expect("valid");
    let mut writer = RecordingWriter::new(&mut out, &header(5)).expect("header");
    while let Some((_, record)) = stream.next_record() {
        let at = matches!(&record, Record::Sealed(st) if st.tick.0 == tick);
        writer.write_record(&record).expect("writes");
        if at && let Some(e) = extra.take() {
            writer.write_record(&e).expect("writes");
        }
    }
    writer.finish().expect("flushes");
    out
}

#[test]
fn recordings_of_other_sessions_are_refused() {
    let dir = tempfile::tempdir().expect("temp dir");
    let (bytes, _) = record_session(10, 0, None);
    let a = save(dir.path(), "a", &bytes);
    let mut other = header(6);
    other.seed = 6;
    let b = save(dir.path(), "b", &rewrite(&bytes, &other, Some));
    assert!(matches!(run(&a, &b), Err(ReplayError::NotSameSession(_))));
}
