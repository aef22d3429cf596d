//! Every peer of a noisy session records its sealed log; each recording verifies
//! from scratch, ends at the same checksum, and any two agree tick by tick.

use tickline::record::{Expect, Recording, Replayer, compare};
use tickline::testing::arena::{Arena, Dir, Steer};
use tickline::timeline::TimelineConfig;
use tickline_e2e::cluster::{Cluster, GAME_ID, Link};

#[test]
fn every_peers_recording_verifies_and_agrees() {
    let link = Link {
        max_delay: 5,
        duplicate_percent: 10,
    };
    let mut cluster: Cluster<Arena, Steer> = Cluster::new(
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

    let recordings: Vec<Recording<Steer>> = std::mem::take(&mut cluster.recordings)
        .into_iter()
        .map(|w| {
            Recording::from_bytes(&w.finish().expect("flushes"), &Expect::game(GAME_ID))
                .expect("valid")
        })
        .collect();
    for rec in &recordings {
        assert!(rec.stopped.is_none());
        assert_eq!(rec.commit_count(), cluster.made.len());
        let report = Replayer::<Arena, Steer>::new(rec.clone())
            .expect("genesis")
            .verify();
        assert!(report.verified(), "{report:?}");
        assert_eq!((report.last_tick, report.checksum), (last_tick, last_sum));
        assert_eq!(report.checked as u64, last_tick.0 + last_tick.0 / 50);
    }
    let cmp = compare::<Arena, Steer>(&recordings[0], &recordings[3]).expect("same session");
    assert!(cmp.agree() && cmp.first_log_difference.is_none());
}
