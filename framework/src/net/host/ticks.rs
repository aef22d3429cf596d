//! The host's clock: sealing due ticks, and the frames that carry sealed ticks,
//! relayed commits and clock echoes to clients.

use crate::model::Body;
use crate::model::{Game, Tick};
use crate::net::cadence::seal_batch_ticks;
use crate::net::events::SessionEvent;
use crate::net::journal::record_entry;
use crate::net::protocol::{HostMsg, encode_msg};
use crate::net::reasons::KickReason;
use crate::transport::{Channel, ConnId, HostTransport, SendError};

use super::HostSession;
use super::delivery::FrameContext;
use super::sealer::Sealed;

impl<G: Game, T: HostTransport> HostSession<G, T> {
    /// Seals what is due and moves the host's own head to its clock.
    pub(super) fn run_clock(&mut self) {
        if self.gathering() {
            // Just took the session over: ticks the old host sealed may still
            // come from a peer that holds them.
            return;
        }
        self.seal_delay = self.wanted_seal_delay();
        let sealed = self.sealer.run_to(self.clock.tick(), self.seal_delay);
        self.absorb(sealed);
    }

    /// What sealing produced: the resend buffer, roster, peers that left and
    /// the recording.
    pub(super) fn absorb(&mut self, sealed: Sealed<G>) {
        for st in &sealed.ticks {
            self.resend.push(st);
        }
        self.events
            .extend(sealed.rollbacks.into_iter().map(SessionEvent::from));
        for entry in sealed.entries {
            self.roster.observe(&entry, &mut self.events);
            for commit in &entry.commits {
                if let Body::Leave { peer } = commit.body {
                    self.table.remove_peer(peer);
                    self.succession_changed = true;
                }
            }
            record_entry(&mut self.recorder, &entry, &mut self.events);
        }
        self.trim_recent();
    }

    /// One tick, plus twice the worst client's jitter, within the configured bounds.
    fn wanted_seal_delay(&self) -> u64 {
        let worst = self
            .table
            .conns()
            .filter(|(_, c)| c.live() && !c.spectator)
            .map(|(_, c)| c.jitter)
            .max()
            .unwrap_or_default();
        let jitter_ticks = self.clock.ticks_in(worst * 2);
        let min = self.config.seal_delay.max(1);
        (1 + jitter_ticks).clamp(min, self.config.max_seal_delay.max(min))
    }

    /// Keeps sealed ticks that a connected client has not acknowledged, or that a
    /// dropped one may need to resume, within a hard cap.
    pub(super) fn trim_recent(&mut self) {
        let sealed = self.sealer.sealed_tick();
        let grace_ticks =
            self.config.grace.as_secs().saturating_add(2) * u64::from(self.clock.tick_rate);
        let cap = grace_ticks.max(60 * u64::from(self.clock.tick_rate));
        let min_ack = self
            .table
            .conns()
            .filter(|(_, c)| c.live())
            .map(|(_, c)| c.delivery.ack())
            .min()
            .unwrap_or(sealed);
        let keep_from = Tick(min_ack.0.min(sealed.0.saturating_sub(grace_ticks)))
            .max(Tick(sealed.0.saturating_sub(cap)));
        self.resend.trim_through(keep_from);
        // A client that fell behind what is kept cannot catch up from ticks.
        let behind: Vec<ConnId> = self
            .table
            .conns()
            .filter(|(_, c)| c.live() && c.delivery.ack() < keep_from)
            .map(|(id, _)| id)
            .collect();
        for conn in behind {
            self.kick(conn, KickReason::FellBehind);
        }
    }

    /// Queues a message; a message that cannot be queued ends the connection
    /// with the reason (logged, reported), never silently.
    pub(super) fn send(&mut self, conn: ConnId, channel: Channel, msg: &HostMsg<G::Move>) {
        match encode_msg(msg) {
            Ok(bytes) => self.send_bytes(conn, channel, bytes),
            Err(e) => tracing::error!("cannot encode a host message: {e}"),
        }
    }

    /// Queues an encoded message (see [`HostSession::send`]).
    pub(super) fn send_bytes(&mut self, conn: ConnId, channel: Channel, bytes: Vec<u8>) {
        self.stats.bytes_out += bytes.len() as u64;
        match self.transport.send(conn, channel, bytes) {
            Ok(()) => self.queued = true,
            Err(SendError::NotConnected) => {}
            Err(e) => {
                let reason = KickReason::Saturated(format!("{channel:?} channel: {e}"));
                tracing::warn!("closing connection {conn}: {reason}");
                // The client hears why, on the channel that still has room.
                let kick = HostMsg::<G::Move>::Kick {
                    reason: reason.clone(),
                };
                if let Ok(bytes) = encode_msg(&kick) {
                    let _ = self.transport.send(conn, Channel::Unreliable, bytes);
                    self.transport.flush();
                }
                self.transport.disconnect(conn);
                self.events.push(SessionEvent::Kicked {
                    peer: self.table.conn(conn).and_then(|c| c.peer),
                    reason: reason.clone(),
                });
                self.connection_lost(conn, &reason.to_string());
            }
        }
    }

    /// Once per host tick: every client whose frame is due gets one. Returns
    /// whether this was a new tick.
    pub(super) fn send_frames(&mut self) -> bool {
        if !self.clock.frames_due() {
            return false;
        }
        let sealed = self.sealer.sealed_tick();
        for conn in self.table.live() {
            let Some(c) = self.table.conn_mut(conn) else {
                continue;
            };
            // A spectator shows the sealed log as it is sealed (it gets no
            // relays to predict with); players get sealed ticks batched by a
            // quarter second.
            let cx = FrameContext {
                now: self.clock.now,
                sealed,
                batch: if c.spectator {
                    1
                } else {
                    seal_batch_ticks(self.clock.tick_rate)
                },
                seal_delay: self.seal_delay,
                rtt: c.rtt,
            };
            match c.delivery.next_frame(&cx, &self.resend) {
                Some(Ok(bytes)) => self.send_bytes(conn, Channel::Unreliable, bytes),
                Some(Err(e)) => tracing::error!("cannot encode a frame: {e}"),
                None => {}
            }
        }
        true
    }
}
