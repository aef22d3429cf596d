//! Which commit ids the sequencer has seen: per author a watermark and a
//! window of bits after it, in memory bounded per author whatever the ids.

use std::collections::BTreeMap;

use crate::model::{CommitId, PeerId};

/// Ids an author's window covers after its watermark. An id further behind
/// the author's newest counts as seen: its commit is taken for a duplicate.
/// Authors number their commits from 0 and re-send only unsealed ones (at most
/// 64 at a time, oldest first), so a genuine commit is never that far behind.
pub(super) const WINDOW: u64 = 4096;
const WORDS: usize = (WINDOW / 64) as usize;

/// Per author: every seq below `below` counts as seen; a seq in
/// `below .. below + WINDOW` is seen when its bit (at `seq % WINDOW`) is set.
/// The bits are allocated at the author's first id out of order; while `loose`
/// is 0 none is set and ids in order only move the watermark.
#[derive(Clone, Debug, Default)]
struct AuthorSeen {
    below: u64,
    bits: Vec<u64>,
    loose: u32,
}

impl AuthorSeen {
    fn slot(seq: u64) -> (usize, u64) {
        let at = seq % WINDOW;
        ((at / 64) as usize, 1 << (at % 64))
    }

    fn bit(&self, seq: u64) -> bool {
        let (word, mask) = Self::slot(seq);
        self.loose > 0 && self.bits[word] & mask != 0
    }

    fn contains(&self, seq: u64) -> bool {
        seq < self.below || (seq - self.below < WINDOW && self.bit(seq))
    }

    /// Marks `seq` as seen; returns false if it already counted as seen.
    fn insert(&mut self, seq: u64) -> bool {
        if seq < self.below {
            return false;
        }
        if seq - self.below >= WINDOW {
            self.forget_below(seq - (WINDOW - 1));
        }
        if self.loose == 0 && seq == self.below {
            self.below += 1;
            return true;
        }
        if self.bit(seq) {
            return false;
        }
        if self.bits.is_empty() {
            self.bits = vec![0; WORDS];
        }
        let (word, mask) = Self::slot(seq);
        self.bits[word] |= mask;
        self.loose += 1;
        self.compact();
        true
    }

    /// Moves the watermark past the seen ids right after it.
    fn compact(&mut self) {
        while self.bit(self.below) {
            self.clear(self.below);
            self.below += 1;
        }
    }

    fn clear(&mut self, seq: u64) {
        let (word, mask) = Self::slot(seq);
        if self.bits[word] & mask != 0 {
            self.bits[word] &= !mask;
            self.loose -= 1;
        }
    }

    /// Moves the watermark to `to` (ahead of it), so that the window ends at
    /// `to + WINDOW`: the ids passed over count as seen from now on.
    fn forget_below(&mut self, to: u64) {
        if self.loose > 0 && to - self.below < WINDOW {
            for seq in self.below..to {
                self.clear(seq);
            }
        } else if self.loose > 0 {
            self.bits.fill(0);
            self.loose = 0;
        }
        self.below = to;
        self.compact();
    }
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
            .is_some_and(|a| a.contains(id.seq))
    }

    /// Marks `id` as seen; returns false if it already was.
    pub(super) fn insert(&mut self, id: CommitId) -> bool {
        self.authors.entry(id.author).or_default().insert(id.seq)
    }

    /// Ids held individually (not covered by a watermark): the memory in use.
    #[cfg(test)]
    pub(super) fn loose(&self) -> usize {
        self.authors.values().map(|a| a.loose as usize).sum()
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use proptest::prelude::*;

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

    #[test]
    fn a_gap_left_for_good_costs_one_window_not_one_entry_per_later_id() {
        let mut seen = SeenIds::default();
        // Seq 0 never comes: every later id is out of order.
        for seq in 1..=100_000 {
            assert!(seen.insert(id(1, seq)), "{seq} is new");
        }
        assert!(seen.loose() < WINDOW as usize, "{} loose ids", seen.loose());
        assert!(
            !seen.insert(id(1, 100_000 - 10)),
            "recent ids are remembered"
        );
        assert!(
            !seen.insert(id(1, 0)),
            "an id a window behind counts as seen"
        );
        assert!(!seen.contains(id(1, 100_001)));
    }

    #[test]
    fn an_id_far_ahead_moves_the_window_and_nothing_overflows() {
        let mut seen = SeenIds::default();
        assert!(seen.insert(id(1, 5)));
        assert!(seen.insert(id(1, u64::MAX)));
        assert!(!seen.insert(id(1, u64::MAX)));
        assert!(seen.contains(id(1, 5)) && !seen.contains(id(1, u64::MAX - 1)));
        assert!(seen.insert(id(1, u64::MAX - 1)));
        assert_eq!(seen.loose(), 2);
    }

    proptest! {
        /// Within one window of the newest id the set is exact: it agrees with
        /// a set of every id inserted.
        #[test]
        fn agrees_with_a_plain_set_within_the_window(
            ids in proptest::collection::vec((1u64..4, 0u64..WINDOW), 0..600),
        ) {
            let mut seen = SeenIds::default();
            let mut model = BTreeSet::new();
            for (author, seq) in ids {
                let fresh = model.insert((author, seq));
                prop_assert_eq!(seen.insert(id(author, seq)), fresh);
            }
            for author in 1..4 {
                for seq in 0..WINDOW {
                    prop_assert_eq!(
                        seen.contains(id(author, seq)),
                        model.contains(&(author, seq))
                    );
                }
            }
        }
    }
}
