//! The client's clock: follows the host's clock, runs a little ahead, and slews
//! (speeds up or slows down by at most 10%) instead of jumping once running.

use std::time::Duration;

/// Largest rate change while slewing.
const MAX_SLEW: f64 = 0.10;
/// Further off than this (in seconds) and the clock jumps: at start and after a
/// reconnect.
const JUMP_SECONDS: f64 = 1.0;

#[derive(Clone, Debug)]
pub(super) struct Clock {
    rate: f64,
    margin: f64,
    /// host time - local time, in microseconds.
    offset_us: f64,
    rtt_us: Option<f64>,
    /// The client's tick position (fractional).
    pos: f64,
    last_local_us: f64,
}

impl Clock {
    pub(super) fn new(tick_rate: u32, margin: f64, host_time_us: u64, local: Duration) -> Self {
        let local_us = local.as_micros() as f64;
        let mut clock = Clock {
            rate: f64::from(tick_rate),
            margin,
            offset_us: host_time_us as f64 - local_us,
            rtt_us: None,
            pos: 0.0,
            last_local_us: local_us,
        };
        clock.pos = clock.target(local_us);
        clock
    }

    /// The host's tick now, as estimated.
    pub(super) fn host_tick(&self, local: Duration) -> f64 {
        (local.as_micros() as f64 + self.offset_us) / 1e6 * self.rate
    }

    fn target(&self, local_us: f64) -> f64 {
        let one_way_ticks = self.rtt_us.unwrap_or(0.0) / 2.0 / 1e6 * self.rate;
        (local_us + self.offset_us) / 1e6 * self.rate + one_way_ticks + self.margin
    }

    /// A time sample from a host message.
    pub(super) fn sample(
        &mut self,
        host_time_us: u64,
        echo_us: u64,
        held_us: u64,
        local: Duration,
    ) {
        let local_us = local.as_micros() as f64;
        let rtt = local_us - echo_us as f64 - held_us as f64;
        if rtt < 0.0 {
            return;
        }
        let rtt = match self.rtt_us {
            None => rtt,
            Some(old) => 0.9 * old + 0.1 * rtt,
        };
        self.rtt_us = Some(rtt);
        let offset = host_time_us as f64 + rtt / 2.0 - local_us;
        self.offset_us = 0.9 * self.offset_us + 0.1 * offset;
    }

    /// Re-synchronises after a reconnect (a jump is allowed then).
    pub(super) fn resync(&mut self, host_time_us: u64, local: Duration) {
        let local_us = local.as_micros() as f64;
        self.offset_us = host_time_us as f64 + self.rtt_us.unwrap_or(0.0) / 2.0 - local_us;
        self.pos = self.pos.max(self.target(local_us));
        self.last_local_us = local_us;
    }

    /// Advances to `local` time and returns the tick the head should be at.
    pub(super) fn advance(&mut self, local: Duration) -> u64 {
        let local_us = local.as_micros() as f64;
        let dt = ((local_us - self.last_local_us) / 1e6).max(0.0);
        self.last_local_us = local_us;
        let error = self.target(local_us) - self.pos;
        if error.abs() / self.rate > JUMP_SECONDS {
            self.pos += error;
        } else {
            let slew = (error / self.rate).clamp(-MAX_SLEW, MAX_SLEW);
            self.pos += dt * self.rate * (1.0 + slew);
        }
        self.pos.max(0.0) as u64
    }

    pub(super) fn rtt(&self) -> Duration {
        Duration::from_micros(self.rtt_us.unwrap_or(0.0) as u64)
    }

    /// Ticks the client runs ahead of the host.
    pub(super) fn ahead(&self, local: Duration) -> f64 {
        self.pos - self.host_tick(local)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn follows_the_host_and_slews_without_jumping() {
        let ms = Duration::from_millis;
        // The host's clock reads local time + 10 s; the round trip takes 100 ms.
        let host_at = |local_ms: u64| (local_ms + 10_000) * 1000;
        let mut clock = Clock::new(60, 1.0, host_at(1000), ms(1000));
        assert_eq!(
            clock.advance(ms(1000)),
            661,
            "starts at the host's tick + margin"
        );
        for i in 1..=120u64 {
            let local = 1000 + i * 16;
            // A message received now left the host 50 ms ago and echoes a send of 100 ms ago.
            clock.sample(host_at(local - 50), (local - 100) * 1000, 0, ms(local));
            let before = clock.pos;
            clock.advance(ms(local));
            let step = clock.pos - before;
            assert!(step > 0.0 && step < 1.1, "no jumps: {step}");
        }
        assert!(
            (clock.rtt().as_millis() as i64 - 100).abs() < 5,
            "{:?}",
            clock.rtt()
        );
        let ahead = clock.ahead(ms(1000 + 120 * 16));
        assert!(
            ahead > 1.0 && ahead < 6.0,
            "runs ahead by about RTT/2 + margin: {ahead}"
        );
    }
}
