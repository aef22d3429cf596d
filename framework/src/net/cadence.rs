//! How often each side confirms what the other sent, and so how long either
//! waits before sending something again: the one rule for resends, on both sides.
//!
//! A confirmation rides on the other side's batches: a client acknowledges
//! sealed ticks at most every [`ACK_EVERY`], and the host sends a player sealed
//! ticks in batches of [`SEAL_BATCH`]. Whoever waits for one sends again only
//! after the round trip, twice its jitter, the other side's batch interval and
//! [`RESEND_MARGIN`] have passed without it.

use std::time::Duration;

/// A client acknowledges sealed ticks at most this often (a lost frame is
/// reported at once as a gap, so this only paces the common case).
pub(super) const ACK_EVERY: Duration = Duration::from_millis(500);
/// The host sends a player sealed ticks in batches of this long: the commits in
/// them reached the client as relays already, so sealing only confirms what it
/// predicts. A client with unsent sealed ticks hears from the host at least this
/// often.
pub(super) const SEAL_BATCH: Duration = Duration::from_millis(250);
/// What a resend waits beyond the other side's batching: a few ticks of
/// scheduling on either side.
pub(super) const RESEND_MARGIN: Duration = Duration::from_millis(150);

/// How long to wait for a confirmation sent in batches of `batch`, before
/// sending again.
pub(super) fn resend_after(rtt: Duration, jitter: Duration, batch: Duration) -> Duration {
    rtt + jitter * 2 + batch + RESEND_MARGIN
}

/// How many ticks at `tick_rate` make one [`SEAL_BATCH`] (at least one).
pub(super) fn seal_batch_ticks(tick_rate: u32) -> u64 {
    (u64::from(tick_rate) * SEAL_BATCH.as_millis() as u64 / 1000).max(1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_side_waits_for_the_others_batch_plus_the_margin() {
        let ms = Duration::from_millis;
        // The host waits for an acknowledgement, a client for a sealed batch.
        assert_eq!(resend_after(ms(100), ms(0), ACK_EVERY), ms(750));
        assert_eq!(resend_after(ms(40), ms(10), SEAL_BATCH), ms(460));
        assert_eq!(seal_batch_ticks(60), 15);
        assert_eq!(seal_batch_ticks(30), 7);
        assert_eq!(seal_batch_ticks(2), 1);
    }
}
