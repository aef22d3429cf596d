//! WebSocket transport: Tickline's two channels over one TCP connection per
//! client, for networks that block UDP (and, later, browsers).
//!
//! Both ends are non-blocking and driven by `update` and `flush` like every
//! other transport: no thread per connection, no async runtime. Each message is
//! one binary WebSocket message whose last byte names its channel. TCP delivers
//! everything in order, so unreliable messages are never lost in transit; they
//! are dropped at the sender when more than [`UNRELIABLE_BYTES`] of them wait.
//!
//! A connection opens in three steps, all within the handshake timeout (a
//! half-open or slow connection loses its slot): the HTTP upgrade, then the
//! host's challenge (protocol id, a fresh nonce, whether a room code is needed)
//! and the client's answer (a keyed hash of the nonce with the key the room
//! code derives, as on UDP: the code itself never crosses the wire), then the
//! host's welcome. Refusals are WebSocket close frames with a reason the client
//! reports. Past the connection cap, an upgrade is answered `503` and the
//! client says the server is full.
//!
//! The traffic is not encrypted. For `wss://`, put a TLS-terminating reverse
//! proxy (nginx, Caddy, HAProxy) in front of the host's WebSocket port; see
//! `docs/deploy.md`.
//!
//! [`UNRELIABLE_BYTES`]: super::UNRELIABLE_BYTES

mod auth;
mod client;
mod host;
mod link;

use std::time::Duration;

pub use client::{WsClientConfig, WsClientTransport};
pub use host::{WsHostConfig, WsHostTransport};

/// How long a connection may take from TCP connect to the host's welcome.
pub const WS_HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(2);

/// How long a closing connection is kept to finish the close handshake.
const LINGER: Duration = Duration::from_secs(1);
