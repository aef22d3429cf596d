//! An in-memory session with simulated time: one host and any number of clients on
//! the memory transport, each client behind its own link conditioner. Nothing
//! sleeps: time advances by `dt` per step, and conditions are polled with a
//! simulated-time deadline.

use std::collections::BTreeMap;
use std::net::IpAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use rand_chacha::ChaCha8Rng;
use rand_chacha::rand_core::{RngCore, SeedableRng};
use tickline::model::{CommitId, PeerId};
use tickline::net::{ClientConfig, ClientSession, HostConfig, HostSession, SessionEvent, Standby};
use tickline::record::Recording;
use tickline::testing::arena::{Arena, ArenaGame, Dir, Steer};
use tickline::transport::{
    Conditioned, LinkConditions, MemoryClient, MemoryConnector, MemoryHost, memory_hub,
};

/// Client `i` offers this port plus `i` as its standby (see [`Standby`]).
pub const STANDBY_PORT_BASE: u16 = 41_000;

/// The game id of these sessions.
pub const GAME: &str = "arena";

/// The host type.
pub type Host = HostSession<ArenaGame, MemoryHost>;
/// The client type.
pub type Client = ClientSession<ArenaGame, Conditioned<MemoryClient>>;

/// A host and its clients.
pub struct Lan {
    /// The host.
    pub host: Host,
    /// The clients, in the order they were added.
    pub clients: Vec<Client>,
    /// Simulated time.
    pub now: Duration,
    /// Time per step.
    pub dt: Duration,
    /// Commits each peer made, by peer index (0 = host, i + 1 = client i).
    pub made: Vec<Vec<CommitId>>,
    /// Events seen, by peer index.
    pub events: Vec<Vec<SessionEvent>>,
    /// Clients added from now on offer a standby port: they are successors,
    /// and follow the session to one when the host goes (host migration).
    pub standby: bool,
    connector: MemoryConnector,
    dir: PathBuf,
    rng: ChaCha8Rng,
}

/// A host configuration for these tests (recording into `dir`).
pub fn host_config(dir: &Path) -> HostConfig {
    HostConfig {
        tick_rate: Some(60),
        seed: 11,
        record: Some(dir.join("host.tlrec")),
        ..HostConfig::default()
    }
}

impl Lan {
    /// A host recording into `dir`, no clients yet.
    pub fn new(dir: &Path, config: HostConfig) -> Self {
        let (transport, connector) = memory_hub();
        let host = HostSession::new(config, Arena::default(), transport).expect("host starts");
        Lan {
            host,
            clients: Vec::new(),
            now: Duration::ZERO,
            dt: Duration::from_micros(4_167),
            made: vec![Vec::new()],
            events: vec![Vec::new()],
            standby: false,
            connector,
            dir: dir.to_path_buf(),
            rng: ChaCha8Rng::seed_from_u64(5),
        }
    }

    /// Adds a client behind `conditions`, recording into the test folder.
    pub fn add_client(&mut self, name: &str, conditions: LinkConditions) -> usize {
        self.add(name, conditions, false)
    }

    /// Adds a spectator behind `conditions`, recording into the test folder.
    pub fn add_spectator(&mut self, name: &str, conditions: LinkConditions) -> usize {
        self.add(name, conditions, true)
    }

    fn add(&mut self, name: &str, conditions: LinkConditions, spectate: bool) -> usize {
        let transport = Conditioned::new(self.connector.connect().expect("host alive"), conditions);
        // With `standby`, each client offers a standby port (the memory
        // transport has no addresses: the host lists the one the client gives).
        let standby = self.standby.then(|| Standby {
            port: STANDBY_PORT_BASE + self.clients.len() as u16,
            addrs: vec![IpAddr::from([127, 0, 0, 1])],
        });
        let config = ClientConfig {
            name: name.into(),
            spectate,
            record: Some(self.dir.join(format!("{name}.tlrec"))),
            standby,
            ..ClientConfig::default()
        };
        self.clients
            .push(ClientSession::new(config, transport).expect("client starts"));
        self.made.push(Vec::new());
        self.events.push(Vec::new());
        self.clients.len() - 1
    }

    /// Advances time by one step and updates everyone.
    pub fn step(&mut self) {
        self.now += self.dt;
        self.host.update(self.now).expect("host transport");
        self.events[0].extend(self.host.drain_events());
        for (i, c) in self.clients.iter_mut().enumerate() {
            c.update(self.now).expect("client transport");
            self.events[i + 1].extend(c.drain_events());
        }
    }

    /// Steps, with every peer committing a random turn with probability
    /// `percent`% per step, until `ticks` more ticks are sealed.
    pub fn play(&mut self, ticks: u64, percent: u64) {
        let until = self.host.sealed_tick().plus(ticks);
        while self.host.sealed_tick() < until {
            if self.rng.next_u64() % 100 < percent {
                let dir = Dir::ALL[(self.rng.next_u64() % 4) as usize];
                if let Some(id) = self.host.commit(Steer(dir)) {
                    self.made[0].push(id);
                }
            }
            for i in 0..self.clients.len() {
                if self.rng.next_u64() % 100 < percent && self.clients[i].timeline().is_some() {
                    let dir = Dir::ALL[(self.rng.next_u64() % 4) as usize];
                    if let Some(id) = self.clients[i].commit(Steer(dir)) {
                        self.made[i + 1].push(id);
                    }
                }
            }
            self.step();
        }
    }

    /// Steps until `done` holds; panics with `what` after `limit` of simulated time.
    pub fn run_until(
        &mut self,
        what: &str,
        limit: Duration,
        mut done: impl FnMut(&mut Lan) -> bool,
    ) {
        let deadline = self.now + limit;
        while !done(self) {
            assert!(
                self.now < deadline,
                "timed out after {limit:?} waiting for: {what}"
            );
            self.step();
        }
    }

    /// Steps until every client holds the host's sealed tick with nothing pending
    /// and the host has sealed everything it accepted.
    pub fn settle(&mut self) {
        // Past every tick the host stamped its own commits for.
        let sealed = self.host.head().plus(3);
        self.run_until(
            "everyone to hold every sealed tick",
            Duration::from_secs(30),
            |lan| {
                lan.clients.iter().all(|c| {
                    c.timeline().is_some_and(|tl| {
                        tl.sealed_tick() >= sealed && tl.pending().next().is_none()
                    })
                })
            },
        );
    }

    /// Peer ids of the host and each client (None before the welcome).
    pub fn peers(&self) -> Vec<Option<PeerId>> {
        std::iter::once(Some(PeerId::HOST))
            .chain(self.clients.iter().map(|c| c.peer()))
            .collect()
    }

    /// Reads the host's recording and each client's (first segment).
    pub fn recordings(&self, names: &[&str]) -> BTreeMap<String, Recording<ArenaGame>> {
        std::iter::once("host")
            .chain(names.iter().copied())
            .map(|name| {
                let path = self.dir.join(format!("{name}.tlrec"));
                let rec = Recording::open(&path).expect("recording readable");
                (name.to_string(), rec)
            })
            .collect()
    }

    /// A connector to the host, for raw or differently-typed clients.
    pub fn connector(&self) -> MemoryConnector {
        self.connector.clone()
    }

    /// Checks what every log must satisfy: each client's sealed ticks equal the
    /// host's over the ticks it recorded, checksums agree at every recorded tick,
    /// every commit any peer made is in the host's log exactly once, and every
    /// recording verifies from scratch. Returns the number of checksums compared.
    pub fn check_logs(&self, names: &[&str]) -> usize {
        let recs = self.recordings(names);
        let host = &recs["host"];
        let mut count: BTreeMap<CommitId, u32> = BTreeMap::new();
        for st in &host.sealed {
            for c in &st.commits {
                *count.entry(c.id).or_default() += 1;
            }
        }
        assert!(
            count.values().all(|n| *n == 1),
            "a commit was sealed twice in the host's log"
        );
        for (peer, made) in self.made.iter().enumerate() {
            for id in made {
                assert_eq!(
                    count.get(id),
                    Some(&1),
                    "commit {id} of peer index {peer} is not in the host's log once"
                );
            }
        }
        let mut compared = 0;
        for (name, rec) in &recs {
            assert!(
                rec.stopped.is_none(),
                "{name}'s recording is damaged: {:?}",
                rec.stopped
            );
            for st in &rec.sealed {
                assert_eq!(
                    host.sealed_at(st.tick),
                    Some(st),
                    "{name}'s log differs from the host's at tick {}",
                    st.tick
                );
            }
            for (tick, sum) in &rec.checksums {
                if let Some(expected) = host.checksums.get(tick) {
                    assert_eq!(sum, expected, "{name}'s checksum differs at tick {tick}");
                    compared += 1;
                }
            }
            let report = tickline::record::Replayer::<ArenaGame>::new(rec.clone())
                .expect("start state")
                .verify();
            assert!(
                report.verified(),
                "{name}'s recording does not verify: {report:?}"
            );
        }
        compared
    }
}
