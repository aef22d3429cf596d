use crate::fixtures::{Push, Tally, TallyGame};
use crate::model::{Body, Commit, CommitId, PeerId, SealedTick, Tick, run_tick};

use super::*;

type Tl = Timeline<TallyGame>;

fn timeline(peer: u64, config: TimelineConfig) -> Tl {
    Timeline::new(PeerId(peer), Tally::default(), 7, config).expect("valid config")
}

fn id(author: u64, seq: u64) -> CommitId {
    CommitId {
        author: PeerId(author),
        seq,
    }
}

/// The state after replaying `sealed` from genesis.
fn replay(sealed: &[SealedTick<Push>]) -> Tally {
    let mut ws = Tally::default();
    for st in sealed {
        run_tick::<TallyGame>(&mut ws, &st.commits, 7, st.tick);
    }
    ws
}

#[test]
fn sequencer_ignores_duplicates_and_seals_in_canonical_order() {
    let mut seq = Sequencer::new(SequencerConfig::default(), Tick(0));
    let b = Commit::game(id(2, 0), Tick(1), Push(2));
    let a = Commit::game(id(1, 0), Tick(1), Push(1));
    assert_eq!(seq.accept(b.clone()), Ok(Accepted::Queued(Tick(1))));
    assert_eq!(seq.accept(a.clone()), Ok(Accepted::Queued(Tick(1))));
    assert_eq!(seq.accept(b.clone()), Ok(Accepted::Duplicate));
    let join = seq
        .system(Body::Join {
            peer: PeerId(3),
            name: "c".into(),
        })
        .expect("system body");
    let sealed = seq.seal(Tick(1)).expect("next tick");
    assert_eq!(
        sealed.ids().collect::<Vec<_>>(),
        vec![join, a.id, b.id],
        "system commits first, then by author, whatever the arrival order"
    );
    assert_eq!(
        seq.accept(a),
        Ok(Accepted::Duplicate),
        "still a duplicate after sealing"
    );
}

#[test]
fn sequencer_restamps_late_commits_and_refuses_far_ones() {
    let mut seq = Sequencer::new(SequencerConfig { max_ahead: 10 }, Tick(0));
    assert_eq!(seq.seal_through(Tick(5)).len(), 5);
    let late = Commit::game(id(1, 0), Tick(3), Push(1));
    assert_eq!(
        seq.accept(late),
        Ok(Accepted::Restamped {
            from: Tick(3),
            to: Tick(6)
        })
    );
    let far = Commit::game(id(1, 1), Tick(16), Push(1));
    assert!(matches!(
        seq.accept(far.clone()),
        Err(SequencerError::TooFarAhead { .. })
    ));
    assert!(!seq.has_seen(far.id), "a refused commit may be sent again");
    assert_eq!(
        seq.accept(Commit::game(id(1, 2), Tick(15), Push(1))),
        Ok(Accepted::Queued(Tick(15)))
    );
    let six = seq.seal(Tick(6)).expect("next tick");
    assert_eq!(six.commits.len(), 1);
    assert_eq!(
        six.commits[0].tick,
        Tick(6),
        "sealed commits carry the sealed tick"
    );
    assert_eq!(
        seq.seal(Tick(8)),
        Err(SequencerError::SealOutOfOrder {
            requested: Tick(8),
            expected: Tick(7)
        })
    );
}

#[test]
fn sequencer_mints_system_commits_and_refuses_forged_ones() {
    let mut seq: Sequencer<Push> = Sequencer::new(SequencerConfig::default(), Tick(0));
    let join = seq
        .system(Body::Join {
            peer: PeerId(3),
            name: "ann".into(),
        })
        .expect("system body");
    assert_eq!(join.author, PeerId::SYSTEM);
    assert!(seq.system(Body::Game(Push(1))).is_err());
    let forged = Commit {
        id: id(3, 0),
        tick: Tick(1),
        body: Body::Leave { peer: PeerId(1) },
    };
    assert!(matches!(
        seq.accept(forged),
        Err(SequencerError::SystemBody { .. })
    ));
    let as_system = Commit::game(
        CommitId {
            author: PeerId::SYSTEM,
            seq: 9,
        },
        Tick(1),
        Push(1),
    );
    assert!(matches!(
        seq.accept(as_system),
        Err(SequencerError::SystemBody { .. })
    ));
    assert_eq!(seq.seal(Tick(1)).expect("next").commits.len(), 1);
}

#[test]
fn input_delay_zero_is_refused() {
    let config = TimelineConfig {
        input_delay: 0,
        ..TimelineConfig::default()
    };
    assert_eq!(
        Timeline::<TallyGame>::new(PeerId(1), Tally::default(), 1, config).err(),
        Some(ConfigError::InputDelayZero)
    );
}

#[test]
fn own_commits_confirm_the_prediction_without_rollback() {
    let mut tl = timeline(1, TimelineConfig::default());
    let mut seq = Sequencer::new(SequencerConfig::default(), Tick(0));
    let mut log = Vec::new();
    for t in 1..=20u64 {
        if t % 3 == 0 {
            let cid = tl.commit(Push(t));
            assert_eq!(cid, id(1, t / 3 - 1));
        }
        for c in tl.take_outgoing() {
            seq.accept(c).expect("in range");
        }
        tl.advance().expect("within prediction window");
        // The host seals two ticks behind the peer's head.
        if t > 2 {
            let st = seq.seal(Tick(t - 2)).expect("in order");
            log.push(st.clone());
            let outcome = tl.receive_sealed(st).expect("valid");
            assert_eq!(outcome.rollback, None, "tick {t}");
        }
    }
    assert_eq!(tl.sealed_tick(), Tick(18));
    assert_eq!(tl.head(), Tick(20));
    assert_eq!(tl.stats().confirmed_ticks, 18);
    assert_eq!(tl.sealed_state(), &replay(&log));
    assert!(tl.pending().all(|c| c.tick > Tick(18)));
}

#[test]
fn another_peers_commit_rolls_back_to_its_tick() {
    let mut a = timeline(1, TimelineConfig::default());
    for _ in 0..6 {
        a.advance().expect("window");
    }
    let theirs = Commit::game(id(2, 0), Tick(3), Push(9));
    let sealed: Vec<_> = (1..=4)
        .map(|t| {
            let commits = if t == 3 { vec![theirs.clone()] } else { vec![] };
            SealedTick {
                tick: Tick(t),
                commits,
            }
        })
        .collect();
    let mut last = SealOutcome::default();
    for st in sealed.clone() {
        let outcome = a.receive_sealed(st).expect("valid");
        if outcome.rollback.is_some() {
            last = outcome;
        }
    }
    assert_eq!(
        last.rollback,
        Some(Rollback {
            from: Tick(3),
            depth: 4
        })
    );
    assert_eq!(a.head(), Tick(6), "re-simulated to the old head");
    assert_eq!(a.sealed_state(), &replay(&sealed));
    // The prediction now includes their commit.
    assert_eq!(a.state().log.len(), 1);
    assert_eq!(a.stats().rollbacks, 1);
}

#[test]
fn a_late_own_commit_is_restamped_and_sealed_once() {
    let config = TimelineConfig {
        input_delay: 1,
        ..TimelineConfig::default()
    };
    let mut tl = timeline(1, config);
    let mut seq = Sequencer::new(SequencerConfig::default(), Tick(0));
    tl.commit(Push(5)); // stamped for tick 1
    tl.advance().expect("window");
    // The host seals ticks 1..=3 before the commit arrives.
    let mut log = seq.seal_through(Tick(3));
    for c in tl.take_outgoing() {
        assert_eq!(
            seq.accept(c),
            Ok(Accepted::Restamped {
                from: Tick(1),
                to: Tick(4)
            })
        );
    }
    log.extend(seq.seal_through(Tick(4)));
    for st in log.clone() {
        tl.receive_sealed(st).expect("valid");
    }
    assert_eq!(tl.sealed_state(), &replay(&log));
    assert_eq!(tl.sealed_state().log.len(), 1, "sealed exactly once");
    assert_eq!(
        tl.sealed_state().log[0].1,
        4,
        "applied at the re-stamped tick"
    );
    assert_eq!(tl.pending().count(), 0);
    assert_eq!(tl.head(), Tick(4));
}

#[test]
fn prediction_window_stalls_and_lockstep_never_predicts() {
    let mut tl = timeline(
        1,
        TimelineConfig {
            max_prediction: 3,
            ..TimelineConfig::default()
        },
    );
    for _ in 0..3 {
        tl.advance().expect("window");
    }
    assert_eq!(
        tl.advance(),
        Err(TimelineError::Stalled {
            sealed: Tick(0),
            head: Tick(3),
            max_prediction: 3
        })
    );
    tl.receive_sealed(SealedTick::empty(Tick(1)))
        .expect("valid");
    assert_eq!(tl.advance(), Ok(Tick(4)));

    let mut lock = timeline(1, TimelineConfig::lockstep());
    assert!(matches!(lock.advance(), Err(TimelineError::Stalled { .. })));
    lock.commit(Push(1));
    let commit = lock.take_outgoing().remove(0);
    assert_eq!(commit.tick, Tick(2));
    lock.receive_sealed(SealedTick::empty(Tick(1)))
        .expect("valid");
    lock.receive_sealed(SealedTick {
        tick: Tick(2),
        commits: vec![commit],
    })
    .expect("valid");
    assert_eq!((lock.sealed_tick(), lock.head()), (Tick(2), Tick(2)));
    assert_eq!(lock.state().log.len(), 1);
    assert_eq!(lock.stats().rollbacks, 0);
}

#[test]
fn sealed_ticks_out_of_order_are_buffered_and_repeats_ignored() {
    let mut tl = timeline(1, TimelineConfig::default());
    let log: Vec<_> = (1..=5)
        .map(|t| SealedTick {
            tick: Tick(t),
            commits: vec![Commit::game(id(2, t), Tick(t), Push(t))],
        })
        .collect();
    for i in [2usize, 4, 1, 0, 0, 3, 2] {
        tl.receive_sealed(log[i].clone()).expect("valid");
    }
    assert_eq!(tl.sealed_tick(), Tick(5));
    assert_eq!(tl.sealed_state(), &replay(&log));
    assert!(matches!(
        tl.receive_sealed(SealedTick::empty(Tick(100_000))),
        Err(TimelineError::SealedTooFarAhead { .. })
    ));
}

#[test]
fn a_misstamped_sealed_tick_changes_nothing() {
    let mut tl = timeline(1, TimelineConfig::default());
    let bad = SealedTick {
        tick: Tick(1),
        commits: vec![Commit::game(id(2, 0), Tick(9), Push(1))],
    };
    assert!(matches!(
        tl.receive_sealed(bad),
        Err(TimelineError::MisstampedCommit { .. })
    ));
    assert_eq!(tl.sealed_tick(), Tick(0));
    assert_eq!(tl.sealed_state(), &Tally::default());
}

#[test]
fn memory_spans_only_the_prediction_window() {
    let mut tl = timeline(
        1,
        TimelineConfig {
            max_prediction: 4,
            ..TimelineConfig::default()
        },
    );
    let mut seq = Sequencer::new(SequencerConfig::default(), Tick(0));
    for t in 1..=100u64 {
        tl.commit(Push(t));
        while tl.advance().is_ok() {}
        assert_eq!(
            tl.head().since(tl.sealed_tick()),
            4,
            "predicts up to the window"
        );
        for c in tl.take_outgoing() {
            seq.accept(c).expect("in range");
        }
        tl.receive_sealed(seq.seal(Tick(t)).expect("in order"))
            .expect("valid");
        assert_eq!(tl.head().since(tl.sealed_tick()), 3);
    }
    // Commits are stamped head + 2 = sealed + 6: at most 6 are in flight.
    assert!(
        tl.pending().count() <= 6,
        "sealed commits leave the pending set"
    );
    assert_eq!(tl.stats().rollbacks, 0);
}

#[test]
fn journal_reports_checksums_and_snapshots_at_their_intervals() {
    let config = TimelineConfig {
        checksum_interval: 2,
        snapshot_interval: 3,
        ..TimelineConfig::default()
    }
    .with_journal();
    let mut tl = timeline(1, config);
    let mut other = timeline(9, TimelineConfig::default());
    for t in 1..=6 {
        tl.receive_sealed(SealedTick::empty(Tick(t)))
            .expect("valid");
        other
            .receive_sealed(SealedTick::empty(Tick(t)))
            .expect("valid");
        if t == 4 {
            assert_eq!(tl.sealed_checksum(), other.sealed_checksum());
        }
    }
    let journal = tl.drain_journal();
    let ticks: Vec<u64> = journal.iter().map(|e| e.tick.0).collect();
    assert_eq!(ticks, vec![1, 2, 3, 4, 5, 6]);
    let sums: Vec<u64> = journal
        .iter()
        .filter(|e| e.checksum.is_some())
        .map(|e| e.tick.0)
        .collect();
    assert_eq!(sums, vec![2, 4, 6]);
    let snaps: Vec<u64> = journal
        .iter()
        .filter(|e| e.snapshot.is_some())
        .map(|e| e.tick.0)
        .collect();
    assert_eq!(snaps, vec![3, 6]);
    assert_eq!(journal[5].checksum, Some(tl.sealed_checksum()));
    assert!(tl.drain_journal().is_empty());
}

#[test]
fn restore_replaces_the_sealed_state_and_repredicts() {
    let mut tl = timeline(1, TimelineConfig::default());
    tl.commit(Push(1));
    for _ in 0..5 {
        tl.advance().expect("window");
    }
    let log: Vec<_> = (1..=3).map(|t| SealedTick::empty(Tick(t))).collect();
    let healed = replay(&log);
    tl.restore(healed.clone(), Tick(3));
    assert_eq!(tl.sealed_state(), &healed);
    assert_eq!(tl.head(), Tick(5));
    assert_eq!(
        tl.state().log.len(),
        1,
        "the pending commit is predicted again"
    );
}

/// Peers 1 and 2 commit through one sequencer; peer 1 also gets peer 2's commits
/// relayed as the host accepts them (or a tick late). Peer 2's commits reach the
/// host before peer 1's, against the canonical order.
fn relay_session(relay_late: bool) -> (Tl, Vec<SealedTick<Push>>) {
    let mut a = timeline(1, TimelineConfig::default());
    let mut b = timeline(2, TimelineConfig::default());
    let mut seq = Sequencer::new(SequencerConfig::default(), Tick(0));
    let mut log = Vec::new();
    let mut late = Vec::new();
    for t in 1..=30u64 {
        if t % 2 == 0 {
            a.commit(Push(t));
        }
        if t % 3 == 0 {
            b.commit(Push(t));
        }
        // Peer 2's commits reach the host first, then peer 1's: the arrival order
        // differs from the canonical one.
        let mut relay = Vec::new();
        for c in b.take_outgoing() {
            seq.accept(c.clone()).expect("in range");
            relay.push(c);
        }
        for c in a.take_outgoing() {
            seq.accept(c).expect("in range");
        }
        if !relay_late {
            for c in relay.drain(..) {
                a.receive_relayed(c);
            }
        }
        a.advance().expect("window");
        b.advance().expect("window");
        if relay_late {
            // Delivered one tick late: after the head reached the commit's tick.
            for c in std::mem::replace(&mut late, relay) {
                a.receive_relayed(c);
            }
        }
        if t > 3 {
            let st = seq.seal(Tick(t - 3)).expect("in order");
            log.push(st.clone());
            a.receive_sealed(st.clone()).expect("valid");
            b.receive_sealed(st).expect("valid");
        }
    }
    (a, log)
}

#[test]
fn relayed_commits_ahead_of_the_head_confirm_without_rollback() {
    let (a, log) = relay_session(false);
    assert!(log.iter().any(|st| st.commits.len() == 2), "shared ticks");
    assert_eq!(a.stats().rollbacks, 0, "{:?}", a.stats());
    assert_eq!(a.sealed_state(), &replay(&log));
    assert_eq!(
        a.relayed_len(),
        2,
        "only the relays for ticks 29 and 32 (not sealed yet) are held"
    );
}

#[test]
fn a_relayed_commit_for_a_predicted_tick_rolls_back_before_sealing() {
    let (a, log) = relay_session(true);
    // Input delay 2 and a relay one tick late: the commit lands on the head's tick,
    // so each relay rolls back by 1, long before its tick is sealed.
    assert_eq!(a.stats().deepest_rollback, 1, "{:?}", a.stats());
    assert_eq!(
        a.stats().rollbacks,
        9,
        "one per relayed commit (the 10th is still in flight), none at sealing"
    );
    assert_eq!(a.sealed_state(), &replay(&log));
}

#[test]
fn a_relayed_commit_that_is_never_sealed_is_corrected_by_the_log() {
    let mut a = timeline(1, TimelineConfig::default());
    for _ in 0..4 {
        a.advance().expect("window");
    }
    let ghost = Commit::game(id(2, 0), Tick(3), Push(5));
    let rollback = a.receive_relayed(ghost.clone());
    assert_eq!(
        rollback,
        Some(Rollback {
            from: Tick(3),
            depth: 2
        })
    );
    assert!(a.predicts(ghost.id));
    assert_eq!(
        a.receive_relayed(ghost.clone()),
        None,
        "a repeat changes nothing"
    );
    let sealed: Vec<_> = (1..=3)
        .map(|t| SealedTick::<Push>::empty(Tick(t)))
        .collect();
    for st in sealed.clone() {
        a.receive_sealed(st).expect("valid");
    }
    assert!(!a.predicts(ghost.id), "the sealed log overrules the relay");
    assert_eq!(a.sealed_state(), &replay(&sealed));
    assert_eq!(a.relayed_len(), 0);
    assert!(a.state().log.is_empty());
    assert_eq!(
        a.receive_relayed(ghost),
        None,
        "too late once its tick is sealed"
    );
}

#[test]
fn own_relayed_and_far_relayed_commits_are_ignored() {
    let mut a = timeline(1, TimelineConfig::default());
    a.advance().expect("window");
    assert_eq!(
        a.receive_relayed(Commit::game(id(1, 0), Tick(1), Push(1))),
        None
    );
    assert_eq!(
        a.receive_relayed(Commit::game(id(2, 0), Tick(100_000), Push(1))),
        None
    );
    assert_eq!(a.relayed_len(), 0);
}

#[test]
fn a_batch_of_relayed_commits_costs_one_reprediction() {
    // Thousands of commits relayed for one predicted tick used to re-predict once
    // each (and scan the tick for duplicates each time): quadratic in the batch.
    let mut a = timeline(1, TimelineConfig::default());
    for _ in 0..4 {
        a.advance().expect("window");
    }
    let batch: Vec<_> = (0..5_000)
        .map(|seq| Commit::game(id(2, seq % 4_000), Tick(3), Push(seq)))
        .collect();
    let rollback = a.receive_relayed_all(batch);
    assert_eq!(
        rollback,
        Some(Rollback {
            from: Tick(3),
            depth: 2
        })
    );
    assert_eq!(a.stats().rollbacks, 1);
    assert_eq!(a.relayed_len(), 4_000, "the 1,000 repeats were ignored");
    assert!(a.predicts(id(2, 3_999)));
    // And a batch predicts exactly what the same commits one by one do.
    let mut direct = timeline(1, TimelineConfig::default());
    let mut batched = timeline(1, TimelineConfig::default());
    for t in [&mut direct, &mut batched] {
        for _ in 0..4 {
            t.advance().expect("window");
        }
    }
    let commits: Vec<_> = (0..200)
        .map(|seq| Commit::game(id(2 + seq % 3, seq), Tick(2 + seq % 3), Push(seq)))
        .collect();
    for c in commits.clone() {
        direct.receive_relayed(c);
    }
    batched.receive_relayed_all(commits);
    assert_eq!(batched.state(), direct.state());
    assert_eq!(batched.stats().rollbacks, 1);
}
