//! What a client has once the host welcomed it: its timeline, clock, roster and
//! recording. It outlives a dropped connection (the game keeps predicting) and is
//! replaced only when the client re-joins from a new snapshot.

use std::collections::VecDeque;
use std::time::Duration;

use crate::model::{Game, WorkSpace};
use crate::model::{PeerId, SealedTick, Tick};
use crate::record::{DEFAULT_FIELD_LIMIT, RecordedEvent, diff_states};
use crate::timeline::Timeline;

use super::super::clock::Clock;
use super::super::events::SessionEvent;
use super::super::journal::{Checksums, Recorder, Roster, record_entry, record_event};
use super::super::succession::Succession;
use super::outbound::Outbound;

/// A change to inject into the sealed state just before a tick is sealed.
pub(super) type Fault<W> = (Tick, Box<dyn FnOnce(&mut W) + Send + Sync>);

/// Most sealed ticks held while a heal is on its way.
const MAX_HELD: usize = 4096;

/// Seconds of sealed ticks a client keeps for a host migration (a host keeps
/// its grace window and two seconds by default).
const RECENT_SECS: u64 = 12;

pub(super) struct Joined<G: Game> {
    pub(super) peer: PeerId,
    pub(super) token: u64,
    pub(super) tick_rate: u32,
    pub(super) checksum_interval: u64,
    pub(super) timeline: Timeline<G>,
    pub(super) clock: Clock,
    pub(super) roster: Roster,
    /// Who hosts next if the host goes, as the host last said.
    pub(super) succession: Succession,
    /// The last sealed ticks, consecutive, the newest last: what a new host
    /// catches peers up from after taking the session over.
    pub(super) recent: VecDeque<SealedTick<G::Move>>,
    /// Our checksums of recent sealed ticks.
    pub(super) checksums: Checksums,
    pub(super) recorder: Option<Recorder>,
    /// Recording segments started so far (a re-join starts `path.N`).
    pub(super) segments: u32,
    /// A healing snapshot waiting for our sealed tick to reach its tick.
    pub(super) heal: Option<(Tick, G::State)>,
    /// A heal for this tick is on its way: sealed ticks after it wait in `held`.
    pub(super) hold: Option<Tick>,
    pub(super) held: Vec<SealedTick<G::Move>>,
    pub(super) outbound: Outbound,
    pub(super) fault: Option<Fault<G::State>>,
}

impl<G: Game> Joined<G> {
    /// Moves the head to where the clock says, within the prediction window.
    pub(super) fn advance_head(&mut self, now: Duration) {
        let target = self.clock.advance(now);
        while self.timeline.head().0 < target && self.timeline.advance().is_ok() {}
    }

    /// Holds sealed ticks after `tick` until the healing snapshot for `tick`
    /// arrives (the host announced it with a `Desync`). Nothing is held when our
    /// sealed state is already past it.
    pub(super) fn hold_after(&mut self, tick: Tick) {
        if self.timeline.sealed_tick() <= tick {
            self.hold = Some(tick);
        }
    }

    /// Takes sealed ticks: rollback events, roster, recording, checksum reports.
    pub(super) fn receive_sealed(
        &mut self,
        ticks: Vec<SealedTick<G::Move>>,
        events: &mut Vec<SessionEvent>,
    ) {
        let (now, later): (Vec<_>, Vec<_>) = match self.hold {
            Some(hold) => ticks.into_iter().partition(|st| st.tick <= hold),
            None => (ticks, Vec::new()),
        };
        if self.held.len() + later.len() > MAX_HELD {
            // The heal is not coming (a lost connection): stop waiting for it.
            self.hold = None;
            self.held.clear();
        } else {
            self.held.extend(later);
        }
        self.apply_sealed(now, events);
    }

    fn apply_sealed(&mut self, ticks: Vec<SealedTick<G::Move>>, events: &mut Vec<SessionEvent>) {
        for st in ticks {
            match self.timeline.receive_sealed(st) {
                Ok(outcome) => {
                    events.extend(outcome.rollback.map(SessionEvent::from));
                }
                Err(e) => tracing::warn!("bad sealed tick from the host: {e}"),
            }
            self.inject_fault(events);
            // A healing snapshot applies exactly at its tick, which may lie in the
            // middle of a batch.
            if self
                .heal
                .as_ref()
                .is_some_and(|(t, _)| *t == self.timeline.sealed_tick())
            {
                self.drain_journal(events);
                self.try_heal(events);
            }
        }
        self.drain_journal(events);
        self.try_heal(events);
    }

    /// Injects the fault when the tick before it was just sealed (and journaled).
    fn inject_fault(&mut self, events: &mut Vec<SessionEvent>) {
        let sealed = self.timeline.sealed_tick();
        if let Some((t, _)) = &self.fault
            && *t <= sealed
        {
            tracing::warn!(
                "no desync injected: tick {t} was sealed before this peer could change it"
            );
            self.fault = None;
        }
        if self.fault.as_ref().is_none_or(|(t, _)| sealed.next() != *t) {
            return;
        }
        let Some((tick, corrupt)) = self.fault.take() else {
            return;
        };
        self.drain_journal(events);
        let mut state = self.timeline.sealed_state().clone();
        corrupt(&mut state);
        self.timeline.restore(state, sealed);
        tracing::warn!("injected a desync: the state at tick {tick} will differ from the host's");
    }

    fn drain_journal(&mut self, events: &mut Vec<SessionEvent>) {
        let keep = (RECENT_SECS * u64::from(self.tick_rate)) as usize;
        for entry in self.timeline.drain_journal() {
            if self
                .recent
                .back()
                .is_some_and(|st| st.tick.next() != entry.tick)
            {
                // A heal or a re-join: what came before no longer leads here.
                self.recent.clear();
            }
            self.recent.push_back(SealedTick {
                tick: entry.tick,
                commits: entry.commits.clone(),
            });
            while self.recent.len() > keep {
                self.recent.pop_front();
            }
            self.roster.observe(&entry, events);
            self.checksums.observe(&entry);
            record_entry(&mut self.recorder, &entry, events);
            if let Some(sum) = entry.checksum
                && self.checksum_interval > 0
                && entry.tick.0.is_multiple_of(self.checksum_interval)
            {
                self.outbound.checksum = Some((entry.tick, sum));
            }
        }
    }

    /// Applies a healing snapshot once our sealed tick reaches it.
    pub(super) fn try_heal(&mut self, events: &mut Vec<SessionEvent>) {
        let Some((tick, _)) = &self.heal else { return };
        let tick = *tick;
        if self.timeline.sealed_tick() < tick {
            return;
        }
        let Some((_, state)) = self.heal.take() else {
            return;
        };
        if self.timeline.sealed_tick() > tick {
            tracing::warn!(
                "healing snapshot for tick {tick} arrived too late; waiting for the next"
            );
        } else {
            let healed = healed_event(self.timeline.sealed_state(), &state, tick);
            self.timeline.restore(state, tick);
            record_event(&mut self.recorder, tick, &healed, events);
            events.push(SessionEvent::DesyncHealed {
                peer: self.peer,
                tick,
            });
        }
        // The ticks held for the snapshot now follow it.
        self.hold = None;
        let held = std::mem::take(&mut self.held);
        self.apply_sealed(held, events);
    }
}

/// What differed between our state and the host's at a heal, logged and kept as a
/// recorded event so that the evidence survives the heal.
fn healed_event<W: WorkSpace>(ours: &W, host: &W, tick: Tick) -> RecordedEvent {
    match diff_states(ours, host, DEFAULT_FIELD_LIMIT) {
        Ok(diff) => {
            let listed: Vec<String> = diff.fields.iter().map(ToString::to_string).collect();
            let more = match diff.more {
                0 => String::new(),
                n => format!(" and {n} more"),
            };
            tracing::warn!(
                "healed at tick {tick}; our state differed from the host's in: {}{more}",
                listed.join(", ")
            );
            RecordedEvent::Healed {
                fields: diff.fields,
                more: diff.more,
            }
        }
        Err(e) => {
            tracing::warn!("healed at tick {tick}; {e}");
            RecordedEvent::Healed {
                fields: Vec::new(),
                more: 0,
            }
        }
    }
}
