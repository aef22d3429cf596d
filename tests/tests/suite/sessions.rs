//! Host and clients over the memory transport under loss, latency, jitter,
//! duplication and reordering; late join; reconnection after a cut.

use std::time::Duration;

use tickline::model::Tick;
use tickline::net::{ClientStatus, SessionEvent};
use tickline::testing::arena::{Dir, Steer};
use tickline::transport::LinkConditions;
use tickline_e2e::lan::{Lan, host_config};

fn noisy(seed: u64) -> LinkConditions {
    LinkConditions {
        latency: Duration::from_millis(60),
        jitter: Duration::from_millis(30),
        loss: 0.10,
        duplicate: 0.02,
        reorder: 0.05,
        seed,
    }
}

fn all_connected(lan: &mut Lan) -> bool {
    lan.clients
        .iter()
        .all(|c| c.status() == ClientStatus::Connected)
}

#[test]
fn three_clients_on_a_noisy_link_keep_one_log() {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut lan = Lan::new(dir.path(), host_config(dir.path()));
    for (i, name) in ["ann", "bob", "cat"].iter().enumerate() {
        lan.add_client(name, noisy(i as u64 + 1));
    }
    lan.run_until(
        "all clients welcomed",
        Duration::from_secs(10),
        all_connected,
    );
    lan.play(2000, 8);
    lan.settle();

    // Every peer can be compared at one tick through its kept checksums.
    let common = Tick(lan.host.sealed_tick().0 / 30 * 30);
    let host_sum = lan
        .host
        .checksum_at(common)
        .expect("the host keeps a minute");
    for c in &lan.clients {
        assert_eq!(c.checksum_at(common), Some(host_sum), "{c:?} at {common}");
    }
    assert_eq!(lan.clients[0].checksum_at(Tick(common.0 + 10_000)), None);

    let compared = lan.check_logs(&["ann", "bob", "cat"]);
    assert!(
        compared > 3 * 1900,
        "checksums compared at every tick: {compared}"
    );
    let made: usize = lan.made.iter().map(Vec::len).sum();
    assert!(made > 500, "everyone committed: {made}");
    for events in &lan.events {
        assert!(
            !events
                .iter()
                .any(|e| matches!(e, SessionEvent::DesyncDetected { .. })),
            "{events:?}"
        );
    }
    let stats = lan.clients[0].stats();
    assert!(
        stats.rollbacks > 0 && stats.bytes_in > 0 && stats.bytes_out > 0,
        "{stats:?}"
    );
    // 60 ± 30 ms each way: the round trip's floor is 60 ms, its mean 120 ms. The
    // estimate is the floor seen lately; the spread above it is the jitter.
    assert!(
        stats.rtt >= Duration::from_millis(60) && stats.rtt < Duration::from_millis(120),
        "{stats:?}"
    );
    assert!(stats.jitter > Duration::from_millis(10), "{stats:?}");
    assert!(
        lan.host.seal_delay() > 1,
        "the seal delay grew with the jitter: {}",
        lan.host.seal_delay()
    );
    assert!(
        lan.host.stats().restamped < made as u64 / 20,
        "few late commits: {:?}",
        lan.host.stats()
    );
    // The roster learned every name from sealed joins.
    let mut names: Vec<_> = lan.clients[2].roster().values().cloned().collect();
    names.sort();
    assert_eq!(names, vec!["ann", "bob", "cat", "host"]);
}

#[test]
fn a_client_joining_at_tick_1000_converges() {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut lan = Lan::new(dir.path(), host_config(dir.path()));
    lan.add_client("ann", LinkConditions::latency(Duration::from_millis(20)));
    lan.run_until("ann welcomed", Duration::from_secs(5), all_connected);
    lan.play(1000, 10);
    assert!(lan.host.sealed_tick() >= Tick(1000));
    let late = lan.add_client("late", noisy(9));
    lan.run_until("late welcomed", Duration::from_secs(10), all_connected);
    let start = lan.clients[late].sealed_tick();
    assert!(start >= Tick(1000), "joined from a snapshot at {start}");
    lan.play(300, 10);
    lan.settle();
    lan.check_logs(&["ann", "late"]);
    let rec = &lan.recordings(&["late"])["late"];
    assert_eq!(rec.start_tick(), start);
    assert!(
        lan.events[2]
            .iter()
            .any(|e| matches!(e, SessionEvent::Joined { name, .. } if name == "late"))
    );
}

#[test]
fn a_client_cut_for_two_seconds_resumes_with_its_peer_id_and_commits() {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut lan = Lan::new(dir.path(), host_config(dir.path()));
    lan.add_client("ann", LinkConditions::latency(Duration::from_millis(30)));
    lan.add_client("bob", LinkConditions::latency(Duration::from_millis(30)));
    lan.run_until("all welcomed", Duration::from_secs(5), all_connected);
    lan.play(200, 10);
    let peer = lan.clients[0].peer();
    lan.clients[0]
        .transport_mut()
        .cut_for(Duration::from_secs(2));
    // Ann keeps playing while cut off.
    let cut_end = lan.now + Duration::from_secs(2);
    let mut during_cut = Vec::new();
    let mut steps = 0u32;
    while lan.now < cut_end {
        steps += 1;
        if during_cut.len() < 5
            && steps.is_multiple_of(80)
            && let Some(id) = lan.clients[0].commit(Steer(Dir::ALL[during_cut.len() % 4]))
        {
            during_cut.push(id);
        }
        lan.step();
    }
    assert_eq!(during_cut.len(), 5);
    lan.made[1].extend(during_cut.iter().copied());
    lan.run_until("ann back", Duration::from_secs(10), |lan| {
        lan.events[1]
            .iter()
            .any(|e| matches!(e, SessionEvent::Reconnected { .. }))
            && all_connected(lan)
    });
    assert!(
        lan.events[1]
            .iter()
            .any(|e| matches!(e, SessionEvent::Disconnected { .. }))
    );
    assert!(
        lan.events[0]
            .iter()
            .any(|e| matches!(e, SessionEvent::Reconnected { peer: p } if Some(*p) == peer))
    );
    assert_eq!(lan.clients[0].peer(), peer, "same peer id after resuming");
    lan.play(200, 10);
    lan.settle();
    lan.check_logs(&["ann", "bob"]);
    // Ann's snake never left: no Leave was sealed for her.
    assert!(
        !lan.events[0]
            .iter()
            .any(|e| matches!(e, SessionEvent::Left { .. }))
    );
}

#[test]
fn a_client_gone_past_the_grace_window_leaves_and_rejoins_as_new() {
    let dir = tempfile::tempdir().expect("temp dir");
    let config = tickline::net::HostConfig {
        grace: Duration::from_secs(1),
        ..host_config(dir.path())
    };
    let mut lan = Lan::new(dir.path(), config);
    lan.add_client("ann", LinkConditions::default());
    lan.run_until("ann welcomed", Duration::from_secs(5), all_connected);
    let first = lan.clients[0].peer();
    lan.clients[0]
        .transport_mut()
        .cut_for(Duration::from_secs(4));
    lan.run_until("ann back", Duration::from_secs(15), |lan| {
        all_connected(lan) && lan.clients[0].peer() != first
    });
    assert!(
        lan.events[0]
            .iter()
            .any(|e| matches!(e, SessionEvent::Left { peer, .. } if Some(*peer) == first))
    );
    lan.play(100, 10);
    lan.settle();
}

#[test]
fn a_spectator_never_predicts_never_rolls_back_and_holds_no_player_id() {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut lan = Lan::new(dir.path(), host_config(dir.path()));
    lan.add_client("ann", noisy(1));
    lan.add_client("bob", noisy(2));
    let watcher = lan.add_spectator("watcher", noisy(3));
    lan.run_until(
        "all clients welcomed",
        Duration::from_secs(10),
        all_connected,
    );
    // Every peer steers often on a jittery link: the players mispredict.
    lan.play(600, 30);
    lan.settle();

    let player_rollbacks = lan.clients[0].stats().rollbacks + lan.clients[1].stats().rollbacks;
    assert!(player_rollbacks > 0, "the players had to roll back");
    let spectator = &mut lan.clients[watcher];
    assert_eq!(spectator.stats().rollbacks, 0);
    assert_eq!(spectator.head(), spectator.sealed_tick(), "no prediction");
    assert_eq!(spectator.peer(), None, "a spectator is no player");
    let events = &lan.events[watcher + 1];
    assert!(events.contains(&SessionEvent::Watching), "{events:?}");
    assert!(
        !events.iter().any(|e| matches!(
            e,
            SessionEvent::Connected { .. } | SessionEvent::RolledBack { .. }
        )),
        "{events:?}"
    );
    // What it shows is the host's sealed state.
    let tick = lan.clients[watcher].sealed_tick();
    let sum = lan.clients[watcher].sealed_checksum();
    assert_eq!(sum, lan.host.checksum_at(tick));
}
