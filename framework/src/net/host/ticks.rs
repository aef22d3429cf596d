//! The host's clock: sealing due ticks, and the frames that carry sealed ticks,
//! relayed commits and clock echoes to clients.

use crate::model::Body;
use crate::model::{Game, Tick};
use crate::net::cadence::seal_batch_ticks;
use crate::net::events::SessionEvent;
use crate::net::journal::record_entry;
use crate::net::protocol::{FREQUENT_MESSAGE_BUDGET, HostClock, HostMsg, encode_msg};
use crate::transport::{Channel, ConnId, HostTransport, SendError};

use super::HostSession;

impl<G: Game, T: HostTransport> HostSession<G, T> {
    pub(super) fn host_tick(&self) -> u64 {
        (self.now.as_micros() * u128::from(self.tick_rate) / 1_000_000) as u64
    }

    /// Seals what is due and moves the host's own head to its clock.
    pub(super) fn run_clock(&mut self) {
        self.seal_delay = self.wanted_seal_delay();
        let sealed = self.sealer.run_to(self.host_tick(), self.seal_delay);
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
        let jitter_ticks =
            (worst.as_micros() * 2 * u128::from(self.tick_rate)).div_ceil(1_000_000) as u64;
        let min = self.config.seal_delay.max(1);
        (1 + jitter_ticks).clamp(min, self.config.max_seal_delay.max(min))
    }

    /// Keeps sealed ticks that a connected client has not acknowledged, or that a
    /// dropped one may need to resume, within a hard cap.
    pub(super) fn trim_recent(&mut self) {
        let sealed = self.sealer.sealed_tick();
        let grace_ticks = self.config.grace.as_secs().saturating_add(2) * u64::from(self.tick_rate);
        let cap = grace_ticks.max(60 * u64::from(self.tick_rate));
        let min_ack = self
            .table
            .conns()
            .filter(|(_, c)| c.live())
            .map(|(_, c)| c.ack)
            .min()
            .unwrap_or(sealed);
        let keep_from = Tick(min_ack.0.min(sealed.0.saturating_sub(grace_ticks)))
            .max(Tick(sealed.0.saturating_sub(cap)));
        self.resend.trim_through(keep_from);
        // A client that fell behind what is kept cannot catch up from ticks.
        let behind: Vec<ConnId> = self
            .table
            .conns()
            .filter(|(_, c)| c.live() && c.ack < keep_from)
            .map(|(id, _)| id)
            .collect();
        for conn in behind {
            self.kick(conn, "fell too far behind the session".into());
        }
    }

    /// Queues a message; a message that cannot be queued ends the connection
    /// with the reason (logged, reported), never silently.
    pub(super) fn send(&mut self, conn: ConnId, channel: Channel, msg: &HostMsg<G::Move>) {
        let bytes = match encode_msg(msg) {
            Ok(bytes) => bytes,
            Err(e) => return tracing::error!("cannot encode a host message: {e}"),
        };
        self.stats.bytes_out += bytes.len() as u64;
        match self.transport.send(conn, channel, bytes) {
            Ok(()) => self.queued = true,
            Err(SendError::NotConnected) => {}
            Err(e) => {
                let reason = format!("a {channel:?} message could not be queued: {e}");
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
                self.connection_lost(conn, &reason);
            }
        }
    }

    /// Once per host tick: every client whose frame is due gets one. Returns
    /// whether this was a new tick.
    pub(super) fn send_frames(&mut self) -> bool {
        let tick = self.host_tick();
        if self.last_frame_tick == Some(tick) {
            return false;
        }
        self.last_frame_tick = Some(tick);
        for conn in self.table.live() {
            if let Some(frame) = self.frame_for(conn) {
                self.send(conn, Channel::Unreliable, &frame);
            }
        }
        true
    }

    /// The frame due for a client now, if any: relayed commits, sealed ticks it
    /// lacks, a clock echo. Nothing when nothing is due.
    fn frame_for(&mut self, conn: ConnId) -> Option<HostMsg<G::Move>> {
        let sealed = self.sealer.sealed_tick();
        let now = self.now;
        let c = self.table.conn_mut(conn)?;
        // A spectator shows the sealed log as it is sealed (it gets no relays to
        // predict with); players get sealed ticks batched by a quarter second.
        let progress_every = if c.spectator {
            1
        } else {
            seal_batch_ticks(self.tick_rate)
        };
        if !c.frame_due(now, sealed, progress_every) {
            return None;
        }
        let first_unsent = c.sent_through.next();
        let relayed = std::mem::take(&mut c.relay);
        let echo = c
            .echo
            .filter(|_| !c.echoed)
            .map(|(sent, at)| (sent, now.saturating_sub(at).as_micros() as u64));
        c.echoed = true;
        c.resend_now = false;
        c.last_frame_at = Some(now);
        let budget = FREQUENT_MESSAGE_BUDGET
            .saturating_sub(64)
            .saturating_sub(relayed.len() * 16);
        let run = self.resend.run_from(first_unsent, budget);
        if let Some(c) = self.table.conn_mut(conn)
            && run.through > c.sent_through
        {
            c.sent_through = run.through;
            c.unacked_since.get_or_insert(now);
        }
        Some(HostMsg::Frame {
            clock: HostClock {
                host_time_us: now.as_micros() as u64,
                echo,
                seal_delay: self.seal_delay,
            },
            relayed,
            sealed: run,
        })
    }
}
