use crate::fixtures::{Push, Tally, TallyGame};
use crate::model::Game;
use crate::model::codec::encode_state;
use crate::model::{CommitId, PeerId, Tick};
use crate::timeline::{Sequencer, SequencerConfig, Timeline, TimelineConfig};

use super::*;

pub(super) const GAME: &str = TallyGame::ID;

pub(super) fn header(seed: u64) -> Header {
    Header {
        game_id: GAME.into(),
        schema_hash: TallyGame::schema_hash().expect("traces"),
        tick_rate: 20,
        seed,
        start_tick: Tick(0),
        genesis: encode_state(&Tally::default()).expect("encodes"),
        created_unix_ms: 1,
    }
}

/// Records `ticks` sealed ticks of a two-author session; `tamper` may change a
/// commit value on the way to the timeline (to make a diverging recording).
pub(super) fn record_session(
    ticks: u64,
    snapshot_interval: u64,
    tamper: Option<u64>,
) -> (Vec<u8>, Tally) {
    let config = TimelineConfig {
        snapshot_interval,
        ..TimelineConfig::default()
    }
    .with_journal();
    let mut tl: Timeline<TallyGame> =
        Timeline::new(PeerId(1), Tally::default(), 5, config).expect("config");
    let mut seq = Sequencer::new(SequencerConfig::default(), Tick(0));
    let mut writer = RecordingWriter::new(Vec::new(), &header(5)).expect("header");
    for t in 1..=ticks {
        if t % 4 == 0 {
            seq.accept(crate::Commit::game(
                CommitId {
                    author: PeerId(2),
                    seq: t,
                },
                Tick(t),
                Push(t),
            ))
            .expect("in range");
        }
        let mut st = seq.seal(Tick(t)).expect("in order");
        if Some(t) == tamper {
            st.commits.push(crate::Commit::game(
                CommitId {
                    author: PeerId(3),
                    seq: 0,
                },
                Tick(t),
                Push(99),
            ));
        }
        tl.receive_sealed(st).expect("valid");
        for entry in tl.drain_journal() {
            writer.append(&entry).expect("writes");
        }
    }
    (writer.finish().expect("flushes"), tl.sealed_state().clone())
}

pub(super) fn read(bytes: &[u8]) -> Result<Recording<TallyGame>, RecordError> {
    Recording::from_bytes(bytes)
}

#[test]
fn round_trip_keeps_every_tick_checksum_and_snapshot() {
    let (bytes, final_state) = record_session(50, 10, None);
    let rec = read(&bytes).expect("valid recording");
    assert_eq!(rec.header, header(5));
    assert_eq!(rec.last_tick(), Tick(50));
    assert_eq!(rec.sealed.len(), 50);
    assert_eq!(rec.commit_count(), 12);
    assert_eq!(rec.checksums.len(), 50);
    assert_eq!(
        rec.snapshots.keys().map(|t| t.0).collect::<Vec<_>>(),
        vec![10, 20, 30, 40, 50]
    );
    assert!(rec.stopped.is_none());
    let replayer: Replayer<TallyGame> = Replayer::new(rec).expect("genesis decodes");
    let report = replayer.verify();
    assert!(report.verified(), "{report:?}");
    assert_eq!(report.checked, 55);
    assert_eq!(report.commits, 12);
    assert_eq!(
        report.checksum,
        crate::checksum(&final_state).expect("encodes")
    );
}

#[test]
fn a_truncated_file_keeps_what_came_before() {
    let (bytes, _) = record_session(30, 0, None);
    let full = read(&bytes).expect("valid");
    let header_end = 10
        + 8
        + crate::model::codec::encode(&header(5))
            .expect("encodes")
            .len();
    let mut boundaries = std::collections::BTreeSet::new();
    let mut stream = super::RecordStream::<TallyGame, _>::from_reader(&bytes[..]).expect("valid");
    while let Some((at, _)) = stream.next_record() {
        boundaries.insert(at as usize);
    }
    assert_eq!(boundaries.first(), Some(&header_end));
    let mut last = Tick(0);
    // Every possible cut after the header.
    for cut in header_end + 1..bytes.len() {
        let rec = read(&bytes[..cut]).expect("header intact");
        if boundaries.contains(&cut) {
            assert!(
                rec.stopped.is_none(),
                "a cut between records is a shorter, whole file"
            );
            continue;
        }
        let stopped = rec.stopped.clone().expect("reports the damaged tail");
        assert_eq!(stopped.problem, TailProblem::Truncated);
        assert!(stopped.offset < cut as u64);
        assert_eq!(stopped.last_tick, rec.last_tick());
        assert!(rec.last_tick() >= last, "a longer prefix never loses ticks");
        last = rec.last_tick();
        // What was kept is exactly the prefix of the full recording.
        assert_eq!(rec.sealed[..], full.sealed[..rec.sealed.len()]);
    }
    assert_eq!(
        last,
        Tick(30),
        "only tick 30's checksum was missing at the last cut"
    );
    let half = read(&bytes[..bytes.len() / 2]).expect("header intact");
    assert!(half.last_tick() < Tick(30) && half.last_tick() > Tick(5));
    let replayer: Replayer<TallyGame> = Replayer::new(half).expect("genesis");
    assert!(replayer.verify().verified());
}

#[test]
fn any_flipped_byte_is_caught_and_never_panics() {
    let (bytes, _) = record_session(12, 5, None);
    let full = read(&bytes).expect("valid");
    for at in 0..bytes.len() {
        let mut damaged = bytes.clone();
        damaged[at] ^= 0x40;
        match read(&damaged) {
            Err(_) => assert!(
                at < 10 + 4 + 200,
                "only the preamble and header refuse the file"
            ),
            Ok(rec) => {
                let stopped = rec.stopped.clone().expect("damage is reported");
                assert!(stopped.offset <= at as u64, "stops at or before the damage");
                assert_eq!(rec.sealed[..], full.sealed[..rec.sealed.len()]);
            }
        }
    }
}

#[test]
fn foreign_files_are_refused_with_a_clear_error() {
    let (bytes, _) = record_session(3, 0, None);
    assert!(matches!(
        read(b"hello world, not a recording"),
        Err(RecordError::NotARecording)
    ));
    assert!(matches!(read(&[]), Err(RecordError::NotARecording)));
    let mut newer = bytes.clone();
    newer[8..10].copy_from_slice(&7u16.to_le_bytes());
    let err = read(&newer).expect_err("newer version");
    assert!(matches!(
        err,
        RecordError::NewerVersion {
            found: 7,
            supported: 3
        }
    ));
    let with = |expect: &Expect| RecordStream::<TallyGame, _>::with_expect(&bytes[..], expect);
    let other = with(&Expect::game("chess")).expect_err("wrong game");
    assert_eq!(
        other.to_string(),
        "this recording is of game \"tally\", not \"chess\""
    );
    let schema = with(&Expect::game(GAME).schema(1)).expect_err("schema");
    let found = TallyGame::schema_hash().expect("traces");
    assert!(matches!(
        schema,
        RecordError::WrongSchema { expected: 1, found: f } if f == found
    ));
}

#[test]
fn seek_and_step_agree_with_a_straight_replay() {
    let (bytes, _) = record_session(40, 8, None);
    let rec = read(&bytes).expect("valid");
    let mut straight: Replayer<TallyGame> = Replayer::new(rec.clone()).expect("genesis");
    let mut sums = vec![straight.checksum()];
    while straight.step_forward().is_some() {
        sums.push(straight.checksum());
    }
    assert_eq!(straight.tick(), Tick(40));
    let mut r: Replayer<TallyGame> = Replayer::new(rec).expect("genesis");
    for target in [33u64, 5, 40, 0, 17, 16, 39] {
        r.seek(Tick(target)).expect("in range");
        assert_eq!(r.checksum(), sums[target as usize], "tick {target}");
    }
    assert_eq!(r.step_back().expect("decodes"), Some(Tick(38)));
    assert_eq!(r.checksum(), sums[38]);
    assert!(matches!(
        r.seek(Tick(41)),
        Err(ReplayError::OutOfRange { .. })
    ));
    r.seek(Tick(0)).expect("start");
    assert_eq!(r.step_back().expect("start"), None);
}

#[test]
fn verify_names_the_first_tampered_tick() {
    let (bytes, _) = record_session(30, 0, None);
    let mut rec = read(&bytes).expect("valid");
    rec.checksums.insert(Tick(17), 12345);
    rec.checksums.insert(Tick(21), 12345);
    let replayer: Replayer<TallyGame> = Replayer::new(rec).expect("genesis");
    assert_eq!(replayer.verify().first_mismatch, Some(Tick(17)));
    let partial = replayer.verify_to(Tick(10));
    assert!(partial.verified());
    assert_eq!(partial.last_tick, Tick(10));
}

#[test]
fn files_on_disk_round_trip() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("s.tlrec");
    let mut writer = RecordingWriter::create(&path, &header(5)).expect("creates");
    writer
        .write_sealed(&crate::SealedTick::<Push>::empty(Tick(1)))
        .expect("writes");
    writer
        .write_event(Tick(1), &RecordedEvent::Note("hello".into()))
        .expect("writes");
    drop(writer.finish().expect("flushes"));
    let rec = Recording::<TallyGame>::open(&path).expect("reads");
    assert_eq!(rec.last_tick(), Tick(1));
    assert_eq!(
        rec.events,
        vec![(Tick(1), RecordedEvent::Note("hello".into()))]
    );
    assert!(matches!(
        Recording::<TallyGame>::open(dir.path().join("missing")),
        Err(RecordError::Io(_))
    ));
}

/// A recording made by this format version and checked in: it must keep reading
/// and verifying, to the same figures. A change that breaks it changes the format
/// and must bump [`FORMAT_VERSION`] on purpose (and keep reading this file).
#[test]
fn the_checked_in_recording_still_verifies() {
    let bytes = include_bytes!("../../tests/data/tally-v2.tlrec");
    assert_eq!(
        bytes[8..10],
        2u16.to_le_bytes(),
        "written as format version 2"
    );
    // Written before the schema hash was derived: read by its game id alone.
    let stream = RecordStream::<TallyGame, _>::with_expect(&bytes[..], &Expect::game(GAME));
    let rec = Recording::collect(stream.expect("reads")).expect("reads");
    assert!(rec.stopped.is_none());
    assert_eq!(rec.header.seed, 5);
    let report = Replayer::<TallyGame>::new(rec).expect("genesis").verify();
    assert!(report.verified());
    assert_eq!(
        (report.last_tick, report.commits, report.checked),
        (Tick(60), 15, 63)
    );
    assert_eq!(
        crate::model::checksum::checksum_hex(report.checksum),
        "cf6c37b48a2d639c"
    );
}
