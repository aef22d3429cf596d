//! UDP transport: renet 2 with renet_netcode, in unsecure (LAN, protocol id only)
//! or secure (connect tokens signed with a private key) mode.

use std::collections::VecDeque;
use std::hash::{BuildHasher, Hasher};
use std::net::{SocketAddr, UdpSocket};
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use renet::{ChannelConfig, ConnectionConfig, RenetClient, RenetServer, SendType, ServerEvent};
use renet_netcode::{
    ClientAuthentication, ConnectToken, NetcodeClientTransport, NetcodeServerTransport,
    ServerAuthentication, ServerConfig,
};

use super::{
    Channel, ClientEvent, ClientTransport, ConnId, HostEvent, HostTransport, TransportError,
};

pub(crate) const RELIABLE: u8 = 0;
pub(crate) const UNRELIABLE: u8 = 1;

/// The renet channels Tickline uses, on both sides.
pub(crate) fn connection_config() -> ConnectionConfig {
    let channels = vec![
        ChannelConfig {
            channel_id: RELIABLE,
            max_memory_usage_bytes: 16 << 20,
            send_type: SendType::ReliableOrdered {
                resend_time: Duration::from_millis(100),
            },
        },
        ChannelConfig {
            channel_id: UNRELIABLE,
            max_memory_usage_bytes: 4 << 20,
            send_type: SendType::Unreliable,
        },
    ];
    ConnectionConfig {
        available_bytes_per_tick: 120_000,
        server_channels_config: channels.clone(),
        client_channels_config: channels,
    }
}

pub(crate) fn channel_id(channel: Channel) -> u8 {
    match channel {
        Channel::Reliable => RELIABLE,
        Channel::Unreliable => UNRELIABLE,
    }
}

pub(crate) fn wall_clock() -> Duration {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default()
}

/// A random id (for netcode client ids), from the process's hasher keys.
pub(crate) fn random_u64() -> u64 {
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u128(wall_clock().as_nanos());
    h.finish()
}

/// How connections are authenticated.
#[derive(Clone)]
pub enum RenetSecurity {
    /// Anyone who knows the protocol id may connect (LAN play).
    Unsecure,
    /// Clients need a connect token signed with this key.
    Secure {
        /// The key shared by the host and whatever issues tokens.
        private_key: [u8; 32],
    },
}

impl std::fmt::Debug for RenetSecurity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            RenetSecurity::Unsecure => "Unsecure",
            RenetSecurity::Secure { .. } => "Secure { .. }",
        })
    }
}

/// Where and how a host listens.
#[derive(Clone, Debug)]
pub struct RenetHostConfig {
    /// Address to bind (port 0 picks a free port).
    pub bind: SocketAddr,
    /// Address clients use to reach the host (put in connect tokens); the bound
    /// address when `None`.
    pub public_addr: Option<SocketAddr>,
    /// Identifies the game and its version; clients with another id are refused.
    pub protocol_id: u64,
    /// Most simultaneous clients (at most 1024).
    pub max_clients: usize,
    /// Authentication mode.
    pub security: RenetSecurity,
}

/// The host end over UDP.
pub struct RenetHostTransport {
    server: RenetServer,
    transport: NetcodeServerTransport,
    addr: SocketAddr,
    last: Option<Duration>,
    events: VecDeque<HostEvent>,
}

impl std::fmt::Debug for RenetHostTransport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "RenetHostTransport({})", self.addr)
    }
}

impl RenetHostTransport {
    /// Binds the socket.
    ///
    /// # Errors
    ///
    /// [`TransportError::Io`] when the address cannot be bound (e.g. in use).
    pub fn bind(config: &RenetHostConfig) -> Result<Self, TransportError> {
        let (server_config, socket, addr) = server_setup(config)?;
        let transport = NetcodeServerTransport::new(server_config, socket)?;
        Ok(RenetHostTransport {
            server: RenetServer::new(connection_config()),
            transport,
            addr,
            last: None,
            events: VecDeque::new(),
        })
    }

    /// The bound address (with the port chosen when binding port 0).
    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }
}

impl HostTransport for RenetHostTransport {
    fn update(&mut self, now: Duration) -> Result<(), TransportError> {
        let dt = now.saturating_sub(self.last.unwrap_or(now));
        self.last = Some(now);
        self.server.update(dt);
        self.transport
            .update(dt, &mut self.server)
            .map_err(|e| TransportError::Protocol(e.to_string()))?;
        while let Some(event) = self.server.get_event() {
            self.events.push_back(match event {
                ServerEvent::ClientConnected { client_id } => HostEvent::Connected(client_id),
                ServerEvent::ClientDisconnected { client_id, reason } => {
                    HostEvent::Disconnected(client_id, reason.to_string())
                }
            });
        }
        for client in self.server.clients_id() {
            for (channel, id) in [
                (Channel::Reliable, RELIABLE),
                (Channel::Unreliable, UNRELIABLE),
            ] {
                while let Some(bytes) = self.server.receive_message(client, id) {
                    self.events
                        .push_back(HostEvent::Message(client, channel, bytes.to_vec()));
                }
            }
        }
        Ok(())
    }

    fn poll(&mut self) -> Option<HostEvent> {
        self.events.pop_front()
    }

    fn send(&mut self, conn: ConnId, channel: Channel, bytes: Vec<u8>) {
        let id = channel_id(channel);
        if self.server.is_connected(conn) && self.server.can_send_message(conn, id, bytes.len()) {
            self.server.send_message(conn, id, bytes);
        }
    }

    fn disconnect(&mut self, conn: ConnId) {
        self.server.disconnect(conn);
    }

    fn flush(&mut self) {
        self.transport.send_packets(&mut self.server);
    }
}

/// Makes a connect token for a client id (secure mode).
pub type TokenSource = Arc<dyn Fn(u64) -> Result<ConnectToken, TransportError> + Send + Sync>;

/// Where and how a client connects.
#[derive(Clone)]
pub struct RenetClientConfig {
    /// The host's address.
    pub server: SocketAddr,
    /// Must match the host's.
    pub protocol_id: u64,
    /// `None` for unsecure mode; otherwise issues a token for each (re)connection.
    pub tokens: Option<TokenSource>,
}

impl std::fmt::Debug for RenetClientConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "RenetClientConfig({}, secure: {})",
            self.server,
            self.tokens.is_some()
        )
    }
}

impl RenetClientConfig {
    /// Unsecure mode (LAN).
    pub fn unsecure(server: SocketAddr, protocol_id: u64) -> Self {
        RenetClientConfig {
            server,
            protocol_id,
            tokens: None,
        }
    }

    /// Secure mode with tokens signed locally with `private_key` (for trusted
    /// setups and tests; a public service issues tokens from its backend instead).
    pub fn secure_with_key(server: SocketAddr, protocol_id: u64, private_key: [u8; 32]) -> Self {
        let source: TokenSource = Arc::new(move |client_id| {
            ConnectToken::generate(
                wall_clock(),
                protocol_id,
                300,
                client_id,
                15,
                vec![server],
                None,
                &private_key,
            )
            .map_err(|e| TransportError::Connect(e.to_string()))
        });
        RenetClientConfig {
            server,
            protocol_id,
            tokens: Some(source),
        }
    }
}

struct Connection {
    client: RenetClient,
    transport: NetcodeClientTransport,
    connected: bool,
    ended: bool,
}

/// A client end over UDP.
pub struct RenetClientTransport {
    config: RenetClientConfig,
    conn: Option<Connection>,
    last: Option<Duration>,
    events: VecDeque<ClientEvent>,
}

impl std::fmt::Debug for RenetClientTransport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "RenetClientTransport({:?})", self.config)
    }
}

impl RenetClientTransport {
    /// Starts connecting to the host.
    ///
    /// # Errors
    ///
    /// [`TransportError`] if no socket can be bound or no token issued.
    pub fn connect(config: RenetClientConfig) -> Result<Self, TransportError> {
        let mut this = RenetClientTransport {
            config,
            conn: None,
            last: None,
            events: VecDeque::new(),
        };
        this.open()?;
        Ok(this)
    }

    fn open(&mut self) -> Result<(), TransportError> {
        let transport = open_netcode(&self.config)?;
        self.conn = Some(Connection {
            client: RenetClient::new(connection_config()),
            transport,
            connected: false,
            ended: false,
        });
        Ok(())
    }
}

/// A netcode client transport on a fresh socket with a fresh client id.
pub(crate) fn open_netcode(
    config: &RenetClientConfig,
) -> Result<NetcodeClientTransport, TransportError> {
    let bind: SocketAddr = match (config.server.ip().is_loopback(), config.server.is_ipv4()) {
        (true, true) => "127.0.0.1:0",
        (true, false) => "[::1]:0",
        (false, true) => "0.0.0.0:0",
        (false, false) => "[::]:0",
    }
    .parse()
    .map_err(|e: std::net::AddrParseError| TransportError::Connect(e.to_string()))?;
    let socket = UdpSocket::bind(bind)?;
    let client_id = random_u64();
    let authentication = match &config.tokens {
        None => ClientAuthentication::Unsecure {
            protocol_id: config.protocol_id,
            client_id,
            server_addr: config.server,
            user_data: None,
        },
        Some(source) => ClientAuthentication::Secure {
            connect_token: source(client_id)?,
        },
    };
    NetcodeClientTransport::new(wall_clock(), authentication, socket)
        .map_err(|e| TransportError::Connect(e.to_string()))
}

/// The netcode server settings for a host configuration, with its bound socket.
pub(crate) fn server_setup(
    config: &RenetHostConfig,
) -> Result<(ServerConfig, UdpSocket, SocketAddr), TransportError> {
    let socket = UdpSocket::bind(config.bind)?;
    let addr = socket.local_addr()?;
    let authentication = match &config.security {
        RenetSecurity::Unsecure => ServerAuthentication::Unsecure,
        RenetSecurity::Secure { private_key } => ServerAuthentication::Secure {
            private_key: *private_key,
        },
    };
    let server_config = ServerConfig {
        current_time: wall_clock(),
        max_clients: config.max_clients.min(1024),
        protocol_id: config.protocol_id,
        public_addresses: vec![config.public_addr.unwrap_or(addr)],
        authentication,
    };
    Ok((server_config, socket, addr))
}

impl ClientTransport for RenetClientTransport {
    fn update(&mut self, now: Duration) -> Result<(), TransportError> {
        let dt = now.saturating_sub(self.last.unwrap_or(now));
        self.last = Some(now);
        let Some(conn) = self.conn.as_mut().filter(|c| !c.ended) else {
            return Ok(());
        };
        conn.client.update(dt);
        if let Err(e) = conn.transport.update(dt, &mut conn.client) {
            conn.ended = true;
            self.events
                .push_back(ClientEvent::Disconnected(e.to_string()));
            return Ok(());
        }
        if conn.client.is_connected() && !conn.connected {
            conn.connected = true;
            self.events.push_back(ClientEvent::Connected);
        }
        for (channel, id) in [
            (Channel::Reliable, RELIABLE),
            (Channel::Unreliable, UNRELIABLE),
        ] {
            while let Some(bytes) = conn.client.receive_message(id) {
                self.events
                    .push_back(ClientEvent::Message(channel, bytes.to_vec()));
            }
        }
        Ok(())
    }

    fn poll(&mut self) -> Option<ClientEvent> {
        self.events.pop_front()
    }

    fn send(&mut self, channel: Channel, bytes: Vec<u8>) {
        let id = channel_id(channel);
        if let Some(conn) = self.conn.as_mut().filter(|c| c.connected && !c.ended)
            && conn.client.can_send_message(id, bytes.len())
        {
            conn.client.send_message(id, bytes);
        }
    }

    fn disconnect(&mut self) {
        if let Some(mut conn) = self.conn.take() {
            conn.transport.disconnect();
        }
    }

    fn reconnect(&mut self, _now: Duration) -> Result<(), TransportError> {
        self.disconnect();
        self.open()
    }

    fn flush(&mut self) {
        if let Some(conn) = self.conn.as_mut().filter(|c| !c.ended)
            && let Err(e) = conn.transport.send_packets(&mut conn.client)
        {
            conn.ended = true;
            self.events
                .push_back(ClientEvent::Disconnected(e.to_string()));
        }
    }
}
