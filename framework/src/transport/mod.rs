//! Transports only move bytes per connection; sessions decide what the bytes mean.
//!
//! Two channels: [`Channel::Reliable`] (ordered, never lost; the handshake, snapshots,
//! kicks) and [`Channel::Unreliable`] (may be lost, duplicated or reordered; the
//! per-tick traffic, which the protocol itself repeats until acknowledged).
//! Time is passed in with `update(now)`; no transport reads the clock.

mod conditioner;
mod memory;
#[cfg(feature = "renet")]
pub(crate) mod renet;

use std::time::Duration;

pub use conditioner::{Conditioned, LinkConditions};
pub use memory::{MemoryClient, MemoryConnector, MemoryHost, memory_hub};
#[cfg(feature = "renet")]
pub use renet::{
    RenetClientConfig, RenetClientTransport, RenetHostConfig, RenetHostTransport, RenetSecurity,
};

/// Identifies one connection on a host transport (a reconnecting client gets a new one).
pub type ConnId = u64;

/// Delivery guarantee of a message.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Channel {
    /// Ordered, never lost.
    Reliable,
    /// May be lost, duplicated or reordered.
    Unreliable,
}

/// What a host transport reports.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum HostEvent {
    /// A client connected.
    Connected(ConnId),
    /// A client's connection ended.
    Disconnected(ConnId, String),
    /// A message arrived on a channel.
    Message(ConnId, Channel, Vec<u8>),
}

/// What a client transport reports.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ClientEvent {
    /// The connection is up: the handshake can start.
    Connected,
    /// The connection ended.
    Disconnected(String),
    /// A message arrived on a channel.
    Message(Channel, Vec<u8>),
}

/// A transport failed in a way the session cannot repair.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum TransportError {
    /// Socket or OS error.
    #[error("I/O error: {0}")]
    Io(#[from] std::io::Error),
    /// The transport could not set up a connection.
    #[error("cannot connect: {0}")]
    Connect(String),
    /// The transport's own protocol failed.
    #[error("transport error: {0}")]
    Protocol(String),
}

/// The host's end: many connections.
pub trait HostTransport: Send + Sync {
    /// Moves bytes: receive what arrived, progress timers. Call once per frame.
    ///
    /// # Errors
    ///
    /// A [`TransportError`] the host cannot go on from (its socket failed).
    fn update(&mut self, now: Duration) -> Result<(), TransportError>;
    /// The next event, if any.
    fn poll(&mut self) -> Option<HostEvent>;
    /// Queues a message for a connection (dropped if the connection is gone).
    fn send(&mut self, conn: ConnId, channel: Channel, bytes: Vec<u8>);
    /// Ends a connection.
    fn disconnect(&mut self, conn: ConnId);
    /// Sends what was queued. Call once per frame, after the session's sends.
    fn flush(&mut self);
}

/// A client's end: one connection at a time, which can be re-established.
pub trait ClientTransport: Send + Sync {
    /// Moves bytes: receive what arrived, progress timers. Call once per frame.
    ///
    /// # Errors
    ///
    /// A [`TransportError`] the client cannot go on from.
    fn update(&mut self, now: Duration) -> Result<(), TransportError>;
    /// The next event, if any.
    fn poll(&mut self) -> Option<ClientEvent>;
    /// Queues a message (dropped when not connected).
    fn send(&mut self, channel: Channel, bytes: Vec<u8>);
    /// Ends the current connection.
    fn disconnect(&mut self);
    /// Starts a new connection (after a drop); [`ClientEvent::Connected`] follows.
    ///
    /// # Errors
    ///
    /// [`TransportError::Connect`] if it cannot even be attempted.
    fn reconnect(&mut self, now: Duration) -> Result<(), TransportError>;
    /// Sends what was queued. Call once per frame, after the session's sends.
    fn flush(&mut self);
}

impl<T: HostTransport + ?Sized> HostTransport for Box<T> {
    fn update(&mut self, now: Duration) -> Result<(), TransportError> {
        (**self).update(now)
    }
    fn poll(&mut self) -> Option<HostEvent> {
        (**self).poll()
    }
    fn send(&mut self, conn: ConnId, channel: Channel, bytes: Vec<u8>) {
        (**self).send(conn, channel, bytes);
    }
    fn disconnect(&mut self, conn: ConnId) {
        (**self).disconnect(conn);
    }
    fn flush(&mut self) {
        (**self).flush();
    }
}

impl<T: ClientTransport + ?Sized> ClientTransport for Box<T> {
    fn update(&mut self, now: Duration) -> Result<(), TransportError> {
        (**self).update(now)
    }
    fn poll(&mut self) -> Option<ClientEvent> {
        (**self).poll()
    }
    fn send(&mut self, channel: Channel, bytes: Vec<u8>) {
        (**self).send(channel, bytes);
    }
    fn disconnect(&mut self) {
        (**self).disconnect();
    }
    fn reconnect(&mut self, now: Duration) -> Result<(), TransportError> {
        (**self).reconnect(now)
    }
    fn flush(&mut self) {
        (**self).flush();
    }
}
