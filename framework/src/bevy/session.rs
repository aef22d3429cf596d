//! The session resource and the system that drives it.

use std::collections::BTreeMap;

use ::bevy::prelude::*;

use crate::model::{CommitId, Modification, PeerId, Tick, WorkSpace};
use crate::net::{
    ClientConfig, ClientSession, ClientStatus, HostConfig, HostSession, SessionError, SessionStats,
};
use crate::transport::{ClientTransport, HostTransport, memory_hub};

use super::{Submit, TicklineEvent};

/// The session a Bevy app runs: a host (which may be local-only) or a client.
#[derive(Resource)]
#[allow(
    clippy::large_enum_variant,
    reason = "one per app, held as a resource: boxing would only add an indirection"
)]
pub enum TicklineSession<Ws, Md> {
    /// This app hosts (and plays, unless dedicated).
    Host(HostSession<Ws, Md, Box<dyn HostTransport>>),
    /// This app is a client.
    Client(ClientSession<Ws, Md, Box<dyn ClientTransport>>),
}

/// A connection state a HUD can show.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum TicklineState {
    /// No session yet.
    #[default]
    Idle,
    /// Hosting, with this many remote players connected.
    Hosting(usize),
    /// A client in this state.
    Client(ClientStatus),
}

/// What a HUD needs, refreshed every frame (not generic, so any system can read it).
#[derive(Resource, Clone, Debug, Default)]
pub struct TicklineStatus {
    /// Connection state.
    pub state: TicklineState,
    /// Our peer id, once known.
    pub peer: Option<PeerId>,
    /// The last sealed tick.
    pub sealed_tick: Tick,
    /// The predicted head.
    pub head: Tick,
    /// Counters (rtt, rollbacks, bytes...).
    pub stats: SessionStats,
    /// Names of the peers in the sealed state.
    pub roster: BTreeMap<PeerId, String>,
}

impl<W: WorkSpace, M: Modification<W>> TicklineSession<W, M> {
    /// A host on any transport.
    ///
    /// # Errors
    ///
    /// As [`HostSession::new`].
    pub fn host(
        config: HostConfig,
        genesis: W,
        transport: impl HostTransport + 'static,
    ) -> Result<Self, SessionError> {
        let transport: Box<dyn HostTransport> = Box::new(transport);
        Ok(TicklineSession::Host(HostSession::new(
            config, genesis, transport,
        )?))
    }

    /// A host with no network (local play; add bots with
    /// [`HostSession::add_local_player`]).
    ///
    /// # Errors
    ///
    /// As [`HostSession::new`].
    pub fn local(config: HostConfig, genesis: W) -> Result<Self, SessionError> {
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

    /// The predicted WorkSpace (what to render); `None` before a client is welcomed.
    pub fn state(&self) -> Option<&W> {
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

    /// Commits as the local player.
    pub fn commit(&mut self, modification: M) -> Option<CommitId> {
        match self {
            TicklineSession::Host(h) => h.commit(modification),
            TicklineSession::Client(c) => c.commit(modification),
        }
    }

    /// The host session, when hosting.
    pub fn as_host_mut(&mut self) -> Option<&mut HostSession<W, M, Box<dyn HostTransport>>> {
        match self {
            TicklineSession::Host(h) => Some(h),
            TicklineSession::Client(_) => None,
        }
    }

    /// The client session, when joined to a host.
    pub fn as_client_mut(&mut self) -> Option<&mut ClientSession<W, M, Box<dyn ClientTransport>>> {
        match self {
            TicklineSession::Client(c) => Some(c),
            TicklineSession::Host(_) => None,
        }
    }

    fn status(&self) -> TicklineStatus {
        match self {
            TicklineSession::Host(h) => TicklineStatus {
                state: TicklineState::Hosting(
                    h.peers()
                        .iter()
                        .filter(|p| p.connected && p.peer != PeerId::HOST)
                        .count(),
                ),
                peer: Some(PeerId::HOST),
                sealed_tick: h.sealed_tick(),
                head: h.head(),
                stats: h.stats(),
                roster: h.roster().clone(),
            },
            TicklineSession::Client(c) => TicklineStatus {
                state: TicklineState::Client(c.status().clone()),
                peer: c.peer(),
                sealed_tick: c.sealed_tick(),
                head: c.timeline().map_or(Tick::GENESIS, |t| t.head()),
                stats: c.stats(),
                roster: c.roster().clone(),
            },
        }
    }
}

/// Commits submitted messages, updates the session, publishes events and status.
pub(super) fn drive<W: WorkSpace, M: Modification<W>>(
    mut session: ResMut<TicklineSession<W, M>>,
    time: Res<Time>,
    mut submits: MessageReader<Submit<M>>,
    mut events: MessageWriter<TicklineEvent>,
    mut status: ResMut<TicklineStatus>,
) {
    for Submit(m) in submits.read() {
        session.commit(m.clone());
    }
    let now = time.elapsed();
    let (result, drained) = match session.as_mut() {
        TicklineSession::Host(h) => (h.update(now), h.drain_events()),
        TicklineSession::Client(c) => (c.update(now), c.drain_events()),
    };
    if let Err(e) = result {
        error!("tickline session: {e}");
    }
    for e in drained {
        events.write(TicklineEvent(e));
    }
    *status = session.status();
}
