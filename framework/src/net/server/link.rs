//! A room's view of the server's one transport: events the server routed to
//! the room, and sends that go straight out on the shared transport.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use crate::transport::{Channel, ConnId, HostEvent, HostTransport, SendError, TransportError};

/// The server's transport, shared by its rooms (one thread drives them all).
pub(super) type Shared<T> = Arc<Mutex<T>>;

/// Locks the shared transport (a panic elsewhere cannot leave it half-updated
/// in a way that matters to a send, so a poisoned lock is taken as is).
pub(super) fn lock<T>(shared: &Shared<T>) -> MutexGuard<'_, T> {
    shared.lock().unwrap_or_else(PoisonError::into_inner)
}

/// The transport a room's [`HostSession`](crate::net::HostSession) runs on: it
/// reads what the server routed to the room and sends on the server's socket.
/// Flushing is left to the server, once per round for all rooms.
pub struct RoomLink<T> {
    shared: Shared<T>,
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
    pub(super) fn new(shared: Shared<T>) -> Self {
        RoomLink {
            shared,
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
        // The server updates the shared transport once per round.
        Ok(())
    }

    fn poll(&mut self) -> Option<HostEvent> {
        self.inbox.pop_front()
    }

    fn send(&mut self, conn: ConnId, channel: Channel, bytes: Vec<u8>) -> Result<(), SendError> {
        lock(&self.shared).send(conn, channel, bytes)?;
        if self.sent_to.last() != Some(&conn) {
            self.sent_to.push(conn);
        }
        Ok(())
    }

    fn disconnect(&mut self, conn: ConnId) {
        lock(&self.shared).disconnect(conn);
        self.dropped.push(conn);
    }

    fn flush(&mut self) {
        self.flush_wanted = true;
    }
}
