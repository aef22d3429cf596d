//! Which commit ids the sequencer has seen, in memory bounded by the gaps.

use std::collections::{BTreeMap, BTreeSet};

use crate::model::{CommitId, PeerId};

/// Per author: every seq below `below` was seen, plus the seen ones above it.
/// Authors number their commits from 0 without gaps, so the sets stay small.
#[derive(Clone, Debug, Default)]
struct AuthorSeen {
    below: u64,
    above: BTreeSet<u64>,
}

/// The set of commit ids already accepted.
#[derive(Clone, Debug, Default)]
pub(super) struct SeenIds {
    authors: BTreeMap<PeerId, AuthorSeen>,
}

impl SeenIds {
    pub(super) fn contains(&self, id: CommitId) -> bool {
        self.authors
            .get(&id.author)
            .is_some_and(|a| id.seq < a.below || a.above.contains(&id.seq))
    }

    /// Marks `id` as seen; returns false if it already was.
    pub(super) fn insert(&mut self, id: CommitId) -> bool {
        let a = self.authors.entry(id.author).or_default();
        if id.seq < a.below || !a.above.insert(id.seq) {
            return false;
        }
        while a.above.remove(&a.below) {
            a.below += 1;
        }
        true
    }

    /// Ids held individually (not covered by a watermark): the memory in use.
    #[cfg(test)]
    pub(super) fn loose(&self) -> usize {
        self.authors.values().map(|a| a.above.len()).sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn id(author: u64, seq: u64) -> CommitId {
        CommitId {
            author: PeerId(author),
            seq,
        }
    }

    #[test]
    fn out_of_order_ids_compact_once_the_gaps_fill() {
        let mut seen = SeenIds::default();
        assert!(seen.insert(id(1, 2)));
        assert!(seen.insert(id(1, 0)));
        assert!(!seen.insert(id(1, 2)));
        assert_eq!(seen.loose(), 1);
        assert!(seen.insert(id(1, 1)));
        assert_eq!(seen.loose(), 0);
        assert!(seen.contains(id(1, 0)) && seen.contains(id(1, 2)));
        assert!(!seen.contains(id(1, 3)) && !seen.contains(id(2, 0)));
    }
}
