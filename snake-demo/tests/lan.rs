//! End to end through the built binary, headless, on 127.0.0.1: a host with one
//! bot and three `join --bot` clients with 5% loss and 40 ms lag play 600 ticks;
//! every recording verifies and all agree on the checksum at tick 600.

mod common;

use std::time::Duration;

use common::{bin, start_host, verify, wait};

#[test]
fn a_host_and_three_bot_clients_agree_after_600_ticks() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = |name: &str| dir.path().join(format!("{name}.tlrec"));
    let host_rec = path("host").to_string_lossy().into_owned();
    let (host, addr) = start_host(&[
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
