//! Reading damaged, forged and endless inputs: bounded memory, clear errors, no
//! arithmetic on outside values that can overflow.

use std::io::Read;

use crate::fixtures::{Push, Tally, TallyGame};
use crate::model::Tick;

use super::tests::{header, record_session};
use super::*;

fn stream(bytes: &[u8]) -> Result<RecordStream<TallyGame, &[u8]>, RecordError> {
    RecordStream::from_reader(bytes)
}

/// The preamble and a header frame, as the writer makes them.
fn preamble(header: &Header) -> Vec<u8> {
    RecordingWriter::new(Vec::new(), header)
        .expect("header")
        .finish()
        .expect("flushes")
}

#[test]
fn an_endless_stream_of_zeros_is_refused_at_once() {
    // `replay /dev/zero` used to read until memory ran out.
    let zeros = std::io::repeat(0).take(2 << 30);
    let err = RecordStream::<TallyGame, _>::from_reader(zeros).expect_err("refused");
    assert!(matches!(err, RecordError::NotARecording));
}

#[test]
fn a_forged_frame_length_costs_only_the_bytes_that_exist() {
    let mut bytes = preamble(&header(5));
    let at = bytes.len() as u64;
    bytes.extend_from_slice(&(MAX_FRAME_BYTES as u32).to_le_bytes());
    bytes.extend_from_slice(&[7; 100]);
    let mut s = stream(&bytes).expect("header intact");
    assert!(s.next_record().is_none());
    let stopped = s.stopped().expect("reported");
    assert_eq!(
        (stopped.offset, &stopped.problem),
        (at, &TailProblem::Truncated)
    );

    let mut over = preamble(&header(5));
    over.extend_from_slice(&u32::MAX.to_le_bytes());
    let mut s = stream(&over).expect("header intact");
    assert!(s.next_record().is_none());
    assert!(matches!(
        s.stopped().map(|s| &s.problem),
        Some(TailProblem::BadLength(_))
    ));
}

#[test]
fn a_start_tick_beyond_any_session_is_refused() {
    // `bisect X X` on such a file used to run forever.
    let mut h = header(5);
    h.start_tick = Tick(u64::MAX);
    let err = stream(&preamble(&h)).expect_err("refused");
    assert!(matches!(
        err,
        RecordError::CorruptHeader(TailProblem::Misplaced(_))
    ));
    h.start_tick = Tick::MAX;
    assert!(
        stream(&preamble(&h)).is_ok(),
        "the largest allowed tick is fine"
    );
}

#[test]
fn checksums_for_ticks_not_yet_sealed_stop_the_reader() {
    let mut writer = RecordingWriter::new(Vec::new(), &header(5)).expect("header");
    writer
        .write_sealed(&crate::SealedTick::<Push>::empty(Tick(1)))
        .expect("writes");
    writer.write_checksum(Tick(9), 1).expect("writes");
    let bytes = writer.finish().expect("flushes");
    let rec = Recording::<TallyGame>::collect(stream(&bytes).expect("valid")).expect("reads");
    assert_eq!(rec.last_tick(), Tick(1));
    assert_eq!(
        rec.stopped.map(|s| s.problem),
        Some(TailProblem::Misplaced(Tick(9)))
    );
}

#[test]
fn verifying_a_stream_matches_verifying_in_memory_and_reports_damage() {
    let (bytes, _) = record_session(120, 25, None);
    let in_memory: Replayer<TallyGame> =
        Replayer::new(super::tests::read(&bytes).expect("valid")).expect("genesis");
    let report = verify_stream(stream(&bytes).expect("valid"), None).expect("genesis");
    assert_eq!(report, in_memory.verify());
    assert!(report.verified() && report.complete());
    assert_eq!((report.first_tick, report.last_tick), (Tick(0), Tick(120)));
    assert_eq!(report.checked, 120 + 4);

    let cut = &bytes[..bytes.len() * 2 / 3];
    let report = verify_stream(stream(cut).expect("valid"), None).expect("genesis");
    assert!(report.verified(), "the intact prefix verifies");
    assert!(!report.complete(), "but the damage is reported");
    assert!(report.last_tick < Tick(120));
    let stopped = report.stopped.expect("stopped");
    assert_eq!(stopped.last_tick, report.last_tick);
}

#[test]
fn an_invalid_start_state_is_refused_by_the_workspace() {
    let mut h = header(5);
    // Tally refuses more than 1000 members (see the fixture's validate).
    let crowded = Tally {
        members: (0..1001).map(|i| (i, String::new())).collect(),
        ..Tally::default()
    };
    h.genesis = crate::model::codec::encode_state(&crowded).expect("encodes");
    let bytes = preamble(&h);
    let err = verify_stream(stream(&bytes).expect("valid"), None).expect_err("invalid");
    assert_eq!(
        err.to_string(),
        "the genesis state does not decode: invalid state: 1001 members, at most 1000"
    );
}
