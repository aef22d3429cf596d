//! A client becomes the host when its host went and its turn came (host
//! migration): its session, clock and recording carry on in a host.

use std::collections::BTreeSet;

use crate::model::{Game, PeerId};
use crate::net::client::ClientSession;
use crate::net::config::HostConfig;
use crate::net::events::{SessionError, SessionEvent};
use crate::net::journal::record_event;
use crate::record::RecordedEvent;
use crate::transport::{ClientTransport, HostTransport};

use super::HostSession;
use super::clock::SessionClock;
use super::gather::Gather;

impl<G: Game, T: HostTransport> HostSession<G, T> {
    /// Takes the session over from `client`, whose host went and whose turn it
    /// is ([`Migration::TakeOver`](crate::net::Migration::TakeOver)), hosting on
    /// `transport` (its standby port). As [`HostSession::take_over`], and:
    /// the client's recording goes on in this host's (marked with the
    /// handover), the clock goes on from the client's, and sealing waits up to
    /// two seconds for the old host's other players to come back, taking from
    /// them any ticks the old host sealed that this client lacks. The client
    /// is stopped. `config.record` is ignored (the recording goes on);
    /// `player`, `tick_rate` and `seed` come from the session.
    ///
    /// # Errors
    ///
    /// [`SessionError::NothingToCarryOn`] for a client never welcomed.
    pub fn succeed<C: ClientTransport>(
        mut config: HostConfig,
        client: &mut ClientSession<G, C>,
        transport: T,
    ) -> Result<Self, SessionError> {
        let handover = client.handover().ok_or(SessionError::NothingToCarryOn)?;
        let head = client.head();
        let own = handover.player.clone();
        let own_peer = own.as_ref().map(|(p, _)| *p);
        // Successors passed over before our turn are taken for gone with the
        // host: sealing does not wait for them.
        let passed: BTreeSet<PeerId> = handover
            .succession
            .successors()
            .map(|m| m.peer)
            .take_while(|p| Some(*p) != own_peer)
            .collect();
        let expected: BTreeSet<PeerId> = handover
            .succession
            .members
            .iter()
            .filter(|m| !m.spectator && Some(m.peer) != own_peer && !passed.contains(&m.peer))
            .map(|m| m.peer)
            .collect();
        config.record = None;
        let mut host = Self::take_over(config, handover, transport)?;
        host.recorder = client.become_host();
        host.clock = SessionClock::new(host.clock.tick_rate, head.max(host.sealed_tick()));
        host.gather = Some(Gather::new(expected));
        let (peer, name) = own.unwrap_or((PeerId::HOST, "a spectator".into()));
        let tick = host.sealed_tick();
        let event = RecordedEvent::HostChanged {
            peer,
            name: name.clone(),
        };
        record_event(&mut host.recorder, tick, &event, &mut host.events);
        host.events
            .push(SessionEvent::HostChanged { peer, name, tick });
        Ok(host)
    }
}
