//! A dedicated server: many independent rooms on one transport (one UDP port).
//!
//! Each room is a dedicated [`HostSession`] (no player of the server's own)
//! with its own sealed log, seed, checksums and recording. A connection is
//! routed to a room by the room its `Hello` names, once, at the handshake:
//! after that its messages reach that room only, so rooms never see each
//! other's commits and one room's bad client or desync stays in it. A room is
//! opened by its first client and closed, its recording finished, when its
//! last one is gone.

mod link;
mod room;
mod routing;

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::{Duration, Instant, SystemTime};

use crate::model::{Game, checksum::checksum_bytes};
use crate::net::{HostConfig, HostSession, RejectReason, SessionError, SessionEvent};
use crate::transport::{ConnId, HostTransport};

pub use link::RoomLink;
use link::Slot;
pub use room::RoomStats;
use room::{Room, recording_path};

/// How a server runs its rooms.
#[derive(Clone, Debug)]
pub struct ServerConfig {
    /// Most rooms at once; a client asking for another is refused.
    pub max_rooms: usize,
    /// How every room runs: tick rate, seal delay, timeouts, `max_clients`
    /// (players per room), `max_spectators`. Its `player` and `record` are
    /// ignored (a server plays in no room; recordings go to `record_dir`), and
    /// its `seed` is mixed with the room's name and opening count.
    pub room: HostConfig,
    /// Each room records to `DIR/NAME-YYYYMMDD-HHMMSS.tlrec` (UTC).
    pub record_dir: Option<PathBuf>,
}

impl Default for ServerConfig {
    fn default() -> Self {
        ServerConfig {
            max_rooms: 64,
            room: HostConfig {
                player: None,
                max_clients: 32,
                ..HostConfig::default()
            },
            record_dir: None,
        }
    }
}

/// What a server reports.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ServerEvent {
    /// A client opened a room.
    RoomOpened {
        /// Its name.
        room: String,
        /// Its seed.
        seed: u64,
        /// Its recording, if the server records.
        recording: Option<PathBuf>,
    },
    /// The last client of a room is gone; its recording is finished.
    RoomClosed {
        /// Its name.
        room: String,
        /// The sealed tick it ended at.
        sealed_tick: crate::model::Tick,
    },
    /// Something happened in a room.
    Room {
        /// The room.
        room: String,
        /// What.
        event: SessionEvent,
    },
    /// A connection was refused before reaching a room.
    Refused {
        /// Why.
        reason: RejectReason,
    },
}

/// The whole process: its rooms together, and what it cost.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ServerStats {
    /// Rooms open now.
    pub rooms: usize,
    /// Players connected now, over all rooms.
    pub players: usize,
    /// Spectators connected now, over all rooms.
    pub spectators: usize,
    /// Rooms opened so far.
    pub rooms_opened: u64,
    /// Rooms closed so far.
    pub rooms_closed: u64,
    /// Connections refused before reaching a room.
    pub refused: u64,
    /// Bytes received and sent by the open rooms.
    pub bytes_in: u64,
    /// Bytes sent by the open rooms.
    pub bytes_out: u64,
    /// Time spent in [`Server::update`].
    pub busy: Duration,
    /// Calls to [`Server::update`].
    pub updates: u64,
    /// Datagrams the transport threw away as garbage.
    pub garbage: u64,
}

/// Makes a room's starting state from its name.
type Genesis<S> = Box<dyn Fn(&str) -> S + Send + Sync>;

/// Where a connection's messages go.
#[derive(Clone, Debug)]
enum Route {
    /// Connected, no `Hello` yet (since when).
    Pending(Duration),
    /// In a room.
    Room(String),
    /// Refused; disconnected at the given time (after its reason went out).
    Closing(Duration),
}

/// A dedicated server of many rooms over one transport. Drive it with
/// [`Server::update`].
pub struct Server<G: Game, T> {
    config: ServerConfig,
    identity: crate::model::GameIdentity,
    transport: Slot<T>,
    genesis: Genesis<G::State>,
    rooms: BTreeMap<String, Room<G, T>>,
    routes: BTreeMap<ConnId, Route>,
    /// Rooms opened so far, per name (mixed into the seed).
    openings: BTreeMap<String, u64>,
    events: Vec<ServerEvent>,
    stats: ServerStats,
    start: Option<Duration>,
    now: Duration,
    stopping: bool,
}

impl<G: Game, T> std::fmt::Debug for Server<G, T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Server({} rooms)", self.rooms.len())
    }
}

impl<G: Game, T: HostTransport> Server<G, T> {
    /// A server on `transport`; `genesis` makes the starting state of a room
    /// from its name.
    ///
    /// # Errors
    ///
    /// [`SessionError::Schema`] if the game's schema cannot be derived.
    pub fn new(
        config: ServerConfig,
        transport: T,
        genesis: impl Fn(&str) -> G::State + Send + Sync + 'static,
    ) -> Result<Self, SessionError> {
        let identity = crate::model::GameIdentity::of::<G>()?;
        Ok(Server {
            config,
            identity,
            transport: Slot::new(transport),
            genesis: Box::new(genesis),
            rooms: BTreeMap::new(),
            routes: BTreeMap::new(),
            openings: BTreeMap::new(),
            events: Vec::new(),
            stats: ServerStats::default(),
            start: None,
            now: Duration::ZERO,
            stopping: false,
        })
    }

    /// Reads the transport (e.g. its bound address).
    pub fn with_transport<R>(&self, f: impl FnOnce(&T) -> R) -> R {
        f(self.transport.get())
    }

    /// The open rooms' names.
    pub fn room_names(&self) -> impl Iterator<Item = &str> {
        self.rooms.keys().map(String::as_str)
    }

    /// A room's session (its state, checksums, peers).
    pub fn room(&self, name: &str) -> Option<&HostSession<G, RoomLink<T>>> {
        self.rooms.get(name).map(|r| &r.session)
    }

    /// A room's stats.
    pub fn room_stats(&self, name: &str) -> Option<RoomStats> {
        self.rooms.get(name).map(Room::stats)
    }

    /// Where a room records, if the server records.
    pub fn room_recording(&self, name: &str) -> Option<&std::path::Path> {
        self.rooms.get(name)?.recording.as_deref()
    }

    /// The announcement for LAN discovery: `listing`, plus the game id and
    /// schema hash, the players and spectators over all rooms, the most it
    /// admits (rooms × players per room) and the rooms' tick rate. A dedicated
    /// server's rooms do not migrate: the server is their authority.
    pub fn announcement(
        &self,
        listing: &crate::net::discovery::Listing,
    ) -> crate::net::discovery::Announcement {
        let stats = self.stats();
        let count = |n: usize| u32::try_from(n).unwrap_or(u32::MAX);
        let room = &self.config.room;
        crate::net::discovery::Announcement {
            game_id: self.identity.id.clone(),
            schema_hash: self.identity.schema_hash,
            name: listing.name.clone(),
            game_port: listing.game_port,
            players: count(stats.players),
            max_players: count(self.config.max_rooms.saturating_mul(room.max_clients)),
            spectators: count(stats.spectators),
            code_required: listing.code_required,
            tick_rate: room.tick_rate.unwrap_or(G::TICK_RATE),
            version: listing.version.clone(),
            dedicated: true,
        }
    }

    /// The process's stats, summed over the open rooms.
    pub fn stats(&self) -> ServerStats {
        let mut s = self.stats.clone();
        s.rooms = self.rooms.len();
        s.garbage = self.transport.get().garbage();
        for room in self.rooms.values() {
            let r = room.stats();
            s.players += r.players;
            s.spectators += r.spectators;
            s.bytes_in += r.bytes_in;
            s.bytes_out += r.bytes_out;
        }
        s
    }

    /// Events since the last call.
    pub fn drain_events(&mut self) -> Vec<ServerEvent> {
        std::mem::take(&mut self.events)
    }

    /// Connections the server holds (routed, waiting for a `Hello`, or closing).
    pub fn connections(&self) -> usize {
        self.routes.len()
    }

    /// Runs every room up to `now`: takes what arrived, routes new connections
    /// by their `Hello`, updates each room, closes empty rooms, and sends what
    /// the rooms queued in one flush. Call every frame.
    ///
    /// # Errors
    ///
    /// [`SessionError::Transport`] if the socket failed.
    pub fn update(&mut self, now: Duration) -> Result<(), SessionError> {
        let began = Instant::now();
        let start = *self.start.get_or_insert(now);
        self.now = now.saturating_sub(start);
        self.transport.get_mut().update(now)?;
        while let Some(event) = self.transport.get_mut().poll() {
            self.route(event);
        }
        let mut flush = Vec::new();
        for (name, room) in &mut self.rooms {
            if now < room.due_at && !room.session.transport_mut().has_events() {
                continue;
            }
            let t0 = Instant::now();
            self.transport.lend(&mut room.session, |s| s.update(now))?;
            room.due_at = room.session.next_tick_at();
            room.busy += t0.elapsed();
            room.updates += 1;
            for event in room.session.drain_events() {
                self.events.push(ServerEvent::Room {
                    room: name.clone(),
                    event,
                });
            }
            let link = room.session.transport_mut();
            link.take_flush(&mut flush);
            for conn in link.take_dropped() {
                self.routes.remove(&conn);
            }
        }
        self.expire_routes();
        self.close_vacant_rooms();
        if !flush.is_empty() {
            flush.sort_unstable();
            flush.dedup();
            self.transport.get_mut().flush_conns(&flush);
        }
        self.stats.busy += began.elapsed();
        self.stats.updates += 1;
        Ok(())
    }

    /// Opens room `name` for a first client.
    fn open_room(&mut self, name: &str) -> Result<(), SessionError> {
        let serial = self.openings.entry(name.to_string()).or_default();
        *serial += 1;
        let mut seed_input = self.config.room.seed.to_le_bytes().to_vec();
        seed_input.extend_from_slice(&serial.to_le_bytes());
        seed_input.extend_from_slice(name.as_bytes());
        let seed = checksum_bytes(&seed_input);
        let recording = self
            .config
            .record_dir
            .as_ref()
            .map(|dir| recording_path(dir, name, SystemTime::now()));
        // The server is the authority: its rooms never migrate.
        let config = HostConfig {
            player: None,
            seed,
            record: recording.clone(),
            succession: false,
            ..self.config.room.clone()
        };
        let link = RoomLink::new();
        let mut session = HostSession::new(config, (self.genesis)(name), link)?;
        session.set_room(name);
        tracing::info!("room {name:?} opened (seed {seed:016x})");
        self.events.push(ServerEvent::RoomOpened {
            room: name.to_string(),
            seed,
            recording: recording.clone(),
        });
        self.stats.rooms_opened += 1;
        self.rooms.insert(
            name.to_string(),
            Room {
                session,
                recording,
                busy: Duration::ZERO,
                updates: 0,
                due_at: Duration::ZERO,
            },
        );
        Ok(())
    }

    /// Closes the rooms nobody is in any more, finishing their recordings.
    fn close_vacant_rooms(&mut self) {
        let vacant: Vec<String> = self
            .rooms
            .iter()
            .filter(|(_, r)| r.session.is_vacant())
            .map(|(name, _)| name.clone())
            .collect();
        for name in vacant {
            let Some(mut room) = self.rooms.remove(&name) else {
                continue;
            };
            if let Err(e) = room.session.finish_recording() {
                tracing::error!("room {name:?}: the recording could not be finished: {e}");
            }
            let sealed_tick = room.session.sealed_tick();
            tracing::info!("room {name:?} closed at sealed tick {sealed_tick}");
            self.stats.rooms_closed += 1;
            self.events.push(ServerEvent::RoomClosed {
                room: name,
                sealed_tick,
            });
        }
    }

    /// Ends every room: each client is told `reason`, each recording is
    /// finished, and no new connection is taken. Keep calling
    /// [`Server::update`] until [`Server::connections`] is 0 (or a deadline)
    /// so the reasons reach the clients.
    ///
    /// # Errors
    ///
    /// The first recording that could not be finished (the others still are).
    pub fn shutdown(&mut self, reason: &str) -> Result<(), SessionError> {
        self.stopping = true;
        let mut first_error = None;
        for (name, room) in &mut self.rooms {
            if let Err(e) = self
                .transport
                .lend(&mut room.session, |s| s.shutdown(reason))
            {
                tracing::error!("room {name:?}: {e}");
                first_error.get_or_insert(e);
            }
        }
        let pending: Vec<ConnId> = self
            .routes
            .iter()
            .filter(|(_, r)| matches!(r, Route::Pending(_)))
            .map(|(&c, _)| c)
            .collect();
        for conn in pending {
            self.refuse(conn, RejectReason::ShuttingDown(reason.to_string()));
        }
        self.transport.get_mut().flush();
        first_error.map_or(Ok(()), Err)
    }
}
