//! Following the session to a new host when the host goes (host migration):
//! the successors the host listed are tried in order, each for a bounded time;
//! the client whose turn it is takes the session over itself.
//!
//! The client only decides; whoever drives it acts on
//! [`ClientSession::migration`]: it connects the client to the successor with
//! [`ClientSession::move_to`], or starts a host from it with
//! [`HostSession::succeed`](crate::net::HostSession::succeed).

use std::net::SocketAddr;
use std::time::Duration;

use crate::model::{Game, PeerId, Tick};
use crate::net::events::SessionEvent;
use crate::net::protocol::{ClientMsg, MAX_SEALED_RUN, SealedRun};
use crate::net::succession::Member;
use crate::record::RecordedEvent;
use crate::transport::{Channel, ClientTransport};

/// Commit bytes per run of sealed ticks sent to a new host (a client message
/// is at most 16 KiB).
const SEALED_RUN_BYTES: usize = 12 * 1024;

use super::super::journal::{Recorder, record_event};
use super::{ClientSession, Phase};

/// What the driver of a client must do for it to follow its session.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Migration {
    /// This client is the next host: start a host from it
    /// ([`HostSession::succeed`](crate::net::HostSession::succeed)).
    TakeOver,
    /// Connect to the successor `peer` at `addrs` and give the transport to
    /// [`ClientSession::move_to`].
    Connect {
        /// The successor.
        peer: PeerId,
        /// Where it hosts, the likeliest first.
        addrs: Vec<SocketAddr>,
    },
}

/// The host went: the successors to try, and which one is being tried.
#[derive(Clone, Debug)]
pub(super) struct Following {
    /// The successors as the host last listed them.
    candidates: Vec<Member>,
    /// The one being tried.
    index: usize,
    /// When it was chosen.
    since: Duration,
    /// The driver connected us to it.
    moved: bool,
    /// When the host went, and our sealed tick then.
    pub(super) lost: (Duration, Tick),
}

impl<G: Game, T: ClientTransport> ClientSession<G, T> {
    /// What to do for this client to follow its session to a new host, when
    /// its host went (`None` otherwise, or once it is done).
    pub fn migration(&self) -> Option<Migration> {
        let f = self.following.as_ref()?;
        let candidate = f.candidates.get(f.index)?;
        if Some(candidate.peer) == self.joined.as_ref().map(|j| j.peer) && !self.config.spectate {
            return Some(Migration::TakeOver);
        }
        (!f.moved).then(|| Migration::Connect {
            peer: candidate.peer,
            addrs: candidate.hosts_at.clone(),
        })
    }

    /// The host went (`reason`): follow the session to its successor if the
    /// host named any. Returns whether the client follows.
    pub(super) fn follow(&mut self, reason: &str, first: Option<PeerId>) -> bool {
        let Some(j) = self.joined.as_ref() else {
            return false;
        };
        let candidates: Vec<Member> = j.succession.successors().cloned().collect();
        if candidates.is_empty() || self.following.is_some() {
            return self.following.is_some();
        }
        let index = first
            .and_then(|p| candidates.iter().position(|m| m.peer == p))
            .unwrap_or(0);
        let sealed = j.timeline.sealed_tick();
        tracing::info!(
            "the host went ({reason}) at sealed tick {sealed}; following the session to {}",
            candidates[index].name
        );
        self.events.push(SessionEvent::HostLost {
            reason: reason.to_owned(),
        });
        self.link.joined = false;
        self.link.transport.disconnect();
        self.following = Some(Following {
            candidates,
            index,
            since: self.now,
            moved: false,
            lost: (self.now, sealed),
        });
        self.phase = Phase::Following;
        true
    }

    /// Moves on to the next successor when the one tried did not welcome us in
    /// time; stops when none is left.
    pub(super) fn check_successor(&mut self) {
        let wait = self.config.successor_wait;
        let Some(f) = self.following.as_mut() else {
            return;
        };
        if self.now.saturating_sub(f.since) <= wait {
            return;
        }
        let gone = f.candidates[f.index].name.clone();
        tracing::info!("{gone} did not take the session over within {wait:?}");
        self.next_successor();
    }

    /// This client cannot host (its standby transport failed): the next
    /// successor's turn.
    pub fn pass_turn(&mut self) {
        if self.migration() == Some(Migration::TakeOver) {
            self.next_successor();
        }
    }

    /// Tries the next successor, or stops when none is left.
    fn next_successor(&mut self) {
        let Some(f) = self.following.as_mut() else {
            return;
        };
        f.index += 1;
        f.since = self.now;
        f.moved = false;
        self.link.transport.disconnect();
        match f.candidates.get(f.index) {
            Some(next) => {
                tracing::info!("trying {} as the next host", next.name);
                self.phase = Phase::Following;
            }
            None => {
                let reason = format!(
                    "lost the host at sealed tick {}, and no successor took the game over",
                    f.lost.1
                );
                self.following = None;
                self.events.push(SessionEvent::Disconnected {
                    reason: reason.clone(),
                });
                self.stop(reason);
            }
        }
    }

    /// Called with the transport to the successor being tried.
    pub(super) fn moved_to_successor(&mut self) {
        if let Some(f) = self.following.as_mut() {
            f.moved = true;
        }
    }

    /// The connection to the successor being tried dropped before it welcomed
    /// us (it may not host yet): ask the driver for a new one, within the
    /// successor's time. Returns whether the client is following.
    pub(super) fn successor_dropped(&mut self) -> bool {
        let Some(f) = self.following.as_mut() else {
            return false;
        };
        f.moved = false;
        self.phase = Phase::Following;
        true
    }

    /// The host left and handed the session to `to`: the last sealed ticks
    /// first, then follow it there.
    pub(super) fn on_handover(&mut self, to: PeerId, run: SealedRun<G::Move>) {
        let Some(j) = self.joined.as_mut() else {
            return;
        };
        match run.expand() {
            Ok(ticks) => j.receive_sealed(ticks, &mut self.events),
            Err(e) => tracing::warn!("bad sealed ticks in the handover: {e}"),
        }
        let host = j.succession.host.and_then(|p| j.roster.names.get(&p));
        let reason = match host {
            Some(name) => format!("{name} (the host) left"),
            None => "the host left".to_owned(),
        };
        if !self.follow(&reason, Some(to)) {
            self.stop(format!("{reason}; nobody could take the game over"));
        }
    }

    /// Gives this client's recording to the host it becomes, and stops (host
    /// migration; no goodbye: the old host is gone).
    pub(in crate::net) fn become_host(&mut self) -> Option<Recorder> {
        self.following = None;
        self.link.joined = false;
        self.link.transport.disconnect();
        self.phase = Phase::Stopped("took the session over as its host".into());
        self.joined.as_mut().and_then(|j| j.recorder.take())
    }

    /// The new host asked for the sealed ticks we hold after `after` (the old
    /// host sealed them; it lacks them): sent from the recent ones, in runs
    /// that fit a message.
    pub(super) fn send_sealed_after(&mut self, after: Tick) {
        let Some(j) = self.joined.as_ref() else {
            return;
        };
        let mut runs: Vec<SealedRun<G::Move>> = Vec::new();
        let mut bytes = 0;
        for st in j.recent.iter().filter(|st| st.tick > after) {
            let size = crate::net::assembled::part(st).map_or(usize::MAX, |b| b.len());
            let fits = runs.last().is_some_and(|r| {
                bytes + size <= SEALED_RUN_BYTES && st.tick.since(r.from) < MAX_SEALED_RUN
            });
            if !fits {
                runs.push(SealedRun {
                    from: st.tick,
                    through: st.tick,
                    ticks: Vec::new(),
                });
                bytes = 0;
            }
            if let Some(run) = runs.last_mut() {
                run.through = st.tick;
                if !st.commits.is_empty() {
                    run.ticks.push(st.clone());
                    bytes += size;
                }
            }
        }
        let count = runs.len();
        tracing::info!("sending the new host {count} run(s) of sealed ticks after {after}");
        for (i, run) in runs.into_iter().enumerate() {
            let msg = ClientMsg::Sealed {
                run,
                last: i + 1 == count,
            };
            if let Err(e) = self.link.send(Channel::Reliable, &msg) {
                tracing::warn!("cannot send sealed ticks to the new host: {e}");
                break;
            }
        }
        if count == 0 {
            let empty = ClientMsg::<G::Move>::Sealed {
                run: SealedRun {
                    from: after.next(),
                    through: after,
                    ticks: Vec::new(),
                },
                last: true,
            };
            let _ = self.link.send(Channel::Reliable, &empty);
        }
        self.link.flush_if_queued();
    }

    /// Welcomed back by the successor: the session followed. Noted as an
    /// event and in the recording.
    pub(super) fn followed(&mut self) {
        let Some(f) = self.following.take() else {
            return;
        };
        let host = &f.candidates[f.index];
        let (peer, name) = (host.peer, host.name.clone());
        let Some(j) = self.joined.as_mut() else {
            return;
        };
        let tick = j.timeline.sealed_tick();
        tracing::info!(
            "{name} took the session over; back in at sealed tick {tick}, {:?} after the host went",
            self.now.saturating_sub(f.lost.0)
        );
        let event = RecordedEvent::HostChanged {
            peer,
            name: name.clone(),
        };
        record_event(&mut j.recorder, tick, &event, &mut self.events);
        self.events
            .push(SessionEvent::HostChanged { peer, name, tick });
    }
}
