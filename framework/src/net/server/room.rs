//! One room of a server: a dedicated host session on the server's transport
//! (lent to it for each update), with its recording's path and what it cost.

use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use crate::model::{Game, Tick};
use crate::net::HostSession;
use crate::record::utc_stamp;
use crate::transport::HostTransport;

use super::link::RoomLink;

/// What one room holds and costs.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct RoomStats {
    /// Players connected now.
    pub players: usize,
    /// Spectators connected now.
    pub spectators: usize,
    /// The room's last sealed tick.
    pub sealed_tick: Tick,
    /// Bytes the room received.
    pub bytes_in: u64,
    /// Bytes the room sent.
    pub bytes_out: u64,
    /// Server time spent in the room's updates.
    pub busy: Duration,
    /// Updates run.
    pub updates: u64,
}

pub(super) struct Room<G: Game, T> {
    pub(super) session: HostSession<G, RoomLink<T>>,
    pub(super) recording: Option<PathBuf>,
    pub(super) busy: Duration,
    pub(super) updates: u64,
    /// The room's next tick: before it, the room is updated only for events.
    pub(super) due_at: Duration,
}

impl<G: Game, T: HostTransport> Room<G, T> {
    pub(super) fn stats(&self) -> RoomStats {
        let s = self.session.stats();
        RoomStats {
            players: self.session.player_counts().1,
            spectators: self.session.spectator_count(),
            sealed_tick: self.session.sealed_tick(),
            bytes_in: s.bytes_in,
            bytes_out: s.bytes_out,
            busy: self.busy,
            updates: self.updates,
        }
    }
}

/// `DIR/NAME-YYYYMMDD-HHMMSS.tlrec` (UTC), with `-2`, `-3`... when a room of
/// the same name was opened in the same second.
pub(super) fn recording_path(dir: &Path, room: &str, at: SystemTime) -> PathBuf {
    let secs = at.duration_since(UNIX_EPOCH).unwrap_or_default().as_secs();
    let stamp = utc_stamp(secs);
    let mut path = dir.join(format!("{room}-{stamp}.tlrec"));
    let mut n = 2u32;
    while path.exists() {
        path = dir.join(format!("{room}-{stamp}-{n}.tlrec"));
        n += 1;
    }
    path
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_room_of_the_same_name_in_the_same_second_gets_its_own_file() {
        let dir = tempfile::tempdir().expect("temp dir");
        let at = UNIX_EPOCH + Duration::from_secs(1_764_692_107);
        let first = recording_path(dir.path(), "blue", at);
        assert!(first.ends_with("blue-20251202-161507.tlrec"));
        std::fs::write(&first, b"x").expect("write");
        let second = recording_path(dir.path(), "blue", at);
        assert!(second.ends_with("blue-20251202-161507-2.tlrec"));
    }
}
