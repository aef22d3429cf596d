//! Every peer of a noisy session records its sealed log; each recording verifies
//! from scratch, ends at the same checksum, and any two agree tick by tick.

use tickline::model::Tick;
use tickline::record::{Recording, Replayer, bisect};
use tickline::testing::arena::{Arena, ArenaGame, Dir, Steer};
use tickline::timeline::TimelineConfig;
use tickline_e2e::cluster::{Cluster, Faults};

#[test]
fn every_peers_recording_verifies_and_agrees() {
    let link = Faults {
        max_delay: 5,
        duplicate_percent: 10,
    };
    let mut cluster: Cluster<ArenaGame> = Cluster::new(
        Arena::with_players(4, 4),
        4,
        31,
        link,
        3,
        TimelineConfig::default(),
    );
    for _ in 0..400 {
        cluster.step(true, |i, _, rng| {
            use rand_chacha::rand_core::RngCore;
            (rng.next_u64() % 5 == 0).then(|| Steer(Dir::ALL[(rng.next_u64() as usize + i) % 4]))
        });
    }
    cluster.settle(500);
    let reference = cluster.replay_checksums();
    let (&last_tick, &last_sum) = reference.iter().next_back().expect("ticks were sealed");

    let dir = tempfile::tempdir().expect("temp dir");
    let files: Vec<std::path::PathBuf> = std::mem::take(&mut cluster.recordings)
        .into_iter()
        .enumerate()
        .map(|(i, w)| {
            let path = dir.path().join(format!("peer{i}.tlrec"));
            std::fs::write(&path, w.finish().expect("flushes")).expect("writes");
            path
        })
        .collect();
    let recordings: Vec<Recording<ArenaGame>> = files
        .iter()
        .map(|p| Recording::open(p).expect("valid"))
        .collect();
    for rec in &recordings {
        assert!(rec.stopped.is_none());
        assert_eq!(rec.commit_count(), cluster.made.len());
        let report = Replayer::<ArenaGame>::new(rec.clone())
            .expect("genesis")
            .verify();
        assert!(report.verified(), "{report:?}");
        assert_eq!((report.last_tick, report.checksum), (last_tick, last_sum));
        assert_eq!(report.checked as u64, last_tick.0 + last_tick.0 / 50);
    }
    for other in &files[1..] {
        let cmp = bisect::<ArenaGame>(&files[0], other).expect("same session");
        assert!(cmp.agree(), "{:?}", cmp.divergence);
        assert_eq!(cmp.common, Some((Tick(0), last_tick)));
        assert_eq!(
            cmp.compared as u64,
            last_tick.0 + 1,
            "every tick's checksum compared"
        );
    }
}
