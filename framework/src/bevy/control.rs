//! Starting and stopping sessions at runtime, as commands or on a `&mut World`.

use std::marker::PhantomData;
use std::net::SocketAddr;

use ::bevy::ecs::system::Command;
use ::bevy::prelude::*;

use crate::model::Game;
use crate::net::discovery::Listing;
use crate::net::{ClientConfig, HostConfig, SessionError};
use crate::transport::{
    Conditioned, LinkConditions, RenetClientConfig, RenetClientTransport, RenetHostConfig,
    RenetHostTransport, RenetStandby,
};

use super::TicklineError;
use super::session::TicklineSession;
use super::standby::TicklineStandby;
use super::status::TicklineStatus;

enum Kind<G: Game> {
    Local(HostConfig, G::State),
    Host(HostConfig, G::State, RenetHostConfig),
    Join(ClientConfig, RenetClientConfig),
}

/// Starts a session of `G`, replacing any running one. Queue it from a system
/// (`commands.queue(StartSession::<G>::local(config, genesis))`); a failure is
/// written as a [`TicklineError`] message. Or call [`StartSession::start`] with
/// the world to get the result.
#[must_use]
pub struct StartSession<G: Game> {
    kind: Kind<G>,
    bots: Vec<String>,
    conditions: Option<LinkConditions>,
    standby: Option<TicklineStandby>,
}

impl<G: Game> StartSession<G> {
    /// A local game: a host with no network (no socket is opened).
    pub fn local(config: HostConfig, genesis: G::State) -> Self {
        Self::of(Kind::Local(config, genesis))
    }

    /// Host over renet UDP (see [`RenetHostConfig::for_game`]).
    pub fn host(config: HostConfig, genesis: G::State, renet: RenetHostConfig) -> Self {
        Self::of(Kind::Host(config, genesis, renet))
    }

    /// Join a host over renet UDP (see [`RenetClientConfig::for_game`]).
    pub fn join(config: ClientConfig, renet: RenetClientConfig) -> Self {
        Self::of(Kind::Join(config, renet))
    }

    fn of(kind: Kind<G>) -> Self {
        StartSession {
            kind,
            bots: Vec::new(),
            conditions: None,
            standby: None,
        }
    }

    /// Adds bots with these names when hosting (ignored when joining); their
    /// peer ids are in [`TicklineSession::bots`].
    pub fn with_bots(mut self, names: impl IntoIterator<Item = impl Into<String>>) -> Self {
        self.bots.extend(names.into_iter().map(Into::into));
        self
    }

    /// Joins with a standby port (host migration, see [`TicklineStandby`]):
    /// the session is offered to host there, and follows its host's successor
    /// by itself when the host goes. Ignored when hosting.
    pub fn with_standby(mut self, standby: RenetStandby, host: HostConfig) -> Self {
        if let Kind::Join(config, _) = &mut self.kind {
            config.standby = standby.can_host().then(|| standby.standby());
            self.standby = Some(TicklineStandby::new(standby, host));
        }
        self
    }

    /// With [`StartSession::with_standby`]: once this app hosts after a host
    /// migration, answer LAN discovery on `discovery` with `listing` (see
    /// [`TicklineStandby::listed`]).
    pub fn listed_when_hosting(mut self, discovery: SocketAddr, listing: Listing) -> Self {
        self.standby = self.standby.map(|s| s.listed(discovery, listing));
        self
    }

    /// Puts the network link behind a conditioner (latency, jitter, loss), to
    /// try the game on a bad network.
    pub fn conditioned(mut self, conditions: LinkConditions) -> Self {
        self.conditions = Some(conditions);
        self
    }

    /// Starts the session now, replacing any running one. Returns the address a
    /// host listens on.
    ///
    /// # Errors
    ///
    /// [`SessionError`] when the socket cannot be bound, the recording cannot be
    /// created, or the configuration is invalid; the previous session, if any,
    /// keeps running then.
    pub fn start(self, world: &mut World) -> Result<Option<SocketAddr>, SessionError> {
        let c = self.conditions;
        let (mut session, addr) = match self.kind {
            Kind::Local(config, genesis) => (TicklineSession::<G>::local(config, genesis)?, None),
            Kind::Host(config, genesis, renet) => {
                let transport = RenetHostTransport::bind(&renet)?;
                let addr = transport.local_addr();
                let session = match c {
                    Some(c) => {
                        TicklineSession::host(config, genesis, Conditioned::new(transport, c))?
                    }
                    None => TicklineSession::host(config, genesis, transport)?,
                };
                (session, Some(addr))
            }
            Kind::Join(config, renet) => {
                let transport = RenetClientTransport::connect(renet)?;
                let session = match c {
                    Some(c) => TicklineSession::client(config, Conditioned::new(transport, c))?,
                    None => TicklineSession::client(config, transport)?,
                };
                (session, None)
            }
        };
        for name in &self.bots {
            session.add_bot(name);
        }
        let mut status = TicklineStatus {
            addr,
            ..TicklineStatus::default()
        };
        status.refresh(&session);
        world.insert_resource(status);
        world.insert_resource(session);
        match self.standby {
            Some(standby) => world.insert_resource(standby),
            None => {
                world.remove_resource::<TicklineStandby>();
            }
        }
        Ok(addr)
    }
}

impl<G: Game> Command for StartSession<G> {
    type Out = ();

    fn apply(self, world: &mut World) {
        if let Err(e) = self.start(world) {
            world.write_message(TicklineError(e));
        }
    }
}

/// Leaves the running session of `G` (see [`TicklineSession::leave`]: a client
/// says goodbye, a host tells its clients and finishes its recording) and sets
/// [`TicklineStatus`] back to idle.
pub struct StopSession<G>(PhantomData<fn() -> G>);

impl<G> Default for StopSession<G> {
    fn default() -> Self {
        StopSession(PhantomData)
    }
}

impl<G: Game> StopSession<G> {
    /// Stops now.
    pub fn stop(world: &mut World) {
        if let Some(mut session) = world.remove_resource::<TicklineSession<G>>() {
            session.leave();
        }
        world.remove_resource::<TicklineStandby>();
        world.insert_resource(TicklineStatus::default());
    }
}

impl<G: Game> Command for StopSession<G> {
    type Out = ();

    fn apply(self, world: &mut World) {
        Self::stop(world);
    }
}
