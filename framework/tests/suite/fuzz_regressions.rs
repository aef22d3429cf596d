//! Replays every input kept under `framework/fuzz/seeds/` and
//! `framework/fuzz/regressions/` through the checks the fuzz targets run
//! (`tickline::testing::fuzz`), so the suite keeps every bug a fuzzer found fixed.

use std::path::Path;

use tickline::testing::fuzz;

/// Runs `check` on every file under `dir/target`; returns how many.
fn replay(dir: &str, target: &str, check: fn(&[u8])) -> usize {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fuzz")
        .join(dir)
        .join(target);
    let Ok(entries) = std::fs::read_dir(&root) else {
        return 0;
    };
    let mut count = 0;
    for entry in entries {
        let path = entry.expect("listable").path();
        let bytes = std::fs::read(&path).expect("readable");
        let outcome = std::panic::catch_unwind(|| check(&bytes));
        assert!(outcome.is_ok(), "{} fails again", path.display());
        count += 1;
    }
    count
}

fn replay_all(target: &str, check: fn(&[u8])) {
    let seeds = replay("seeds", target, check);
    assert!(seeds > 0, "every target has seed inputs");
    replay("regressions", target, check);
}

#[test]
fn recording_inputs_replay_cleanly() {
    replay_all("recording", fuzz::recording);
}

#[test]
fn client_message_inputs_replay_cleanly() {
    replay_all("client_message", fuzz::client_message);
}

#[test]
fn host_message_inputs_replay_cleanly() {
    replay_all("host_message", fuzz::host_message);
}

#[test]
fn session_inputs_replay_cleanly() {
    replay_all("session", fuzz::session);
}

/// The checks themselves can fail: a recording whose header claims another game
/// is refused (no panic), while a broken invariant would panic.
#[test]
fn the_checks_reach_their_invariants() {
    let seed = std::fs::read(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/seeds/recording/arena-30-ticks.tlrec"),
    )
    .expect("seed");
    let stream =
        tickline::record::RecordStream::<tickline::testing::arena::ArenaGame, _>::with_expect(
            &seed[..],
            &tickline::record::Expect::game(fuzz::GAME),
        )
        .expect("the seed is a valid arena recording");
    assert!(stream.header().start_tick.0 == 0);
    let report = tickline::record::verify_stream(stream, None).expect("verifies");
    assert!(report.verified() && report.complete() && report.checked > 30);
}
