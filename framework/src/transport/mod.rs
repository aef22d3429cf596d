//! Transports only move bytes per connection; sessions decide what the bytes mean.
//!
//! Two channels: [`Channel::Reliable`] (ordered, never lost; the handshake, snapshots,
//! kicks) and [`Channel::Unreliable`] (may be lost, duplicated or reordered; the
//! per-tick traffic, which the protocol itself repeats until acknowledged).
//! Time is passed in with `update(now)`; no transport reads the clock.

mod code;
mod conditioner;
mod memory;
#[cfg(feature = "renet")]
pub(crate) mod renet;
#[cfg(feature = "websocket")]
mod ws;

use std::net::SocketAddr;
use std::time::Duration;

use crate::model::codec::MAX_STATE_BYTES;

/// Part of the transport contract: a transport carries a message of up to this
/// many bytes from a client whole (larger ones may end the connection).
pub const MAX_MESSAGE_TO_HOST: usize = 16 * 1024;
/// Part of the transport contract: a transport carries a message of up to this
/// many bytes from the host whole: a snapshot of the largest state a session
/// accepts, and room for what comes with it.
pub const MAX_MESSAGE_TO_CLIENT: usize = MAX_STATE_BYTES + 64 * 1024;

/// Part of the transport contract: a connection's reliable channel from the
/// host holds this many bytes not yet delivered (a Welcome and a Heal of the
/// largest size at once); past it, `send` says [`SendError::Full`] and the
/// session ends the connection with that reason.
pub const RELIABLE_BYTES_TO_CLIENT: usize = 2 * MAX_MESSAGE_TO_CLIENT;

/// Part of the transport contract: a client's reliable channel holds this
/// many bytes not yet delivered, as [`RELIABLE_BYTES_TO_CLIENT`] the other way.
pub const RELIABLE_BYTES_TO_HOST: usize = 64 * MAX_MESSAGE_TO_HOST;

/// A connection's unreliable messages not yet delivered, in bytes, past which
/// a transport drops new ones (they may be lost anyway; memory stays bounded
/// when the other end stops reading).
pub const UNRELIABLE_BYTES: usize = 4 << 20;

pub use code::{JoinCode, JoinCodeError};
pub use conditioner::{Conditioned, LinkConditions};
pub use memory::{MemoryClient, MemoryConnector, MemoryHost, memory_hub};
#[cfg(feature = "renet")]
pub use renet::{
    RenetClientConfig, RenetClientTransport, RenetHostConfig, RenetHostTransport, RenetSecurity,
    RenetStandby, TransportStats,
};
#[cfg(feature = "websocket")]
pub use ws::{
    WS_HANDSHAKE_TIMEOUT, WsClientConfig, WsClientTransport, WsHostConfig, WsHostTransport,
};

/// Why a client's connection ended, as its transport knows it: what a session
/// acts on is a variant, what people read is its `Display`.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum DisconnectReason {
    /// The host refused the connection because every slot is taken: the client
    /// session stops instead of trying again.
    #[error("the server is full")]
    ServerFull,
    /// Any other end (the host is gone, a timeout, a socket error), in words.
    #[error("{0}")]
    Other(String),
}

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
    Disconnected(DisconnectReason),
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

/// A message could not be queued. Sessions end the connection with this reason
/// rather than lose a reliable message silently.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SendError {
    /// The connection is gone (or not up yet).
    #[error("the connection is not open")]
    NotConnected,
    /// The channel has no room for the message.
    #[error("a message of {bytes} bytes does not fit the channel ({available} bytes free)")]
    Full {
        /// The message's size.
        bytes: usize,
        /// Room left in the channel.
        available: usize,
    },
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
    /// Queues a message for a connection.
    ///
    /// # Errors
    ///
    /// [`SendError`] when the connection is gone or its channel is full.
    fn send(&mut self, conn: ConnId, channel: Channel, bytes: Vec<u8>) -> Result<(), SendError>;
    /// Ends a connection. What was queued for it is sent first, once: on a
    /// link that loses it, it is lost (a session that must be heard waits for
    /// the other end to close, as [`HostSession`](crate::net::HostSession)'s
    /// kicks do).
    fn disconnect(&mut self, conn: ConnId);
    /// Sends what was queued, coalesced into as few datagrams as fit. Sessions
    /// call it once per tick, after their sends, not once per frame.
    fn flush(&mut self);
    /// Sends what was queued for these connections only (a server whose rooms
    /// tick at different times flushes each room's clients when it ticks).
    fn flush_conns(&mut self, conns: &[ConnId]) {
        let _ = conns;
        self.flush();
    }
    /// Datagrams thrown away as garbage so far (not a valid packet from a peer).
    fn garbage(&self) -> u64 {
        0
    }
    /// The address a connection's traffic comes from, where the transport has
    /// one (what a host tells other peers to reach a successor at).
    fn peer_addr(&self, conn: ConnId) -> Option<std::net::SocketAddr> {
        let _ = conn;
        None
    }
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
    /// Queues a message.
    ///
    /// # Errors
    ///
    /// [`SendError`] when not connected or the channel is full.
    fn send(&mut self, channel: Channel, bytes: Vec<u8>) -> Result<(), SendError>;
    /// Ends the current connection. What was queued is sent first, once, as
    /// for [`HostTransport::disconnect`].
    fn disconnect(&mut self);
    /// Starts a new connection (after a drop); [`ClientEvent::Connected`] follows.
    ///
    /// # Errors
    ///
    /// [`TransportError::Connect`] if it cannot even be attempted.
    fn reconnect(&mut self, now: Duration) -> Result<(), TransportError>;
    /// Sends what was queued, coalesced into as few datagrams as fit. Sessions
    /// call it once per tick, after their sends, not once per frame.
    fn flush(&mut self);
}

impl<T: HostTransport + ?Sized> HostTransport for Box<T> {
    fn update(&mut self, now: Duration) -> Result<(), TransportError> {
        (**self).update(now)
    }
    fn poll(&mut self) -> Option<HostEvent> {
        (**self).poll()
    }
    fn send(&mut self, conn: ConnId, channel: Channel, bytes: Vec<u8>) -> Result<(), SendError> {
        (**self).send(conn, channel, bytes)
    }
    fn disconnect(&mut self, conn: ConnId) {
        (**self).disconnect(conn);
    }
    fn flush(&mut self) {
        (**self).flush();
    }
    fn flush_conns(&mut self, conns: &[ConnId]) {
        (**self).flush_conns(conns);
    }
    fn garbage(&self) -> u64 {
        (**self).garbage()
    }
    fn peer_addr(&self, conn: ConnId) -> Option<std::net::SocketAddr> {
        (**self).peer_addr(conn)
    }
}

impl<T: ClientTransport + ?Sized> ClientTransport for Box<T> {
    fn update(&mut self, now: Duration) -> Result<(), TransportError> {
        (**self).update(now)
    }
    fn poll(&mut self) -> Option<ClientEvent> {
        (**self).poll()
    }
    fn send(&mut self, channel: Channel, bytes: Vec<u8>) -> Result<(), SendError> {
        (**self).send(channel, bytes)
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

/// A random 64-bit value (netcode client ids, challenge nonces), from the
/// process's randomly keyed hasher and the wall clock.
pub(crate) fn random_u64() -> u64 {
    use std::hash::{BuildHasher, Hasher};
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default();
    h.write_u128(now.as_nanos());
    h.finish()
}

/// Resolves `host:port` (a name such as `localhost:5000` or `mybox.lan:5000`, or
/// an address) to one socket address, preferring IPv4 as the host binds it.
///
/// # Errors
///
/// [`TransportError::Connect`] with one line when it does not resolve.
pub fn resolve(host_port: &str) -> Result<SocketAddr, TransportError> {
    use std::net::ToSocketAddrs;
    let addrs: Vec<SocketAddr> = host_port
        .to_socket_addrs()
        .map_err(|e| TransportError::Connect(format!("cannot resolve {host_port}: {e}")))?
        .collect();
    addrs
        .iter()
        .find(|a| a.is_ipv4())
        .or_else(|| addrs.first())
        .copied()
        .ok_or_else(|| TransportError::Connect(format!("{host_port} resolves to no address")))
}
