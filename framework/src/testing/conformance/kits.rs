//! The kits of Tickline's own transports.

use std::time::Duration;

use super::TransportKit;
use crate::transport::{
    Channel, ClientTransport, Conditioned, LinkConditions, MemoryClient, MemoryConnector,
    MemoryHost, memory_hub,
};

/// The in-memory transport. Garbage arrives as messages of a stranger's own
/// connection (memory has no lower layer to throw bytes at).
#[derive(Default)]
pub struct MemoryKit {
    connector: Option<MemoryConnector>,
    strangers: Vec<MemoryClient>,
}

impl TransportKit for MemoryKit {
    type Host = MemoryHost;
    type Client = MemoryClient;

    fn host(&mut self) -> MemoryHost {
        let (host, connector) = memory_hub();
        self.connector = Some(connector);
        host
    }

    fn client(&mut self, _host: &MemoryHost) -> MemoryClient {
        let connector = self.connector.as_ref().expect("a host first");
        connector.connect().expect("the host end is alive")
    }

    fn garbage(&mut self, host: &MemoryHost, bytes: &[u8]) {
        if self.strangers.is_empty() {
            let stranger = self.client(host);
            self.strangers.push(stranger);
        }
        let _ = self.strangers[0].send(Channel::Unreliable, bytes.to_vec());
    }
}

/// Another kit's transport behind the link conditioner at both ends: delay,
/// jitter, loss, duplication and reordering of unreliable messages.
pub struct ConditionedKit<K> {
    inner: K,
    conditions: LinkConditions,
    seed: u64,
}

impl<K: TransportKit> ConditionedKit<K> {
    /// `inner` behind `conditions` (each end gets its own seed from theirs).
    pub fn new(inner: K, conditions: LinkConditions) -> Self {
        let seed = conditions.seed;
        ConditionedKit {
            inner,
            conditions,
            seed,
        }
    }

    /// `inner` behind a bad link: 15 ms ± 5 ms each way at each end, 10%
    /// of unreliable messages lost, 5% duplicated, 5% overtaken.
    pub fn bad_link(inner: K) -> Self {
        Self::new(
            inner,
            LinkConditions {
                latency: Duration::from_millis(15),
                jitter: Duration::from_millis(5),
                loss: 0.1,
                duplicate: 0.05,
                reorder: 0.05,
                seed: 17,
            },
        )
    }

    fn conditions(&mut self) -> LinkConditions {
        self.seed += 1;
        LinkConditions {
            seed: self.seed,
            ..self.conditions.clone()
        }
    }
}

impl<K: TransportKit> TransportKit for ConditionedKit<K> {
    type Host = Conditioned<K::Host>;
    type Client = Conditioned<K::Client>;

    fn host(&mut self) -> Self::Host {
        let host = self.inner.host();
        Conditioned::new(host, self.conditions())
    }

    fn client(&mut self, host: &Self::Host) -> Self::Client {
        let client = self.inner.client(host.inner());
        Conditioned::new(client, self.conditions())
    }

    fn garbage(&mut self, host: &Self::Host, bytes: &[u8]) {
        self.inner.garbage(host.inner(), bytes);
    }
}

#[cfg(feature = "renet")]
pub use self::renet::RenetKit;

#[cfg(feature = "renet")]
mod renet {
    use std::net::UdpSocket;

    use super::TransportKit;
    use crate::transport::{
        RenetClientConfig, RenetClientTransport, RenetHostConfig, RenetHostTransport, RenetSecurity,
    };

    const PROTOCOL_ID: u64 = 0x636f_6e66;

    /// Tickline's UDP transport on 127.0.0.1, unsecured; garbage arrives as
    /// datagrams from a socket of its own.
    pub struct RenetKit {
        stranger: UdpSocket,
    }

    impl Default for RenetKit {
        fn default() -> Self {
            RenetKit {
                stranger: UdpSocket::bind("127.0.0.1:0").expect("a loopback socket"),
            }
        }
    }

    impl TransportKit for RenetKit {
        type Host = RenetHostTransport;
        type Client = RenetClientTransport;

        fn host(&mut self) -> RenetHostTransport {
            RenetHostTransport::bind(&RenetHostConfig {
                bind: "127.0.0.1:0".parse().expect("an address"),
                public_addr: None,
                protocol_id: PROTOCOL_ID,
                max_clients: 8,
                security: RenetSecurity::Unsecure,
            })
            .expect("binds a free loopback port")
        }

        fn client(&mut self, host: &RenetHostTransport) -> RenetClientTransport {
            RenetClientTransport::connect(RenetClientConfig::unsecure(
                host.local_addr(),
                PROTOCOL_ID,
            ))
            .expect("a client socket")
        }

        fn garbage(&mut self, host: &RenetHostTransport, bytes: &[u8]) {
            let _ = self.stranger.send_to(bytes, host.local_addr());
        }
    }
}

#[cfg(feature = "websocket")]
pub use self::ws::WsKit;

#[cfg(feature = "websocket")]
mod ws {
    use std::io::Write;
    use std::net::TcpStream;

    use super::TransportKit;
    use crate::transport::{WsClientConfig, WsClientTransport, WsHostConfig, WsHostTransport};

    const PROTOCOL_ID: u64 = 0x7773_636f_6e66;

    /// The WebSocket transport on 127.0.0.1; garbage arrives as bytes on TCP
    /// connections of their own.
    #[derive(Default)]
    pub struct WsKit;

    impl TransportKit for WsKit {
        type Host = WsHostTransport;
        type Client = WsClientTransport;

        fn host(&mut self) -> WsHostTransport {
            let bind = "127.0.0.1:0".parse().expect("an address");
            WsHostTransport::bind(WsHostConfig::new(bind, PROTOCOL_ID))
                .expect("binds a free loopback port")
        }

        fn client(&mut self, host: &WsHostTransport) -> WsClientTransport {
            let url = format!("ws://{}", host.local_addr());
            let config = WsClientConfig::new(&url, PROTOCOL_ID).expect("a ws:// URL");
            WsClientTransport::connect(config).expect("a connect thread")
        }

        fn garbage(&mut self, host: &WsHostTransport, bytes: &[u8]) {
            if let Ok(mut stranger) = TcpStream::connect(host.local_addr()) {
                let _ = stranger.write_all(bytes);
            }
        }
    }
}
