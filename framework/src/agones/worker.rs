//! The worker thread: sends queued calls in order, retrying while the sidecar
//! is unreachable, and `health` on its period.

use std::collections::VecDeque;
use std::time::{Duration, Instant};

use crossbeam_channel::{Receiver, RecvTimeoutError};

use super::http::{Outcome, Sidecar};
use super::{AgonesConfig, AgonesReport, Call};

/// Longest delay between two attempts of a call.
const MAX_RETRY: Duration = Duration::from_secs(2);
/// Player calls are given up after this many unreachable attempts.
const PLAYER_ATTEMPTS: u32 = 10;
/// After `shutdown` is asked for, the sidecar gets this long to take it.
const SHUTDOWN_PATIENCE: Duration = Duration::from_secs(5);

struct Pending {
    call: Call,
    attempts: u32,
    next_at: Instant,
}

pub(super) struct Worker {
    config: AgonesConfig,
    sidecar: Sidecar,
    calls: Receiver<Call>,
    queue: VecDeque<Pending>,
    next_health: Instant,
    report: AgonesReport,
    /// When shutdown was asked for (the worker ends by then plus its patience).
    stopping_since: Option<Instant>,
    /// The sidecar was unreachable at the last attempt (logged once per outage).
    down: bool,
}

impl Worker {
    pub(super) fn new(config: AgonesConfig, calls: Receiver<Call>) -> Self {
        Worker {
            sidecar: Sidecar::new(&config.addr, config.request_timeout),
            next_health: Instant::now(),
            config,
            calls,
            queue: VecDeque::new(),
            report: AgonesReport::default(),
            stopping_since: None,
            down: false,
        }
    }

    pub(super) fn run(mut self) -> AgonesReport {
        loop {
            let now = Instant::now();
            if self
                .stopping_since
                .is_some_and(|t| now >= t + SHUTDOWN_PATIENCE)
            {
                self.report.dropped += self.queue.len() as u64;
                return self.report;
            }
            let wake = self
                .queue
                .front()
                .map_or(self.next_health, |p| p.next_at.min(self.next_health));
            match self.calls.recv_timeout(wake.saturating_duration_since(now)) {
                Ok(call) => self.push(call),
                Err(RecvTimeoutError::Timeout) => {}
                // The handle is gone without a shutdown: stop quietly.
                Err(RecvTimeoutError::Disconnected) if self.stopping_since.is_none() => {
                    return self.report;
                }
                Err(RecvTimeoutError::Disconnected) => {
                    std::thread::sleep(wake.saturating_duration_since(Instant::now()));
                }
            }
            if Instant::now() >= self.next_health && self.stopping_since.is_none() {
                self.health();
            }
            if self.send_due() {
                return self.report;
            }
        }
    }

    fn push(&mut self, call: Call) {
        if call == Call::Shutdown {
            self.stopping_since = Some(Instant::now());
        }
        self.queue.push_back(Pending {
            call,
            attempts: 0,
            next_at: Instant::now(),
        });
    }

    fn health(&mut self) {
        self.next_health = Instant::now() + self.config.health_period;
        match self.sidecar.post("/health", "{}") {
            Outcome::Accepted => self.up(),
            Outcome::Refused(status) => {
                self.up();
                self.report.refused += 1;
                tracing::warn!("the Agones sidecar answered health with {status}");
            }
            Outcome::Unreachable(e) => self.unreachable(&e),
        }
    }

    /// Sends the calls that are due, in order. Returns true once `shutdown`
    /// went out.
    fn send_due(&mut self) -> bool {
        while let Some(front) = self.queue.front_mut() {
            if front.next_at > Instant::now() {
                return false;
            }
            front.attempts += 1;
            let (path, body) = request(&front.call);
            let outcome = self.sidecar.post(path, &body);
            let Some(p) = self.queue.pop_front() else {
                return false;
            };
            match outcome {
                Outcome::Accepted => {
                    self.up();
                    self.report.accepted += 1;
                    if p.call == Call::Shutdown {
                        self.report.shut_down = true;
                        return true;
                    }
                }
                Outcome::Refused(status) => {
                    self.up();
                    self.report.refused += 1;
                    tracing::warn!("the Agones sidecar answered {path} with {status}");
                    if p.call == Call::Shutdown {
                        return true;
                    }
                }
                Outcome::Unreachable(e) => {
                    self.unreachable(&e);
                    if let Some(p) = self.retry(p) {
                        // Later calls wait behind it: the order is kept.
                        self.queue.push_front(p);
                    }
                    return false;
                }
            }
        }
        false
    }

    /// The call again after a backoff, unless it has had its attempts.
    fn retry(&mut self, mut p: Pending) -> Option<Pending> {
        let player = matches!(p.call, Call::PlayerConnect(_) | Call::PlayerDisconnect(_));
        if player && p.attempts >= PLAYER_ATTEMPTS {
            self.report.dropped += 1;
            tracing::warn!("gave up on {:?} after {} attempts", p.call, p.attempts);
            return None;
        }
        let doublings = p.attempts.saturating_sub(1).min(16);
        let backoff = self
            .config
            .retry
            .saturating_mul(1 << doublings)
            .min(MAX_RETRY);
        p.next_at = Instant::now() + backoff;
        Some(p)
    }

    fn unreachable(&mut self, error: &str) {
        self.report.unreachable += 1;
        if !std::mem::replace(&mut self.down, true) {
            tracing::warn!(
                "the Agones sidecar at {} is not reachable ({error}); retrying",
                self.config.addr
            );
        }
    }

    fn up(&mut self) {
        if std::mem::replace(&mut self.down, false) {
            tracing::info!("the Agones sidecar at {} answers", self.config.addr);
        }
    }
}

/// The REST path and JSON body of a call.
fn request(call: &Call) -> (&'static str, String) {
    let player = |id: &str| serde_json::json!({ "playerID": id }).to_string();
    match call {
        Call::Ready => ("/ready", "{}".into()),
        Call::Shutdown => ("/shutdown", "{}".into()),
        Call::PlayerConnect(id) => ("/alpha/player/connect", player(id)),
        Call::PlayerDisconnect(id) => ("/alpha/player/disconnect", player(id)),
    }
}
