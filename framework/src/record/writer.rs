//! Appending records to a recording.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::Path;

use serde::Serialize;

use crate::model::codec::encode_state;
use crate::model::{Game, SealedTick, Tick, WorkSpace};
use crate::timeline::SealedEntry;

use super::error::RecordError;
use super::format::{
    FORMAT_VERSION, Header, MAGIC, Record, RecordRef, RecordedEvent, SealedRef, push_frame,
};

/// Writes a recording: the header first, then records as ticks are sealed.
/// [`RecordingWriter::append`] flushes after every sealed tick.
#[derive(Debug)]
pub struct RecordingWriter<F: Write> {
    out: F,
    frame: Vec<u8>,
    bytes_written: u64,
}

impl RecordingWriter<BufWriter<File>> {
    /// Creates (or truncates) the file at `path` and writes the header.
    ///
    /// # Errors
    ///
    /// [`RecordError::Io`] if the file cannot be created or written.
    pub fn create(path: impl AsRef<Path>, header: &Header) -> Result<Self, RecordError> {
        let file = File::create(path)?;
        Self::new(BufWriter::new(file), header)
    }
}

impl<F: Write> RecordingWriter<F> {
    /// Starts a recording on `out` and writes the magic, version and header.
    ///
    /// # Errors
    ///
    /// [`RecordError::Io`] or [`RecordError::Codec`].
    pub fn new(out: F, header: &Header) -> Result<Self, RecordError> {
        let mut writer = RecordingWriter {
            out,
            frame: Vec::with_capacity(256),
            bytes_written: 0,
        };
        writer.frame.extend_from_slice(&MAGIC);
        writer
            .frame
            .extend_from_slice(&FORMAT_VERSION.to_le_bytes());
        writer.emit(header)?;
        writer.flush()?;
        Ok(writer)
    }

    /// Bytes handed to the output so far.
    pub fn bytes_written(&self) -> u64 {
        self.bytes_written
    }

    /// Frames `value` after what the frame buffer holds and writes it all out.
    fn emit<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), RecordError> {
        let framed = push_frame(&mut self.frame, value);
        if framed.is_ok() {
            self.out.write_all(&self.frame)?;
            self.bytes_written += self.frame.len() as u64;
        }
        self.frame.clear();
        framed
    }

    fn record<M: Serialize>(&mut self, record: &RecordRef<'_, M>) -> Result<(), RecordError> {
        self.emit(record)
    }

    /// Writes a sealed tick (not flushed).
    ///
    /// # Errors
    ///
    /// [`RecordError::Io`] or [`RecordError::Codec`].
    pub fn write_sealed<M: Serialize>(
        &mut self,
        sealed: &SealedTick<M>,
    ) -> Result<(), RecordError> {
        self.record(&RecordRef::Sealed(SealedRef {
            tick: sealed.tick,
            commits: &sealed.commits,
        }))
    }

    /// Writes a record as read from another recording (not flushed): tools that
    /// filter or cut recordings copy records through this.
    ///
    /// # Errors
    ///
    /// [`RecordError::Io`] or [`RecordError::Codec`].
    pub fn write_record<M: Serialize>(&mut self, record: &Record<M>) -> Result<(), RecordError> {
        self.emit(record)
    }

    /// Writes the checksum of the sealed state at `tick` (not flushed).
    ///
    /// # Errors
    ///
    /// [`RecordError::Io`] or [`RecordError::Codec`].
    pub fn write_checksum(&mut self, tick: Tick, value: u64) -> Result<(), RecordError> {
        self.record::<()>(&RecordRef::Checksum { tick, value })
    }

    /// Writes a snapshot of the sealed state at `tick` (not flushed).
    ///
    /// # Errors
    ///
    /// [`RecordError::Io`] or [`RecordError::Codec`].
    pub fn write_snapshot<W: WorkSpace>(
        &mut self,
        tick: Tick,
        state: &W,
    ) -> Result<(), RecordError> {
        let bytes = encode_state(state)?;
        self.record::<()>(&RecordRef::Snapshot {
            tick,
            bytes: &bytes,
        })
    }

    /// Writes an event and flushes.
    ///
    /// # Errors
    ///
    /// [`RecordError::Io`] or [`RecordError::Codec`].
    pub fn write_event(&mut self, tick: Tick, event: &RecordedEvent) -> Result<(), RecordError> {
        self.record::<()>(&RecordRef::Event { tick, event })?;
        self.flush()
    }

    /// Writes one journaled sealed tick (its commits, and its checksum and snapshot
    /// when present) and flushes.
    ///
    /// # Errors
    ///
    /// [`RecordError::Io`] or [`RecordError::Codec`].
    pub fn append<G: Game>(&mut self, entry: &SealedEntry<G>) -> Result<(), RecordError> {
        self.record(&RecordRef::Sealed(SealedRef {
            tick: entry.tick,
            commits: &entry.commits,
        }))?;
        if let Some(value) = entry.checksum {
            self.write_checksum(entry.tick, value)?;
        }
        if let Some(state) = &entry.snapshot {
            self.write_snapshot(entry.tick, state)?;
        }
        self.flush()
    }

    /// Flushes the output.
    ///
    /// # Errors
    ///
    /// [`RecordError::Io`].
    pub fn flush(&mut self) -> Result<(), RecordError> {
        self.out.flush()?;
        Ok(())
    }

    /// Flushes and returns the output.
    ///
    /// # Errors
    ///
    /// [`RecordError::Io`].
    pub fn finish(mut self) -> Result<F, RecordError> {
        self.flush()?;
        Ok(self.out)
    }
}
