//! A client's sealed session, handed to a host that carries it on: what host
//! migration starts from.

use std::collections::BTreeMap;

use crate::model::{Commit, Game, PeerId, SealedTick, Tick};

use super::succession::Succession;

/// Everything a client holds that a new host needs to carry its session on
/// from the client's last sealed tick: the sealed state, the session's seed and
/// rates, who is in it, and the client's own commits not sealed yet.
///
/// Take it with [`ClientSession::handover`](crate::net::ClientSession::handover)
/// and start a host from it with
/// [`HostSession::take_over`](crate::net::HostSession::take_over): the host
/// seals tick `sealed_tick + 1` next, on the same seed, so its sealed states
/// and checksums continue the old host's. The client's player becomes the
/// host's own, under its old peer id; the other peers in the roster are held
/// in their grace window and leave if they do not come back within it (those in
/// the [`Succession`] resume under their ids by their keys); the old host's own
/// players leave at once.
pub struct Handover<G: Game> {
    /// The last sealed tick the client holds.
    pub sealed_tick: Tick,
    /// The sealed state at `sealed_tick`.
    pub sealed_state: G::State,
    /// The session seed (it keys the game's RNG: the new host must keep it).
    pub seed: u64,
    /// Ticks per second.
    pub tick_rate: u32,
    /// Clients report a checksum every this many sealed ticks.
    pub checksum_interval: u64,
    /// The client's player (`None` for a spectator, who has none) and its name.
    pub player: Option<(PeerId, String)>,
    /// Everyone in the sealed state, with their names.
    pub roster: BTreeMap<PeerId, String>,
    /// The lowest peer id never seen in the session (new peers get it and on).
    pub next_peer: PeerId,
    /// The next sequence number of the player's commits.
    pub next_seq: u64,
    /// The player's commits not sealed yet, oldest first.
    pub unsealed: Vec<Commit<G::Move>>,
    /// The old host's order of succession: the other peers resume under their
    /// ids with the keys it lists, and the players who lived in the old host's
    /// process leave.
    pub succession: Succession,
    /// The client's last sealed ticks, consecutive and ending at `sealed_tick`
    /// (about twelve seconds): the new host catches peers up from them and
    /// knows their commits as sealed.
    pub recent: Vec<SealedTick<G::Move>>,
}

impl<G: Game> Clone for Handover<G> {
    fn clone(&self) -> Self {
        Handover {
            sealed_tick: self.sealed_tick,
            sealed_state: self.sealed_state.clone(),
            seed: self.seed,
            tick_rate: self.tick_rate,
            checksum_interval: self.checksum_interval,
            player: self.player.clone(),
            roster: self.roster.clone(),
            next_peer: self.next_peer,
            next_seq: self.next_seq,
            unsealed: self.unsealed.clone(),
            succession: self.succession.clone(),
            recent: self.recent.clone(),
        }
    }
}

impl<G: Game> std::fmt::Debug for Handover<G> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Handover")
            .field("sealed_tick", &self.sealed_tick)
            .field("player", &self.player)
            .field("roster", &self.roster)
            .field("next_peer", &self.next_peer)
            .field("unsealed", &self.unsealed.len())
            .finish_non_exhaustive()
    }
}
