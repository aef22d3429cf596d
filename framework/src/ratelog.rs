//! Logging that garbage cannot turn into disk I/O: at most one line per reason per
//! second; the lines skipped in between are counted in the next one.

use std::collections::BTreeMap;
use std::time::Duration;

/// Per-reason rate limiter for log lines (time passed in).
#[derive(Debug, Default)]
pub(crate) struct RateLog {
    /// Per reason: when it last logged, and how many lines were skipped since.
    reasons: BTreeMap<&'static str, (Duration, u64)>,
}

/// Lines per reason: one per this period.
const PERIOD: Duration = Duration::from_secs(1);

impl RateLog {
    /// Whether a line for `reason` may be written at `now`; if so, how many were
    /// skipped before it.
    fn admit(&mut self, reason: &'static str, now: Duration) -> Option<u64> {
        match self.reasons.get_mut(reason) {
            Some((last, skipped)) if now.saturating_sub(*last) < PERIOD => {
                *skipped += 1;
                None
            }
            Some((last, skipped)) => {
                *last = now;
                Some(std::mem::take(skipped))
            }
            None => {
                self.reasons.insert(reason, (now, 0));
                Some(0)
            }
        }
    }

    /// Logs `line` at info level unless `reason` logged within the last second.
    pub(crate) fn info(&mut self, reason: &'static str, now: Duration, line: &str) {
        if let Some(skipped) = self.admit(reason, now) {
            tracing::info!("{line}{}", suffix(skipped));
        }
    }

    /// Logs `line` at debug level unless `reason` logged within the last second.
    pub(crate) fn debug(&mut self, reason: &'static str, now: Duration, line: &str) {
        if let Some(skipped) = self.admit(reason, now) {
            tracing::debug!("{line}{}", suffix(skipped));
        }
    }

    /// Logs `line` at warn level unless `reason` logged within the last second.
    pub(crate) fn warn(&mut self, reason: &'static str, now: Duration, line: &str) {
        if let Some(skipped) = self.admit(reason, now) {
            tracing::warn!("{line}{}", suffix(skipped));
        }
    }
}

fn suffix(skipped: u64) -> String {
    if skipped == 0 {
        String::new()
    } else {
        format!(" ({skipped} more like this not logged)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_line_per_reason_per_second() {
        let mut log = RateLog::default();
        let ms = Duration::from_millis;
        assert_eq!(log.admit("garbage", ms(0)), Some(0));
        assert_eq!(log.admit("garbage", ms(10)), None);
        assert_eq!(log.admit("other", ms(20)), Some(0), "reasons are separate");
        for t in 30..999 {
            assert_eq!(log.admit("garbage", ms(t)), None);
        }
        assert_eq!(
            log.admit("garbage", ms(1000)),
            Some(970),
            "counts the skipped"
        );
        assert_eq!(log.admit("garbage", ms(1001)), None);
    }
}
