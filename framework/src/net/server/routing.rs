//! Which room a connection belongs to: decided once, by the room its `Hello`
//! names; everything after goes to that room only.

use std::time::Duration;

use crate::model::Game;
use crate::net::protocol::{
    ClientMsg, DEFAULT_ROOM, HostMsg, decode_client, encode_msg, valid_room,
};
use crate::net::reasons::RejectReason;
use crate::transport::{Channel, ConnId, HostEvent, HostTransport};

use super::{Route, Server, ServerEvent};

/// A connection must send its `Hello` within this long.
const HELLO_WAIT: Duration = Duration::from_secs(2);
/// A refused connection lingers this long so its reason gets out.
const LINGER: Duration = Duration::from_millis(200);

impl<G: Game, T: HostTransport> Server<G, T> {
    /// Routes one transport event.
    pub(super) fn route(&mut self, event: HostEvent) {
        match event {
            HostEvent::Connected(conn) => {
                if self.stopping {
                    let reason = RejectReason::ShuttingDown("it takes no one new".into());
                    return self.refuse(conn, reason);
                }
                self.routes.insert(conn, Route::Pending(self.now));
            }
            HostEvent::Disconnected(conn, reason) => {
                if let Some(Route::Room(name)) = self.routes.remove(&conn)
                    && let Some(room) = self.rooms.get_mut(&name)
                {
                    room.session
                        .transport_mut()
                        .deliver(HostEvent::Disconnected(conn, reason));
                }
            }
            HostEvent::Message(conn, channel, bytes) => match self.routes.get(&conn) {
                Some(Route::Room(name)) => {
                    if let Some(room) = self.rooms.get_mut(name) {
                        room.session
                            .transport_mut()
                            .deliver(HostEvent::Message(conn, channel, bytes));
                    }
                }
                Some(Route::Pending(_)) => self.first_message(conn, bytes),
                Some(Route::Closing(_)) | None => {}
            },
        }
    }

    /// The first message of a connection must be a `Hello`: it names the room
    /// (opened if new), and the room then handles the handshake itself.
    fn first_message(&mut self, conn: ConnId, bytes: Vec<u8>) {
        let (room, hello) = match decode_client::<G::Move>(&bytes) {
            Ok(ClientMsg::Hello(hello)) if valid_room(&hello.room) => {
                let room = if hello.room.is_empty() {
                    DEFAULT_ROOM.to_string()
                } else {
                    hello.room.clone()
                };
                (room, hello)
            }
            Ok(ClientMsg::Hello(_)) => {
                return self.refuse(conn, RejectReason::BadRoomName);
            }
            Ok(_) => return self.refuse(conn, RejectReason::NotAHello),
            Err(e) => {
                let reason = RejectReason::Undecodable {
                    bytes: bytes.len() as u64,
                    error: e.to_string(),
                };
                return self.refuse(conn, reason);
            }
        };
        if !self.rooms.contains_key(&room) {
            if self.rooms.len() >= self.config.max_rooms {
                let max = self.config.max_rooms as u64;
                return self.refuse(conn, RejectReason::RoomsFull(max));
            }
            if let Err(e) = self.open_room(&room) {
                tracing::error!("room {room:?} cannot open: {e}");
                let reason = RejectReason::HostFault(format!("room {room:?} cannot open: {e}"));
                return self.refuse(conn, reason);
            }
        }
        let Some(r) = self.rooms.get_mut(&room) else {
            return;
        };
        // The room takes the Hello as decoded here, and is updated this round
        // (its answer goes out with the round's flush).
        let size = bytes.len();
        self.transport
            .lend(&mut r.session, |s| s.open_with_hello(conn, hello, size));
        r.due_at = Duration::ZERO;
        self.routes.insert(conn, Route::Room(room));
    }

    /// Refuses a connection that reached no room: it hears why, then goes.
    pub(super) fn refuse(&mut self, conn: ConnId, reason: RejectReason) {
        tracing::info!("refused connection {conn}: {reason}");
        let msg = HostMsg::<G::Move>::Reject {
            reason: reason.clone(),
        };
        if let Ok(bytes) = encode_msg(&msg) {
            let t = self.transport.get_mut();
            if t.send(conn, Channel::Reliable, bytes).is_ok() {
                t.flush_conns(&[conn]);
            }
        }
        self.stats.refused += 1;
        self.events.push(ServerEvent::Refused { reason });
        self.routes.insert(conn, Route::Closing(self.now + LINGER));
    }

    /// Disconnects refused connections whose reason had time to get out, and
    /// connections that sent no `Hello` in time.
    pub(super) fn expire_routes(&mut self) {
        let now = self.now;
        let due: Vec<(ConnId, bool)> = self
            .routes
            .iter()
            .filter_map(|(&conn, route)| match route {
                Route::Closing(at) if *at <= now => Some((conn, false)),
                Route::Pending(since) if now.saturating_sub(*since) > HELLO_WAIT => {
                    Some((conn, true))
                }
                _ => None,
            })
            .collect();
        for (conn, silent) in due {
            if silent {
                tracing::info!("connection {conn} sent no Hello within {HELLO_WAIT:?}");
            }
            self.transport.get_mut().disconnect(conn);
            self.routes.remove(&conn);
        }
    }
}
