//! The wire protocol: one message enum per direction, bincode 2 (canonical
//! configuration) under a size limit. See `docs/protocol.md`.

use serde::{Deserialize, Serialize};

use crate::model::codec::{CodecError, MAX_STATE_BYTES, decode, encode};
use crate::model::{Commit, CommitId, PeerId, SealedTick, Tick};

/// Bumped on any change to these messages; a `Hello` with another version is rejected.
pub const PROTOCOL_VERSION: u32 = 1;
/// Largest message a client may send; a larger one gets it disconnected.
pub const MAX_CLIENT_MESSAGE: usize = 16 * 1024;
/// Largest message a host may send (a welcome holds a snapshot).
pub const MAX_HOST_MESSAGE: usize = MAX_STATE_BYTES + 64 * 1024;
/// Per-tick messages are filled up to this many bytes, under renet's 1200-byte slice.
pub const FREQUENT_MESSAGE_BUDGET: usize = 1100;
/// Longest player name, in characters.
pub const MAX_NAME_CHARS: usize = 32;
/// Most commits in one `Update`.
pub const MAX_COMMITS_PER_UPDATE: usize = 64;

/// What a reconnecting client presents.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Resume {
    /// The token from its `Welcome`.
    pub token: u64,
    /// The last sealed tick it holds.
    pub sealed_tick: Tick,
}

/// The handshake's first message.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Hello {
    /// [`PROTOCOL_VERSION`] of the client.
    pub protocol: u32,
    /// The game, e.g. `"snake"`.
    pub game_id: String,
    /// Hash of the game's state and commit encoding.
    pub schema_hash: u64,
    /// Display name.
    pub name: String,
    /// Set when reconnecting.
    pub resume: Option<Resume>,
}

/// Client to host.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum ClientMsg<M> {
    /// Opens the handshake (reliable).
    Hello(Hello),
    /// Sent every tick (unreliable): what the client has, and its unsealed commits.
    Update {
        /// The last sealed tick the client holds without gaps.
        ack: Tick,
        /// The client's clock, in microseconds, echoed back for round-trip time.
        sent_at_us: u64,
        /// The client's measured round-trip time, in microseconds (for the host's stats).
        rtt_us: u32,
        /// Commits not yet sealed (the oldest first; repeated until sealed).
        commits: Vec<Commit<M>>,
    },
    /// The checksum of the client's sealed state at `tick` (unreliable).
    Checksum {
        /// The tick.
        tick: Tick,
        /// TL64 of the sealed state.
        value: u64,
    },
    /// The client leaves for good (reliable).
    Bye,
}

/// How a welcomed client catches up.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum CatchUp<M> {
    /// The sealed state at `tick` (a new player).
    Snapshot {
        /// Its tick.
        tick: Tick,
        /// The canonical bytes of the WorkSpace.
        state: Vec<u8>,
    },
    /// The sealed ticks after the client's `Resume::sealed_tick` (a resumed player).
    Ticks(Vec<SealedTick<M>>),
}

/// The host's answer to a good `Hello`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Welcome<M> {
    /// The client's peer id.
    pub peer: PeerId,
    /// Present this to resume after a drop.
    pub resume_token: u64,
    /// Ticks per second.
    pub tick_rate: u32,
    /// The session seed.
    pub seed: u64,
    /// The host's clock, in microseconds since the session started.
    pub host_time_us: u64,
    /// Send a checksum every this many sealed ticks.
    pub checksum_interval: u64,
    /// The state to start from.
    pub catch_up: CatchUp<M>,
}

/// Host to client.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum HostMsg<M> {
    /// Handshake accepted (reliable).
    Welcome(Box<Welcome<M>>),
    /// Handshake refused (reliable); the connection closes.
    Reject {
        /// Why, for a person to read.
        reason: String,
    },
    /// Sent every tick (unreliable): sealed ticks the client has not acknowledged,
    /// and the clock.
    Sealed {
        /// The host's clock, in microseconds since the session started.
        host_time_us: u64,
        /// The latest `sent_at_us` received from this client.
        echo_us: u64,
        /// How long the host held that echo before this message, in microseconds.
        held_us: u64,
        /// Consecutive sealed ticks, the oldest first.
        ticks: Vec<SealedTick<M>>,
    },
    /// One of the client's commits was refused and will never be sealed.
    Refused {
        /// The commit.
        id: CommitId,
        /// Why.
        reason: String,
    },
    /// The client's checksum at `tick` differed from the host's (reliable).
    Desync {
        /// The tick.
        tick: Tick,
    },
    /// The host's sealed state at `tick`, to replace the client's (reliable).
    Heal {
        /// Its tick.
        tick: Tick,
        /// The canonical bytes.
        state: Vec<u8>,
    },
    /// The host closes the connection (reliable).
    Kick {
        /// Why, for a person to read.
        reason: String,
    },
}

/// Encodes a message.
///
/// # Errors
///
/// [`CodecError::Encode`].
pub fn encode_msg<T: Serialize>(msg: &T) -> Result<Vec<u8>, CodecError> {
    encode(msg)
}

/// Decodes a client message, refusing more than [`MAX_CLIENT_MESSAGE`] bytes.
///
/// # Errors
///
/// [`CodecError`] for oversized, malformed or trailing bytes.
pub fn decode_client<M: serde::de::DeserializeOwned>(
    bytes: &[u8],
) -> Result<ClientMsg<M>, CodecError> {
    decode::<_, MAX_CLIENT_MESSAGE>(bytes)
}

/// Decodes a host message, refusing more than [`MAX_HOST_MESSAGE`] bytes.
///
/// # Errors
///
/// [`CodecError`] for oversized, malformed or trailing bytes.
pub fn decode_host<M: serde::de::DeserializeOwned>(bytes: &[u8]) -> Result<HostMsg<M>, CodecError> {
    decode::<_, MAX_HOST_MESSAGE>(bytes)
}
