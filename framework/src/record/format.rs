//! The on-disk types and the frame encoding.

use serde::{Deserialize, Serialize};

use crate::model::{Commit, PeerId, SealedTick, Tick};

use super::diff::FieldDiff;
use super::error::RecordError;
use crate::model::codec::encode_into;

/// First bytes of every recording.
pub const MAGIC: [u8; 8] = *b"TICKLREC";
/// The format version this build writes and the newest it reads.
pub const FORMAT_VERSION: u16 = 3;
/// Largest frame body (a snapshot of the largest allowed state, plus room).
pub const MAX_FRAME_BYTES: usize = crate::model::codec::MAX_STATE_BYTES + 4096;

/// What a recording is of. The first frame of every file.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Header {
    /// The game, e.g. `"snake"`; a reader refuses other games' recordings.
    pub game_id: String,
    /// A hash the game derives from its state and commit types; changes when their
    /// encoding changes.
    pub schema_hash: u64,
    /// Ticks per second.
    pub tick_rate: u32,
    /// The session seed.
    pub seed: u64,
    /// The tick of the start state (0 for a session recorded from genesis; the join
    /// tick for a peer that joined late).
    pub start_tick: Tick,
    /// The start state, in the canonical encoding.
    pub genesis: Vec<u8>,
    /// When the recording was made, in milliseconds since the Unix epoch (not used
    /// by any rule).
    pub created_unix_ms: u64,
}

/// A notable event, recorded for whoever investigates the session later.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub enum RecordedEvent {
    /// A peer's checksum differed from the host's.
    Desync {
        /// The peer that reported.
        peer: PeerId,
        /// The host's checksum.
        expected: u64,
        /// The peer's checksum.
        reported: u64,
    },
    /// Free text.
    Note(String),
    /// This peer's state was replaced by the host's snapshot at the event's tick,
    /// after a desync: the fields that differed, so the evidence survives the heal.
    Healed {
        /// The differing fields (this peer's value as `a`, the host's as `b`).
        fields: Vec<FieldDiff>,
        /// How many more fields differed.
        more: usize,
    },
    /// A new host carried the session on from the event's tick (host
    /// migration): the peer whose player took it over.
    HostChanged {
        /// The new host's player.
        peer: PeerId,
        /// Its name.
        name: String,
    },
}

/// One record of a recording, as read back.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub enum Record<M> {
    /// A sealed tick and its commits.
    Sealed(SealedTick<M>),
    /// The checksum of the sealed state at `tick`.
    Checksum {
        /// Its tick.
        tick: Tick,
        /// The checksum.
        value: u64,
    },
    /// The sealed state at `tick`, in the canonical encoding.
    Snapshot {
        /// Its tick.
        tick: Tick,
        /// The encoded state.
        bytes: Vec<u8>,
    },
    /// An event.
    Event {
        /// The tick it happened at.
        tick: Tick,
        /// What happened.
        event: RecordedEvent,
    },
}

/// A sealed tick, borrowed for writing (encodes exactly as [`SealedTick`]).
#[derive(Serialize)]
pub(super) struct SealedRef<'a, M> {
    pub(super) tick: Tick,
    pub(super) commits: &'a [Commit<M>],
}

/// The same records, borrowed for writing (identical encoding).
#[derive(Serialize)]
pub(super) enum RecordRef<'a, M> {
    Sealed(SealedRef<'a, M>),
    Checksum {
        tick: Tick,
        value: u64,
    },
    Snapshot {
        tick: Tick,
        bytes: &'a [u8],
    },
    Event {
        tick: Tick,
        event: &'a RecordedEvent,
    },
}

/// Appends a frame (length, body, CRC) whose body is `value`'s canonical
/// encoding to `out`, encoding in place.
///
/// # Errors
///
/// [`RecordError::Codec`], or [`RecordError::FrameTooLarge`] for a body over
/// [`MAX_FRAME_BYTES`]; `out` is then as it was.
pub(super) fn push_frame<T: Serialize + ?Sized>(
    out: &mut Vec<u8>,
    value: &T,
) -> Result<(), RecordError> {
    let start = out.len();
    out.extend_from_slice(&[0; 4]);
    let len = match encode_into(value, out) {
        Ok(len) if len <= MAX_FRAME_BYTES => len,
        Ok(len) => {
            out.truncate(start);
            return Err(RecordError::FrameTooLarge {
                len,
                limit: MAX_FRAME_BYTES,
            });
        }
        Err(e) => {
            out.truncate(start);
            return Err(e.into());
        }
    };
    // The limit keeps the length within a u32.
    out[start..start + 4].copy_from_slice(&(len as u32).to_le_bytes());
    let crc = crc32fast::hash(&out[start + 4..]);
    out.extend_from_slice(&crc.to_le_bytes());
    Ok(())
}
