//! Default recording paths: `recordings/snake-YYYYMMDD-HHMMSS-<mode>.tlrec` (UTC).

use std::path::PathBuf;
use std::time::{SystemTime, UNIX_EPOCH};

/// The default recording path for a session of `mode` started now.
pub fn default_recording(mode: &str) -> PathBuf {
    let secs = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let pid = std::process::id();
    PathBuf::from("recordings").join(format!("snake-{}-{mode}-{pid}.tlrec", timestamp(secs)))
}

/// `YYYYMMDD-HHMMSS` for a Unix time, in UTC.
pub fn timestamp(secs: u64) -> String {
    tickline::record::utc_stamp(secs)
}

#[cfg(test)]
mod tests {
    #[test]
    fn timestamps_are_utc_calendar_dates() {
        assert_eq!(super::timestamp(0), "19700101-000000");
        assert_eq!(super::timestamp(1_795_361_045), "20261122-152405");
        assert_eq!(super::timestamp(951_782_400), "20000229-000000");
    }
}
