//! A client of the Agones SDK sidecar's REST API, for a dedicated server run
//! as part of an Agones fleet: `ready` once listening, `health` on a period,
//! players as they join and leave, `shutdown` after a graceful stop.
//!
//! Calls never block the game: they go to a worker thread that talks HTTP to
//! the sidecar on localhost. While the sidecar is not up yet, calls wait and
//! are retried in order; an error answer is logged and counted, never fatal.
//! See `docs/deploy.md`.

mod http;
mod worker;

use std::time::Duration;

use crossbeam_channel::{Receiver, Sender, unbounded};

/// The sidecar's port when `AGONES_SDK_HTTP_PORT` is not set.
pub const DEFAULT_PORT: u16 = 9358;

/// Where the sidecar is and how to talk to it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AgonesConfig {
    /// The sidecar's address, e.g. `127.0.0.1:9358`.
    pub addr: String,
    /// How often `health` is sent.
    pub health_period: Duration,
    /// Longest wait for one HTTP answer.
    pub request_timeout: Duration,
    /// First delay before a failed call is tried again (doubles, up to 2 s).
    pub retry: Duration,
}

impl Default for AgonesConfig {
    fn default() -> Self {
        AgonesConfig {
            addr: format!("127.0.0.1:{DEFAULT_PORT}"),
            health_period: Duration::from_secs(2),
            request_timeout: Duration::from_secs(1),
            retry: Duration::from_millis(100),
        }
    }
}

/// The environment did not say where the sidecar is in a usable way.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[non_exhaustive]
pub enum AgonesError {
    /// `AGONES_SDK_HTTP_PORT` is not a port number.
    #[error("AGONES_SDK_HTTP_PORT={0:?} is not a port number (1-65535)")]
    BadPort(String),
    /// The worker thread could not be started.
    #[error("cannot start the Agones worker thread: {0}")]
    Thread(String),
}

impl AgonesConfig {
    /// The sidecar on localhost at `AGONES_SDK_HTTP_PORT` (default 9358).
    ///
    /// # Errors
    ///
    /// [`AgonesError::BadPort`] for a value that is not a port.
    pub fn from_env() -> Result<Self, AgonesError> {
        Self::from_port_var(std::env::var("AGONES_SDK_HTTP_PORT").ok().as_deref())
    }

    /// The sidecar on localhost at the port given as the value of
    /// `AGONES_SDK_HTTP_PORT` (`None`: not set, the default port).
    ///
    /// # Errors
    ///
    /// [`AgonesError::BadPort`] for a value that is not a port.
    pub fn from_port_var(value: Option<&str>) -> Result<Self, AgonesError> {
        let port = match value {
            Some(v) => match v.trim().parse::<u16>() {
                Ok(p) if p > 0 => p,
                _ => return Err(AgonesError::BadPort(v.to_string())),
            },
            None => DEFAULT_PORT,
        };
        Ok(AgonesConfig {
            addr: format!("127.0.0.1:{port}"),
            ..AgonesConfig::default()
        })
    }
}

/// One call to the sidecar.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Call {
    Ready,
    PlayerConnect(String),
    PlayerDisconnect(String),
    Shutdown,
}

/// What the worker did, once it has stopped.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct AgonesReport {
    /// Calls the sidecar accepted (health included).
    pub accepted: u64,
    /// Calls the sidecar answered with an error status.
    pub refused: u64,
    /// Attempts that did not reach the sidecar (retried when the call allows).
    pub unreachable: u64,
    /// Calls given up on.
    pub dropped: u64,
    /// Whether `shutdown` reached the sidecar.
    pub shut_down: bool,
}

/// The handle a server keeps: each method queues a call and returns at once.
#[derive(Debug)]
pub struct Agones {
    calls: Sender<Call>,
    done: Receiver<AgonesReport>,
}

impl Agones {
    /// Starts the worker thread (no call is made before [`Agones::ready`] but
    /// `health`, which starts at once).
    ///
    /// # Errors
    ///
    /// [`AgonesError::Thread`] if the thread cannot be spawned.
    pub fn start(config: AgonesConfig) -> Result<Self, AgonesError> {
        let (calls, rx) = unbounded();
        let (done_tx, done) = unbounded();
        std::thread::Builder::new()
            .name("agones".into())
            .spawn(move || {
                let report = worker::Worker::new(config, rx).run();
                let _ = done_tx.send(report);
            })
            .map_err(|e| AgonesError::Thread(e.to_string()))?;
        Ok(Agones { calls, done })
    }

    fn queue(&self, call: Call) {
        // The worker only stops after `shutdown`, which consumes the handle.
        let _ = self.calls.send(call);
    }

    /// The server listens and can take players (`POST /ready`).
    pub fn ready(&self) {
        self.queue(Call::Ready);
    }

    /// A player joined (`POST /alpha/player/connect`).
    pub fn player_connected(&self, id: &str) {
        self.queue(Call::PlayerConnect(id.to_string()));
    }

    /// A player left (`POST /alpha/player/disconnect`).
    pub fn player_disconnected(&self, id: &str) {
        self.queue(Call::PlayerDisconnect(id.to_string()));
    }

    /// Sends what is queued, then `POST /shutdown`, waiting at most `wait` for
    /// the worker to finish (it gives up on the sidecar after that).
    pub fn shutdown(self, wait: Duration) -> AgonesReport {
        self.queue(Call::Shutdown);
        match self.done.recv_timeout(wait) {
            Ok(report) => report,
            Err(_) => {
                tracing::warn!("the Agones sidecar did not take the shutdown within {wait:?}");
                AgonesReport::default()
            }
        }
    }
}
