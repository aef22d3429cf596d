//! The host's side of discovery: answers queries for its game on the discovery
//! port, a few per second per source at most.

use std::collections::BTreeMap;
use std::io::ErrorKind;
use std::net::{IpAddr, SocketAddr, UdpSocket};
use std::time::Duration;

use crate::ratelog::RateLog;

use super::DiscoveryError;
use super::wire::{Announcement, MAX_QUERY_BYTES, Reply, decode_query, encode_reply};

/// Replies a source may get in a burst, and per second after it.
const BURST_PER_SOURCE: u32 = 4;
const REFILL_PER_SECOND: u32 = 2;
/// Sources remembered by the limiter; past this, idle ones are forgotten, and
/// if none is idle new sources wait.
const MAX_SOURCES: usize = 1024;
/// Replies sent per second in all.
const MAX_REPLIES_PER_SECOND: u32 = 256;
/// Datagrams read per poll (the rest wait for the next one).
const MAX_READS_PER_POLL: usize = 256;

/// What a responder has seen.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ResponderStats {
    /// Queries answered.
    pub replies: u64,
    /// Queries for another game.
    pub foreign: u64,
    /// Datagrams that were not discovery queries of our version.
    pub garbage: u64,
    /// Queries not answered because their source (or everyone) asked too often.
    pub limited: u64,
}

/// Per-source token buckets and one for everyone.
#[derive(Debug, Default)]
struct Limiter {
    sources: BTreeMap<IpAddr, (u32, Duration)>,
    second: Duration,
    sent_this_second: u32,
}

impl Limiter {
    /// Whether `ip` may get a reply at `now`; takes a token if so.
    fn admit(&mut self, ip: IpAddr, now: Duration) -> bool {
        if now.saturating_sub(self.second) >= Duration::from_secs(1) {
            self.second = now;
            self.sent_this_second = 0;
        }
        if self.sent_this_second >= MAX_REPLIES_PER_SECOND {
            return false;
        }
        if !self.sources.contains_key(&ip) && self.sources.len() >= MAX_SOURCES {
            let full = Duration::from_secs(u64::from(BURST_PER_SOURCE / REFILL_PER_SECOND) + 1);
            self.sources
                .retain(|_, (_, seen)| now.saturating_sub(*seen) < full);
            if self.sources.len() >= MAX_SOURCES {
                return false;
            }
        }
        let (tokens, seen) = self.sources.entry(ip).or_insert((BURST_PER_SOURCE, now));
        let refill = now.saturating_sub(*seen).as_millis() * u128::from(REFILL_PER_SECOND) / 1000;
        if refill > 0 {
            *tokens = (u128::from(*tokens) + refill).min(u128::from(BURST_PER_SOURCE)) as u32;
            *seen = now;
        }
        if *tokens == 0 {
            return false;
        }
        *tokens -= 1;
        self.sent_this_second += 1;
        true
    }
}

/// Answers discovery queries for one game on a UDP port.
///
/// Bind it on the discovery port ([`DEFAULT_DISCOVERY_PORT`](super::DEFAULT_DISCOVERY_PORT)
/// unless the players agreed on another) and call [`DiscoveryResponder::poll`]
/// from the host's loop with what the game looks like now. Several hosts on one
/// machine may bind the same port: each receives the broadcast queries.
#[derive(Debug)]
pub struct DiscoveryResponder {
    socket: UdpSocket,
    limiter: Limiter,
    log: RateLog,
    stats: ResponderStats,
}

impl DiscoveryResponder {
    /// Binds `addr` (for a LAN host, `0.0.0.0:5001`), shared with other
    /// responders on this machine, non-blocking.
    ///
    /// # Errors
    ///
    /// [`DiscoveryError::Io`] if the socket cannot be bound.
    pub fn bind(addr: SocketAddr) -> Result<Self, DiscoveryError> {
        let socket = super::socket::shared_udp(addr)?;
        Ok(DiscoveryResponder {
            socket,
            limiter: Limiter::default(),
            log: RateLog::default(),
            stats: ResponderStats::default(),
        })
    }

    /// The address it listens on.
    ///
    /// # Errors
    ///
    /// [`DiscoveryError::Io`] if the socket cannot say.
    pub fn local_addr(&self) -> Result<SocketAddr, DiscoveryError> {
        Ok(self.socket.local_addr()?)
    }

    /// What it has seen so far.
    pub fn stats(&self) -> ResponderStats {
        self.stats
    }

    /// Answers the queries that arrived since the last call with `announcement`;
    /// returns how many it answered. Garbage, queries for other games and
    /// sources that ask too often are counted and otherwise ignored.
    ///
    /// # Errors
    ///
    /// [`DiscoveryError::Invalid`] if `announcement` cannot be sent (a name too
    /// long); socket errors other than "no more datagrams" end the poll early
    /// and are logged, not returned, so that a host keeps running.
    pub fn poll(
        &mut self,
        now: Duration,
        announcement: &Announcement,
    ) -> Result<usize, DiscoveryError> {
        let mut reply = Reply {
            nonce: 0,
            announcement: announcement.clone(),
        };
        reply.announcement.validate()?;
        let mut buf = [0u8; MAX_QUERY_BYTES + 1];
        let mut answered = 0;
        for _ in 0..MAX_READS_PER_POLL {
            let (len, from) = match self.socket.recv_from(&mut buf) {
                Ok(got) => got,
                Err(e) if e.kind() == ErrorKind::WouldBlock => break,
                Err(e) if e.kind() == ErrorKind::Interrupted => continue,
                Err(e) => {
                    self.log
                        .warn("discovery-recv", now, &format!("discovery: {e}"));
                    break;
                }
            };
            let query = match decode_query(&buf[..len]) {
                Ok(query) => query,
                Err(e) => {
                    self.stats.garbage += 1;
                    let line = format!("discovery: ignored a datagram from {from}: {e}");
                    self.log.debug("discovery-garbage", now, &line);
                    continue;
                }
            };
            if query.game_id != announcement.game_id {
                self.stats.foreign += 1;
                continue;
            }
            if !self.limiter.admit(from.ip(), now) {
                self.stats.limited += 1;
                continue;
            }
            reply.nonce = query.nonce;
            let datagram = encode_reply(&reply)?;
            match self.socket.send_to(&datagram, from) {
                Ok(_) => {
                    answered += 1;
                    self.stats.replies += 1;
                }
                Err(e) => self
                    .log
                    .warn("discovery-send", now, &format!("discovery: {from}: {e}")),
            }
        }
        Ok(answered)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_source_gets_a_burst_then_two_replies_a_second() {
        let mut limiter = Limiter::default();
        let ip: IpAddr = [10, 0, 0, 7].into();
        let at = |ms: u64| Duration::from_millis(ms);
        let burst = (0..10).filter(|_| limiter.admit(ip, at(1000))).count();
        assert_eq!(burst, BURST_PER_SOURCE as usize);
        assert!(
            !limiter.admit(ip, at(1200)),
            "nothing refilled after 200 ms"
        );
        assert!(limiter.admit(ip, at(1500)), "one token after 500 ms");
        assert!(
            limiter.admit([10, 0, 0, 8].into(), at(1500)),
            "another source has its own"
        );
    }

    #[test]
    fn everyone_together_gets_a_bounded_number_of_replies_a_second() {
        let mut limiter = Limiter::default();
        let now = Duration::from_secs(5);
        let sent = (0..2000u32)
            .filter(|i| limiter.admit(IpAddr::from(i.to_be_bytes()), now))
            .count();
        assert_eq!(sent, MAX_REPLIES_PER_SECOND as usize);
        assert!(limiter.sources.len() <= MAX_SOURCES);
    }
}
