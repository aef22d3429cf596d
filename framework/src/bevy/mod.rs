//! The Bevy plugin (feature `bevy`): runs a Tickline session of a [`Game`] inside
//! a Bevy app.
//!
//! - Add [`TicklinePlugin<G>`]. Start a session at any time from a system with
//!   `commands.queue(StartSession::<G>::local(..))` (or `host`, `join`), leave it
//!   with `commands.queue(StopSession::<G>::default())`; a menu can go back and
//!   forth. From exclusive code, [`StartSession::start`] does the same on a
//!   `&mut World` and returns the result.
//! - Write [`Submit<G>`] messages to make moves, as the local player or as one of
//!   the session's bots.
//! - Read the predicted state from `Res<TicklineSession<G>>`, and what a HUD needs
//!   from [`TicklineStatus`] (not generic), including
//!   [`TicklineStatus::tick_progress`] to draw between ticks.
//! - Session events arrive as [`TicklineEvent`] messages, failures as
//!   [`TicklineError`] messages.
//! - Host migration: join with [`StartSession::with_standby`] and the session
//!   follows its host's successor by itself when the host goes, or becomes
//!   the host when its turn comes ([`TicklineSession`] turns from a client
//!   into a host; [`TicklineEvent`]s say `HostLost` and `HostChanged`).
//! - LAN discovery: insert a [`LanAnnouncer`] while hosting to answer it, and
//!   [`LanGames`] to keep a list of the LAN's games fresh for a menu.
//!
//! # Schedules
//!
//! By default [`TicklineSet::Receive`] runs in `PreUpdate`, after Bevy's
//! `InputSystems`: the session receives, advances its clock (read from
//! `Time<Real>`: never paused, scaled or clamped) and seals, so game systems in
//! `Update` see this frame's state. [`TicklineSet::Commit`] runs in `PostUpdate`:
//! every [`Submit`] written earlier in the frame (`First`, `PreUpdate`,
//! `FixedUpdate`, `Update`, or `PostUpdate` before the set) is committed in the
//! same frame, stamped for the next tick after the input delay, and is in the
//! prediction that frame renders. Other schedules can be chosen with
//! [`TicklinePlugin::in_schedules`].
//!
//! When the app exits (an [`AppExit`] message), the session is left gracefully
//! in `Last` ([`TicklineSession::leave`]): clients are told, recordings finished.
//!
//! A local session opens no socket; the renet transport exists only inside a
//! host or joined session, which owns it and drives it (the plugin adds no renet
//! systems of its own). Works headless with `MinimalPlugins`.

mod control;
mod lan;
mod session;
mod standby;
mod status;

use std::marker::PhantomData;

use ::bevy::ecs::schedule::{InternedScheduleLabel, ScheduleLabel};
use ::bevy::input::InputSystems;
use ::bevy::prelude::*;

use crate::model::{Game, PeerId};
use crate::net::{SessionError, SessionEvent};

pub use control::{StartSession, StopSession};
pub use lan::{LanAnnouncer, LanGames};
pub use session::TicklineSession;
pub use standby::TicklineStandby;
pub use status::{TicklineState, TicklineStatus};

/// Where the plugin's systems run (see the module documentation).
#[derive(SystemSet, Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum TicklineSet {
    /// Receive, advance the clock, seal and send.
    Receive,
    /// Commit the frame's [`Submit`]s.
    Commit,
}

/// Who makes a submitted move.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Player {
    /// This app's own player.
    #[default]
    Local,
    /// A bot (or other local player) the host session runs, by its peer id.
    Bot(PeerId),
}

/// Write this message to make a move.
#[derive(Message, Debug)]
pub struct Submit<G: Game> {
    /// Who makes it.
    pub by: Player,
    /// The move.
    pub change: G::Move,
}

impl<G: Game> Submit<G> {
    /// A move of the local player.
    pub fn new(change: G::Move) -> Self {
        Submit {
            by: Player::Local,
            change,
        }
    }

    /// A move of the host's bot `peer`.
    pub fn bot(peer: PeerId, change: G::Move) -> Self {
        Submit {
            by: Player::Bot(peer),
            change,
        }
    }
}

/// A session event, as a Bevy message.
#[derive(Message, Clone, Debug, PartialEq, Eq)]
pub struct TicklineEvent(pub SessionEvent);

/// A session that could not start, or whose transport failed.
#[derive(Message, Debug)]
pub struct TicklineError(pub SessionError);

/// Runs a [`TicklineSession<G>`] resource, when there is one.
pub struct TicklinePlugin<G> {
    receive: InternedScheduleLabel,
    commit: InternedScheduleLabel,
    _game: PhantomData<fn() -> G>,
}

impl<G> Default for TicklinePlugin<G> {
    fn default() -> Self {
        TicklinePlugin {
            receive: PreUpdate.intern(),
            commit: PostUpdate.intern(),
            _game: PhantomData,
        }
    }
}

impl<G> TicklinePlugin<G> {
    /// Runs [`TicklineSet::Receive`] in `receive` and [`TicklineSet::Commit`] in
    /// `commit` (by default `PreUpdate` and `PostUpdate`).
    #[must_use]
    pub fn in_schedules(receive: impl ScheduleLabel, commit: impl ScheduleLabel) -> Self {
        TicklinePlugin {
            receive: receive.intern(),
            commit: commit.intern(),
            _game: PhantomData,
        }
    }
}

impl<G: Game> Plugin for TicklinePlugin<G> {
    fn build(&self, app: &mut App) {
        app.add_message::<Submit<G>>()
            .add_message::<TicklineEvent>()
            .add_message::<TicklineError>()
            .init_resource::<TicklineStatus>()
            .configure_sets(self.receive, TicklineSet::Receive.after(InputSystems))
            .add_systems(
                self.receive,
                (
                    session::drive::<G>,
                    standby::follow_host::<G>.run_if(resource_exists::<TicklineStandby>),
                )
                    .chain()
                    .in_set(TicklineSet::Receive)
                    .run_if(resource_exists::<TicklineSession<G>>),
            )
            .add_systems(
                self.commit,
                session::commit_submits::<G>.in_set(TicklineSet::Commit),
            )
            .add_systems(Last, session::leave_on_exit::<G>)
            .add_systems(
                self.receive,
                (
                    lan::announce::<G>.run_if(
                        resource_exists::<lan::LanAnnouncer>
                            .and_then(resource_exists::<TicklineSession<G>>),
                    ),
                    lan::browse.run_if(resource_exists::<lan::LanGames>),
                )
                    .after(TicklineSet::Receive),
            );
    }
}
