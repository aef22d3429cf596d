//! The host: seals ticks on its clock, relays them, validates everything clients
//! send, and keeps going whatever one client does.

use std::collections::{BTreeMap, VecDeque};
use std::hash::{BuildHasher, Hasher};
use std::time::Duration;

use crate::model::codec::encode_state;
use crate::model::{Body, PeerId, SealedTick, Tick};
use crate::model::{Modification, WorkSpace};
use crate::record::RecordedEvent;
use crate::timeline::{
    Accepted, Sequencer, SequencerConfig, SequencerError, Timeline, TimelineConfig,
};
use crate::transport::{Channel, ConnId, HostEvent, HostTransport};

use super::config::HostConfig;
use super::events::{PeerInfo, SessionError, SessionEvent, SessionStats};
use super::journal::{Recorder, Roster, record_entry, record_event};
use super::protocol::{
    CatchUp, ClientMsg, FREQUENT_MESSAGE_BUDGET, HostMsg, MAX_COMMITS_PER_UPDATE, MAX_NAME_CHARS,
    PROTOCOL_VERSION, Welcome, decode_client, encode_msg,
};

/// How long a kicked or rejected connection lingers so its last message gets out.
const LINGER: Duration = Duration::from_millis(200);

/// The client's latest clock sample: its `sent_at_us` and when the host got it.
type Echo = Option<(u64, Duration)>;

/// One connection.
struct Conn {
    peer: Option<PeerId>,
    last_heard: Duration,
    ack: Tick,
    echo: Echo,
    rtt: Option<Duration>,
    closing_at: Option<Duration>,
    /// Set after a desync until a later checksum matches.
    healing: Option<Tick>,
}

/// One peer (survives its connection during the grace window).
struct Peer {
    name: String,
    token: u64,
    conn: Option<ConnId>,
    dropped_at: Option<Duration>,
}

/// The host of a session. Drive it with [`HostSession::update`].
pub struct HostSession<W, M, T> {
    config: HostConfig,
    transport: T,
    timeline: Timeline<W, M>,
    sequencer: Sequencer<M>,
    /// Recent sealed ticks with their encoded sizes, for resending.
    recent: VecDeque<(SealedTick<M>, usize)>,
    checksums: BTreeMap<Tick, u64>,
    conns: BTreeMap<ConnId, Conn>,
    peers: BTreeMap<PeerId, Peer>,
    next_peer: u64,
    /// Local players and their next commit sequence number.
    local: BTreeMap<PeerId, u64>,
    roster: Roster,
    recorder: Option<Recorder>,
    events: Vec<SessionEvent>,
    stats: SessionStats,
    start: Option<Duration>,
    now: Duration,
    last_sent_tick: Option<u64>,
}

impl<W, M, T> std::fmt::Debug for HostSession<W, M, T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "HostSession({} peers, sealed {})",
            self.peers.len(),
            self.sequencer.sealed_tick()
        )
    }
}

fn random_token() -> u64 {
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u64(0x746f6b656e);
    h.finish()
}

impl<W: WorkSpace, M: Modification<W>, T: HostTransport> HostSession<W, M, T> {
    /// Starts a session from `genesis` on `transport`. With `config.player` set,
    /// the host plays as [`PeerId::HOST`] and its `Join` is sealed at tick 1.
    ///
    /// # Errors
    ///
    /// [`SessionError::Record`] if the recording cannot be created.
    pub fn new(config: HostConfig, genesis: W, transport: T) -> Result<Self, SessionError> {
        let timeline_config = TimelineConfig {
            input_delay: config.input_delay.max(1),
            max_prediction: config.seal_delay + 1,
            journal: true,
            checksum_interval: 1,
            snapshot_interval: config.snapshot_interval,
        };
        let recorder = match &config.record {
            Some(path) => Some(Recorder::create(
                path,
                &config.game_id,
                config.schema_hash,
                config.tick_rate,
                config.seed,
                (Tick::GENESIS, &genesis),
            )?),
            None => None,
        };
        let timeline = Timeline::new(PeerId::HOST, genesis, config.seed, timeline_config)?;
        let mut sequencer = Sequencer::new(
            SequencerConfig {
                max_ahead: config.max_ahead,
            },
            Tick::GENESIS,
        );
        let mut peers = BTreeMap::new();
        if let Some(name) = &config.player {
            if let Err(e) = sequencer.system(Body::Join {
                peer: PeerId::HOST,
                name: name.clone(),
            }) {
                tracing::error!("cannot mint the host's join: {e}");
            }
            peers.insert(
                PeerId::HOST,
                Peer {
                    name: name.clone(),
                    token: 0,
                    conn: None,
                    dropped_at: None,
                },
            );
        }
        Ok(HostSession {
            config,
            transport,
            timeline,
            sequencer,
            recent: VecDeque::new(),
            checksums: BTreeMap::new(),
            conns: BTreeMap::new(),
            peers,
            next_peer: 1,
            local: BTreeMap::new(),
            roster: Roster::default(),
            recorder,
            events: Vec::new(),
            stats: SessionStats::default(),
            start: None,
            now: Duration::ZERO,
            last_sent_tick: None,
        })
    }

    /// The host's predicted state (what a listen-server host renders).
    pub fn state(&self) -> &W {
        self.timeline.state()
    }

    /// The sealed state.
    pub fn sealed_state(&self) -> &W {
        self.timeline.sealed_state()
    }

    /// The last sealed tick.
    pub fn sealed_tick(&self) -> Tick {
        self.sequencer.sealed_tick()
    }

    /// The host's clock tick.
    pub fn head(&self) -> Tick {
        self.timeline.head()
    }

    /// The checksum of the sealed state.
    pub fn sealed_checksum(&mut self) -> u64 {
        self.timeline.sealed_checksum()
    }

    /// The host's own checksum at a recent sealed tick (every tick is kept for a
    /// while).
    pub fn checksum_at(&self, tick: Tick) -> Option<u64> {
        self.checksums.get(&tick).copied()
    }

    /// Names of the peers in the sealed state.
    pub fn roster(&self) -> &BTreeMap<PeerId, String> {
        &self.roster.names
    }

    /// The peers the host knows (connected or within their grace window).
    pub fn peers(&self) -> Vec<PeerInfo> {
        self.peers
            .iter()
            .map(|(&peer, p)| PeerInfo {
                peer,
                name: p.name.clone(),
                connected: peer == PeerId::HOST
                    || self.local.contains_key(&peer)
                    || p.conn.is_some(),
                rtt: p.conn.and_then(|c| self.conns.get(&c)).and_then(|c| c.rtt),
                remote: peer != PeerId::HOST && !self.local.contains_key(&peer),
                acked: p.conn.and_then(|c| self.conns.get(&c)).map(|c| c.ack),
            })
            .collect()
    }

    /// Counters.
    pub fn stats(&self) -> SessionStats {
        let t = self.timeline.stats();
        let rtts: Vec<Duration> = self.conns.values().filter_map(|c| c.rtt).collect();
        let rtt = if rtts.is_empty() {
            Duration::ZERO
        } else {
            rtts.iter().sum::<Duration>() / rtts.len() as u32
        };
        SessionStats {
            rtt,
            rollbacks: t.rollbacks,
            deepest_rollback: t.deepest_rollback,
            resimulated_ticks: t.resimulated_ticks,
            ..self.stats
        }
    }

    /// Events since the last call.
    pub fn drain_events(&mut self) -> Vec<SessionEvent> {
        std::mem::take(&mut self.events)
    }

    /// The transport (e.g. to read its address).
    pub fn transport(&self) -> &T {
        &self.transport
    }

    /// The transport, mutably (e.g. to cut a conditioned link in a test).
    pub fn transport_mut(&mut self) -> &mut T {
        &mut self.transport
    }

    /// Commits a Modification as the host's own player. `None` on a dedicated host.
    pub fn commit(&mut self, modification: M) -> Option<crate::model::CommitId> {
        self.config.player.as_ref()?;
        let id = self.timeline.commit(modification);
        for commit in self.timeline.take_outgoing() {
            if let Err(e) = self.sequencer.accept(commit) {
                tracing::warn!("host commit refused: {e}");
            }
        }
        Some(id)
    }

    /// Adds a player that lives in the host's process (a bot, or a second local
    /// player): it gets its own peer id and `Join`, never times out, and its
    /// commits go through [`HostSession::commit_as`].
    pub fn add_local_player(&mut self, name: &str) -> PeerId {
        let peer = PeerId(self.next_peer);
        self.next_peer += 1;
        let name = clean_name(name, peer);
        self.peers.insert(
            peer,
            Peer {
                name: name.clone(),
                token: 0,
                conn: None,
                dropped_at: None,
            },
        );
        self.local.insert(peer, 0);
        if let Err(e) = self.sequencer.system(Body::Join { peer, name }) {
            tracing::error!("cannot mint a join: {e}");
        }
        peer
    }

    /// Peers added with [`HostSession::add_local_player`].
    pub fn local_players(&self) -> impl Iterator<Item = PeerId> + '_ {
        self.local.keys().copied()
    }

    /// Commits a Modification authored by a local player, stamped like the host's
    /// own commits. `None` if `peer` is not a local player.
    pub fn commit_as(&mut self, peer: PeerId, modification: M) -> Option<crate::model::CommitId> {
        let seq = self.local.get_mut(&peer)?;
        let id = crate::model::CommitId {
            author: peer,
            seq: *seq,
        };
        *seq += 1;
        let tick = self.timeline.head().plus(self.config.input_delay.max(1));
        if let Err(e) = self
            .sequencer
            .accept(crate::model::Commit::game(id, tick, modification))
        {
            tracing::warn!("local commit refused: {e}");
            return None;
        }
        Some(id)
    }

    /// Runs the host up to `now`: takes messages, seals ticks due on its clock,
    /// sends sealed ticks to every client. Call every frame.
    ///
    /// # Errors
    ///
    /// [`SessionError::Transport`] if the transport itself failed (its socket).
    pub fn update(&mut self, now: Duration) -> Result<(), SessionError> {
        let start = *self.start.get_or_insert(now);
        self.now = now.saturating_sub(start);
        self.transport.update(now)?;
        while let Some(event) = self.transport.poll() {
            match event {
                HostEvent::Connected(conn) => {
                    let c = Conn {
                        peer: None,
                        last_heard: self.now,
                        ack: Tick::GENESIS,
                        echo: None,
                        rtt: None,
                        closing_at: None,
                        healing: None,
                    };
                    self.conns.insert(conn, c);
                }
                HostEvent::Disconnected(conn, reason) => self.connection_lost(conn, &reason),
                HostEvent::Message(conn, _, bytes) => {
                    self.stats.bytes_in += bytes.len() as u64;
                    self.on_message(conn, &bytes);
                }
            }
        }
        self.expire_connections();
        self.run_clock();
        self.send_ticks();
        self.transport.flush();
        Ok(())
    }

    fn host_tick(&self) -> u64 {
        (self.now.as_micros() * u128::from(self.config.tick_rate) / 1_000_000) as u64
    }

    /// Seals what is due and moves the host's own head to its clock.
    fn run_clock(&mut self) {
        let target = self.host_tick();
        while self.timeline.head().0 < target {
            let seal_to = Tick((self.timeline.head().0 + 1).saturating_sub(self.config.seal_delay));
            for st in self.sequencer.seal_through(seal_to) {
                let size = encode_msg(&st).map_or(usize::MAX, |b| b.len());
                self.recent.push_back((st.clone(), size));
                match self.timeline.receive_sealed(st) {
                    Ok(outcome) => {
                        if let Some(r) = outcome.rollback {
                            self.events.push(SessionEvent::RolledBack {
                                from: r.from,
                                depth: r.depth,
                            });
                        }
                    }
                    Err(e) => tracing::error!("host timeline refused its own sealed tick: {e}"),
                }
            }
            self.process_journal();
            if self.timeline.advance().is_err() {
                break;
            }
        }
        self.trim_recent();
    }

    fn process_journal(&mut self) {
        for entry in self.timeline.drain_journal() {
            if let Some(sum) = entry.checksum {
                self.checksums.insert(entry.tick, sum);
            }
            self.roster.observe(&entry, &mut self.events);
            for commit in &entry.commits {
                if let Body::Leave { peer } = commit.body {
                    self.peers.remove(&peer);
                }
            }
            record_entry(&mut self.recorder, &entry, &mut self.events);
        }
        let keep = 60 * u64::from(self.config.tick_rate);
        let sealed = self.sequencer.sealed_tick();
        while self
            .checksums
            .first_key_value()
            .is_some_and(|(t, _)| sealed.since(*t) > keep)
        {
            self.checksums.pop_first();
        }
    }

    /// Keeps sealed ticks that a connected client has not acknowledged, or that a
    /// dropped one may need to resume, within a hard cap.
    fn trim_recent(&mut self) {
        let sealed = self.sequencer.sealed_tick();
        let grace_ticks =
            self.config.grace.as_secs().saturating_add(2) * u64::from(self.config.tick_rate);
        let cap = grace_ticks.max(60 * u64::from(self.config.tick_rate));
        let min_ack = self
            .conns
            .values()
            .filter(|c| c.peer.is_some())
            .map(|c| c.ack)
            .min()
            .unwrap_or(sealed);
        let keep_from = Tick(min_ack.0.min(sealed.0.saturating_sub(grace_ticks)))
            .max(Tick(sealed.0.saturating_sub(cap)));
        while self
            .recent
            .front()
            .is_some_and(|(st, _)| st.tick <= keep_from)
        {
            self.recent.pop_front();
        }
        // A client that fell behind what is kept cannot catch up from ticks.
        let behind: Vec<ConnId> = self
            .conns
            .iter()
            .filter(|(_, c)| c.peer.is_some() && c.closing_at.is_none() && c.ack < keep_from)
            .map(|(&id, _)| id)
            .collect();
        for conn in behind {
            self.kick(conn, "fell too far behind the session".into());
        }
    }

    fn send(&mut self, conn: ConnId, channel: Channel, msg: &HostMsg<M>) {
        match encode_msg(msg) {
            Ok(bytes) => {
                self.stats.bytes_out += bytes.len() as u64;
                self.transport.send(conn, channel, bytes);
            }
            Err(e) => tracing::error!("cannot encode a host message: {e}"),
        }
    }

    /// Once per host tick: every client gets the sealed ticks it lacks (up to the
    /// message budget) and a clock sample.
    fn send_ticks(&mut self) {
        let tick = self.host_tick();
        if self.last_sent_tick == Some(tick) {
            return;
        }
        self.last_sent_tick = Some(tick);
        let host_time_us = self.now.as_micros() as u64;
        let first = self
            .recent
            .front()
            .map_or(Tick(u64::MAX), |(st, _)| st.tick);
        let targets: Vec<(ConnId, Tick, Echo)> = self
            .conns
            .iter()
            .filter(|(_, c)| c.peer.is_some() && c.closing_at.is_none())
            .map(|(&id, c)| (id, c.ack, c.echo))
            .collect();
        for (conn, ack, echo) in targets {
            let skip = ack.next().since(first) as usize;
            let mut budget = FREQUENT_MESSAGE_BUDGET.saturating_sub(32);
            let ticks: Vec<SealedTick<M>> = self
                .recent
                .iter()
                .skip(skip)
                .take_while(|(_, size)| {
                    let fits = *size <= budget;
                    budget = budget.saturating_sub(*size);
                    fits
                })
                .map(|(st, _)| st.clone())
                .collect();
            let (echo_us, held_us) = match echo {
                Some((sent, at)) => (sent, self.now.saturating_sub(at).as_micros() as u64),
                None => (0, 0),
            };
            self.send(
                conn,
                Channel::Unreliable,
                &HostMsg::Sealed {
                    host_time_us,
                    echo_us,
                    held_us,
                    ticks,
                },
            );
        }
    }

    fn expire_connections(&mut self) {
        let now = self.now;
        let closing: Vec<ConnId> = self
            .conns
            .iter()
            .filter(|(_, c)| c.closing_at.is_some_and(|t| t <= now))
            .map(|(&id, _)| id)
            .collect();
        for conn in closing {
            self.transport.disconnect(conn);
            self.connection_lost(conn, "closed by the host");
        }
        let silent: Vec<ConnId> = self
            .conns
            .iter()
            .filter(|(_, c)| {
                c.closing_at.is_none() && now.saturating_sub(c.last_heard) > self.config.timeout
            })
            .map(|(&id, _)| id)
            .collect();
        for conn in silent {
            tracing::info!("connection {conn} timed out");
            self.transport.disconnect(conn);
            self.connection_lost(conn, "timed out");
        }
        let expired: Vec<PeerId> = self
            .peers
            .iter()
            .filter(|(_, p)| {
                p.dropped_at
                    .is_some_and(|t| now.saturating_sub(t) > self.config.grace)
            })
            .map(|(&id, _)| id)
            .collect();
        for peer in expired {
            self.leave(peer);
        }
    }

    /// A connection ended: its peer enters the grace window.
    fn connection_lost(&mut self, conn: ConnId, reason: &str) {
        let Some(c) = self.conns.remove(&conn) else {
            return;
        };
        if let Some(peer) = c.peer
            && let Some(p) = self.peers.get_mut(&peer)
            && p.conn == Some(conn)
        {
            tracing::info!(
                "{peer} lost its connection ({reason}); it may resume for {:?}",
                self.config.grace
            );
            p.conn = None;
            p.dropped_at = Some(self.now);
        }
    }

    /// The peer leaves the session for good: its `Leave` is sealed.
    fn leave(&mut self, peer: PeerId) {
        if let Some(p) = self.peers.get_mut(&peer) {
            p.dropped_at = None;
            p.token = random_token();
            if let Err(e) = self.sequencer.system(Body::Leave { peer }) {
                tracing::error!("cannot mint a leave: {e}");
            }
        }
    }

    /// Drops a misbehaving connection with a reason (sent, logged, reported).
    fn kick(&mut self, conn: ConnId, reason: String) {
        let Some(c) = self.conns.get_mut(&conn) else {
            return;
        };
        if c.closing_at.is_some() {
            return;
        }
        c.closing_at = Some(self.now + LINGER);
        let peer = c.peer;
        tracing::warn!("kicking connection {conn} ({peer:?}): {reason}");
        self.send(
            conn,
            Channel::Reliable,
            &HostMsg::Kick {
                reason: reason.clone(),
            },
        );
        self.events.push(SessionEvent::Kicked { peer, reason });
    }

    fn reject(&mut self, conn: ConnId, reason: String) {
        if let Some(c) = self.conns.get_mut(&conn) {
            c.closing_at = Some(self.now + LINGER);
        }
        tracing::info!("rejecting connection {conn}: {reason}");
        self.send(conn, Channel::Reliable, &HostMsg::Reject { reason });
    }

    fn on_message(&mut self, conn: ConnId, bytes: &[u8]) {
        let Some(c) = self.conns.get_mut(&conn) else {
            return;
        };
        if c.closing_at.is_some() {
            return;
        }
        c.last_heard = self.now;
        let peer = c.peer;
        let msg = match decode_client::<M>(bytes) {
            Ok(msg) => msg,
            Err(e) => {
                return self.kick(
                    conn,
                    format!("undecodable message ({} bytes): {e}", bytes.len()),
                );
            }
        };
        match (peer, msg) {
            (None, ClientMsg::Hello(hello)) => self.handshake(conn, hello),
            (None, _) => self.kick(conn, "message before the handshake".into()),
            (Some(_), ClientMsg::Hello(_)) => self.kick(conn, "a second Hello".into()),
            (
                Some(p),
                ClientMsg::Update {
                    ack,
                    sent_at_us,
                    rtt_us,
                    commits,
                },
            ) => self.on_update(conn, p, (ack, sent_at_us, rtt_us), commits),
            (Some(p), ClientMsg::Checksum { tick, value }) => {
                self.on_checksum(conn, p, tick, value)
            }
            (Some(p), ClientMsg::Bye) => {
                tracing::info!("{p} left");
                self.leave(p);
                if let Some(c) = self.conns.get_mut(&conn) {
                    c.closing_at = Some(self.now);
                }
            }
        }
    }

    fn on_update(
        &mut self,
        conn: ConnId,
        peer: PeerId,
        clock: (Tick, u64, u32),
        commits: Vec<crate::model::Commit<M>>,
    ) {
        let (ack, sent_at_us, rtt_us) = clock;
        if commits.len() > MAX_COMMITS_PER_UPDATE {
            return self.kick(
                conn,
                format!(
                    "{} commits in one update (at most {MAX_COMMITS_PER_UPDATE})",
                    commits.len()
                ),
            );
        }
        let sealed = self.sequencer.sealed_tick();
        if let Some(c) = self.conns.get_mut(&conn) {
            c.ack = c.ack.max(ack.min(sealed));
            // Keep the newest clock sample (unreliable updates may arrive out of order).
            if c.echo.is_none_or(|(sent, _)| sent_at_us > sent) {
                c.echo = Some((sent_at_us, self.now));
                if rtt_us > 0 {
                    c.rtt = Some(Duration::from_micros(u64::from(rtt_us)));
                }
            }
        }
        for mut commit in commits {
            if commit.is_system() {
                return self.kick(conn, "a client sent a system commit".into());
            }
            // The author is whoever holds this connection: no impersonation.
            commit.id.author = peer;
            let id = commit.id;
            match self.sequencer.accept(commit) {
                Ok(Accepted::Restamped { .. }) => self.stats.restamped += 1,
                Ok(_) => {}
                Err(SequencerError::TooFarAhead { tick, limit, .. }) => {
                    self.stats.refused += 1;
                    let reason = format!("stamped for tick {tick}, beyond {limit}");
                    tracing::warn!("refused commit {id} from {peer}: {reason}");
                    self.send(conn, Channel::Reliable, &HostMsg::Refused { id, reason });
                }
                Err(e) => return self.kick(conn, e.to_string()),
            }
        }
    }

    fn on_checksum(&mut self, conn: ConnId, peer: PeerId, tick: Tick, value: u64) {
        let Some(&expected) = self.checksums.get(&tick) else {
            return;
        };
        let Some(c) = self.conns.get_mut(&conn) else {
            return;
        };
        if expected == value {
            if c.healing.is_some_and(|h| tick >= h) {
                c.healing = None;
                self.events.push(SessionEvent::DesyncHealed { peer, tick });
            }
            return;
        }
        if c.healing.is_some() {
            return;
        }
        let heal_tick = self.sequencer.sealed_tick();
        c.healing = Some(heal_tick);
        self.stats.desyncs += 1;
        tracing::warn!(
            "desync: {peer} at tick {tick} (host {expected:016x}, peer {value:016x}); healing"
        );
        self.events
            .push(SessionEvent::DesyncDetected { peer, tick });
        let event = RecordedEvent::Desync {
            peer,
            expected,
            reported: value,
        };
        record_event(&mut self.recorder, tick, &event, &mut self.events);
        self.send(conn, Channel::Reliable, &HostMsg::Desync { tick });
        match encode_state(self.timeline.sealed_state()) {
            Ok(state) => self.send(
                conn,
                Channel::Reliable,
                &HostMsg::Heal {
                    tick: heal_tick,
                    state,
                },
            ),
            Err(e) => tracing::error!("cannot encode the healing snapshot: {e}"),
        }
    }

    fn handshake(&mut self, conn: ConnId, hello: super::protocol::Hello) {
        if hello.protocol != PROTOCOL_VERSION {
            let reason = format!(
                "protocol version {} is not supported; this host speaks version {PROTOCOL_VERSION}",
                hello.protocol
            );
            return self.reject(conn, reason);
        }
        if hello.game_id != self.config.game_id {
            return self.reject(
                conn,
                format!(
                    "this host runs {:?}, not {:?}",
                    self.config.game_id, hello.game_id
                ),
            );
        }
        if hello.schema_hash != self.config.schema_hash {
            return self.reject(
                conn,
                "the game versions differ (schema hash mismatch); update both to the same build"
                    .into(),
            );
        }
        let resumable = hello.resume.as_ref().and_then(|r| {
            self.peers
                .iter()
                .find(|(id, p)| **id != PeerId::HOST && p.token == r.token)
                .map(|(&id, p)| (id, p.conn, r.sealed_tick))
        });
        let connected = self
            .conns
            .values()
            .filter(|c| c.peer.is_some() && c.closing_at.is_none())
            .count();
        if resumable.is_none() && connected >= self.config.max_clients {
            return self.reject(
                conn,
                format!("the host is full ({} players)", self.config.max_clients),
            );
        }
        let sealed = self.sequencer.sealed_tick();
        let (peer, catch_up) = match resumable {
            Some((peer, old_conn, client_sealed)) if self.has_ticks_after(client_sealed) => {
                if let Some(old) = old_conn {
                    self.transport.disconnect(old);
                    self.conns.remove(&old);
                }
                let ticks = self
                    .recent
                    .iter()
                    .filter(|(st, _)| st.tick > client_sealed)
                    .map(|(st, _)| st.clone())
                    .collect();
                tracing::info!("{peer} resumed from tick {client_sealed}");
                self.events.push(SessionEvent::Reconnected { peer });
                (peer, CatchUp::Ticks(ticks))
            }
            _ => {
                let state = match encode_state(self.timeline.sealed_state()) {
                    Ok(s) => s,
                    Err(e) => {
                        return self.reject(conn, format!("the host cannot encode its state: {e}"));
                    }
                };
                let peer = PeerId(self.next_peer);
                self.next_peer += 1;
                let name = clean_name(&hello.name, peer);
                let token = random_token();
                self.peers.insert(
                    peer,
                    Peer {
                        name: name.clone(),
                        token,
                        conn: None,
                        dropped_at: None,
                    },
                );
                if let Err(e) = self.sequencer.system(Body::Join { peer, name }) {
                    tracing::error!("cannot mint a join: {e}");
                }
                (
                    peer,
                    CatchUp::Snapshot {
                        tick: sealed,
                        state,
                    },
                )
            }
        };
        let Some(p) = self.peers.get_mut(&peer) else {
            return;
        };
        p.conn = Some(conn);
        p.dropped_at = None;
        let token = p.token;
        if let Some(c) = self.conns.get_mut(&conn) {
            c.peer = Some(peer);
            c.ack = sealed;
        }
        let welcome = Welcome {
            peer,
            resume_token: token,
            tick_rate: self.config.tick_rate,
            seed: self.config.seed,
            host_time_us: self.now.as_micros() as u64,
            checksum_interval: self.config.checksum_interval,
            catch_up,
        };
        self.send(
            conn,
            Channel::Reliable,
            &HostMsg::Welcome(Box::new(welcome)),
        );
    }

    fn has_ticks_after(&self, tick: Tick) -> bool {
        let sealed = self.sequencer.sealed_tick();
        tick <= sealed
            && (tick == sealed
                || self
                    .recent
                    .front()
                    .is_some_and(|(st, _)| st.tick <= tick.next()))
    }
}

/// A printable, bounded name (a default for an empty one).
fn clean_name(name: &str, peer: PeerId) -> String {
    let cleaned: String = name
        .chars()
        .filter(|c| !c.is_control())
        .take(MAX_NAME_CHARS)
        .collect();
    let trimmed = cleaned.trim();
    if trimmed.is_empty() {
        format!("Player {}", peer.0)
    } else {
        trimmed.to_string()
    }
}
