//! [`Game`]: the one type that names a game: its state, its moves, its id, and
//! the identity derived from them (schema hash, renet protocol id).

use std::collections::BTreeSet;

use serde_reflection::{Format, Registry, Samples, Tracer, TracerConfig};

use super::checksum::checksum;
use super::traits::{Modification, WorkSpace};

/// A game: the one type user code names (`TicklinePlugin<MyGame>`,
/// `HostSession<MyGame, _>`, `Submit<MyGame>`, recordings opened for `MyGame`).
///
/// Usually a unit struct:
///
/// ```
/// use serde::{Deserialize, Serialize};
/// use tickline::prelude::*;
///
/// #[derive(Clone, Default, Serialize, Deserialize)]
/// struct Board { cells: Vec<u8> }
/// impl WorkSpace for Board {}
///
/// #[derive(Clone, Debug, Serialize, Deserialize)]
/// struct Paint(u8);
/// impl Modification<Board> for Paint {
///     fn apply(&self, board: &mut Board, _ctx: &mut TickCtx) { board.cells.push(self.0); }
/// }
///
/// struct Painter;
/// impl Game for Painter {
///     type State = Board;
///     type Move = Paint;
///     const ID: &'static str = "painter";
/// }
///
/// // Derived from the serde shapes of Board and Paint: change a field and it changes.
/// let hash = Painter::schema_hash().expect("traceable");
/// assert_ne!(hash, 0);
/// ```
pub trait Game: Send + Sync + 'static {
    /// The game state.
    type State: WorkSpace;
    /// What a player can do to it.
    type Move: Modification<Self::State>;
    /// The game's name: peers and recordings of another game are refused.
    const ID: &'static str;
    /// Ticks per second, unless a session's configuration says otherwise.
    const TICK_RATE: u32 = 30;

    /// The hash of the serde shapes of [`Game::State`] and [`Game::Move`]: peers
    /// and recordings with another are refused. Derived by tracing both types
    /// with `serde-reflection`, so that renaming or retyping a field, adding a
    /// variant or reordering fields changes it. Override only for a type that
    /// cannot be traced (a custom `Deserialize` that validates), and then bump it
    /// by hand with every change.
    ///
    /// # Errors
    ///
    /// [`SchemaError`] when a type cannot be traced.
    fn schema_hash() -> Result<u64, SchemaError> {
        schema_hash_of::<Self::State, Self::Move>()
    }
}

/// Why a game's schema could not be derived.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("cannot derive the schema of the game's types ({0}); implement Game::schema_hash by hand")]
pub struct SchemaError(pub String);

/// The shapes of `S` and `M` as serde sees them (names, fields, variants, types).
///
/// # Errors
///
/// [`SchemaError`] when a type cannot be traced.
pub fn schema_of<S, M>() -> Result<Registry, SchemaError>
where
    S: for<'de> serde::Deserialize<'de>,
    M: for<'de> serde::Deserialize<'de>,
{
    // A pass of the tracer takes the next untraced variant of each enum it meets
    // whose flag was cleared since the last pass; flags are cleared by name. An
    // attempt that leaves enums incomplete learns their names from the error,
    // and the next attempt (a fresh tracer) clears those flags after each pass.
    let mut names: BTreeSet<String> = BTreeSet::new();
    loop {
        let mut tracer = Tracer::new(TracerConfig::default().is_human_readable(false));
        let samples = Samples::new();
        let mut roots;
        let mut passes = 0;
        loop {
            let state = tracer.trace_type_once::<S>(&samples).map_err(err)?.0;
            let moves = tracer.trace_type_once::<M>(&samples).map_err(err)?.0;
            roots = (state, moves);
            let mut progress = false;
            for name in &names {
                progress |= tracer.check_incomplete_enum(name).is_some();
            }
            passes += 1;
            if !progress || passes >= MAX_TRACE_PASSES {
                break;
            }
        }
        match tracer.registry() {
            Ok(registry) => return Ok(with_roots(registry, roots)),
            Err(serde_reflection::Error::MissingVariants(missing)) => {
                let known = names.len();
                names.extend(missing);
                if names.len() == known {
                    return Err(SchemaError(format!(
                        "enums not traced in {MAX_TRACE_PASSES} passes: {names:?}"
                    )));
                }
            }
            Err(e) => return Err(err(e)),
        }
    }
}

/// Enums with more variants than this cannot be traced (the limit keeps the
/// derivation bounded).
const MAX_TRACE_PASSES: usize = 1024;

fn err(e: serde_reflection::Error) -> SchemaError {
    SchemaError(e.to_string())
}

fn with_roots(mut registry: Registry, (state, moves): (Format, Format)) -> Registry {
    // The roots, under names no Rust type can have.
    registry.insert(
        "<state>".into(),
        serde_reflection::ContainerFormat::NewTypeStruct(Box::new(state)),
    );
    registry.insert(
        "<move>".into(),
        serde_reflection::ContainerFormat::NewTypeStruct(Box::new(moves)),
    );
    registry
}

/// The TL64 checksum of [`schema_of`]'s canonical encoding.
///
/// # Errors
///
/// [`SchemaError`] when a type cannot be traced.
pub fn schema_hash_of<S, M>() -> Result<u64, SchemaError>
where
    S: for<'de> serde::Deserialize<'de>,
    M: for<'de> serde::Deserialize<'de>,
{
    let registry = schema_of::<S, M>()?;
    checksum(&registry).map_err(|e| SchemaError(e.to_string()))
}

/// What identifies a game on the wire and in recordings: its id and schema hash,
/// and the renet protocol id derived from both.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GameIdentity {
    /// [`Game::ID`].
    pub id: String,
    /// [`Game::schema_hash`].
    pub schema_hash: u64,
}

impl GameIdentity {
    /// The identity of `G`.
    ///
    /// # Errors
    ///
    /// [`SchemaError`] when its types cannot be traced.
    pub fn of<G: Game>() -> Result<Self, SchemaError> {
        Ok(GameIdentity {
            id: G::ID.to_string(),
            schema_hash: G::schema_hash()?,
        })
    }

    /// The renet protocol id: netcode refuses a connection from a build with
    /// another game or schema before any Tickline message is exchanged.
    pub fn protocol_id(&self) -> u64 {
        // The checksum of a string and a u64 always encodes.
        checksum(&(&self.id, self.schema_hash)).unwrap_or(self.schema_hash)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixtures::{Push, Tally};
    use serde::{Deserialize, Serialize};

    #[derive(Deserialize, Serialize)]
    struct Tally2 {
        log: Vec<(u64, u64, u64)>,
        members: Vec<(u64, String)>,
        steps: u32,
        noise: u64,
    }

    #[derive(Deserialize, Serialize)]
    #[serde(rename = "Tally")]
    struct Reordered {
        members: Vec<(u64, String)>,
        log: Vec<(u64, u64, u64)>,
        steps: u64,
        noise: u64,
    }

    #[derive(Deserialize, Serialize)]
    enum Op {
        Add(u8),
        Clear,
    }

    #[derive(Deserialize, Serialize)]
    #[serde(rename = "Op")]
    enum OpMore {
        Add(u8),
        Clear,
        Undo,
    }

    #[test]
    fn the_schema_hash_of_a_fixed_game_is_pinned() {
        // A literal: the schema hash is part of every Hello and recording header,
        // so a change to how it is derived must be deliberate.
        let hash = schema_hash_of::<Tally, Push>().expect("traceable");
        assert_eq!(format!("{hash:016x}"), "ff079beebb215d70");
    }

    #[test]
    fn structurally_different_types_hash_differently() {
        let base = schema_hash_of::<Tally, Push>().expect("traceable");
        let retyped = schema_hash_of::<Tally2, Push>().expect("traceable");
        let reordered = schema_hash_of::<Reordered, Push>().expect("traceable");
        let swapped = schema_hash_of::<Push, Tally>().expect("traceable");
        let op = schema_hash_of::<Tally, Op>().expect("traceable");
        let more = schema_hash_of::<Tally, OpMore>().expect("traceable");
        let all = [base, retyped, reordered, swapped, op, more];
        for (i, a) in all.iter().enumerate() {
            for b in &all[i + 1..] {
                assert_ne!(a, b, "{all:x?}");
            }
        }
        assert_eq!(base, schema_hash_of::<Tally, Push>().expect("traceable"));
    }

    #[test]
    fn the_protocol_id_follows_the_id_and_the_hash() {
        let a = GameIdentity {
            id: "a".into(),
            schema_hash: 1,
        };
        let b = GameIdentity {
            id: "b".into(),
            schema_hash: 1,
        };
        let c = GameIdentity {
            id: "a".into(),
            schema_hash: 2,
        };
        assert_ne!(a.protocol_id(), b.protocol_id());
        assert_ne!(a.protocol_id(), c.protocol_id());
        assert_eq!(a.protocol_id(), a.clone().protocol_id());
    }
}
