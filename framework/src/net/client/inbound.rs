//! What the host sends, and the client's side of the handshake.

use crate::model::codec::decode_state;
use crate::model::{Game, Tick};
use crate::timeline::{Timeline, TimelineConfig};
use crate::transport::{Channel, ClientTransport};

use super::super::clock::{Clock, Timing};
use super::super::events::{Rejection, SessionEvent};
use super::super::journal::{CHECKSUM_HISTORY_SECS, Checksums, Recorder, Roster, segment_path};
use super::super::protocol::{
    CatchUp, ClientMsg, Hello, HostClock, HostMsg, KickReason, PROTOCOL_VERSION, Resume, SealedRun,
    Welcome,
};
use super::super::succession::Succession;
use super::outbound::Outbound;
use super::{ClientSession, Joined, Phase};

impl<G: Game, T: ClientTransport> ClientSession<G, T> {
    pub(super) fn send_hello(&mut self) {
        let resume = self.joined.as_ref().map(|j| Resume {
            token: j.token,
            sealed_tick: j.timeline.sealed_tick(),
        });
        let hello = Hello {
            protocol: PROTOCOL_VERSION,
            game_id: self.identity.id.clone(),
            schema_hash: self.identity.schema_hash,
            name: self.config.name.clone(),
            resume,
            room: self.config.room.clone(),
            spectator: self.config.spectate,
            standby: self.config.standby.clone(),
        };
        if let Err(e) = self
            .link
            .send(Channel::Reliable, &ClientMsg::<G::Move>::Hello(hello))
        {
            return self.dropped(format!("cannot send the handshake: {e}"));
        }
        self.link.flush_if_queued();
        self.phase = Phase::Handshaking { since: self.now };
    }

    pub(super) fn on_message(&mut self, msg: HostMsg<G::Move>) {
        match msg {
            HostMsg::Welcome(welcome) => self.on_welcome(*welcome),
            HostMsg::Reject { reason } => {
                tracing::warn!("rejected by the host: {reason}");
                let stop = format!("rejected: {reason}");
                self.events.push(SessionEvent::Rejected {
                    reason: Rejection::ByHost(reason),
                });
                self.stop(stop);
            }
            HostMsg::Kick { reason } => {
                // A host that ends the game says who ended it, in its own words.
                let stop = match &reason {
                    KickReason::SessionEnded(why) => {
                        tracing::info!("the host ended the session: {why}");
                        why.clone()
                    }
                    other => {
                        tracing::warn!("kicked by the host: {other}");
                        format!("kicked: {other}")
                    }
                };
                self.events.push(SessionEvent::Kicked {
                    peer: self.peer(),
                    reason,
                });
                self.stop(stop);
            }
            HostMsg::Frame {
                clock,
                relayed,
                sealed,
            } => self.on_frame(clock, relayed, sealed),
            HostMsg::Succession(succession) => self.keep_succession(succession),
            HostMsg::SendSealed { after } => self.send_sealed_after(after),
            HostMsg::Handover { to, run } => self.on_handover(to, run),
            HostMsg::Refused { id, reason } => {
                if let Some(j) = self.joined.as_mut() {
                    j.timeline.withdraw(id);
                }
                self.events.push(SessionEvent::Refused { id, reason });
            }
            HostMsg::Heal { tick, .. }
            | HostMsg::Desync {
                heal_tick: tick, ..
            } if !tick.in_range() => {
                tracing::warn!("ignored a heal for tick {tick}, beyond any session");
            }
            HostMsg::Desync { tick, heal_tick } => {
                self.stats.desyncs += 1;
                if let Some(j) = self.joined.as_mut() {
                    j.hold_after(heal_tick);
                }
                if let Some(peer) = self.peer() {
                    self.events
                        .push(SessionEvent::DesyncDetected { peer, tick });
                }
            }
            HostMsg::Heal { tick, state } => match decode_state::<G::State>(&state) {
                Ok(state) => {
                    if let Some(j) = self.joined.as_mut() {
                        j.heal = Some((tick, state));
                        j.try_heal(&mut self.events);
                    }
                }
                Err(e) => tracing::warn!("undecodable healing snapshot: {e}"),
            },
        }
    }

    fn on_frame(
        &mut self,
        clock: HostClock,
        relayed: Vec<crate::model::Commit<G::Move>>,
        run: SealedRun<G::Move>,
    ) {
        if !matches!(self.phase, Phase::Running { .. }) {
            return;
        }
        let Some(j) = self.joined.as_mut() else {
            return;
        };
        j.clock
            .host_time(clock.host_time_us, clock.seal_delay, self.now);
        if let Some((sent_at_us, held_us)) = clock.echo {
            j.clock.echo(sent_at_us, held_us, self.now);
            j.outbound.echoed(sent_at_us);
        }
        // Relayed commits first: a sealed tick that agrees with them then costs
        // nothing.
        let rollback = j.timeline.receive_relayed_all(relayed);
        self.events.extend(rollback.map(SessionEvent::from));
        match run.expand() {
            Ok(ticks) => j.receive_sealed(ticks, &mut self.events),
            Err(e) => tracing::warn!("bad sealed ticks from the host: {e}"),
        }
    }

    fn on_welcome(&mut self, mut welcome: Welcome<G::Move>) {
        let resumed = self.joined.as_ref().map(|j| j.peer) == Some(welcome.peer);
        self.phase = Phase::Running {
            last_heard: self.now,
        };
        self.outage = None;
        self.link.joined = true;
        let timing = Timing {
            tick_rate: welcome.tick_rate.max(1),
            input_delay: self.config.timeline.input_delay,
            seal_delay: welcome.seal_delay,
            margin: self.config.lead_margin,
        };
        let catch_up = std::mem::replace(&mut welcome.catch_up, CatchUp::Ticks(Vec::new()));
        match catch_up {
            CatchUp::Ticks(ticks) if resumed => {
                let Some(j) = self.joined.as_mut() else {
                    return;
                };
                tracing::info!("resumed as {}", welcome.peer);
                j.token = welcome.resume_token;
                j.clock.resync(welcome.host_time_us, self.now);
                self.events
                    .push(SessionEvent::Reconnected { peer: welcome.peer });
                j.receive_sealed(ticks, &mut self.events);
            }
            CatchUp::Ticks(_) => {
                return self.stop("the host sent ticks to a client with nothing to resume".into());
            }
            CatchUp::Snapshot { tick, .. } if !tick.in_range() => {
                return self.stop(format!(
                    "the host's snapshot is at tick {tick}, beyond any session"
                ));
            }
            CatchUp::Snapshot { tick, state } => match decode_state::<G::State>(&state) {
                Ok(state) => {
                    let clock = Clock::new(timing, welcome.host_time_us, self.now);
                    let roster = Roster::from_entries(welcome.roster.iter().cloned());
                    self.start_timeline(&welcome, state, tick, clock, roster);
                }
                Err(e) => return self.stop(format!("the host's snapshot does not decode: {e}")),
            },
        }
        // A spectator holds no player's id: the one the host keys it by is
        // internal (its resume token's peer), never a slot in the game.
        self.events.push(if self.config.spectate {
            SessionEvent::Watching
        } else {
            SessionEvent::Connected { peer: welcome.peer }
        });
        self.keep_succession(welcome.succession);
        self.followed();
        for m in std::mem::take(&mut self.early) {
            self.commit(m);
        }
    }

    /// Keeps the host's order of succession, if it is within its bounds.
    fn keep_succession(&mut self, succession: Succession) {
        match succession.validate() {
            Ok(()) => {
                if let Some(j) = self.joined.as_mut() {
                    j.succession = succession;
                }
            }
            Err(e) => tracing::warn!("ignored the host's order of succession: {e}"),
        }
    }

    fn start_timeline(
        &mut self,
        welcome: &Welcome<G::Move>,
        state: G::State,
        tick: Tick,
        clock: Clock,
        roster: Roster,
    ) {
        let config = TimelineConfig {
            journal: true,
            checksum_interval: if self.config.record.is_some() {
                1
            } else {
                welcome.checksum_interval
            },
            snapshot_interval: self.config.snapshot_interval,
            // A spectator has nothing to predict with: it shows sealed ticks
            // only, so it never rolls back.
            max_prediction: if self.config.spectate {
                0
            } else {
                self.config.timeline.max_prediction
            },
            ..self.config.timeline.clone()
        };
        let mut previous = self.joined.take();
        let segments = previous.as_ref().map_or(0, |p| p.segments);
        let fault = previous.as_mut().and_then(|p| p.fault.take());
        let recorder = self.open_recording(segments, welcome, (tick, &state));
        let mut timeline =
            match Timeline::from_sealed(welcome.peer, state, tick, welcome.seed, config) {
                Ok(tl) => tl,
                Err(e) => return self.stop(e.to_string()),
            };
        if let Some(old) = previous {
            timeline.resume_seq_from(old.timeline.next_seq());
            if old.timeline.pending().next().is_some() {
                tracing::warn!("re-joined from a snapshot: unsealed commits are dropped");
            }
        }
        self.joined = Some(Joined {
            peer: welcome.peer,
            token: welcome.resume_token,
            tick_rate: welcome.tick_rate.max(1),
            checksum_interval: welcome.checksum_interval,
            timeline,
            clock,
            roster,
            succession: Succession::default(),
            recent: Default::default(),
            checksums: Checksums::new(CHECKSUM_HISTORY_SECS * u64::from(welcome.tick_rate.max(1))),
            recorder,
            segments: segments + u32::from(self.config.record.is_some()),
            heal: None,
            hold: None,
            held: Vec::new(),
            outbound: Outbound::default(),
            fault: fault.or_else(|| self.fault.take()),
        });
    }

    fn open_recording(
        &mut self,
        segment: u32,
        welcome: &Welcome<G::Move>,
        start: (Tick, &G::State),
    ) -> Option<Recorder> {
        let path = segment_path(self.config.record.as_ref()?, segment);
        match Recorder::create(
            &path,
            &self.identity.id,
            self.identity.schema_hash,
            welcome.tick_rate,
            welcome.seed,
            start,
        ) {
            Ok(rec) => Some(rec),
            Err(e) => {
                self.events.push(SessionEvent::RecordingFailed {
                    reason: e.to_string(),
                });
                None
            }
        }
    }
}
