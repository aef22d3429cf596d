//! How a host starts: from a game's genesis, or from a client's sealed session
//! (host migration).

use std::collections::BTreeMap;

use crate::model::{Body, Game, GameIdentity, PeerId, Tick};
use crate::net::config::HostConfig;
use crate::net::events::{SessionError, SessionStats};
use crate::net::handover::Handover;
use crate::net::journal::{CHECKSUM_HISTORY_SECS, Recorder, Roster};
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
        let now = host.clock.now;
        for (peer, name) in handover.roster {
            host.table.insert_peer(peer, name, random_token());
            if Some(peer) != host.residents.own {
                host.table.lost_before(peer, now);
            }
        }
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
        })
    }
}
