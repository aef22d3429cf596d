//! Connections and peers: timeouts, the grace window, leaving, kicking.

use crate::model::{Body, Game, PeerId};
use crate::net::events::SessionEvent;
use crate::net::protocol::HostMsg;
use crate::net::reasons::{KickReason, RejectReason};
use crate::transport::{Channel, ConnId, HostTransport};

use super::table::Limits;
use super::{HANDSHAKE_LIMIT, HostSession, LINGER, random_token};

impl<G: Game, T: HostTransport> HostSession<G, T> {
    pub(super) fn expire_connections(&mut self) {
        let now = self.clock.now;
        let limits = Limits {
            timeout: self.config.timeout,
            handshake: HANDSHAKE_LIMIT,
            grace: self.config.grace,
        };
        let due = self.table.due(now, limits);
        for conn in due.closed {
            self.transport.disconnect(conn);
            self.connection_lost(conn, "closed by the host");
        }
        for (conn, handshaken) in due.silent {
            if handshaken {
                self.stats.dropped_connections += 1;
            } else {
                self.stats.handshake_timeouts += 1;
            }
            self.log
                .info("timeout", now, &format!("connection {conn} timed out"));
            self.transport.disconnect(conn);
            self.connection_lost(conn, "timed out");
        }
        // A connection that holds a slot without finishing the handshake goes.
        for conn in due.no_handshake {
            self.stats.handshake_timeouts += 1;
            self.log.warn(
                "handshake",
                now,
                &format!("dropped connection {conn}: no handshake within {HANDSHAKE_LIMIT:?}"),
            );
            self.transport.disconnect(conn);
            self.connection_lost(conn, "no handshake");
        }
        for peer in due.expired {
            self.seal_leave(peer);
        }
    }

    /// A connection ended: its peer enters the grace window.
    pub(super) fn connection_lost(&mut self, conn: ConnId, reason: &str) {
        if let Some(peer) = self.table.lost(conn, self.clock.now) {
            self.succession_changed = true;
            tracing::info!(
                "{peer} lost its connection ({reason}); it may resume for {:?}",
                self.config.grace
            );
        }
    }

    /// The peer leaves for good: its `Leave` is sealed.
    pub(super) fn seal_leave(&mut self, peer: PeerId) {
        self.succession_changed = true;
        if self.table.is_spectator(peer) {
            // Never in the sealed log: nothing to seal, nothing to wait for.
            self.table.remove_peer(peer);
            return;
        }
        if self.table.retire(peer, random_token()) {
            self.sealer.system(Body::Leave { peer });
        }
    }

    /// Drops a misbehaving connection with a reason (sent, logged, reported).
    pub(super) fn kick(&mut self, conn: ConnId, reason: KickReason) {
        let Some(c) = self.table.conn_mut(conn) else {
            return;
        };
        if c.closing_at.is_some() {
            return;
        }
        c.closing_at = Some(self.clock.now + LINGER);
        let peer = c.peer;
        self.stats.dropped_connections += 1;
        self.log.warn(
            "kick",
            self.clock.now,
            &format!("kicking connection {conn} ({peer:?}): {reason}"),
        );
        self.send(
            conn,
            Channel::Reliable,
            &HostMsg::Kick {
                reason: reason.clone(),
            },
        );
        self.events.push(SessionEvent::Kicked { peer, reason });
    }

    pub(super) fn reject(&mut self, conn: ConnId, reason: RejectReason) {
        if let Some(c) = self.table.conn_mut(conn) {
            c.closing_at = Some(self.clock.now + LINGER);
        }
        self.stats.rejected_handshakes += 1;
        self.log.info(
            "reject",
            self.clock.now,
            &format!("rejecting connection {conn}: {reason}"),
        );
        self.send(conn, Channel::Reliable, &HostMsg::Reject { reason });
    }
}
