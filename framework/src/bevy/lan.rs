//! LAN discovery in a Bevy app: a host's [`LanAnnouncer`] answers for its
//! session, and [`LanGames`] keeps the list of the LAN's games fresh for a menu.

use std::net::SocketAddr;

use ::bevy::prelude::*;

use crate::model::Game;
use crate::net::discovery::{
    BrowseConfig, DiscoveryError, DiscoveryResponder, LanBrowser, LanGame, Listing,
};
use crate::ratelog::RateLog;

use super::TicklineSession;

/// Answers LAN discovery for the session this app hosts. Insert it while
/// hosting (remove it to stop answering); the plugin polls it every frame with
/// what the session looks like now: players, spectators, tick rate. A client
/// or local session is not announced.
#[derive(Resource, Debug)]
pub struct LanAnnouncer {
    responder: DiscoveryResponder,
    /// What the announcement says beyond the session: name, port, code, version.
    pub listing: Listing,
    log: RateLog,
}

impl LanAnnouncer {
    /// Answers on `addr` (usually `0.0.0.0:5001`, shared with other hosts on
    /// the machine) with `listing`.
    ///
    /// # Errors
    ///
    /// [`DiscoveryError::Io`] if the port cannot be bound.
    pub fn bind(addr: SocketAddr, listing: Listing) -> Result<Self, DiscoveryError> {
        Ok(LanAnnouncer {
            responder: DiscoveryResponder::bind(addr)?,
            listing,
            log: RateLog::default(),
        })
    }

    /// The address it answers on.
    ///
    /// # Errors
    ///
    /// [`DiscoveryError::Io`] if the socket cannot say.
    pub fn local_addr(&self) -> Result<SocketAddr, DiscoveryError> {
        self.responder.local_addr()
    }
}

/// The LAN's games of the game `G` plays, kept fresh while this resource
/// exists (a query every two seconds by default). Insert it when a menu shows
/// the list, remove it when the menu closes.
#[derive(Resource, Debug)]
pub struct LanGames {
    browser: LanBrowser,
    changed: bool,
    log: RateLog,
}

impl LanGames {
    /// A list of the games of `G` that `config` reaches.
    ///
    /// # Errors
    ///
    /// As [`LanBrowser::new`].
    pub fn new<G: Game>(config: BrowseConfig) -> Result<Self, DiscoveryError> {
        Ok(LanGames {
            browser: LanBrowser::new::<G>(config)?,
            changed: false,
            log: RateLog::default(),
        })
    }

    /// The games heard from lately, by name.
    pub fn games(&self) -> Vec<&LanGame> {
        self.browser.games()
    }

    /// Whether the list changed in this frame's poll (to redraw a menu).
    pub fn changed(&self) -> bool {
        self.changed
    }

    /// The browser, for [`LanBrowser::find`] and its counters.
    pub fn browser(&self) -> &LanBrowser {
        &self.browser
    }
}

pub(super) fn announce<G: Game>(
    mut announcer: ResMut<LanAnnouncer>,
    mut session: ResMut<TicklineSession<G>>,
    time: Res<Time<Real>>,
) {
    let Some(host) = session.as_host_mut() else {
        return;
    };
    let announcement = host.announcement(&announcer.listing);
    let now = time.elapsed();
    let announcer = &mut *announcer;
    if let Err(e) = announcer.responder.poll(now, &announcement) {
        announcer
            .log
            .warn("lan-announce", now, &format!("LAN discovery: {e}"));
    }
}

pub(super) fn browse(mut games: ResMut<LanGames>, time: Res<Time<Real>>) {
    let now = time.elapsed();
    let games = &mut *games;
    match games.browser.poll(now) {
        Ok(changed) => games.changed = changed,
        Err(e) => {
            games.changed = false;
            games
                .log
                .warn("lan-browse", now, &format!("LAN discovery: {e}"));
        }
    }
}
