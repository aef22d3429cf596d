//! Sessions over renet for a Bevy app. The session owns the transport module's
//! renet adapter (the one copy of the UDP loop), so the plugin needs no renet
//! systems of its own: it drives the session, the session drives its transport.

use std::net::SocketAddr;

use ::bevy::prelude::*;

use crate::model::{Modification, WorkSpace};
use crate::net::{ClientConfig, HostConfig, SessionError};
use crate::transport::{
    Conditioned, LinkConditions, RenetClientConfig, RenetClientTransport, RenetHostConfig,
    RenetHostTransport,
};

use super::session::TicklineSession;

/// Binds the host's socket and inserts a host [`TicklineSession`] on it (behind a
/// link conditioner when `conditions` is given). Returns the bound address.
///
/// # Errors
///
/// [`SessionError::Transport`] when the address cannot be bound (e.g. in use).
pub fn host_over_renet<W: WorkSpace, M: Modification<W>>(
    app: &mut App,
    config: HostConfig,
    genesis: W,
    renet: &RenetHostConfig,
    conditions: Option<LinkConditions>,
) -> Result<SocketAddr, SessionError> {
    let transport = RenetHostTransport::bind(renet)?;
    let addr = transport.local_addr();
    let session = match conditions {
        Some(c) => TicklineSession::<W, M>::host(config, genesis, Conditioned::new(transport, c))?,
        None => TicklineSession::<W, M>::host(config, genesis, transport)?,
    };
    app.insert_resource(session);
    Ok(addr)
}

/// Starts connecting and inserts a client [`TicklineSession`] (behind a link
/// conditioner when `conditions` is given).
///
/// # Errors
///
/// [`SessionError::Transport`] if no socket can be bound or no token issued.
pub fn join_over_renet<W: WorkSpace, M: Modification<W>>(
    app: &mut App,
    config: ClientConfig,
    renet: RenetClientConfig,
    conditions: Option<LinkConditions>,
) -> Result<(), SessionError> {
    let transport = RenetClientTransport::connect(renet)?;
    let session = match conditions {
        Some(c) => TicklineSession::<W, M>::client(config, Conditioned::new(transport, c))?,
        None => TicklineSession::<W, M>::client(config, transport)?,
    };
    app.insert_resource(session);
    Ok(())
}
