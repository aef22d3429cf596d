//! An in-memory session: one host sequencer and N peer timelines joined by a
//! simulated network that delays, duplicates and reorders messages both ways.
//! Everything is driven by one seeded RNG, so a failing case re-runs identically.

use std::collections::BTreeMap;

use rand_chacha::ChaCha8Rng;
use rand_chacha::rand_core::{RngCore, SeedableRng};
use tickline::model::codec::encode_state;
use tickline::model::{Commit, CommitId, Game, PeerId, SealedTick, Tick, run_tick};
use tickline::record::{Header, RecordingWriter};
use tickline::timeline::{Sequencer, SequencerConfig, Timeline, TimelineConfig};

fn header<G: Game>(genesis: &G::State, seed: u64) -> Header {
    Header {
        game_id: G::ID.into(),
        schema_hash: G::schema_hash().expect("the game's types trace"),
        tick_rate: 60,
        seed,
        start_tick: Tick(0),
        genesis: encode_state(genesis).expect("encodes"),
        created_unix_ms: 0,
    }
}

/// How the simulated network misbehaves.
#[derive(Clone, Copy, Debug)]
pub struct Faults {
    /// Each message is delayed by 0..=max_delay steps (so messages also reorder).
    pub max_delay: u64,
    /// Percentage of messages delivered twice.
    pub duplicate_percent: u32,
}

/// The host side and every peer, stepped together.
pub struct Cluster<G: Game> {
    /// The host's sequencer.
    pub sequencer: Sequencer<G::Move>,
    /// The authoritative log, as sealed.
    pub log: Vec<SealedTick<G::Move>>,
    /// The peers (peer i has id i + 1).
    pub peers: Vec<Timeline<G>>,
    /// Per peer: checksum of its sealed state at each sealed tick.
    pub checksums: Vec<BTreeMap<Tick, u64>>,
    /// Every commit any peer made.
    pub made: Vec<CommitId>,
    /// Per peer: its recording, written from its journal.
    pub recordings: Vec<RecordingWriter<Vec<u8>>>,
    genesis: G::State,
    seed: u64,
    uplink: Vec<(u64, u64, Commit<G::Move>)>,
    downlink: Vec<(u64, u64, usize, SealedTick<G::Move>)>,
    rng: ChaCha8Rng,
    now: u64,
    seal_delay: u64,
    link: Faults,
}

impl<G: Game> Cluster<G> {
    /// `n` peers starting from `genesis`; the host seals tick T at step T + seal_delay.
    pub fn new(
        genesis: G::State,
        n: usize,
        seed: u64,
        link: Faults,
        seal_delay: u64,
        config: TimelineConfig,
    ) -> Self {
        let config = TimelineConfig {
            checksum_interval: 1,
            snapshot_interval: 50,
            ..config
        }
        .with_journal();
        let peers = (0..n)
            .map(|i| {
                Timeline::new(PeerId(i as u64 + 1), genesis.clone(), seed, config.clone())
                    .expect("config")
            })
            .collect();
        Cluster {
            sequencer: Sequencer::new(SequencerConfig::default(), Tick(0)),
            log: Vec::new(),
            peers,
            checksums: vec![BTreeMap::new(); n],
            made: Vec::new(),
            recordings: (0..n)
                .map(|_| {
                    RecordingWriter::new(Vec::new(), &header::<G>(&genesis, seed)).expect("header")
                })
                .collect(),
            genesis,
            seed,
            uplink: Vec::new(),
            downlink: Vec::new(),
            rng: ChaCha8Rng::seed_from_u64(seed),
            now: 0,
            seal_delay,
            link,
        }
    }

    /// A number in `0..n` from the cluster's RNG.
    pub fn roll(&mut self, n: u64) -> u64 {
        self.rng.next_u64() % n.max(1)
    }

    fn delay(&mut self) -> u64 {
        self.now + self.roll(self.link.max_delay + 1)
    }

    fn copies(&mut self) -> usize {
        if self.roll(100) < u64::from(self.link.duplicate_percent) {
            2
        } else {
            1
        }
    }

    /// One step of wall time: `commits(peer index, predicted state)` may return a
    /// modification for that peer to commit; peers advance, messages move, and the
    /// host seals when its clock says so. `seal` = false keeps the host from sealing.
    pub fn step(
        &mut self,
        seal: bool,
        mut commits: impl FnMut(usize, &G::State, &mut ChaCha8Rng) -> Option<G::Move>,
    ) {
        self.now += 1;
        for i in 0..self.peers.len() {
            if let Some(m) = commits(i, self.peers[i].state(), &mut self.rng) {
                let id = self.peers[i].commit(m);
                self.made.push(id);
            }
            let _ = self.peers[i].advance();
            let mut out = self.peers[i].take_outgoing();
            // Re-send everything still pending now and then, as a real client does.
            if self.roll(4) == 0 {
                out.extend(self.peers[i].pending().cloned());
            }
            for c in out {
                for _ in 0..self.copies() {
                    let (due, order) = (self.delay(), self.rng.next_u64());
                    self.uplink.push((due, order, c.clone()));
                }
            }
        }
        self.deliver_uplink();
        if seal && self.now > self.seal_delay {
            self.seal(Tick(self.now - self.seal_delay));
        }
        self.deliver_downlink();
    }

    fn deliver_uplink(&mut self) {
        let now = self.now;
        let mut due: Vec<_> = self
            .uplink
            .extract_if(.., |(at, _, _)| *at <= now)
            .collect();
        due.sort_by_key(|(at, order, _)| (*at, *order));
        for (_, _, commit) in due {
            self.sequencer
                .accept(commit)
                .expect("peers stamp within the host's window");
        }
    }

    fn seal(&mut self, through: Tick) {
        for st in self.sequencer.seal_through(through) {
            self.log.push(st.clone());
            for peer in 0..self.peers.len() {
                for _ in 0..self.copies() {
                    let (due, order) = (self.delay(), self.rng.next_u64());
                    self.downlink.push((due, order, peer, st.clone()));
                }
            }
        }
    }

    fn deliver_downlink(&mut self) {
        let now = self.now;
        let mut due: Vec<_> = self
            .downlink
            .extract_if(.., |(at, _, _, _)| *at <= now)
            .collect();
        due.sort_by_key(|(at, order, _, _)| (*at, *order));
        for (_, _, peer, st) in due {
            self.peers[peer]
                .receive_sealed(st)
                .expect("host sends valid sealed ticks");
            for entry in self.peers[peer].drain_journal() {
                if let Some(sum) = entry.checksum {
                    self.checksums[peer].insert(entry.tick, sum);
                }
                self.recordings[peer]
                    .append(&entry)
                    .expect("writes to memory");
            }
        }
    }

    /// Runs without new commits until every commit made is sealed and every peer
    /// has every sealed tick; panics after `max_steps`.
    pub fn settle(&mut self, max_steps: u64) {
        for _ in 0..max_steps {
            let unsealed = self.sequencer.open_commits() > 0
                || !self.uplink.is_empty()
                || self.peers.iter().any(|p| p.pending().next().is_some());
            let sealed = self.sequencer.sealed_tick();
            if !unsealed
                && self.downlink.is_empty()
                && self.peers.iter().all(|p| p.sealed_tick() == sealed)
            {
                return;
            }
            self.step(unsealed, |_, _, _| None);
        }
        panic!("the cluster did not settle within {max_steps} steps");
    }

    /// Checksums of a from-genesis replay of the sealed log, per tick.
    pub fn replay_checksums(&self) -> BTreeMap<Tick, u64> {
        let mut state = self.genesis.clone();
        self.log
            .iter()
            .map(|st| {
                run_tick::<G>(&mut state, &st.commits, self.seed, st.tick);
                (st.tick, tickline::checksum(&state).expect("encodes"))
            })
            .collect()
    }
}
