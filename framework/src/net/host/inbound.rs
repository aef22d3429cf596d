//! What clients send, each message decoded once and validated (a `Hello` goes
//! to the handshake).

use std::time::Duration;

use crate::model::codec::encode_state;
use crate::model::{Commit, Game, PeerId, Tick};
use crate::net::events::SessionEvent;
use crate::net::journal::record_event;
use crate::net::protocol::{
    ClientMsg, ClockSample, HostMsg, MAX_COMMITS_PER_UPDATE, decode_client,
};
use crate::record::RecordedEvent;
use crate::timeline::SequencerError;
use crate::transport::{Channel, ConnId, HostTransport};

use super::HostSession;
use crate::net::reasons::KickReason;

impl<G: Game, T: HostTransport> HostSession<G, T> {
    pub(super) fn on_message(&mut self, conn: ConnId, bytes: &[u8]) {
        let Some(c) = self.table.conn_mut(conn) else {
            return;
        };
        if c.closing_at.is_some() {
            return;
        }
        c.last_heard = self.clock.now;
        let peer = c.peer;
        let msg = match decode_client::<G::Move>(bytes) {
            Ok(msg) => msg,
            Err(e) => {
                let bytes = bytes.len() as u64;
                let error = e.to_string();
                return self.kick(conn, KickReason::Undecodable { bytes, error });
            }
        };
        match (peer, msg) {
            (None, ClientMsg::Hello(hello)) => self.handshake(conn, hello),
            (None, _) => self.kick(conn, KickReason::BeforeHandshake),
            (Some(_), ClientMsg::Hello(_)) => self.kick(conn, KickReason::SecondHello),
            (
                Some(p),
                ClientMsg::Update {
                    ack,
                    clock,
                    commits,
                    checksum,
                    gap,
                },
            ) => {
                self.on_update(conn, ack, clock, gap);
                self.on_commits(conn, p, commits);
                if let Some((tick, value)) = checksum {
                    self.on_checksum(conn, p, tick, value);
                }
            }
            (Some(_), ClientMsg::Sealed { run, last }) => self.on_sealed_run(conn, run, last),
            (Some(p), ClientMsg::Bye) => {
                tracing::info!("{p} left");
                self.seal_leave(p);
                if let Some(c) = self.table.conn_mut(conn) {
                    c.closing_at = Some(self.clock.now);
                }
            }
        }
    }

    /// The acknowledgement and clock sample of an update.
    fn on_update(&mut self, conn: ConnId, ack: Tick, clock: Option<ClockSample>, gap: bool) {
        let sealed = self.sealer.sealed_tick();
        let now = self.clock.now;
        let Some(c) = self.table.conn_mut(conn) else {
            return;
        };
        c.delivery.on_ack(ack, gap, sealed, now);
        if let Some(sample) = clock
            && c.delivery.on_sample(sample.sent_at_us, now)
        {
            if sample.rtt_us > 0 {
                c.rtt = Some(Duration::from_micros(u64::from(sample.rtt_us)));
            }
            c.jitter = Duration::from_micros(u64::from(sample.jitter_us));
        }
    }

    /// A client's commits, authored by whoever holds the connection.
    fn on_commits(&mut self, conn: ConnId, peer: PeerId, commits: Vec<Commit<G::Move>>) {
        if commits.is_empty() {
            return;
        }
        if self.table.is_spectator(peer) {
            self.stats.refused += commits.len() as u64;
            return self.kick(conn, KickReason::SpectatorCommitted);
        }
        if commits.len() > MAX_COMMITS_PER_UPDATE {
            let reason = KickReason::TooManyCommits {
                sent: commits.len() as u64,
                limit: MAX_COMMITS_PER_UPDATE as u64,
            };
            return self.kick(conn, reason);
        }
        for mut commit in commits {
            if commit.is_system() {
                return self.kick(conn, KickReason::SystemCommit);
            }
            // The author is whoever holds this connection: no impersonation.
            commit.id.author = peer;
            let id = commit.id;
            match self.admit(Some(conn), commit) {
                Ok(()) => {}
                Err(SequencerError::TooFarAhead { tick, limit, .. }) => {
                    self.stats.refused += 1;
                    let reason = format!("stamped for tick {tick}, beyond {limit}");
                    tracing::warn!("refused commit {id} from {peer}: {reason}");
                    self.send(conn, Channel::Reliable, &HostMsg::Refused { id, reason });
                }
                Err(e) => return self.kick(conn, KickReason::BadCommit(e.to_string())),
            }
        }
    }

    /// Accepts a commit into the sealed order and, if it is new, relays it at once
    /// (with the tick it will be sealed in) to every client but the one it came
    /// from, and folds it into the host's own prediction.
    pub(super) fn admit(
        &mut self,
        from: Option<ConnId>,
        commit: Commit<G::Move>,
    ) -> Result<(), SequencerError> {
        let Some(admitted) = self.sealer.admit(commit)? else {
            return Ok(());
        };
        if admitted.restamped {
            self.stats.restamped += 1;
        }
        self.table.relay(from, &admitted.commit);
        Ok(())
    }

    /// Folds the commits admitted since the last call into the host's prediction:
    /// one re-prediction per frame, however many commits arrived.
    pub(super) fn refresh_prediction(&mut self) {
        let rollback = self.sealer.refresh();
        self.events.extend(rollback.map(SessionEvent::from));
    }

    pub(super) fn on_checksum(&mut self, conn: ConnId, peer: PeerId, tick: Tick, value: u64) {
        let Some(expected) = self.sealer.checksum_at(tick) else {
            return;
        };
        let Some(c) = self.table.conn_mut(conn) else {
            return;
        };
        if expected == value {
            if c.healing.is_some_and(|h| tick >= h) {
                c.healing = None;
                self.events.push(SessionEvent::DesyncHealed { peer, tick });
            }
            return;
        }
        // A heal in flight covers this report, unless the client still differs
        // well after it (the heal was lost with a connection): heal again.
        let patience = self.config.checksum_interval.max(1) * 4;
        if c.healing.is_some_and(|h| tick <= h.plus(patience)) {
            return;
        }
        let heal_tick = self.sealer.sealed_tick();
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
        self.send(
            conn,
            Channel::Reliable,
            &HostMsg::Desync { tick, heal_tick },
        );
        match encode_state(self.sealer.timeline().sealed_state()) {
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
}
