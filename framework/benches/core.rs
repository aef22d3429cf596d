//! Core benchmarks on the reference WorkSpace (8 players on a 64×64 grid):
//! sequencing + sealing + applying commits, rollback cost, recording write/read
//! throughput, and `verify()` of a one-hour 20 Hz session.
//!
//! Run: `cargo bench -p tickline --bench core`. Figures go in BENCHMARKS.md.

use std::hint::black_box;
use std::time::Duration;

use criterion::{BatchSize, Criterion, Throughput, criterion_group, criterion_main};
use tickline::Game;
use tickline::model::codec::encode_state;
use tickline::model::{Commit, CommitId, PeerId, SealedTick, Tick, run_tick};
use tickline::record::{Expect, Header, RecordStream, Recording, RecordingWriter, Replayer};
use tickline::testing::arena::{Arena, ArenaGame, Dir, Steer};
use tickline::timeline::{Sequencer, SequencerConfig, Timeline, TimelineConfig};

const PLAYERS: u64 = 8;

fn arena() -> Arena {
    Arena::with_players(PLAYERS, 36)
}

/// A cheap deterministic stream for generating inputs (not used by any rule).
struct Lcg(u64);
impl Lcg {
    fn next(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        self.0 >> 33
    }
}

/// A snake-like log: each player turns about every 5 ticks.
fn session_log(ticks: u64) -> Vec<SealedTick<Steer>> {
    let mut rng = Lcg(7);
    let mut seqs = [0u64; PLAYERS as usize];
    (1..=ticks)
        .map(|t| {
            let mut commits = Vec::new();
            for p in 0..PLAYERS {
                if !rng.next().is_multiple_of(5) {
                    continue;
                }
                let seq = &mut seqs[p as usize];
                *seq += 1;
                let id = CommitId {
                    author: PeerId(p + 1),
                    seq: *seq,
                };
                commits.push(Commit::game(
                    id,
                    Tick(t),
                    Steer(Dir::ALL[(rng.next() % 4) as usize]),
                ));
            }
            SealedTick {
                tick: Tick(t),
                commits,
            }
        })
        .collect()
}

fn header(seed: u64) -> Header {
    Header {
        game_id: "arena".into(),
        schema_hash: 1,
        tick_rate: 20,
        seed,
        start_tick: Tick(0),
        genesis: encode_state(&arena()).expect("encodes"),
        created_unix_ms: 0,
    }
}

/// Reads a recording written by [`record`] (its header names the game, not the
/// derived schema hash).
fn read(bytes: &[u8]) -> Recording<ArenaGame> {
    let stream = RecordStream::with_expect(bytes, &Expect::game(ArenaGame::ID)).expect("valid");
    Recording::collect(stream).expect("valid")
}

/// Records `log` with a checksum every tick and a snapshot every 600 ticks.
fn record(log: &[SealedTick<Steer>]) -> Vec<u8> {
    let mut state = arena();
    let mut writer = RecordingWriter::new(Vec::new(), &header(1)).expect("header");
    for st in log {
        run_tick::<ArenaGame>(&mut state, &st.commits, 1, st.tick);
        writer.write_sealed(st).expect("writes");
        writer
            .write_checksum(st.tick, tickline::checksum(&state).expect("encodes"))
            .expect("writes");
        if st.tick.0.is_multiple_of(600) {
            writer.write_snapshot(st.tick, &state).expect("writes");
        }
    }
    writer.finish().expect("flushes")
}

fn sequence_seal_apply(c: &mut Criterion) {
    const TICKS: u64 = 1_000;
    const PER_TICK: u64 = 1_000;
    let commits: Vec<Commit<Steer>> = (1..=TICKS)
        .flat_map(|t| {
            (0..PER_TICK).map(move |i| {
                let id = CommitId {
                    author: PeerId(i % PLAYERS + 1),
                    seq: t * PER_TICK + i,
                };
                Commit::game(id, Tick(t), Steer(Dir::ALL[(i % 4) as usize]))
            })
        })
        .collect();
    let mut group = c.benchmark_group("sequence_seal_apply");
    group
        .sample_size(10)
        .measurement_time(Duration::from_secs(8));
    group.throughput(Throughput::Elements(TICKS * PER_TICK));
    group.bench_function("1M_commits", |b| {
        b.iter_batched(
            || commits.clone(),
            |commits| {
                let mut seq = Sequencer::new(
                    SequencerConfig {
                        max_ahead: TICKS + 1,
                    },
                    Tick(0),
                );
                let mut peer: Timeline<ArenaGame> =
                    Timeline::new(PeerId(99), arena(), 1, TimelineConfig::default())
                        .expect("config");
                let mut it = commits.into_iter().peekable();
                for t in 1..=TICKS {
                    while let Some(c) = it.next_if(|c| c.tick.0 == t) {
                        seq.accept(c).expect("in range");
                    }
                    let st = seq.seal(Tick(t)).expect("in order");
                    peer.receive_sealed(st).expect("valid");
                }
                black_box(peer.sealed_tick())
            },
            BatchSize::PerIteration,
        );
    });
    group.finish();
}

fn rollback(c: &mut Criterion) {
    let config = TimelineConfig {
        max_prediction: 8,
        ..TimelineConfig::default()
    };
    let mut peer: Timeline<ArenaGame> =
        Timeline::new(PeerId(1), arena(), 1, config).expect("config");
    for st in session_log(100) {
        peer.receive_sealed(st).expect("valid");
    }
    for _ in 0..8 {
        peer.advance().expect("window");
    }
    let foreign = Commit::game(
        CommitId {
            author: PeerId(2),
            seq: 10_000,
        },
        Tick(101),
        Steer(Dir::Up),
    );
    let sealed = SealedTick {
        tick: Tick(101),
        commits: vec![foreign],
    };
    c.bench_function("rollback/depth_8", |b| {
        b.iter_batched(
            || (peer.clone(), sealed.clone()),
            |(mut peer, sealed)| {
                let outcome = peer.receive_sealed(sealed).expect("valid");
                assert_eq!(outcome.rollback.map(|r| r.depth), Some(8));
                black_box(peer)
            },
            BatchSize::SmallInput,
        );
    });
}

fn recordings(c: &mut Criterion) {
    let log = session_log(72_000);
    let bytes = record(&log);
    let mut group = c.benchmark_group("recording");
    group
        .sample_size(10)
        .measurement_time(Duration::from_secs(8));
    group.throughput(Throughput::Bytes(bytes.len() as u64));
    group.bench_function("write_72k_ticks", |b| {
        let mut state = arena();
        for st in &log[..600] {
            run_tick::<ArenaGame>(&mut state, &st.commits, 1, st.tick);
        }
        b.iter(|| {
            let mut writer =
                RecordingWriter::new(Vec::with_capacity(bytes.len()), &header(1)).expect("header");
            for st in &log {
                writer.write_sealed(st).expect("writes");
                writer.write_checksum(st.tick, st.tick.0).expect("writes");
                if st.tick.0.is_multiple_of(600) {
                    writer.write_snapshot(st.tick, &state).expect("writes");
                }
            }
            black_box(writer.finish().expect("flushes").len())
        });
    });
    group.bench_function("read_72k_ticks", |b| {
        b.iter(|| {
            let rec = read(&bytes);
            black_box(rec.last_tick())
        });
    });
    group.finish();

    let replayer: Replayer<ArenaGame> = Replayer::new(read(&bytes)).expect("genesis");
    let mut group = c.benchmark_group("verify");
    group
        .sample_size(10)
        .measurement_time(Duration::from_secs(10));
    group.bench_function("one_hour_20hz_72k_ticks", |b| {
        b.iter(|| {
            let report = replayer.verify();
            assert!(report.verified());
            black_box(report.checksum)
        });
    });
    group.finish();
    eprintln!(
        "recording: {} ticks, {} commits, {} bytes ({:.1} bytes/tick), {} state cells",
        log.len(),
        log.iter().map(|st| st.commits.len()).sum::<usize>(),
        bytes.len(),
        bytes.len() as f64 / log.len() as f64,
        arena().cells()
    );
}

/// Deriving a game's schema hash (done when a session starts or a recording is
/// opened for a game).
fn schema(c: &mut Criterion) {
    c.bench_function("schema_hash/arena", |b| {
        b.iter(|| tickline::testing::arena::ArenaGame::schema_hash().expect("traceable"))
    });
}

criterion_group!(benches, sequence_seal_apply, rollback, recordings, schema);
criterion_main!(benches);
