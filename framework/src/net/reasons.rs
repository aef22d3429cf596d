//! Why a host turns a client away or drops it: typed on the wire and in
//! [`SessionEvent`](crate::net::SessionEvent), so that a game can tell a full
//! host from an old build, and a shutdown from a misbehaving client, without
//! reading sentences. Each prints as a sentence for a person.

use serde::{Deserialize, Serialize};

/// Why the host refused a `Hello` (see
/// [`Rejection::ByHost`](crate::net::Rejection::ByHost)).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[non_exhaustive]
pub enum RejectReason {
    /// The client speaks another protocol version.
    #[error("protocol version {client} is not supported; this host speaks version {host}")]
    Protocol {
        /// The client's version.
        client: u32,
        /// The host's version.
        host: u32,
    },
    /// The host runs another game.
    #[error("this host runs {host:?}, not {client:?}")]
    OtherGame {
        /// The host's game id.
        host: String,
        /// The game the client asked for.
        client: String,
    },
    /// The same game, another build (the schema hashes differ).
    #[error("the game versions differ (schema hash mismatch); update both to the same build")]
    OtherBuild,
    /// The room name is not letters, digits, `-` and `_` (at most 32).
    #[error("a room name is letters, digits, '-' and '_' (at most 32)")]
    BadRoomName,
    /// The client asked for a room of a host that runs one game.
    #[error("this host runs one game and has no rooms (asked for {0:?})")]
    NoRooms(String),
    /// The client reached another room than the one it asked for.
    #[error("this is room {this:?}, not {asked:?}")]
    OtherRoom {
        /// The room this host serves.
        this: String,
        /// The room the client asked for.
        asked: String,
    },
    /// Every player slot is taken.
    #[error("the host is full ({0} players)")]
    Full(u64),
    /// Every spectator slot is taken.
    #[error("no room for another spectator ({0} watching)")]
    SpectatorsFull(u64),
    /// The first message was not a `Hello`.
    #[error("message before the handshake")]
    NotAHello,
    /// The first message does not decode.
    #[error("undecodable message ({bytes} bytes): {error}")]
    Undecodable {
        /// Its length.
        bytes: u64,
        /// What the decoder said.
        error: String,
    },
    /// A server runs its most rooms and the client asked for a new one.
    #[error("the server runs its most rooms ({0}); join an open one")]
    RoomsFull(u64),
    /// The server is shutting down, in its own words.
    #[error("the server is shutting down: {0}")]
    ShuttingDown(String),
    /// The host failed on its side (it cannot encode its state, or open the
    /// room).
    #[error("{0}")]
    HostFault(String),
}

/// Why the host closed a connection (see
/// [`SessionEvent::Kicked`](crate::net::SessionEvent::Kicked)).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[non_exhaustive]
pub enum KickReason {
    /// The host ended the session, in its own words.
    #[error("the session ended: {0}")]
    SessionEnded(String),
    /// A message that does not decode.
    #[error("undecodable message ({bytes} bytes): {error}")]
    Undecodable {
        /// Its length.
        bytes: u64,
        /// What the decoder said.
        error: String,
    },
    /// A message other than `Hello` before the handshake.
    #[error("message before the handshake")]
    BeforeHandshake,
    /// A second `Hello`.
    #[error("a second Hello")]
    SecondHello,
    /// A spectator sent commits.
    #[error("a spectator sent commits")]
    SpectatorCommitted,
    /// More commits in one update than the protocol allows.
    #[error("{sent} commits in one update (at most {limit})")]
    TooManyCommits {
        /// How many it sent.
        sent: u64,
        /// The most allowed.
        limit: u64,
    },
    /// A client sent a `Join` or `Leave` (only the host mints them).
    #[error("a client sent a system commit")]
    SystemCommit,
    /// A commit the host's order refuses outright.
    #[error("{0}")]
    BadCommit(String),
    /// The client fell further behind than the host keeps sealed ticks for.
    #[error("fell too far behind the session")]
    FellBehind,
    /// A message to the client could not be queued (its link is saturated).
    #[error("a message could not be queued: {0}")]
    Saturated(String),
}
