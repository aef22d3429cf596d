//! The player's side of discovery: a list of the LAN's games of one game,
//! refreshed by a query every few seconds.

use std::collections::BTreeMap;
use std::io::ErrorKind;
use std::net::{Ipv4Addr, SocketAddr, SocketAddrV4, UdpSocket};
use std::time::Duration;

use crate::model::Game;

use super::DiscoveryError;
use super::wire::{
    Announcement, DEFAULT_DISCOVERY_PORT, MAX_REPLY_BYTES, Query, decode_reply, encode_query,
};

/// Games listed at once; replies from more hosts are ignored until some leave.
pub const MAX_LISTED: usize = 256;
/// Recent queries whose replies are taken (older ones are late or forged).
const RECENT_NONCES: usize = 4;
/// Datagrams read per poll.
const MAX_READS_PER_POLL: usize = 512;

/// Where and how often a [`LanBrowser`] asks.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BrowseConfig {
    /// The discovery port hosts answer on.
    pub port: u16,
    /// Broadcast each query on the LAN: to `255.255.255.255` and to the
    /// broadcast address of every IPv4 interface that has one (a LAN without a
    /// default route cannot reach the first).
    pub broadcast: bool,
    /// Hosts' discovery addresses to ask directly as well (across routers, or
    /// on this machine).
    pub targets: Vec<SocketAddr>,
    /// The browser's own socket address.
    pub bind: SocketAddr,
    /// Time between queries.
    pub refresh: Duration,
    /// A game not heard from for this long leaves the list.
    pub forget_after: Duration,
}

impl Default for BrowseConfig {
    fn default() -> Self {
        BrowseConfig {
            port: DEFAULT_DISCOVERY_PORT,
            broadcast: true,
            targets: Vec::new(),
            bind: SocketAddr::V4(SocketAddrV4::new(Ipv4Addr::UNSPECIFIED, 0)),
            refresh: Duration::from_secs(2),
            forget_after: Duration::from_secs(7),
        }
    }
}

impl BrowseConfig {
    /// Broadcasts on `port` instead of the default.
    #[must_use]
    pub fn on_port(mut self, port: u16) -> Self {
        self.port = port;
        self
    }

    /// Asks only `targets`, no broadcast (a host's own discovery address).
    #[must_use]
    pub fn only(mut self, targets: Vec<SocketAddr>) -> Self {
        self.broadcast = false;
        self.targets = targets;
        self
    }

    /// Where a query goes now: the broadcast addresses (read from the
    /// interfaces at each query, as they come and go) and the targets.
    fn destinations(&self) -> Vec<SocketAddr> {
        let mut out = Vec::new();
        if self.broadcast {
            out.push(SocketAddr::from((Ipv4Addr::BROADCAST, self.port)));
            let interfaces = if_addrs::get_if_addrs().unwrap_or_default();
            for interface in interfaces.iter().filter(|i| !i.is_loopback()) {
                if let if_addrs::IfAddr::V4(v4) = &interface.addr
                    && let Some(broadcast) = v4.broadcast
                {
                    out.push(SocketAddr::from((broadcast, self.port)));
                }
            }
        }
        out.extend(self.targets.iter().copied());
        out.sort();
        out.dedup();
        out
    }
}

/// One game a browser found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LanGame {
    /// Where to join it: the reply's source address and the game's port.
    pub addr: SocketAddr,
    /// What its host said.
    pub announcement: Announcement,
    /// When it was last heard from (the time passed to [`LanBrowser::poll`]).
    pub last_seen: Duration,
}

/// Keeps a list of the LAN's games of one game (its id and schema hash) fresh:
/// call [`LanBrowser::poll`] often (every frame is fine).
#[derive(Debug)]
pub struct LanBrowser {
    socket: UdpSocket,
    config: BrowseConfig,
    game_id: String,
    schema_hash: u64,
    nonces: [u64; RECENT_NONCES],
    queries: u64,
    next_query: Option<Duration>,
    games: BTreeMap<SocketAddr, LanGame>,
    ignored: u64,
}

impl LanBrowser {
    /// A browser for games of `G` (same id and schema hash only).
    ///
    /// # Errors
    ///
    /// [`DiscoveryError::Io`] if its socket cannot be bound,
    /// [`DiscoveryError::Schema`] if `G`'s schema hash cannot be derived.
    pub fn new<G: Game>(config: BrowseConfig) -> Result<Self, DiscoveryError> {
        let schema_hash = G::schema_hash().map_err(|e| DiscoveryError::Schema(e.to_string()))?;
        Self::for_game(G::ID, schema_hash, config)
    }

    /// A browser for the game `game_id` with `schema_hash` (tools that cannot
    /// name the game's type).
    ///
    /// # Errors
    ///
    /// [`DiscoveryError::Io`] if its socket cannot be bound.
    pub fn for_game(
        game_id: &str,
        schema_hash: u64,
        config: BrowseConfig,
    ) -> Result<Self, DiscoveryError> {
        let socket = super::socket::broadcasting_udp(config.bind)?;
        // Nonces only tell this browser's queries from others' and from stale
        // ones; they need not be secret.
        let port = u64::from(socket.local_addr()?.port());
        let seed = port << 32 | u64::from(std::process::id());
        Ok(LanBrowser {
            socket,
            config,
            game_id: game_id.to_owned(),
            schema_hash,
            nonces: [seed; RECENT_NONCES],
            queries: seed,
            next_query: None,
            games: BTreeMap::new(),
            ignored: 0,
        })
    }

    /// The games heard from lately, by name then address.
    pub fn games(&self) -> Vec<&LanGame> {
        let mut games: Vec<&LanGame> = self.games.values().collect();
        games.sort_by(|a, b| (&a.announcement.name, a.addr).cmp(&(&b.announcement.name, b.addr)));
        games
    }

    /// The game named `name`, if exactly one has that name.
    ///
    /// # Errors
    ///
    /// [`DiscoveryError::Ambiguous`] when several do (join one by address).
    pub fn find(&self, name: &str) -> Result<Option<&LanGame>, DiscoveryError> {
        let named: Vec<&LanGame> = self
            .games
            .values()
            .filter(|g| g.announcement.name == name)
            .collect();
        match named.as_slice() {
            [] => Ok(None),
            [one] => Ok(Some(one)),
            many => Err(DiscoveryError::Ambiguous {
                name: name.to_owned(),
                addrs: many.iter().map(|g| g.addr).collect(),
            }),
        }
    }

    /// Replies ignored so far: garbage, other games or versions, unasked.
    pub fn ignored(&self) -> u64 {
        self.ignored
    }

    /// Sends a query when one is due, reads the replies that came, and forgets
    /// games not heard from lately. Returns whether the list changed.
    ///
    /// # Errors
    ///
    /// [`DiscoveryError::Io`] when no query could be sent anywhere (no network
    /// at all); destinations that cannot be reached while others can, and
    /// replies that fail to arrive, are not errors.
    pub fn poll(&mut self, now: Duration) -> Result<bool, DiscoveryError> {
        if self.next_query.is_none_or(|at| now >= at) {
            self.query()?;
            self.next_query = Some(now + self.config.refresh);
        }
        let mut changed = self.read_replies(now);
        let forget = self.config.forget_after;
        let before = self.games.len();
        self.games
            .retain(|_, g| now.saturating_sub(g.last_seen) < forget);
        changed |= self.games.len() != before;
        Ok(changed)
    }

    fn query(&mut self) -> Result<(), DiscoveryError> {
        self.queries = self
            .queries
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1);
        let nonce = self.queries;
        self.nonces.rotate_right(1);
        self.nonces[0] = nonce;
        let datagram = encode_query(&Query {
            nonce,
            game_id: self.game_id.clone(),
        })?;
        let mut last_error = None;
        let mut sent = false;
        for target in self.config.destinations() {
            match self.socket.send_to(&datagram, target) {
                Ok(_) => sent = true,
                Err(e) => last_error = Some(e),
            }
        }
        match last_error {
            Some(e) if !sent => Err(e.into()),
            _ => Ok(()),
        }
    }

    fn read_replies(&mut self, now: Duration) -> bool {
        let mut buf = [0u8; MAX_REPLY_BYTES + 1];
        let mut changed = false;
        for _ in 0..MAX_READS_PER_POLL {
            let (len, from) = match self.socket.recv_from(&mut buf) {
                Ok(got) => got,
                Err(e) if e.kind() == ErrorKind::Interrupted => continue,
                // WouldBlock, or an ICMP "port unreachable" from a target with
                // no host: nothing more to read now.
                Err(_) => break,
            };
            match decode_reply(&buf[..len]) {
                Ok(reply)
                    if self.nonces.contains(&reply.nonce)
                        && reply.announcement.game_id == self.game_id
                        && reply.announcement.schema_hash == self.schema_hash =>
                {
                    changed |= self.list(from, reply.announcement, now);
                }
                _ => self.ignored += 1,
            }
        }
        changed
    }

    /// Lists or refreshes the game announced from `from`; whether the list changed.
    fn list(&mut self, from: SocketAddr, announcement: Announcement, now: Duration) -> bool {
        let addr = SocketAddr::new(from.ip(), announcement.game_port);
        if let Some(game) = self.games.get_mut(&addr) {
            game.last_seen = now;
            let changed = game.announcement != announcement;
            game.announcement = announcement;
            return changed;
        }
        if self.games.len() >= MAX_LISTED {
            self.ignored += 1;
            return false;
        }
        let game = LanGame {
            addr,
            announcement,
            last_seen: now,
        };
        self.games.insert(addr, game);
        true
    }
}
