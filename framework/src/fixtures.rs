//! Test fixtures: a small order-sensitive WorkSpace.

use serde::{Deserialize, Serialize};

use crate::model::{Game, InvalidState, Modification, PeerId, TickCtx, WorkSpace};

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

/// The fixture game.
pub struct TallyGame;

impl Game for TallyGame {
    type State = Tally;
    type Move = Push;
    const ID: &'static str = "tally";
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::checksum::checksum_hex;
    use crate::model::codec::encode_state;

    #[test]
    fn canonical_bytes_and_checksum_of_a_fixed_state_are_pinned() {
        // The canonical encoding (bincode 2, standard configuration) and TL64 of a
        // fixed state, as literals: a change to either breaks recordings and
        // sessions between builds.
        let state = Tally {
            log: vec![(1, 2, 300), (2, 3, 70_000)],
            members: vec![(0, "host".into()), (7, "ann".into())],
            steps: 9,
            noise: u64::MAX,
        };
        let bytes = encode_state(&state).expect("encodes");
        let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
        assert_eq!(
            hex,
            "020102fb2c010203fc70110100020004686f73740703616e6e09fdffffffffffffffff"
        );
        assert_eq!(
            checksum_hex(crate::checksum(&state).expect("encodes")),
            "8874de5ea05a9ea6"
        );
    }
}
