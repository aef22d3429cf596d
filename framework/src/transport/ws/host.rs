//! The host end of the WebSocket transport: a listening TCP socket, the
//! connections opening, open and closing.

use std::collections::{BTreeMap, VecDeque};
use std::io::ErrorKind;
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::time::Duration;

use tungstenite::handshake::server::{Callback, ErrorResponse, Request, Response, ServerHandshake};
use tungstenite::handshake::{HandshakeError, MidHandshake};
use tungstenite::protocol::WebSocketConfig;
use tungstenite::{WebSocket, http};

use super::auth::{self, Answer, Challenge, close};
use super::link::{Ended, Link, Read};
use super::{LINGER, WS_HANDSHAKE_TIMEOUT};
use crate::ratelog::RateLog;
use crate::transport::{
    Channel, ConnId, HostEvent, HostTransport, JoinCode, MAX_MESSAGE_TO_HOST,
    RELIABLE_BYTES_TO_CLIENT, SendError, TransportError, random_u64,
};

/// Connections past the cap that are still answered (`503`, so that their
/// client says the server is full) rather than dropped unanswered.
const REFUSALS: usize = 16;

/// Messages read from one connection per update: one client cannot starve
/// the others.
const READS_PER_UPDATE: usize = 1024;

/// Where and how a WebSocket host listens.
#[derive(Clone, Debug)]
pub struct WsHostConfig {
    /// The TCP address to listen on (port 0 picks a free one).
    pub bind: SocketAddr,
    /// The game and version clients must name (as the UDP transport's
    /// protocol id).
    pub protocol_id: u64,
    /// Most connections, opening or open.
    pub max_connections: usize,
    /// The room code clients must prove they know, if any.
    pub code: Option<JoinCode>,
    /// How long a connection may take from TCP connect to open.
    pub handshake_timeout: Duration,
}

impl WsHostConfig {
    /// Listens on `bind` for clients of `protocol_id`: 64 connections, no
    /// code, [`WS_HANDSHAKE_TIMEOUT`].
    pub fn new(bind: SocketAddr, protocol_id: u64) -> Self {
        WsHostConfig {
            bind,
            protocol_id,
            max_connections: 64,
            code: None,
            handshake_timeout: WS_HANDSHAKE_TIMEOUT,
        }
    }

    /// The same, with clients needing `code`.
    pub fn with_code(self, code: JoinCode) -> Self {
        WsHostConfig {
            code: Some(code),
            ..self
        }
    }
}

/// Answers an upgrade with `503` when the host is full.
struct Gate {
    full: bool,
}

impl Callback for Gate {
    fn on_request(self, _request: &Request, response: Response) -> Result<Response, ErrorResponse> {
        if !self.full {
            return Ok(response);
        }
        let mut refusal = ErrorResponse::new(Some("the server is full".into()));
        *refusal.status_mut() = http::StatusCode::SERVICE_UNAVAILABLE;
        Err(refusal)
    }
}

type Upgrade = MidHandshake<ServerHandshake<TcpStream, Gate>>;

/// Where an opening connection is.
enum Stage {
    /// The HTTP upgrade is under way.
    Upgrade(Upgrade),
    /// The challenge is sent; the answer is awaited.
    Challenged(Link, Challenge),
}

struct Opening {
    stage: Stage,
    addr: SocketAddr,
    deadline: Duration,
}

/// What one step of an opening connection came to.
enum Step {
    Wait(Stage),
    Open(Link),
    Gone,
}

struct Open {
    link: Link,
    addr: SocketAddr,
}

/// The host end of the WebSocket transport.
pub struct WsHostTransport {
    listener: TcpListener,
    local: SocketAddr,
    config: WsHostConfig,
    now: Duration,
    opening: Vec<Opening>,
    open: BTreeMap<ConnId, Open>,
    closing: Vec<(Link, Duration)>,
    events: VecDeque<HostEvent>,
    next_conn: ConnId,
    garbage: u64,
    log: RateLog,
}

impl std::fmt::Debug for WsHostTransport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "WsHostTransport({}, {} open, {} opening)",
            self.local,
            self.open.len(),
            self.opening.len()
        )
    }
}

/// The WebSocket settings of a side that reads messages of up to `max` bytes.
pub(super) fn ws_config(max: usize) -> WebSocketConfig {
    // One byte more: the channel tag.
    WebSocketConfig::default()
        .read_buffer_size(16 * 1024)
        .max_message_size(Some(max + 1))
        .max_frame_size(Some(max + 1))
}

impl WsHostTransport {
    /// Listens on `config.bind`.
    ///
    /// # Errors
    ///
    /// [`TransportError::Io`] if the address cannot be bound.
    pub fn bind(config: WsHostConfig) -> Result<Self, TransportError> {
        let listener = TcpListener::bind(config.bind)?;
        listener.set_nonblocking(true)?;
        let local = listener.local_addr()?;
        Ok(WsHostTransport {
            listener,
            local,
            config,
            now: Duration::ZERO,
            opening: Vec::new(),
            open: BTreeMap::new(),
            closing: Vec::new(),
            events: VecDeque::new(),
            next_conn: 1,
            garbage: 0,
            log: RateLog::default(),
        })
    }

    /// The address the host listens on (with the port it got).
    pub fn local_addr(&self) -> SocketAddr {
        self.local
    }

    /// Connections open and opening.
    pub fn connections(&self) -> usize {
        self.open.len() + self.opening.len()
    }

    fn accept(&mut self) {
        loop {
            match self.listener.accept() {
                Ok((stream, addr)) => self.admit(stream, addr),
                Err(e) if e.kind() == ErrorKind::WouldBlock => return,
                Err(e) => {
                    self.log
                        .warn("accept", self.now, &format!("WebSocket accept: {e}"));
                    return;
                }
            }
        }
    }

    fn admit(&mut self, stream: TcpStream, addr: SocketAddr) {
        let taken = self.connections();
        if taken >= self.config.max_connections + REFUSALS || stream.set_nonblocking(true).is_err()
        {
            return;
        }
        let _ = stream.set_nodelay(true);
        let full = taken >= self.config.max_connections;
        if full {
            let line = format!("WebSocket connection from {addr} refused: the server is full");
            self.log.info("full", self.now, &line);
        }
        let config = Some(ws_config(MAX_MESSAGE_TO_HOST));
        let step = match tungstenite::accept_hdr_with_config(stream, Gate { full }, config) {
            Ok(ws) => self.challenge(ws),
            Err(HandshakeError::Interrupted(mid)) => Step::Wait(Stage::Upgrade(mid)),
            Err(HandshakeError::Failure(e)) => self.not_websocket(addr, &e),
        };
        if let Step::Wait(stage) = step {
            let deadline = self.now + self.config.handshake_timeout;
            self.opening.push(Opening {
                stage,
                addr,
                deadline,
            });
        }
    }

    fn not_websocket(&mut self, addr: SocketAddr, e: &tungstenite::Error) -> Step {
        if !matches!(e, tungstenite::Error::Http(_)) {
            self.garbage += 1;
            let line = format!("not a WebSocket upgrade from {addr}: {e}");
            self.log.debug("upgrade", self.now, &line);
        }
        Step::Gone
    }

    fn challenge(&mut self, ws: WebSocket<TcpStream>) -> Step {
        let mut link = Link::new(ws, RELIABLE_BYTES_TO_CLIENT);
        let mut nonce = [0u8; 16];
        nonce[..8].copy_from_slice(&random_u64().to_le_bytes());
        nonce[8..].copy_from_slice(&random_u64().to_le_bytes());
        let challenge = Challenge {
            protocol_id: self.config.protocol_id,
            nonce,
            code_required: self.config.code.is_some(),
        };
        match link.send_opening(challenge.encode()) {
            Ok(()) => Step::Wait(Stage::Challenged(link, challenge)),
            Err(_) => Step::Gone,
        }
    }

    fn advance_opening(&mut self) {
        for opening in std::mem::take(&mut self.opening) {
            if self.now >= opening.deadline {
                let line = format!(
                    "WebSocket connection from {} dropped: no handshake within {:?}",
                    opening.addr, self.config.handshake_timeout
                );
                self.log.debug("handshake timeout", self.now, &line);
                continue;
            }
            let addr = opening.addr;
            match self.advance(opening.stage, addr) {
                Step::Wait(stage) => self.opening.push(Opening { stage, ..opening }),
                Step::Open(link) => {
                    let conn = self.next_conn;
                    self.next_conn += 1;
                    self.open.insert(conn, Open { link, addr });
                    self.events.push_back(HostEvent::Connected(conn));
                }
                Step::Gone => {}
            }
        }
    }

    fn advance(&mut self, stage: Stage, addr: SocketAddr) -> Step {
        match stage {
            Stage::Upgrade(mid) => match mid.handshake() {
                Ok(ws) => self.challenge(ws),
                Err(HandshakeError::Interrupted(mid)) => Step::Wait(Stage::Upgrade(mid)),
                Err(HandshakeError::Failure(e)) => self.not_websocket(addr, &e),
            },
            Stage::Challenged(mut link, challenge) => match link.read() {
                Ok(None) => Step::Wait(Stage::Challenged(link, challenge)),
                Ok(Some(Read::Opening(bytes))) => self.verify(link, &challenge, &bytes, addr),
                Ok(Some(Read::Message(..))) => {
                    self.refuse(link, close::HANDSHAKE, "a message before the handshake");
                    Step::Gone
                }
                Err(_) => Step::Gone,
            },
        }
    }

    /// Opens the connection if `bytes` answers `challenge`, or refuses it.
    fn verify(
        &mut self,
        mut link: Link,
        challenge: &Challenge,
        bytes: &[u8],
        addr: SocketAddr,
    ) -> Step {
        let refusal = match Answer::decode(bytes) {
            None => Some((close::HANDSHAKE, "not a Tickline client")),
            Some(a) if a.protocol_id != self.config.protocol_id => {
                Some((close::PROTOCOL, "another game or another version of it"))
            }
            Some(a) => match &self.config.code {
                Some(code) if !auth::proofs_match(&a.proof, &auth::proof(code, challenge)) => {
                    Some((close::CODE, "the room code is wrong"))
                }
                _ => None,
            },
        };
        if let Some((code, why)) = refusal {
            let line = format!("WebSocket connection from {addr} refused: {why}");
            self.log.info("refused", self.now, &line);
            self.refuse(link, code, why);
            return Step::Gone;
        }
        match link.send_opening(auth::welcome()) {
            Ok(()) => Step::Open(link),
            Err(_) => Step::Gone,
        }
    }

    fn refuse(&mut self, mut link: Link, code: u16, why: &str) {
        link.close(code, why);
        self.closing.push((link, self.now + LINGER));
    }

    fn read_open(&mut self) {
        let mut ended = Vec::new();
        for (&conn, open) in &mut self.open {
            if let Err(e) = read_into(&mut self.events, conn, &mut open.link) {
                ended.push((conn, e));
                continue;
            }
            // A long message being written goes on between the session's flushes.
            if open.link.writing()
                && let Err(e) = open.link.pump()
            {
                ended.push((conn, e));
            }
        }
        for (conn, why) in ended {
            self.end(conn, why);
        }
    }

    /// Ends an open connection for `why` and reports it.
    fn end(&mut self, conn: ConnId, why: Ended) {
        let Some(mut open) = self.open.remove(&conn) else {
            return;
        };
        if let Ended::Violation(reason) = &why {
            self.garbage += 1;
            let line = format!("WebSocket connection {conn} ({}): {reason}", open.addr);
            self.log.info("violation", self.now, &line);
            open.link.close(close::VIOLATION, reason);
            self.closing.push((open.link, self.now + LINGER));
        }
        self.events
            .push_back(HostEvent::Disconnected(conn, why.reason()));
    }
}

/// Reads what arrived on `link` into `events`, up to [`READS_PER_UPDATE`].
fn read_into(events: &mut VecDeque<HostEvent>, conn: ConnId, link: &mut Link) -> Result<(), Ended> {
    for _ in 0..READS_PER_UPDATE {
        match link.read()? {
            None => return Ok(()),
            Some(Read::Message(channel, bytes)) => {
                events.push_back(HostEvent::Message(conn, channel, bytes));
            }
            Some(Read::Opening(_)) => {
                return Err(Ended::Violation(
                    "an opening message on an open connection".into(),
                ));
            }
        }
    }
    Ok(())
}

impl HostTransport for WsHostTransport {
    fn update(&mut self, now: Duration) -> Result<(), TransportError> {
        self.now = now;
        self.accept();
        self.advance_opening();
        self.read_open();
        self.closing
            .retain_mut(|(link, until)| now < *until && !link.closing());
        Ok(())
    }

    fn poll(&mut self) -> Option<HostEvent> {
        self.events.pop_front()
    }

    fn send(&mut self, conn: ConnId, channel: Channel, bytes: Vec<u8>) -> Result<(), SendError> {
        let open = self.open.get_mut(&conn).ok_or(SendError::NotConnected)?;
        open.link.send(channel, bytes)
    }

    fn disconnect(&mut self, conn: ConnId) {
        if let Some(open) = self.open.remove(&conn) {
            self.refuse(open.link, 1000, "disconnected by the host");
            self.events.push_back(HostEvent::Disconnected(
                conn,
                "disconnected by the host".into(),
            ));
        }
    }

    fn flush(&mut self) {
        let conns: Vec<ConnId> = self.open.keys().copied().collect();
        self.flush_conns(&conns);
    }

    fn flush_conns(&mut self, conns: &[ConnId]) {
        for &conn in conns {
            let Some(open) = self.open.get_mut(&conn) else {
                continue;
            };
            if let Err(e) = open.link.pump() {
                self.end(conn, e);
            }
        }
    }

    fn garbage(&self) -> u64 {
        self.garbage
    }

    fn peer_addr(&self, conn: ConnId) -> Option<SocketAddr> {
        self.open.get(&conn).map(|o| o.addr)
    }
}
