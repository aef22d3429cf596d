//! Property: whatever the delivery order, delays and duplicates, every peer's sealed
//! state equals a from-genesis replay of the host's log at every sealed tick, and
//! every commit is sealed exactly once.

use std::collections::BTreeMap;

use proptest::prelude::*;
use rand_chacha::rand_core::RngCore;
use tickline::model::{CommitId, Tick};
use tickline::testing::arena::{Arena, ArenaGame, Dir, Steer};
use tickline::timeline::TimelineConfig;
use tickline_e2e::cluster::{Cluster, Faults};

fn run(
    peers: usize,
    seed: u64,
    link: Faults,
    steps: u64,
    input_delay: u64,
    commit_percent: u64,
) -> u64 {
    let config = TimelineConfig {
        input_delay,
        max_prediction: 12,
        ..TimelineConfig::default()
    };
    let genesis = Arena::with_players(peers as u64, 4);
    let mut cluster: Cluster<ArenaGame> = Cluster::new(genesis, peers, seed, link, 3, config);
    for _ in 0..steps {
        cluster.step(true, |_, _, rng| {
            (rng.next_u64() % 100 < commit_percent)
                .then(|| Steer(Dir::ALL[(rng.next_u64() % 4) as usize]))
        });
    }
    cluster.settle(500);

    let reference = cluster.replay_checksums();
    assert!(!reference.is_empty());
    for (i, sums) in cluster.checksums.iter().enumerate() {
        assert_eq!(
            sums, &reference,
            "peer {i}'s sealed checksums differ from the replay"
        );
        assert_eq!(
            cluster.peers[i].sealed_state(),
            cluster.peers[0].sealed_state()
        );
    }
    let mut sealed: BTreeMap<CommitId, u32> = BTreeMap::new();
    for st in &cluster.log {
        for c in &st.commits {
            assert_eq!(c.tick, st.tick);
            *sealed.entry(c.id).or_default() += 1;
        }
    }
    assert!(
        sealed.values().all(|n| *n == 1),
        "a commit was sealed twice"
    );
    for id in &cluster.made {
        assert_eq!(
            sealed.get(id),
            Some(&1),
            "commit {id} was not sealed exactly once"
        );
    }
    assert_eq!(sealed.len(), cluster.made.len());
    assert!(
        cluster
            .log
            .last()
            .is_some_and(|st| st.tick >= Tick(steps - 3))
    );
    cluster.peers.iter().map(|p| p.stats().rollbacks).sum()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    #[test]
    fn peers_converge_whatever_the_delivery(
        peers in 2usize..=8,
        seed in any::<u64>(),
        max_delay in 0u64..8,
        duplicate_percent in 0u32..30,
        input_delay in 1u64..4,
        commit_percent in 5u64..60,
    ) {
        run(peers, seed, Faults { max_delay, duplicate_percent }, 60, input_delay, commit_percent);
    }
}

#[test]
fn a_long_noisy_session_converges() {
    let rollbacks = run(
        8,
        99,
        Faults {
            max_delay: 6,
            duplicate_percent: 20,
        },
        1500,
        2,
        40,
    );
    assert!(
        rollbacks > 100,
        "the session must exercise rollback ({rollbacks})"
    );
}

#[test]
fn a_perfect_network_needs_no_rollback_for_own_commits() {
    let config = TimelineConfig {
        input_delay: 4,
        ..TimelineConfig::default()
    };
    let mut cluster: Cluster<ArenaGame> = Cluster::new(
        Arena::with_players(1, 4),
        1,
        1,
        Faults {
            max_delay: 0,
            duplicate_percent: 0,
        },
        2,
        config,
    );
    for _ in 0..200 {
        cluster.step(true, |_, _, rng| {
            (rng.next_u64() % 3 == 0).then_some(Steer(Dir::Up))
        });
    }
    assert_eq!(cluster.peers[0].stats().rollbacks, 0);
    assert!(cluster.peers[0].stats().confirmed_ticks > 190);
}
