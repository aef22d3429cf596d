//! What the fuzz targets (`framework/fuzz/`) check, as plain functions: the test
//! suite replays every input kept in `framework/fuzz/regressions/` through the same
//! functions, so a bug a fuzzer once found stays fixed.
//!
//! Each function takes arbitrary bytes and panics only on a real bug: a crash in
//! the code under test, or a broken invariant (a decoded message that does not
//! encode back to the same value, a host that stops serving its honest player).

use std::time::Duration;

use crate::model::codec::encode;
use crate::model::{Game, PeerId, Tick};
use crate::net::protocol::{ClientMsg, Hello, PROTOCOL_VERSION, decode_client, decode_host};
use crate::net::{HostConfig, HostSession};
use crate::record::{Expect, RecordStream, Recording, verify_stream};
use crate::testing::arena::{Arena, ArenaGame, Dir, Steer};
use crate::transport::{Channel, ClientTransport, memory_hub};

/// The game id the fuzzed recordings and sessions use.
pub const GAME: &str = "arena";

/// Reads `bytes` as an arena recording, then verifies it as a stream. Any input
/// must end in a value or an error, in memory bounded by the input.
pub fn recording(bytes: &[u8]) {
    let expect = Expect::game(GAME);
    if let Ok(stream) = RecordStream::<ArenaGame, _>::with_expect(bytes, &expect) {
        let rec = Recording::collect(stream).expect("collecting never fails");
        assert!(rec.last_tick() >= rec.start_tick());
    }
    if let Ok(stream) = RecordStream::<ArenaGame, _>::with_expect(bytes, &expect)
        && let Ok(report) = verify_stream(stream, None)
    {
        assert!(report.last_tick >= report.first_tick);
    }
}

/// Decodes `bytes` as a client message; whatever decodes must encode back to
/// bytes that decode to the same message.
pub fn client_message(bytes: &[u8]) {
    if let Ok(msg) = decode_client::<Steer>(bytes) {
        let again = encode(&msg).expect("a decoded message encodes");
        assert_eq!(decode_client::<Steer>(&again).ok(), Some(msg));
    }
}

/// Decodes `bytes` as a host message, as [`client_message`]; sealed runs that
/// decode are expanded (which validates them).
pub fn host_message(bytes: &[u8]) {
    if let Ok(msg) = decode_host::<Steer>(bytes) {
        let again = encode(&msg).expect("a decoded message encodes");
        assert_eq!(decode_host::<Steer>(&again).ok().as_ref(), Some(&msg));
        if let crate::net::protocol::HostMsg::Frame { sealed, .. } = msg {
            let _ = sealed.expand();
        }
    }
}

/// A host with its own player, and a connection that sends the messages in
/// `bytes` (each a little-endian u16 length and that many bytes; an odd first byte
/// first sends a good Hello, to reach the running session). The host must keep
/// serving: sealing keeps pace with time, and its own player stays in the session.
pub fn session(bytes: &[u8]) {
    let (transport, connector) = memory_hub();
    let config = HostConfig {
        tick_rate: Some(60),
        ..HostConfig::default()
    };
    let mut host = HostSession::<ArenaGame, _>::new(config, Arena::default(), transport)
        .expect("a default host starts");
    let mut client = connector.connect().expect("host alive");
    if bytes.first().is_some_and(|b| b % 2 == 1) {
        let hello = ClientMsg::<Steer>::Hello(Hello {
            protocol: PROTOCOL_VERSION,
            game_id: GAME.into(),
            schema_hash: ArenaGame::schema_hash().expect("the arena traces"),
            name: "fuzz".into(),
            resume: None,
            room: String::new(),
            spectator: false,
            standby: None,
        });
        let _ = client.send(Channel::Reliable, encode(&hello).expect("encodes"));
    }
    let mut now = Duration::ZERO;
    let mut rest = bytes.get(1..).unwrap_or_default();
    while let Some((message, tail)) = next_message(rest) {
        rest = tail;
        let channel = if message.len() % 2 == 0 {
            Channel::Reliable
        } else {
            Channel::Unreliable
        };
        let _ = client.send(channel, message.to_vec());
        now += Duration::from_millis(17);
        let _ = client.update(now);
        host.update(now).expect("the memory transport never fails");
        while client.poll().is_some() {}
        host.commit(Steer(Dir::Up));
    }
    for _ in 0..4 {
        now += Duration::from_millis(17);
        host.update(now).expect("the memory transport never fails");
    }
    // Sealing keeps pace with time whatever the connection sent.
    let due = now.as_millis() as u64 * 60 / 1000;
    assert!(
        host.sealed_tick().0 + 10 >= due,
        "sealed {} of {due}",
        host.sealed_tick()
    );
    // The host's own player joined at tick 1 (a client reporting a large jitter
    // may hold sealing back by up to the seal delay's bound, never more).
    if host.sealed_tick() >= Tick(1) {
        assert!(host.roster().contains_key(&PeerId::HOST));
    }
}

fn next_message(bytes: &[u8]) -> Option<(&[u8], &[u8])> {
    let len = u16::from_le_bytes([*bytes.first()?, *bytes.get(1)?]) as usize;
    let body = bytes.get(2..)?;
    let len = len.min(body.len());
    Some(body.split_at(len))
}
