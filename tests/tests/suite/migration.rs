//! Host migration end to end on the memory transport, in simulated time: the
//! host of a LAN session vanishes (no goodbye, as a killed process) and the
//! game goes on with a successor as host; everyone keeps their peer id, their
//! moves made during the handover are sealed, the sealed states agree and every
//! recording goes on across the handover and verifies.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use rand_chacha::ChaCha8Rng;
use rand_chacha::rand_core::{RngCore, SeedableRng};
use tickline::model::{CommitId, PeerId, Tick};
use tickline::net::{HostConfig, HostSession, Rehost, SessionEvent, follow};
use tickline::record::{RecordedEvent, Recording, Replayer};
use tickline::testing::arena::{ArenaGame, Dir, Steer};
use tickline::transport::{
    Conditioned, LinkConditions, MemoryClient, MemoryConnector, MemoryHost, TransportError,
    memory_hub,
};
use tickline_e2e::lan::{Client, Lan, host_config};

type Host = HostSession<ArenaGame, MemoryHost>;

/// The memory "network" of standby hosts: a successor's hub, by peer id.
#[derive(Clone, Default)]
struct Standbys(Arc<Mutex<BTreeMap<PeerId, MemoryConnector>>>);

/// One client's way to host and to reach a successor.
struct MemoryRehost {
    me: PeerId,
    standbys: Standbys,
    link: LinkConditions,
}

impl Rehost for MemoryRehost {
    type Host = MemoryHost;
    type Client = Conditioned<MemoryClient>;

    fn host(&mut self) -> Result<MemoryHost, TransportError> {
        let (host, connector) = memory_hub();
        let mut standbys = self.standbys.0.lock().expect("not poisoned");
        standbys.insert(self.me, connector);
        Ok(host)
    }

    fn connect(
        &mut self,
        peer: PeerId,
        _addrs: &[SocketAddr],
        _now: Duration,
    ) -> Result<Self::Client, TransportError> {
        let standbys = self.standbys.0.lock().expect("not poisoned");
        let connector = standbys
            .get(&peer)
            .ok_or_else(|| TransportError::Connect(format!("{peer} does not host")))?;
        Ok(Conditioned::new(connector.connect()?, self.link.clone()))
    }
}

/// A peer after the host went: still a client, or the host it became.
enum Peer {
    Client(Box<Client>, MemoryRehost),
    Host(Box<Host>),
}

impl Peer {
    fn sealed_tick(&self) -> Tick {
        match self {
            Peer::Client(c, _) => c.sealed_tick(),
            Peer::Host(h) => h.sealed_tick(),
        }
    }

    fn checksum_at(&self, tick: Tick) -> Option<u64> {
        match self {
            Peer::Client(c, _) => c.checksum_at(tick),
            Peer::Host(h) => h.checksum_at(tick),
        }
    }

    fn commit(&mut self, dir: Dir) -> Option<CommitId> {
        match self {
            Peer::Client(c, _) => c.commit(Steer(dir)),
            Peer::Host(h) => h.commit(Steer(dir)),
        }
    }
}

/// The session after its host went.
struct Orphans {
    peers: Vec<(String, Peer)>,
    events: Vec<Vec<SessionEvent>>,
    made: Vec<Vec<CommitId>>,
    config: HostConfig,
    now: Duration,
    rng: ChaCha8Rng,
}

impl Orphans {
    /// Takes the clients of `lan` (whose host then vanishes without a word).
    fn of(lan: Lan, names: &[&str], config: HostConfig) -> (Self, Standbys) {
        let standbys = Standbys::default();
        let Lan { clients, now, .. } = lan;
        let link = LinkConditions::latency(Duration::from_millis(10));
        let peers = clients
            .into_iter()
            .zip(names)
            .map(|(c, name)| {
                let rehost = MemoryRehost {
                    me: c.peer().expect("a player"),
                    standbys: standbys.clone(),
                    link: link.clone(),
                };
                (name.to_string(), Peer::Client(Box::new(c), rehost))
            })
            .collect::<Vec<_>>();
        let n = peers.len();
        let orphans = Orphans {
            peers,
            events: vec![Vec::new(); n],
            made: vec![Vec::new(); n],
            config,
            now,
            rng: ChaCha8Rng::seed_from_u64(9),
        };
        (orphans, standbys)
    }

    /// One step of 4 ms: every peer updates, moves with probability `percent`,
    /// and a client whose host went follows it.
    fn step(&mut self, percent: u64) {
        self.now += Duration::from_micros(4_167);
        for (i, (_, peer)) in self.peers.iter_mut().enumerate() {
            if self.rng.next_u64() % 100 < percent {
                let dir = Dir::ALL[(self.rng.next_u64() % 4) as usize];
                self.made[i].extend(peer.commit(dir));
            }
            let became = match peer {
                Peer::Host(h) => {
                    h.update(self.now).expect("host transport");
                    self.events[i].extend(h.drain_events());
                    None
                }
                Peer::Client(c, rehost) => {
                    c.update(self.now).expect("client transport");
                    let became = follow(c, rehost, &self.config, self.now).expect("carries on");
                    self.events[i].extend(c.drain_events());
                    became
                }
            };
            if let Some(host) = became {
                *peer = Peer::Host(Box::new(host));
            }
        }
    }

    /// Steps until every peer holds sealed tick `tick`, within `limit`.
    fn run_to(&mut self, tick: Tick, limit: Duration, percent: u64) {
        let deadline = self.now + limit;
        while self.peers.iter().any(|(_, p)| p.sealed_tick() < tick) {
            let at: Vec<Tick> = self.peers.iter().map(|(_, p)| p.sealed_tick()).collect();
            assert!(self.now < deadline, "stalled at {at:?}");
            self.step(percent);
        }
    }

    /// Plays 300 ticks past `from` with moves, then on without until the
    /// last moves are sealed everywhere, and finishes every recording.
    fn play_out(&mut self, from: Tick) {
        self.run_to(from.plus(300), Duration::from_secs(30), 10);
        self.run_to(from.plus(360), Duration::from_secs(10), 0);
        for (_, peer) in &mut self.peers {
            match peer {
                Peer::Client(c, _) => c.finish_recording(),
                Peer::Host(h) => h.finish_recording().expect("written"),
            }
        }
    }

    fn host_index(&self) -> Option<usize> {
        self.peers
            .iter()
            .position(|(_, p)| matches!(p, Peer::Host(_)))
    }
}

/// A session of a host and `names` playing 300 ticks, then the host is gone:
/// the clients, and the last sealed tick any of them holds (ticks the host
/// sealed that nobody received died with it).
/// Client `i` is `latency_ms[i]` away from the host.
fn orphaned(
    dir: &std::path::Path,
    names: &[&str],
    latency_ms: &[u64],
) -> (Orphans, Standbys, Tick, Vec<PeerId>) {
    let mut lan = Lan::new(dir, host_config(dir));
    lan.standby = true;
    // One at a time, so that peer ids (the order of succession) follow `names`.
    for (name, ms) in names.iter().zip(latency_ms) {
        let i = lan.add_client(name, LinkConditions::latency(Duration::from_millis(*ms)));
        lan.run_until("welcomed", Duration::from_secs(5), |lan| {
            lan.clients[i].timeline().is_some()
        });
    }
    lan.run_until("all welcomed", Duration::from_secs(5), |lan| {
        lan.clients.iter().all(|c| c.timeline().is_some())
            && lan
                .clients
                .iter()
                .all(|c| c.succession().members.len() == names.len())
    });
    lan.play(300, 10);
    let lost_at = lan.host.sealed_tick();
    let ids: Vec<PeerId> = lan.clients.iter().filter_map(|c| c.peer()).collect();
    let config = HostConfig {
        record: None,
        ..host_config(dir)
    };
    let held = lan
        .clients
        .iter()
        .map(|c| c.sealed_tick())
        .max()
        .unwrap_or(lost_at);
    let (orphans, standbys) = Orphans::of(lan, names, config);
    (orphans, standbys, held, ids)
}

/// What must hold once the game went on: one host, every other peer under its
/// old id, 300 more ticks with equal checksums, every move made sealed once
/// in the new host's log, every recording continued and verified, the
/// handover marked in each.
fn check_carried_on(o: &Orphans, dir: &std::path::Path, lost_at: Tick, new_host: &str) {
    let h = o.host_index().expect("a peer became the host");
    assert_eq!(o.peers[h].0, new_host, "{:#?}", o.events);
    let common = Tick(lost_at.plus(300).0 / 30 * 30);
    let sums: Vec<Option<u64>> = o.peers.iter().map(|(_, p)| p.checksum_at(common)).collect();
    assert!(
        sums[0].is_some() && sums.iter().all(|s| *s == sums[0]),
        "{sums:?}"
    );

    let recs: BTreeMap<&str, Recording<ArenaGame>> = o
        .peers
        .iter()
        .map(|(name, _)| {
            let path = dir.join(format!("{name}.tlrec"));
            (name.as_str(), Recording::open(&path).expect("readable"))
        })
        .collect();
    let host_log = &recs[new_host];
    for (i, made) in o.made.iter().enumerate() {
        for id in made {
            let times = host_log
                .sealed
                .iter()
                .flat_map(|st| &st.commits)
                .filter(|c| c.id == *id)
                .count();
            assert_eq!(
                times, 1,
                "{}'s move {id} sealed {times} times",
                o.peers[i].0
            );
        }
    }
    for (name, rec) in &recs {
        assert!(rec.stopped.is_none(), "{name}: {:?}", rec.stopped);
        assert!(
            rec.last_tick() >= lost_at.plus(300),
            "{name}'s recording goes on"
        );
        let marked = rec
            .events
            .iter()
            .any(|(_, e)| matches!(e, RecordedEvent::HostChanged { name, .. } if name == new_host));
        assert!(
            marked,
            "{name}'s recording marks the handover: {:?}",
            rec.events
        );
        for st in &rec.sealed {
            assert_eq!(
                host_log.sealed_at(st.tick),
                Some(st),
                "{name} at {}",
                st.tick
            );
        }
    }
    // Nothing the old host sealed that a peer received was lost or sealed
    // differently.
    let old = Recording::<ArenaGame>::open(dir.join("host.tlrec")).expect("readable");
    assert!(old.last_tick() >= lost_at);
    let received = |st: &&tickline::model::SealedTick<Steer>| {
        st.tick > host_log.start_tick() && st.tick <= lost_at
    };
    for st in old.sealed.iter().filter(received) {
        assert_eq!(
            host_log.sealed_at(st.tick),
            Some(st),
            "the old host's tick {}",
            st.tick
        );
    }
    for (name, _) in &o.peers {
        let rec = Recording::<ArenaGame>::open(dir.join(format!("{name}.tlrec"))).expect("opens");
        let report = Replayer::new(rec).expect("start state").verify();
        assert!(report.verified(), "{name}: {report:?}");
    }
}

#[test]
fn a_vanished_hosts_first_successor_carries_the_game_on() {
    let dir = tempfile::tempdir().expect("temp dir");
    let names = ["ann", "bob", "cat"];
    let (mut o, _standbys, lost_at, ids) = orphaned(dir.path(), &names, &[10, 25, 40]);
    // Everyone keeps moving through the handover.
    o.play_out(lost_at);
    for (name, peer) in &o.peers {
        if let Peer::Client(c, _) = peer {
            assert!(ids.contains(&c.peer().expect("a player")), "{name}");
        }
    }
    for (i, (name, _)) in o.peers.iter().enumerate() {
        let changed = o.events[i]
            .iter()
            .any(|e| matches!(e, SessionEvent::HostChanged { name: host, .. } if host == "ann"));
        assert!(changed, "{name} saw ann take over: {:?}", o.events[i]);
    }
    if let Some(h) = o.host_index()
        && let Peer::Host(host) = &o.peers[h].1
    {
        assert!(
            host.roster().keys().all(|p| ids.contains(p)),
            "{:?}",
            host.roster()
        );
        assert_eq!(host.roster().len(), 3, "the old host left, nobody else");
    }
    check_carried_on(&o, dir.path(), lost_at, "ann");
}

#[test]
fn when_the_first_successor_went_too_the_next_one_takes_over() {
    let dir = tempfile::tempdir().expect("temp dir");
    let names = ["ann", "bob", "cat"];
    let (mut o, _standbys, _, _ids) = orphaned(dir.path(), &names, &[10, 25, 40]);
    // Ann vanishes with the host.
    let (_, ann) = o.peers.remove(0);
    drop(ann);
    o.events.remove(0);
    o.made.remove(0);
    // Ticks only ann held went with her.
    let lost_at = o
        .peers
        .iter()
        .map(|(_, p)| p.sealed_tick())
        .max()
        .expect("peers");
    o.play_out(lost_at);
    check_carried_on(&o, dir.path(), lost_at, "bob");
}

/// The successor is the furthest behind: the ticks the old host sealed that
/// only the others hold are taken from them, as they are.
#[test]
fn a_successor_behind_the_others_takes_the_ticks_it_lacks_from_them() {
    let dir = tempfile::tempdir().expect("temp dir");
    let names = ["ann", "bob", "cat"];
    let (mut o, _standbys, lost_at, _ids) = orphaned(dir.path(), &names, &[90, 10, 10]);
    let behind = o.peers[0].1.sealed_tick();
    let ahead = o.peers[1].1.sealed_tick();
    assert!(behind < ahead, "ann ({behind}) is behind bob ({ahead})");
    o.play_out(lost_at);
    check_carried_on(&o, dir.path(), lost_at, "ann");
}

/// A host that leaves on purpose hands the game over first: every client gets
/// every tick it sealed (none is lost), the successor takes over at once, and
/// the game stalls for well under a second.
#[test]
fn a_host_that_leaves_hands_the_game_over_without_losing_a_tick() {
    let dir = tempfile::tempdir().expect("temp dir");
    let names = ["ann", "bob", "cat"];
    let mut lan = Lan::new(dir.path(), host_config(dir.path()));
    lan.standby = true;
    for (name, ms) in names.iter().zip([10, 25, 40]) {
        let i = lan.add_client(name, LinkConditions::latency(Duration::from_millis(ms)));
        lan.run_until("welcomed", Duration::from_secs(5), |lan| {
            lan.clients[i].timeline().is_some()
        });
    }
    lan.run_until("everyone listed", Duration::from_secs(5), |lan| {
        lan.clients
            .iter()
            .all(|c| c.succession().members.len() == 3)
    });
    lan.play(300, 10);
    lan.host.leave().expect("recording written");
    let sealed_by_old_host = lan.host.sealed_tick();
    let left_at = lan.now;
    let config = HostConfig {
        record: None,
        ..host_config(dir.path())
    };
    let (mut o, _standbys) = Orphans::of(lan, &names, config);
    let mut resumed_at = None;
    let deadline = o.now + Duration::from_secs(5);
    while resumed_at.is_none() {
        assert!(o.now < deadline, "the game did not go on");
        o.step(10);
        if let Some(h) = o.host_index()
            && o.peers[h].1.sealed_tick() > sealed_by_old_host
        {
            resumed_at = Some(o.now);
        }
    }
    let stalled = resumed_at.expect("set") - left_at;
    assert!(stalled < Duration::from_secs(1), "stalled {stalled:?}");
    o.play_out(sealed_by_old_host);
    for events in &o.events {
        let lost = events.iter().find_map(|e| match e {
            SessionEvent::HostLost { reason } => Some(reason.clone()),
            _ => None,
        });
        assert_eq!(lost.as_deref(), Some("host (the host) left"), "{events:?}");
    }
    // Every tick the old host sealed is in the new host's log as it was.
    check_carried_on(&o, dir.path(), sealed_by_old_host, "ann");
}
