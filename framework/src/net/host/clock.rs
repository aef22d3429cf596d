//! The host's clock: session time from the caller's, the host tick it reads
//! as, and when the next tick is due. A host that took a session over starts
//! at the time of the tick it took over from, so its ticks continue the
//! session's.

use std::time::Duration;

use crate::model::Tick;

/// Session time and host ticks.
#[derive(Debug)]
pub(super) struct SessionClock {
    /// Ticks per second.
    pub(super) tick_rate: u32,
    /// Session time at the last update.
    pub(super) now: Duration,
    /// The caller's time at the first update.
    start: Option<Duration>,
    /// Session time at the first update.
    origin: Duration,
    /// The host tick of the last round of frames.
    last_frame_tick: Option<u64>,
}

impl SessionClock {
    /// A clock at `rate` ticks per second that starts at tick `from`.
    pub(super) fn new(rate: u32, from: Tick) -> Self {
        let tick_rate = rate.max(1);
        let micros = u128::from(from.0) * 1_000_000 / u128::from(tick_rate);
        let origin = Duration::from_micros(u64::try_from(micros).unwrap_or(u64::MAX));
        SessionClock {
            tick_rate,
            now: origin,
            start: None,
            origin,
            last_frame_tick: None,
        }
    }

    /// Moves session time to the caller's `now` (its first call sets the start).
    pub(super) fn set(&mut self, now: Duration) {
        let start = *self.start.get_or_insert(now);
        self.now = self.origin + now.saturating_sub(start);
    }

    /// The host tick: whole ticks of session time.
    pub(super) fn tick(&self) -> u64 {
        (self.now.as_micros() * u128::from(self.tick_rate) / 1_000_000) as u64
    }

    /// Ticks that `d` spans, rounded up.
    pub(super) fn ticks_in(&self, d: Duration) -> u64 {
        (d.as_micros() * u128::from(self.tick_rate)).div_ceil(1_000_000) as u64
    }

    /// The caller's time at which the next host tick begins.
    pub(super) fn next_tick_at(&self) -> Duration {
        let next = u128::from(self.tick()) + 1;
        let micros = next * 1_000_000 / u128::from(self.tick_rate);
        let at = Duration::from_micros(u64::try_from(micros).unwrap_or(u64::MAX));
        self.start.unwrap_or_default() + at.saturating_sub(self.origin)
    }

    /// How far session time is from `head` toward the next tick, in `0.0..=1.0`.
    pub(super) fn progress(&self, head: Tick) -> f32 {
        let pos = self.now.as_secs_f64() * f64::from(self.tick_rate);
        (pos - head.0 as f64).clamp(0.0, 1.0) as f32
    }

    /// Whether this is the first round of frames on the current host tick
    /// (frames go out once per tick); marks it as sent.
    pub(super) fn frames_due(&mut self) -> bool {
        let tick = self.tick();
        if self.last_frame_tick == Some(tick) {
            return false;
        }
        self.last_frame_tick = Some(tick);
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ms(ms: u64) -> Duration {
        Duration::from_millis(ms)
    }

    #[test]
    fn session_time_starts_at_the_first_update() {
        let mut c = SessionClock::new(50, Tick::GENESIS);
        c.set(ms(5_000));
        assert_eq!((c.now, c.tick()), (Duration::ZERO, 0));
        c.set(ms(5_030));
        assert_eq!(c.tick(), 1, "20 ms per tick");
        assert_eq!(c.next_tick_at(), ms(5_040));
        assert!((c.progress(Tick(1)) - 0.5).abs() < 1e-6);
        assert!(c.frames_due());
        assert!(!c.frames_due(), "once per tick");
        c.set(ms(5_041));
        assert!(c.frames_due());
    }

    #[test]
    fn a_clock_taken_over_continues_the_sessions_ticks() {
        let mut c = SessionClock::new(60, Tick(600));
        assert_eq!(c.tick(), 600);
        c.set(ms(100));
        assert_eq!(c.tick(), 600, "the caller's clock is its own");
        c.set(ms(200));
        assert_eq!(c.tick(), 606);
        assert_eq!(c.now, Duration::from_secs(10) + ms(100));
        // Tick 607 begins 1/60 s after 606, in the caller's time.
        assert_eq!(c.next_tick_at(), ms(100) + Duration::from_micros(116_666));
        assert_eq!(c.ticks_in(ms(17)), 2, "rounded up");
    }
}
