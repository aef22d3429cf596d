//! Finding where two recordings of one session diverge, and what differs.
//!
//! 1. Each file is indexed in one streaming pass ([`Index`]): sampled state
//!    checksums, snapshot positions, recorded heals. Memory is capped whatever the
//!    file sizes.
//! 2. The two checksum lists are walked together over the ticks both recordings
//!    cover, to the first tick whose recorded states differ. The walk is exact even
//!    when a healed peer agrees again later, which a binary search would miss.
//! 3. Only the gap before that tick is re-simulated, in both files from their
//!    nearest snapshot, to name the exact first tick; the two states there are
//!    diffed field by field. When re-simulating both logs does not reproduce the
//!    difference, a peer computed differently from its log: its recorded snapshot
//!    or its recorded heal names the fields.

use std::path::Path;

use crate::model::{Commit, Game, Tick, WorkSpace};

use super::cursor::Cursor;
use super::diff::{DEFAULT_FIELD_LIMIT, StateDiff, diff_states};
use super::error::RecordError;
use super::error::ReplayError;
use super::index::{Index, first_difference};
use super::reader::{Expect, Stopped};
use super::stream::RecordStream;

/// Where the listed fields come from.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum FieldsFrom {
    /// The two states at the diverging tick (re-simulated or recorded).
    States,
    /// A peer's own record of the fields that differed when it was healed at `tick`.
    RecordedHeal {
        /// The heal tick.
        tick: Tick,
    },
    /// Nothing names the fields (no snapshot and no heal was recorded), or the
    /// states cannot be diffed; the text says which.
    Unknown(String),
}

/// The first tick at which two recordings disagree, and what differs there.
#[derive(Clone, Debug)]
pub struct Divergence<M> {
    /// The first tick whose sealed state differs.
    pub tick: Tick,
    /// Whether re-simulating both logs reproduces the difference (false: a peer
    /// computed something else than its own log says, e.g. non-deterministic code).
    pub reproduced: bool,
    /// Recording A's checksum at that tick (recorded, or re-simulated).
    pub checksum_a: u64,
    /// Recording B's checksum at that tick.
    pub checksum_b: u64,
    /// The commits A sealed at that tick.
    pub commits_a: Vec<Commit<M>>,
    /// The commits B sealed at that tick.
    pub commits_b: Vec<Commit<M>>,
    /// The fields that differ.
    pub fields: StateDiff,
    /// Where `fields` come from.
    pub fields_from: FieldsFrom,
}

/// The outcome of [`bisect`].
#[derive(Clone, Debug)]
pub struct Bisection<M> {
    /// Ticks recording A covers: (start state, last sealed tick).
    pub range_a: (Tick, Tick),
    /// Ticks recording B covers.
    pub range_b: (Tick, Tick),
    /// The ticks both cover; `None` when they do not overlap (nothing compared).
    pub common: Option<(Tick, Tick)>,
    /// Ticks at which both recorded a checksum or snapshot, compared.
    pub compared: usize,
    /// Ticks re-simulated (both files together).
    pub resimulated: u64,
    /// The first divergence, if any.
    pub divergence: Option<Divergence<M>>,
    /// A damaged tail of A (only the ticks before it were compared).
    pub damaged_a: Option<Stopped>,
    /// A damaged tail of B.
    pub damaged_b: Option<Stopped>,
}

impl<M> Bisection<M> {
    /// Whether the recordings agree over the ticks both cover.
    pub fn agree(&self) -> bool {
        self.divergence.is_none()
    }
}

/// Compares two recordings of one session, read from their files in bounded
/// memory (see the module documentation).
///
/// # Errors
///
/// [`ReplayError::Read`] if a file cannot be opened as a recording of `G`;
/// [`ReplayError::NotSameSession`]; decoding errors of start states or snapshots.
pub fn bisect<G: Game>(a: &Path, b: &Path) -> Result<Bisection<G::Move>, ReplayError> {
    // The schema is traced once for the four streams opened below.
    let expect = Expect::of::<G>().map_err(RecordError::from)?;
    let ia = Index::build(RecordStream::<G>::open_with(a, &expect)?);
    let ib = Index::build(RecordStream::<G>::open_with(b, &expect)?);
    same_session(&ia, &ib)?;
    let range = |i: &Index| (i.header.start_tick, i.last_tick);
    let mut out = Bisection {
        range_a: range(&ia),
        range_b: range(&ib),
        common: None,
        compared: 0,
        resimulated: 0,
        divergence: None,
        damaged_a: ia.stopped.clone(),
        damaged_b: ib.stopped.clone(),
    };
    let lo = ia.header.start_tick.max(ib.header.start_tick);
    let hi = ia.last_tick.min(ib.last_tick);
    if lo > hi {
        return Ok(out);
    }
    out.common = Some((lo, hi));
    let (agreed, differs, compared) = first_difference(&ia.sums, &ib.sums, lo, hi);
    out.compared = compared;
    let from = agreed.unwrap_or(lo);
    let to = differs.unwrap_or(hi);
    let mut ca = Cursor::<G>::open_at(a, &expect, &ia, from)?;
    let mut cb = Cursor::<G>::open_at(b, &expect, &ib, from)?;
    let start_differs = agreed.is_none() && ca.checksum() != cb.checksum();
    let mut found = start_differs.then_some(from);
    while found.is_none() && ca.tick < to && ca.step() && cb.step() {
        if ca.checksum() != cb.checksum() {
            found = Some(ca.tick);
        }
    }
    out.resimulated = ca.stepped + cb.stepped;
    out.divergence = match (found, differs) {
        (Some(_), _) => Some(reproduced(&ca, &cb)),
        (None, Some(_)) => Some(unreproduced(&ca, &cb, &ia, &ib)),
        (None, None) => None,
    };
    Ok(out)
}

fn same_session(a: &Index, b: &Index) -> Result<(), ReplayError> {
    // Both files were opened as recordings of one game and schema.
    let (ha, hb) = (&a.header, &b.header);
    if ha.seed != hb.seed {
        let why = format!("seeds {} and {}", ha.seed, hb.seed);
        return Err(ReplayError::NotSameSession(why));
    }
    Ok(())
}

/// Both cursors stand at the first tick whose re-simulated states differ.
fn reproduced<G: Game>(a: &Cursor<G>, b: &Cursor<G>) -> Divergence<G::Move> {
    let (fields, fields_from) = diff_or_why(&a.state, &b.state);
    Divergence {
        tick: a.tick,
        reproduced: true,
        checksum_a: a.checksum(),
        checksum_b: b.checksum(),
        commits_a: a.commits.clone(),
        commits_b: b.commits.clone(),
        fields,
        fields_from,
    }
}

/// The recorded checksums differ at the cursors' tick, but the logs re-simulate
/// alike: the recorded snapshots, or a recorded heal, name the fields.
fn unreproduced<G: Game>(
    a: &Cursor<G>,
    b: &Cursor<G>,
    ia: &Index,
    ib: &Index,
) -> Divergence<G::Move> {
    let tick = a.tick;
    let states = a
        .recorded_state()
        .and_then(|sa| Ok((sa, b.recorded_state()?)));
    let (mut fields, mut fields_from) = match &states {
        Ok((sa, sb)) => diff_or_why(sa, sb),
        Err(e) => (StateDiff::default(), FieldsFrom::Unknown(e.to_string())),
    };
    if fields.is_empty() {
        // A heal records (this peer's value, the host's); B's is turned to (A, B).
        let from_a = ia.healed.iter().map(|h| (h, false));
        let from_b = ib.healed.iter().map(|h| (h, true));
        let heal = from_a.chain(from_b).filter(|((t, _), _)| *t >= tick);
        if let Some(((at, recorded), turn)) = heal.min_by_key(|((t, _), _)| *t) {
            let mut listed = recorded.clone();
            if turn {
                for f in &mut listed {
                    std::mem::swap(&mut f.a, &mut f.b);
                }
            }
            fields = StateDiff {
                fields: listed,
                more: 0,
            };
            fields_from = FieldsFrom::RecordedHeal { tick: *at };
        } else if matches!(fields_from, FieldsFrom::States) {
            fields_from = FieldsFrom::Unknown(
                "only checksums were recorded at this tick, and no heal followed".into(),
            );
        }
    }
    let sum = |c: &Cursor<G>| c.recorded_sum.unwrap_or_else(|| c.checksum());
    Divergence {
        tick,
        reproduced: false,
        checksum_a: sum(a),
        checksum_b: sum(b),
        commits_a: a.commits.clone(),
        commits_b: b.commits.clone(),
        fields,
        fields_from,
    }
}

fn diff_or_why<W: WorkSpace>(a: &W, b: &W) -> (StateDiff, FieldsFrom) {
    match diff_states(a, b, DEFAULT_FIELD_LIMIT) {
        Ok(diff) => (diff, FieldsFrom::States),
        Err(e) => (StateDiff::default(), FieldsFrom::Unknown(e.to_string())),
    }
}
