//! The host: seals ticks on its clock, relays them, validates everything clients
//! send, and keeps going whatever one client does.
//!
//! Parts with their own tests: `handshake` (its policy as pure functions),
//! `delivery` (one client's frames, acknowledgements and resends), `clock`
//! (session time and host ticks) and `resend` (the buffer of recent sealed
//! ticks, encoded once). `start` builds a host from a genesis or a client's
//! handover. The session's other methods are grouped by what they handle:
//! `ticks` seals and sends frames, `links` manages connections and the grace
//! window, `inbound` validates what clients send, `lifecycle` ends a session.

mod announce;
mod clock;
mod delivery;
mod gather;
mod handshake;
mod inbound;
mod lifecycle;
mod links;
mod resend;
mod sealer;
mod start;
mod succeed;
mod succession;
mod table;
mod ticks;

pub use announce::Listing;

#[cfg(test)]
mod local_tests;

use std::collections::BTreeMap;
use std::hash::{BuildHasher, Hasher};
use std::time::Duration;

use crate::model::{Body, Commit, CommitId, Game, GameIdentity, PeerId, Tick};
use crate::ratelog::RateLog;
use crate::timeline::Timeline;
use crate::transport::{HostEvent, HostTransport};

use super::config::HostConfig;
use super::events::{Advanced, PeerInfo, SessionError, SessionEvent, SessionStats};
use super::journal::{Recorder, Roster};
use clock::SessionClock;
use handshake::clean_name;
use resend::ResendBuffer;
use sealer::Sealer;
use table::Table;

/// How long a kicked or rejected connection lingers so its last message gets out.
const LINGER: Duration = Duration::from_millis(200);

/// A connection must finish the Tickline handshake within this long.
const HANDSHAKE_LIMIT: Duration = Duration::from_secs(2);

/// The host of a session. Drive it with [`HostSession::update`].
pub struct HostSession<G: Game, T> {
    config: HostConfig,
    /// The room this session serves on a server (`None`: a host of one game).
    room: Option<String>,
    identity: GameIdentity,
    transport: T,
    /// The sequencer and the host's own timeline.
    sealer: Sealer<G>,
    /// Recent sealed ticks with their encoded sizes, for resending.
    resend: ResendBuffer<G::Move>,
    table: Table<G::Move>,
    /// The current seal delay, in ticks (follows the clients' jitter).
    seal_delay: u64,
    log: RateLog,
    /// The players in the host's process: its own and local ones (bots).
    residents: Residents,
    roster: Roster,
    recorder: Option<Recorder>,
    events: Vec<SessionEvent>,
    stats: SessionStats,
    /// Session time and host ticks.
    clock: SessionClock,
    /// Something was queued on the transport since its last flush.
    queued: bool,
    /// Peers came, went or moved since the succession was last shared.
    succession_changed: bool,
    /// The succession the clients were last sent.
    shared_succession: crate::net::succession::Succession,
    /// Just took the session over: sealing waits for the old host's peers.
    gather: Option<gather::Gather>,
}

impl<G: Game, T> std::fmt::Debug for HostSession<G, T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "HostSession({} peers, sealed {})",
            self.table.peers().count(),
            self.sealer.sealed_tick()
        )
    }
}

/// The players that live in the host's process.
#[derive(Debug, Default)]
struct Residents {
    /// The host's own player (`None`: a dedicated host).
    own: Option<PeerId>,
    /// Local players (bots) and their next commit sequence numbers.
    local: BTreeMap<PeerId, u64>,
}

impl Residents {
    /// Whether `peer` lives in the host's process.
    fn holds(&self, peer: PeerId) -> bool {
        self.own == Some(peer) || self.local.contains_key(&peer)
    }

    /// Nobody plays in the host's process.
    fn is_empty(&self) -> bool {
        self.own.is_none() && self.local.is_empty()
    }
}

pub(super) fn random_token() -> u64 {
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u64(0x746f6b656e);
    h.finish()
}

impl<G: Game, T: HostTransport> HostSession<G, T> {
    /// The game's id and schema hash (and from them, the renet protocol id).
    pub fn identity(&self) -> &GameIdentity {
        &self.identity
    }

    /// Ticks per second.
    pub fn tick_rate(&self) -> u32 {
        self.clock.tick_rate
    }

    /// The host's predicted state (what a listen-server host renders).
    pub fn state(&self) -> &G::State {
        self.sealer.timeline().state()
    }

    /// The sealed state.
    pub fn sealed_state(&self) -> &G::State {
        self.sealer.timeline().sealed_state()
    }

    /// The last sealed tick.
    pub fn sealed_tick(&self) -> Tick {
        self.sealer.sealed_tick()
    }

    /// The host's clock tick.
    pub fn head(&self) -> Tick {
        self.sealer.timeline().head()
    }

    /// The current seal delay, in ticks: one plus twice the worst client's jitter,
    /// within the configured bounds.
    pub fn seal_delay(&self) -> u64 {
        self.seal_delay
    }

    /// The host's timeline (prediction up to its clock, over the sealed state).
    pub fn timeline(&self) -> &Timeline<G> {
        self.sealer.timeline()
    }

    /// The checksum of the sealed state.
    pub fn sealed_checksum(&mut self) -> u64 {
        self.sealer.sealed_checksum()
    }

    /// The host's own checksum at a recent sealed tick (every tick is kept for a
    /// while).
    pub fn checksum_at(&self, tick: Tick) -> Option<u64> {
        self.sealer.checksum_at(tick)
    }

    /// Names of the peers in the sealed state.
    pub fn roster(&self) -> &BTreeMap<PeerId, String> {
        &self.roster.names
    }

    /// The peers the host knows (connected or within their grace window).
    pub fn peers(&self) -> Vec<PeerInfo> {
        self.table
            .peers()
            .map(|(peer, p)| {
                let conn = p.conn.and_then(|c| self.table.conn(c));
                let local = self.residents.holds(peer);
                PeerInfo {
                    spectator: p.spectator,
                    peer,
                    name: p.name.clone(),
                    connected: local || p.conn.is_some(),
                    rtt: conn.and_then(|c| c.rtt),
                    remote: !local,
                    acked: conn.map(|c| c.delivery.ack()),
                }
            })
            .collect()
    }

    /// How many local players (bots) the host runs, and how many remote players
    /// are connected, spectators aside (no allocation).
    pub fn player_counts(&self) -> (usize, usize) {
        let remote = self
            .table
            .peers()
            .filter(|(peer, p)| !self.residents.holds(*peer) && !p.spectator && p.conn.is_some())
            .count();
        (self.residents.local.len(), remote)
    }

    /// Counters.
    pub fn stats(&self) -> SessionStats {
        let t = self.sealer.timeline().stats();
        // No allocation: the status of a Bevy app reads this every frame.
        let (sum, n) = self
            .table
            .conns()
            .filter_map(|(_, c)| c.rtt)
            .fold((Duration::ZERO, 0u32), |(sum, n), rtt| (sum + rtt, n + 1));
        let rtt = sum.checked_div(n).unwrap_or_default();
        SessionStats {
            rtt,
            garbage: self.transport.garbage(),
            rollbacks: t.rollbacks,
            deepest_rollback: t.deepest_rollback,
            resimulated_ticks: t.resimulated_ticks,
            ..self.stats
        }
    }

    /// How far the host's clock has moved from the head tick toward the next, in
    /// `0.0..=1.0`, for drawing between ticks.
    pub fn tick_progress(&self) -> f32 {
        self.clock.progress(self.head())
    }

    /// Events since the last call.
    pub fn drain_events(&mut self) -> Vec<SessionEvent> {
        std::mem::take(&mut self.events)
    }

    /// The transport (e.g. to read its address).
    pub fn transport(&self) -> &T {
        &self.transport
    }

    /// The transport, mutably (e.g. to cut a conditioned link in a test).
    pub fn transport_mut(&mut self) -> &mut T {
        &mut self.transport
    }

    /// Commits a Modification as the host's own player. `None` on a dedicated host.
    pub fn commit(&mut self, modification: G::Move) -> Option<CommitId> {
        self.residents.own?;
        let (id, outgoing) = self.sealer.own_commit(modification);
        for commit in outgoing {
            if let Err(e) = self.admit(None, commit) {
                tracing::warn!("host commit refused: {e}");
            }
        }
        self.refresh_prediction();
        Some(id)
    }

    /// Adds a player that lives in the host's process (a bot, or a second local
    /// player): it gets its own peer id and `Join`, never times out, and its
    /// commits go through [`HostSession::commit_as`].
    pub fn add_local_player(&mut self, name: &str) -> PeerId {
        let name = clean_name(name, self.table.next_peer());
        let peer = self.table.add_peer(name.clone(), 0);
        self.residents.local.insert(peer, 0);
        // Joined on the first tick not yet predicted, which the host predicts:
        // a local player costs no rollback.
        let at = self.sealer.timeline().head().next();
        self.sealer.local_system(Body::Join { peer, name }, at);
        self.refresh_prediction();
        peer
    }

    /// Peers added with [`HostSession::add_local_player`].
    pub fn local_players(&self) -> impl Iterator<Item = PeerId> + '_ {
        self.residents.local.keys().copied()
    }

    /// Commits a Modification authored by a local player, stamped like the host's
    /// own commits. `None` if `peer` is not a local player.
    pub fn commit_as(&mut self, peer: PeerId, modification: G::Move) -> Option<CommitId> {
        let seq = self.residents.local.get_mut(&peer)?;
        let id = CommitId {
            author: peer,
            seq: *seq,
        };
        *seq += 1;
        let tick = self
            .sealer
            .timeline()
            .head()
            .plus(self.config.input_delay.max(1));
        let admitted = self.admit(None, Commit::game(id, tick, modification));
        self.refresh_prediction();
        admitted.ok().map(|_| id)
    }

    /// Runs the host up to `now`: takes messages, seals ticks due on its clock,
    /// sends sealed ticks to every client. Call every frame; the ticks its clock
    /// moved through come back (the host's players act once per tick on them).
    ///
    /// # Errors
    ///
    /// [`SessionError::Transport`] if the transport itself failed (its socket).
    pub fn update(&mut self, now: Duration) -> Result<Advanced, SessionError> {
        let from = self.head();
        self.clock.set(now);
        self.transport.update(now)?;
        while let Some(event) = self.transport.poll() {
            match event {
                HostEvent::Connected(conn) => {
                    self.table.open(conn, self.clock.now);
                }
                HostEvent::Disconnected(conn, reason) => self.connection_lost(conn, &reason),
                HostEvent::Message(conn, _, bytes) => {
                    self.stats.bytes_in += bytes.len() as u64;
                    self.on_message(conn, &bytes);
                }
            }
        }
        self.refresh_prediction();
        self.expire_connections();
        self.run_clock();
        self.share_succession();
        // Sends happen on the host's ticks, coalesced into one flush.
        if self.send_frames() && std::mem::take(&mut self.queued) {
            self.transport.flush();
        }
        Ok(Advanced {
            from,
            to: self.head(),
        })
    }
}
