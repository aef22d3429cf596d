//! The client's clock: measures the round trip from clock echoes, follows the
//! host's clock, and runs just far enough ahead of it that the client's commits
//! reach the host before their tick is sealed. It slews (speeds up or slows down
//! by at most 10%) instead of jumping once running.
//!
//! Round-trip samples are taken when a message is noticed, which can be up to a
//! frame after it arrived. The estimate is therefore the *smallest* recent sample
//! (the propagation delay), and the spread of the others above it is the jitter.

use std::collections::VecDeque;
use std::time::Duration;

/// Largest rate change while slewing.
const MAX_SLEW: f64 = 0.10;
/// Further off than this (in seconds) and the clock jumps: at start and after a
/// reconnect.
const JUMP_SECONDS: f64 = 1.0;
/// Round-trip samples kept (one every 250 ms: the last few seconds).
const WINDOW: usize = 16;
/// Ticks to keep in hand for sending on tick boundaries.
const SEND_QUANTUM_TICKS: f64 = 1.0;

/// What the client knows of the session's timing, to size its lead.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(super) struct Timing {
    /// Ticks per second.
    pub(super) tick_rate: u32,
    /// The client's input delay, in ticks.
    pub(super) input_delay: u64,
    /// The host's seal delay, in ticks.
    pub(super) seal_delay: u64,
    /// Extra ticks of lead for safety.
    pub(super) margin: f64,
}

#[derive(Clone, Debug)]
pub(super) struct Clock {
    timing: Timing,
    /// host time - local time, in microseconds.
    offset_us: f64,
    samples: VecDeque<f64>,
    /// The client's tick position (fractional).
    pos: f64,
    last_local_us: f64,
}

impl Clock {
    pub(super) fn new(timing: Timing, host_time_us: u64, local: Duration) -> Self {
        let local_us = local.as_micros() as f64;
        let mut clock = Clock {
            timing,
            offset_us: host_time_us as f64 - local_us,
            samples: VecDeque::with_capacity(WINDOW),
            pos: 0.0,
            last_local_us: local_us,
        };
        clock.pos = clock.target(local_us);
        clock
    }

    fn rate(&self) -> f64 {
        f64::from(self.timing.tick_rate.max(1))
    }

    /// The host's tick now, as estimated.
    pub(super) fn host_tick(&self, local: Duration) -> f64 {
        (local.as_micros() as f64 + self.offset_us) / 1e6 * self.rate()
    }

    /// How many ticks to run ahead of the host: a commit made now must reach the
    /// host (one way, plus jitter, plus waiting for a tick to send) before the host
    /// seals its tick, which is `input_delay + seal_delay` ticks after the client's
    /// head. Never negative.
    pub(super) fn lead(&self) -> f64 {
        let t = &self.timing;
        let one_way = self.rtt_us() / 2.0 / 1e6 * self.rate();
        let jitter = self.jitter_us() / 1e6 * self.rate();
        let needed = one_way + 2.0 * jitter + SEND_QUANTUM_TICKS + t.margin;
        (needed - (t.input_delay + t.seal_delay) as f64).max(0.0)
    }

    fn target(&self, local_us: f64) -> f64 {
        (local_us + self.offset_us) / 1e6 * self.rate() + self.lead()
    }

    /// The host's clock as seen in any of its messages.
    pub(super) fn host_time(&mut self, host_time_us: u64, seal_delay: u64, local: Duration) {
        self.timing.seal_delay = seal_delay;
        let offset = host_time_us as f64 + self.rtt_us() / 2.0 - local.as_micros() as f64;
        // Late noticing only makes a sample look older: lean toward the largest.
        let weight = if offset > self.offset_us { 0.3 } else { 0.05 };
        self.offset_us += weight * (offset - self.offset_us);
    }

    /// An echo of our clock sample sent at `sent_at_us`, held `held_us` by the host.
    pub(super) fn echo(&mut self, sent_at_us: u64, held_us: u64, local: Duration) {
        let rtt = local.as_micros() as f64 - sent_at_us as f64 - held_us as f64;
        if rtt < 0.0 {
            return;
        }
        if self.samples.len() == WINDOW {
            self.samples.pop_front();
        }
        self.samples.push_back(rtt);
    }

    /// Re-synchronises after a reconnect (a jump is allowed then).
    pub(super) fn resync(&mut self, host_time_us: u64, local: Duration) {
        let local_us = local.as_micros() as f64;
        self.offset_us = host_time_us as f64 + self.rtt_us() / 2.0 - local_us;
        self.pos = self.pos.max(self.target(local_us));
        self.last_local_us = local_us;
    }

    /// The clock's tick position (fractional) as of the last `advance`.
    pub(super) fn position(&self) -> f64 {
        self.pos
    }

    /// Advances to `local` time and returns the tick the head should be at.
    pub(super) fn advance(&mut self, local: Duration) -> u64 {
        let local_us = local.as_micros() as f64;
        let dt = ((local_us - self.last_local_us) / 1e6).max(0.0);
        self.last_local_us = local_us;
        let rate = self.rate();
        // Compare with where the clock would be now at the nominal rate, not with
        // where it was at the last call (that would read every step as a lag).
        let nominal = self.pos + dt * rate;
        let error = self.target(local_us) - nominal;
        if error.abs() / rate > JUMP_SECONDS {
            self.pos = nominal + error;
        } else {
            let slew = (error / rate).clamp(-MAX_SLEW, MAX_SLEW);
            self.pos = nominal + dt * rate * slew;
        }
        self.pos.max(0.0) as u64
    }

    fn rtt_us(&self) -> f64 {
        self.samples.iter().copied().reduce(f64::min).unwrap_or(0.0)
    }

    fn jitter_us(&self) -> f64 {
        if self.samples.is_empty() {
            return 0.0;
        }
        let min = self.rtt_us();
        self.samples.iter().map(|s| s - min).sum::<f64>() / self.samples.len() as f64
    }

    /// The round-trip estimate.
    pub(super) fn rtt(&self) -> Duration {
        Duration::from_micros(self.rtt_us() as u64)
    }

    /// The round-trip jitter (mean spread above the estimate).
    pub(super) fn jitter(&self) -> Duration {
        Duration::from_micros(self.jitter_us() as u64)
    }

    /// Whether any round trip was measured yet.
    pub(super) fn measured(&self) -> usize {
        self.samples.len()
    }

    /// Ticks the client runs ahead of the host.
    pub(super) fn ahead(&self, local: Duration) -> f64 {
        self.pos - self.host_tick(local)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn timing() -> Timing {
        Timing {
            tick_rate: 60,
            input_delay: 2,
            seal_delay: 1,
            margin: 0.5,
        }
    }

    #[test]
    fn follows_the_host_and_slews_without_jumping() {
        let ms = Duration::from_millis;
        // The host's clock reads local time + 10 s; the round trip takes 100 ms.
        let host_at = |local_ms: u64| (local_ms + 10_000) * 1000;
        let mut clock = Clock::new(timing(), host_at(1000), ms(1000));
        assert_eq!(clock.advance(ms(1000)), 660, "starts at the host's tick");
        for i in 1..=120u64 {
            let local = 1000 + i * 16;
            // A message received now left the host 50 ms ago and echoes a send of 100 ms ago.
            clock.host_time(host_at(local - 50), 1, ms(local));
            clock.echo((local - 100) * 1000, 0, ms(local));
            let before = clock.pos;
            clock.advance(ms(local));
            let step = clock.pos - before;
            assert!(step > 0.0 && step < 1.1, "no jumps: {step}");
        }
        assert_eq!(clock.rtt(), ms(100));
        assert_eq!(clock.jitter(), Duration::ZERO);
        // One way is 3 ticks; + 1 to send on a tick + 0.5 margin - (2 + 1) ahead.
        assert!((clock.lead() - 1.5).abs() < 1e-9, "{}", clock.lead());
        let ahead = clock.ahead(ms(1000 + 120 * 16));
        assert!((ahead - 1.5).abs() < 0.3, "runs ahead by the lead: {ahead}");
    }

    #[test]
    fn late_noticed_samples_do_not_inflate_the_round_trip() {
        let ms = Duration::from_millis;
        let mut clock = Clock::new(timing(), 0, ms(0));
        // True round trip 100 ms; each echo is noticed 0–15 ms late.
        for i in 0..16u64 {
            let late = (i * 7) % 16;
            clock.echo(i * 250_000, 0, ms(i * 250 + 100 + late));
        }
        assert_eq!(clock.rtt(), ms(100));
        assert!(clock.jitter() < ms(10), "{:?}", clock.jitter());
        assert_eq!(clock.measured(), 16);
    }

    #[test]
    fn no_lead_on_a_fast_link() {
        let mut clock = Clock::new(timing(), 0, Duration::ZERO);
        clock.echo(0, 0, Duration::from_millis(1));
        assert_eq!(clock.lead(), 0.0);
    }
}
