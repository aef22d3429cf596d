//! A dedicated server of many rooms on one memory transport, in simulated time:
//! rooms open on first join and close when empty, never see each other's
//! commits, keep a bad client and a desync to themselves, take spectators without a slot,
//! and end gracefully with finished recordings.

use std::path::Path;
use std::time::Duration;

use tickline::model::Tick;
use tickline::net::protocol::{ClientMsg, encode_msg};
use tickline::net::{
    ClientConfig, ClientSession, ClientStatus, HostConfig, KickReason, RejectReason, Server,
    ServerConfig, ServerEvent, SessionEvent,
};
use tickline::record::{Recording, Replayer};
use tickline::testing::arena::{Arena, ArenaGame, Dir, Steer};
use tickline::transport::{
    Channel, ClientTransport, MemoryClient, MemoryConnector, MemoryHost, memory_hub,
};

type Client = ClientSession<ArenaGame, MemoryClient>;

struct Rooms {
    server: Server<ArenaGame, MemoryHost>,
    connector: MemoryConnector,
    clients: Vec<(String, Client)>,
    events: Vec<ServerEvent>,
    now: Duration,
}

fn server_config(dir: Option<&Path>) -> ServerConfig {
    ServerConfig {
        max_rooms: 3,
        room: HostConfig {
            tick_rate: Some(30),
            seed: 7,
            max_clients: 2,
            max_spectators: 1,
            player: None,
            ..HostConfig::default()
        },
        record_dir: dir.map(Path::to_path_buf),
    }
}

impl Rooms {
    fn new(config: ServerConfig) -> Self {
        let (transport, connector) = memory_hub();
        let server =
            Server::new(config, transport, |_room: &str| Arena::default()).expect("starts");
        Rooms {
            server,
            connector,
            clients: Vec::new(),
            events: Vec::new(),
            now: Duration::ZERO,
        }
    }

    fn join(&mut self, name: &str, room: &str, spectate: bool, record: Option<&Path>) -> usize {
        let config = ClientConfig {
            name: name.into(),
            room: room.into(),
            spectate,
            record: record.map(|d| d.join(format!("{name}.tlrec"))),
            ..ClientConfig::default()
        };
        let transport = self.connector.connect().expect("server alive");
        let client = ClientSession::new(config, transport).expect("client starts");
        self.clients.push((name.into(), client));
        self.clients.len() - 1
    }

    fn step(&mut self) {
        self.now += Duration::from_millis(10);
        self.server.update(self.now).expect("server updates");
        self.events.extend(self.server.drain_events());
        for (_, c) in &mut self.clients {
            c.update(self.now).expect("client updates");
        }
    }

    /// Steps until `done`, at most `limit` of simulated time.
    fn run_until(&mut self, what: &str, limit: Duration, mut done: impl FnMut(&Self) -> bool) {
        let deadline = self.now + limit;
        while !done(self) {
            assert!(self.now < deadline, "not within {limit:?}: {what}");
            self.step();
        }
    }

    /// Every client steers now and then (a spectator's commit does nothing), for
    /// `frames` frames of 10 ms.
    fn play(&mut self, frames: u64) {
        for frame in 0..frames {
            for (i, (_, c)) in self.clients.iter_mut().enumerate() {
                if (frame + i as u64).is_multiple_of(9) {
                    c.commit(Steer(Dir::ALL[(frame as usize / 9 + i) % 4]));
                }
            }
            self.step();
        }
    }

    /// A raw connection that sends only a `Hello` for `room`.
    fn raw_hello(&self, name: &str, room: &str, spectator: bool) -> MemoryClient {
        let mut raw = self.connector.connect().expect("server alive");
        let hello = ClientMsg::<Steer>::Hello(tickline::net::protocol::Hello {
            protocol: tickline::net::protocol::PROTOCOL_VERSION,
            game_id: "arena".into(),
            schema_hash: <ArenaGame as tickline::model::Game>::schema_hash().expect("traces"),
            name: name.into(),
            resume: None,
            room: room.into(),
            spectator,
            standby: None,
        });
        raw.send(Channel::Reliable, encode_msg(&hello).expect("encodes"))
            .expect("sends");
        raw.flush();
        raw
    }

    /// The rooms of the session events so far that `wanted` picks, in order.
    fn rooms_with(&self, wanted: impl Fn(&SessionEvent) -> bool) -> Vec<&str> {
        self.events
            .iter()
            .filter_map(|e| match e {
                ServerEvent::Room { room, event } if wanted(event) => Some(room.as_str()),
                _ => None,
            })
            .collect()
    }

    fn client(&self, name: &str) -> &Client {
        &self
            .clients
            .iter()
            .find(|(n, _)| n == name)
            .expect("known")
            .1
    }

    fn connected(&self, names: &[&str]) -> bool {
        names
            .iter()
            .all(|n| self.client(n).status_is(&ClientStatus::Connected))
    }

    /// Each client's sealed checksum equals its room's at a common tick.
    fn assert_converged(&mut self, room: &str, names: &[&str]) {
        let session = self.server.room(room).expect("room open");
        for (name, c) in self
            .clients
            .iter_mut()
            .filter(|(n, _)| names.contains(&n.as_str()))
        {
            let tick = c.sealed_tick();
            let theirs = c.sealed_checksum().expect("welcomed");
            let ours = session
                .checksum_at(tick)
                .expect("room keeps recent checksums");
            assert_eq!(theirs, ours, "{name} in {room} at {tick}");
        }
    }
}

#[test]
fn rooms_open_on_first_join_stay_apart_and_close_when_empty() {
    let mut r = Rooms::new(server_config(None));
    r.join("ann", "red", false, None);
    r.join("bob", "red", false, None);
    r.join("cat", "blue", false, None);
    r.join("dan", "", false, None);
    let all = ["ann", "bob", "cat", "dan"];
    r.run_until("everyone welcomed", Duration::from_secs(5), |r| {
        r.connected(&all)
    });
    let mut names: Vec<&str> = r.server.room_names().collect();
    names.sort_unstable();
    assert_eq!(
        names,
        ["blue", "main", "red"],
        "a Hello without a room gets the default"
    );

    r.play(300);
    for (room, members) in [
        ("red", &["ann", "bob"][..]),
        ("blue", &["cat"]),
        ("main", &["dan"]),
    ] {
        let session = r.server.room(room).expect("open");
        let roster: Vec<&str> = session.roster().values().map(String::as_str).collect();
        assert_eq!(roster, members, "room {room} holds its own players only");
        r.assert_converged(room, members);
    }
    let red = r.server.room("red").expect("open").sealed_state().clone();
    let blue = r.server.room("blue").expect("open").sealed_state().clone();
    assert_ne!(red, blue, "each room plays its own game");
    let stats = r.server.stats();
    assert_eq!((stats.rooms, stats.players, stats.spectators), (3, 4, 0));
    assert!(stats.bytes_out > 0 && stats.bytes_in > 0, "{stats:?}");

    for (_, c) in r
        .clients
        .iter_mut()
        .filter(|(n, _)| n == "ann" || n == "bob")
    {
        c.leave();
    }
    r.run_until("red closes", Duration::from_secs(3), |r| {
        r.server.room("red").is_none()
    });
    assert!(r.events.iter().any(
        |e| matches!(e, ServerEvent::RoomClosed { room, sealed_tick } if room == "red" && *sealed_tick > Tick(80))
    ));
    assert!(r.server.room("blue").is_some(), "the other rooms go on");
    assert!(r.connected(&["cat", "dan"]));
}

#[test]
fn a_bad_client_is_kicked_from_its_room_and_the_others_never_notice() {
    let mut r = Rooms::new(server_config(None));
    r.join("ann", "red", false, None);
    r.join("cat", "blue", false, None);
    r.run_until("both welcomed", Duration::from_secs(5), |r| {
        r.connected(&["ann", "cat"])
    });
    let mut mallory = r.raw_hello("mallory", "red", false);
    r.play(30);
    mallory
        .send(Channel::Unreliable, vec![0xff; 40])
        .expect("sends");
    mallory.flush();
    r.play(60);
    let kicked = r.rooms_with(|e| matches!(e, SessionEvent::Kicked { .. }));
    assert_eq!(kicked, ["red"], "{:?}", r.events);
    assert!(r.connected(&["ann", "cat"]));
    r.play(120);
    r.assert_converged("red", &["ann"]);
    r.assert_converged("blue", &["cat"]);
}

#[test]
fn a_spectator_watches_without_a_slot_and_may_not_commit() {
    let mut r = Rooms::new(server_config(None));
    r.join("ann", "red", false, None);
    r.join("bob", "red", false, None);
    r.run_until("players welcomed", Duration::from_secs(5), |r| {
        r.connected(&["ann", "bob"])
    });
    r.play(100);
    r.join("eve", "red", true, None);
    r.join("fay", "red", false, None);
    r.run_until(
        "the spectator is welcomed into a full room",
        Duration::from_secs(5),
        |r| r.connected(&["eve"]),
    );
    r.run_until(
        "the third player is refused",
        Duration::from_secs(5),
        |r| matches!(r.client("fay").status(), ClientStatus::Stopped(why) if why.contains("full")),
    );
    let eve = r.clients.iter_mut().find(|(n, _)| n == "eve").expect("eve");
    assert_eq!(
        eve.1.commit(Steer(Dir::Up)),
        None,
        "a spectator commits nothing"
    );
    r.play(200);
    r.assert_converged("red", &["ann", "bob", "eve"]);
    let session = r.server.room("red").expect("open");
    assert_eq!(session.spectator_count(), 1);
    assert_eq!(session.player_counts(), (0, 2));
    assert_eq!(
        session.sealed_state().racers.len(),
        2,
        "the spectator is not in the game"
    );
    let roster: Vec<&str> = session.roster().values().map(String::as_str).collect();
    assert_eq!(roster, ["ann", "bob"]);

    // A forged spectator that commits anyway is sent away.
    let mut forger = r.raw_hello("forger", "blue", true);
    r.play(30);
    let commit = tickline::model::Commit::game(
        tickline::model::CommitId {
            author: tickline::model::PeerId(1),
            seq: 0,
        },
        r.server
            .room("blue")
            .expect("opened by the forger")
            .head()
            .plus(2),
        Steer(Dir::Left),
    );
    let update = ClientMsg::Update {
        ack: Tick::GENESIS,
        clock: None,
        commits: vec![commit],
        checksum: None,
        gap: false,
    };
    forger
        .send(Channel::Unreliable, encode_msg(&update).expect("encodes"))
        .expect("sends");
    forger.flush();
    r.play(30);
    assert!(
        r.events.iter().any(|e| matches!(e,
            ServerEvent::Room { room, event: SessionEvent::Kicked { reason, .. } }
                if room == "blue" && *reason == KickReason::SpectatorCommitted
        )),
        "{:?}",
        r.events
    );
}

#[test]
fn the_server_refuses_rooms_past_its_limit_and_strangers_before_hello() {
    let mut r = Rooms::new(server_config(None));
    for (i, room) in ["a", "b", "c", "d"].iter().enumerate() {
        r.join(&format!("p{i}"), room, false, None);
    }
    r.run_until("the fourth room is refused", Duration::from_secs(5), |r| {
        matches!(r.client("p3").status(), ClientStatus::Stopped(why) if why.contains("most rooms (3)"))
    });
    assert!(r.connected(&["p0", "p1", "p2"]));
    let mut stranger = r.connector.connect().expect("server alive");
    let update = ClientMsg::<Steer>::Bye;
    stranger
        .send(Channel::Reliable, encode_msg(&update).expect("encodes"))
        .expect("sends");
    stranger.flush();
    r.play(30);
    assert!(r.events.iter().any(|e| matches!(
        e,
        ServerEvent::Refused {
            reason: RejectReason::NotAHello
        }
    )));
    assert_eq!(r.server.stats().rooms, 3, "no room was opened for it");
}

#[test]
fn a_shutdown_tells_everyone_why_and_every_recording_verifies() {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut r = Rooms::new(server_config(Some(dir.path())));
    r.join("ann", "red", false, Some(dir.path()));
    r.join("cat", "blue", false, Some(dir.path()));
    r.join("eve", "blue", true, Some(dir.path()));
    let all = ["ann", "cat", "eve"];
    r.run_until("everyone welcomed", Duration::from_secs(5), |r| {
        r.connected(&all)
    });
    r.play(240);
    let red_file = r
        .server
        .room_recording("red")
        .expect("recorded")
        .to_path_buf();
    let blue_file = r
        .server
        .room_recording("blue")
        .expect("recorded")
        .to_path_buf();
    r.server
        .shutdown("the server is shutting down")
        .expect("recordings finish");
    r.run_until("every connection closed", Duration::from_secs(3), |r| {
        r.server.connections() == 0
    });
    for name in all {
        let status = r.client(name).status();
        assert!(
            matches!(&status, ClientStatus::Stopped(why) if why.contains("shutting down")),
            "{name}: {status:?}"
        );
    }
    let mut ends = Vec::new();
    for file in [&red_file, &blue_file] {
        let rec = Recording::<ArenaGame>::open(file).expect("a finished recording opens");
        let report = Replayer::<ArenaGame>::new(rec).expect("genesis").verify();
        assert!(
            report.verified() && report.last_tick > Tick(60),
            "{file:?}: {report:?}"
        );
        ends.push(report.checksum);
    }
    assert_ne!(ends[0], ends[1], "the rooms' recordings differ");
    for (name, room_file) in [("cat", &blue_file), ("eve", &blue_file)] {
        let theirs = dir.path().join(format!("{name}.tlrec"));
        let cmp = tickline::record::bisect::<ArenaGame>(room_file, &theirs).expect("same room");
        assert!(cmp.agree() && cmp.compared > 5, "{name}: {cmp:?}");
    }
}

#[test]
fn a_desync_in_one_room_is_healed_there_and_no_other_room_notices() {
    let mut r = Rooms::new(server_config(None));
    r.join("ann", "red", false, None);
    r.join("cat", "blue", false, None);
    r.run_until("both welcomed", Duration::from_secs(5), |r| {
        r.connected(&["ann", "cat"])
    });
    let at = Tick(r.client("ann").sealed_tick().0 + 20);
    let ann = &mut r
        .clients
        .iter_mut()
        .find(|(n, _)| n == "ann")
        .expect("ann")
        .1;
    ann.inject_desync(at, |arena: &mut Arena| {
        if let Some(racer) = arena.racers.first_mut() {
            racer.score += 1000;
        }
    });
    r.run_until("red heals ann", Duration::from_secs(10), |r| {
        r.events.iter().any(|e| {
            matches!(e, ServerEvent::Room { room, event: SessionEvent::DesyncHealed { .. } } if room == "red")
        })
    });
    r.play(120);
    let desync_rooms = r.rooms_with(|e| matches!(e, SessionEvent::DesyncDetected { .. }));
    assert!(
        !desync_rooms.is_empty() && desync_rooms.iter().all(|r| *r == "red"),
        "{desync_rooms:?}"
    );
    r.assert_converged("red", &["ann"]);
    r.assert_converged("blue", &["cat"]);
}
