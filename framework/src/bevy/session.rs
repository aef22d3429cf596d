//! The session resource and the systems that drive it.

use ::bevy::prelude::*;

use crate::model::{CommitId, Game, PeerId, Tick};
use crate::net::{
    ClientConfig, ClientSession, HostConfig, HostSession, SessionError, SessionEvent,
};
use crate::transport::{ClientTransport, HostTransport, memory_hub};

use super::status::TicklineStatus;
use super::{Player, Submit, TicklineError, TicklineEvent};

/// The session a Bevy app runs: a host (which may be local-only) or a client.
#[derive(Resource)]
#[allow(
    clippy::large_enum_variant,
    reason = "one per app, held as a resource: boxing would only add an indirection"
)]
pub enum TicklineSession<G: Game> {
    /// This app hosts (and plays, unless dedicated).
    Host(HostSession<G, Box<dyn HostTransport>>),
    /// This app is a client.
    Client(ClientSession<G, Box<dyn ClientTransport>>),
}

impl<G: Game> TicklineSession<G> {
    /// A host on any transport.
    ///
    /// # Errors
    ///
    /// As [`HostSession::new`].
    pub fn host(
        config: HostConfig,
        genesis: G::State,
        transport: impl HostTransport + 'static,
    ) -> Result<Self, SessionError> {
        let transport: Box<dyn HostTransport> = Box::new(transport);
        Ok(TicklineSession::Host(HostSession::new(
            config, genesis, transport,
        )?))
    }

    /// A host with no network (local play; add bots with
    /// [`TicklineSession::add_bot`]).
    ///
    /// # Errors
    ///
    /// As [`HostSession::new`].
    pub fn local(config: HostConfig, genesis: G::State) -> Result<Self, SessionError> {
        let (transport, _connector) = memory_hub();
        Self::host(config, genesis, transport)
    }

    /// A client on any transport.
    ///
    /// # Errors
    ///
    /// As [`ClientSession::new`].
    pub fn client(
        config: ClientConfig,
        transport: impl ClientTransport + 'static,
    ) -> Result<Self, SessionError> {
        let transport: Box<dyn ClientTransport> = Box::new(transport);
        Ok(TicklineSession::Client(ClientSession::new(
            config, transport,
        )?))
    }

    /// The predicted state (what to render); `None` before a client is welcomed.
    pub fn state(&self) -> Option<&G::State> {
        match self {
            TicklineSession::Host(h) => Some(h.state()),
            TicklineSession::Client(c) => c.state(),
        }
    }

    /// The last sealed tick.
    pub fn sealed_tick(&self) -> Tick {
        match self {
            TicklineSession::Host(h) => h.sealed_tick(),
            TicklineSession::Client(c) => c.sealed_tick(),
        }
    }

    /// Checksum of the sealed state (`None` before a client is welcomed).
    pub fn sealed_checksum(&mut self) -> Option<u64> {
        match self {
            TicklineSession::Host(h) => Some(h.sealed_checksum()),
            TicklineSession::Client(c) => c.sealed_checksum(),
        }
    }

    /// Our own peer id.
    pub fn peer(&self) -> Option<PeerId> {
        match self {
            TicklineSession::Host(_) => Some(PeerId::HOST),
            TicklineSession::Client(c) => c.peer(),
        }
    }

    /// How far the clock has moved from the predicted tick toward the next, in
    /// `0.0..=1.0`: draw `lerp(previous, current, progress)` to glide.
    pub fn tick_progress(&self) -> f32 {
        match self {
            TicklineSession::Host(h) => h.tick_progress(),
            TicklineSession::Client(c) => c.tick_progress(),
        }
    }

    /// Makes a move as `by`. `None` when it was not made: a bot that is not one
    /// of this host's, a dedicated host's own player, or a client not yet
    /// welcomed (its move is kept and made once welcomed).
    pub fn commit(&mut self, by: Player, change: G::Move) -> Option<CommitId> {
        match (self, by) {
            (TicklineSession::Host(h), Player::Local) => h.commit(change),
            (TicklineSession::Host(h), Player::Bot(peer)) => h.commit_as(peer, change),
            (TicklineSession::Client(c), Player::Local) => c.commit(change),
            (TicklineSession::Client(_), Player::Bot(peer)) => {
                tracing::warn!("a client runs no bots: move of {peer} dropped");
                None
            }
        }
    }

    /// Adds a bot to a host's session (a player in the host's process, which
    /// moves with [`Submit::bot`]); `None` on a client.
    pub fn add_bot(&mut self, name: &str) -> Option<PeerId> {
        self.as_host_mut().map(|h| h.add_local_player(name))
    }

    /// The host's bots, in the order they were added (none on a client).
    pub fn bots(&self) -> Vec<PeerId> {
        match self {
            TicklineSession::Host(h) => h.local_players().collect(),
            TicklineSession::Client(_) => Vec::new(),
        }
    }

    /// The host session, when hosting.
    pub fn as_host_mut(&mut self) -> Option<&mut HostSession<G, Box<dyn HostTransport>>> {
        match self {
            TicklineSession::Host(h) => Some(h),
            TicklineSession::Client(_) => None,
        }
    }

    /// The client session, when joined to a host.
    pub fn as_client_mut(&mut self) -> Option<&mut ClientSession<G, Box<dyn ClientTransport>>> {
        match self {
            TicklineSession::Client(c) => Some(c),
            TicklineSession::Host(_) => None,
        }
    }

    /// Leaves the session for good: a client says goodbye at once (the host
    /// seals its `Leave`), a host tells every client who left and so ended the
    /// game; both finish their recordings. The plugin does this when the app
    /// exits, and [`StopSession`](super::StopSession) when a menu leaves a game.
    pub fn leave(&mut self) {
        match self {
            TicklineSession::Host(h) => {
                if let Err(e) = h.leave() {
                    tracing::warn!("the recording could not be finished: {e}");
                }
            }
            TicklineSession::Client(c) => c.leave(),
        }
    }

    /// Runs the session up to `now`; returns its events.
    fn update(
        &mut self,
        now: std::time::Duration,
    ) -> (Result<(), SessionError>, Vec<SessionEvent>) {
        match self {
            TicklineSession::Host(h) => (h.update(now).map(drop), h.drain_events()),
            TicklineSession::Client(c) => (c.update(now).map(drop), c.drain_events()),
        }
    }
}

/// Updates the session on the real clock, publishes events, errors and status.
pub(super) fn drive<G: Game>(
    mut session: ResMut<TicklineSession<G>>,
    time: Res<Time<Real>>,
    mut events: MessageWriter<TicklineEvent>,
    mut errors: MessageWriter<TicklineError>,
    mut status: ResMut<TicklineStatus>,
) {
    let (result, drained) = session.update(time.elapsed());
    if let Err(e) = result {
        errors.write(TicklineError(e));
    }
    for e in drained {
        events.write(TicklineEvent(e));
    }
    status.refresh(&session);
}

/// Commits the frame's [`Submit`]s (dropped when no session runs).
pub(super) fn commit_submits<G: Game>(
    session: Option<ResMut<TicklineSession<G>>>,
    mut submits: MessageReader<Submit<G>>,
    mut status: ResMut<TicklineStatus>,
) {
    let Some(mut session) = session else {
        submits.clear();
        return;
    };
    let mut any = false;
    for Submit { by, change } in submits.read() {
        session.commit(*by, change.clone());
        any = true;
    }
    if any {
        status.refresh(&session);
    }
}

/// Leaves the session gracefully when the app exits (Esc, a closed window, a
/// signal the app turned into an exit, the end of a scripted run).
pub(super) fn leave_on_exit<G: Game>(
    mut exits: MessageReader<AppExit>,
    session: Option<ResMut<TicklineSession<G>>>,
) {
    if exits.read().next().is_none() {
        return;
    }
    if let Some(mut session) = session {
        session.leave();
    }
}
