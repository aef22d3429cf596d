//! What the host sends: welcome, sealed ticks, refusals, desync notices and heals.

use super::*;

impl<W: WorkSpace, M: Modification<W>, T: ClientTransport> ClientSession<W, M, T> {
    pub(super) fn on_message(&mut self, msg: HostMsg<M>) {
        match msg {
            HostMsg::Welcome(welcome) => self.on_welcome(*welcome),
            HostMsg::Reject { reason } => {
                tracing::warn!("rejected by the host: {reason}");
                self.events.push(SessionEvent::Rejected {
                    reason: reason.clone(),
                });
                self.status = ClientStatus::Stopped(format!("rejected: {reason}"));
                self.transport.disconnect();
            }
            HostMsg::Kick { reason } => {
                tracing::warn!("kicked by the host: {reason}");
                self.events.push(SessionEvent::Kicked {
                    peer: self.peer,
                    reason: reason.clone(),
                });
                self.status = ClientStatus::Stopped(format!("kicked: {reason}"));
                self.transport.disconnect();
            }
            HostMsg::Sealed {
                host_time_us,
                echo_us,
                held_us,
                ticks,
            } => {
                if self.status != ClientStatus::Connected {
                    return;
                }
                if let Some(clock) = self.clock.as_mut() {
                    clock.sample(host_time_us, echo_us, held_us, self.now);
                }
                for st in ticks {
                    self.receive_sealed(st);
                }
            }
            HostMsg::Refused { id, reason } => {
                if let Some(tl) = self.timeline.as_mut() {
                    tl.withdraw(id);
                }
                self.events.push(SessionEvent::Refused { id, reason });
            }
            HostMsg::Desync { tick } => {
                self.stats.desyncs += 1;
                if let Some(peer) = self.peer {
                    self.events
                        .push(SessionEvent::DesyncDetected { peer, tick });
                }
            }
            HostMsg::Heal { tick, state } => match decode_state::<W>(&state) {
                Ok(state) => {
                    self.heal = Some((tick, state));
                    self.try_heal();
                }
                Err(e) => tracing::warn!("undecodable healing snapshot: {e}"),
            },
        }
    }

    pub(super) fn on_welcome(&mut self, welcome: Welcome<M>) {
        let resumed = self.peer == Some(welcome.peer) && self.timeline.is_some();
        self.peer = Some(welcome.peer);
        self.token = Some(welcome.resume_token);
        self.seed = welcome.seed;
        self.tick_rate = welcome.tick_rate.max(1);
        self.checksum_interval = welcome.checksum_interval;
        self.status = ClientStatus::Connected;
        self.dropped_at = None;
        self.attempt = 0;
        match self.clock.as_mut() {
            Some(clock) if resumed => clock.resync(welcome.host_time_us, self.now),
            _ => {
                self.clock = Some(Clock::new(
                    self.tick_rate,
                    self.config.lead_margin,
                    welcome.host_time_us,
                    self.now,
                ))
            }
        }
        match welcome.catch_up {
            CatchUp::Ticks(ticks) if resumed => {
                tracing::info!("resumed as {}", welcome.peer);
                self.events
                    .push(SessionEvent::Reconnected { peer: welcome.peer });
                for st in ticks {
                    self.receive_sealed(st);
                }
            }
            CatchUp::Ticks(_) => {
                tracing::error!("the host sent ticks to a client with nothing to resume")
            }
            CatchUp::Snapshot { tick, state } => match decode_state::<W>(&state) {
                Ok(state) => self.start_timeline(welcome.peer, state, tick, resumed),
                Err(e) => {
                    self.status =
                        ClientStatus::Stopped(format!("the host's snapshot does not decode: {e}"));
                    return;
                }
            },
        }
        self.events
            .push(SessionEvent::Connected { peer: welcome.peer });
        for m in std::mem::take(&mut self.early) {
            self.commit(m);
        }
    }

    pub(super) fn start_timeline(&mut self, peer: PeerId, state: W, tick: Tick, resumed: bool) {
        let config = TimelineConfig {
            journal: true,
            checksum_interval: if self.config.record.is_some() {
                1
            } else {
                self.checksum_interval
            },
            snapshot_interval: self.config.snapshot_interval,
            ..self.config.timeline.clone()
        };
        let previous = self.timeline.take();
        if let Some(path) = &self.config.record {
            let path = segment_path(path, self.segments);
            self.segments += 1;
            let c = &self.config;
            match Recorder::create(
                &path,
                &c.game_id,
                c.schema_hash,
                self.tick_rate,
                self.seed,
                (tick, &state),
            ) {
                Ok(rec) => self.recorder = Some(rec),
                Err(e) => self.events.push(SessionEvent::RecordingFailed {
                    reason: e.to_string(),
                }),
            }
        }
        match Timeline::from_sealed(peer, state, tick, self.seed, config) {
            Ok(mut tl) => {
                if let Some(old) = previous {
                    tl.resume_seq_from(old.next_seq());
                    if resumed && old.pending().next().is_some() {
                        tracing::warn!("re-joined from a snapshot: unsealed commits are dropped");
                    }
                }
                self.timeline = Some(tl);
            }
            Err(e) => self.status = ClientStatus::Stopped(e.to_string()),
        }
    }

    pub(super) fn receive_sealed(&mut self, st: crate::model::SealedTick<M>) {
        let Some(tl) = self.timeline.as_mut() else {
            return;
        };
        match tl.receive_sealed(st) {
            Ok(outcome) => {
                if let Some(r) = outcome.rollback {
                    self.events.push(SessionEvent::RolledBack {
                        from: r.from,
                        depth: r.depth,
                    });
                }
            }
            Err(e) => tracing::warn!("bad sealed tick from the host: {e}"),
        }
        let journal = tl.drain_journal();
        for entry in journal {
            self.roster.observe(&entry, &mut self.events);
            record_entry(&mut self.recorder, &entry, &mut self.events);
            if let Some(sum) = entry.checksum
                && self.checksum_interval > 0
                && entry.tick.0.is_multiple_of(self.checksum_interval)
            {
                self.send(
                    Channel::Unreliable,
                    &ClientMsg::Checksum {
                        tick: entry.tick,
                        value: sum,
                    },
                );
            }
        }
        self.try_heal();
    }

    /// Applies a healing snapshot once our sealed tick reaches it.
    pub(super) fn try_heal(&mut self) {
        let Some(tl) = self.timeline.as_mut() else {
            return;
        };
        let Some((tick, _)) = &self.heal else { return };
        let tick = *tick;
        if tl.sealed_tick() < tick {
            return;
        }
        let Some((_, state)) = self.heal.take() else {
            return;
        };
        if tl.sealed_tick() > tick {
            tracing::warn!(
                "healing snapshot for tick {tick} arrived too late; waiting for the next"
            );
            return;
        }
        tl.restore(state, tick);
        let peer = self.peer.unwrap_or_default();
        let note = RecordedEvent::Note(format!(
            "state replaced by the host's snapshot at tick {tick}"
        ));
        record_event(&mut self.recorder, tick, &note, &mut self.events);
        tracing::info!("healed at tick {tick}");
        self.events.push(SessionEvent::DesyncHealed { peer, tick });
    }
}
