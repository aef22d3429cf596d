//! Recordings: the sealed log on disk, and tools to replay, verify and compare it.
//!
//! # File format (version 3)
//!
//! ```text
//! file   = magic "TICKLREC" (8 bytes) | format version (u16 LE) | header frame | frame*
//! frame  = body length (u32 LE) | body | CRC-32 (IEEE) of body (u32 LE)
//! header = bincode(Header)            bodies use the canonical codec (bincode 2 standard)
//! body   = bincode(Record<M>)        Sealed{tick, commits} | Checksum{tick, value}
//!                                     | Snapshot{tick, bytes} | Event{tick, event}
//! ```
//!
//! Every sealed tick after the header's `start_tick` has a `Sealed` record, in tick
//! order, empty ticks included; a `Checksum` or `Snapshot` record for a tick follows
//! its `Sealed` record. The writer flushes after every sealed tick, so a crash loses
//! at most the tick being written; the reader keeps everything before a truncated or
//! corrupt tail and says where it stopped.
//!
//! Version 2 added the `Healed` event, version 3 the `HostChanged` event (host
//! migration); files of earlier versions are read as before.
//!
//! Files are read as streams ([`RecordStream`]) in bounded memory: verifying
//! ([`verify_stream`]) and bisecting ([`bisect`]) hold a state or two, one frame
//! and a capped index, whatever the file's size.

mod bisect;
mod cursor;
mod diff;
mod error;
mod format;
mod frames;
mod index;
mod reader;
mod replayer;
mod stamp;
mod stream;
mod verify;
mod writer;

pub use bisect::{Bisection, Divergence, FieldsFrom, bisect};
pub use diff::{DEFAULT_FIELD_LIMIT, DiffError, FieldDiff, StateDiff, diff_states};
pub use error::{RecordError, ReplayError, TailProblem};
pub use format::{FORMAT_VERSION, Header, MAGIC, MAX_FRAME_BYTES, Record, RecordedEvent};
pub use reader::{Expect, Recording, Stopped};
pub use replayer::Replayer;
pub use stamp::utc_stamp;
pub use stream::RecordStream;
pub use verify::{VerifyReport, verify_stream};
pub use writer::RecordingWriter;

#[cfg(test)]
mod bisect_tests;
#[cfg(test)]
mod stream_tests;
#[cfg(test)]
mod tests;
