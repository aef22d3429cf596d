//! A bounded index of one recording, built in one streaming pass: sampled state
//! checksums, where the snapshots are, and the field differences recorded at heals.
//! Its size is capped whatever the length of the recording.

use std::io::Read;

use crate::model::checksum::checksum_bytes;
use crate::model::{Game, Tick};

use super::diff::FieldDiff;
use super::format::{Header, Record, RecordedEvent};
use super::reader::Stopped;
use super::stream::RecordStream;

/// Most checksum samples kept per recording (1 MiB).
pub(super) const MAX_SAMPLES: usize = 1 << 16;
/// Most snapshot positions kept per recording.
pub(super) const MAX_SNAPSHOTS: usize = 1 << 12;
/// Most recorded field differences kept per recording.
const MAX_RECORDED_DIFFS: usize = 16;

/// Values at ticks, thinned to every `stride`-th tick (a power of two) whenever
/// more than `cap` are held. Two lists thinned this way still share their ticks:
/// the coarser one's ticks are a subset of the finer one's.
#[derive(Clone, Debug)]
pub(super) struct Thinned<T> {
    stride: u64,
    cap: usize,
    pub(super) items: Vec<(Tick, T)>,
}

impl<T> Thinned<T> {
    pub(super) fn new(cap: usize) -> Self {
        Thinned {
            stride: 1,
            cap,
            items: Vec::new(),
        }
    }

    /// Adds the value at `tick` (ticks come in non-decreasing order; a second value
    /// for the same tick replaces the first).
    pub(super) fn push(&mut self, tick: Tick, value: T) {
        if !tick.0.is_multiple_of(self.stride) {
            return;
        }
        match self.items.last_mut() {
            Some((t, v)) if *t == tick => *v = value,
            _ => self.items.push((tick, value)),
        }
        while self.items.len() > self.cap {
            self.stride = self.stride.saturating_mul(2);
            let stride = self.stride;
            self.items.retain(|(t, _)| t.0.is_multiple_of(stride));
        }
    }

    /// The last item at or before `tick`.
    pub(super) fn at_or_before(&self, tick: Tick) -> Option<&(Tick, T)> {
        let after = self.items.partition_point(|(t, _)| *t <= tick);
        after.checked_sub(1).and_then(|i| self.items.get(i))
    }
}

/// What a first pass learns about a recording.
#[derive(Clone, Debug)]
pub(super) struct Index {
    pub(super) header: Header,
    pub(super) last_tick: Tick,
    pub(super) stopped: Option<Stopped>,
    /// Checksums of the recorded state (recorded checksums, snapshots, the start).
    pub(super) sums: Thinned<u64>,
    /// Offsets of snapshot frames.
    pub(super) snapshots: Thinned<u64>,
    /// Field differences a peer recorded when it was healed.
    pub(super) healed: Vec<(Tick, Vec<FieldDiff>)>,
}

impl Index {
    /// Reads `stream` to its end (or its damage).
    pub(super) fn build<G: Game, R: Read>(mut stream: RecordStream<G, R>) -> Self {
        let header = stream.header().clone();
        let mut index = Index {
            last_tick: header.start_tick,
            stopped: None,
            sums: Thinned::new(MAX_SAMPLES),
            snapshots: Thinned::new(MAX_SNAPSHOTS),
            healed: Vec::new(),
            header,
        };
        index.sums.push(
            index.header.start_tick,
            checksum_bytes(&index.header.genesis),
        );
        while let Some((offset, record)) = stream.next_record() {
            match record {
                Record::Sealed(_) => {}
                Record::Checksum { tick, value } => index.sums.push(tick, value),
                Record::Snapshot { tick, bytes } => {
                    index.sums.push(tick, checksum_bytes(&bytes));
                    index.snapshots.push(tick, offset);
                }
                Record::Event { tick, event } => index.event(tick, event),
            }
        }
        index.last_tick = stream.last_tick();
        index.stopped = stream.stopped().cloned();
        index
    }

    fn event(&mut self, tick: Tick, event: RecordedEvent) {
        if let RecordedEvent::Healed { fields, .. } = event
            && self.healed.len() < MAX_RECORDED_DIFFS
        {
            self.healed.push((tick, fields));
        }
    }
}

/// Walks two sample lists together: the last tick at which both agree before the
/// first at which both differ, and that first differing tick, within `lo..=hi`.
/// Counts the ticks compared.
pub(super) fn first_difference(
    a: &Thinned<u64>,
    b: &Thinned<u64>,
    lo: Tick,
    hi: Tick,
) -> (Option<Tick>, Option<Tick>, usize) {
    let (mut i, mut j) = (0, 0);
    let (mut agreed, mut compared) = (None, 0);
    let (ia, ib) = (&a.items, &b.items);
    while let (Some(&(ta, sa)), Some(&(tb, sb))) = (ia.get(i), ib.get(j)) {
        if ta < tb {
            i += 1;
        } else if tb < ta {
            j += 1;
        } else {
            if ta > hi {
                break;
            }
            if ta >= lo {
                compared += 1;
                if sa != sb {
                    return (agreed, Some(ta), compared);
                }
                agreed = Some(ta);
            }
            i += 1;
            j += 1;
        }
    }
    (agreed, None, compared)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thinning_keeps_a_bounded_shared_grid() {
        let mut fine = Thinned::new(8);
        let mut coarse = Thinned::new(3);
        for t in 0..100 {
            fine.push(Tick(t), t);
            coarse.push(Tick(t), t);
        }
        assert!(fine.items.len() <= 8 && coarse.items.len() <= 3);
        let fine_ticks: Vec<Tick> = fine.items.iter().map(|(t, _)| *t).collect();
        assert!(coarse.items.iter().all(|(t, _)| fine_ticks.contains(t)));
        assert_eq!(fine.at_or_before(Tick(50)).map(|(t, _)| *t), Some(Tick(48)));
    }

    #[test]
    fn the_walk_finds_the_first_difference_even_after_agreement_returns() {
        let mut a = Thinned::new(100);
        let mut b = Thinned::new(100);
        for t in 0..50u64 {
            a.push(Tick(t), t);
            // Differs on 20..30 only (a healed peer agrees again afterwards).
            b.push(Tick(t), if (20..30).contains(&t) { t + 1 } else { t });
        }
        let (agreed, differs, compared) = first_difference(&a, &b, Tick(5), Tick(49));
        assert_eq!((agreed, differs), (Some(Tick(19)), Some(Tick(20))));
        assert_eq!(compared, 16);
        let (agreed, differs, _) = first_difference(&a, &b, Tick(30), Tick(49));
        assert_eq!((agreed, differs), (Some(Tick(49)), None));
    }
}
