//! What both sessions do with sealed ticks: roster, join/leave events, recording.

use std::collections::BTreeMap;
use std::fs::File;
use std::io::BufWriter;
use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

use crate::model::codec::encode_state;
use crate::model::{Body, Game, PeerId, Tick, WorkSpace};
use crate::record::{Header, RecordError, RecordedEvent, RecordingWriter};
use crate::timeline::SealedEntry;

use super::events::SessionEvent;

/// Names of the peers in the sealed state, kept from sealed `Join` / `Leave`,
/// and the lowest peer id not seen yet.
#[derive(Clone, Debug, Default)]
pub(super) struct Roster {
    pub(super) names: BTreeMap<PeerId, String>,
    next_peer: u64,
}

impl Roster {
    /// A roster of `names` (a host's announcement, a handed-over session).
    pub(super) fn from_entries(names: impl Iterator<Item = (PeerId, String)>) -> Self {
        let mut roster = Roster::default();
        for (peer, name) in names {
            roster.saw(peer);
            roster.names.insert(peer, name);
        }
        roster
    }

    /// The lowest peer id above every one this roster has seen.
    pub(super) fn next_peer(&self) -> PeerId {
        PeerId(self.next_peer)
    }

    fn saw(&mut self, peer: PeerId) {
        if peer != PeerId::SYSTEM {
            self.next_peer = self.next_peer.max(peer.0.saturating_add(1));
        }
    }

    /// Updates the roster from a sealed tick and reports joins and leaves.
    pub(super) fn observe<G: Game>(
        &mut self,
        entry: &SealedEntry<G>,
        events: &mut Vec<SessionEvent>,
    ) {
        for commit in &entry.commits {
            match &commit.body {
                Body::Join { peer, name } => {
                    self.saw(*peer);
                    self.names.insert(*peer, name.clone());
                    events.push(SessionEvent::Joined {
                        peer: *peer,
                        name: name.clone(),
                    });
                }
                Body::Leave { peer } => {
                    let name = self.names.remove(peer).unwrap_or_default();
                    events.push(SessionEvent::Left { peer: *peer, name });
                }
                Body::Game(_) => {}
            }
        }
    }
}

/// How many seconds of checksums a session keeps (host and client alike).
pub(super) const CHECKSUM_HISTORY_SECS: u64 = 60;

/// The checksums a session computed of its recent sealed states, kept for a
/// window of ticks so that peers can be compared at a common tick.
#[derive(Clone, Debug)]
pub(super) struct Checksums {
    by_tick: BTreeMap<Tick, u64>,
    /// Ticks kept behind the last sealed one.
    keep: u64,
}

impl Checksums {
    /// Keeps `keep` ticks behind the last sealed one.
    pub(super) fn new(keep: u64) -> Self {
        Checksums {
            by_tick: BTreeMap::new(),
            keep,
        }
    }

    /// Notes a journaled tick's checksum, if it has one, and forgets what fell out
    /// of the window.
    pub(super) fn observe<G: Game>(&mut self, entry: &SealedEntry<G>) {
        let Some(sum) = entry.checksum else { return };
        self.by_tick.insert(entry.tick, sum);
        while self
            .by_tick
            .first_key_value()
            .is_some_and(|(t, _)| entry.tick.since(*t) > self.keep)
        {
            self.by_tick.pop_first();
        }
    }

    /// The checksum of the sealed state at `tick`, if computed and still kept.
    pub(super) fn at(&self, tick: Tick) -> Option<u64> {
        self.by_tick.get(&tick).copied()
    }
}

/// A session's recording file.
pub(super) struct Recorder {
    writer: RecordingWriter<BufWriter<File>>,
}

impl Recorder {
    /// Creates the file (and its folder) and writes the header.
    pub(super) fn create<W: WorkSpace>(
        path: &Path,
        game_id: &str,
        schema_hash: u64,
        tick_rate: u32,
        seed: u64,
        start: (Tick, &W),
    ) -> Result<Self, RecordError> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir)?;
        }
        let header = Header {
            game_id: game_id.to_string(),
            schema_hash,
            tick_rate,
            seed,
            start_tick: start.0,
            genesis: encode_state(start.1)?,
            created_unix_ms: SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .unwrap_or_default()
                .as_millis() as u64,
        };
        Ok(Recorder {
            writer: RecordingWriter::create(path, &header)?,
        })
    }

    pub(super) fn append<G: Game>(&mut self, entry: &SealedEntry<G>) -> Result<(), RecordError> {
        self.writer.append(entry)
    }

    pub(super) fn event(&mut self, tick: Tick, event: &RecordedEvent) -> Result<(), RecordError> {
        self.writer.write_event(tick, event)
    }

    /// Writes out what is buffered and syncs the file to disk.
    pub(super) fn finish(self) -> Result<(), RecordError> {
        let file = self.writer.finish()?;
        file.into_inner()
            .map_err(|e| RecordError::Io(e.into_error()))?
            .sync_all()?;
        Ok(())
    }
}

/// Appends to the recording; on failure reports it once and stops recording.
pub(super) fn record_entry<G: Game>(
    recorder: &mut Option<Recorder>,
    entry: &SealedEntry<G>,
    events: &mut Vec<SessionEvent>,
) {
    if let Some(rec) = recorder
        && let Err(e) = rec.append(entry)
    {
        tracing::error!("recording stopped: {e}");
        events.push(SessionEvent::RecordingFailed {
            reason: e.to_string(),
        });
        *recorder = None;
    }
}

/// Records an event; on failure reports it once and stops recording.
pub(super) fn record_event(
    recorder: &mut Option<Recorder>,
    tick: Tick,
    event: &RecordedEvent,
    events: &mut Vec<SessionEvent>,
) {
    if let Some(rec) = recorder
        && let Err(e) = rec.event(tick, event)
    {
        tracing::error!("recording stopped: {e}");
        events.push(SessionEvent::RecordingFailed {
            reason: e.to_string(),
        });
        *recorder = None;
    }
}

/// The path of the `n`-th recording segment (`n` = 0 is `path` itself).
pub(super) fn segment_path(path: &Path, n: u32) -> PathBuf {
    if n == 0 {
        return path.to_path_buf();
    }
    let mut name = path
        .file_name()
        .map(|s| s.to_os_string())
        .unwrap_or_default();
    name.push(format!(".{n}"));
    path.with_file_name(name)
}
