//! # Tickline
//!
//! Deterministic, version-controlled game state for real-time multiplayer games.
//!
//! The game state is a [`WorkSpace`]; the only way to change it is a deterministic
//! [`Modification`] wrapped in a [`Commit`] stamped with the [`Tick`] at which it
//! takes effect. The host's [`Sequencer`] seals each tick's commits into one
//! authoritative order; every peer's [`Timeline`] predicts ahead of that order and
//! rolls back when a sealed tick differs from its prediction. The sealed log is also
//! the recording ([`record`]): sessions replay, verify and bisect offline.
//!
//! Module map: [`model`] (types and traits), [`timeline`] (prediction, rollback,
//! sealing), [`record`] (recordings, replay, divergence), [`crud`] (a generic
//! collection WorkSpace), [`testing`] (determinism harness). A game names all of
//! this through one [`Game`] type. None of them does IO
//! on its own or reads a clock: time and bytes are passed in.
#![forbid(unsafe_code)]

#[cfg(feature = "agones")]
pub mod agones;
#[cfg(feature = "bevy")]
pub mod bevy;
pub mod crud;
pub mod model;
pub mod net;
mod ratelog;
pub mod record;
pub mod testing;
pub mod timeline;
pub mod transport;

#[cfg(test)]
mod fixtures;

pub use model::checksum::checksum;
pub use model::{
    Body, Commit, CommitId, Game, GameIdentity, Modification, PeerId, SealedTick, Tick, TickCtx,
    WorkSpace,
};
pub use timeline::{Sequencer, SequencerConfig, Timeline, TimelineConfig};

/// The names a game needs, in one import: the traits it implements, the session
/// configurations, recordings, and (with the `bevy` feature) the plugin and its
/// messages.
pub mod prelude {
    #[cfg(feature = "bevy")]
    pub use crate::bevy::{
        Player, StartSession, StopSession, Submit, TicklineError, TicklineEvent, TicklinePlugin,
        TicklineSession, TicklineSet, TicklineState, TicklineStatus,
    };
    pub use crate::crud::{Collection, CollectionOp, Item};
    pub use crate::model::{
        Body, Commit, CommitId, Game, InvalidState, Modification, PeerId, SealedTick, Tick,
        TickCtx, WorkSpace,
    };
    pub use crate::net::{
        Advanced, ClientConfig, ClientSession, ClientStatus, Handover, HostConfig, HostSession,
        KickReason, RejectReason, Rejection, SessionError, SessionEvent,
    };
    pub use crate::record::{
        Header, RecordStream, Recording, RecordingWriter, Replayer, bisect, verify_stream,
    };
    pub use crate::testing::{DeterminismCheck, Script, check_determinism};
    pub use crate::timeline::{Sequencer, SequencerConfig, Timeline, TimelineConfig};
    pub use crate::transport::{Conditioned, LinkConditions, memory_hub};
    #[cfg(feature = "renet")]
    pub use crate::transport::{
        JoinCode, RenetClientConfig, RenetClientTransport, RenetHostConfig, RenetHostTransport,
        RenetSecurity, resolve,
    };
}

/// The README's code examples, compiled and run as doctests (they use the Bevy
/// plugin and the renet transport).
#[cfg(all(doctest, feature = "bevy"))]
#[doc = include_str!("../../README.md")]
pub struct ReadmeDoctests;
