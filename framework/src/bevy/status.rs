//! What a HUD needs, refreshed in place (no allocation unless something changed).

use std::collections::BTreeMap;
use std::net::SocketAddr;

use ::bevy::prelude::*;

use crate::model::{Game, PeerId, Tick};
use crate::net::{ClientStatus, SessionStats};

use super::session::TicklineSession;

/// A connection state a HUD can show.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum TicklineState {
    /// No session.
    #[default]
    Idle,
    /// Hosting (a local game is a host with no remote players).
    Hosting,
    /// A client in this state.
    Client(ClientStatus),
}

/// What a HUD needs, refreshed every frame while a session runs (not generic, so
/// any system can read it).
#[derive(Resource, Clone, Debug, Default)]
pub struct TicklineStatus {
    /// Connection state.
    pub state: TicklineState,
    /// The address a host listens on (`None` for a local game or a client).
    pub addr: Option<SocketAddr>,
    /// Our peer id, once known.
    pub peer: Option<PeerId>,
    /// The last sealed tick.
    pub sealed_tick: Tick,
    /// The predicted head.
    pub head: Tick,
    /// How far the clock has moved from `head` toward the next tick (0..=1).
    pub tick_progress: f32,
    /// Bots this host runs.
    pub bots: usize,
    /// Remote players connected to this host.
    pub remote_players: usize,
    /// Counters (rtt, rollbacks, bytes...).
    pub stats: SessionStats,
    /// Names of the peers in the sealed state.
    pub roster: BTreeMap<PeerId, String>,
}

impl TicklineStatus {
    /// Copies the session's figures; the roster and the client state are cloned
    /// only when they changed.
    pub(super) fn refresh<G: Game>(&mut self, session: &TicklineSession<G>) {
        self.peer = session.peer();
        self.sealed_tick = session.sealed_tick();
        self.tick_progress = session.tick_progress();
        match session {
            TicklineSession::Host(h) => {
                if self.state != TicklineState::Hosting {
                    self.state = TicklineState::Hosting;
                }
                self.head = h.head();
                (self.bots, self.remote_players) = h.player_counts();
                self.stats = h.stats();
                set_if_changed(&mut self.roster, h.roster());
            }
            TicklineSession::Client(c) => {
                if !matches!(&self.state, TicklineState::Client(s) if c.status_is(s)) {
                    self.state = TicklineState::Client(c.status().clone());
                }
                self.head = c.timeline().map_or(Tick::GENESIS, |t| t.head());
                (self.bots, self.remote_players) = (0, 0);
                self.stats = c.stats();
                set_if_changed(&mut self.roster, c.roster());
            }
        }
    }
}

fn set_if_changed(slot: &mut BTreeMap<PeerId, String>, value: &BTreeMap<PeerId, String>) {
    if slot != value {
        slot.clone_from(value);
    }
}
