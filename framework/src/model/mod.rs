//! The model: ticks, peers, commits, the WorkSpace and Modification traits, the
//! rule context, the canonical encoding and the checksum.

pub mod checksum;
pub mod codec;
mod commit;
mod ctx;
mod game;
mod ids;
mod sim;
mod traits;

pub(crate) use commit::merge_canonical;
pub use commit::{Body, Commit, SealedTick, sort_canonical};
pub use ctx::{STEP_STREAM, TickCtx};
pub use game::{Game, GameIdentity, SchemaError, schema_hash_of, schema_of};
pub use ids::{CommitId, PeerId, Tick};
pub use sim::{apply_commit, run_tick};
pub use traits::{InvalidState, Modification, WorkSpace};
