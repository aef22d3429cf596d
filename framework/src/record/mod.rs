//! Recordings: the sealed log on disk, and tools to replay, verify and compare it.
//!
//! # File format (version 1)
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

mod compare;
mod error;
mod format;
mod reader;
mod replayer;
mod writer;

pub use compare::{Comparison, Divergence, compare};
pub use error::{RecordError, ReplayError, TailProblem};
pub use format::{FORMAT_VERSION, Header, MAGIC, MAX_FRAME_BYTES, RecordedEvent};
pub use reader::{Expect, Recording, Stopped};
pub use replayer::{Replayer, VerifyReport};
pub use writer::RecordingWriter;

#[cfg(test)]
mod tests;
