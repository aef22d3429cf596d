//! A client: handshake, catch up, run slightly ahead of the host, send commits,
//! apply sealed ticks with rollback, report checksums, reconnect after drops.
//! `inbound` handles what the host sends.

mod inbound;

use std::collections::BTreeMap;
use std::time::Duration;

use crate::model::codec::decode_state;
use crate::model::{CommitId, Modification, PeerId, Tick, WorkSpace};
use crate::record::RecordedEvent;
use crate::timeline::{Timeline, TimelineConfig};
use crate::transport::{Channel, ClientEvent, ClientTransport};

use super::clock::Clock;
use super::config::ClientConfig;
use super::events::{SessionError, SessionEvent, SessionStats};
use super::journal::{Recorder, Roster, record_entry, record_event, segment_path};
use super::protocol::{
    CatchUp, ClientMsg, FREQUENT_MESSAGE_BUDGET, Hello, HostMsg, MAX_COMMITS_PER_UPDATE,
    PROTOCOL_VERSION, Resume, Welcome, decode_host, encode_msg,
};

/// Where a client is.
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
    /// Stopped for good (rejected, kicked, gave up, or left).
    Stopped(String),
}

/// A client of a session. Drive it with [`ClientSession::update`].
pub struct ClientSession<W, M, T> {
    config: ClientConfig,
    transport: T,
    status: ClientStatus,
    peer: Option<PeerId>,
    token: Option<u64>,
    seed: u64,
    tick_rate: u32,
    checksum_interval: u64,
    timeline: Option<Timeline<W, M>>,
    clock: Option<Clock>,
    early: Vec<M>,
    heal: Option<(Tick, W)>,
    roster: Roster,
    recorder: Option<Recorder>,
    segments: u32,
    events: Vec<SessionEvent>,
    stats: SessionStats,
    start: Option<Duration>,
    now: Duration,
    last_heard: Duration,
    last_sent_tick: Option<u64>,
    dropped_at: Option<Duration>,
    next_attempt: Duration,
    attempt: u32,
}

impl<W, M, T> std::fmt::Debug for ClientSession<W, M, T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "ClientSession({:?}, {:?})", self.peer, self.status)
    }
}

impl<W: WorkSpace, M: Modification<W>, T: ClientTransport> ClientSession<W, M, T> {
    /// A client on `transport` (already connecting).
    ///
    /// # Errors
    ///
    /// [`SessionError::Config`] for an invalid timeline configuration.
    pub fn new(config: ClientConfig, transport: T) -> Result<Self, SessionError> {
        config.timeline.validate()?;
        Ok(ClientSession {
            config,
            transport,
            status: ClientStatus::Connecting,
            peer: None,
            token: None,
            seed: 0,
            tick_rate: 1,
            checksum_interval: 0,
            timeline: None,
            clock: None,
            early: Vec::new(),
            heal: None,
            roster: Roster::default(),
            recorder: None,
            segments: 0,
            events: Vec::new(),
            stats: SessionStats::default(),
            start: None,
            now: Duration::ZERO,
            last_heard: Duration::ZERO,
            last_sent_tick: None,
            dropped_at: None,
            next_attempt: Duration::ZERO,
            attempt: 0,
        })
    }

    /// Where the client is.
    pub fn status(&self) -> &ClientStatus {
        &self.status
    }

    /// Our peer id, once welcomed.
    pub fn peer(&self) -> Option<PeerId> {
        self.peer
    }

    /// The timeline, once welcomed.
    pub fn timeline(&self) -> Option<&Timeline<W, M>> {
        self.timeline.as_ref()
    }

    /// The predicted state, once welcomed.
    pub fn state(&self) -> Option<&W> {
        self.timeline.as_ref().map(Timeline::state)
    }

    /// The last sealed tick (genesis before the welcome).
    pub fn sealed_tick(&self) -> Tick {
        self.timeline
            .as_ref()
            .map_or(Tick::GENESIS, Timeline::sealed_tick)
    }

    /// Checksum of the sealed state, once welcomed.
    pub fn sealed_checksum(&mut self) -> Option<u64> {
        self.timeline.as_mut().map(Timeline::sealed_checksum)
    }

    /// Names of the peers in the sealed state.
    pub fn roster(&self) -> &BTreeMap<PeerId, String> {
        &self.roster.names
    }

    /// The tick rate the host announced.
    pub fn tick_rate(&self) -> u32 {
        self.tick_rate
    }

    /// Counters.
    pub fn stats(&self) -> SessionStats {
        let t = self
            .timeline
            .as_ref()
            .map(Timeline::stats)
            .unwrap_or_default();
        SessionStats {
            rtt: self.clock.as_ref().map_or(Duration::ZERO, Clock::rtt),
            ticks_ahead: self.clock.as_ref().map_or(0.0, |c| c.ahead(self.now)),
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

    /// The transport, mutably (e.g. to cut a conditioned link in a test).
    pub fn transport_mut(&mut self) -> &mut T {
        &mut self.transport
    }

    /// Makes a commit. Before the welcome it is held and made once welcomed (then
    /// `None` is returned); while disconnected it is kept and sent after
    /// reconnecting.
    pub fn commit(&mut self, modification: M) -> Option<CommitId> {
        match self.timeline.as_mut() {
            Some(tl) => Some(tl.commit(modification)),
            None => {
                self.early.push(modification);
                None
            }
        }
    }

    /// Leaves the session for good.
    pub fn leave(&mut self) {
        self.send(Channel::Reliable, &ClientMsg::Bye);
        self.transport.flush();
        self.transport.disconnect();
        self.status = ClientStatus::Stopped("left the session".into());
    }

    /// Runs the client up to `now`. Call every frame.
    ///
    /// # Errors
    ///
    /// [`SessionError::Transport`] if the transport failed beyond repair.
    pub fn update(&mut self, now: Duration) -> Result<(), SessionError> {
        let start = *self.start.get_or_insert(now);
        self.now = now.saturating_sub(start);
        if matches!(self.status, ClientStatus::Stopped(_)) {
            return Ok(());
        }
        self.transport.update(now)?;
        while let Some(event) = self.transport.poll() {
            match event {
                ClientEvent::Connected => self.send_hello(),
                ClientEvent::Disconnected(reason) => self.dropped(reason),
                ClientEvent::Message(_, bytes) => {
                    self.stats.bytes_in += bytes.len() as u64;
                    self.last_heard = self.now;
                    match decode_host::<M>(&bytes) {
                        Ok(msg) => self.on_message(msg),
                        Err(e) => {
                            tracing::warn!("undecodable message from the host: {e}");
                            self.transport.disconnect();
                            self.dropped(format!("the host sent an undecodable message: {e}"));
                        }
                    }
                }
            }
            if matches!(self.status, ClientStatus::Stopped(_)) {
                return Ok(());
            }
        }
        match self.status {
            ClientStatus::Connected => {
                if self.now.saturating_sub(self.last_heard) > self.config.timeout {
                    self.transport.disconnect();
                    self.dropped("the host stopped answering".into());
                } else {
                    self.run_clock();
                }
            }
            ClientStatus::Connecting | ClientStatus::Handshaking => {
                if self.now.saturating_sub(self.last_heard)
                    > self.config.timeout.max(Duration::from_secs(3))
                {
                    self.dropped("no answer from the host".into());
                }
                self.keep_predicting();
            }
            ClientStatus::Reconnecting => {
                self.keep_predicting();
                self.try_reconnect(now)?;
            }
            ClientStatus::Stopped(_) => {}
        }
        self.transport.flush();
        Ok(())
    }

    fn send(&mut self, channel: Channel, msg: &ClientMsg<M>) {
        match encode_msg(msg) {
            Ok(bytes) => {
                self.stats.bytes_out += bytes.len() as u64;
                self.transport.send(channel, bytes);
            }
            Err(e) => tracing::error!("cannot encode a client message: {e}"),
        }
    }

    fn send_hello(&mut self) {
        let resume = match (self.token, &self.timeline) {
            (Some(token), Some(tl)) => Some(Resume {
                token,
                sealed_tick: tl.sealed_tick(),
            }),
            _ => None,
        };
        let hello = Hello {
            protocol: PROTOCOL_VERSION,
            game_id: self.config.game_id.clone(),
            schema_hash: self.config.schema_hash,
            name: self.config.name.clone(),
            resume,
        };
        self.send(Channel::Reliable, &ClientMsg::Hello(hello));
        self.status = ClientStatus::Handshaking;
        self.last_heard = self.now;
    }

    /// The connection dropped: reconnect with backoff (unless stopped).
    fn dropped(&mut self, reason: String) {
        if matches!(self.status, ClientStatus::Stopped(_)) {
            return;
        }
        if matches!(self.status, ClientStatus::Connected) {
            tracing::info!("disconnected: {reason}");
            self.events.push(SessionEvent::Disconnected { reason });
        }
        self.dropped_at.get_or_insert(self.now);
        self.status = ClientStatus::Reconnecting;
        let backoff = self
            .config
            .backoff
            .saturating_mul(1 << self.attempt.min(16))
            .min(self.config.max_backoff);
        self.next_attempt = self.now + backoff;
    }

    fn try_reconnect(&mut self, now: Duration) -> Result<(), SessionError> {
        if self.now < self.next_attempt {
            return Ok(());
        }
        if self
            .dropped_at
            .is_some_and(|t| self.now.saturating_sub(t) > self.config.give_up_after)
        {
            let reason = format!(
                "could not reach the host for {:?}",
                self.config.give_up_after
            );
            self.events.push(SessionEvent::Disconnected {
                reason: reason.clone(),
            });
            self.status = ClientStatus::Stopped(reason);
            return Ok(());
        }
        self.attempt += 1;
        self.status = ClientStatus::Connecting;
        self.last_heard = self.now;
        if let Err(e) = self.transport.reconnect(now) {
            tracing::info!("reconnect attempt {} failed: {e}", self.attempt);
            self.dropped(e.to_string());
        }
        Ok(())
    }

    /// While not connected the head still moves, up to the prediction window.
    fn keep_predicting(&mut self) {
        let (Some(clock), Some(tl)) = (self.clock.as_mut(), self.timeline.as_mut()) else {
            return;
        };
        let target = clock.advance(self.now);
        while tl.head().0 < target && tl.advance().is_ok() {}
    }

    fn run_clock(&mut self) {
        self.keep_predicting();
        let Some(tl) = self.timeline.as_ref() else {
            return;
        };
        // One update per tick period of our own clock (also a heartbeat while stalled).
        let period = (self.now.as_micros() * u128::from(self.tick_rate) / 1_000_000) as u64;
        if self.last_sent_tick == Some(period) {
            return;
        }
        self.last_sent_tick = Some(period);
        let ack = tl.sealed_tick();
        let mut budget = FREQUENT_MESSAGE_BUDGET.saturating_sub(48);
        let commits: Vec<_> = tl
            .pending()
            .take(MAX_COMMITS_PER_UPDATE)
            .take_while(|c| {
                let size = encode_msg(c).map_or(usize::MAX, |b| b.len());
                let fits = size <= budget;
                budget = budget.saturating_sub(size);
                fits
            })
            .cloned()
            .collect();
        let rtt_us = self
            .clock
            .as_ref()
            .map_or(0, |c| c.rtt().as_micros().min(u128::from(u32::MAX)) as u32);
        let sent_at_us = self.now.as_micros() as u64;
        let _ = self.timeline.as_mut().map(Timeline::take_outgoing);
        self.send(
            Channel::Unreliable,
            &ClientMsg::Update {
                ack,
                sent_at_us,
                rtt_us,
                commits,
            },
        );
    }
}
