//! End to end through the built binary, headless, on 127.0.0.1: a host with one
//! bot and three `join --bot --code` clients with 5% loss and 40 ms lag play 600
//! ticks; every recording verifies and all agree on the checksum at tick 600.

use std::time::Duration;

use crate::common::{bin, start_host, verify, wait};

#[test]
fn a_host_and_three_bot_clients_agree_after_600_ticks() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = |name: &str| dir.path().join(format!("{name}.tlrec"));
    let host_rec = path("host").to_string_lossy().into_owned();
    let (host, addr, code) = start_host(&[
        "--bots",
        "1",
        "--ticks",
        "600",
        "--tick-rate",
        "60",
        "--record",
        &host_rec,
    ]);
    let clients: Vec<_> = (1..=3)
        .map(|i| {
            let name = format!("c{i}");
            bin()
                .args([
                    "join",
                    &addr,
                    "--bot",
                    "--headless",
                    "--ticks",
                    "600",
                    "--tick-rate",
                    "60",
                ])
                .args(["--lag-ms", "40", "--loss", "5", "--name", &name])
                .args(["--code", &code])
                .args(["--record", &path(&name).to_string_lossy()])
                .stdout(std::process::Stdio::piped())
                .stderr(std::process::Stdio::piped())
                .spawn()
                .expect("spawns")
        })
        .collect();
    for (i, client) in clients.into_iter().enumerate() {
        let out = wait(client, Duration::from_secs(120), &format!("client {i}"));
        assert!(
            out.status.success(),
            "client {i} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let out = wait(host, Duration::from_secs(60), "host");
    assert!(
        out.status.success(),
        "host failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );

    let mut sums = Vec::new();
    for name in ["host", "c1", "c2", "c3"] {
        let (ok, json) = verify(&path(name), Some(600));
        assert!(ok && json["verified"] == true, "{name}: {json}");
        assert_eq!(json["last_tick"], 600);
        assert!(json["first_mismatch"].is_null());
        sums.push(json["checksum"].as_str().expect("hex").to_string());
        // The whole recording verifies too.
        let (ok, json) = verify(&path(name), None);
        assert!(ok, "{name} (whole): {json}");
    }
    assert!(
        sums.iter().all(|s| s == &sums[0] && s.len() == 16),
        "checksums at tick 600: {sums:?}"
    );
}

/// A client that stops on its own (`--ticks`) says `Bye`: the host seals its
/// `Leave` within a second, not after the timeout and grace window (11.5 s).
#[test]
fn a_client_that_stops_is_sealed_out_within_a_second() {
    use snake_demo::rules::{SnakeGame, Turn};
    use tickline::model::{Body, PeerId};
    use tickline::record::Recording;

    let dir = tempfile::tempdir().expect("temp dir");
    let host_rec = dir.path().join("host.tlrec");
    let (host, addr, code) = start_host(&[
        "--ticks",
        "360",
        "--tick-rate",
        "30",
        "--record",
        &host_rec.to_string_lossy(),
    ]);
    let client = bin()
        .args(["join", &addr, "--bot", "--headless", "--no-record"])
        .args(["--ticks", "90", "--code", &code, "--name", "early"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("spawns");
    let out = wait(client, Duration::from_secs(60), "client");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = wait(host, Duration::from_secs(60), "host");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    let rec = Recording::<SnakeGame>::open(&host_rec).expect("readable");
    let sealed_with = |wanted: &dyn Fn(&Body<Turn>) -> bool| {
        rec.sealed
            .iter()
            .find(|st| st.commits.iter().any(|c| wanted(&c.body)))
            .map(|st| st.tick.0)
    };
    let early = PeerId(1);
    let joined = sealed_with(&|b| matches!(b, Body::Join { peer, .. } if *peer == early))
        .expect("the client joined");
    let left = sealed_with(&|b| matches!(b, Body::Leave { peer } if *peer == early))
        .expect("the client's leave is sealed");
    // The client stopped once it held sealed tick 90; it joined at `joined`, so it
    // saw at most 90 ticks of its own. One second is 30 ticks.
    assert!(
        left <= 90 + 30,
        "joined at {joined}, stopped at sealed tick 90, left at {left}"
    );
}

/// Garbage aimed at a host costs it one log line a second, not one per datagram,
/// and the game goes on.
#[test]
fn twenty_thousand_garbage_datagrams_cost_a_few_log_lines() {
    let (host, addr, _code) = start_host(&["--ticks", "150", "--tick-rate", "30", "--no-record"]);
    let socket = std::net::UdpSocket::bind("127.0.0.1:0").expect("bind");
    let mut datagram = [0u8; 200];
    for i in 0..20_000u32 {
        datagram[..4].copy_from_slice(&i.to_le_bytes());
        datagram[4] = (i % 7) as u8;
        let _ = socket.send_to(&datagram, &addr);
    }
    let out = wait(host, Duration::from_secs(60), "host");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    let garbage_lines = stderr
        .lines()
        .filter(|l| l.contains("not Tickline traffic"))
        .count();
    assert!(
        (1..=8).contains(&garbage_lines),
        "{garbage_lines} lines about garbage:\n{stderr}"
    );
    assert!(stderr.lines().count() < 20, "{stderr}");
}
