//! A session's life on a server: its room, its spectators, whether anyone is
//! left, and a graceful end that tells every client why and finishes the
//! recording.

use std::time::Duration;

use crate::model::{Game, PeerId, Tick};
use crate::net::events::SessionError;
use crate::net::journal::record_event;
use crate::net::protocol::{HostMsg, MAX_SEALED_RUN, SealedRun};
use crate::net::reasons::KickReason;
use crate::record::RecordedEvent;
use crate::transport::{Channel, ConnId, HostTransport};

use super::{HostSession, LINGER};

impl<G: Game, T: HostTransport> HostSession<G, T> {
    /// Serves room `room` of a server: a `Hello` must name it.
    pub(crate) fn set_room(&mut self, room: &str) {
        self.room = Some(room.to_string());
    }

    /// The room this session serves on a server (`None` for a host that runs
    /// one game).
    pub fn room(&self) -> Option<&str> {
        self.room.as_deref()
    }

    /// Spectators connected now.
    pub fn spectator_count(&self) -> usize {
        self.table.occupancy().spectators
    }

    /// Nobody is left: no connection, no remote peer in its grace window, no
    /// `Leave` still to seal, and no player of the host's own.
    pub fn is_vacant(&self) -> bool {
        self.residents.is_empty()
            && self.table.conns().next().is_none()
            && self.table.peers().next().is_none()
    }

    /// Ends the session: every client is told `reason` (its session stops with
    /// it), the transport is flushed and the recording finished. The session
    /// does nothing useful afterwards.
    ///
    /// # Errors
    ///
    /// [`SessionError::Record`] if the recording could not be written out.
    pub fn shutdown(&mut self, reason: &str) -> Result<(), SessionError> {
        let conns: Vec<ConnId> = self.table.conns().map(|(id, _)| id).collect();
        for conn in conns {
            let msg = HostMsg::Kick {
                reason: KickReason::SessionEnded(reason.to_string()),
            };
            self.send(conn, Channel::Reliable, &msg);
            if let Some(c) = self.table.conn_mut(conn) {
                c.closing_at = Some(self.clock.now + LINGER);
            }
        }
        self.transport.flush();
        self.queued = false;
        tracing::info!(
            "session{} ended at sealed tick {}: {reason}",
            self.room
                .as_ref()
                .map(|r| format!(" in room {r:?}"))
                .unwrap_or_default(),
            self.sealer.sealed_tick()
        );
        self.finish_recording()
    }

    /// The host leaves. With a successor (see [`HostSession::succession`]) the
    /// game goes on: every client gets the sealed ticks it lacks and is told to
    /// follow the session to the successor, which takes it over at once.
    /// Otherwise the session ends for everyone, and they are told who left
    /// (`"NAME (the host) left the game"`, or "the host" for a dedicated one).
    /// The recording is finished either way.
    ///
    /// # Errors
    ///
    /// [`SessionError::Record`] if the recording could not be written out.
    pub fn leave(&mut self) -> Result<(), SessionError> {
        if let Some(heir) = self.succession().successors().next().cloned() {
            return self.hand_over(heir.peer, &heir.name);
        }
        let who = match (&self.residents.own, &self.config.player) {
            (Some(_), Some(name)) => format!("{name} (the host)"),
            _ => "the host".to_owned(),
        };
        self.shutdown(&format!("{who} left the game"))
    }

    /// Hands the session to `to` (see [`HostSession::leave`]).
    fn hand_over(&mut self, to: PeerId, name: &str) -> Result<(), SessionError> {
        let sealed = self.sealer.sealed_tick();
        let conns: Vec<ConnId> = self.table.live();
        for conn in conns {
            let Some(c) = self.table.conn_mut(conn) else {
                continue;
            };
            c.closing_at = Some(self.clock.now + LINGER);
            let ack = c.delivery.ack();
            let first = Tick(ack.0.max(sealed.0.saturating_sub(MAX_SEALED_RUN - 1)));
            let run = SealedRun {
                from: first.next(),
                through: sealed,
                ticks: self
                    .resend
                    .after(first)
                    .into_iter()
                    .filter(|st| !st.commits.is_empty())
                    .collect(),
            };
            self.send(conn, Channel::Reliable, &HostMsg::Handover { to, run });
        }
        self.transport.flush();
        self.queued = false;
        tracing::info!("handed the session to {name} at sealed tick {sealed}");
        let event = RecordedEvent::HostChanged {
            peer: to,
            name: name.to_owned(),
        };
        record_event(&mut self.recorder, sealed, &event, &mut self.events);
        self.finish_recording()
    }

    /// Writes out and closes the recording (later ticks are not recorded).
    ///
    /// # Errors
    ///
    /// [`SessionError::Record`] if the file could not be written.
    pub fn finish_recording(&mut self) -> Result<(), SessionError> {
        match self.recorder.take() {
            Some(rec) => Ok(rec.finish()?),
            None => Ok(()),
        }
    }

    /// When, in the time passed to [`HostSession::update`], the host's clock
    /// reaches its next tick: until then, an update with nothing received has
    /// nothing to do (timeouts are checked on ticks).
    pub fn next_tick_at(&self) -> Duration {
        self.clock.next_tick_at()
    }

    /// Whether `peer` only watches.
    pub fn is_spectator(&self, peer: PeerId) -> bool {
        self.table.is_spectator(peer)
    }
}
