//! What one client was sent and has acknowledged: its frames, acknowledgements,
//! resends, relay queue and clock echo. It decides when the next frame is due
//! and writes it from the resend buffer's encoded ticks.

use std::time::Duration;

use serde::Serialize;

use crate::model::codec::CodecError;
use crate::model::{Commit, Tick};
use crate::net::assembled;
use crate::net::cadence::{ACK_EVERY, SEAL_BATCH, resend_after};
use crate::net::protocol::HostClock;

use super::resend::ResendBuffer;

/// A clock echo waits at most this long for a frame to ride along with.
const ECHO_WAIT: Duration = Duration::from_millis(250);

/// The round trip assumed before a client reported one.
const DEFAULT_RTT: Duration = Duration::from_millis(100);

/// One client's traffic.
#[derive(Debug)]
pub(super) struct Delivery<M> {
    /// The last sealed tick the client acknowledged.
    ack: Tick,
    /// The last sealed tick sent to it (resent from `ack` when unacknowledged).
    sent_through: Tick,
    /// Since when ticks after `ack` have been out without an acknowledgement.
    unacked_since: Option<Duration>,
    /// The client reported a gap: send from `ack` on the next tick.
    resend_now: bool,
    last_frame_at: Option<Duration>,
    /// Other peers' commits accepted since the last frame.
    relay: Vec<Commit<M>>,
    /// The newest clock sample: its `sent_at_us` and when the host got it.
    sample: Option<(u64, Duration)>,
    /// The newest sample went out in a frame.
    echoed: bool,
}

/// What a frame is written with, besides the connection's own state.
#[derive(Clone, Copy, Debug)]
pub(super) struct FrameContext {
    /// The host's clock.
    pub(super) now: Duration,
    /// The last sealed tick.
    pub(super) sealed: Tick,
    /// Sealed ticks alone wait until this many are unsent.
    pub(super) batch: u64,
    /// The host's current seal delay.
    pub(super) seal_delay: u64,
    /// The client's round trip, if it reported one.
    pub(super) rtt: Option<Duration>,
}

impl<M> Delivery<M> {
    /// A client that holds sealed ticks up to `sealed`.
    pub(super) fn new(sealed: Tick) -> Self {
        Delivery {
            ack: sealed,
            sent_through: sealed,
            unacked_since: None,
            resend_now: false,
            last_frame_at: None,
            relay: Vec::new(),
            sample: None,
            echoed: true,
        }
    }

    /// The last sealed tick the client acknowledged.
    pub(super) fn ack(&self) -> Tick {
        self.ack
    }

    /// Queues another peer's commit for the next frame.
    pub(super) fn relay(&mut self, commit: Commit<M>) {
        self.relay.push(commit);
    }

    /// Commits waiting for the next frame.
    #[cfg(test)]
    pub(super) fn queued_relays(&self) -> usize {
        self.relay.len()
    }

    /// Takes an update's acknowledgement (capped at `sealed`) and gap report.
    pub(super) fn on_ack(&mut self, ack: Tick, gap: bool, sealed: Tick, now: Duration) {
        let ack = ack.min(sealed);
        if ack > self.ack {
            self.ack = ack;
            // Progress restarts the resend timer; everything acknowledged stops it.
            self.unacked_since = (self.sent_through > ack).then_some(now);
        }
        self.sent_through = self.sent_through.max(self.ack);
        if gap {
            // The client lost ticks after its ack: they go out with the next frame.
            self.sent_through = self.ack;
            self.unacked_since = None;
            self.resend_now = true;
        }
    }

    /// Keeps a clock sample to echo if it is the newest (unreliable updates may
    /// arrive out of order). Returns whether it was.
    pub(super) fn on_sample(&mut self, sent_at_us: u64, now: Duration) -> bool {
        if self.sample.is_some_and(|(sent, _)| sent_at_us <= sent) {
            return false;
        }
        self.sample = Some((sent_at_us, now));
        self.echoed = false;
        true
    }

    /// Whether a frame is due. Restarts the sending of unacknowledged ticks
    /// when their acknowledgement is overdue.
    pub(super) fn frame_due(&mut self, cx: &FrameContext) -> bool {
        let since = |t: Duration| cx.now.saturating_sub(t);
        // Unacknowledged sealed ticks go again once an acknowledgement is
        // overdue (a lost frame followed by another is reported as a gap sooner).
        let wait = resend_after(cx.rtt.unwrap_or(DEFAULT_RTT), Duration::ZERO, ACK_EVERY);
        if self.unacked_since.is_some_and(|t| since(t) > wait) {
            self.sent_through = self.ack;
            self.unacked_since = None;
        }
        let unsent = cx.sealed.since(self.sent_through);
        let since_frame = self.last_frame_at.map_or(Duration::MAX, since);
        // A clock echo rides along with other traffic; it is worth a frame of its
        // own only after a while (the time it waited is reported, so nothing is lost).
        let echo_waited = self
            .sample
            .is_some_and(|(_, at)| !self.echoed && since(at) >= ECHO_WAIT);
        // Sealed ticks alone wait for a batch: the commits in them reached the
        // client as relays already, so sealing only confirms what it predicts.
        !self.relay.is_empty()
            || self.resend_now
            || echo_waited
            || unsent >= cx.batch
            || (unsent > 0 && since_frame >= SEAL_BATCH)
    }
}

impl<M: Serialize + Clone> Delivery<M> {
    /// The frame due now, if any, written: relayed commits, the sealed ticks
    /// the client lacks that fit, a clock echo.
    ///
    /// # Errors
    ///
    /// [`CodecError`] if a relayed commit cannot be encoded (nothing was sent).
    pub(super) fn next_frame(
        &mut self,
        cx: &FrameContext,
        buffer: &ResendBuffer<M>,
    ) -> Option<Result<Vec<u8>, CodecError>> {
        if !self.frame_due(cx) {
            return None;
        }
        let clock = HostClock {
            host_time_us: cx.now.as_micros() as u64,
            echo: self
                .sample
                .filter(|_| !self.echoed)
                .map(|(sent, at)| (sent, cx.now.saturating_sub(at).as_micros() as u64)),
            seal_delay: cx.seal_delay,
        };
        let first_unsent = self.sent_through.next();
        let written = assembled::frame(&clock, &self.relay, |left| {
            buffer.run_from(first_unsent, left)
        });
        let (bytes, through) = match written {
            Ok(written) => written,
            Err(e) => return Some(Err(e)),
        };
        self.relay.clear();
        self.echoed = true;
        self.resend_now = false;
        self.last_frame_at = Some(cx.now);
        if through > self.sent_through {
            self.sent_through = through;
            self.unacked_since.get_or_insert(cx.now);
        }
        Some(Ok(bytes))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{CommitId, PeerId};
    use crate::net::protocol::{HostMsg, decode_host};

    fn s(secs: f64) -> Duration {
        Duration::from_secs_f64(secs)
    }

    fn cx(now: f64, sealed: u64) -> FrameContext {
        FrameContext {
            now: s(now),
            sealed: Tick(sealed),
            batch: 15,
            seal_delay: 2,
            rtt: Some(Duration::from_millis(50)),
        }
    }

    fn commit(seq: u64) -> Commit<u8> {
        let id = CommitId {
            author: PeerId(2),
            seq,
        };
        Commit::game(id, Tick(103), 1)
    }

    #[test]
    fn frames_are_due_for_relays_batches_and_overdue_acknowledgements_only() {
        let mut d: Delivery<u8> = Delivery::new(Tick(100));
        d.last_frame_at = Some(s(1.0));
        assert!(!d.frame_due(&cx(1.01, 102)), "2 new sealed ticks wait");
        assert!(d.frame_due(&cx(1.01, 115)), "a quarter second's batch");
        assert!(d.frame_due(&cx(1.3, 101)), "nothing sent for 250 ms");
        d.relay(commit(0));
        assert!(d.frame_due(&cx(1.01, 100)), "a relay goes at once");
        d.relay.clear();
        // Ticks out since 1.0 s without an acknowledgement: sent again after
        // RTT + 650 ms.
        d.sent_through = Tick(110);
        d.unacked_since = Some(s(1.0));
        assert!(!d.frame_due(&cx(1.6, 110)));
        assert_eq!(d.sent_through, Tick(110));
        assert!(d.frame_due(&cx(1.8, 110)));
        assert_eq!(d.sent_through, Tick(100), "back to the acknowledgement");
    }

    #[test]
    fn a_frame_carries_relays_sealed_ticks_and_the_echo_once() {
        let mut buffer = ResendBuffer::default();
        for t in 1..=20 {
            let mut st = crate::model::SealedTick::empty(Tick(t));
            if t % 5 == 0 {
                st.commits.push(commit(t));
            }
            buffer.push(&st);
        }
        let mut d: Delivery<u8> = Delivery::new(Tick(0));
        assert!(d.on_sample(7_000, s(0.9)));
        assert!(
            !d.on_sample(6_000, s(0.95)),
            "an older sample is not echoed"
        );
        d.relay(commit(99));
        let bytes = d
            .next_frame(&cx(1.0, 20), &buffer)
            .expect("due")
            .expect("written");
        let Ok(HostMsg::Frame {
            clock,
            relayed,
            sealed,
        }) = decode_host::<u8>(&bytes)
        else {
            panic!("a frame");
        };
        assert_eq!(clock.echo, Some((7_000, 100_000)), "held for 100 ms");
        assert_eq!(relayed, vec![commit(99)]);
        assert_eq!((sealed.from, sealed.through), (Tick(1), Tick(20)));
        assert_eq!(sealed.expand().expect("well formed").len(), 20);
        assert!(
            d.next_frame(&cx(1.01, 20), &buffer).is_none(),
            "nothing new"
        );
        // Acknowledged: a gap report sends everything after the ack again.
        d.on_ack(Tick(10), true, Tick(20), s(1.02));
        let bytes = d
            .next_frame(&cx(1.03, 20), &buffer)
            .expect("due")
            .expect("written");
        let Ok(HostMsg::Frame { clock, sealed, .. }) = decode_host::<u8>(&bytes) else {
            panic!("a frame");
        };
        assert_eq!(clock.echo, None, "echoed once");
        assert_eq!((sealed.from, sealed.through), (Tick(11), Tick(20)));
    }
}
