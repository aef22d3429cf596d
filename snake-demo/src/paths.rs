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
    let days = (secs / 86_400) as i64;
    let rem = secs % 86_400;
    // Days to civil date (proleptic Gregorian), after Howard Hinnant's algorithm.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}{month:02}{day:02}-{:02}{:02}{:02}",
        rem / 3600,
        rem / 60 % 60,
        rem % 60
    )
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
