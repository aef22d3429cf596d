//! Comparing two recordings of one session: where did they diverge?

use crate::model::codec::encode;
use crate::model::{Commit, Modification, Tick, WorkSpace};

use super::error::ReplayError;
use super::reader::Recording;
use super::replayer::Replayer;

/// The first tick at which two recordings disagree.
#[derive(Clone, Debug)]
pub struct Divergence<M> {
    /// The first tick whose sealed state differs.
    pub tick: Tick,
    /// Recording A's checksum at that tick (recorded, or re-simulated if none was).
    pub checksum_a: u64,
    /// Recording B's checksum at that tick.
    pub checksum_b: u64,
    /// The commits A sealed at that tick.
    pub commits_a: Vec<Commit<M>>,
    /// The commits B sealed at that tick.
    pub commits_b: Vec<Commit<M>>,
}

/// The outcome of [`compare`].
#[derive(Clone, Debug)]
pub struct Comparison<M> {
    /// The ticks both recordings cover: (later start tick, earlier last tick).
    pub common: (Tick, Tick),
    /// The first tick whose state differs, if any.
    pub divergence: Option<Divergence<M>>,
    /// The first tick whose sealed commits differ, if any (it may leave the state
    /// unchanged, so it is reported apart).
    pub first_log_difference: Option<Tick>,
}

impl<M> Comparison<M> {
    /// Whether the two recordings agree over their common ticks.
    pub fn agree(&self) -> bool {
        self.divergence.is_none()
    }
}

/// Finds the first tick at which two recordings of one session disagree.
///
/// Recorded checksums are compared first. Between the last agreeing and the first
/// differing recorded checksum (or over ticks without recorded checksums), both
/// recordings are re-simulated here tick by tick to name the exact first tick.
///
/// # Errors
///
/// [`ReplayError::NotSameSession`] when game ids or seeds differ; decoding errors
/// of start states or snapshots.
pub fn compare<W: WorkSpace, M: Modification<W>>(
    a: &Recording<M>,
    b: &Recording<M>,
) -> Result<Comparison<M>, ReplayError> {
    if a.header.game_id != b.header.game_id {
        let why = format!("games {:?} and {:?}", a.header.game_id, b.header.game_id);
        return Err(ReplayError::NotSameSession(why));
    }
    if a.header.seed != b.header.seed {
        let why = format!("seeds {} and {}", a.header.seed, b.header.seed);
        return Err(ReplayError::NotSameSession(why));
    }
    let lo = a.start_tick().max(b.start_tick());
    let hi = a.last_tick().min(b.last_tick());
    let common = (lo, hi);
    let first_log_difference = first_log_difference(a, b, lo, hi);

    // Recorded checksums at common ticks: the last that agrees, the first that differs.
    let mut agreed = lo;
    let mut differs = None;
    for (&tick, &sum_a) in a.checksums.range(lo..=hi) {
        match b.checksums.get(&tick) {
            Some(&sum_b) if sum_b == sum_a => agreed = tick,
            Some(_) => {
                differs = Some(tick);
                break;
            }
            None => {}
        }
    }
    let window_end = differs.unwrap_or(hi);
    let mut divergence = None;
    if agreed < window_end {
        let mut ra: Replayer<W, M> = Replayer::new(a.clone())?;
        let mut rb: Replayer<W, M> = Replayer::new(b.clone())?;
        ra.seek(agreed)?;
        rb.seek(agreed)?;
        while ra.tick() < window_end {
            ra.step_forward();
            rb.step_forward();
            let (sum_a, sum_b) = (ra.checksum(), rb.checksum());
            if sum_a != sum_b {
                divergence = Some(divergence_at(a, b, ra.tick(), sum_a, sum_b));
                break;
            }
        }
    }
    if divergence.is_none()
        && let Some(tick) = differs
    {
        // Not reproducible here (e.g. one recording's peer computed differently).
        let sum = |r: &Recording<M>| r.checksums.get(&tick).copied().unwrap_or_default();
        divergence = Some(divergence_at(a, b, tick, sum(a), sum(b)));
    }
    Ok(Comparison {
        common,
        divergence,
        first_log_difference,
    })
}

fn divergence_at<M: Clone>(
    a: &Recording<M>,
    b: &Recording<M>,
    tick: Tick,
    sum_a: u64,
    sum_b: u64,
) -> Divergence<M> {
    Divergence {
        tick,
        checksum_a: a.checksums.get(&tick).copied().unwrap_or(sum_a),
        checksum_b: b.checksums.get(&tick).copied().unwrap_or(sum_b),
        commits_a: a.commits_at(tick).to_vec(),
        commits_b: b.commits_at(tick).to_vec(),
    }
}

fn first_log_difference<M: serde::Serialize>(
    a: &Recording<M>,
    b: &Recording<M>,
    lo: Tick,
    hi: Tick,
) -> Option<Tick> {
    (lo.0 + 1..=hi.0).map(Tick).find(|&t| {
        let (ca, cb) = (a.commits_at(t), b.commits_at(t));
        ca.len() != cb.len() || encode(ca).ok() != encode(cb).ok()
    })
}
