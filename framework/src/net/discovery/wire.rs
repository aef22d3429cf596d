//! The two datagrams of LAN discovery: a query a browser broadcasts, and the
//! reply each host of that game sends back to it.
//!
//! ```text
//! query = "TLDQ" | version (u8) | bincode(Query)          padded to MIN_QUERY_BYTES
//! reply = "TLDR" | version (u8) | bincode(Reply)          at most MAX_REPLY_BYTES
//! ```
//!
//! A query is never shorter than a reply to it would usually be, so that a
//! forged source address gains an attacker almost nothing.

use serde::{Deserialize, Serialize};

use crate::model::codec::{decode, encode};
use crate::net::protocol::MAX_NAME_CHARS;

use super::DiscoveryError;

/// The UDP port hosts answer discovery on unless configured otherwise.
pub const DEFAULT_DISCOVERY_PORT: u16 = 5001;
/// The version of these datagrams; others are ignored.
pub const DISCOVERY_VERSION: u8 = 1;
/// Shortest query answered (shorter ones are padded by the browser).
pub const MIN_QUERY_BYTES: usize = 96;
/// Longest query read.
pub const MAX_QUERY_BYTES: usize = 256;
/// Longest reply sent or read.
pub const MAX_REPLY_BYTES: usize = 512;
/// Longest game id, version or host name in an announcement, in bytes.
pub const MAX_TEXT_BYTES: usize = MAX_NAME_CHARS * 4;

const QUERY_MAGIC: [u8; 4] = *b"TLDQ";
const REPLY_MAGIC: [u8; 4] = *b"TLDR";
const LEAD: usize = 5;

/// A browser's question: which games of `game_id` are there?
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Query {
    /// Echoed in replies, so that a browser takes only answers to its own queries.
    pub nonce: u64,
    /// The game the browser lists; hosts of other games stay silent.
    pub game_id: String,
}

/// What a host says about its game. It never holds the join code, only whether
/// one is needed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Announcement {
    /// The game ([`Game::ID`](crate::Game::ID)).
    pub game_id: String,
    /// Its schema hash ([`Game::schema_hash`](crate::Game::schema_hash)): a
    /// browser lists only games it can join.
    pub schema_hash: u64,
    /// The host's name for the game, as players see it in the list.
    pub name: String,
    /// The UDP port of the game; its address is the reply's source address.
    pub game_port: u16,
    /// Players in the game now.
    pub players: u32,
    /// Most players it admits.
    pub max_players: u32,
    /// Spectators watching.
    pub spectators: u32,
    /// Whether joining needs a join code.
    pub code_required: bool,
    /// Ticks per second.
    pub tick_rate: u32,
    /// The host application's version, as it names it.
    pub version: String,
    /// Whether a dedicated server (rooms, no player of its own) answers.
    pub dedicated: bool,
}

impl Announcement {
    /// Checks the lengths a reply may carry.
    ///
    /// # Errors
    ///
    /// [`DiscoveryError::Invalid`] naming the field.
    pub fn validate(&self) -> Result<(), DiscoveryError> {
        for (field, text) in [
            ("game_id", &self.game_id),
            ("name", &self.name),
            ("version", &self.version),
        ] {
            if text.len() > MAX_TEXT_BYTES {
                return Err(DiscoveryError::Invalid(format!(
                    "{field} is {} bytes, at most {MAX_TEXT_BYTES}",
                    text.len()
                )));
            }
        }
        if self.game_port == 0 {
            return Err(DiscoveryError::Invalid("game_port is 0".into()));
        }
        Ok(())
    }
}

/// A reply: the query's nonce and the announcement.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub(super) struct Reply {
    pub(super) nonce: u64,
    pub(super) announcement: Announcement,
}

fn frame(magic: [u8; 4], body: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(LEAD + body.len());
    out.extend_from_slice(&magic);
    out.push(DISCOVERY_VERSION);
    out.extend_from_slice(body);
    out
}

/// The body after our magic and version, or why the datagram is not ours.
fn body(magic: [u8; 4], datagram: &[u8]) -> Result<&[u8], DiscoveryError> {
    if datagram.len() < LEAD || datagram[..4] != magic {
        return Err(DiscoveryError::NotDiscovery);
    }
    if datagram[4] != DISCOVERY_VERSION {
        return Err(DiscoveryError::Version(datagram[4]));
    }
    Ok(&datagram[LEAD..])
}

/// A query datagram, padded with zeros to [`MIN_QUERY_BYTES`].
///
/// # Errors
///
/// [`DiscoveryError::Invalid`] for a game id over [`MAX_TEXT_BYTES`].
pub(super) fn encode_query(query: &Query) -> Result<Vec<u8>, DiscoveryError> {
    if query.game_id.len() > MAX_TEXT_BYTES {
        return Err(DiscoveryError::Invalid("the game id is too long".into()));
    }
    let mut out = frame(QUERY_MAGIC, &encode(query)?);
    out.resize(out.len().max(MIN_QUERY_BYTES), 0);
    Ok(out)
}

/// Reads a query; the padding after it is ignored.
pub(super) fn decode_query(datagram: &[u8]) -> Result<Query, DiscoveryError> {
    if !(MIN_QUERY_BYTES..=MAX_QUERY_BYTES).contains(&datagram.len()) {
        return Err(DiscoveryError::Size(datagram.len()));
    }
    let body = body(QUERY_MAGIC, datagram)?;
    let (query, _): (Query, usize) = bincode::serde::decode_from_slice(
        body,
        crate::model::codec::CANONICAL.with_limit::<MAX_QUERY_BYTES>(),
    )
    .map_err(|e| DiscoveryError::Undecodable(e.to_string()))?;
    if query.game_id.len() > MAX_TEXT_BYTES {
        return Err(DiscoveryError::Invalid("the game id is too long".into()));
    }
    Ok(query)
}

/// A reply datagram.
///
/// # Errors
///
/// [`DiscoveryError::Invalid`] when the announcement is not valid or the reply
/// would exceed [`MAX_REPLY_BYTES`].
pub(super) fn encode_reply(reply: &Reply) -> Result<Vec<u8>, DiscoveryError> {
    reply.announcement.validate()?;
    let out = frame(REPLY_MAGIC, &encode(reply)?);
    if out.len() > MAX_REPLY_BYTES {
        return Err(DiscoveryError::Size(out.len()));
    }
    Ok(out)
}

/// Reads a reply and checks its announcement.
pub(super) fn decode_reply(datagram: &[u8]) -> Result<Reply, DiscoveryError> {
    if datagram.len() > MAX_REPLY_BYTES {
        return Err(DiscoveryError::Size(datagram.len()));
    }
    let reply: Reply = decode::<Reply, MAX_REPLY_BYTES>(body(REPLY_MAGIC, datagram)?)
        .map_err(|e| DiscoveryError::Undecodable(e.to_string()))?;
    reply.announcement.validate()?;
    Ok(reply)
}
