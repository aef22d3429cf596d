//! The host end: one UDP socket, netcode for connections, renet for channels.

use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::io;
use std::net::{SocketAddr, UdpSocket};
use std::time::Duration;

use renet::{RenetServer, ServerEvent};
use renetcode::{NETCODE_MAX_PACKET_BYTES, NetcodeServer, ServerResult};

use super::wire::{pack, unpack};
use super::{
    BULK_BYTES, HOST_RELIABLE_BYTES, RELIABLE, RenetHostConfig, UNRELIABLE, channel_id,
    connection_config,
};
use crate::ratelog::RateLog;
use crate::transport::{Channel, ConnId, HostEvent, HostTransport, SendError, TransportError};

/// What a host transport has seen that sessions do not: datagrams it threw away.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct TransportStats {
    /// Datagrams that were not a valid netcode packet from a known peer
    /// (garbage, forged or failed handshakes, replays).
    pub garbage: u64,
    /// Authenticated datagrams whose coalesced frames did not add up.
    pub bad_frames: u64,
    /// Datagrams sent.
    pub datagrams_out: u64,
    /// Datagrams received.
    pub datagrams_in: u64,
}

/// Netcode's per-connection timers (keep-alive every 250 ms, timeouts in
/// seconds) run this often: netcode finds a connection by a linear search, so
/// a sweep of every connection costs the square of their number.
const NETCODE_SWEEP_EVERY: Duration = Duration::from_millis(100);

/// The host end over UDP.
pub struct RenetHostTransport {
    socket: UdpSocket,
    netcode: NetcodeServer,
    server: RenetServer,
    addr: SocketAddr,
    /// Connected clients and their addresses.
    peers: BTreeMap<ConnId, SocketAddr>,
    last: Option<Duration>,
    /// When netcode's per-connection timers last ran.
    last_netcode_sweep: Option<Duration>,
    /// Connections that delivered a payload since their messages were taken.
    touched: Vec<ConnId>,
    /// Connections with a bulk transfer (a snapshot) under way: flushed on
    /// every update rather than on the session's ticks.
    bulk: BTreeSet<ConnId>,
    events: VecDeque<HostEvent>,
    stats: TransportStats,
    log: RateLog,
    buffer: Box<[u8; NETCODE_MAX_PACKET_BYTES]>,
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
        let socket = UdpSocket::bind(config.bind)?;
        Self::on_socket(config, socket)
    }

    /// A host on a socket bound earlier (a client's standby port, kept since it
    /// joined: host migration); `config.bind` is not used.
    ///
    /// # Errors
    ///
    /// [`TransportError::Io`] when the socket cannot be set up.
    pub fn on_socket(config: &RenetHostConfig, socket: UdpSocket) -> Result<Self, TransportError> {
        let (server_config, socket, addr) = super::server_setup(config, socket)?;
        Ok(RenetHostTransport {
            socket,
            netcode: NetcodeServer::new(server_config),
            server: RenetServer::new(connection_config()),
            addr,
            peers: BTreeMap::new(),
            last: None,
            last_netcode_sweep: None,
            touched: Vec::new(),
            bulk: BTreeSet::new(),
            events: VecDeque::new(),
            stats: TransportStats::default(),
            log: RateLog::default(),
            buffer: Box::new([0; NETCODE_MAX_PACKET_BYTES]),
        })
    }

    /// The bound address (with the port chosen when binding port 0).
    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }

    /// Counters of what the transport threw away.
    pub fn stats(&self) -> TransportStats {
        self.stats
    }

    fn send_datagram(&mut self, bytes: &[u8], to: SocketAddr) {
        match self.socket.send_to(bytes, to) {
            Ok(_) => self.stats.datagrams_out += 1,
            Err(e) => self.log.warn(
                "send",
                now_of(self.last),
                &format!("cannot send to {to}: {e}"),
            ),
        }
    }

    /// Acts on what netcode made of a datagram or a timer.
    fn handle(&mut self, result: Outcome) {
        match result {
            Outcome::None { from } => {
                if let Some(addr) = from.filter(|a| !self.peers.values().any(|p| p == a)) {
                    self.stats.garbage += 1;
                    let total = self.stats.garbage;
                    self.log.warn(
                        "garbage",
                        now_of(self.last),
                        &format!("ignored datagrams that are not Tickline traffic (latest from {addr}; {total} so far)"),
                    );
                }
            }
            Outcome::Send(bytes, to) => self.send_datagram(&bytes, to),
            Outcome::Payload(conn, payload) => match unpack(&payload) {
                Ok(frames) => {
                    for frame in frames {
                        let _ = self.server.process_packet_from(frame, conn);
                    }
                    if self.touched.last() != Some(&conn) {
                        self.touched.push(conn);
                    }
                }
                Err(e) => {
                    self.stats.bad_frames += 1;
                    self.log.info(
                        "frames",
                        now_of(self.last),
                        &format!("connection {conn}: {e}"),
                    );
                }
            },
            Outcome::Connected(conn, addr, reply) => {
                self.peers.insert(conn, addr);
                self.server.add_connection(conn);
                self.send_datagram(&reply, addr);
            }
            Outcome::Disconnected(conn, addr, reply) => {
                self.peers.remove(&conn);
                // What arrived before the close (a `Bye`) is delivered first.
                self.take_messages(conn);
                self.server.remove_connection(conn);
                if let Some(reply) = reply {
                    self.send_datagram(&reply, addr);
                }
            }
        }
    }

    fn receive(&mut self) -> Result<(), TransportError> {
        loop {
            let (len, addr) = match self.socket.recv_from(&mut self.buffer[..]) {
                Ok(got) => got,
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => return Ok(()),
                Err(e) if e.kind() == io::ErrorKind::Interrupted => return Ok(()),
                Err(e) if e.kind() == io::ErrorKind::ConnectionReset => continue,
                Err(e) => return Err(e.into()),
            };
            self.stats.datagrams_in += 1;
            let outcome = Outcome::of(
                self.netcode.process_packet(addr, &mut self.buffer[..len]),
                Some(addr),
            );
            self.handle(outcome);
        }
    }

    /// Whether `conn` has more reliable bytes in flight than a tick's worth.
    fn in_bulk(&self, conn: ConnId) -> bool {
        self.server.is_connected(conn)
            && HOST_RELIABLE_BYTES
                .saturating_sub(self.server.channel_available_memory(conn, RELIABLE))
                > BULK_BYTES
    }

    /// Connections opened or closed, as events.
    fn take_events(&mut self) {
        while let Some(event) = self.server.get_event() {
            self.events.push_back(match event {
                ServerEvent::ClientConnected { client_id } => HostEvent::Connected(client_id),
                ServerEvent::ClientDisconnected { client_id, reason } => {
                    HostEvent::Disconnected(client_id, reason.to_string())
                }
            });
        }
    }

    /// Messages from the connections that delivered a payload since the last call.
    fn take_touched(&mut self) {
        let mut touched = std::mem::take(&mut self.touched);
        touched.sort_unstable();
        touched.dedup();
        for &conn in &touched {
            self.take_messages(conn);
        }
        touched.clear();
        self.touched = touched;
    }

    /// Moves what renet received from `conn` into the event queue.
    fn take_messages(&mut self, conn: ConnId) {
        for (channel, id) in [
            (Channel::Reliable, RELIABLE),
            (Channel::Unreliable, UNRELIABLE),
        ] {
            while let Some(bytes) = self.server.receive_message(conn, id) {
                self.events
                    .push_back(HostEvent::Message(conn, channel, bytes.to_vec()));
            }
        }
    }

    fn flush_client(&mut self, conn: ConnId) {
        let Ok(packets) = self.server.get_packets_to_send(conn) else {
            return;
        };
        for datagram in pack(packets) {
            match self.netcode.generate_payload_packet(conn, &datagram) {
                Ok((addr, bytes)) => {
                    let bytes = bytes.to_vec();
                    self.send_datagram(&bytes, addr);
                }
                Err(e) => self.log.warn(
                    "encrypt",
                    now_of(self.last),
                    &format!("connection {conn}: {e}"),
                ),
            }
        }
    }
}

fn now_of(last: Option<Duration>) -> Duration {
    last.unwrap_or_default()
}

/// What netcode made of a datagram or timer, owned (netcode lends its buffers).
enum Outcome {
    None { from: Option<SocketAddr> },
    Send(Vec<u8>, SocketAddr),
    Payload(ConnId, Vec<u8>),
    Connected(ConnId, SocketAddr, Vec<u8>),
    Disconnected(ConnId, SocketAddr, Option<Vec<u8>>),
}

impl Outcome {
    fn of(result: ServerResult<'_, '_>, from: Option<SocketAddr>) -> Outcome {
        match result {
            ServerResult::None => Outcome::None { from },
            ServerResult::PacketToSend { payload, addr } => Outcome::Send(payload.to_vec(), addr),
            ServerResult::Payload { client_id, payload } => {
                Outcome::Payload(client_id, payload.to_vec())
            }
            ServerResult::ClientConnected {
                client_id,
                addr,
                payload,
                ..
            } => Outcome::Connected(client_id, addr, payload.to_vec()),
            ServerResult::ClientDisconnected {
                client_id,
                addr,
                payload,
            } => Outcome::Disconnected(client_id, addr, payload.map(|p| p.to_vec())),
        }
    }
}

impl HostTransport for RenetHostTransport {
    fn update(&mut self, now: Duration) -> Result<(), TransportError> {
        let dt = now.saturating_sub(self.last.unwrap_or(now));
        self.last = Some(now);
        self.netcode.update(dt);
        self.server.update(dt);
        self.receive()?;
        let netcode_due = self
            .last_netcode_sweep
            .is_none_or(|t| now.saturating_sub(t) >= NETCODE_SWEEP_EVERY);
        if netcode_due {
            self.last_netcode_sweep = Some(now);
            for conn in self.netcode.clients_id() {
                let outcome = Outcome::of(self.netcode.update_client(conn), None);
                self.handle(outcome);
            }
        }
        for conn in self.server.disconnections_id() {
            let outcome = Outcome::of(self.netcode.disconnect(conn), None);
            self.handle(outcome);
        }
        self.take_events();
        // Messages come only with payloads, so only touched connections have any.
        self.take_touched();
        // A bulk transfer (a snapshot) does not wait for the session's ticks.
        let bulk: Vec<ConnId> = self.bulk.iter().copied().collect();
        for conn in bulk {
            if self.in_bulk(conn) {
                self.flush_client(conn);
            } else {
                self.bulk.remove(&conn);
            }
        }
        Ok(())
    }

    fn poll(&mut self) -> Option<HostEvent> {
        self.events.pop_front()
    }

    fn send(&mut self, conn: ConnId, channel: Channel, bytes: Vec<u8>) -> Result<(), SendError> {
        if !self.server.is_connected(conn) {
            return Err(SendError::NotConnected);
        }
        let id = channel_id(channel);
        if !self.server.can_send_message(conn, id, bytes.len()) {
            return Err(SendError::Full {
                bytes: bytes.len(),
                available: self.server.channel_available_memory(conn, id),
            });
        }
        self.server.send_message(conn, id, bytes);
        if channel == Channel::Reliable && self.in_bulk(conn) {
            self.bulk.insert(conn);
        }
        Ok(())
    }

    fn disconnect(&mut self, conn: ConnId) {
        // What is queued for it (a Kick) goes out before the netcode disconnect.
        if self.server.is_connected(conn) {
            self.flush_client(conn);
        }
        self.server.disconnect(conn);
    }

    fn flush(&mut self) {
        for conn in self.server.clients_id() {
            self.flush_client(conn);
        }
    }

    fn flush_conns(&mut self, conns: &[ConnId]) {
        for &conn in conns {
            if self.server.is_connected(conn) {
                self.flush_client(conn);
            }
        }
    }

    fn garbage(&self) -> u64 {
        self.stats.garbage + self.stats.bad_frames
    }

    fn peer_addr(&self, conn: ConnId) -> Option<SocketAddr> {
        self.peers.get(&conn).copied()
    }
}
