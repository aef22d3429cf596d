//! What a client sends, and when: at most one `Update` per client tick, and only
//! when something is due — new commits, commits the host has not sealed for a
//! while, an acknowledgement, a clock sample or a checksum.

use std::time::Duration;

use crate::model::{Modification, Tick, WorkSpace};
use crate::net::protocol::{
    ClientMsg, ClockSample, FREQUENT_MESSAGE_BUDGET, MAX_COMMITS_PER_UPDATE, encode_msg,
};
use crate::timeline::Timeline;

use super::super::clock::Clock;

/// Acknowledge sealed ticks at most this often (the host resends after longer;
/// a lost frame is reported at once as a gap).
const ACK_EVERY: Duration = Duration::from_millis(500);
/// A gap in the sealed ticks is reported again after the round trip plus this.
const GAP_SLACK: Duration = Duration::from_millis(20);
/// Unsealed commits are sent again after the round trip plus this.
const RESEND_SLACK: Duration = Duration::from_millis(400);
/// Ask for a clock echo this often (more often while few were measured).
const CLOCK_EVERY: Duration = Duration::from_secs(1);
const CLOCK_EVERY_EARLY: Duration = Duration::from_millis(50);
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
    /// A checksum report due.
    pub(super) checksum: Option<(Tick, u64)>,
    /// Clock samples sent and echoed in the current window of 16.
    samples_sent: u32,
    samples_echoed: u32,
    /// The link lost messages lately: new commits are sent twice.
    lossy: bool,
    /// New commits went out on the last update; send them once more.
    repeat: bool,
    /// When the client last reported a gap in the sealed ticks.
    gap_at: Option<Duration>,
}

impl Outbound {
    /// The update due at `now` on client tick `tick`, if any.
    pub(super) fn due<W: WorkSpace, M: Modification<W>>(
        &mut self,
        now: Duration,
        tick: u64,
        timeline: &mut Timeline<W, M>,
        clock: &Clock,
    ) -> Option<ClientMsg<M>> {
        if self.last_tick == Some(tick) {
            return None;
        }
        let fresh = !timeline.take_outgoing().is_empty();
        // On a lossy link a new commit goes out on two ticks in a row, so a single
        // loss does not make it late.
        let repeat = std::mem::replace(&mut self.repeat, fresh && self.lossy);
        let since = |t: Option<Duration>| t.map_or(Duration::MAX, |t| now.saturating_sub(t));
        // Sealed ticks come in batches of a quarter of a second: only a commit
        // still unsealed well after that was probably lost.
        let resend_after = clock.rtt() + clock.jitter() * 2 + RESEND_SLACK;
        let resend = timeline.pending().next().is_some() && since(self.last_sent_at) > resend_after;
        let ack = timeline.sealed_tick();
        let ack_due = ack > self.acked && since(self.acked_at) >= ACK_EVERY;
        // A gap asks for the lost ticks at once, then at most once per round trip.
        let gap = timeline.has_gap() && since(self.gap_at) > clock.rtt() + GAP_SLACK;
        let clock_every = if clock.measured() < EARLY_SAMPLES {
            CLOCK_EVERY_EARLY
        } else {
            CLOCK_EVERY
        };
        let clock_due = since(self.clock_at) >= clock_every;
        if !(fresh || repeat || resend || ack_due || gap || clock_due || self.checksum.is_some()) {
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
        let clock = clock_due.then(|| {
            self.clock_at = Some(now);
            self.count_sample();
            ClockSample {
                sent_at_us: now.as_micros() as u64,
                rtt_us: clock.rtt().as_micros().min(u128::from(u32::MAX)) as u32,
                jitter_us: clock.jitter().as_micros().min(u128::from(u32::MAX)) as u32,
            }
        });
        Some(ClientMsg::Update {
            ack,
            clock,
            commits: unsealed(timeline),
            checksum: self.checksum.take(),
            gap,
        })
    }
}

impl Outbound {
    fn count_sample(&mut self) {
        if self.samples_sent == 16 {
            self.lossy = self.samples_sent - self.samples_echoed.min(16) >= 2;
            self.samples_sent = 0;
            self.samples_echoed = 0;
        }
        self.samples_sent += 1;
    }

    /// A clock echo came back.
    pub(super) fn echoed(&mut self) {
        self.samples_echoed += 1;
    }
}

/// Our unsealed commits, oldest first, within the message budget.
fn unsealed<W: WorkSpace, M: Modification<W>>(
    timeline: &Timeline<W, M>,
) -> Vec<crate::model::Commit<M>> {
    let mut budget = FREQUENT_MESSAGE_BUDGET.saturating_sub(64);
    timeline
        .pending()
        .take(MAX_COMMITS_PER_UPDATE)
        .take_while(|c| {
            let size = encode_msg(c).map_or(usize::MAX, |b| b.len());
            let fits = size <= budget;
            budget = budget.saturating_sub(size);
            fits
        })
        .cloned()
        .collect()
}
