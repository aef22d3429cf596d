//! A client's sealed session carried on by a new host: what host migration
//! stands on.

use std::time::Duration;

use tickline::model::{PeerId, Tick};
use tickline::net::{ClientConfig, ClientSession, HostConfig, HostSession, SessionEvent};
use tickline::record::{Recording, Replayer};
use tickline::testing::arena::{ArenaGame, Dir, Steer};
use tickline::transport::{LinkConditions, memory_hub};
use tickline_e2e::lan::{Lan, host_config};

#[test]
fn a_client_takes_its_session_over_and_the_sealed_states_continue() {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut lan = Lan::new(dir.path(), host_config(dir.path()));
    for name in ["ann", "bob"] {
        lan.add_client(name, LinkConditions::latency(Duration::from_millis(15)));
    }
    lan.run_until("both welcomed", Duration::from_secs(5), |lan| {
        lan.clients.iter().all(|c| c.timeline().is_some())
    });
    lan.play(600, 10);
    // Ann has a commit in flight when her host vanishes.
    let in_flight = lan.clients[0]
        .commit(Steer(Dir::Up))
        .expect("a player commits");
    let handover = lan.clients[0].handover().expect("welcomed");
    let ann = lan.clients[0].peer().expect("a player");
    let bob = lan.clients[1].peer().expect("a player");
    let taken_at = handover.sealed_tick;
    assert_eq!(handover.player, Some((ann, "ann".to_string())));
    assert!(
        handover.unsealed.iter().any(|c| c.id == in_flight),
        "{handover:?}"
    );
    let next_seq = handover.next_seq;
    assert!(handover.next_peer > bob, "{handover:?}");
    let old_sum = lan.host.checksum_at(taken_at).expect("kept for a minute");
    drop(lan);

    let (transport, connector) = memory_hub();
    let config = HostConfig {
        record: Some(dir.path().join("new-host.tlrec")),
        grace: Duration::from_secs(2),
        ..host_config(dir.path())
    };
    let mut host = HostSession::<ArenaGame, _>::take_over(config, handover, transport)
        .expect("takes the session over");
    assert_eq!(host.sealed_tick(), taken_at);
    assert_eq!(host.sealed_checksum(), old_sum, "the same sealed state");
    let cat_config = ClientConfig {
        name: "cat".into(),
        ..ClientConfig::default()
    };
    let mut cat = ClientSession::<ArenaGame, _>::new(cat_config, connector.connect().expect("up"))
        .expect("client starts");

    let mut now = Duration::ZERO;
    let mut events = Vec::new();
    let mut own = Vec::new();
    let until = taken_at.plus(400);
    let deadline = Duration::from_secs(20);
    while host.sealed_tick() < until || cat.sealed_tick() < until {
        assert!(
            now < deadline,
            "the new host stalled at {}",
            host.sealed_tick()
        );
        now += Duration::from_micros(4_167);
        let advanced = host.update(now).expect("host transport");
        for tick in advanced.ticks().filter(|t| t.0 % 20 == 0) {
            own.extend(host.commit(Steer(Dir::ALL[(tick.0 / 20 % 4) as usize])));
        }
        cat.update(now).expect("client transport");
        events.extend(host.drain_events());
    }

    // The host plays as ann, under her old id, numbering on from her commits.
    assert!(!own.is_empty());
    assert!(
        own.iter().all(|id| id.author == ann && id.seq >= next_seq),
        "{own:?}"
    );
    // Nobody new takes an id the old session handed out.
    assert!(cat.peer().is_some_and(|p| p > bob), "{:?}", cat.peer());
    // Peers of the old host that did not come back leave after their grace.
    let left: Vec<PeerId> = events
        .iter()
        .filter_map(|e| match e {
            SessionEvent::Left { peer, .. } => Some(*peer),
            _ => None,
        })
        .collect();
    assert_eq!(left, vec![PeerId::HOST, bob], "{events:?}");
    let common = Tick(until.0 / 30 * 30);
    assert_eq!(cat.checksum_at(common), host.checksum_at(common));
    assert!(host.checksum_at(common).is_some());

    // The new host's recording starts at the tick taken over and verifies.
    host.finish_recording().expect("recording written");
    let rec = Recording::<ArenaGame>::open(dir.path().join("new-host.tlrec")).expect("readable");
    assert_eq!(rec.start_tick(), taken_at);
    assert!(
        rec.sealed
            .iter()
            .any(|st| st.commits.iter().any(|c| c.id == in_flight)),
        "ann's commit in flight was sealed by the new host"
    );
    let report = Replayer::new(rec).expect("start state").verify();
    assert!(report.verified(), "{report:?}");
}
