//! What a host tells LAN discovery about its game.

use crate::model::Game;
use crate::net::discovery::Announcement;
use crate::transport::HostTransport;

use super::HostSession;

/// What a host's announcement says beyond what its session knows: chosen by
/// the application.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Listing {
    /// The game's name in players' lists.
    pub name: String,
    /// The UDP port players join on.
    pub game_port: u16,
    /// Whether joining needs a join code.
    pub code_required: bool,
    /// The application's version, as it names it.
    pub version: String,
}

impl<G: Game, T: HostTransport> HostSession<G, T> {
    /// The announcement for LAN discovery: `listing`, plus the session's game
    /// id and schema hash, its players (the host's own, local ones and
    /// connected clients), the most it admits, its spectators and tick rate.
    pub fn announcement(&self, listing: &Listing) -> Announcement {
        let (local, remote) = self.player_counts();
        let own = usize::from(self.residents.own.is_some());
        let spectators = self
            .table
            .peers()
            .filter(|(_, p)| p.spectator && p.conn.is_some())
            .count();
        let count = |n: usize| u32::try_from(n).unwrap_or(u32::MAX);
        Announcement {
            game_id: self.identity.id.clone(),
            schema_hash: self.identity.schema_hash,
            name: listing.name.clone(),
            game_port: listing.game_port,
            players: count(own + local + remote),
            max_players: count(own + local + self.config.max_clients),
            spectators: count(spectators),
            code_required: listing.code_required,
            tick_rate: self.tick_rate(),
            version: listing.version.clone(),
            dedicated: own == 0 && local == 0,
        }
    }
}
