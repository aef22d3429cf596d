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

/// Acknowledge sealed ticks at most this often (the host resends after longer).
const ACK_EVERY: Duration = Duration::from_millis(100);
/// Unsealed commits are sent again after the round trip plus this.
const RESEND_SLACK: Duration = Duration::from_millis(250);
/// Ask for a clock echo this often (more often while few were measured).
const CLOCK_EVERY: Duration = Duration::from_millis(250);
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
        let since = |t: Option<Duration>| t.map_or(Duration::MAX, |t| now.saturating_sub(t));
        // Sealed ticks come in batches of a tenth of a second: only a commit still
        // unsealed well after that was probably lost.
        let resend_after = clock.rtt() + clock.jitter() * 2 + RESEND_SLACK;
        let resend = timeline.pending().next().is_some() && since(self.last_sent_at) > resend_after;
        let ack = timeline.sealed_tick();
        let ack_due = ack > self.acked && since(self.acked_at) >= ACK_EVERY;
        let clock_every = if clock.measured() < EARLY_SAMPLES {
            CLOCK_EVERY_EARLY
        } else {
            CLOCK_EVERY
        };
        let clock_due = since(self.clock_at) >= clock_every;
        if !(fresh || resend || ack_due || clock_due || self.checksum.is_some()) {
            return None;
        }
        self.last_tick = Some(tick);
        self.last_sent_at = Some(now);
        if ack > self.acked {
            self.acked = ack;
            self.acked_at = Some(now);
        }
        let clock = clock_due.then(|| {
            self.clock_at = Some(now);
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
        })
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
