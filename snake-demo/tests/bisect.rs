//! `bisect` names the first tick at which two recordings differ, and says when
//! they agree.

mod common;

use std::path::Path;
use std::time::Duration;

use snake_demo::bot::decide;
use snake_demo::rules::{Dir, SnakeWorld, Turn};
use tickline::model::codec::encode_state;
use tickline::model::{Commit, CommitId, PeerId, SealedTick, Tick, TickCtx, WorkSpace, run_tick};
use tickline::record::{Header, RecordingWriter};

/// A 300-tick bot game; `extra` adds one more commit at `tick` in this copy only.
fn write_recording(path: &Path, extra: Option<u64>) {
    let mut world = SnakeWorld::default();
    for p in 1..=3 {
        world.on_join(
            PeerId(p),
            &format!("bot{p}"),
            &mut TickCtx::new(8, Tick(0), PeerId::SYSTEM, p),
        );
    }
    let header = Header {
        game_id: SnakeWorld::GAME_ID.into(),
        schema_hash: SnakeWorld::SCHEMA_HASH,
        tick_rate: 15,
        seed: 8,
        start_tick: Tick(0),
        genesis: encode_state(&world).expect("encodes"),
        created_unix_ms: 0,
    };
    let mut writer = RecordingWriter::create(path, &header).expect("creates");
    let mut seq = 0;
    for t in 1..=300u64 {
        let mut commits: Vec<Commit<Turn>> = world
            .snakes
            .iter()
            .filter_map(|s| decide(&world, s.owner).map(|d| (s.owner, d)))
            .map(|(owner, d)| {
                seq += 1;
                Commit::game(CommitId { author: owner, seq }, Tick(t), Turn(d))
            })
            .collect();
        if extra == Some(t) {
            // Player 1 turns in a direction it is allowed to take but was not taking.
            let s = world.snake(PeerId(1)).expect("joined");
            let dir = Dir::ALL
                .into_iter()
                .find(|d| *d != s.next_dir && *d != s.dir.opposite())
                .expect("a turn");
            commits.push(Commit::game(
                CommitId {
                    author: PeerId(1),
                    seq: 1_000_000,
                },
                Tick(t),
                Turn(dir),
            ));
        }
        let sealed = SealedTick {
            tick: Tick(t),
            commits,
        };
        run_tick(&mut world, &sealed.commits, 8, Tick(t));
        writer.write_sealed(&sealed).expect("writes");
        writer
            .write_checksum(Tick(t), tickline::checksum(&world).expect("encodes"))
            .expect("writes");
    }
    writer.finish().expect("flushes");
}

#[test]
fn bisect_names_the_diverging_tick_and_its_commits() {
    let dir = tempfile::tempdir().expect("temp dir");
    let (a, b) = (dir.path().join("a.tlrec"), dir.path().join("b.tlrec"));
    write_recording(&a, None);
    write_recording(&b, Some(137));
    let (a, b) = (
        a.to_string_lossy().into_owned(),
        b.to_string_lossy().into_owned(),
    );

    let out = common::run(&["bisect", &a, &b, "--json"], Duration::from_secs(60));
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).expect("one JSON object");
    assert_eq!(json["agree"], false);
    assert_eq!(json["tick"], 137);
    assert_eq!(json["first_log_difference"], 137);
    let extra = json["commits_b"].as_array().expect("list").len()
        - json["commits_a"].as_array().expect("list").len();
    assert_eq!(extra, 1, "{json}");
    assert_ne!(json["checksum_a"], json["checksum_b"]);

    let text = common::run(&["bisect", &a, &b], Duration::from_secs(60));
    let text = String::from_utf8_lossy(&text.stdout);
    assert!(text.contains("first divergence at tick 137"), "{text}");

    let same = common::run(&["bisect", &a, &a], Duration::from_secs(60));
    assert!(String::from_utf8_lossy(&same.stdout).contains("agree over ticks 0..=300"));
    // And the diverging recording still verifies: each is consistent with itself.
    let (ok, json) = common::verify(Path::new(&b), None);
    assert!(ok, "{json}");
}
