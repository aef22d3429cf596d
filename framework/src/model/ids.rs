//! Identifiers: ticks, peers and commits.

use std::fmt;

use serde::{Deserialize, Serialize};

/// Index of a simulation step.
///
/// Tick 0 is the genesis state; the first tick that can carry commits is tick 1.
/// The state "at tick T" is the state after T's sealed commits were applied, in
/// sealed order, and then [`WorkSpace::step`](crate::WorkSpace::step) ran.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
pub struct Tick(pub u64);

impl Tick {
    /// The genesis tick: the state before any commit.
    pub const GENESIS: Tick = Tick(0);

    /// The largest tick a session may reach (2^48: almost 37,000 years at 240 Hz).
    /// Ticks read from outside (recordings, the network) above it are refused, so
    /// that tick arithmetic on them can never overflow.
    pub const MAX: Tick = Tick(1 << 48);

    /// The tick after this one (saturating at `u64::MAX`).
    #[must_use]
    pub const fn next(self) -> Tick {
        Tick(self.0.saturating_add(1))
    }

    /// This tick moved `n` ticks forward (saturating at `u64::MAX`).
    #[must_use]
    pub const fn plus(self, n: u64) -> Tick {
        Tick(self.0.saturating_add(n))
    }

    /// Whether this tick is within [`Tick::MAX`].
    #[must_use]
    pub const fn in_range(self) -> bool {
        self.0 <= Tick::MAX.0
    }

    /// How many ticks lie between `earlier` and `self` (0 if `earlier` is later).
    #[must_use]
    pub const fn since(self, earlier: Tick) -> u64 {
        self.0.saturating_sub(earlier.0)
    }
}

impl fmt::Display for Tick {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// A participant in a session. The host assigns ids; on renet it is tied to the
/// connection.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
pub struct PeerId(pub u64);

impl PeerId {
    /// The host's own player (a listen server plays as peer 0).
    pub const HOST: PeerId = PeerId(0);
    /// Author of the host-minted system commits (`Join`, `Leave`). No connection is
    /// ever given this id, so a game can tell system commits from players' ones.
    pub const SYSTEM: PeerId = PeerId(u64::MAX);
}

impl fmt::Display for PeerId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if *self == PeerId::SYSTEM {
            f.write_str("system")
        } else {
            write!(f, "peer{}", self.0)
        }
    }
}

/// Unique identity of a commit: its author and the author's sequence number.
/// Two commits with the same id are the same commit; the host seals it once.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
pub struct CommitId {
    /// Who made the commit.
    pub author: PeerId,
    /// The author's own counter, starting at 0.
    pub seq: u64,
}

impl fmt::Display for CommitId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}#{}", self.author, self.seq)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tick_arithmetic() {
        assert_eq!(Tick(3).next(), Tick(4));
        assert_eq!(Tick(3).plus(5), Tick(8));
        assert_eq!(Tick(8).since(Tick(3)), 5);
        assert_eq!(Tick(3).since(Tick(8)), 0);
    }

    #[test]
    fn commit_ids_order_by_author_then_seq() {
        let a = CommitId {
            author: PeerId(1),
            seq: 9,
        };
        let b = CommitId {
            author: PeerId(2),
            seq: 0,
        };
        let c = CommitId {
            author: PeerId(2),
            seq: 1,
        };
        assert!(a < b && b < c);
        assert_eq!(c.to_string(), "peer2#1");
        assert_eq!(PeerId::SYSTEM.to_string(), "system");
    }
}
