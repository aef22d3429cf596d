//! Commits: a game Modification or a host-authored system body, stamped with a tick.

use serde::{Deserialize, Serialize};

use super::ids::{CommitId, PeerId, Tick};

/// What a commit does.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Body<M> {
    /// A game Modification, applied with [`Modification::apply`](crate::Modification::apply).
    Game(M),
    /// A peer joined (host-authored); runs [`WorkSpace::on_join`](crate::WorkSpace::on_join).
    Join {
        /// The peer that joined.
        peer: PeerId,
        /// Its display name.
        name: String,
    },
    /// A peer left (host-authored); runs [`WorkSpace::on_leave`](crate::WorkSpace::on_leave).
    Leave {
        /// The peer that left.
        peer: PeerId,
    },
}

/// A change to the WorkSpace, stamped with the tick at which it takes effect.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Commit<M> {
    /// Unique identity, used for de-duplication.
    pub id: CommitId,
    /// The tick at which it takes effect. The host may re-stamp a late commit to a
    /// later tick when it seals it.
    pub tick: Tick,
    /// What it does.
    pub body: Body<M>,
}

impl<M> Commit<M> {
    /// A game commit.
    pub fn game(id: CommitId, tick: Tick, modification: M) -> Self {
        Commit {
            id,
            tick,
            body: Body::Game(modification),
        }
    }

    /// Whether the body is a system body (`Join` / `Leave`).
    pub fn is_system(&self) -> bool {
        !matches!(self.body, Body::Game(_))
    }

    /// The key of the canonical order of commits within one tick: system commits
    /// first (in the order the host minted them), then game commits by author and
    /// sequence number. The host seals every tick in this order, so a peer that
    /// knows a tick's commits early (its own, and those the host relayed) predicts
    /// exactly the sealed order, whatever order they arrived in.
    pub fn order_key(&self) -> (bool, CommitId) {
        (!self.is_system(), self.id)
    }
}

/// Sorts one tick's commits into the canonical order ([`Commit::order_key`]).
/// Ids are unique within a tick, so the order is total and an unstable sort
/// (in place, no scratch buffer) gives the one result.
pub fn sort_canonical<M>(commits: &mut [Commit<M>]) {
    commits.sort_unstable_by_key(Commit::order_key);
}

/// Two sequences of one tick's commits, each in the canonical order, merged
/// into one in the canonical order (without collecting them).
pub(crate) fn merge_canonical<'a, M: 'a>(
    a: impl Iterator<Item = &'a Commit<M>>,
    b: impl Iterator<Item = &'a Commit<M>>,
) -> impl Iterator<Item = &'a Commit<M>> {
    let (mut a, mut b) = (a.peekable(), b.peekable());
    std::iter::from_fn(move || match (a.peek(), b.peek()) {
        (Some(x), Some(y)) if y.order_key() < x.order_key() => b.next(),
        (Some(_), _) => a.next(),
        (None, _) => b.next(),
    })
}

/// One sealed tick: its commits in the host's sealed order. Every commit in it
/// carries this tick.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SealedTick<M> {
    /// The tick that was sealed.
    pub tick: Tick,
    /// Its commits, in sealed order (the order every peer applies).
    pub commits: Vec<Commit<M>>,
}

impl<M> SealedTick<M> {
    /// A sealed tick with no commits.
    pub fn empty(tick: Tick) -> Self {
        SealedTick {
            tick,
            commits: Vec::new(),
        }
    }

    /// The ids of its commits, in sealed order.
    pub fn ids(&self) -> impl Iterator<Item = CommitId> + '_ {
        self.commits.iter().map(|c| c.id)
    }
}
