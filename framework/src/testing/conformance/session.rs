//! The checks a session needs of a transport beyond moving bytes: a
//! connection made again keeps the peer, and an end says why.

use std::collections::BTreeSet;
use std::time::{Duration, Instant};

use super::pair::{DEADLINE, message};
use super::{Pair, TransportKit};
use crate::net::{
    ClientConfig, ClientSession, ClientStatus, HostConfig, HostSession, SessionEvent,
};
use crate::testing::arena::{Arena, ArenaGame, Dir, Steer};
use crate::transport::{
    Channel, ClientEvent, ClientTransport, ConnId, HostEvent, HostTransport, SendError,
    TransportError,
};

/// A host transport that remembers its open connections, so that a check can
/// drop them under a session's feet.
struct Tap<T> {
    inner: T,
    open: BTreeSet<ConnId>,
}

impl<T: HostTransport> HostTransport for Tap<T> {
    fn update(&mut self, now: Duration) -> Result<(), TransportError> {
        self.inner.update(now)
    }
    fn poll(&mut self) -> Option<HostEvent> {
        let event = self.inner.poll()?;
        match &event {
            HostEvent::Connected(c) => drop(self.open.insert(*c)),
            HostEvent::Disconnected(c, _) => drop(self.open.remove(c)),
            HostEvent::Message(..) => {}
        }
        Some(event)
    }
    fn send(&mut self, conn: ConnId, channel: Channel, bytes: Vec<u8>) -> Result<(), SendError> {
        self.inner.send(conn, channel, bytes)
    }
    fn disconnect(&mut self, conn: ConnId) {
        self.inner.disconnect(conn);
    }
    fn flush(&mut self) {
        self.inner.flush();
    }
}

type Host<K> = HostSession<ArenaGame, Tap<<K as TransportKit>::Host>>;
type Client<K> = ClientSession<ArenaGame, <K as TransportKit>::Client>;

/// A dedicated host session and a client session of `kit`.
fn sessions<K: TransportKit>(kit: &mut K) -> (Host<K>, Client<K>) {
    let inner = kit.host();
    let client = kit.client(&inner);
    let config = HostConfig {
        seed: 7,
        // A peer can only leave by saying so within a check's deadline.
        grace: Duration::from_secs(3600),
        timeout: Duration::from_secs(3600),
        succession: false,
        // A checksum at every tick, to compare the two ends at any common one.
        checksum_interval: 1,
        ..HostConfig::default()
    };
    let tap = Tap {
        inner,
        open: BTreeSet::new(),
    };
    let host = HostSession::new(config, Arena::default(), tap).expect("the host starts");
    let config = ClientConfig {
        name: "ann".into(),
        ..ClientConfig::default()
    };
    let client = ClientSession::new(config, client).expect("the client starts");
    (host, client)
}

/// Runs both sessions in real time until `done`; the events each saw.
fn run<K: TransportKit>(
    host: &mut Host<K>,
    client: &mut Client<K>,
    what: &str,
    events: &mut (Vec<SessionEvent>, Vec<SessionEvent>),
    mut done: impl FnMut(&mut Host<K>, &mut Client<K>, &(Vec<SessionEvent>, Vec<SessionEvent>)) -> bool,
) {
    let start = Instant::now();
    while !done(host, client, events) {
        assert!(start.elapsed() < DEADLINE, "timed out waiting for {what}");
        let now = start.elapsed();
        host.update(now).expect("the host session");
        events.0.extend(host.drain_events());
        client.update(now).expect("the client session");
        events.1.extend(client.drain_events());
        std::thread::sleep(Duration::from_millis(1));
    }
}

/// A connection the host's transport drops is made again by the client, and
/// the session resumes under the same peer id, its moves sealed as before.
pub fn reconnect_keeps_the_peer<K: TransportKit>(mut kit: K) {
    let (mut host, mut client) = sessions(&mut kit);
    let mut events = Default::default();
    run::<K>(
        &mut host,
        &mut client,
        "the client to join",
        &mut events,
        |_, c, _| c.peer().is_some() && c.sealed_tick().0 > 5,
    );
    let peer = client.peer().expect("joined");
    let open: Vec<ConnId> = host.transport().open.iter().copied().collect();
    assert_eq!(open.len(), 1, "one connection");
    host.transport_mut().disconnect(open[0]);
    run::<K>(
        &mut host,
        &mut client,
        "the client to resume",
        &mut events,
        |_, _, (_, e)| {
            e.iter()
                .any(|e| matches!(e, SessionEvent::Reconnected { .. }))
        },
    );
    assert!(
        events.1.contains(&SessionEvent::Reconnected { peer }),
        "resumed under {peer:?}: {:?}",
        events.1
    );
    assert_eq!(client.peer(), Some(peer));
    client.commit(Steer(Dir::Left)).expect("a player's move");
    let from = client.sealed_tick();
    run::<K>(
        &mut host,
        &mut client,
        "play to go on",
        &mut events,
        |h, c, _| c.sealed_tick().0 > from.0 + 10 && h.sealed_tick().0 > from.0 + 10,
    );
    let remote: Vec<_> = host.peers().into_iter().filter(|p| p.remote).collect();
    assert_eq!(remote.len(), 1, "still one peer: {remote:?}");
    assert_eq!(remote[0].peer, peer);
    let at = client.sealed_tick();
    assert_eq!(
        client.checksum_at(at),
        host.checksum_at(at),
        "one game at {at}"
    );
}

/// What an end sent right before closing arrives before the close, and the
/// other end sees the close with a reason; a host's shutdown reason reaches
/// the client session, and a client's leave is sealed at the host at once.
pub fn graceful_disconnect<K: TransportKit>(mut kit: K) {
    let mut p = Pair::new(&mut kit);
    let conn = p.connect();
    p.host
        .send(conn, Channel::Reliable, message(7, 900))
        .expect("queued");
    p.host.disconnect(conn);
    assert_eq!(p.client_receives(1), [(Channel::Reliable, message(7, 900))]);
    p.until("the client to see the close", |p| {
        p.client_events.iter().any(|e| match e {
            ClientEvent::Disconnected(why) => !why.to_string().is_empty(),
            other => panic!("after the close the client saw {other:?}"),
        })
    });
    drop(p);

    let mut p = Pair::new(&mut kit);
    let conn = p.connect();
    p.client
        .send(Channel::Reliable, message(8, 900))
        .expect("queued");
    p.client.disconnect();
    assert_eq!(
        p.host_receives(conn, 1),
        [(Channel::Reliable, message(8, 900))]
    );
    p.until("the host to see the close", |p| {
        p.host_events
            .iter()
            .any(|e| matches!(e, HostEvent::Disconnected(c, why) if *c == conn && !why.is_empty()))
    });
    drop(p);

    session_ends_say_why(&mut kit);
}

/// The session half of [`graceful_disconnect`].
fn session_ends_say_why<K: TransportKit>(kit: &mut K) {
    let (mut host, mut client) = sessions(kit);
    let mut events = Default::default();
    run::<K>(
        &mut host,
        &mut client,
        "the client to join",
        &mut events,
        |_, c, _| c.peer().is_some(),
    );
    host.shutdown("the tournament is over")
        .expect("no recording to fail");
    run::<K>(
        &mut host,
        &mut client,
        "the client to stop",
        &mut events,
        |_, c, _| matches!(c.status(), ClientStatus::Stopped(_)),
    );
    let ClientStatus::Stopped(why) = client.status() else {
        unreachable!("stopped");
    };
    assert!(
        why.contains("the tournament is over"),
        "the client says: {why}"
    );

    let (mut host, mut client) = sessions(kit);
    let mut events = Default::default();
    run::<K>(
        &mut host,
        &mut client,
        "the client to join",
        &mut events,
        |_, c, _| c.peer().is_some(),
    );
    let peer = client.peer().expect("joined");
    client.leave();
    run::<K>(
        &mut host,
        &mut client,
        "the host to seal the leave",
        &mut events,
        |_, _, (h, _)| {
            h.iter()
                .any(|e| matches!(e, SessionEvent::Left { peer: p, .. } if *p == peer))
        },
    );
}
