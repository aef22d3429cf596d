//! A client: an explicit state machine ([`Phase`]) around what exists once the
//! host welcomed it ([`Joined`]: timeline, clock, recording), which survives a
//! dropped connection so that the game keeps predicting while it reconnects.
//!
//! `inbound` handles what the host sends and the handshake, `outbound` decides
//! what to send and when (at most one message per tick, nothing when nothing is
//! due) and sends it, `link` owns the transport and says `Bye` however the
//! client stops.

mod follow;

pub use follow::Migration;
mod inbound;
mod joined;
mod link;
mod outbound;

use std::collections::BTreeMap;
use std::time::Duration;

use crate::model::{CommitId, Game, GameIdentity, PeerId, Tick};
use crate::timeline::Timeline;
use crate::transport::{ClientEvent, ClientTransport, DisconnectReason};

use super::config::ClientConfig;
use super::events::{Advanced, Rejection, SessionError, SessionEvent, SessionStats};
use super::handover::Handover;
use super::protocol::decode_host;
use super::succession::Succession;
use joined::Joined;
use link::Link;

/// How long a client waits for the transport to connect and for the Welcome.
const HANDSHAKE_WAIT: Duration = Duration::from_secs(10);

/// Where a client is, for games and overlays (a summary of its internal state
/// machine: connecting, handshaking, running, reconnecting, stopped).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ClientStatus {
    /// Waiting for the transport to connect.
    Connecting,
    /// `Hello` sent, waiting for `Welcome`.
    Handshaking,
    /// Playing.
    Connected,
    /// The connection dropped; trying again.
    Reconnecting,
    /// The host went; following the session to its successor (see
    /// [`ClientSession::migration`]).
    Migrating,
    /// Stopped for good (rejected, kicked, gave up, or left).
    Stopped(String),
}

/// The connection's state; each variant holds the timers that exist in it.
#[derive(Clone, Debug)]
enum Phase {
    /// The transport is connecting; `since` bounds the wait.
    Connecting { since: Duration },
    /// `Hello` sent at `since`.
    Handshaking { since: Duration },
    /// Welcomed: playing, the host last heard at `last_heard`.
    Running { last_heard: Duration },
    /// Dropped at `dropped_at`; the next attempt is due at `next_attempt`.
    Reconnecting {
        dropped_at: Duration,
        next_attempt: Duration,
        attempt: u32,
    },
    /// The host went: following the session to a successor (`following`).
    Following,
    /// Stopped for good.
    Stopped(String),
}

/// A client of a session. Drive it with [`ClientSession::update`].
pub struct ClientSession<G: Game, T: ClientTransport> {
    config: ClientConfig,
    identity: GameIdentity,
    link: Link<T>,
    phase: Phase,
    /// When the current outage began (kept across reconnect attempts).
    outage: Option<(Duration, u32)>,
    joined: Option<Joined<G>>,
    /// Commits made before the first welcome.
    early: Vec<G::Move>,
    events: Vec<SessionEvent>,
    stats: SessionStats,
    start: Option<Duration>,
    now: Duration,
    /// A fault to inject once joined (see [`ClientSession::inject_desync`]).
    fault: Option<joined::Fault<G::State>>,
    /// The host went and the session is followed to a successor.
    following: Option<follow::Following>,
}

impl<G: Game, T: ClientTransport> std::fmt::Debug for ClientSession<G, T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "ClientSession({:?}, {:?})", self.peer(), self.phase)
    }
}

impl<G: Game, T: ClientTransport> ClientSession<G, T> {
    /// Our peer id, once welcomed (`None` for a spectator, which is no player).
    pub fn peer(&self) -> Option<PeerId> {
        if self.config.spectate {
            return None;
        }
        self.joined.as_ref().map(|j| j.peer)
    }
}

impl<G: Game, T: ClientTransport> ClientSession<G, T> {
    /// A client on `transport` (already connecting).
    ///
    /// # Errors
    ///
    /// [`SessionError::Config`] for an invalid timeline configuration.
    pub fn new(config: ClientConfig, transport: T) -> Result<Self, SessionError> {
        config.timeline.validate()?;
        Ok(ClientSession {
            config,
            identity: GameIdentity::of::<G>()?,
            link: Link::new(transport),
            phase: Phase::Connecting {
                since: Duration::ZERO,
            },
            outage: None,
            joined: None,
            early: Vec::new(),
            events: Vec::new(),
            stats: SessionStats::default(),
            start: None,
            now: Duration::ZERO,
            fault: None,
            following: None,
        })
    }

    /// Where the client is.
    pub fn status(&self) -> ClientStatus {
        match &self.phase {
            Phase::Connecting { .. } => ClientStatus::Connecting,
            Phase::Handshaking { .. } => ClientStatus::Handshaking,
            Phase::Running { .. } => ClientStatus::Connected,
            Phase::Reconnecting { .. } => ClientStatus::Reconnecting,
            Phase::Following => ClientStatus::Migrating,
            Phase::Stopped(reason) => ClientStatus::Stopped(reason.clone()),
        }
    }

    /// Whether [`ClientSession::status`] equals `status` (without cloning a stop
    /// reason).
    pub fn status_is(&self, status: &ClientStatus) -> bool {
        match (&self.phase, status) {
            (Phase::Connecting { .. }, ClientStatus::Connecting)
            | (Phase::Handshaking { .. }, ClientStatus::Handshaking)
            | (Phase::Running { .. }, ClientStatus::Connected)
            | (Phase::Reconnecting { .. }, ClientStatus::Reconnecting)
            | (Phase::Following, ClientStatus::Migrating) => true,
            (Phase::Stopped(a), ClientStatus::Stopped(b)) => a == b,
            _ => false,
        }
    }

    /// The timeline, once welcomed.
    pub fn timeline(&self) -> Option<&Timeline<G>> {
        self.joined.as_ref().map(|j| &j.timeline)
    }

    /// **A debugging demonstration, never for a game:** changes this peer's sealed
    /// state behind the rules' back just before `tick` is sealed, as a
    /// non-deterministic bug would, so that desync detection, healing, the
    /// recorded evidence and `bisect` can be watched end to end. The state at `tick`
    /// then differs from the host's. Nothing happens if `tick` is already sealed.
    pub fn inject_desync(
        &mut self,
        tick: Tick,
        corrupt: impl FnOnce(&mut G::State) + Send + Sync + 'static,
    ) {
        let fault = (
            tick,
            Box::new(corrupt) as Box<dyn FnOnce(&mut G::State) + Send + Sync>,
        );
        match self.joined.as_mut() {
            Some(j) => j.fault = Some(fault),
            None => self.fault = Some(fault),
        }
    }

    /// The state to show, once welcomed: the predicted state of a player, the
    /// sealed state of a spectator (which has nothing to predict with).
    pub fn state(&self) -> Option<&G::State> {
        if self.config.spectate {
            return self.timeline().map(Timeline::sealed_state);
        }
        self.timeline().map(Timeline::state)
    }

    /// The last sealed tick (genesis before the welcome).
    pub fn sealed_tick(&self) -> Tick {
        self.timeline().map_or(Tick::GENESIS, Timeline::sealed_tick)
    }

    /// The predicted head tick (the sealed tick for a spectator; genesis before
    /// the welcome).
    pub fn head(&self) -> Tick {
        self.timeline().map_or(Tick::GENESIS, Timeline::head)
    }

    /// Checksum of the sealed state, once welcomed.
    pub fn sealed_checksum(&mut self) -> Option<u64> {
        self.joined.as_mut().map(|j| j.timeline.sealed_checksum())
    }

    /// This client's checksum of its sealed state at `tick`, to compare with the
    /// host's [`HostSession::checksum_at`](crate::net::HostSession::checksum_at):
    /// kept for the last minute of ticks at which the client computed one (every
    /// tick when it records, otherwise every
    /// [`HostConfig::checksum_interval`](crate::net::HostConfig::checksum_interval)
    /// ticks, the ones it reports). `None` for other ticks.
    pub fn checksum_at(&self, tick: Tick) -> Option<u64> {
        self.joined.as_ref()?.checksums.at(tick)
    }

    /// What a host needs to carry this session on from our last sealed tick:
    /// give it to [`HostSession::take_over`](crate::net::HostSession::take_over)
    /// (host migration). `None` before the host welcomed us.
    pub fn handover(&self) -> Option<Handover<G>> {
        let j = self.joined.as_ref()?;
        let name = j
            .roster
            .names
            .get(&j.peer)
            .cloned()
            .unwrap_or_else(|| self.config.name.clone());
        let player = (!self.config.spectate).then_some((j.peer, name));
        Some(Handover {
            sealed_tick: j.timeline.sealed_tick(),
            sealed_state: j.timeline.sealed_state().clone(),
            seed: j.timeline.seed(),
            tick_rate: j.tick_rate,
            checksum_interval: j.checksum_interval,
            next_peer: PeerId(j.roster.next_peer().0.max(j.peer.0.saturating_add(1))),
            player,
            roster: j.roster.names.clone(),
            next_seq: j.timeline.next_seq(),
            unsealed: j.timeline.pending().cloned().collect(),
            succession: j.succession.clone(),
            recent: j.recent.iter().cloned().collect(),
        })
    }

    /// Who hosts next if the host goes, and every peer of the session, as the
    /// host last said (empty before the welcome, and where sessions do not
    /// migrate).
    pub fn succession(&self) -> &Succession {
        static EMPTY: Succession = Succession {
            host: None,
            residents: Vec::new(),
            members: Vec::new(),
        };
        self.joined.as_ref().map_or(&EMPTY, |j| &j.succession)
    }

    /// Everyone in the sealed state (the host and earlier players included), by
    /// peer id, with their names. Empty before the welcome.
    pub fn roster(&self) -> &BTreeMap<PeerId, String> {
        static EMPTY: BTreeMap<PeerId, String> = BTreeMap::new();
        self.joined.as_ref().map_or(&EMPTY, |j| &j.roster.names)
    }

    /// The tick rate the host announced (1 before the welcome).
    pub fn tick_rate(&self) -> u32 {
        self.joined.as_ref().map_or(1, |j| j.tick_rate)
    }

    /// Counters.
    pub fn stats(&self) -> SessionStats {
        let Some(j) = &self.joined else {
            return SessionStats {
                bytes_out: self.link.bytes_out,
                ..self.stats
            };
        };
        let t = j.timeline.stats();
        SessionStats {
            rtt: j.clock.rtt(),
            jitter: j.clock.jitter(),
            ticks_ahead: j.clock.ahead(self.now),
            rollbacks: t.rollbacks,
            deepest_rollback: t.deepest_rollback,
            resimulated_ticks: t.resimulated_ticks,
            bytes_out: self.link.bytes_out,
            ..self.stats
        }
    }

    /// How far the clock has moved from the head tick toward the next, in
    /// `0.0..=1.0`, for drawing between ticks (0 before the welcome).
    pub fn tick_progress(&self) -> f32 {
        self.joined.as_ref().map_or(0.0, |j| {
            let head = j.timeline.head().0 as f64;
            (j.clock.position() - head).clamp(0.0, 1.0) as f32
        })
    }

    /// Events since the last call.
    pub fn drain_events(&mut self) -> Vec<SessionEvent> {
        std::mem::take(&mut self.events)
    }

    /// The transport, mutably (e.g. to cut a conditioned link in a test).
    pub fn transport_mut(&mut self) -> &mut T {
        &mut self.link.transport
    }

    /// Whether this client only watches ([`ClientConfig::spectate`]).
    pub fn is_spectator(&self) -> bool {
        self.config.spectate
    }

    /// Makes a commit. Before the welcome it is held and made once welcomed (then
    /// `None` is returned); while disconnected it is kept and sent after
    /// reconnecting. A spectator commits nothing (`None`).
    pub fn commit(&mut self, modification: G::Move) -> Option<CommitId> {
        if self.config.spectate {
            return None;
        }
        match self.joined.as_mut() {
            Some(j) => Some(j.timeline.commit(modification)),
            None => {
                self.early.push(modification);
                None
            }
        }
    }

    /// Carries on with another host of the same session (host migration): the
    /// old connection is dropped without a goodbye, and the client resumes on
    /// `transport` (already connecting) under its peer id, keeping its
    /// timeline, recording and unsealed commits, which it sends again. The new
    /// host recognises it by the key the old host listed in its
    /// [`Succession`].
    pub fn move_to(&mut self, transport: T) {
        self.link.transport.disconnect();
        self.link.transport = transport;
        self.outage.get_or_insert((self.now, 0));
        self.moved_to_successor();
        self.phase = Phase::Connecting { since: self.now };
    }

    /// Leaves the session for good: says `Bye` at once, so the host seals our
    /// `Leave` on its next tick. Dropping the session does the same.
    pub fn leave(&mut self) {
        self.link.bye();
        self.finish_recording();
        self.phase = Phase::Stopped("left the session".into());
    }

    /// Writes out and closes the recording (later ticks are not recorded); a
    /// failure is reported as [`SessionEvent::RecordingFailed`].
    pub fn finish_recording(&mut self) {
        let Some(rec) = self.joined.as_mut().and_then(|j| j.recorder.take()) else {
            return;
        };
        if let Err(e) = rec.finish() {
            self.events.push(SessionEvent::RecordingFailed {
                reason: e.to_string(),
            });
        }
    }

    /// Runs the client up to `now`. Call every frame; it sends at most one
    /// message per tick, and only when something is due. The head ticks it moved
    /// through come back (none before the first welcome): a bot acts once per
    /// tick on them.
    ///
    /// # Errors
    ///
    /// [`SessionError::Transport`] if the transport failed beyond repair.
    pub fn update(&mut self, now: Duration) -> Result<Advanced, SessionError> {
        let from = self.joined.as_ref().map(|j| j.timeline.head());
        self.run(now)?;
        let to = self.head();
        Ok(Advanced {
            from: from.unwrap_or(to),
            to,
        })
    }

    fn run(&mut self, now: Duration) -> Result<(), SessionError> {
        let start = *self.start.get_or_insert(now);
        self.now = now.saturating_sub(start);
        if matches!(self.phase, Phase::Stopped(_)) {
            return Ok(());
        }
        self.link.transport.update(now)?;
        while let Some(event) = self.link.transport.poll() {
            self.on_transport_event(event);
            if matches!(self.phase, Phase::Stopped(_)) {
                return Ok(());
            }
        }
        self.run_phase(now)
    }

    fn on_transport_event(&mut self, event: ClientEvent) {
        match event {
            ClientEvent::Connected => self.send_hello(),
            ClientEvent::Disconnected(DisconnectReason::ServerFull) if self.joined.is_none() => {
                self.events.push(SessionEvent::Rejected {
                    reason: Rejection::ServerFull,
                });
                self.phase = Phase::Stopped(DisconnectReason::ServerFull.to_string());
            }
            ClientEvent::Disconnected(reason) => self.dropped(reason.to_string()),
            ClientEvent::Message(_, bytes) => {
                self.stats.bytes_in += bytes.len() as u64;
                if let Phase::Running { last_heard } = &mut self.phase {
                    *last_heard = self.now;
                }
                match decode_host::<G::Move>(&bytes) {
                    Ok(msg) => self.on_message(msg),
                    Err(e) => {
                        tracing::warn!("undecodable message from the host: {e}");
                        self.link.transport.disconnect();
                        self.dropped(format!("the host sent an undecodable message: {e}"));
                    }
                }
            }
        }
    }

    fn run_phase(&mut self, now: Duration) -> Result<(), SessionError> {
        // A Welcome carries a snapshot that may take seconds to arrive.
        let handshake_limit = self.config.timeout.max(HANDSHAKE_WAIT);
        match self.phase.clone() {
            Phase::Running { last_heard } => {
                if self.now.saturating_sub(last_heard) > self.config.timeout {
                    self.link.transport.disconnect();
                    self.dropped("the host stopped answering".into());
                    self.keep_predicting();
                } else {
                    self.run_ticks();
                }
            }
            Phase::Connecting { since } | Phase::Handshaking { since } => {
                if self.now.saturating_sub(since) > handshake_limit {
                    self.dropped("no answer from the host".into());
                }
                self.keep_predicting();
                self.link.transport.flush();
                self.check_successor();
            }
            Phase::Following => {
                self.keep_predicting();
                self.check_successor();
            }
            Phase::Reconnecting { next_attempt, .. } => {
                self.keep_predicting();
                if self.now >= next_attempt {
                    self.try_reconnect(now)?;
                }
            }
            Phase::Stopped(_) => {}
        }
        Ok(())
    }

    /// While not connected the head still moves, up to the prediction window.
    fn keep_predicting(&mut self) {
        if let Some(j) = self.joined.as_mut() {
            j.advance_head(self.now);
        }
    }

    /// The connection dropped: reconnect with backoff (unless stopped).
    fn dropped(&mut self, reason: String) {
        if matches!(self.phase, Phase::Stopped(_)) || self.successor_dropped() {
            return;
        }
        // A LAN host that goes hands the session to its successor.
        if matches!(self.phase, Phase::Running { .. }) && self.follow(&reason, None) {
            return;
        }
        if matches!(self.phase, Phase::Running { .. }) {
            tracing::info!("disconnected: {reason}");
            self.events.push(SessionEvent::Disconnected { reason });
        }
        let (dropped_at, attempt) = *self.outage.get_or_insert((self.now, 0));
        let backoff = self
            .config
            .backoff
            .saturating_mul(1 << attempt.min(16))
            .min(self.config.max_backoff);
        self.phase = Phase::Reconnecting {
            dropped_at,
            next_attempt: self.now + backoff,
            attempt,
        };
    }

    fn try_reconnect(&mut self, now: Duration) -> Result<(), SessionError> {
        let Phase::Reconnecting {
            dropped_at,
            attempt,
            ..
        } = self.phase
        else {
            return Ok(());
        };
        if self.now.saturating_sub(dropped_at) > self.config.give_up_after {
            // Someone who was playing lost a host; someone who never got in
            // may have the wrong address or code.
            let reason = match &self.joined {
                Some(j) => format!(
                    "lost the host at sealed tick {}: it stopped answering and could not be reached again for {:?}",
                    j.timeline.sealed_tick(),
                    self.config.give_up_after
                ),
                None => format!(
                    "could not reach the host for {:?}",
                    self.config.give_up_after
                ),
            };
            self.events.push(SessionEvent::Disconnected {
                reason: reason.clone(),
            });
            self.phase = Phase::Stopped(reason);
            return Ok(());
        }
        self.outage = Some((dropped_at, attempt + 1));
        self.phase = Phase::Connecting { since: self.now };
        if let Err(e) = self.link.transport.reconnect(now) {
            tracing::info!("reconnect attempt {} failed: {e}", attempt + 1);
            self.dropped(e.to_string());
        }
        Ok(())
    }

    /// Stops for good with `reason`, closing the connection.
    fn stop(&mut self, reason: String) {
        self.link.joined = false;
        self.link.transport.disconnect();
        self.finish_recording();
        self.phase = Phase::Stopped(reason);
    }
}
