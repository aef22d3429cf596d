//! The client end of the WebSocket transport: connect, upgrade, answer the
//! host's challenge, then carry messages; a new connection on `reconnect`.

use std::collections::VecDeque;
use std::net::TcpStream;
use std::time::Duration;

use crossbeam_channel::{Receiver, TryRecvError, bounded};
use tungstenite::WebSocket;
use tungstenite::handshake::client::{ClientHandshake, Response};
use tungstenite::handshake::{HandshakeError, MidHandshake};

use super::auth::{self, Answer, Challenge, close};
use super::host::ws_config;
use super::link::{Ended, Link, Read};
use super::{LINGER, WS_HANDSHAKE_TIMEOUT};
use crate::transport::{
    Channel, ClientEvent, ClientTransport, DisconnectReason, JoinCode, MAX_MESSAGE_TO_CLIENT,
    RELIABLE_BYTES_TO_HOST, SendError, TransportError, resolve,
};

/// Where and how a WebSocket client connects.
#[derive(Clone, Debug)]
pub struct WsClientConfig {
    /// The host's URL, `ws://HOST:PORT[/PATH]`.
    pub url: String,
    /// The game and version the host must run.
    pub protocol_id: u64,
    /// The room code, if the host needs one.
    pub code: Option<JoinCode>,
    /// How long a connection may take from TCP connect to open.
    pub handshake_timeout: Duration,
}

impl WsClientConfig {
    /// A client of `protocol_id` for the host at `url` (`ws://HOST:PORT`,
    /// with an optional path), without a code.
    ///
    /// # Errors
    ///
    /// [`TransportError::Connect`] with one line if `url` is not such a URL.
    pub fn new(url: &str, protocol_id: u64) -> Result<Self, TransportError> {
        authority(url)?;
        Ok(WsClientConfig {
            url: url.trim().to_string(),
            protocol_id,
            code: None,
            handshake_timeout: WS_HANDSHAKE_TIMEOUT,
        })
    }

    /// The same, proving `code` to the host.
    pub fn with_code(self, code: JoinCode) -> Self {
        WsClientConfig {
            code: Some(code),
            ..self
        }
    }
}

/// `HOST:PORT` of a `ws://` URL.
fn authority(url: &str) -> Result<&str, TransportError> {
    let url = url.trim();
    if url.starts_with("wss://") {
        return Err(TransportError::Connect(format!(
            "{url}: wss:// (TLS) is not supported; connect with ws://"
        )));
    }
    let rest = url.strip_prefix("ws://").ok_or_else(|| {
        TransportError::Connect(format!("{url} is not a WebSocket URL (ws://HOST:PORT)"))
    })?;
    let authority = rest.split('/').next().unwrap_or_default();
    let has_port = authority
        .rsplit_once(':')
        .is_some_and(|(host, port)| !host.is_empty() && port.parse::<u16>().is_ok());
    if !has_port {
        return Err(TransportError::Connect(format!(
            "{url}: a WebSocket URL needs a host and a port (ws://HOST:PORT)"
        )));
    }
    Ok(authority)
}

type Upgrade = MidHandshake<ClientHandshake<TcpStream>>;
type Upgraded = HandshakeError<ClientHandshake<TcpStream>>;

/// Where the connection is.
enum State {
    /// No connection (before `reconnect`, or after it ended).
    Idle,
    /// A helper thread resolves the host and connects (std's connect blocks).
    Connecting(Receiver<std::io::Result<TcpStream>>),
    Upgrading(Upgrade),
    /// Upgraded; the challenge (then, once answered, the welcome) is awaited.
    Opening {
        link: Link,
        answered: bool,
    },
    Open(Link),
}

/// The client end of the WebSocket transport.
pub struct WsClientTransport {
    config: WsClientConfig,
    state: State,
    /// When the connection under way must be open.
    deadline: Option<Duration>,
    closing: Option<(Link, Duration)>,
    events: VecDeque<ClientEvent>,
    now: Duration,
}

impl std::fmt::Debug for WsClientTransport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "WsClientTransport({})", self.config.url)
    }
}

impl WsClientTransport {
    /// Starts connecting to the host.
    ///
    /// # Errors
    ///
    /// [`TransportError::Connect`] if the URL is not a `ws://` URL with a port.
    pub fn connect(config: WsClientConfig) -> Result<Self, TransportError> {
        authority(&config.url)?;
        let mut client = WsClientTransport {
            config,
            state: State::Idle,
            deadline: None,
            closing: None,
            events: VecDeque::new(),
            now: Duration::ZERO,
        };
        client.start()?;
        Ok(client)
    }

    fn start(&mut self) -> Result<(), TransportError> {
        let authority = authority(&self.config.url)?.to_string();
        let timeout = self.config.handshake_timeout;
        let (tx, rx) = bounded(1);
        std::thread::Builder::new()
            .name("tickline-ws-connect".into())
            .spawn(move || {
                let stream = resolve(&authority)
                    .map_err(std::io::Error::other)
                    .and_then(|addr| TcpStream::connect_timeout(&addr, timeout));
                let _ = tx.send(stream);
            })?;
        self.state = State::Connecting(rx);
        self.deadline = None;
        Ok(())
    }

    /// Ends the connection under way with `why`.
    fn fail(&mut self, why: DisconnectReason) -> State {
        self.events.push_back(ClientEvent::Disconnected(why));
        State::Idle
    }

    fn fail_with(&mut self, why: String) -> State {
        self.fail(DisconnectReason::Other(why))
    }

    fn step(&mut self, state: State) -> State {
        match state {
            State::Idle => State::Idle,
            State::Connecting(rx) => match rx.try_recv() {
                Ok(Ok(stream)) => self.upgrade(stream),
                Ok(Err(e)) => {
                    let why = format!("cannot reach the host at {}: {e}", self.config.url);
                    self.fail_with(why)
                }
                Err(TryRecvError::Empty) => State::Connecting(rx),
                Err(TryRecvError::Disconnected) => self.fail_with("the connect thread died".into()),
            },
            State::Upgrading(mid) => self.upgraded(mid.handshake()),
            State::Opening { link, answered } => self.opening(link, answered),
            State::Open(link) => self.read_open(link),
        }
    }

    fn upgrade(&mut self, stream: TcpStream) -> State {
        if let Err(e) = stream.set_nonblocking(true) {
            return self.fail_with(format!("socket error: {e}"));
        }
        let _ = stream.set_nodelay(true);
        let config = Some(ws_config(MAX_MESSAGE_TO_CLIENT));
        let result =
            tungstenite::client::client_with_config(self.config.url.as_str(), stream, config);
        self.upgraded(result)
    }

    fn upgraded(&mut self, result: Result<(WebSocket<TcpStream>, Response), Upgraded>) -> State {
        match result {
            Ok((ws, _)) => State::Opening {
                link: Link::new(ws, RELIABLE_BYTES_TO_HOST),
                answered: false,
            },
            Err(HandshakeError::Interrupted(mid)) => State::Upgrading(mid),
            Err(HandshakeError::Failure(tungstenite::Error::Http(response)))
                if response.status() == tungstenite::http::StatusCode::SERVICE_UNAVAILABLE =>
            {
                self.fail(DisconnectReason::ServerFull)
            }
            Err(HandshakeError::Failure(e)) => {
                let why = format!("{} is not a Tickline WebSocket host: {e}", self.config.url);
                self.fail_with(why)
            }
        }
    }

    fn opening(&mut self, mut link: Link, answered: bool) -> State {
        let bytes = match link.read() {
            Ok(None) => return State::Opening { link, answered },
            Ok(Some(Read::Opening(bytes))) => bytes,
            Ok(Some(Read::Message(..))) => {
                link.close(close::HANDSHAKE, "a message before the handshake");
                return self.fail_with("the host broke the WebSocket handshake".into());
            }
            Err(Ended::Closed(Some((_, why)))) => {
                return self.fail_with(format!("the host refused the connection: {why}"));
            }
            Err(e) => return self.fail_with(e.reason()),
        };
        if answered {
            if auth::is_welcome(&bytes) {
                self.events.push_back(ClientEvent::Connected);
                return State::Open(link);
            }
            return self.fail_with("the host broke the WebSocket handshake".into());
        }
        self.answer(link, &bytes)
    }

    fn answer(&mut self, mut link: Link, bytes: &[u8]) -> State {
        let Some(challenge) = Challenge::decode(bytes) else {
            return self.fail_with(format!("{} is not a Tickline host", self.config.url));
        };
        if challenge.protocol_id != self.config.protocol_id {
            let why = "the host runs another game or another version of it";
            return self.fail_with(why.into());
        }
        if challenge.code_required && self.config.code.is_none() {
            return self.fail_with("the host needs a room code".into());
        }
        let answer = Answer::to(
            &challenge,
            self.config.protocol_id,
            self.config.code.as_ref(),
        );
        match link.send_opening(answer.encode()) {
            Ok(()) => State::Opening {
                link,
                answered: true,
            },
            Err(e) => self.fail_with(e.reason()),
        }
    }

    fn read_open(&mut self, mut link: Link) -> State {
        loop {
            match link.read() {
                Ok(None) => break,
                Ok(Some(Read::Message(channel, bytes))) => {
                    self.events.push_back(ClientEvent::Message(channel, bytes));
                }
                Ok(Some(Read::Opening(_))) => {
                    let why = "an opening message on an open connection";
                    return self.violation(link, why.into());
                }
                Err(Ended::Violation(why)) => return self.violation(link, why),
                Err(Ended::Closed(Some((_, why)))) if !why.is_empty() => {
                    return self.fail_with(format!("the host closed the connection: {why}"));
                }
                Err(Ended::Closed(_)) => {
                    return self.fail_with("the host closed the connection".into());
                }
                Err(e) => return self.fail_with(e.reason()),
            }
        }
        if link.writing()
            && let Err(e) = link.pump()
        {
            return self.fail_with(e.reason());
        }
        State::Open(link)
    }

    fn violation(&mut self, mut link: Link, why: String) -> State {
        link.close(close::VIOLATION, &why);
        self.closing = Some((link, self.now + LINGER));
        self.fail_with(format!(
            "the host broke the WebSocket transport's rules: {why}"
        ))
    }
}

impl ClientTransport for WsClientTransport {
    fn update(&mut self, now: Duration) -> Result<(), TransportError> {
        self.now = now;
        if let Some((link, until)) = &mut self.closing
            && (now >= *until || link.closing())
        {
            self.closing = None;
        }
        let state = std::mem::replace(&mut self.state, State::Idle);
        let deadline = *self
            .deadline
            .get_or_insert(now + self.config.handshake_timeout);
        self.state = match state {
            State::Idle | State::Open(_) => self.step(state),
            opening if now >= deadline => {
                drop(opening);
                let why = format!(
                    "no connection to {} within {:?}",
                    self.config.url, self.config.handshake_timeout
                );
                self.fail_with(why)
            }
            opening => self.step(opening),
        };
        Ok(())
    }

    fn poll(&mut self) -> Option<ClientEvent> {
        self.events.pop_front()
    }

    fn send(&mut self, channel: Channel, bytes: Vec<u8>) -> Result<(), SendError> {
        match &mut self.state {
            State::Open(link) => link.send(channel, bytes),
            _ => Err(SendError::NotConnected),
        }
    }

    fn disconnect(&mut self) {
        if let State::Open(mut link) = std::mem::replace(&mut self.state, State::Idle) {
            link.close(1000, "the client disconnected");
            self.closing = Some((link, self.now + LINGER));
        }
    }

    fn reconnect(&mut self, now: Duration) -> Result<(), TransportError> {
        self.now = now;
        self.disconnect();
        self.start()
    }

    fn flush(&mut self) {
        if let State::Open(link) = &mut self.state
            && let Err(e) = link.pump()
        {
            self.state = self.fail_with(e.reason());
        }
    }
}
