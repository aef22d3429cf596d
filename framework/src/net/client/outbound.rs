//! What a client sends, and when: at most one `Update` per client tick, and only
//! when something is due — new commits, commits the host has not sealed for a
//! while, an acknowledgement, a clock sample or a checksum.

use std::time::Duration;

use crate::model::codec::CodecError;
use crate::model::{CommitId, Game, Tick};
use crate::net::assembled::{self, UPDATE_COMMIT_BUDGET, UpdateParts};
use crate::net::protocol::{ClockSample, MAX_COMMITS_PER_UPDATE};
use crate::timeline::Timeline;
use crate::transport::{Channel, ClientTransport};

use super::super::cadence::{ACK_EVERY, SEAL_BATCH, resend_after};
use super::super::clock::Clock;
use super::ClientSession;

/// A gap in the sealed ticks is reported again after the round trip plus this.
const GAP_SLACK: Duration = Duration::from_millis(20);
/// Ask for a clock echo this often, with an update going out anyway (on its own
/// after twice as long; more often while few were measured).
const CLOCK_EVERY: Duration = Duration::from_secs(1);
const CLOCK_EVERY_EARLY: Duration = Duration::from_millis(50);
/// A clock sample unanswered for this long was lost.
const LOST_AFTER: Duration = Duration::from_secs(1);
/// After a loss, new commits are sent twice for this long.
const LOSSY_FOR: Duration = Duration::from_secs(10);
/// A checksum report waits at most this long for an update to ride along with.
const CHECKSUM_WAIT: Duration = Duration::from_secs(1);
/// Samples measured before the clock settles to [`CLOCK_EVERY`].
const EARLY_SAMPLES: usize = 8;

/// The client's sending bookkeeping.
#[derive(Clone, Debug, Default)]
pub(super) struct Outbound {
    /// The client tick of the last update sent (one per tick at most).
    last_tick: Option<u64>,
    last_sent_at: Option<Duration>,
    acked: Tick,
    acked_at: Option<Duration>,
    clock_at: Option<Duration>,
    /// A checksum report due, and since when.
    pub(super) checksum: Option<(Tick, u64)>,
    checksum_since: Option<Duration>,
    /// The latest clock sample not echoed yet (its `sent_at`).
    unechoed: Option<Duration>,
    /// Until when the link counts as lossy (a sample or a frame was lost lately):
    /// new commits are sent twice meanwhile.
    lossy_until: Option<Duration>,
    /// New commits went out on the last update; send them once more.
    repeat: bool,
    /// When the client last reported a gap in the sealed ticks.
    gap_at: Option<Duration>,
    /// Our unsealed commits, each encoded once when first sent, oldest first.
    encoded: Vec<(CommitId, Vec<u8>)>,
}

impl Outbound {
    /// The update due at `now` on client tick `tick`, if any.
    ///
    /// What makes an update due: new commits (twice on a lossy link), commits
    /// unsealed for too long, a gap in the sealed ticks, an acknowledgement not
    /// sent for [`ACK_EVERY`], a clock sample or checksum that has waited too long.
    /// Clock samples and checksums otherwise ride along with an update that is
    /// going out anyway.
    pub(super) fn due<G: Game>(
        &mut self,
        now: Duration,
        tick: u64,
        timeline: &mut Timeline<G>,
        clock: &Clock,
    ) -> Option<Result<Vec<u8>, CodecError>> {
        if self.last_tick == Some(tick) {
            return None;
        }
        let since = |t: Option<Duration>| t.map_or(Duration::MAX, |t| now.saturating_sub(t));
        let fresh = !timeline.take_outgoing().is_empty();
        // On a lossy link a new commit goes out on two ticks in a row, so a single
        // loss does not make it late.
        if timeline.has_gap() {
            self.lost(now);
        }
        let lossy = self.lossy_until.is_some_and(|t| now < t);
        let repeat = std::mem::replace(&mut self.repeat, fresh && lossy);
        // Sealed ticks come in batches: only a commit still unsealed well after
        // one was probably lost.
        let wait = resend_after(clock.rtt(), clock.jitter(), SEAL_BATCH);
        let resend = timeline.pending().next().is_some() && since(self.last_sent_at) > wait;
        let ack = timeline.sealed_tick();
        let ack_due = ack > self.acked && since(self.acked_at) >= ACK_EVERY;
        // A gap asks for the lost ticks at once, then at most once per round trip.
        let gap = timeline.has_gap() && since(self.gap_at) > clock.rtt() + GAP_SLACK;
        let early = clock.measured() < EARLY_SAMPLES;
        let clock_wanted = since(self.clock_at)
            >= if early {
                CLOCK_EVERY_EARLY
            } else {
                CLOCK_EVERY
            };
        let clock_overdue = early || since(self.clock_at) >= 2 * CLOCK_EVERY;
        if self.checksum.is_some() {
            self.checksum_since.get_or_insert(now);
        }
        let checksum_overdue = self
            .checksum_since
            .is_some_and(|t| now.saturating_sub(t) >= CHECKSUM_WAIT);
        let reason = fresh || repeat || resend || ack_due || gap;
        if !(reason || (clock_wanted && clock_overdue) || checksum_overdue) {
            return None;
        }
        self.last_tick = Some(tick);
        self.last_sent_at = Some(now);
        if gap {
            self.gap_at = Some(now);
        }
        if ack > self.acked {
            self.acked = ack;
            self.acked_at = Some(now);
        }
        self.checksum_since = None;
        let clock = clock_wanted.then(|| self.sample(now, clock));
        let checksum = self.checksum.take();
        if let Err(e) = self.encode_unsealed(timeline) {
            return Some(Err(e));
        }
        let fit = assembled::fitting(
            self.encoded.iter().map(|(_, b)| b.len()),
            UPDATE_COMMIT_BUDGET,
        );
        Some(assembled::update(UpdateParts {
            ack,
            clock,
            commits: self.encoded[..fit]
                .iter()
                .map(|(_, b)| b.as_slice())
                .collect(),
            checksum,
            gap,
        }))
    }

    /// Brings the encoded commits in line with our unsealed ones (the oldest
    /// [`MAX_COMMITS_PER_UPDATE`]): sealed or refused ones go, new ones are
    /// encoded, the rest keep the bytes they were first sent as.
    fn encode_unsealed<G: Game>(&mut self, timeline: &Timeline<G>) -> Result<(), CodecError> {
        let mut kept = std::mem::take(&mut self.encoded).into_iter().peekable();
        for commit in timeline.pending().take(MAX_COMMITS_PER_UPDATE) {
            // Both lists are in commit order: skip what is no longer pending.
            while kept.next_if(|(id, _)| *id != commit.id).is_some() {}
            let bytes = match kept.next() {
                Some((_, bytes)) => bytes,
                None => assembled::part(commit)?,
            };
            self.encoded.push((commit.id, bytes));
        }
        Ok(())
    }

    fn sample(&mut self, now: Duration, clock: &Clock) -> ClockSample {
        self.clock_at = Some(now);
        // A sample still unanswered after a second was lost (the host answers
        // within a quarter of a second, keeping only the newest).
        if self
            .unechoed
            .is_some_and(|t| now.saturating_sub(t) > LOST_AFTER)
        {
            self.lost(now);
        }
        self.unechoed = Some(now);
        ClockSample {
            sent_at_us: now.as_micros() as u64,
            rtt_us: clock.rtt().as_micros().min(u128::from(u32::MAX)) as u32,
            jitter_us: clock.jitter().as_micros().min(u128::from(u32::MAX)) as u32,
        }
    }
}

impl Outbound {
    /// A message was lost: the link counts as lossy for a while.
    fn lost(&mut self, now: Duration) {
        self.lossy_until = Some(now + LOSSY_FOR);
    }

    /// A clock echo came back.
    pub(super) fn echoed(&mut self, sent_at_us: u64) {
        if self
            .unechoed
            .is_some_and(|t| Duration::from_micros(sent_at_us) >= t)
        {
            self.unechoed = None;
        }
    }
}

impl<G: Game, T: ClientTransport> ClientSession<G, T> {
    /// While running: move the head, send what is due on this tick, flush.
    pub(super) fn run_ticks(&mut self) {
        let Some(j) = self.joined.as_mut() else {
            return;
        };
        j.advance_head(self.now);
        let tick = (self.now.as_micros() * u128::from(j.tick_rate) / 1_000_000) as u64;
        match j.outbound.due(self.now, tick, &mut j.timeline, &j.clock) {
            Some(Ok(update)) => {
                if let Err(e) = self.link.send_bytes(Channel::Unreliable, update) {
                    tracing::warn!("cannot send an update: {e}");
                }
            }
            Some(Err(e)) => tracing::error!("cannot encode an update: {e}"),
            None => {}
        }
        self.link.flush_if_queued();
    }
}
