//! The host's connection table: connections (what each client was sent and has
//! acknowledged, its relay queue, its clock) and peers (who survives a dropped
//! connection during the grace window). It decides nothing on the network; it
//! says which connections and peers are due to go.

use std::collections::BTreeMap;
use std::net::IpAddr;
use std::time::Duration;

use crate::model::{Commit, PeerId, Tick};
use crate::net::succession::{Member, PeerKey, Standby};
use crate::transport::ConnId;

use super::delivery::Delivery;
use super::handshake::Occupancy;

/// One connection: who holds it, whether it is alive, and its traffic.
#[derive(Debug)]
pub(super) struct Conn<M> {
    pub(super) peer: Option<PeerId>,
    /// Its peer watches: it gets sealed ticks, no relays, and may not commit.
    pub(super) spectator: bool,
    pub(super) opened_at: Duration,
    pub(super) last_heard: Duration,
    pub(super) closing_at: Option<Duration>,
    /// Set after a desync until a later checksum matches.
    pub(super) healing: Option<Tick>,
    /// The round trip and jitter the client reported.
    pub(super) rtt: Option<Duration>,
    pub(super) jitter: Duration,
    /// Frames, acknowledgements, resends, relays and the clock echo.
    pub(super) delivery: Delivery<M>,
}

impl<M> Conn<M> {
    fn new(now: Duration) -> Self {
        Conn {
            peer: None,
            spectator: false,
            opened_at: now,
            last_heard: now,
            closing_at: None,
            healing: None,
            rtt: None,
            jitter: Duration::ZERO,
            delivery: Delivery::new(Tick::GENESIS),
        }
    }

    /// Handshaken and not closing: it gets frames and relays.
    pub(super) fn live(&self) -> bool {
        self.peer.is_some() && self.closing_at.is_none()
    }
}

/// One peer (survives its connection during the grace window).
#[derive(Debug)]
pub(super) struct Peer {
    pub(super) name: String,
    /// A spectator: no `Join` or `Leave` of its own in the sealed log.
    pub(super) spectator: bool,
    /// Its resume token (0 until it resumes, for a peer of a session taken over).
    pub(super) token: u64,
    /// The key of its token: what it is recognised by when it resumes.
    pub(super) key: PeerKey,
    pub(super) conn: Option<ConnId>,
    pub(super) dropped_at: Option<Duration>,
    /// Where it could host (from its last `Hello`) and where its traffic came from.
    pub(super) standby: Option<(Standby, Option<IpAddr>)>,
}

/// How long things may last, for [`Table::due`].
#[derive(Clone, Copy, Debug)]
pub(super) struct Limits {
    /// A connection silent this long is gone.
    pub(super) timeout: Duration,
    /// A connection must finish the handshake within this long.
    pub(super) handshake: Duration,
    /// A peer may resume this long after its connection dropped.
    pub(super) grace: Duration,
}

/// What is due to go at a given time.
#[derive(Debug, Default, PartialEq, Eq)]
pub(super) struct Due {
    /// Connections the host is closing whose linger is over.
    pub(super) closed: Vec<ConnId>,
    /// Silent connections, and whether each had finished its handshake.
    pub(super) silent: Vec<(ConnId, bool)>,
    /// Connections that did not finish the handshake in time.
    pub(super) no_handshake: Vec<ConnId>,
    /// Peers whose grace window is over.
    pub(super) expired: Vec<PeerId>,
}

/// Connections and peers.
#[derive(Debug)]
pub(super) struct Table<M> {
    conns: BTreeMap<ConnId, Conn<M>>,
    peers: BTreeMap<PeerId, Peer>,
    next_peer: u64,
}

impl<M> Default for Table<M> {
    fn default() -> Self {
        Table {
            conns: BTreeMap::new(),
            peers: BTreeMap::new(),
            next_peer: 1,
        }
    }
}

impl<M> Table<M> {
    /// A new connection, not handshaken yet.
    pub(super) fn open(&mut self, conn: ConnId, now: Duration) {
        self.conns.insert(conn, Conn::new(now));
    }

    pub(super) fn conn(&self, conn: ConnId) -> Option<&Conn<M>> {
        self.conns.get(&conn)
    }

    pub(super) fn conn_mut(&mut self, conn: ConnId) -> Option<&mut Conn<M>> {
        self.conns.get_mut(&conn)
    }

    pub(super) fn conns(&self) -> impl Iterator<Item = (ConnId, &Conn<M>)> {
        self.conns.iter().map(|(&id, c)| (id, c))
    }

    pub(super) fn peers(&self) -> impl Iterator<Item = (PeerId, &Peer)> {
        self.peers.iter().map(|(&id, p)| (id, p))
    }

    /// Live connections (handshaken, not closing).
    pub(super) fn live(&self) -> Vec<ConnId> {
        self.conns()
            .filter(|(_, c)| c.live())
            .map(|(id, _)| id)
            .collect()
    }

    /// Live players' and spectators' connections, counted apart.
    pub(super) fn occupancy(&self) -> Occupancy {
        let mut o = Occupancy::default();
        for (_, c) in self.conns().filter(|(_, c)| c.live()) {
            if c.spectator {
                o.spectators += 1;
            } else {
                o.players += 1;
            }
        }
        o
    }

    /// Adds a spectator: a peer id for its connection and resume token, which
    /// never appears in the sealed log.
    pub(super) fn add_spectator(&mut self, name: String, token: u64) -> PeerId {
        let peer = self.add_peer(name, token);
        if let Some(p) = self.peers.get_mut(&peer) {
            p.spectator = true;
        }
        peer
    }

    /// Whether `peer` is a spectator.
    pub(super) fn is_spectator(&self, peer: PeerId) -> bool {
        self.peers.get(&peer).is_some_and(|p| p.spectator)
    }

    /// Adds a peer with the next free id (`PeerId::HOST` is never handed out).
    pub(super) fn add_peer(&mut self, name: String, token: u64) -> PeerId {
        let peer = PeerId(self.next_peer);
        self.next_peer += 1;
        self.insert_peer(peer, name, token);
        peer
    }

    /// Adds a peer under a given id (the host's own player).
    pub(super) fn insert_peer(&mut self, peer: PeerId, name: String, token: u64) {
        self.peers.insert(
            peer,
            Peer {
                name,
                spectator: false,
                token,
                key: PeerKey::of(token),
                conn: None,
                dropped_at: None,
                standby: None,
            },
        );
    }

    /// Adds a peer of a session taken over, known by its key until it resumes.
    pub(super) fn insert_migrated(&mut self, member: &Member) {
        self.insert_peer(member.peer, member.name.clone(), 0);
        if let Some(p) = self.peers.get_mut(&member.peer) {
            p.key = member.key;
            p.spectator = member.spectator;
        }
    }

    /// Notes where `peer` could host.
    pub(super) fn set_standby(&mut self, peer: PeerId, standby: Option<(Standby, Option<IpAddr>)>) {
        if let Some(p) = self.peers.get_mut(&peer) {
            p.standby = standby;
        }
    }

    /// New peers get `peer` or a later id (ids below it were handed out).
    pub(super) fn reserve_ids_below(&mut self, peer: PeerId) {
        self.next_peer = self.next_peer.max(peer.0);
    }

    /// A peer with no connection enters its grace window at `now` (a session
    /// taken over: the peer was connected to the old host).
    pub(super) fn lost_before(&mut self, peer: PeerId, now: Duration) {
        if let Some(p) = self.peers.get_mut(&peer).filter(|p| p.conn.is_none()) {
            p.dropped_at = Some(now);
        }
    }

    /// The connection `peer` holds now, if any.
    pub(super) fn peer_conn(&self, peer: PeerId) -> Option<ConnId> {
        self.peers.get(&peer)?.conn
    }

    /// Whether `peer` is known (connected or within its grace window).
    pub(super) fn knows(&self, peer: PeerId) -> bool {
        self.peers.contains_key(&peer)
    }

    /// The id the next peer will get.
    pub(super) fn next_peer(&self) -> PeerId {
        PeerId(self.next_peer)
    }

    /// A remote peer holding `token` (matched by its key, so that a peer of a
    /// session taken over resumes too), with its connection if it still has one.
    /// The peer keeps the token from then on.
    pub(super) fn by_token(&mut self, token: u64) -> Option<(PeerId, Option<ConnId>)> {
        let key = PeerKey::of(token);
        let (&id, p) = self
            .peers
            .iter_mut()
            .find(|(id, p)| **id != PeerId::HOST && p.key == key)?;
        p.token = token;
        Some((id, p.conn))
    }

    /// Binds a peer to a handshaken connection that holds sealed ticks up to `sealed`.
    /// Returns the peer's resume token.
    pub(super) fn bind(&mut self, conn: ConnId, peer: PeerId, sealed: Tick) -> Option<u64> {
        let p = self.peers.get_mut(&peer)?;
        p.conn = Some(conn);
        p.dropped_at = None;
        let c = self.conns.get_mut(&conn)?;
        c.peer = Some(peer);
        c.spectator = p.spectator;
        c.delivery = Delivery::new(sealed);
        Some(p.token)
    }

    /// A connection ended. Its peer, if still bound to it, enters the grace
    /// window and is returned.
    pub(super) fn lost(&mut self, conn: ConnId, now: Duration) -> Option<PeerId> {
        let peer = self.conns.remove(&conn)?.peer?;
        let p = self.peers.get_mut(&peer).filter(|p| p.conn == Some(conn))?;
        p.conn = None;
        p.dropped_at = Some(now);
        Some(peer)
    }

    /// The peer leaves for good: its resume token is replaced so it cannot
    /// come back under its id. Returns whether it was known.
    pub(super) fn retire(&mut self, peer: PeerId, new_token: u64) -> bool {
        let Some(p) = self.peers.get_mut(&peer) else {
            return false;
        };
        p.dropped_at = None;
        p.token = new_token;
        p.key = PeerKey::of(new_token);
        true
    }

    /// Forgets a peer (its `Leave` was sealed).
    pub(super) fn remove_peer(&mut self, peer: PeerId) {
        self.peers.remove(&peer);
    }

    /// What is due to go at `now`.
    pub(super) fn due(&self, now: Duration, limits: Limits) -> Due {
        let since = |t: Duration| now.saturating_sub(t);
        let mut due = Due::default();
        for (id, c) in self.conns() {
            match c.closing_at {
                Some(t) if t <= now => due.closed.push(id),
                Some(_) => {}
                None if since(c.last_heard) > limits.timeout => {
                    due.silent.push((id, c.peer.is_some()));
                }
                None if c.peer.is_none() && since(c.opened_at) > limits.handshake => {
                    due.no_handshake.push(id);
                }
                None => {}
            }
        }
        due.expired = self
            .peers()
            .filter(|(_, p)| p.dropped_at.is_some_and(|t| since(t) > limits.grace))
            .map(|(id, _)| id)
            .collect();
        due
    }
}

impl<M: Clone> Table<M> {
    /// Queues a commit for every live player's connection but `from`
    /// (spectators show the sealed log only).
    pub(super) fn relay(&mut self, from: Option<ConnId>, commit: &Commit<M>) {
        for (&id, c) in &mut self.conns {
            if Some(id) != from && c.live() && !c.spectator {
                c.delivery.relay(commit.clone());
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::CommitId;

    const LIMITS: Limits = Limits {
        timeout: Duration::from_millis(1500),
        handshake: Duration::from_secs(2),
        grace: Duration::from_secs(10),
    };

    fn s(secs: f64) -> Duration {
        Duration::from_secs_f64(secs)
    }

    #[test]
    fn a_dropped_peer_may_resume_within_the_grace_window_only() {
        let mut t: Table<u8> = Table::default();
        t.open(7, s(0.0));
        let ann = t.add_peer("ann".into(), 42);
        assert_eq!(t.bind(7, ann, Tick(10)), Some(42));
        assert_eq!(t.lost(7, s(5.0)), Some(ann));
        assert_eq!(t.by_token(42), Some((ann, None)));
        assert!(t.due(s(14.9), LIMITS).expired.is_empty());
        assert_eq!(t.due(s(15.1), LIMITS).expired, vec![ann]);
        // Back in time: bound to a new connection, the window closes.
        t.open(8, s(14.0));
        t.bind(8, ann, Tick(20));
        assert!(t.due(s(15.1), LIMITS).expired.is_empty());
        assert!(t.retire(ann, 99));
        assert_eq!(t.by_token(42), None, "a retired token resumes nothing");
    }

    #[test]
    fn silent_idle_and_closed_connections_are_told_apart() {
        let mut t: Table<u8> = Table::default();
        t.open(1, s(0.0));
        t.open(2, s(0.0));
        t.open(3, s(0.0));
        let bob = t.add_peer("bob".into(), 1);
        t.bind(2, bob, Tick(0));
        if let Some(c) = t.conn_mut(3) {
            c.closing_at = Some(s(0.5));
        }
        for id in [1, 2] {
            if let Some(c) = t.conn_mut(id) {
                c.last_heard = s(1.0);
            }
        }
        let due = t.due(s(2.1), LIMITS);
        assert_eq!(due.closed, vec![3]);
        assert_eq!(
            due.no_handshake,
            vec![1],
            "heard from, but never said Hello"
        );
        assert!(due.silent.is_empty());
        let due = t.due(s(2.6), LIMITS);
        assert_eq!(due.silent, vec![(1, false), (2, true)]);
    }

    #[test]
    fn relays_go_to_every_live_connection_but_the_author() {
        let mut t: Table<u8> = Table::default();
        for id in 1..=3 {
            t.open(id, s(0.0));
            let p = t.add_peer(format!("p{id}"), id);
            t.bind(id, p, Tick(0));
        }
        t.open(4, s(0.0));
        let id = CommitId {
            author: PeerId(1),
            seq: 0,
        };
        t.relay(Some(1), &Commit::game(id, Tick(5), 9u8));
        let queued: Vec<usize> = (1..=4)
            .map(|c| t.conn(c).map_or(0, |c| c.delivery.queued_relays()))
            .collect();
        assert_eq!(
            queued,
            vec![0, 1, 1, 0],
            "not the author, not the unhandshaken"
        );
        assert_eq!(t.live(), vec![1, 2, 3]);
        assert_eq!(t.next_peer(), PeerId(4));
    }
}
