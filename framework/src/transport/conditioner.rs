//! A link conditioner: latency, jitter, loss, duplication, reordering and cuts,
//! wrapped around any transport and seeded so that a failing run repeats exactly.
//!
//! It conditions both directions at the end it wraps: wrap each client (or the
//! host) and every message to and from it is delayed by `latency ± jitter` one way.
//! Unreliable messages are also lost, duplicated and reordered; reliable ones keep
//! their order and are never lost (their channel would resend them), but they are
//! delayed too. During a cut, everything is dropped both ways.

use std::time::Duration;

use rand_chacha::ChaCha8Rng;
use rand_chacha::rand_core::{RngCore, SeedableRng};

use super::{
    Channel, ClientEvent, ClientTransport, ConnId, DisconnectReason, HostEvent, HostTransport,
    SendError, TransportError,
};

/// How badly the link behaves.
#[derive(Clone, Debug, PartialEq)]
pub struct LinkConditions {
    /// One-way delay.
    pub latency: Duration,
    /// Each message's delay varies uniformly by up to this much either way.
    pub jitter: Duration,
    /// Fraction of unreliable messages lost (0.0 – 1.0).
    pub loss: f64,
    /// Fraction of unreliable messages delivered twice.
    pub duplicate: f64,
    /// Fraction of unreliable messages held back by one more `latency`, so that
    /// later ones overtake them.
    pub reorder: f64,
    /// Seed of the conditioner's RNG.
    pub seed: u64,
}

impl Default for LinkConditions {
    fn default() -> Self {
        LinkConditions {
            latency: Duration::ZERO,
            jitter: Duration::ZERO,
            loss: 0.0,
            duplicate: 0.0,
            reorder: 0.0,
            seed: 1,
        }
    }
}

impl LinkConditions {
    /// A perfect link with `latency` one way.
    pub fn latency(latency: Duration) -> Self {
        LinkConditions {
            latency,
            ..Self::default()
        }
    }
}

/// Messages in flight: delivered when due, in (due, arrival order) order.
struct InFlight<T> {
    queue: Vec<(Duration, u64, T)>,
    counter: u64,
    last_reliable: Duration,
}

impl<T> InFlight<T> {
    fn new() -> Self {
        InFlight {
            queue: Vec::new(),
            counter: 0,
            last_reliable: Duration::ZERO,
        }
    }

    fn push(&mut self, due: Duration, item: T) {
        self.counter += 1;
        self.queue.push((due, self.counter, item));
    }

    fn take_due(&mut self, now: Duration) -> Vec<T> {
        let mut due: Vec<_> = self.queue.extract_if(.., |(at, _, _)| *at <= now).collect();
        due.sort_by_key(|(at, n, _)| (*at, *n));
        due.into_iter().map(|(_, _, item)| item).collect()
    }
}

struct Shaper {
    conditions: LinkConditions,
    rng: ChaCha8Rng,
    cut_until: Duration,
    now: Duration,
}

impl Shaper {
    fn new(conditions: LinkConditions) -> Self {
        let rng = ChaCha8Rng::seed_from_u64(conditions.seed);
        Shaper {
            conditions,
            rng,
            cut_until: Duration::ZERO,
            now: Duration::ZERO,
        }
    }

    fn chance(&mut self, p: f64) -> bool {
        p > 0.0 && (self.rng.next_u64() as f64 / u64::MAX as f64) < p
    }

    fn delay(&mut self) -> Duration {
        let jitter = self.conditions.jitter.as_micros() as u64;
        let base = self.conditions.latency.as_micros() as u64;
        let offset = if jitter == 0 {
            0
        } else {
            self.rng.next_u64() % (2 * jitter + 1)
        };
        Duration::from_micros((base + offset).saturating_sub(jitter))
    }

    /// When the copies of a message are due; empty if it is lost.
    fn schedule<T>(&mut self, flight: &mut InFlight<T>, channel: Channel, item: T)
    where
        T: Clone,
    {
        if self.now < self.cut_until {
            return;
        }
        match channel {
            Channel::Reliable => {
                let due = (self.now + self.delay()).max(flight.last_reliable);
                flight.last_reliable = due;
                flight.push(due, item);
            }
            Channel::Unreliable => {
                if self.chance(self.conditions.loss) {
                    return;
                }
                let copies = if self.chance(self.conditions.duplicate) {
                    2
                } else {
                    1
                };
                for _ in 0..copies {
                    let mut due = self.now + self.delay();
                    if self.chance(self.conditions.reorder) {
                        due += self.conditions.latency.max(Duration::from_millis(1));
                    }
                    flight.push(due, item.clone());
                }
            }
        }
    }
}

/// A transport behind a link conditioner.
pub struct Conditioned<T> {
    inner: T,
    shaper: Shaper,
    outgoing: InFlight<(Option<ConnId>, Channel, Vec<u8>)>,
    incoming: InFlight<(Option<ConnId>, Channel, Vec<u8>)>,
    host_events: std::collections::VecDeque<HostEvent>,
    client_events: std::collections::VecDeque<ClientEvent>,
    /// A client's connection events wait for the messages in flight before
    /// them (a close arrives after what was sent before it), until this time.
    held_events: std::collections::VecDeque<(Duration, ClientEvent)>,
    /// The host's side of `held_events`: a connection's end waits for the
    /// messages of that connection in flight.
    held_host_events: std::collections::VecDeque<(Duration, HostEvent)>,
    /// The host's open connections (a send to any other is refused, as the
    /// inner transport would), or whether the client's connection is open.
    open: std::collections::BTreeSet<ConnId>,
}

/// The one connection of a client end, in [`Conditioned::open`].
const CLIENT_CONN: ConnId = 0;

impl<T> std::fmt::Debug for Conditioned<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Conditioned({:?})", self.shaper.conditions)
    }
}

impl<T> Conditioned<T> {
    /// Wraps `inner`.
    pub fn new(inner: T, conditions: LinkConditions) -> Self {
        Conditioned {
            inner,
            shaper: Shaper::new(conditions),
            outgoing: InFlight::new(),
            incoming: InFlight::new(),
            host_events: Default::default(),
            client_events: Default::default(),
            held_events: Default::default(),
            held_host_events: Default::default(),
            open: Default::default(),
        }
    }

    /// Drops every message, both ways, for `duration` from the last `update` time.
    pub fn cut_for(&mut self, duration: Duration) {
        self.shaper.cut_until = self.shaper.now + duration;
        self.outgoing.queue.clear();
        self.incoming.queue.clear();
    }

    /// Changes the conditions from now on.
    pub fn set_conditions(&mut self, conditions: LinkConditions) {
        self.shaper.conditions = conditions;
    }

    /// The wrapped transport.
    pub fn inner(&self) -> &T {
        &self.inner
    }

    /// The wrapped transport.
    pub fn inner_mut(&mut self) -> &mut T {
        &mut self.inner
    }
}

impl<T: HostTransport> HostTransport for Conditioned<T> {
    fn update(&mut self, now: Duration) -> Result<(), TransportError> {
        self.shaper.now = now;
        self.inner.update(now)?;
        while let Some(event) = self.inner.poll() {
            match event {
                HostEvent::Message(conn, channel, bytes) => {
                    self.shaper
                        .schedule(&mut self.incoming, channel, (Some(conn), channel, bytes));
                }
                HostEvent::Connected(conn) => {
                    self.open.insert(conn);
                    self.host_events.push_back(HostEvent::Connected(conn));
                }
                HostEvent::Disconnected(conn, why) => {
                    self.open.remove(&conn);
                    let after = self.incoming.queue.iter();
                    let after = after.filter(|(_, _, (c, _, _))| *c == Some(conn));
                    let at = after.map(|(at, _, _)| *at).max().unwrap_or(now);
                    self.held_host_events
                        .push_back((at, HostEvent::Disconnected(conn, why)));
                }
            }
        }
        for (conn, channel, bytes) in self.incoming.take_due(now) {
            if let Some(conn) = conn {
                self.host_events
                    .push_back(HostEvent::Message(conn, channel, bytes));
            }
        }
        let (due, held) = std::mem::take(&mut self.held_host_events)
            .into_iter()
            .partition::<Vec<_>, _>(|(at, _)| *at <= now);
        self.held_host_events = held.into();
        self.host_events.extend(due.into_iter().map(|(_, e)| e));
        // Messages leave the conditioned link when their delay is over, not on the
        // session's next flush: the delay models the network.
        self.release();
        Ok(())
    }

    fn poll(&mut self) -> Option<HostEvent> {
        self.host_events.pop_front()
    }

    fn send(&mut self, conn: ConnId, channel: Channel, bytes: Vec<u8>) -> Result<(), SendError> {
        if !self.open.contains(&conn) {
            return Err(SendError::NotConnected);
        }
        self.shaper
            .schedule(&mut self.outgoing, channel, (Some(conn), channel, bytes));
        Ok(())
    }

    fn disconnect(&mut self, conn: ConnId) {
        // What was sent to it before the close still goes out, ahead of it.
        let pending = self
            .outgoing
            .queue
            .extract_if(.., |(_, _, (c, _, _))| *c == Some(conn));
        for (_, _, (_, channel, bytes)) in pending {
            let _ = self.inner.send(conn, channel, bytes);
        }
        self.inner.flush_conns(&[conn]);
        self.open.remove(&conn);
        self.inner.disconnect(conn);
    }

    fn flush(&mut self) {
        self.release();
        // A transfer in progress in the inner transport goes on even when no
        // message came due.
        self.inner.flush();
    }

    fn garbage(&self) -> u64 {
        self.inner.garbage()
    }

    fn peer_addr(&self, conn: ConnId) -> Option<std::net::SocketAddr> {
        self.inner.peer_addr(conn)
    }
}

impl<T: HostTransport> Conditioned<T> {
    /// Hands the messages whose delay is over to the inner transport and sends
    /// them; a message it cannot queue ends its connection with the reason.
    fn release(&mut self) {
        let due = self.outgoing.take_due(self.shaper.now);
        if due.is_empty() {
            return;
        }
        for (conn, channel, bytes) in due {
            let Some(conn) = conn else { continue };
            if !self.open.contains(&conn) {
                continue;
            }
            if let Err(SendError::Full { .. }) = self.inner.send(conn, channel, bytes) {
                self.open.remove(&conn);
                self.inner.disconnect(conn);
                self.host_events.push_back(HostEvent::Disconnected(
                    conn,
                    "a reliable message did not fit its channel".into(),
                ));
            }
        }
        self.inner.flush();
    }
}

impl<T: ClientTransport> ClientTransport for Conditioned<T> {
    fn update(&mut self, now: Duration) -> Result<(), TransportError> {
        self.shaper.now = now;
        self.inner.update(now)?;
        while let Some(event) = self.inner.poll() {
            match event {
                ClientEvent::Message(channel, bytes) => {
                    self.shaper
                        .schedule(&mut self.incoming, channel, (None, channel, bytes));
                }
                other => {
                    match &other {
                        ClientEvent::Connected => drop(self.open.insert(CLIENT_CONN)),
                        ClientEvent::Disconnected(_) => drop(self.open.remove(&CLIENT_CONN)),
                        ClientEvent::Message(..) => {}
                    }
                    let after = self.incoming.queue.iter().map(|(at, _, _)| *at).max();
                    self.held_events.push_back((after.unwrap_or(now), other));
                }
            }
        }
        for (_, channel, bytes) in self.incoming.take_due(now) {
            self.client_events
                .push_back(ClientEvent::Message(channel, bytes));
        }
        while let Some((at, _)) = self.held_events.front()
            && *at <= now
        {
            if let Some((_, event)) = self.held_events.pop_front() {
                self.client_events.push_back(event);
            }
        }
        self.release_client();
        Ok(())
    }

    fn poll(&mut self) -> Option<ClientEvent> {
        self.client_events.pop_front()
    }

    fn send(&mut self, channel: Channel, bytes: Vec<u8>) -> Result<(), SendError> {
        if !self.open.contains(&CLIENT_CONN) {
            return Err(SendError::NotConnected);
        }
        self.shaper
            .schedule(&mut self.outgoing, channel, (None, channel, bytes));
        Ok(())
    }

    fn disconnect(&mut self) {
        // What the client sent before closing (a `Bye`) still goes out, ahead of
        // the close, as it would on a real link.
        let pending = std::mem::take(&mut self.outgoing.queue);
        for (_, _, (_, channel, bytes)) in pending {
            let _ = self.inner.send(channel, bytes);
        }
        self.inner.flush();
        self.open.remove(&CLIENT_CONN);
        self.inner.disconnect();
    }

    fn reconnect(&mut self, now: Duration) -> Result<(), TransportError> {
        self.outgoing.queue.clear();
        self.incoming.queue.clear();
        self.held_events.clear();
        self.open.remove(&CLIENT_CONN);
        self.inner.reconnect(now)
    }

    fn flush(&mut self) {
        self.release_client();
        self.inner.flush();
    }
}

impl<T: ClientTransport> Conditioned<T> {
    /// The client side of [`Conditioned::release`].
    fn release_client(&mut self) {
        let due = self.outgoing.take_due(self.shaper.now);
        if due.is_empty() {
            return;
        }
        for (_, channel, bytes) in due {
            if !self.open.contains(&CLIENT_CONN) {
                break;
            }
            if let Err(SendError::Full { .. }) = self.inner.send(channel, bytes) {
                self.open.remove(&CLIENT_CONN);
                self.inner.disconnect();
                self.client_events
                    .push_back(ClientEvent::Disconnected(DisconnectReason::Other(
                        "a reliable message did not fit its channel".into(),
                    )));
            }
        }
        self.inner.flush();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::transport::memory_hub;

    fn drain(host: &mut impl HostTransport) -> Vec<Vec<u8>> {
        let mut out = Vec::new();
        while let Some(e) = host.poll() {
            if let HostEvent::Message(_, _, b) = e {
                out.push(b);
            }
        }
        out
    }

    #[test]
    fn latency_holds_messages_until_due_and_reliable_keeps_order() {
        let (mut host, connector) = memory_hub();
        let conditions = LinkConditions {
            latency: Duration::from_millis(50),
            jitter: Duration::from_millis(20),
            seed: 3,
            ..LinkConditions::default()
        };
        let mut client = Conditioned::new(connector.connect().expect("host alive"), conditions);
        let ms = Duration::from_millis;
        client.update(ms(0)).expect("memory");
        for i in 0..20u8 {
            client.send(Channel::Reliable, vec![i]).expect("queued");
        }
        client.flush();
        host.update(ms(0)).expect("memory");
        assert!(drain(&mut host).is_empty(), "nothing before 30 ms");
        client.update(ms(80)).expect("memory");
        client.flush();
        host.update(ms(80)).expect("memory");
        let got = drain(&mut host);
        assert_eq!(got, (0..20u8).map(|i| vec![i]).collect::<Vec<_>>());
    }

    #[test]
    fn loss_and_duplicates_are_seeded_and_about_right() {
        let run = |seed| {
            let (mut host, connector) = memory_hub();
            let conditions = LinkConditions {
                loss: 0.1,
                duplicate: 0.05,
                reorder: 0.1,
                seed,
                ..LinkConditions::default()
            };
            let mut client = Conditioned::new(connector.connect().expect("host alive"), conditions);
            client.update(Duration::ZERO).expect("memory");
            for i in 0..2000u16 {
                client
                    .send(Channel::Unreliable, i.to_le_bytes().to_vec())
                    .expect("queued");
            }
            client.update(Duration::from_millis(10)).expect("memory");
            client.flush();
            host.update(Duration::ZERO).expect("memory");
            drain(&mut host)
        };
        let a = run(7);
        assert_eq!(a, run(7), "same seed, same delivery");
        assert_ne!(a, run(8));
        let unique: std::collections::BTreeSet<_> = a.iter().collect();
        assert!(
            (1700..1900).contains(&unique.len()),
            "about 10% lost: {}",
            unique.len()
        );
        assert!(a.len() > unique.len(), "some duplicated");
        assert!(a.windows(2).any(|w| w[0] > w[1]), "some reordered");
    }

    #[test]
    fn a_cut_drops_everything_until_it_ends() {
        let (mut host, connector) = memory_hub();
        let mut client = Conditioned::new(
            connector.connect().expect("host alive"),
            LinkConditions::default(),
        );
        client.update(Duration::from_secs(1)).expect("memory");
        client.cut_for(Duration::from_secs(2));
        client.send(Channel::Reliable, vec![1]).expect("queued");
        client.update(Duration::from_secs(3)).expect("memory");
        client.send(Channel::Reliable, vec![2]).expect("queued");
        client.flush();
        host.update(Duration::from_secs(3)).expect("memory");
        assert_eq!(drain(&mut host), vec![vec![2]]);
    }
}
