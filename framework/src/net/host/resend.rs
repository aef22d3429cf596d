//! The host's resend buffer: recent sealed ticks, each encoded once when it was
//! sealed, from which frames, resumes and gap repairs are cut.

use std::collections::VecDeque;

use serde::Serialize;

use crate::model::{SealedTick, Tick};
use crate::net::assembled::{EncodedRun, part};
use crate::net::protocol::MAX_SEALED_RUN;

/// Consecutive sealed ticks, the oldest first, with their bytes (`None`: the
/// tick could not be encoded, which was logged; no run passes it).
#[derive(Debug)]
pub(super) struct ResendBuffer<M> {
    ticks: VecDeque<(SealedTick<M>, Option<Vec<u8>>)>,
}

impl<M> Default for ResendBuffer<M> {
    fn default() -> Self {
        ResendBuffer {
            ticks: VecDeque::new(),
        }
    }
}

impl<M: Serialize + Clone> ResendBuffer<M> {
    /// Keeps a newly sealed tick (the next after the last one kept).
    pub(super) fn push(&mut self, st: &SealedTick<M>) {
        let bytes = part(st)
            .inspect_err(|e| tracing::error!("cannot encode sealed tick {}: {e}", st.tick))
            .ok();
        self.ticks.push_back((st.clone(), bytes));
    }

    /// The ticks from `from` on, within `budget` bytes and [`MAX_SEALED_RUN`]
    /// ticks, as a run that lists only ticks with commits. An empty run
    /// (`through` = `from` - 1) when there is nothing to send. The first tick
    /// with commits goes out even when it alone exceeds the budget (a busy
    /// room's relays may leave none): sealed ticks never starve.
    pub(super) fn run_from(&self, from: Tick, mut budget: usize) -> EncodedRun<'_> {
        let mut run = EncodedRun {
            from,
            through: Tick(from.0.saturating_sub(1)),
            ticks: Vec::new(),
        };
        for (st, bytes) in self.ticks.iter().skip(self.index_of(from)) {
            if st.tick.since(from) >= MAX_SEALED_RUN {
                break;
            }
            if !st.commits.is_empty() {
                let Some(bytes) = bytes else { break };
                if bytes.len() > budget && !run.ticks.is_empty() {
                    break;
                }
                budget = budget.saturating_sub(bytes.len());
                run.ticks.push(bytes);
            }
            run.through = st.tick;
        }
        run
    }

    /// Every kept tick after `tick` (a resuming client's catch-up).
    pub(super) fn after(&self, tick: Tick) -> Vec<SealedTick<M>> {
        self.ticks
            .iter()
            .skip(self.index_of(tick.next()))
            .map(|(st, _)| st.clone())
            .collect()
    }

    /// Whether a peer holding sealed tick `tick` can catch up from the buffer
    /// alone, with `sealed` the last sealed tick.
    pub(super) fn covers_after(&self, tick: Tick, sealed: Tick) -> bool {
        tick <= sealed
            && (tick == sealed
                || self
                    .ticks
                    .front()
                    .is_some_and(|(st, _)| st.tick <= tick.next()))
    }

    /// Forgets the ticks up to and including `tick`.
    pub(super) fn trim_through(&mut self, tick: Tick) {
        while self.ticks.front().is_some_and(|(st, _)| st.tick <= tick) {
            self.ticks.pop_front();
        }
    }

    /// The position of `tick` in the buffer (0 when it is older than what is kept).
    fn index_of(&self, tick: Tick) -> usize {
        self.ticks
            .front()
            .map_or(0, |(first, _)| tick.since(first.tick) as usize)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Commit, CommitId, PeerId};

    fn buffer(through: u64, with_commits: &[u64]) -> ResendBuffer<u8> {
        let mut b = ResendBuffer::default();
        for t in 1..=through {
            let mut st = SealedTick::empty(Tick(t));
            if with_commits.contains(&t) {
                let id = CommitId {
                    author: PeerId(1),
                    seq: t,
                };
                st.commits.push(Commit::game(id, Tick(t), 7u8));
            }
            b.push(&st);
        }
        b
    }

    /// The bytes kept for `tick`: the tick encoded.
    fn bytes_of(b: &ResendBuffer<u8>, tick: u64) -> &[u8] {
        let (st, bytes) = &b.ticks[b.index_of(Tick(tick))];
        let bytes = bytes.as_deref().expect("encoded");
        assert_eq!(bytes, part(st).expect("encodes"));
        bytes
    }

    #[test]
    fn a_run_lists_only_the_ticks_with_commits() {
        let b = buffer(10, &[3, 7]);
        let run = b.run_from(Tick(2), 1000);
        assert_eq!((run.from, run.through), (Tick(2), Tick(10)));
        let listed: Vec<&[u8]> = run.ticks.clone();
        assert_eq!(listed, vec![bytes_of(&b, 3), bytes_of(&b, 7)]);
    }

    #[test]
    fn a_run_stops_before_the_first_tick_over_budget() {
        let b = buffer(10, &[3, 7]);
        let one = bytes_of(&b, 3).len();
        let run = b.run_from(Tick(1), one);
        assert_eq!(run.through, Tick(6), "tick 7 did not fit");
        assert_eq!(run.ticks.len(), 1);
        let none = b.run_from(Tick(11), 1000);
        assert_eq!((none.from, none.through), (Tick(11), Tick(10)), "empty run");
        assert!(none.ticks.is_empty());
    }

    #[test]
    fn the_first_tick_with_commits_goes_out_even_over_budget() {
        let b = buffer(10, &[3, 7]);
        // Relays took the whole frame: the sealed ticks still progress.
        let run = b.run_from(Tick(1), 0);
        assert_eq!(run.through, Tick(6), "tick 3 alone, up to tick 7");
        assert_eq!(run.ticks, vec![bytes_of(&b, 3)]);
    }

    #[test]
    fn trimming_keeps_resumes_possible_only_from_what_is_kept() {
        let mut b = buffer(10, &[3]);
        assert!(b.covers_after(Tick(0), Tick(10)));
        b.trim_through(Tick(4));
        assert_eq!(b.after(Tick(7)).len(), 3);
        assert!(b.covers_after(Tick(4), Tick(10)));
        assert!(!b.covers_after(Tick(2), Tick(10)), "ticks 3 and 4 are gone");
        assert!(b.covers_after(Tick(10), Tick(10)), "nothing to catch up");
        assert!(
            !b.covers_after(Tick(11), Tick(10)),
            "a claim from the future"
        );
        assert_eq!(b.run_from(Tick(2), 1000).from, Tick(2));
    }
}
