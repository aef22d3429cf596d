//! Bot games written straight to a recording, with no network and no window: for
//! tests, benchmarks and sample files.

use std::path::Path;

use tickline::model::codec::encode_state;
use tickline::model::{Commit, CommitId, PeerId, SealedTick, Tick, TickCtx, WorkSpace, run_tick};
use tickline::record::{Header, RecordError, RecordingWriter};

use crate::bot::decide;
use crate::rules::{SnakeGame, SnakeWorld, Turn};

/// A game of bots played by [`decide`] on the default board.
#[derive(Clone, Debug)]
pub struct BotRecording {
    /// Bots, peers 1..=`bots`, joined at the start.
    pub bots: u64,
    /// Sealed ticks to record.
    pub ticks: u64,
    /// Ticks per second (written in the header).
    pub tick_rate: u32,
    /// The session seed.
    pub seed: u64,
    /// A snapshot every this many ticks (0: none). A checksum is written every tick.
    pub snapshot_every: u64,
}

impl BotRecording {
    /// Plays the game and writes it to `path`. Before each tick is sealed,
    /// `extra` may add commits to it (to make recordings that diverge).
    ///
    /// # Errors
    ///
    /// [`RecordError`] if the file cannot be written.
    pub fn write(
        &self,
        path: &Path,
        mut extra: impl FnMut(&SnakeWorld, Tick) -> Vec<Commit<Turn>>,
    ) -> Result<(), RecordError> {
        let mut world = SnakeWorld::default();
        for p in 1..=self.bots {
            let mut ctx = TickCtx::new(self.seed, Tick(0), PeerId::SYSTEM, p);
            world.on_join(PeerId(p), &format!("bot{p}"), &mut ctx);
        }
        let header = Header {
            game_id: <SnakeGame as tickline::Game>::ID.into(),
            schema_hash: SnakeGame::schema_hash(),
            tick_rate: self.tick_rate,
            seed: self.seed,
            start_tick: Tick(0),
            genesis: encode_state(&world)?,
            created_unix_ms: 0,
        };
        let mut writer = RecordingWriter::create(path, &header)?;
        let mut seq = 0;
        for t in (1..=self.ticks).map(Tick) {
            let mut commits: Vec<Commit<Turn>> = world
                .snakes
                .iter()
                .filter_map(|s| decide(&world, s.owner).map(|d| (s.owner, d)))
                .map(|(owner, d)| {
                    seq += 1;
                    Commit::game(CommitId { author: owner, seq }, t, Turn(d))
                })
                .collect();
            commits.extend(extra(&world, t));
            let sealed = SealedTick { tick: t, commits };
            run_tick::<SnakeGame>(&mut world, &sealed.commits, self.seed, t);
            writer.write_sealed(&sealed)?;
            writer.write_checksum(t, tickline::checksum(&world)?)?;
            if self.snapshot_every > 0 && t.0.is_multiple_of(self.snapshot_every) {
                writer.write_snapshot(t, &world)?;
            }
        }
        writer.finish()?;
        Ok(())
    }
}
