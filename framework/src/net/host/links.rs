//! Connections and peers: timeouts, the grace window, leaving, kicking.

use crate::model::{Body, Modification, PeerId, WorkSpace};
use crate::net::events::SessionEvent;
use crate::net::protocol::HostMsg;
use crate::transport::{Channel, ConnId, HostTransport};

use super::{HANDSHAKE_LIMIT, HostSession, LINGER, random_token};

impl<W: WorkSpace, M: Modification<W>, T: HostTransport> HostSession<W, M, T> {
    pub(super) fn expire_connections(&mut self) {
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
            if self.conns.get(&conn).is_some_and(|c| c.peer.is_none()) {
                self.stats.handshake_timeouts += 1;
            } else {
                self.stats.dropped_connections += 1;
            }
            self.log
                .info("timeout", now, &format!("connection {conn} timed out"));
            self.transport.disconnect(conn);
            self.connection_lost(conn, "timed out");
        }
        // A connection that holds a slot without finishing the handshake goes.
        let idle: Vec<ConnId> = self
            .conns
            .iter()
            .filter(|(_, c)| {
                c.peer.is_none()
                    && c.closing_at.is_none()
                    && now.saturating_sub(c.opened_at) > HANDSHAKE_LIMIT
            })
            .map(|(&id, _)| id)
            .collect();
        for conn in idle {
            self.stats.handshake_timeouts += 1;
            self.log.warn(
                "handshake",
                now,
                &format!("dropped connection {conn}: no handshake within {HANDSHAKE_LIMIT:?}"),
            );
            self.transport.disconnect(conn);
            self.connection_lost(conn, "no handshake");
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
    pub(super) fn connection_lost(&mut self, conn: ConnId, reason: &str) {
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
    pub(super) fn leave(&mut self, peer: PeerId) {
        if let Some(p) = self.peers.get_mut(&peer) {
            p.dropped_at = None;
            p.token = random_token();
            if let Err(e) = self.sequencer.system(Body::Leave { peer }) {
                tracing::error!("cannot mint a leave: {e}");
            }
        }
    }

    /// Drops a misbehaving connection with a reason (sent, logged, reported).
    pub(super) fn kick(&mut self, conn: ConnId, reason: String) {
        let Some(c) = self.conns.get_mut(&conn) else {
            return;
        };
        if c.closing_at.is_some() {
            return;
        }
        c.closing_at = Some(self.now + LINGER);
        let peer = c.peer;
        self.stats.dropped_connections += 1;
        self.log.warn(
            "kick",
            self.now,
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

    pub(super) fn reject(&mut self, conn: ConnId, reason: String) {
        if let Some(c) = self.conns.get_mut(&conn) {
            c.closing_at = Some(self.now + LINGER);
        }
        self.stats.rejected_handshakes += 1;
        self.log.info(
            "reject",
            self.now,
            &format!("rejecting connection {conn}: {reason}"),
        );
        self.send(conn, Channel::Reliable, &HostMsg::Reject { reason });
    }
}
