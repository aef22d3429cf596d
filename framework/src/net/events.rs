//! What sessions report: events, stats, errors.

use std::time::Duration;

use crate::model::codec::CodecError;
use crate::model::{CommitId, PeerId, Tick};
use crate::record::RecordError;
use crate::timeline::{ConfigError, Rollback};
use crate::transport::TransportError;

use super::reasons::{KickReason, RejectReason};

/// The head ticks one `update` of a session moved through: the per-tick hook of
/// a headless loop (a bot decides once per tick, however often `update` runs).
///
/// ```
/// # use tickline::net::Advanced;
/// # use tickline::Tick;
/// let advanced = Advanced { from: Tick(10), to: Tick(12) };
/// assert_eq!(advanced.ticks().collect::<Vec<_>>(), [Tick(11), Tick(12)]);
/// assert!(Advanced::default().ticks().next().is_none());
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Advanced {
    /// The head before the update.
    pub from: Tick,
    /// The head after it (not after `from` when the head did not move forward).
    pub to: Tick,
}

impl Advanced {
    /// The ticks moved through, `from` excluded, oldest first.
    pub fn ticks(self) -> impl Iterator<Item = Tick> {
        (self.from.0.saturating_add(1)..=self.to.0).map(Tick)
    }
}

/// Something a game may want to show or react to.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum SessionEvent {
    /// This client was welcomed under `peer`.
    Connected {
        /// Our peer id.
        peer: PeerId,
    },
    /// This spectator was welcomed: it receives the sealed log and holds no
    /// player's id.
    Watching,
    /// A peer's `Join` was sealed.
    Joined {
        /// Who.
        peer: PeerId,
        /// Their name.
        name: String,
    },
    /// A peer's `Leave` was sealed.
    Left {
        /// Who.
        peer: PeerId,
        /// Their name.
        name: String,
    },
    /// The prediction was corrected.
    RolledBack {
        /// The first mispredicted tick.
        from: Tick,
        /// Ticks re-simulated.
        depth: u64,
    },
    /// A peer's checksum differed from the host's at `tick`.
    DesyncDetected {
        /// The peer (ourselves, on a client).
        peer: PeerId,
        /// The tick.
        tick: Tick,
    },
    /// The peer's state was replaced by the host's (client), or its next checksum
    /// matched again (host).
    DesyncHealed {
        /// The peer.
        peer: PeerId,
        /// The tick of the healing snapshot or matching checksum.
        tick: Tick,
    },
    /// The connection to the host dropped (a reconnect follows unless told otherwise).
    Disconnected {
        /// Why.
        reason: String,
    },
    /// A client came back under its old peer id.
    Reconnected {
        /// The peer.
        peer: PeerId,
    },
    /// The host dropped a client for bad behaviour, or (client) the host kicked us.
    Kicked {
        /// The peer, if it had finished the handshake.
        peer: Option<PeerId>,
        /// Why.
        reason: KickReason,
    },
    /// The host refused our handshake; the client stops.
    Rejected {
        /// Why.
        reason: Rejection,
    },
    /// One of our commits was refused by the host and will never be sealed.
    Refused {
        /// The commit.
        id: CommitId,
        /// Why.
        reason: String,
    },
    /// The host went and the session follows it to a successor (host migration;
    /// see [`ClientSession::migration`](crate::net::ClientSession::migration)).
    HostLost {
        /// Why the host is taken for gone.
        reason: String,
    },
    /// A new host carries the session on: `peer` took it over (on every peer,
    /// the new host included), and this peer holds sealed tick `tick` with it.
    HostChanged {
        /// The new host's player.
        peer: PeerId,
        /// Its name.
        name: String,
        /// Our sealed tick when the session went on.
        tick: Tick,
    },
    /// The recording could not be written; the session goes on without it.
    RecordingFailed {
        /// Why.
        reason: String,
    },
}

/// Why the host refused a client (see [`SessionEvent::Rejected`]).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Rejection {
    /// Every slot of the host or server is taken.
    #[error("the server is full")]
    ServerFull,
    /// The host's reason (another game or version, a wrong room, a full room,
    /// no room for another spectator).
    #[error("{0}")]
    ByHost(RejectReason),
}

impl From<Rollback> for SessionEvent {
    fn from(r: Rollback) -> Self {
        SessionEvent::RolledBack {
            from: r.from,
            depth: r.depth,
        }
    }
}

/// Counters for an overlay or a benchmark.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct SessionStats {
    /// Round-trip time to the host (client) or the mean over clients (host).
    pub rtt: Duration,
    /// Client: the round trip's jitter (mean spread above `rtt`).
    pub jitter: Duration,
    /// Client: how many ticks the head runs ahead of the host's clock.
    pub ticks_ahead: f64,
    /// Rollbacks so far.
    pub rollbacks: u64,
    /// Deepest rollback so far.
    pub deepest_rollback: u64,
    /// Ticks re-simulated so far.
    pub resimulated_ticks: u64,
    /// Bytes received.
    pub bytes_in: u64,
    /// Bytes sent.
    pub bytes_out: u64,
    /// Host: commits that arrived late and were re-stamped.
    pub restamped: u64,
    /// Host: commits refused (too far ahead).
    pub refused: u64,
    /// Desyncs detected.
    pub desyncs: u64,
    /// Host: datagrams the transport threw away (garbage, forged handshakes).
    pub garbage: u64,
    /// Host: connections dropped for not finishing the handshake within 2 s.
    pub handshake_timeouts: u64,
    /// Host: handshakes refused (wrong game, version, full).
    pub rejected_handshakes: u64,
    /// Host: connections dropped (timed out or kicked).
    pub dropped_connections: u64,
}

/// A peer as the host sees it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PeerInfo {
    /// Its id.
    pub peer: PeerId,
    /// Its name.
    pub name: String,
    /// Whether it is connected now (false during the grace window).
    pub connected: bool,
    /// Its round-trip time, once measured.
    pub rtt: Option<Duration>,
    /// Whether it plays over the network (not the host's own or a local player).
    pub remote: bool,
    /// Whether it only watches (it is not in the game's state).
    pub spectator: bool,
    /// The last sealed tick it acknowledged, while connected.
    pub acked: Option<Tick>,
}

/// A session could not start or go on.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SessionError {
    /// Invalid configuration.
    #[error("invalid configuration: {0}")]
    Config(#[from] ConfigError),
    /// The transport failed.
    #[error(transparent)]
    Transport(#[from] TransportError),
    /// The genesis state could not be encoded.
    #[error(transparent)]
    Codec(#[from] CodecError),
    /// The recording could not be created.
    #[error(transparent)]
    Record(#[from] RecordError),
    /// The game's schema could not be derived (see [`crate::model::Game::schema_hash`]).
    #[error(transparent)]
    Schema(#[from] crate::model::SchemaError),
    /// A client that was never welcomed cannot carry a session on.
    #[error("this client holds no session to carry on (it was never welcomed)")]
    NothingToCarryOn,
}
