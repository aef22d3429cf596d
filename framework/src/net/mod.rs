//! Networked sessions: a host and clients that keep one sealed log over any
//! [`transport`](crate::transport), with late join, reconnection and desync healing.
//!
//! Both sessions are driven by `update(now)` with the time passed in; they do no IO
//! of their own beyond the transport and the optional recording file.

mod assembled;
mod cadence;
mod client;
mod clock;
mod config;
pub mod discovery;
mod events;
mod handover;
mod host;
mod journal;
mod migrate;
/// The wire protocol (`docs/protocol.md`), for the fuzz targets, tests and tools
/// that speak it raw. Not part of the game API: sessions speak it for you.
#[doc(hidden)]
pub mod protocol;
mod reasons;
mod server;
mod succession;

pub use client::{ClientSession, ClientStatus, Migration};
pub use config::{ClientConfig, HostConfig};
pub use events::{Advanced, PeerInfo, Rejection, SessionError, SessionEvent, SessionStats};
pub use handover::Handover;
pub use host::HostSession;
pub use migrate::{Boxed, Rehost, follow};
pub use reasons::{KickReason, RejectReason};
pub use server::{RoomLink, RoomStats, Server, ServerConfig, ServerEvent, ServerStats};
pub use succession::{
    MAX_MEMBERS, MAX_STANDBY_ADDRS, Member, PeerKey, Standby, Succession, SuccessionError,
};
