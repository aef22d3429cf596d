//! How a host starts: from a game's genesis, or from a client's sealed session
//! (host migration).

use std::collections::BTreeMap;

use crate::model::{Body, Game, GameIdentity, PeerId, SealedTick, Tick};
use crate::net::config::HostConfig;
use crate::net::events::{SessionError, SessionStats};
use crate::net::handover::Handover;
use crate::net::journal::{CHECKSUM_HISTORY_SECS, Recorder, Roster};
use crate::net::succession::Succession;
use crate::ratelog::RateLog;
use crate::timeline::{SequencerConfig, TimelineConfig};
use crate::transport::HostTransport;

use super::clock::SessionClock;
use super::resend::ResendBuffer;
use super::sealer::{Sealer, Start};
use super::table::Table;
use super::{HostSession, Residents, random_token};

impl<G: Game, T: HostTransport> HostSession<G, T> {
    /// Starts a session from `genesis` on `transport`. With `config.player` set,
    /// the host plays as [`PeerId::HOST`] and its `Join` is sealed at tick 1.
    ///
    /// # Errors
    ///
    /// [`SessionError::Record`] if the recording cannot be created.
    pub fn new(config: HostConfig, genesis: G::State, transport: T) -> Result<Self, SessionError> {
        let own = config.player.clone().map(|name| (PeerId::HOST, name));
        let start = Start {
            own: PeerId::HOST,
            tick: Tick::GENESIS,
            state: genesis,
            seed: config.seed,
        };
        let mut host = Self::start(config, start, own.is_some(), transport)?;
        if let Some((peer, name)) = own {
            host.sealer.local_system(
                Body::Join {
                    peer,
                    name: name.clone(),
                },
                Tick(1),
            );
            host.table.insert_peer(peer, name, random_token());
        }
        Ok(host)
    }

    /// Carries a client's session on as its host (host migration): sealing
    /// resumes at `handover.sealed_tick + 1` on the session's seed and tick
    /// rate, so the sealed states and checksums continue the old host's. The
    /// client's player becomes the host's own under its peer id (with its
    /// unsealed commits); the other peers of the roster are held in their
    /// grace window, and their `Leave` is sealed if they do not come back.
    /// `config.player`, `tick_rate` and `seed` are taken from the handover.
    ///
    /// # Errors
    ///
    /// [`SessionError::Record`] if the recording cannot be created.
    pub fn take_over(
        mut config: HostConfig,
        handover: Handover<G>,
        transport: T,
    ) -> Result<Self, SessionError> {
        config.tick_rate = Some(handover.tick_rate);
        config.seed = handover.seed;
        config.checksum_interval = handover.checksum_interval;
        config.player = handover.player.as_ref().map(|(_, name)| name.clone());
        let start = Start {
            own: handover
                .player
                .as_ref()
                .map_or(PeerId::HOST, |(peer, _)| *peer),
            tick: handover.sealed_tick,
            state: handover.sealed_state,
            seed: handover.seed,
        };
        let own = start.own;
        let mut host = Self::start(config, start, handover.player.is_some(), transport)?;
        host.table.reserve_ids_below(handover.next_peer);
        host.roster = Roster::from_entries(handover.roster.clone().into_iter());
        host.adopt_peers(handover.roster, &handover.succession);
        host.keep_recent(handover.recent);
        if let Some((peer, name)) = handover.player {
            if !host.roster.names.contains_key(&peer) {
                // Its `Join` was not sealed yet: the new host seals it.
                let at = host.sealed_tick().next();
                let join = Body::Join {
                    peer,
                    name: name.clone(),
                };
                host.sealer.local_system(join, at);
            }
            host.table.insert_peer(peer, name, random_token());
        }
        host.sealer.resume_seq_from(handover.next_seq);
        for mut commit in handover.unsealed {
            commit.id.author = own;
            if let Err(e) = host.admit(None, commit) {
                tracing::warn!("a handed-over commit was refused: {e}");
            }
        }
        host.refresh_prediction();
        tracing::info!(
            "took the session over at sealed tick {}",
            host.sealed_tick()
        );
        Ok(host)
    }

    /// The peers of a session taken over: those the old host listed resume by
    /// their keys within the grace window, the others only wait it out, and the
    /// old host's own players (who went with it) leave at once.
    fn adopt_peers(&mut self, roster: BTreeMap<PeerId, String>, succession: &Succession) {
        let now = self.clock.now;
        let went =
            |peer: &PeerId| succession.host == Some(*peer) || succession.residents.contains(peer);
        for (peer, name) in roster {
            match succession.member(peer) {
                Some(member) => self.table.insert_migrated(member),
                None => self.table.insert_peer(peer, name, random_token()),
            }
            if Some(peer) == self.residents.own {
                continue;
            }
            self.table.lost_before(peer, now);
            if went(&peer) {
                self.seal_leave(peer);
            }
        }
        // Spectators are in no roster: they may resume as well.
        for member in succession.members.iter().filter(|m| m.spectator) {
            self.table.insert_migrated(member);
            self.table.lost_before(member.peer, now);
        }
        self.succession_changed = true;
    }

    /// The old host's last sealed ticks, as the client that hands over holds
    /// them: peers a little behind catch up from them, and their commits are
    /// known as sealed. Only a run that ends at the sealed tick is kept.
    fn keep_recent(&mut self, recent: Vec<SealedTick<G::Move>>) {
        let sealed = self.sealed_tick();
        let consecutive = recent.windows(2).all(|w| w[0].tick.next() == w[1].tick);
        if !consecutive || recent.last().is_some_and(|st| st.tick != sealed) {
            tracing::warn!("the handed-over sealed ticks do not end at {sealed}: not kept");
            return;
        }
        for st in &recent {
            self.sealer.note_sealed(st);
            self.resend.push(st);
        }
    }

    /// A host sealing on from `start`, with no peer yet.
    fn start(
        config: HostConfig,
        start: Start<G>,
        plays: bool,
        transport: T,
    ) -> Result<Self, SessionError> {
        let identity = GameIdentity::of::<G>()?;
        let clock = SessionClock::new(config.tick_rate.unwrap_or(G::TICK_RATE), start.tick);
        let tick_rate = clock.tick_rate;
        let timeline_config = TimelineConfig {
            input_delay: config.input_delay.max(1),
            max_prediction: config.max_seal_delay.max(config.seal_delay) + 1,
            journal: true,
            checksum_interval: 1,
            snapshot_interval: config.snapshot_interval,
        };
        let recorder = match &config.record {
            Some(path) => Some(Recorder::create(
                path,
                &identity.id,
                identity.schema_hash,
                tick_rate,
                start.seed,
                (start.tick, &start.state),
            )?),
            None => None,
        };
        let sequencer_config = SequencerConfig {
            max_ahead: config.max_ahead,
        };
        let keep_checksums = CHECKSUM_HISTORY_SECS * u64::from(tick_rate);
        let own = plays.then_some(start.own);
        let sealer = Sealer::from_sealed(start, timeline_config, sequencer_config, keep_checksums)?;
        Ok(HostSession {
            room: None,
            seal_delay: config.seal_delay.max(1),
            config,
            identity,
            transport,
            sealer,
            resend: ResendBuffer::default(),
            table: Table::default(),
            log: RateLog::default(),
            residents: Residents {
                own,
                local: BTreeMap::new(),
            },
            roster: Roster::default(),
            recorder,
            events: Vec::new(),
            stats: SessionStats::default(),
            clock,
            queued: false,
            succession_changed: false,
            shared_succession: Default::default(),
            gather: None,
        })
    }
}
