//! Test fixtures: a small order-sensitive WorkSpace.

use serde::{Deserialize, Serialize};

use crate::model::{InvalidState, Modification, PeerId, TickCtx, WorkSpace};

/// Records every value pushed, with its author and tick, so that any difference in
/// order or tick shows in the checksum; `step` draws from the RNG.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Tally {
    pub log: Vec<(u64, u64, u64)>,
    pub members: Vec<(u64, String)>,
    pub steps: u64,
    pub noise: u64,
}

impl WorkSpace for Tally {
    fn step(&mut self, ctx: &mut TickCtx) {
        self.steps += 1;
        self.noise = self
            .noise
            .wrapping_mul(31)
            .wrapping_add(u64::from(ctx.below(1000)));
    }
    fn on_join(&mut self, peer: PeerId, name: &str, _ctx: &mut TickCtx) {
        self.members.push((peer.0, name.to_string()));
    }
    fn on_leave(&mut self, peer: PeerId, _ctx: &mut TickCtx) {
        self.members.retain(|(p, _)| *p != peer.0);
    }
    fn validate(&self) -> Result<(), InvalidState> {
        if self.members.len() > 1000 {
            let n = self.members.len();
            return Err(InvalidState::new(format!("{n} members, at most 1000")));
        }
        Ok(())
    }
}

/// Appends `(author, tick, value + a draw)` to the log.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Push(pub u64);

impl Modification<Tally> for Push {
    fn apply(&self, ws: &mut Tally, ctx: &mut TickCtx) {
        let draw = u64::from(ctx.below(100));
        ws.log
            .push((ctx.author().0, ctx.tick().0, self.0 * 100 + draw));
    }
}
