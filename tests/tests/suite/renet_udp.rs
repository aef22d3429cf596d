//! Real renet over UDP on 127.0.0.1 (port 0): a host and three clients keep one
//! log for 600 ticks; secure mode connects with signed tokens. Time is simulated
//! (4 ms per loop turn) and every wait has a deadline.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use tickline::model::Tick;
use tickline::net::{ClientConfig, ClientSession, ClientStatus, HostConfig, HostSession};
use tickline::record::Recording;
use tickline::testing::arena::{Arena, ArenaGame, Dir, Steer};
use tickline::transport::{
    RenetClientConfig, RenetClientTransport, RenetHostConfig, RenetHostTransport, RenetSecurity,
};

const PROTOCOL_ID: u64 = 0x7469_636b;

type Host = HostSession<ArenaGame, RenetHostTransport>;
type Client = ClientSession<ArenaGame, RenetClientTransport>;

fn host(dir: &std::path::Path, security: RenetSecurity) -> Host {
    let transport = RenetHostTransport::bind(&RenetHostConfig {
        bind: "127.0.0.1:0".parse().expect("address"),
        public_addr: None,
        protocol_id: PROTOCOL_ID,
        max_clients: 8,
        security,
    })
    .expect("binds a free port");
    let config = HostConfig {
        seed: 3,
        record: Some(dir.join("host.tlrec")),
        ..HostConfig::default()
    };
    HostSession::new(config, Arena::default(), transport).expect("host starts")
}

fn client(dir: &std::path::Path, name: &str, transport: RenetClientConfig) -> Client {
    let config = ClientConfig {
        name: name.into(),
        record: Some(dir.join(format!("{name}.tlrec"))),
        ..ClientConfig::default()
    };
    ClientSession::new(
        config,
        RenetClientTransport::connect(transport).expect("socket"),
    )
    .expect("client starts")
}

/// Steps everyone until `done`; real-time deadline of 60 s as a safety net.
fn run(
    host: &mut Host,
    clients: &mut [Client],
    now: &mut Duration,
    what: &str,
    mut done: impl FnMut(&mut Host, &mut [Client], Duration) -> bool,
) {
    let wall = Instant::now();
    while !done(host, clients, *now) {
        assert!(
            wall.elapsed() < Duration::from_secs(60),
            "timed out waiting for: {what}"
        );
        *now += Duration::from_millis(4);
        host.update(*now).expect("host socket");
        for c in clients.iter_mut() {
            c.update(*now).expect("client socket");
        }
    }
}

#[test]
fn host_and_three_clients_over_udp_agree_for_600_ticks() {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut host = host(dir.path(), RenetSecurity::Unsecure);
    let addr: SocketAddr = host.transport().local_addr();
    assert_ne!(addr.port(), 0);
    let names = ["ann", "bob", "cat"];
    let mut clients: Vec<Client> = names
        .iter()
        .map(|n| {
            client(
                dir.path(),
                n,
                RenetClientConfig::unsecure(addr, PROTOCOL_ID),
            )
        })
        .collect();
    let mut now = Duration::ZERO;
    run(
        &mut host,
        &mut clients,
        &mut now,
        "all connected",
        |_, cs, _| cs.iter().all(|c| c.status() == ClientStatus::Connected),
    );
    let mut turn = 0usize;
    run(
        &mut host,
        &mut clients,
        &mut now,
        "600 sealed ticks",
        |h, cs, _| {
            turn += 1;
            if turn.is_multiple_of(7) {
                h.commit(Steer(Dir::ALL[turn % 4]));
                for (i, c) in cs.iter_mut().enumerate() {
                    c.commit(Steer(Dir::ALL[(turn + i) % 4]));
                }
            }
            h.sealed_tick() >= Tick(600)
        },
    );
    let target = host.sealed_tick();
    run(
        &mut host,
        &mut clients,
        &mut now,
        "clients caught up",
        |_, cs, _| cs.iter().all(|c| c.sealed_tick() >= target),
    );
    let host_rec = Recording::<ArenaGame>::open(dir.path().join("host.tlrec")).expect("readable");
    for name in names {
        let rec = Recording::<ArenaGame>::open(dir.path().join(format!("{name}.tlrec")))
            .expect("readable");
        let mut compared = 0;
        for (tick, sum) in rec.checksums.range(..=target) {
            assert_eq!(
                host_rec.checksums.get(tick),
                Some(sum),
                "{name} differs at tick {tick}"
            );
            compared += 1;
        }
        assert!(compared >= 590, "{name}: {compared} ticks compared");
    }
    assert_eq!(host.roster().len(), 4);
    assert!(host.stats().bytes_out > 0 && clients[0].stats().rtt < Duration::from_millis(100));
}

#[test]
fn secure_mode_connects_with_signed_tokens_and_refuses_a_wrong_key() {
    let dir = tempfile::tempdir().expect("temp dir");
    let key = [42u8; 32];
    let mut host = host(dir.path(), RenetSecurity::Secure { private_key: key });
    let addr = host.transport().local_addr();
    let good = client(
        dir.path(),
        "good",
        RenetClientConfig::secure_with_key(addr, PROTOCOL_ID, key),
    );
    let mut now = Duration::ZERO;
    let mut clients = vec![good];
    run(
        &mut host,
        &mut clients,
        &mut now,
        "secure client connected",
        |_, cs, _| cs[0].status() == ClientStatus::Connected,
    );

    let bad = client(
        dir.path(),
        "bad",
        RenetClientConfig::secure_with_key(addr, PROTOCOL_ID, [7u8; 32]),
    );
    let garbage_before = host.transport().stats().garbage;
    clients.push(bad);
    // Wait for the refusal itself: the host drops the bad handshake, and the bad
    // client gives up with a reason.
    run(
        &mut host,
        &mut clients,
        &mut now,
        "the bad client refused and stopped",
        |h, cs, _| {
            h.transport().stats().garbage > garbage_before
                && matches!(cs[1].status(), ClientStatus::Stopped(_))
        },
    );
    let ClientStatus::Stopped(reason) = clients[1].status() else {
        unreachable!("waited for it")
    };
    assert!(reason.contains("could not reach the host"), "{reason}");
    assert_eq!(host.roster().len(), 2, "host and the good client only");
    assert_eq!(clients[0].status(), ClientStatus::Connected);
}

#[test]
fn a_client_past_the_last_slot_is_told_the_server_is_full() {
    let dir = tempfile::tempdir().expect("temp dir");
    let transport = RenetHostTransport::bind(
        &RenetHostConfig::for_game::<ArenaGame>(
            "127.0.0.1:0".parse().expect("address"),
            1,
            RenetSecurity::Unsecure,
        )
        .expect("traceable"),
    )
    .expect("binds a free port");
    let addr = transport.local_addr();
    let mut host: Host =
        HostSession::new(HostConfig::default(), Arena::default(), transport).expect("host");
    let renet = || RenetClientConfig::for_game::<ArenaGame>(addr, None).expect("traceable");
    let mut clients = vec![client(dir.path(), "first", renet())];
    let mut now = Duration::ZERO;
    run(
        &mut host,
        &mut clients,
        &mut now,
        "the first client",
        |_, c, _| c[0].status() == ClientStatus::Connected,
    );
    clients.push(client(dir.path(), "second", renet()));
    run(
        &mut host,
        &mut clients,
        &mut now,
        "the refusal",
        |_, c, _| matches!(c[1].status(), ClientStatus::Stopped(_)),
    );
    assert_eq!(
        clients[1].status(),
        ClientStatus::Stopped("the server is full".into())
    );
    assert_eq!(clients[0].status(), ClientStatus::Connected);
}
