//! The host's clock: sealing due ticks, and sending sealed ticks to clients.

use super::*;

impl<W: WorkSpace, M: Modification<W>, T: HostTransport> HostSession<W, M, T> {
    pub(super) fn host_tick(&self) -> u64 {
        (self.now.as_micros() * u128::from(self.config.tick_rate) / 1_000_000) as u64
    }

    /// Seals what is due and moves the host's own head to its clock.
    pub(super) fn run_clock(&mut self) {
        let target = self.host_tick();
        while self.timeline.head().0 < target {
            let seal_to = Tick((self.timeline.head().0 + 1).saturating_sub(self.config.seal_delay));
            for st in self.sequencer.seal_through(seal_to) {
                let size = encode_msg(&st).map_or(usize::MAX, |b| b.len());
                self.recent.push_back((st.clone(), size));
                match self.timeline.receive_sealed(st) {
                    Ok(outcome) => {
                        if let Some(r) = outcome.rollback {
                            self.events.push(SessionEvent::RolledBack {
                                from: r.from,
                                depth: r.depth,
                            });
                        }
                    }
                    Err(e) => tracing::error!("host timeline refused its own sealed tick: {e}"),
                }
            }
            self.process_journal();
            if self.timeline.advance().is_err() {
                break;
            }
        }
        self.trim_recent();
    }

    pub(super) fn process_journal(&mut self) {
        for entry in self.timeline.drain_journal() {
            if let Some(sum) = entry.checksum {
                self.checksums.insert(entry.tick, sum);
            }
            self.roster.observe(&entry, &mut self.events);
            for commit in &entry.commits {
                if let Body::Leave { peer } = commit.body {
                    self.peers.remove(&peer);
                }
            }
            record_entry(&mut self.recorder, &entry, &mut self.events);
        }
        let keep = 60 * u64::from(self.config.tick_rate);
        let sealed = self.sequencer.sealed_tick();
        while self
            .checksums
            .first_key_value()
            .is_some_and(|(t, _)| sealed.since(*t) > keep)
        {
            self.checksums.pop_first();
        }
    }

    /// Keeps sealed ticks that a connected client has not acknowledged, or that a
    /// dropped one may need to resume, within a hard cap.
    pub(super) fn trim_recent(&mut self) {
        let sealed = self.sequencer.sealed_tick();
        let grace_ticks =
            self.config.grace.as_secs().saturating_add(2) * u64::from(self.config.tick_rate);
        let cap = grace_ticks.max(60 * u64::from(self.config.tick_rate));
        let min_ack = self
            .conns
            .values()
            .filter(|c| c.peer.is_some())
            .map(|c| c.ack)
            .min()
            .unwrap_or(sealed);
        let keep_from = Tick(min_ack.0.min(sealed.0.saturating_sub(grace_ticks)))
            .max(Tick(sealed.0.saturating_sub(cap)));
        while self
            .recent
            .front()
            .is_some_and(|(st, _)| st.tick <= keep_from)
        {
            self.recent.pop_front();
        }
        // A client that fell behind what is kept cannot catch up from ticks.
        let behind: Vec<ConnId> = self
            .conns
            .iter()
            .filter(|(_, c)| c.peer.is_some() && c.closing_at.is_none() && c.ack < keep_from)
            .map(|(&id, _)| id)
            .collect();
        for conn in behind {
            self.kick(conn, "fell too far behind the session".into());
        }
    }

    pub(super) fn send(&mut self, conn: ConnId, channel: Channel, msg: &HostMsg<M>) {
        match encode_msg(msg) {
            Ok(bytes) => {
                self.stats.bytes_out += bytes.len() as u64;
                self.transport.send(conn, channel, bytes);
            }
            Err(e) => tracing::error!("cannot encode a host message: {e}"),
        }
    }

    /// Once per host tick: every client gets the sealed ticks it lacks (up to the
    /// message budget) and a clock sample.
    pub(super) fn send_ticks(&mut self) {
        let tick = self.host_tick();
        if self.last_sent_tick == Some(tick) {
            return;
        }
        self.last_sent_tick = Some(tick);
        let host_time_us = self.now.as_micros() as u64;
        let first = self
            .recent
            .front()
            .map_or(Tick(u64::MAX), |(st, _)| st.tick);
        let targets: Vec<(ConnId, Tick, Echo)> = self
            .conns
            .iter()
            .filter(|(_, c)| c.peer.is_some() && c.closing_at.is_none())
            .map(|(&id, c)| (id, c.ack, c.echo))
            .collect();
        for (conn, ack, echo) in targets {
            let skip = ack.next().since(first) as usize;
            let mut budget = FREQUENT_MESSAGE_BUDGET.saturating_sub(32);
            let ticks: Vec<SealedTick<M>> = self
                .recent
                .iter()
                .skip(skip)
                .take_while(|(_, size)| {
                    let fits = *size <= budget;
                    budget = budget.saturating_sub(*size);
                    fits
                })
                .map(|(st, _)| st.clone())
                .collect();
            let (echo_us, held_us) = match echo {
                Some((sent, at)) => (sent, self.now.saturating_sub(at).as_micros() as u64),
                None => (0, 0),
            };
            self.send(
                conn,
                Channel::Unreliable,
                &HostMsg::Sealed {
                    host_time_us,
                    echo_us,
                    held_us,
                    ticks,
                },
            );
        }
    }
}
