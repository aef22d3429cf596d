//! Discovery over loopback: a browser aimed at each responder's own address
//! (broadcast between machines is tested in network namespaces).

use std::net::{SocketAddr, UdpSocket};
use std::time::{Duration, Instant};

use proptest::prelude::*;

use super::wire::{Reply, decode_query, decode_reply, encode_query, encode_reply};
use super::*;

const DEADLINE: Duration = Duration::from_secs(10);

fn announcement(game_id: &str, schema_hash: u64, name: &str) -> Announcement {
    Announcement {
        game_id: game_id.into(),
        schema_hash,
        name: name.into(),
        game_port: 5612,
        players: 2,
        max_players: 8,
        spectators: 1,
        code_required: true,
        tick_rate: 60,
        version: "0.1.0".into(),
        dedicated: false,
    }
}

fn loopback() -> SocketAddr {
    "127.0.0.1:0".parse().expect("address")
}

fn responder() -> (DiscoveryResponder, SocketAddr) {
    let r = DiscoveryResponder::bind(loopback()).expect("binds");
    let addr = r.local_addr().expect("bound");
    (r, addr)
}

fn browser(targets: Vec<SocketAddr>) -> LanBrowser {
    let config = BrowseConfig {
        bind: loopback(),
        refresh: Duration::from_millis(200),
        forget_after: Duration::from_millis(700),
        ..BrowseConfig::default().only(targets)
    };
    LanBrowser::for_game("snake", 7, config).expect("binds")
}

/// Polls everyone on a made-up clock (100 ms a round) until `done` holds or
/// ten real seconds pass; returns the made-up time reached.
fn poll_until(
    browser: &mut LanBrowser,
    hosts: &mut [(&mut DiscoveryResponder, &Announcement)],
    mut done: impl FnMut(&LanBrowser) -> bool,
) -> Duration {
    let start = Instant::now();
    let mut now = Duration::from_secs(100);
    while !done(browser) {
        assert!(start.elapsed() < DEADLINE, "no result within {DEADLINE:?}");
        now += Duration::from_millis(100);
        browser.poll(now).expect("sends");
        for (r, a) in hosts.iter_mut() {
            r.poll(now, a).expect("valid announcement");
        }
        std::thread::sleep(Duration::from_millis(2));
        browser.poll(now).expect("sends");
    }
    now
}

#[test]
fn a_host_is_listed_with_its_announcement_and_forgotten_when_it_goes() {
    let (mut host, addr) = responder();
    let ann = announcement("snake", 7, "ann's game");
    let mut b = browser(vec![addr]);
    let now = poll_until(&mut b, &mut [(&mut host, &ann)], |b| !b.games().is_empty());
    let games = b.games();
    assert_eq!(games.len(), 1);
    assert_eq!(games[0].addr, "127.0.0.1:5612".parse().expect("address"));
    assert_eq!(games[0].announcement, ann);
    assert_eq!(
        b.find("ann's game").expect("one").map(|g| g.addr),
        Some(games[0].addr)
    );
    assert!(b.find("nobody's").expect("none").is_none());

    drop(host);
    let later = now + Duration::from_secs(1);
    assert!(b.poll(later).expect("sends"), "the list changed");
    assert!(b.games().is_empty(), "a silent host leaves the list");
}

#[test]
fn games_of_another_schema_or_another_game_are_not_listed() {
    let (mut same, same_addr) = responder();
    let (mut other_schema, schema_addr) = responder();
    let (mut other_game, game_addr) = responder();
    let ann = announcement("snake", 7, "mine");
    let old = announcement("snake", 8, "older build");
    let chess = announcement("chess", 7, "chess");
    let mut b = browser(vec![same_addr, schema_addr, game_addr]);
    poll_until(
        &mut b,
        &mut [
            (&mut same, &ann),
            (&mut other_schema, &old),
            (&mut other_game, &chess),
        ],
        |b| !b.games().is_empty() && b.ignored() >= 1,
    );
    let names: Vec<&str> = b
        .games()
        .iter()
        .map(|g| g.announcement.name.as_str())
        .collect();
    assert_eq!(names, ["mine"]);
    assert!(
        other_game.stats().foreign >= 1,
        "the other game's host stays silent"
    );
    assert_eq!(other_game.stats().replies, 0);
}

#[test]
fn two_games_of_one_name_make_joining_by_name_ambiguous() {
    let (mut one, one_addr) = responder();
    let (mut two, two_addr) = responder();
    let a = announcement("snake", 7, "lan party");
    let b_ann = Announcement {
        game_port: 5613,
        ..a.clone()
    };
    let mut b = browser(vec![one_addr, two_addr]);
    poll_until(&mut b, &mut [(&mut one, &a), (&mut two, &b_ann)], |b| {
        b.games().len() == 2
    });
    let err = b.find("lan party").expect_err("ambiguous");
    assert!(matches!(&err, DiscoveryError::Ambiguous { addrs, .. } if addrs.len() == 2));
    assert!(err.to_string().contains("join one by address"), "{err}");
}

fn snake_query() -> Vec<u8> {
    encode_query(&Query {
        nonce: 1,
        game_id: "snake".into(),
    })
    .expect("encodes")
}

/// Sends `datagrams` to `to` and lets the responder read them.
fn send_all(to: SocketAddr, datagrams: &[Vec<u8>]) -> UdpSocket {
    let socket = UdpSocket::bind(loopback()).expect("binds");
    for d in datagrams {
        socket.send_to(d, to).expect("sends");
    }
    socket
}

/// Polls `host` until it has read `n` datagrams in all.
fn read_n(host: &mut DiscoveryResponder, ann: &Announcement, n: u64) {
    let start = Instant::now();
    let seen = |h: &DiscoveryResponder| {
        let s = h.stats();
        s.replies + s.foreign + s.garbage + s.limited
    };
    while seen(host) < n {
        assert!(start.elapsed() < DEADLINE, "read {} of {n}", seen(host));
        host.poll(Duration::from_secs(1), ann).expect("valid");
        std::thread::sleep(Duration::from_millis(1));
    }
}

#[test]
fn garbage_is_counted_and_unanswered_and_the_host_goes_on_answering() {
    let (mut host, addr) = responder();
    let ann = announcement("snake", 7, "g");
    let query = snake_query();
    let mut wrong_version = query.clone();
    wrong_version[4] = 99;
    let mut truncated = query.clone();
    truncated.truncate(MIN_QUERY_BYTES - 1);
    let garbage = vec![
        vec![0xff; 200],
        wrong_version,
        truncated,
        vec![b'T'; MAX_QUERY_BYTES + 50],
        Vec::new(),
    ];
    let socket = send_all(addr, &garbage);
    read_n(&mut host, &ann, garbage.len() as u64);
    assert_eq!(host.stats().garbage, garbage.len() as u64);
    socket.set_nonblocking(true).expect("non-blocking");
    let mut buf = [0u8; 1024];
    assert!(socket.recv_from(&mut buf).is_err(), "no reply to garbage");

    socket.send_to(&query, addr).expect("sends");
    read_n(&mut host, &ann, garbage.len() as u64 + 1);
    assert_eq!(
        host.stats().replies,
        1,
        "a good query after garbage is answered"
    );
}

#[test]
fn a_flood_from_one_source_gets_a_burst_of_replies() {
    let (mut host, addr) = responder();
    let ann = announcement("snake", 7, "g");
    let query = snake_query();
    let _socket = send_all(addr, &vec![query; 50]);
    read_n(&mut host, &ann, 50);
    assert_eq!((host.stats().replies, host.stats().limited), (4, 46));
}

#[test]
fn an_announcement_too_long_to_send_is_refused_by_the_host() {
    let (mut host, _) = responder();
    let long = announcement("snake", 7, &"x".repeat(MAX_TEXT_BYTES + 1));
    assert!(matches!(
        host.poll(Duration::ZERO, &long),
        Err(DiscoveryError::Invalid(_))
    ));
}

#[test]
fn datagrams_round_trip_and_the_reply_fits_its_limit() {
    let widest = Announcement {
        name: "n".repeat(MAX_TEXT_BYTES),
        game_id: "g".repeat(MAX_TEXT_BYTES),
        version: "v".repeat(MAX_TEXT_BYTES),
        players: u32::MAX,
        max_players: u32::MAX,
        spectators: u32::MAX,
        schema_hash: u64::MAX,
        ..announcement("snake", 7, "x")
    };
    let reply = Reply {
        nonce: u64::MAX,
        announcement: widest,
    };
    let bytes = encode_reply(&reply).expect("fits");
    assert!(bytes.len() <= MAX_REPLY_BYTES);
    assert_eq!(decode_reply(&bytes).expect("decodes"), reply);
    let query = Query {
        nonce: 9,
        game_id: "g".repeat(MAX_TEXT_BYTES),
    };
    let bytes = encode_query(&query).expect("fits");
    assert!((MIN_QUERY_BYTES..=MAX_QUERY_BYTES).contains(&bytes.len()));
    assert_eq!(decode_query(&bytes).expect("decodes"), query);
}

proptest! {
    #[test]
    fn no_datagram_panics_either_decoder(bytes in proptest::collection::vec(any::<u8>(), 0..700)) {
        let _ = decode_query(&bytes);
        let _ = decode_reply(&bytes);
    }

    #[test]
    fn a_reply_with_our_magic_and_random_body_is_refused_or_valid(
        body in proptest::collection::vec(any::<u8>(), 0..600),
    ) {
        let mut bytes = b"TLDR".to_vec();
        bytes.push(DISCOVERY_VERSION);
        bytes.extend_from_slice(&body);
        if let Ok(reply) = decode_reply(&bytes) {
            prop_assert!(reply.announcement.validate().is_ok());
        }
    }
}
