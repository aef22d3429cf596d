//! A host end and a client end driven together in real time.

use std::collections::VecDeque;
use std::time::{Duration, Instant};

use super::TransportKit;
use crate::transport::{Channel, ClientEvent, ClientTransport, ConnId, HostEvent, HostTransport};

/// How long any one wait of the suite may take before the check fails.
pub const DEADLINE: Duration = Duration::from_secs(60);

/// A host end and one client end, updated and flushed together; their events
/// are kept until a check takes them.
pub struct Pair<K: TransportKit> {
    /// The host end.
    pub host: K::Host,
    /// The client end.
    pub client: K::Client,
    /// The host's events not yet taken.
    pub host_events: VecDeque<HostEvent>,
    /// The client's events not yet taken.
    pub client_events: VecDeque<ClientEvent>,
    /// Whether [`Pair::pump`] updates the client (a client that reads nothing
    /// is one that is not updated).
    pub client_reads: bool,
    start: Instant,
}

impl<K: TransportKit> Pair<K> {
    /// A host end and a client end of `kit`, not connected yet.
    pub fn new(kit: &mut K) -> Self {
        let host = kit.host();
        let client = kit.client(&host);
        Pair {
            host,
            client,
            host_events: VecDeque::new(),
            client_events: VecDeque::new(),
            client_reads: true,
            start: Instant::now(),
        }
    }

    /// The time the transports are given: real time since the pair was made.
    pub fn now(&self) -> Duration {
        self.start.elapsed()
    }

    /// One turn: both ends flush, update and report their events.
    ///
    /// # Panics
    ///
    /// If an end's `update` fails.
    pub fn pump(&mut self) {
        let now = self.now();
        self.host.flush();
        self.host.update(now).expect("the host end's update");
        while let Some(e) = self.host.poll() {
            self.host_events.push_back(e);
        }
        if self.client_reads {
            self.client.flush();
            self.client.update(now).expect("the client end's update");
            while let Some(e) = self.client.poll() {
                self.client_events.push_back(e);
            }
        }
    }

    /// Pumps until `done` holds, a millisecond apart.
    ///
    /// # Panics
    ///
    /// After [`DEADLINE`], naming `what`.
    pub fn until(&mut self, what: &str, mut done: impl FnMut(&mut Self) -> bool) {
        let deadline = Instant::now() + DEADLINE;
        while !done(self) {
            assert!(Instant::now() < deadline, "timed out waiting for {what}");
            self.pump();
            std::thread::sleep(Duration::from_millis(1));
        }
    }

    /// Pumps until both ends see the connection open: the host's id for it.
    pub fn connect(&mut self) -> ConnId {
        let mut conn = None;
        let mut up = false;
        self.until("the connection to open on both ends", |p| {
            while let Some(e) = p.host_events.pop_front() {
                match e {
                    HostEvent::Connected(c) => conn = Some(c),
                    other => panic!("before the connection opened, the host saw {other:?}"),
                }
            }
            while let Some(e) = p.client_events.pop_front() {
                match e {
                    ClientEvent::Connected => up = true,
                    other => panic!("before the connection opened, the client saw {other:?}"),
                }
            }
            conn.is_some() && up
        });
        conn.expect("connected")
    }

    /// Pumps until the client has received `n` messages: them, in order.
    /// Any other client event fails the check.
    pub fn client_receives(&mut self, n: usize) -> Vec<(Channel, Vec<u8>)> {
        let mut got = Vec::new();
        self.until(&format!("{n} messages at the client"), |p| {
            while got.len() < n
                && let Some(e) = p.client_events.pop_front()
            {
                match e {
                    ClientEvent::Message(ch, bytes) => got.push((ch, bytes)),
                    other => panic!("the client saw {other:?} before all its messages"),
                }
            }
            got.len() >= n
        });
        got
    }

    /// Pumps until the host has received `n` messages on `conn`: them, in
    /// order. Any other event of `conn` fails the check.
    pub fn host_receives(&mut self, conn: ConnId, n: usize) -> Vec<(Channel, Vec<u8>)> {
        let mut got = Vec::new();
        self.until(&format!("{n} messages at the host"), |p| {
            p.host_events.retain(|e| match e {
                _ if got.len() >= n => true,
                HostEvent::Message(c, ch, bytes) if *c == conn => {
                    got.push((*ch, bytes.clone()));
                    false
                }
                HostEvent::Disconnected(c, why) if *c == conn => {
                    panic!("the connection ended before all its messages: {why}")
                }
                _ => true,
            });
            got.len() >= n
        });
        got
    }
}

/// A message of `len` bytes (at least 4) that starts with `seed` and goes on
/// with bytes made from it: its corruption, truncation or mix-up with another
/// shows, and [`seed_of`] tells which it was.
pub fn message(seed: u32, len: usize) -> Vec<u8> {
    let mut x = seed.wrapping_mul(0x9E37_79B9) | 1;
    let mut out = seed.to_le_bytes().to_vec();
    out.extend((4..len.max(4)).map(|_| {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        x.to_le_bytes()[0]
    }));
    out
}

/// The seed a [`message`] starts with.
pub fn seed_of(bytes: &[u8]) -> Option<u32> {
    Some(u32::from_le_bytes(bytes.get(..4)?.try_into().ok()?))
}
