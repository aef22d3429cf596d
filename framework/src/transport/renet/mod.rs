//! UDP transport: renet 2's channels (reliable and unreliable messages, slicing,
//! acknowledgements) over netcode (renetcode: connection tokens, encryption, keep
//! alive), with one change to how they meet: every renet packet due in a flush is
//! coalesced into as few datagrams as fit ([`wire`]), so renet's acknowledgements
//! ride along with the data instead of costing a datagram of their own.
//!
//! Security: [`RenetSecurity::Unsecure`] (anyone who knows the protocol id may
//! connect), [`RenetSecurity::Secure`] (connect tokens signed with a private key)
//! and its LAN form, a [`JoinCode`] both sides derive the key from.

mod client;
mod host;
mod standby;
mod wire;

use std::net::{SocketAddr, UdpSocket};
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use renet::{ChannelConfig, ConnectionConfig, SendType};
use renetcode::{
    ClientAuthentication, ConnectToken, NetcodeClient, ServerAuthentication, ServerConfig,
};

use super::{Channel, TransportError};
use super::{RELIABLE_BYTES_TO_CLIENT, RELIABLE_BYTES_TO_HOST, UNRELIABLE_BYTES};
use crate::model::{Game, GameIdentity, SchemaError};

use super::JoinCode;
pub use client::RenetClientTransport;
pub use host::{RenetHostTransport, TransportStats};
pub use standby::RenetStandby;

pub(crate) const RELIABLE: u8 = 0;
pub(crate) const UNRELIABLE: u8 = 1;

/// The renet channels Tickline uses, on both sides.
///
/// The host's reliable channel holds two of the largest messages the protocol lets
/// a host send ([`MAX_MESSAGE_TO_CLIENT`](super::MAX_MESSAGE_TO_CLIENT): a Welcome and a Heal at once); the client's
/// holds many of the largest a client may send. A message that still does not fit
/// ends its connection with a reason (never a silent drop).
pub(crate) fn connection_config() -> ConnectionConfig {
    let channels = |reliable_bytes: usize| {
        vec![
            ChannelConfig {
                channel_id: RELIABLE,
                max_memory_usage_bytes: reliable_bytes,
                send_type: SendType::ReliableOrdered {
                    resend_time: Duration::from_millis(100),
                },
            },
            ChannelConfig {
                channel_id: UNRELIABLE,
                max_memory_usage_bytes: UNRELIABLE_BYTES,
                send_type: SendType::Unreliable,
            },
        ]
    };
    ConnectionConfig {
        available_bytes_per_tick: BYTES_PER_FLUSH,
        server_channels_config: channels(HOST_RELIABLE_BYTES),
        client_channels_config: channels(CLIENT_RELIABLE_BYTES),
    }
}

/// Capacity of the host's reliable channel: a Welcome and a Heal of the largest size.
pub(crate) const HOST_RELIABLE_BYTES: usize = RELIABLE_BYTES_TO_CLIENT;
/// Capacity of a client's reliable channel.
pub(crate) const CLIENT_RELIABLE_BYTES: usize = RELIABLE_BYTES_TO_HOST;

/// Most bytes renet hands out per flush. A bulk transfer such as a 10 MB Welcome
/// spreads over many flushes (see [`BULK_BYTES`]); each burst must fit the
/// receiver's socket buffer (about 200 kB by default on Linux), or its tail, where
/// renet puts small reliable messages, is lost again and again.
const BYTES_PER_FLUSH: u64 = 48 * 1024;

/// While more reliable bytes than this are in flight on a connection, the
/// transport flushes on every `update` instead of waiting for the session's next
/// tick, so that a snapshot arrives in a fraction of a second.
pub(crate) const BULK_BYTES: usize = 16 * 1024;

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

pub(crate) use super::random_u64;

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

impl RenetSecurity {
    /// Secure mode keyed by a join code: only clients that know the code can
    /// connect or hold a slot.
    pub fn code(code: &JoinCode) -> Self {
        RenetSecurity::Secure {
            private_key: code.key(),
        }
    }
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
    /// Address clients use to reach the host (put in connect tokens). When
    /// `None`: the bound address, or, bound to an unspecified address
    /// (`0.0.0.0`), every address of that family this machine's interfaces have
    /// when it starts, so that a client may dial any of them (a LAN peer, this
    /// machine's loopback). Set it behind NAT or a port forward.
    pub public_addr: Option<SocketAddr>,
    /// Identifies the game and its version; clients with another id are refused.
    pub protocol_id: u64,
    /// Most simultaneous clients (at most 1024).
    pub max_clients: usize,
    /// Authentication mode.
    pub security: RenetSecurity,
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

impl RenetHostConfig {
    /// A host of the game `G` on `bind` (port 0 picks a free port), with its
    /// protocol id derived from the game's id and schema hash, at most
    /// `max_clients` clients, and `security`.
    ///
    /// # Errors
    ///
    /// [`SchemaError`] when the game's schema cannot be derived.
    pub fn for_game<G: Game>(
        bind: SocketAddr,
        max_clients: usize,
        security: RenetSecurity,
    ) -> Result<Self, SchemaError> {
        Ok(RenetHostConfig {
            bind,
            public_addr: None,
            protocol_id: GameIdentity::of::<G>()?.protocol_id(),
            max_clients,
            security,
        })
    }
}

impl RenetClientConfig {
    /// A client of the game `G` (its protocol id derived from its id and schema
    /// hash) of the host at `server`: secure with the host's join code, or
    /// unsecure without one.
    ///
    /// # Errors
    ///
    /// [`SchemaError`] when the game's schema cannot be derived.
    pub fn for_game<G: Game>(
        server: SocketAddr,
        code: Option<&JoinCode>,
    ) -> Result<Self, SchemaError> {
        let protocol_id = GameIdentity::of::<G>()?.protocol_id();
        Ok(match code {
            Some(code) => Self::with_code(server, protocol_id, code),
            None => Self::unsecure(server, protocol_id),
        })
    }

    /// Unsecure mode (LAN).
    pub fn unsecure(server: SocketAddr, protocol_id: u64) -> Self {
        RenetClientConfig {
            server,
            protocol_id,
            tokens: None,
        }
    }

    /// Secure mode for a host that printed a join code (LAN play).
    pub fn with_code(server: SocketAddr, protocol_id: u64, code: &JoinCode) -> Self {
        Self::secure_with_key(server, protocol_id, code.key())
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

/// A netcode client on a fresh socket with a fresh client id.
pub(crate) fn open_netcode(
    config: &RenetClientConfig,
) -> Result<(NetcodeClient, UdpSocket), TransportError> {
    let bind: SocketAddr = match (config.server.ip().is_loopback(), config.server.is_ipv4()) {
        (true, true) => "127.0.0.1:0",
        (true, false) => "[::1]:0",
        (false, true) => "0.0.0.0:0",
        (false, false) => "[::]:0",
    }
    .parse()
    .map_err(|e: std::net::AddrParseError| TransportError::Connect(e.to_string()))?;
    let socket = UdpSocket::bind(bind)?;
    socket.set_nonblocking(true)?;
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
    let client = NetcodeClient::new(wall_clock(), authentication)
        .map_err(|e| TransportError::Connect(e.to_string()))?;
    Ok((client, socket))
}

/// The netcode server settings for a host configuration on its bound socket.
pub(crate) fn server_setup(
    config: &RenetHostConfig,
    socket: UdpSocket,
) -> Result<(ServerConfig, UdpSocket, SocketAddr), TransportError> {
    socket.set_nonblocking(true)?;
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
        public_addresses: match config.public_addr {
            Some(public) => vec![public],
            None => reachable_at(addr),
        },
        authentication,
    };
    Ok((server_config, socket, addr))
}

/// The addresses clients may dial to reach a socket bound to `bound`: itself,
/// or for an unspecified address the interfaces' addresses of its family
/// (loopback included) with its port. Netcode refuses a connect token that
/// names none of them.
fn reachable_at(bound: SocketAddr) -> Vec<SocketAddr> {
    if !bound.ip().is_unspecified() {
        return vec![bound];
    }
    let loopback = match bound {
        SocketAddr::V4(_) => std::net::IpAddr::from(std::net::Ipv4Addr::LOCALHOST),
        SocketAddr::V6(_) => std::net::IpAddr::from(std::net::Ipv6Addr::LOCALHOST),
    };
    let mut out: Vec<SocketAddr> = if_addrs::get_if_addrs()
        .unwrap_or_default()
        .iter()
        .map(if_addrs::Interface::ip)
        .chain([loopback])
        .filter(|ip| ip.is_ipv4() == bound.is_ipv4())
        .map(|ip| SocketAddr::new(ip, bound.port()))
        .collect();
    out.sort();
    out.dedup();
    out
}

#[cfg(test)]
mod reachable_tests {
    use super::reachable_at;

    #[test]
    fn a_host_bound_to_every_interface_accepts_tokens_for_each_of_them() {
        let all = reachable_at("0.0.0.0:5000".parse().expect("address"));
        assert!(
            all.contains(&"127.0.0.1:5000".parse().expect("address")),
            "{all:?}"
        );
        assert!(
            all.iter().all(|a| a.is_ipv4() && a.port() == 5000),
            "{all:?}"
        );
        let one = "127.0.0.1:7".parse().expect("address");
        assert_eq!(reachable_at(one), vec![one]);
    }
}
