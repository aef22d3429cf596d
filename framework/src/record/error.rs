//! Errors of the recording layer.

use crate::model::Tick;
use crate::model::codec::CodecError;

/// A recording could not be written, or could not be opened at all.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum RecordError {
    /// Reading or writing the file failed.
    #[error("I/O error: {0}")]
    Io(#[from] std::io::Error),
    /// A record could not be encoded.
    #[error(transparent)]
    Codec(#[from] CodecError),
    /// The game's schema could not be derived.
    #[error(transparent)]
    Schema(#[from] crate::model::SchemaError),
    /// The bytes do not start with the recording magic.
    #[error("not a Tickline recording (the file does not start with the recording magic)")]
    NotARecording,
    /// The file was written by a newer Tickline.
    #[error("recording format version {found} is newer than this build supports ({supported})")]
    NewerVersion {
        /// Version in the file.
        found: u16,
        /// Newest version this build reads.
        supported: u16,
    },
    /// The header is damaged; nothing can be replayed without it.
    #[error("the recording header is damaged: {0}")]
    CorruptHeader(TailProblem),
    /// The recording belongs to another game.
    #[error("this recording is of game {found:?}, not {expected:?}")]
    WrongGame {
        /// The game id asked for.
        expected: String,
        /// The game id in the file.
        found: String,
    },
    /// Same game, but its state or commits are encoded differently.
    #[error("recording schema {found:016x} differs from this build's {expected:016x}")]
    WrongSchema {
        /// This build's schema hash.
        expected: u64,
        /// The file's schema hash.
        found: u64,
    },
    /// A frame body is larger than the format allows.
    #[error("record of {len} bytes is over the limit of {limit}")]
    FrameTooLarge {
        /// Body length.
        len: usize,
        /// The limit.
        limit: usize,
    },
}

/// Why the reader stopped before the end of a file.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum TailProblem {
    /// The file ends in the middle of a frame.
    #[error("truncated record")]
    Truncated,
    /// The frame's CRC does not match its body.
    #[error("CRC mismatch")]
    BadCrc,
    /// The length prefix is impossible.
    #[error("record length {0} is over the limit")]
    BadLength(u64),
    /// The body does not decode.
    #[error("record does not decode: {0}")]
    Undecodable(String),
    /// A record's tick does not fit where it stands: a checksum or snapshot for a
    /// tick not yet sealed, a commit stamped with another tick than its sealed
    /// tick, or a tick beyond [`Tick::MAX`].
    #[error("record for tick {0} does not belong here")]
    Misplaced(Tick),
    /// The file could not be read further.
    #[error("read failed: {0}")]
    Unreadable(String),
    /// A sealed tick is not the one after the previous.
    #[error("sealed tick {found} out of sequence (expected {expected})")]
    OutOfSequence {
        /// The tick expected next.
        expected: Tick,
        /// The tick found.
        found: Tick,
    },
}

/// A replay could not be done.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ReplayError {
    /// The genesis state in the header does not decode as this WorkSpace.
    #[error("the genesis state does not decode: {0}")]
    Genesis(CodecError),
    /// A snapshot in the recording does not decode.
    #[error("the snapshot at tick {tick} does not decode: {source}")]
    Snapshot {
        /// Its tick.
        tick: Tick,
        /// Why.
        source: CodecError,
    },
    /// The tick is not in the recording.
    #[error("tick {tick} is outside the recording ({first}..={last})")]
    OutOfRange {
        /// The tick asked for.
        tick: Tick,
        /// The first tick (the start state).
        first: Tick,
        /// The last sealed tick.
        last: Tick,
    },
    /// A recording could not be opened or read.
    #[error(transparent)]
    Read(#[from] RecordError),
    /// A file changed while it was being read.
    #[error("{0} changed while it was being read")]
    Changed(String),
    /// Two recordings to compare are not of one session.
    #[error("the recordings are not of the same session: {0}")]
    NotSameSession(String),
}
