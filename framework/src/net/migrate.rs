//! Following a session to a new host, for whoever drives a client (host
//! migration): [`follow`] acts on what the client decided
//! ([`ClientSession::migration`]) with the transports a [`Rehost`] makes.
//!
//! ```text
//! host goes ──► every client: Migration::Connect{first successor}
//!                 the first successor: Migration::TakeOver ──► HostSession::succeed
//!               others: move_to(successor) ──► resume under their ids
//!               successor silent for successor_wait ──► the next one's turn
//! ```

use std::net::SocketAddr;
use std::time::Duration;

use crate::model::{Game, PeerId};
use crate::transport::{ClientTransport, HostTransport, TransportError};

use super::client::{ClientSession, Migration};
use super::config::HostConfig;
use super::events::SessionError;
use super::host::HostSession;

/// The transports a client needs to follow its session: one to host on (the
/// standby port it offered) and one to reach a successor.
pub trait Rehost {
    /// The host transport.
    type Host: HostTransport;
    /// The client transport.
    type Client: ClientTransport;

    /// The transport to host on, when this client takes the session over.
    ///
    /// # Errors
    ///
    /// [`TransportError`] when it cannot be opened: the next successor's turn.
    fn host(&mut self) -> Result<Self::Host, TransportError>;

    /// A transport to the successor `peer`, which hosts at `addrs` (the
    /// likeliest first), connecting from `now`.
    ///
    /// # Errors
    ///
    /// [`TransportError`] when it cannot be opened now (tried again later,
    /// within the successor's time).
    fn connect(
        &mut self,
        peer: PeerId,
        addrs: &[SocketAddr],
        now: Duration,
    ) -> Result<Self::Client, TransportError>;
}

/// Call after every [`ClientSession::update`]: when the client's host went,
/// connects it to the successor, or, when its own turn came, starts the host
/// it becomes (returned; the client is stopped then, and the session goes on
/// in the host, recording included). `config` is how to host.
///
/// # Errors
///
/// [`SessionError`] when the session cannot be carried on as a host.
pub fn follow<G: Game, R: Rehost>(
    client: &mut ClientSession<G, R::Client>,
    rehost: &mut R,
    config: &HostConfig,
    now: Duration,
) -> Result<Option<HostSession<G, R::Host>>, SessionError> {
    match client.migration() {
        None => Ok(None),
        Some(Migration::Connect { peer, addrs }) => {
            match rehost.connect(peer, &addrs, now) {
                Ok(transport) => client.move_to(transport),
                Err(e) => tracing::debug!("cannot reach {peer} yet: {e}"),
            }
            Ok(None)
        }
        Some(Migration::TakeOver) => match rehost.host() {
            Ok(transport) => HostSession::succeed(config.clone(), client, transport).map(Some),
            Err(e) => {
                tracing::warn!("cannot host the session here ({e}); the next successor's turn");
                client.pass_turn();
                Ok(None)
            }
        },
    }
}

/// A [`Rehost`] whose transports come boxed, as a Bevy app's session holds
/// them.
#[derive(Debug)]
pub struct Boxed<R>(pub R);

impl<R> Rehost for Boxed<R>
where
    R: Rehost,
    R::Host: 'static,
    R::Client: 'static,
{
    type Host = Box<dyn HostTransport>;
    type Client = Box<dyn ClientTransport>;

    fn host(&mut self) -> Result<Self::Host, TransportError> {
        Ok(Box::new(self.0.host()?))
    }

    fn connect(
        &mut self,
        peer: PeerId,
        addrs: &[SocketAddr],
        now: Duration,
    ) -> Result<Self::Client, TransportError> {
        Ok(Box::new(self.0.connect(peer, addrs, now)?))
    }
}

impl<R: Rehost + ?Sized> Rehost for Box<R> {
    type Host = R::Host;
    type Client = R::Client;

    fn host(&mut self) -> Result<Self::Host, TransportError> {
        (**self).host()
    }

    fn connect(
        &mut self,
        peer: PeerId,
        addrs: &[SocketAddr],
        now: Duration,
    ) -> Result<Self::Client, TransportError> {
        (**self).connect(peer, addrs, now)
    }
}
