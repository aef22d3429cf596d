//! A client's standby port over UDP (host migration): bound when the client
//! joins and kept, so that the address the others were told stays this
//! client's; it becomes a host transport when the client's turn comes, and
//! reaching a successor is a client transport with the session's join code.

use std::net::{IpAddr, SocketAddr, UdpSocket};
use std::time::Duration;

use crate::model::PeerId;
use crate::net::{Rehost, Standby};
use crate::transport::TransportError;

use super::{
    JoinCode, RenetClientConfig, RenetClientTransport, RenetHostConfig, RenetHostTransport,
    RenetSecurity,
};

/// A standby port and what hosting or reaching a successor needs: the game's
/// protocol id and the session's join code (the successor is guarded by the
/// same code).
pub struct RenetStandby {
    socket: Option<UdpSocket>,
    addr: SocketAddr,
    protocol_id: u64,
    code: Option<JoinCode>,
    max_clients: usize,
}

impl std::fmt::Debug for RenetStandby {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "RenetStandby({})", self.addr)
    }
}

impl RenetStandby {
    /// Binds the standby port at `bind` (port 0 picks a free one) for a session
    /// of `protocol_id` guarded by `code`, hosting at most `max_clients`.
    ///
    /// # Errors
    ///
    /// [`TransportError::Io`] when the address cannot be bound.
    pub fn bind(
        bind: SocketAddr,
        protocol_id: u64,
        code: Option<JoinCode>,
        max_clients: usize,
    ) -> Result<Self, TransportError> {
        let socket = UdpSocket::bind(bind)?;
        let addr = socket.local_addr()?;
        Ok(RenetStandby {
            socket: Some(socket),
            addr,
            protocol_id,
            code,
            max_clients,
        })
    }

    /// No port to host on (a spectator): it only follows the session to the
    /// successor that hosts.
    pub fn follow_only(protocol_id: u64, code: Option<JoinCode>) -> Self {
        RenetStandby {
            socket: None,
            addr: SocketAddr::from(([0, 0, 0, 0], 0)),
            protocol_id,
            code,
            max_clients: 0,
        }
    }

    /// Whether it has a port to host on.
    pub fn can_host(&self) -> bool {
        self.socket.is_some()
    }

    /// The bound address.
    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }

    /// What to offer the host ([`ClientConfig::standby`](crate::net::ClientConfig::standby)):
    /// the port and this machine's addresses of its family (bound to one
    /// address: that one).
    pub fn standby(&self) -> Standby {
        let addrs: Vec<IpAddr> = if self.addr.ip().is_unspecified() {
            if_addrs::get_if_addrs()
                .unwrap_or_default()
                .iter()
                .map(if_addrs::Interface::ip)
                .filter(|ip| ip.is_ipv4() == self.addr.is_ipv4() && !ip.is_loopback())
                .take(crate::net::MAX_STANDBY_ADDRS)
                .collect()
        } else {
            vec![self.addr.ip()]
        };
        Standby {
            port: self.addr.port(),
            addrs,
        }
    }
}

impl Rehost for RenetStandby {
    type Host = RenetHostTransport;
    type Client = RenetClientTransport;

    fn host(&mut self) -> Result<RenetHostTransport, TransportError> {
        let socket = self
            .socket
            .take()
            .ok_or_else(|| TransportError::Connect("the standby port was used already".into()))?;
        let config = RenetHostConfig {
            bind: self.addr,
            public_addr: None,
            protocol_id: self.protocol_id,
            max_clients: self.max_clients,
            security: self
                .code
                .as_ref()
                .map_or(RenetSecurity::Unsecure, RenetSecurity::code),
        };
        RenetHostTransport::on_socket(&config, socket)
    }

    fn connect(
        &mut self,
        peer: PeerId,
        addrs: &[SocketAddr],
        _now: Duration,
    ) -> Result<RenetClientTransport, TransportError> {
        let server = *addrs
            .first()
            .ok_or_else(|| TransportError::Connect(format!("{peer} hosts nowhere")))?;
        let config = match &self.code {
            Some(code) => RenetClientConfig::with_code(server, self.protocol_id, code),
            None => RenetClientConfig::unsecure(server, self.protocol_id),
        };
        RenetClientTransport::connect(config)
    }
}
