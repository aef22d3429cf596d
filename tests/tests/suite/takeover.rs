//! A client's sealed session carried on by a new host: what host migration
//! stands on.

use std::time::Duration;

use tickline::model::{PeerId, Tick};
use tickline::net::{ClientConfig, ClientSession, HostConfig, HostSession, SessionEvent};
use tickline::record::{Recording, Replayer};
use tickline::testing::arena::{ArenaGame, Dir, Steer};
use tickline::transport::{Conditioned, LinkConditions, memory_hub};
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

/// The other peer of a session taken over resumes at the new host under its
/// old id, by the key the old host listed: it is a few ticks behind the new
/// host (a slower link) and catches up from the ticks handed over, and its
/// move in flight when the host vanished is sealed, not dropped.
#[test]
fn a_peer_behind_the_successor_resumes_under_its_id_and_keeps_its_move() {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut lan = Lan::new(dir.path(), host_config(dir.path()));
    lan.add_client("ann", LinkConditions::latency(Duration::from_millis(10)));
    lan.add_client("bob", LinkConditions::latency(Duration::from_millis(70)));
    lan.run_until("both welcomed", Duration::from_secs(5), |lan| {
        lan.clients.iter().all(|c| c.timeline().is_some())
    });
    lan.play(300, 10);
    let bob_move = lan.clients[1].commit(Steer(Dir::Left)).expect("a player");
    lan.step();
    let bob = lan.clients[1].peer().expect("a player");
    let ann = lan.clients[0].peer().expect("a player");
    let listed = lan.clients[0].succession().clone();
    assert_eq!(listed.host, Some(PeerId::HOST));
    assert_eq!(
        listed.members.iter().map(|m| m.peer).collect::<Vec<_>>(),
        [ann, bob],
        "every remote player, by peer id"
    );
    let handover = lan.clients[0].handover().expect("welcomed");
    let taken_at = handover.sealed_tick;
    let mut clients = std::mem::take(&mut lan.clients);
    let (mut now, old_host_sum) = (lan.now, lan.host.checksum_at(taken_at));
    drop(lan);
    let mut bob_client = clients.pop().expect("bob");
    assert!(
        bob_client.sealed_tick() < taken_at,
        "bob ({}) is behind ann ({taken_at})",
        bob_client.sealed_tick()
    );

    let (transport, connector) = memory_hub();
    let config = HostConfig {
        record: Some(dir.path().join("new-host.tlrec")),
        ..host_config(dir.path())
    };
    let mut host = HostSession::<ArenaGame, _>::take_over(config, handover, transport)
        .expect("takes the session over");
    assert_eq!(Some(host.sealed_checksum()), old_host_sum);
    let link = LinkConditions::latency(Duration::from_millis(70));
    bob_client.move_to(Conditioned::new(connector.connect().expect("up"), link));

    let until = taken_at.plus(300);
    let deadline = now + Duration::from_secs(20);
    let mut bob_events = Vec::new();
    while bob_client.sealed_tick() < until {
        assert!(
            now < deadline,
            "bob stalled at {}",
            bob_client.sealed_tick()
        );
        now += Duration::from_micros(4_167);
        host.update(now).expect("host transport");
        bob_client.update(now).expect("client transport");
        bob_events.extend(bob_client.drain_events());
    }
    assert_eq!(bob_client.peer(), Some(bob), "the same peer id");
    assert!(
        bob_events.contains(&SessionEvent::Reconnected { peer: bob }),
        "{bob_events:?}"
    );
    assert!(
        host.roster().contains_key(&bob),
        "bob never left: {:?}",
        host.roster()
    );
    let common = Tick(until.0 / 30 * 30);
    assert!(host.checksum_at(common).is_some());
    assert_eq!(bob_client.checksum_at(common), host.checksum_at(common));

    host.finish_recording().expect("recording written");
    let rec = Recording::<ArenaGame>::open(dir.path().join("new-host.tlrec")).expect("readable");
    let sealed_once = rec
        .sealed
        .iter()
        .flat_map(|st| &st.commits)
        .filter(|c| c.id == bob_move)
        .count();
    let old = Recording::<ArenaGame>::open(dir.path().join("host.tlrec")).expect("readable");
    let sealed_before = old
        .sealed
        .iter()
        .flat_map(|st| &st.commits)
        .filter(|c| c.id == bob_move && c.tick <= taken_at)
        .count();
    assert_eq!(
        sealed_once + sealed_before,
        1,
        "bob's move is sealed exactly once across both hosts"
    );
    drop(bob_client);
    let bob_rec = Recording::<ArenaGame>::open(dir.path().join("bob.tlrec")).expect("readable");
    assert!(
        bob_rec.last_tick() >= until,
        "bob's recording goes on across the handover"
    );
    let report = Replayer::new(bob_rec).expect("start state").verify();
    assert!(report.verified(), "{report:?}");
}

/// Every client holds the host's order of succession, and it follows the
/// session: players by id with where they would host, spectators last and never
/// successors, a player who leaves gone from everyone's list.
#[test]
fn every_client_learns_the_order_of_succession_as_peers_come_and_go() {
    use std::net::SocketAddr;
    use tickline_e2e::lan::STANDBY_PORT_BASE;

    let dir = tempfile::tempdir().expect("temp dir");
    let mut lan = Lan::new(dir.path(), host_config(dir.path()));
    lan.standby = true;
    let link = LinkConditions::latency(Duration::from_millis(5));
    for name in ["ann", "bob", "cat"] {
        lan.add_client(name, link.clone());
    }
    lan.add_spectator("eve", link.clone());
    lan.run_until("all welcomed", Duration::from_secs(5), |lan| {
        lan.clients.iter().all(|c| c.timeline().is_some())
    });
    let players: Vec<PeerId> = lan.clients[..3].iter().filter_map(|c| c.peer()).collect();
    let listed = |lan: &Lan, i: usize| lan.clients[i].succession().clone();
    lan.run_until("everyone lists everyone", Duration::from_secs(5), |lan| {
        (0..4).all(|i| listed(lan, i).members.len() == 4)
    });
    let s = listed(&lan, 0);
    for i in 1..4 {
        assert_eq!(listed(&lan, i), s, "client {i} holds the same list");
    }
    let successors: Vec<(PeerId, Vec<SocketAddr>)> = s
        .successors()
        .map(|m| (m.peer, m.hosts_at.clone()))
        .collect();
    let expected: Vec<(PeerId, Vec<SocketAddr>)> = players
        .iter()
        .enumerate()
        .map(|(i, p)| {
            let port = STANDBY_PORT_BASE + i as u16;
            (*p, vec![SocketAddr::from(([127, 0, 0, 1], port))])
        })
        .collect();
    assert_eq!(successors, expected);
    let eve = s.members.last().expect("members");
    assert!(eve.spectator && eve.hosts_at.is_empty(), "{eve:?}");
    assert_eq!(s.host, Some(PeerId::HOST));

    // Bob leaves: the others' lists drop him.
    lan.clients[1].leave();
    lan.run_until("bob gone from the lists", Duration::from_secs(5), |lan| {
        [0, 2, 3].iter().all(|&i| {
            let s = listed(lan, i);
            s.members.len() == 3 && s.member(players[1]).is_none()
        })
    });
}
