//! The handshake in one place: a `Hello` checked against the host's policy,
//! then a resume (sealed ticks to catch up from) or a new peer (a snapshot and,
//! for a player, its `Join`), then the `Welcome`. `policy` holds the checks as
//! pure functions.

mod policy;

use crate::model::codec::encode_state;
use crate::model::{Body, Game, PeerId, Tick};
use crate::net::events::SessionEvent;
use crate::net::protocol::{CatchUp, Hello, HostMsg, Welcome};
use crate::net::reasons::RejectReason;
use crate::net::succession::MAX_STANDBY_ADDRS;
use crate::transport::{Channel, ConnId, HostTransport};

use super::{HostSession, random_token};
use policy::{Admission, Policy, admit, check_hello};
pub(super) use policy::{Occupancy, clean_name};

impl<G: Game, T: HostTransport> HostSession<G, T> {
    /// A connection a server routed here by its `Hello`, which the server
    /// decoded (once) to find the room: opened and handshaken at once.
    pub(crate) fn open_with_hello(&mut self, conn: ConnId, hello: Hello, bytes: usize) {
        self.table.open(conn, self.clock.now);
        self.stats.bytes_in += bytes as u64;
        self.handshake(conn, hello);
    }

    pub(super) fn handshake(&mut self, conn: ConnId, hello: Hello) {
        let policy = Policy {
            game_id: &self.identity.id,
            schema_hash: self.identity.schema_hash,
            max_clients: self.config.max_clients,
            max_spectators: self.config.max_spectators,
            room: self.room.as_deref(),
        };
        if let Err(reason) = check_hello(&hello, policy) {
            return self.reject(conn, reason);
        }
        let resumable = hello.resume.as_ref().and_then(|r| {
            let (peer, conn) = self.table.by_token(r.token)?;
            Some((peer, conn, r.sealed_tick))
        });
        let connected = self.table.occupancy();
        let sealed = self.sealer.sealed_tick();
        // Right after a take-over a peer may hold ticks the old host sealed
        // after ours: it resumes, and is asked for them.
        let ahead_ok = self.may_be_ahead();
        let can_catch_up =
            |tick: Tick| self.resend.covers_after(tick, sealed) || (ahead_ok && tick > sealed);
        let admission = admit(resumable, can_catch_up, hello.spectator, connected, policy);
        let mut ask = None;
        let (peer, catch_up) = match admission {
            Err(reason) => return self.reject(conn, reason),
            Ok(Admission::Resume {
                peer,
                old_conn,
                from,
            }) => {
                if let Some(old) = old_conn {
                    self.transport.disconnect(old);
                    self.table.lost(old, self.clock.now);
                }
                tracing::info!("{peer} resumed from tick {from}");
                self.events.push(SessionEvent::Reconnected { peer });
                ask = (from > sealed).then_some(from);
                (peer, CatchUp::Ticks(self.resend.after(from)))
            }
            Ok(Admission::New) => match encode_state(self.sealer.timeline().sealed_state()) {
                Ok(state) => (
                    self.new_peer(&hello.name, hello.spectator),
                    CatchUp::Snapshot {
                        tick: sealed,
                        state,
                    },
                ),
                Err(e) => {
                    let reason = RejectReason::HostFault(format!("cannot encode its state: {e}"));
                    return self.reject(conn, reason);
                }
            },
        };
        let standby = hello
            .standby
            .filter(|_| !hello.spectator && self.config.succession)
            .map(|mut s| {
                s.addrs.truncate(MAX_STANDBY_ADDRS);
                (s, self.transport.peer_addr(conn).map(|a| a.ip()))
            });
        self.table.set_standby(peer, standby);
        self.succession_changed = true;
        self.welcome(conn, peer, catch_up);
        if let Some(holds) = ask {
            self.ask_sealed(conn, holds);
        }
    }

    /// A new peer: a fresh id and resume token, and, for a player, its `Join`
    /// minted (a spectator never appears in the sealed log).
    fn new_peer(&mut self, name: &str, spectator: bool) -> PeerId {
        let name = clean_name(name, self.table.next_peer());
        if spectator {
            tracing::info!("{name} watches");
            return self.table.add_spectator(name, random_token());
        }
        let peer = self.table.add_peer(name.clone(), random_token());
        self.sealer.system(Body::Join { peer, name });
        peer
    }

    /// Binds `peer` to `conn` and sends the Welcome.
    fn welcome(&mut self, conn: ConnId, peer: PeerId, catch_up: CatchUp<G::Move>) {
        let Some(token) = self.table.bind(conn, peer, self.sealer.sealed_tick()) else {
            return;
        };
        let welcome = Welcome {
            peer,
            resume_token: token,
            tick_rate: self.clock.tick_rate,
            seed: self.config.seed,
            host_time_us: self.clock.now.as_micros() as u64,
            checksum_interval: self.config.checksum_interval,
            seal_delay: self.seal_delay,
            roster: self
                .roster
                .names
                .iter()
                .map(|(&p, n)| (p, n.clone()))
                .collect(),
            succession: self.succession(),
            catch_up,
        };
        self.send(
            conn,
            Channel::Reliable,
            &HostMsg::Welcome(Box::new(welcome)),
        );
    }
}
