//! A room's view of the server's one transport: the events the server routed to
//! the room, and the transport itself, lent to the room for the length of one
//! call (its update, its shutdown) and given back after. One thread drives every
//! room, so the transport is owned by exactly one of them at a time: the server,
//! or the room it is updating.

use std::collections::VecDeque;
use std::time::Duration;

use crate::model::Game;
use crate::net::HostSession;
use crate::transport::{Channel, ConnId, HostEvent, HostTransport, SendError, TransportError};

/// The server's transport: with the server, or lent to one room for one call.
pub(super) struct Slot<T>(Option<T>);

impl<T> Slot<T> {
    pub(super) fn new(transport: T) -> Self {
        Slot(Some(transport))
    }

    /// The transport; it is away only while a room runs, never when the server
    /// asks for it.
    pub(super) fn get(&self) -> &T {
        self.0
            .as_ref()
            .expect("the transport is back from the room it was lent to")
    }

    /// As [`Slot::get`], mutably.
    pub(super) fn get_mut(&mut self) -> &mut T {
        self.0
            .as_mut()
            .expect("the transport is back from the room it was lent to")
    }

    /// Lends the transport to a room's `session` for `f`, and takes it back.
    pub(super) fn lend<G: Game, R>(
        &mut self,
        session: &mut HostSession<G, RoomLink<T>>,
        f: impl FnOnce(&mut HostSession<G, RoomLink<T>>) -> R,
    ) -> R
    where
        T: HostTransport,
    {
        session.transport_mut().lent = self.0.take();
        let out = f(session);
        self.0 = session.transport_mut().lent.take();
        out
    }
}

/// The transport a room's [`HostSession`](crate::net::HostSession) runs on: it
/// reads what the server routed to the room and sends on the server's transport
/// while it is lent. Flushing is left to the server, once per round for all rooms.
pub struct RoomLink<T> {
    lent: Option<T>,
    inbox: VecDeque<HostEvent>,
    flush_wanted: bool,
    /// Connections the room sent to since the last flush.
    sent_to: Vec<ConnId>,
    /// Connections the room ended, for the server to forget.
    dropped: Vec<ConnId>,
}

impl<T> std::fmt::Debug for RoomLink<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "RoomLink({} events waiting)", self.inbox.len())
    }
}

impl<T: HostTransport> RoomLink<T> {
    pub(super) fn new() -> Self {
        RoomLink {
            lent: None,
            inbox: VecDeque::new(),
            flush_wanted: false,
            sent_to: Vec::new(),
            dropped: Vec::new(),
        }
    }

    /// An event for this room, read by the session on its next update.
    pub(super) fn deliver(&mut self, event: HostEvent) {
        self.inbox.push_back(event);
    }

    /// The connections to flush, if the room asked for a flush since the last
    /// call (appended to `out`).
    pub(super) fn take_flush(&mut self, out: &mut Vec<ConnId>) {
        if std::mem::take(&mut self.flush_wanted) {
            out.append(&mut self.sent_to);
        }
    }

    /// Whether events wait for the room.
    pub(super) fn has_events(&self) -> bool {
        !self.inbox.is_empty()
    }

    /// Connections the room ended since the last call.
    pub(super) fn take_dropped(&mut self) -> Vec<ConnId> {
        std::mem::take(&mut self.dropped)
    }
}

impl<T: HostTransport> HostTransport for RoomLink<T> {
    fn update(&mut self, _now: Duration) -> Result<(), TransportError> {
        // The server updates its transport once per round.
        Ok(())
    }

    fn poll(&mut self) -> Option<HostEvent> {
        self.inbox.pop_front()
    }

    fn send(&mut self, conn: ConnId, channel: Channel, bytes: Vec<u8>) -> Result<(), SendError> {
        // The server lends its transport for every call into a room that sends.
        let Some(transport) = self.lent.as_mut() else {
            tracing::error!("a room sent to connection {conn} without the transport");
            return Err(SendError::NotConnected);
        };
        transport.send(conn, channel, bytes)?;
        if self.sent_to.last() != Some(&conn) {
            self.sent_to.push(conn);
        }
        Ok(())
    }

    fn disconnect(&mut self, conn: ConnId) {
        if let Some(transport) = self.lent.as_mut() {
            transport.disconnect(conn);
        }
        self.dropped.push(conn);
    }

    fn flush(&mut self) {
        self.flush_wanted = true;
    }
}
