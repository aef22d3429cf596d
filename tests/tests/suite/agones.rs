//! The Agones client against a stand-in sidecar that records its calls: the
//! REST contract (paths, bodies, order), health on its period, a sidecar that
//! starts late, and one that answers errors.

use std::time::Duration;

use tickline::agones::{Agones, AgonesConfig, AgonesError, DEFAULT_PORT};
use tickline_e2e::sidecar::Sidecar;

fn config(sidecar: &Sidecar) -> AgonesConfig {
    AgonesConfig {
        addr: sidecar.addr(),
        health_period: Duration::from_millis(50),
        request_timeout: Duration::from_millis(500),
        retry: Duration::from_millis(20),
    }
}

const IN_ORDER: [&str; 4] = [
    "/ready",
    "/alpha/player/connect",
    "/alpha/player/disconnect",
    "/shutdown",
];

#[test]
fn ready_players_and_shutdown_reach_the_sidecar_in_order_with_health_between() {
    let sidecar = Sidecar::start();
    let agones = Agones::start(config(&sidecar)).expect("starts");
    agones.ready();
    agones.player_connected("red/ann");
    sidecar.wait_for("three health pings", Duration::from_secs(5), |r| {
        r.iter().filter(|r| r.path == "/health").count() >= 3
    });
    agones.player_disconnected("red/ann");
    let report = agones.shutdown(Duration::from_secs(5));
    assert!(report.shut_down, "{report:?}");
    assert_eq!(sidecar.calls(), IN_ORDER);
    let requests = sidecar.requests();
    assert!(requests.iter().all(|r| r.method == "POST"));
    let connect = requests
        .iter()
        .find(|r| r.path == "/alpha/player/connect")
        .expect("sent");
    assert_eq!(connect.body, r#"{"playerID":"red/ann"}"#);
    assert_eq!((report.refused, report.dropped), (0, 0), "{report:?}");
}

#[test]
fn calls_wait_for_a_sidecar_that_starts_late_and_keep_their_order() {
    let sidecar = Sidecar::reserve();
    let agones = Agones::start(config(&sidecar)).expect("starts");
    agones.ready();
    agones.player_connected("blue/cat");
    agones.player_disconnected("blue/cat");
    // The sidecar comes up a moment after the server asked to be ready.
    std::thread::sleep(Duration::from_millis(300));
    sidecar.listen();
    sidecar.wait_for("the ready call", Duration::from_secs(5), |r| {
        r.iter().any(|r| r.path == "/ready")
    });
    let report = agones.shutdown(Duration::from_secs(5));
    assert!(
        report.unreachable >= 1,
        "the first attempts failed: {report:?}"
    );
    assert!(report.shut_down && report.dropped == 0, "{report:?}");
    assert_eq!(sidecar.calls(), IN_ORDER);
}

#[test]
fn a_sidecar_answering_errors_is_reported_and_never_blocks_the_calls() {
    let sidecar = Sidecar::start();
    sidecar.answer(500);
    let agones = Agones::start(config(&sidecar)).expect("starts");
    agones.ready();
    agones.player_connected("red/ann");
    agones.player_disconnected("red/ann");
    let report = agones.shutdown(Duration::from_secs(5));
    assert!(!report.shut_down, "{report:?}");
    assert!(report.refused >= 4, "every call answered 500: {report:?}");
    assert_eq!(report.dropped, 0);
    assert_eq!(sidecar.calls(), IN_ORDER, "an error is not retried forever");
}

#[test]
fn the_port_comes_from_the_environment_variable() {
    let default = AgonesConfig::from_port_var(None).expect("default");
    assert_eq!(default.addr, format!("127.0.0.1:{DEFAULT_PORT}"));
    let set = AgonesConfig::from_port_var(Some("9400")).expect("a port");
    assert_eq!(set.addr, "127.0.0.1:9400");
    assert_eq!(
        AgonesConfig::from_port_var(Some("http")),
        Err(AgonesError::BadPort("http".into()))
    );
    assert!(AgonesConfig::from_port_var(Some("0")).is_err());
}
