//! LAN discovery across network namespaces: a host in one, players in another,
//! joined by a veth pair on a 10.x subnet of the test's own, so broadcast
//! really crosses a link (recipe: the project's toolchain notes). Needs root
//! and `ip` (iproute2), as CI has; without them the test fails and says why.

use std::process::{Command, Stdio};
use std::time::Duration;

use tickline_e2e::netns::Netns;

use crate::common::{output_text, spawn_listening, terminate, wait};

/// Namespaces of the test's own, running `snake-demo`.
pub(crate) struct Lan(Netns);

impl Lan {
    pub(crate) fn new() -> Lan {
        Lan(Netns::create())
    }

    /// `snake-demo ARGS` inside namespace `i`.
    pub(crate) fn snake(&self, i: usize, args: &[&str]) -> Command {
        self.0.exec(i, env!("CARGO_BIN_EXE_snake-demo"), args)
    }

    pub(crate) fn addr(&self, i: usize) -> String {
        self.0.addr(i)
    }
}

#[test]
fn a_host_in_one_namespace_is_found_and_joined_by_name_from_another() {
    let lan = Lan::new();
    let (host, addr, rx) = spawn_listening(&mut lan.snake(
        0,
        &[
            "host",
            "--headless",
            "--bind",
            "0.0.0.0:5000",
            "--no-record",
            "--game-name",
            "ns game",
            "--bots",
            "1",
            "--tick-rate",
            "30",
            "--ticks",
            "3000",
        ],
    ));
    assert_eq!(addr, "0.0.0.0:5000");
    let code = rx
        .recv_timeout(Duration::from_secs(30))
        .expect("a join code line")
        .strip_prefix("join code: ")
        .expect("join code")
        .to_string();

    // The default: broadcast queries on port 5001 (this namespace has no
    // default route, so only the subnet broadcast reaches the host).
    let listed = lan
        .snake(1, &["lan", "--json", "--wait", "3"])
        .output()
        .expect("runs");
    assert!(listed.status.success(), "{}", output_text(&listed));
    let stdout = String::from_utf8_lossy(&listed.stdout);
    let game: serde_json::Value = serde_json::from_str(stdout.trim())
        .unwrap_or_else(|e| panic!("one game as JSON ({e}): {stdout}"));
    assert_eq!(game["name"], "ns game");
    assert_eq!(game["addr"], format!("{}:5000", lan.addr(0)));
    assert_eq!(game["code_required"], true);

    let joined = lan
        .snake(
            1,
            &[
                "join",
                "--lan",
                "ns game",
                "--code",
                &code,
                "--bot",
                "--headless",
                "--ticks",
                "60",
                "--tick-rate",
                "30",
                "--no-record",
            ],
        )
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawns");
    let out = wait(
        joined,
        Duration::from_secs(60),
        "join --lan across namespaces",
    );
    assert!(out.status.success(), "{}", output_text(&out));
    assert!(
        String::from_utf8_lossy(&out.stdout)
            .contains(&format!("found \"ns game\" at {}:5000", lan.addr(0))),
        "{}",
        output_text(&out)
    );
    terminate(host, "host");
}
