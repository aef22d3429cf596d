//! Host and client configuration (`pub` fields with `Default`). What identifies
//! the game (its id, schema hash and protocol id) comes from its [`Game`](crate::model::Game) type.

use std::path::PathBuf;
use std::time::Duration;

use crate::timeline::TimelineConfig;

/// How a host runs the session.
#[derive(Clone, Debug)]
pub struct HostConfig {
    /// Ticks per second; `None` takes the game's [`Game::TICK_RATE`](crate::model::Game::TICK_RATE).
    pub tick_rate: Option<u32>,
    /// The session seed.
    pub seed: u64,
    /// Smallest seal delay: tick T is sealed when the host's clock reaches
    /// T + seal delay. The delay grows with the clients' measured jitter, up to
    /// `max_seal_delay`.
    pub seal_delay: u64,
    /// Largest seal delay, in ticks.
    pub max_seal_delay: u64,
    /// Commits stamped more than this many ticks after the sealed tick are refused.
    pub max_ahead: u64,
    /// The host's own player name; `None` runs a dedicated host.
    pub player: Option<String>,
    /// Input delay of the host's own player.
    pub input_delay: u64,
    /// A client silent for this long is considered dropped.
    pub timeout: Duration,
    /// A dropped client may resume under its peer id for this long.
    pub grace: Duration,
    /// Clients report a checksum every this many sealed ticks.
    pub checksum_interval: u64,
    /// Most players at once; more are rejected.
    pub max_clients: usize,
    /// Most spectators at once (they hold no player slot); more are rejected.
    pub max_spectators: usize,
    /// Write the recording here.
    pub record: Option<PathBuf>,
    /// Snapshot interval of the recording, in ticks.
    pub snapshot_interval: u64,
    /// Tell the clients who hosts next if this host goes, so that the game can
    /// outlive it (host migration; see [`Succession`](crate::net::Succession)).
    /// A server's rooms never migrate: the server turns this off.
    pub succession: bool,
}

impl Default for HostConfig {
    fn default() -> Self {
        HostConfig {
            tick_rate: None,
            seed: 0,
            seal_delay: 1,
            max_seal_delay: 8,
            max_ahead: 256,
            player: Some("host".into()),
            input_delay: 2,
            timeout: Duration::from_millis(1500),
            grace: Duration::from_secs(10),
            checksum_interval: 30,
            max_clients: 64,
            max_spectators: 64,
            record: None,
            snapshot_interval: 600,
            succession: true,
        }
    }
}

/// How a client joins and runs.
#[derive(Clone, Debug)]
pub struct ClientConfig {
    /// Display name.
    pub name: String,
    /// The room to join on a server that runs many (see [`crate::net::Server`]);
    /// empty for the default room.
    pub room: String,
    /// Join as a spectator: receive the sealed log, hold no player slot, never
    /// appear in the game's state; [`ClientSession::commit`](crate::net::ClientSession::commit)
    /// does nothing.
    pub spectate: bool,
    /// Prediction settings (input delay, prediction window).
    pub timeline: TimelineConfig,
    /// The host silent for this long means the connection dropped.
    pub timeout: Duration,
    /// First reconnect delay; doubles per attempt up to `max_backoff`.
    pub backoff: Duration,
    /// Longest reconnect delay.
    pub max_backoff: Duration,
    /// Stop reconnecting after this long without a connection.
    pub give_up_after: Duration,
    /// When the host went: how long each successor has to take the session
    /// over and welcome us before the next one is tried (host migration).
    pub successor_wait: Duration,
    /// Extra ticks of lead for safety. The client runs ahead of the host by what
    /// its commits need to reach the host before their tick is sealed (one way,
    /// plus twice the jitter, plus a tick for sending on tick boundaries, less the
    /// input delay and the host's seal delay), plus this.
    pub lead_margin: f64,
    /// Write the recording here (a later segment after a re-join gets `.N`).
    pub record: Option<PathBuf>,
    /// Snapshot interval of the recording, in ticks.
    pub snapshot_interval: u64,
    /// Where this client could host the session if its host goes (the port it
    /// keeps open for that); `None` never hosts.
    pub standby: Option<crate::net::Standby>,
}

impl Default for ClientConfig {
    fn default() -> Self {
        ClientConfig {
            name: "player".into(),
            room: String::new(),
            spectate: false,
            timeline: TimelineConfig {
                input_delay: 2,
                max_prediction: 24,
                ..TimelineConfig::default()
            },
            timeout: Duration::from_millis(1500),
            backoff: Duration::from_millis(200),
            max_backoff: Duration::from_secs(3),
            give_up_after: Duration::from_secs(60),
            successor_wait: Duration::from_secs(3),
            lead_margin: 0.5,
            record: None,
            snapshot_interval: 600,
            standby: None,
        }
    }
}
