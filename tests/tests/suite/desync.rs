//! A peer whose WorkSpace is deliberately non-deterministic is detected by its
//! checksum reports and healed by the host's snapshot.

use std::time::Duration;

use serde::{Deserialize, Serialize};
use tickline::model::{Game, Modification, PeerId, Tick, TickCtx, WorkSpace};
use tickline::net::{ClientConfig, ClientSession, ClientStatus, SessionEvent};
use tickline::record::{RecordedEvent, Recording};
use tickline::testing::arena::{Arena, ArenaGame, Dir, Steer};
use tickline::transport::{Conditioned, LinkConditions};
use tickline_e2e::lan::{Lan, host_config};

const FAULT_TICK: u64 = 100;

/// Encodes exactly like `Arena`, but corrupts a score once at tick 100.
#[derive(Clone, Serialize, Deserialize)]
#[serde(transparent)]
struct Faulty(Arena);

impl WorkSpace for Faulty {
    fn step(&mut self, ctx: &mut TickCtx) {
        self.0.step(ctx);
        if ctx.tick() == Tick(FAULT_TICK)
            && let Some(racer) = self.0.racers.first_mut()
        {
            racer.score += 1000;
        }
    }
    fn on_join(&mut self, peer: PeerId, name: &str, ctx: &mut TickCtx) {
        self.0.on_join(peer, name, ctx);
    }
    fn on_leave(&mut self, peer: PeerId, ctx: &mut TickCtx) {
        self.0.on_leave(peer, ctx);
    }
}

#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(transparent)]
struct FaultySteer(Steer);

impl Modification<Faulty> for FaultySteer {
    fn apply(&self, ws: &mut Faulty, ctx: &mut TickCtx) {
        self.0.apply(&mut ws.0, ctx);
    }
}

/// Faulty and FaultySteer have Arena's and Steer's serde shapes, so this game has
/// the arena's id and schema hash: the host admits it.
struct FaultyGame;

impl Game for FaultyGame {
    type State = Faulty;
    type Move = FaultySteer;
    const ID: &'static str = ArenaGame::ID;
}

#[test]
fn a_non_deterministic_peer_is_detected_and_healed() {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut lan = Lan::new(dir.path(), host_config(dir.path()));
    lan.add_client("honest", LinkConditions::latency(Duration::from_millis(25)));
    let transport = Conditioned::new(
        lan.connector().connect().expect("host alive"),
        LinkConditions::latency(Duration::from_millis(25)),
    );
    let config = ClientConfig {
        name: "faulty".into(),
        record: Some(dir.path().join("faulty.tlrec")),
        ..ClientConfig::default()
    };
    let mut faulty: ClientSession<FaultyGame, _> =
        ClientSession::new(config, transport).expect("starts");
    let mut faulty_events = Vec::new();
    let deadline = lan.now + Duration::from_secs(20);
    let mut healed_at = None;
    while healed_at.is_none() || faulty.sealed_tick() < Tick(400) {
        assert!(
            lan.now < deadline,
            "no heal within 20 s; events: {faulty_events:?}"
        );
        lan.step();
        faulty.update(lan.now).expect("memory");
        if faulty.sealed_tick().0 % 20 == 5 && faulty.status() == ClientStatus::Connected {
            faulty.commit(FaultySteer(Steer(Dir::Left)));
        }
        for e in faulty.drain_events() {
            if let SessionEvent::DesyncHealed { tick, .. } = e {
                healed_at = Some(tick);
            }
            faulty_events.push(e);
        }
    }
    let detected = faulty_events.iter().find_map(|e| match e {
        SessionEvent::DesyncDetected { tick, .. } => Some(*tick),
        _ => None,
    });
    let detected = detected.expect("the faulty client was told");
    assert!(
        detected.0 >= FAULT_TICK && detected.0 <= FAULT_TICK + 30,
        "first report after the fault: {detected}"
    );
    assert!(
        lan.events[0]
            .iter()
            .any(|e| matches!(e, SessionEvent::DesyncDetected { tick, .. } if *tick == detected))
    );
    assert!(
        lan.events[0]
            .iter()
            .any(|e| matches!(e, SessionEvent::DesyncHealed { .. })),
        "host saw a matching checksum later"
    );
    // After healing it agrees with the host again.
    let tick = faulty.sealed_tick();
    lan.run_until(
        "host has the tick's checksum",
        Duration::from_secs(1),
        |lan| lan.host.checksum_at(tick).is_some(),
    );
    assert_eq!(faulty.sealed_checksum(), lan.host.checksum_at(tick));
    assert!(
        !lan.events[1]
            .iter()
            .any(|e| matches!(e, SessionEvent::DesyncDetected { .. })),
        "the honest client is unaffected"
    );
    // The host's recording notes the desync.
    let rec = &lan.recordings(&[])["host"];
    assert!(rec.events.iter().any(|(t, _)| *t == detected));
    // The faulty client's recording keeps the evidence: the field that differed
    // when it was healed, with both values.
    let own = Recording::<FaultyGame>::open(dir.path().join("faulty.tlrec")).expect("readable");
    let fields = own
        .events
        .iter()
        .find_map(|(t, e)| match e {
            RecordedEvent::Healed { fields, .. } if Some(*t) == healed_at => Some(fields),
            _ => None,
        })
        .expect("the heal was recorded");
    assert_eq!(fields.len(), 1, "{fields:?}");
    assert_eq!(fields[0].path, "racers[0].score");
    let (ours, host): (u32, u32) = (
        fields[0].a.parse().expect("a number"),
        fields[0].b.parse().expect("a number"),
    );
    assert_eq!(ours, host + 1000);
}
