//! The wire protocol: one message enum per direction, bincode 2 (canonical
//! configuration) under a size limit. See `docs/protocol.md`.

use serde::{Deserialize, Serialize};

use crate::model::codec::{CodecError, decode, encode};
use crate::model::{Commit, CommitId, PeerId, SealedTick, Tick};

pub use super::succession::{Standby, Succession};

pub use super::reasons::{KickReason, RejectReason};

/// Bumped on any change to these messages; a `Hello` with another version is rejected.
pub const PROTOCOL_VERSION: u32 = 5;
/// Largest message a client may send; a larger one gets it disconnected (the
/// transports' limit, [`crate::transport::MAX_MESSAGE_TO_HOST`]).
pub const MAX_CLIENT_MESSAGE: usize = crate::transport::MAX_MESSAGE_TO_HOST;
/// Largest message a host may send: a welcome holds a snapshot (the transports'
/// limit, [`crate::transport::MAX_MESSAGE_TO_CLIENT`]).
pub const MAX_HOST_MESSAGE: usize = crate::transport::MAX_MESSAGE_TO_CLIENT;
/// Per-tick messages are filled up to this many bytes, under renet's 1200-byte slice.
pub const FREQUENT_MESSAGE_BUDGET: usize = 1100;
/// Longest player name, in characters.
pub const MAX_NAME_CHARS: usize = 32;
/// The room a client gets on a server when its `Hello` names none.
pub const DEFAULT_ROOM: &str = "main";
/// Longest room name, in characters (see [`valid_room`]).
pub const MAX_ROOM_CHARS: usize = 32;
/// Most commits in one `Update`.
pub const MAX_COMMITS_PER_UPDATE: usize = 64;
/// Most sealed ticks one `Frame` may cover (a run of empty ticks counts each).
pub const MAX_SEALED_RUN: u64 = 4096;

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
    /// The room to play in on a server that runs many (created on first join);
    /// empty for the default room, or a host that runs one game.
    pub room: String,
    /// Watch only: receive the sealed log, hold no player slot, commit nothing.
    pub spectator: bool,
    /// Where this client could host the session if its host goes.
    pub standby: Option<Standby>,
}

/// Whether `room` is a valid room name: empty (the default room), or up to
/// [`MAX_ROOM_CHARS`] ASCII letters, digits, `-` and `_`.
pub fn valid_room(room: &str) -> bool {
    room.len() <= MAX_ROOM_CHARS
        && room
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
}

/// A clock sample a client asks the host to echo.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClockSample {
    /// The client's clock when it sent this, in microseconds.
    pub sent_at_us: u64,
    /// The client's round-trip estimate, in microseconds (host stats).
    pub rtt_us: u32,
    /// The client's round-trip jitter, in microseconds (the host's seal delay
    /// follows the worst client's).
    pub jitter_us: u32,
}

/// Client to host.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum ClientMsg<M> {
    /// Opens the handshake (reliable).
    Hello(Hello),
    /// At most once per client tick, and only when something is due (unreliable):
    /// new commits, an acknowledgement, a clock sample or a checksum.
    Update {
        /// The last sealed tick the client holds without gaps.
        ack: Tick,
        /// Present when the client wants a clock echo.
        clock: Option<ClockSample>,
        /// Commits not yet sealed (the oldest first; repeated until sealed).
        commits: Vec<Commit<M>>,
        /// The checksum of the client's sealed state at a tick, when one is due.
        checksum: Option<(Tick, u64)>,
        /// The client holds sealed ticks after a gap: the ticks after `ack` were
        /// lost, send them again now.
        gap: bool,
    },
    /// The client leaves for good (reliable).
    Bye,
    /// Sealed ticks the host asked for with `SendSealed` (reliable; a long run
    /// comes in several, `last` set on the final one).
    Sealed {
        /// The ticks.
        run: SealedRun<M>,
        /// No more follow.
        last: bool,
    },
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
    /// The host seals tick T when its clock reaches T + `seal_delay`.
    pub seal_delay: u64,
    /// Everyone in the sealed state at the catch-up tick, with their names.
    pub roster: Vec<(PeerId, String)>,
    /// Who hosts next if the host goes (empty where sessions do not migrate).
    pub succession: Succession,
    /// The state to start from.
    pub catch_up: CatchUp<M>,
}

/// The host's clock, and the echo of a client's clock sample.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct HostClock {
    /// The host's clock, in microseconds since the session started.
    pub host_time_us: u64,
    /// The client's latest `sent_at_us` and how long the host held it before
    /// this message, in microseconds.
    pub echo: Option<(u64, u64)>,
    /// The host's current seal delay, in ticks.
    pub seal_delay: u64,
}

/// Sealed ticks `from..=through`: those with commits listed, the rest empty.
/// `through` = `from` - 1 is an empty run (a frame with no sealed ticks).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SealedRun<M> {
    /// The first tick covered.
    pub from: Tick,
    /// The last tick covered.
    pub through: Tick,
    /// The ticks in the range that have commits, in ascending order.
    pub ticks: Vec<SealedTick<M>>,
}

/// A `SealedRun` that does not describe a range of sealed ticks.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum RunError {
    /// `through` before `from`, or the range is longer than [`MAX_SEALED_RUN`].
    #[error("a run of sealed ticks from {from} through {through} (at most {MAX_SEALED_RUN})")]
    Range {
        /// Its first tick.
        from: Tick,
        /// Its last tick.
        through: Tick,
    },
    /// A listed tick outside the range or out of order.
    #[error("sealed tick {0} is outside its run or out of order")]
    Tick(Tick),
}

impl<M> SealedRun<M> {
    /// Every tick of the run, empty ones included, in order.
    ///
    /// # Errors
    ///
    /// [`RunError`] when the run is malformed (nothing is returned then).
    pub fn expand(self) -> Result<Vec<SealedTick<M>>, RunError> {
        let (from, through) = (self.from, self.through);
        if through.0.checked_add(1) == Some(from.0) && self.ticks.is_empty() {
            return Ok(Vec::new());
        }
        if through < from || !through.in_range() || through.since(from) >= MAX_SEALED_RUN {
            return Err(RunError::Range { from, through });
        }
        let mut listed = self.ticks.into_iter().peekable();
        let mut out = Vec::with_capacity((through.since(from) + 1) as usize);
        let mut tick = from;
        loop {
            match listed.next_if(|st| st.tick == tick) {
                Some(st) => out.push(st),
                None => out.push(SealedTick::empty(tick)),
            }
            if tick == through {
                break;
            }
            tick = tick.next();
        }
        match listed.next() {
            Some(extra) => Err(RunError::Tick(extra.tick)),
            None => Ok(out),
        }
    }
}

/// Host to client.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum HostMsg<M> {
    /// Handshake accepted (reliable).
    Welcome(Box<Welcome<M>>),
    /// Handshake refused (reliable); the connection closes.
    Reject {
        /// Why.
        reason: RejectReason,
    },
    /// At most once per host tick, and only when something is due (unreliable):
    /// other peers' commits as the host accepted them, sealed ticks the client has
    /// not acknowledged, the clock.
    Frame {
        /// The clock and an echo.
        clock: HostClock,
        /// Other peers' commits accepted since the last frame, stamped with the
        /// tick they will be sealed in. Provisional: only the sealed log is the order.
        relayed: Vec<Commit<M>>,
        /// Sealed ticks.
        sealed: SealedRun<M>,
    },
    /// One of the client's commits was refused and will never be sealed.
    Refused {
        /// The commit.
        id: CommitId,
        /// Why.
        reason: String,
    },
    /// The client's checksum at `tick` differed from the host's (reliable). A
    /// `Heal` for `heal_tick` follows: the client holds sealed ticks after it
    /// until the snapshot arrives.
    Desync {
        /// The tick whose checksum differed.
        tick: Tick,
        /// The tick of the healing snapshot.
        heal_tick: Tick,
    },
    /// The host's sealed state at `tick`, to replace the client's (reliable).
    Heal {
        /// Its tick.
        tick: Tick,
        /// The canonical bytes.
        state: Vec<u8>,
    },
    /// The session's members or the order of succession changed (reliable).
    Succession(Succession),
    /// The host leaves and hands the session to `to` (reliable): `run` holds
    /// the sealed ticks the client has not acknowledged, so that none is lost;
    /// the client then follows the session to `to`.
    Handover {
        /// The successor.
        to: PeerId,
        /// Sealed ticks after the client's acknowledgement, through the last.
        run: SealedRun<M>,
    },
    /// A host that took the session over holds sealed ticks up to `after` and
    /// the client said it holds later ones: send them (reliable).
    SendSealed {
        /// The host's last sealed tick.
        after: Tick,
    },
    /// The host closes the connection (reliable).
    Kick {
        /// Why.
        reason: KickReason,
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
