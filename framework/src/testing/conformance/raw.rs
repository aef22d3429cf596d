//! The checks of the transport contract itself: ends, channels, bytes.

use std::time::{Duration, Instant};

use super::pair::{DEADLINE, message, seed_of};
use super::{Pair, TransportKit};
use crate::transport::{
    Channel, ClientEvent, ClientTransport, ConnId, HostEvent, HostTransport, MAX_MESSAGE_TO_HOST,
    SendError,
};

/// Both ends see the connection open, and a first message each way arrives.
pub fn handshake<K: TransportKit>(mut kit: K) {
    let mut p = Pair::new(&mut kit);
    let conn = p.connect();
    p.client
        .send(Channel::Reliable, message(1, 64))
        .expect("the client sends once connected");
    p.host
        .send(conn, Channel::Reliable, message(2, 64))
        .expect("the host sends once connected");
    assert_eq!(
        p.host_receives(conn, 1),
        [(Channel::Reliable, message(1, 64))]
    );
    assert_eq!(p.client_receives(1), [(Channel::Reliable, message(2, 64))]);
}

/// Queues `msg` once the channel has room for it, pumping meanwhile.
fn send_when_room<K: TransportKit>(p: &mut Pair<K>, to: Option<ConnId>, msg: Vec<u8>) {
    let deadline = Instant::now() + DEADLINE;
    loop {
        let sent = match to {
            Some(conn) => p.host.send(conn, Channel::Reliable, msg.clone()),
            None => p.client.send(Channel::Reliable, msg.clone()),
        };
        match sent {
            Ok(()) => return,
            Err(SendError::Full { .. }) if Instant::now() < deadline => p.pump(),
            Err(e) => panic!("a reliable message of {} bytes: {e}", msg.len()),
        }
    }
}

/// Two reliable messages of 10 MB from the host, with small ones between
/// them, and a run of the largest a client may send, arrive intact and in order.
pub fn big_reliable_messages<K: TransportKit>(mut kit: K) {
    let mut p = Pair::new(&mut kit);
    let conn = p.connect();
    let to_client: Vec<Vec<u8>> = [10_000_000, 1, 300_000, 10_000_000, 4]
        .iter()
        .enumerate()
        .map(|(i, &len)| message(10 + i as u32, len.max(4)))
        .collect();
    let to_host: Vec<Vec<u8>> = (0..16)
        .map(|i| message(100 + i, MAX_MESSAGE_TO_HOST))
        .collect();
    for (i, msg) in to_client.iter().enumerate() {
        send_when_room(&mut p, Some(conn), msg.clone());
        if let Some(up) = to_host.get(i) {
            send_when_room(&mut p, None, up.clone());
        }
    }
    for up in &to_host[to_client.len()..] {
        send_when_room(&mut p, None, up.clone());
    }
    let got = p.client_receives(to_client.len());
    for (i, ((ch, bytes), sent)) in got.iter().zip(&to_client).enumerate() {
        assert_eq!(*ch, Channel::Reliable);
        assert!(
            bytes == sent,
            "message {i} to the client: {} bytes (seed {:?}) where {} (seed {:?}) were sent",
            bytes.len(),
            seed_of(bytes),
            sent.len(),
            seed_of(sent)
        );
    }
    let got = p.host_receives(conn, to_host.len());
    let seeds: Vec<_> = got.iter().map(|(_, b)| seed_of(b)).collect();
    let sent: Vec<_> = to_host.iter().map(|b| seed_of(b)).collect();
    assert_eq!(seeds, sent, "the client's messages, in order");
    assert!(got.iter().zip(&to_host).all(|((_, b), s)| b == s), "intact");
}

/// Unreliable messages each way arrive intact or not at all, each at most
/// [`MAX_COPIES`] times; most of them arrive.
pub fn unreliable_messages<K: TransportKit>(mut kit: K) {
    let mut p = Pair::new(&mut kit);
    let conn = p.connect();
    const N: u32 = 200;
    for i in 0..N {
        p.host
            .send(conn, Channel::Unreliable, message(i, 8 + i as usize * 4))
            .expect("queued");
        p.client
            .send(Channel::Unreliable, message(1000 + i, 8 + i as usize * 4))
            .expect("queued");
        p.pump();
    }
    let (mut at_client, mut at_host) = (vec![0u8; N as usize], vec![0u8; N as usize]);
    let settle = Instant::now() + Duration::from_secs(1);
    p.until("the unreliable messages to settle", |_| {
        Instant::now() > settle
    });
    for e in p.client_events.drain(..) {
        let ClientEvent::Message(Channel::Unreliable, bytes) = e else {
            panic!("the client saw {e:?}");
        };
        count(&mut at_client, &bytes, 0);
    }
    for e in p.host_events.drain(..) {
        let HostEvent::Message(c, Channel::Unreliable, bytes) = e else {
            panic!("the host saw {e:?}");
        };
        assert_eq!(c, conn);
        count(&mut at_host, &bytes, 1000);
    }
    for (side, counts) in [("client", &at_client), ("host", &at_host)] {
        let arrived = counts.iter().filter(|&&c| c > 0).count();
        assert!(
            arrived * 2 >= N as usize,
            "only {arrived} of {N} unreliable messages reached the {side}"
        );
        let most = counts.iter().copied().max().unwrap_or(0);
        assert!(
            usize::from(most) <= MAX_COPIES,
            "a message reached the {side} {most} times"
        );
    }
}

/// How many copies of one unreliable message may arrive: a network may
/// duplicate a datagram, and so may a link conditioner at each end.
pub const MAX_COPIES: usize = 4;

/// Counts a message of seed `base + i` at `counts[i]`, checking it is intact.
fn count(counts: &mut [u8], bytes: &[u8], base: u32) {
    let seed = seed_of(bytes).expect("a whole message");
    let i = seed.checked_sub(base).expect("one that was sent") as usize;
    assert_eq!(
        bytes,
        message(seed, 8 + i * 4),
        "unreliable message {i} intact"
    );
    counts[i] = counts[i].saturating_add(1);
}

/// Bytes that are not the transport's protocol, thrown at the host, do not
/// disturb a connected client: it keeps both ways of its connection, and
/// receives only what was sent to it.
pub fn garbage_is_ignored<K: TransportKit>(mut kit: K) {
    let mut p = Pair::new(&mut kit);
    let conn = p.connect();
    let mut x: u32 = 0x1234_5678;
    for round in 0..20u32 {
        for _ in 0..50 {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            let len = (x % 1400) as usize;
            let junk: Vec<u8> = (0..len).map(|i| (x >> (i % 24)) as u8).collect();
            kit.garbage(&p.host, &junk);
        }
        p.host
            .send(conn, Channel::Reliable, message(round, 32))
            .expect("the host still serves the client");
        p.client
            .send(Channel::Reliable, message(500 + round, 32))
            .expect("the client is still connected");
        assert_eq!(
            p.client_receives(1),
            [(Channel::Reliable, message(round, 32))]
        );
        assert_eq!(
            p.host_receives(conn, 1),
            [(Channel::Reliable, message(500 + round, 32))]
        );
    }
}

/// A client that reads nothing fills its reliable channel at the host within
/// a bound; the host ends the connection, and both ends see it end with a
/// reason.
pub fn full_channel_ends_the_connection<K: TransportKit>(mut kit: K) {
    let mut p = Pair::new(&mut kit);
    let conn = p.connect();
    p.client_reads = false;
    const BOUND: usize = 256 << 20;
    let mut queued = 0;
    let mut seed = 0;
    let ended_by_host = loop {
        assert!(
            queued < BOUND,
            "{queued} bytes queued and the channel is never full"
        );
        seed += 1;
        match p
            .host
            .send(conn, Channel::Reliable, message(seed, 64 * 1024))
        {
            Ok(()) => queued += 64 * 1024,
            Err(SendError::Full { bytes, available }) => {
                assert!(bytes > available, "full with {available} free for {bytes}");
                p.host.disconnect(conn);
                break true;
            }
            Err(SendError::NotConnected) => break false,
        }
        p.pump();
    };
    let mut host_reason = None;
    p.until("the host to report the end", |p| {
        host_reason = p.host_events.iter().find_map(|e| match e {
            HostEvent::Disconnected(c, why) if *c == conn => Some(why.clone()),
            _ => None,
        });
        host_reason.is_some()
    });
    assert!(!host_reason.unwrap_or_default().is_empty(), "a reason");
    p.client_reads = true;
    let mut client_reason = None;
    p.until("the client to see the end", |p| {
        while let Some(e) = p.client_events.pop_front() {
            if let ClientEvent::Disconnected(why) = e {
                client_reason = Some(why.to_string());
            }
        }
        client_reason.is_some()
    });
    assert!(
        !client_reason.unwrap_or_default().is_empty(),
        "the client hears a reason (closed by the host: {ended_by_host})"
    );
}
