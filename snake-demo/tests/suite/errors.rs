//! Errors a user can meet print one clear line and exit non-zero, never a panic.

use crate::common;

use std::net::UdpSocket;
use std::time::Duration;

use crate::common::run;

fn one_clear_line(out: &std::process::Output) -> String {
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(
        !stderr.contains("panicked") && !stderr.contains("RUST_BACKTRACE"),
        "{stderr}"
    );
    let errors: Vec<_> = stderr.lines().filter(|l| l.starts_with("error")).collect();
    assert_eq!(errors.len(), 1, "{stderr}");
    errors[0].to_string()
}

#[test]
fn address_in_use() {
    let taken = UdpSocket::bind("127.0.0.1:0").expect("bind");
    let addr = taken.local_addr().expect("addr").to_string();
    let out = run(
        &["host", "--headless", "--bind", &addr, "--no-record"],
        Duration::from_secs(30),
    );
    let line = one_clear_line(&out);
    assert!(
        line.starts_with(&format!("error: cannot listen on {addr}")),
        "{line}"
    );
}

#[test]
fn host_unreachable() {
    // A bound socket that never answers: nothing else can take the port meanwhile.
    let silent = UdpSocket::bind("127.0.0.1:0").expect("bind");
    let addr = silent.local_addr().expect("addr").to_string();
    let out = run(
        &["join", &addr, "--headless", "--no-record"],
        Duration::from_secs(60),
    );
    let line = one_clear_line(&out);
    assert!(
        line.contains("could not reach the host") && line.contains(&addr),
        "{line}"
    );
}

#[test]
fn corrupt_and_foreign_recordings() {
    let dir = tempfile::tempdir().expect("temp dir");
    let junk = dir.path().join("junk.tlrec");
    std::fs::write(&junk, b"definitely not a recording").expect("writes");
    let out = run(
        &["replay", &junk.to_string_lossy(), "--verify"],
        Duration::from_secs(30),
    );
    assert!(one_clear_line(&out).contains("not a Tickline recording"));
    let missing = dir.path().join("missing.tlrec");
    let out = run(
        &["replay", &missing.to_string_lossy(), "--verify", "--json"],
        Duration::from_secs(30),
    );
    assert!(one_clear_line(&out).contains("cannot read"));
    assert!(out.stdout.is_empty());
}

#[test]
fn bad_flags() {
    for args in [
        &["play", "--bots", "lots"][..],
        &["play", "--loss", "150"],
        &["join", "not-an-address"],
        &["join", "mybox.lan:port"],
        &["fly"],
    ] {
        let out = run(args, Duration::from_secs(30));
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            stderr.starts_with("error:") && !stderr.contains("panicked"),
            "{stderr}"
        );
    }
    let help = run(&["host", "--help"], Duration::from_secs(30));
    let text = String::from_utf8_lossy(&help.stdout);
    for flag in [
        "--bind",
        "--bots",
        "--name",
        "--headless",
        "--ticks",
        "--record",
        "--no-record",
        "--tick-rate",
        "--lag-ms",
        "--jitter-ms",
        "--loss",
    ] {
        assert!(text.contains(flag), "--help documents {flag}");
    }
}

#[test]
fn no_display_is_one_line_for_every_windowed_command() {
    let dir = tempfile::tempdir().expect("temp dir");
    let rec = dir.path().join("game.tlrec");
    common::write_recording(&rec, None);
    let rec = rec.to_string_lossy().into_owned();
    let commands: [&[&str]; 5] = [
        &[],
        &["play", "--no-record"],
        &["host", "--bind", "127.0.0.1:0", "--no-record"],
        &["join", "127.0.0.1:9", "--no-record"],
        &["replay", &rec],
    ];
    for args in commands {
        let out = common::bin()
            .args(args)
            .env_remove("DISPLAY")
            .env_remove("WAYLAND_DISPLAY")
            .output()
            .expect("runs");
        assert_eq!(out.status.code(), Some(1), "{args:?}");
        let line = one_clear_line(&out);
        assert!(
            line.contains("no display to open a window on"),
            "{args:?}: {line}"
        );
    }
}

#[test]
fn join_takes_a_host_name() {
    let silent = UdpSocket::bind("127.0.0.1:0").expect("bind");
    let port = silent.local_addr().expect("addr").port();
    let host = format!("localhost:{port}");
    let out = run(
        &["join", &host, "--headless", "--no-record"],
        Duration::from_secs(60),
    );
    // The name resolved: the client tried the host and says so, with the name.
    let line = one_clear_line(&out);
    assert!(
        line.contains("could not reach the host") && line.contains(&host),
        "{line}"
    );
}
