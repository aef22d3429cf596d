//! The Bevy plugin (feature `bevy`): runs a Tickline host or client session inside
//! a Bevy app. The session advances ticks on its own fixed-step clock at the game's
//! tick rate; on clients that clock follows the host's through time sync.
//!
//! - Insert a [`TicklineSession`] (local, host or client; over the memory transport
//!   or over renet with [`host_over_renet`] / [`join_over_renet`], whose
//!   session owns the transport module's renet adapter) and add [`TicklinePlugin`].
//! - Write [`Submit`] messages to commit Modifications.
//! - Read the predicted WorkSpace, sealed tick, status and stats from
//!   `Res<TicklineSession<W, M>>`, or the non-generic [`TicklineStatus`].
//! - Session events arrive as [`TicklineEvent`] messages.
//!
//! Works headless with `MinimalPlugins`. The plugin's systems run in `PreUpdate`,
//! in [`TicklineSet`]; the session receives and sends there; game systems in
//! `Update` see the state of this frame.

mod bridge;
mod session;

use std::marker::PhantomData;

use ::bevy::prelude::*;

use crate::model::{Modification, WorkSpace};
use crate::net::SessionEvent;

pub use bridge::{host_over_renet, join_over_renet};
pub use session::{TicklineSession, TicklineState, TicklineStatus};

/// Where the plugin's systems run.
#[derive(SystemSet, Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum TicklineSet {
    /// Submitted commits, then the session's update (which receives and sends
    /// over the session's transport).
    Drive,
}

/// Write this message to commit a Modification as the local player.
#[derive(Message, Clone, Debug)]
pub struct Submit<M>(pub M);

/// A session event, as a Bevy message.
#[derive(Message, Clone, Debug, PartialEq, Eq)]
pub struct TicklineEvent(pub SessionEvent);

/// Runs a [`TicklineSession<W, M>`] resource every frame.
pub struct TicklinePlugin<W, M> {
    _types: PhantomData<fn() -> (W, M)>,
}

impl<W, M> Default for TicklinePlugin<W, M> {
    fn default() -> Self {
        TicklinePlugin {
            _types: PhantomData,
        }
    }
}

impl<W: WorkSpace, M: Modification<W>> Plugin for TicklinePlugin<W, M> {
    fn build(&self, app: &mut App) {
        app.add_message::<Submit<M>>()
            .add_message::<TicklineEvent>()
            .init_resource::<TicklineStatus>()
            .add_systems(
                PreUpdate,
                session::drive::<W, M>
                    .in_set(TicklineSet::Drive)
                    .run_if(resource_exists::<TicklineSession<W, M>>),
            );
    }
}
