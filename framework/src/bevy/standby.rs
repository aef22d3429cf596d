//! Host migration in a Bevy app: a joined session with a standby port follows
//! its host's successor by itself, and becomes the host when its turn comes.

use std::net::SocketAddr;

use ::bevy::prelude::*;

use crate::model::Game;
use crate::net::discovery::Listing;
use crate::net::{Boxed, HostConfig, Rehost, follow};
use crate::transport::{ClientTransport, HostTransport, RenetStandby};

use super::TicklineError;
use super::lan::LanAnnouncer;
use super::session::TicklineSession;
use super::status::TicklineStatus;

type AnyRehost =
    dyn Rehost<Host = Box<dyn HostTransport>, Client = Box<dyn ClientTransport>> + Send + Sync;

/// The standby port of a joined session and how it would host (inserted by
/// [`StartSession::with_standby`](super::StartSession::with_standby); removed
/// when the session stops).
#[derive(Resource)]
pub struct TicklineStandby {
    rehost: Box<AnyRehost>,
    host: HostConfig,
    addr: SocketAddr,
    /// Answer LAN discovery here, with this listing, once this app hosts.
    listed: Option<(SocketAddr, Listing)>,
}

impl TicklineStandby {
    /// A standby port, and the configuration to host with if this app's turn
    /// comes (its recording and player come from the session).
    pub fn new(standby: RenetStandby, host: HostConfig) -> Self {
        let addr = standby.local_addr();
        TicklineStandby {
            rehost: Box::new(Boxed(standby)),
            host,
            addr,
            listed: None,
        }
    }

    /// Once this app hosts, answer LAN discovery on `discovery` with `listing`
    /// (its game port is set to the standby port), as the old host did.
    #[must_use]
    pub fn listed(mut self, discovery: SocketAddr, listing: Listing) -> Self {
        self.listed = Some((discovery, listing));
        self
    }

    /// Where this app would host.
    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }
}

/// After the session's update: follows the session to a new host, or takes it
/// over (the session resource turns into a host).
pub(super) fn follow_host<G: Game>(
    mut commands: Commands,
    mut session: ResMut<TicklineSession<G>>,
    mut standby: ResMut<TicklineStandby>,
    time: Res<Time<Real>>,
    mut status: ResMut<TicklineStatus>,
    mut errors: MessageWriter<TicklineError>,
) {
    let TicklineSession::Client(client) = &mut *session else {
        return;
    };
    let standby = &mut *standby;
    match follow(client, &mut standby.rehost, &standby.host, time.elapsed()) {
        Ok(Some(host)) => {
            *session = TicklineSession::Host(host);
            status.addr = Some(standby.addr);
            status.refresh(&session);
            if let Some((discovery, mut listing)) = standby.listed.take() {
                listing.game_port = standby.addr.port();
                match LanAnnouncer::bind(discovery, listing) {
                    Ok(announcer) => {
                        if let Ok(at) = announcer.local_addr() {
                            tracing::info!("answering LAN discovery on {at}");
                        }
                        commands.insert_resource(announcer);
                    }
                    Err(e) => tracing::warn!("not listed on the LAN: {e}"),
                }
            }
        }
        Ok(None) => {}
        Err(e) => {
            errors.write(TicklineError(e));
        }
    }
}
