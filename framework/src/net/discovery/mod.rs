//! LAN discovery: hosts answer a broadcast query on a fixed UDP port, and a
//! browser lists the games it hears of.
//!
//! A [`LanBrowser`] broadcasts a query for its game id every two seconds (to
//! `255.255.255.255:5001` and to the broadcast address of each IPv4 interface,
//! since a LAN without a default route cannot reach the first; or to given
//! addresses); every
//! [`DiscoveryResponder`] of that game answers the query's source with an
//! [`Announcement`]: the host's name, its game port, players and maximum,
//! spectators, whether a join code is needed (never the code), tick rate,
//! version and schema hash. The browser lists only games with its own game id
//! and schema hash, that is, games it can join, and forgets a game it has not
//! heard from for seven seconds.
//!
//! Both sides read bounded datagrams: a query is padded to 96 bytes (so that a
//! reply is not much larger than what asked for it) and at most 256, a reply at
//! most 512. A responder answers a source at most four times in a burst and
//! twice a second after that, and everyone together 256 times a second;
//! garbage and queries for other games are counted, logged at most once a
//! second, and otherwise ignored. Nothing here is authenticated: the list says
//! where games are, and the join code still guards each game.
//!
//! The wire format is in `docs/protocol.md` ("Discovery").

mod browser;
mod responder;
mod socket;
mod wire;

pub use super::host::Listing;
pub use browser::{BrowseConfig, LanBrowser, LanGame, MAX_LISTED};
pub use responder::{DiscoveryResponder, ResponderStats};
pub use wire::{
    Announcement, DEFAULT_DISCOVERY_PORT, DISCOVERY_VERSION, MAX_QUERY_BYTES, MAX_REPLY_BYTES,
    MAX_TEXT_BYTES, MIN_QUERY_BYTES, Query,
};

use std::net::SocketAddr;

/// What went wrong in discovery.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum DiscoveryError {
    /// A socket could not be bound, or no query could be sent.
    #[error("discovery socket: {0}")]
    Io(#[from] std::io::Error),
    /// The datagram does not start with a discovery magic.
    #[error("not a discovery datagram")]
    NotDiscovery,
    /// A discovery datagram of another version.
    #[error("discovery version {0}, this build speaks {DISCOVERY_VERSION}")]
    Version(u8),
    /// A datagram outside the size limits.
    #[error("a discovery datagram of {0} bytes is outside the limits")]
    Size(usize),
    /// The body did not decode.
    #[error("undecodable discovery datagram: {0}")]
    Undecodable(String),
    /// An announcement or query that breaks a limit.
    #[error("invalid announcement: {0}")]
    Invalid(String),
    /// Encoding failed.
    #[error(transparent)]
    Codec(#[from] crate::model::codec::CodecError),
    /// The game's schema hash could not be derived.
    #[error("the game's schema: {0}")]
    Schema(String),
    /// Several games have the name asked for.
    #[error("{} games are called {name:?} (at {}): join one by address", addrs.len(), list(addrs))]
    Ambiguous {
        /// The name.
        name: String,
        /// Where the games of that name are.
        addrs: Vec<SocketAddr>,
    },
}

fn list(addrs: &[SocketAddr]) -> String {
    addrs
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests;
