//! A client end: one netcode connection at a time, re-opened on a fresh socket
//! after a drop.

use std::collections::VecDeque;
use std::io;
use std::net::UdpSocket;
use std::time::Duration;

use renet::RenetClient;
use renetcode::{NETCODE_MAX_PACKET_BYTES, NetcodeClient};

use super::wire::{pack, unpack};
use super::{
    BULK_BYTES, CLIENT_RELIABLE_BYTES, RELIABLE, RenetClientConfig, UNRELIABLE, channel_id,
    connection_config, open_netcode,
};
use crate::transport::{
    Channel, ClientEvent, ClientTransport, DisconnectReason, SendError, TransportError,
};

struct Connection {
    renet: RenetClient,
    netcode: NetcodeClient,
    socket: UdpSocket,
    /// `Connected` was reported.
    announced: bool,
    /// `Disconnected` was reported; nothing more happens on this connection.
    ended: bool,
}

impl Connection {
    fn open(config: &RenetClientConfig) -> Result<Self, TransportError> {
        let (netcode, socket) = open_netcode(config)?;
        Ok(Connection {
            renet: RenetClient::new(connection_config()),
            netcode,
            socket,
            announced: false,
            ended: false,
        })
    }

    /// Receives and processes datagrams, progresses timers. Returns why the
    /// connection ended, if it did.
    fn update(
        &mut self,
        dt: Duration,
        buffer: &mut [u8],
    ) -> Result<Option<DisconnectReason>, io::Error> {
        if let Some((packet, addr)) = self.netcode.update(dt) {
            self.socket.send_to(packet, addr)?;
        }
        loop {
            let (len, from) = match self.socket.recv_from(buffer) {
                Ok(got) => got,
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => break,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => break,
                Err(e) if e.kind() == io::ErrorKind::ConnectionReset => continue,
                Err(e) => return Err(e),
            };
            if from != self.netcode.server_addr() {
                continue;
            }
            if let Some(payload) = self.netcode.process_packet(&mut buffer[..len])
                && let Ok(frames) = unpack(payload)
            {
                for frame in frames {
                    self.renet.process_packet(frame);
                }
            }
        }
        if let Some(reason) = self.netcode.disconnect_reason() {
            // renet is left connected so that what arrived before the close
            // (a Kick) is still received; the connection is not used again.
            // netcode denies a connection only when every slot is taken.
            if reason == renetcode::DisconnectReason::ConnectionDenied {
                return Ok(Some(DisconnectReason::ServerFull));
            }
            let why = format!("the host closed the connection ({reason:?})");
            return Ok(Some(DisconnectReason::Other(why)));
        }
        if self.netcode.is_connected() {
            self.renet.set_connected();
        } else if self.netcode.is_connecting() {
            self.renet.set_connecting();
        }
        self.renet.update(dt);
        if let Some(reason) = self.renet.disconnect_reason() {
            self.close();
            return Ok(Some(DisconnectReason::Other(reason.to_string())));
        }
        Ok(None)
    }

    fn flush(&mut self) -> Result<(), io::Error> {
        if !self.netcode.is_connected() {
            return Ok(());
        }
        for datagram in pack(self.renet.get_packets_to_send()) {
            match self.netcode.generate_payload_packet(&datagram) {
                Ok((addr, bytes)) => {
                    self.socket.send_to(bytes, addr)?;
                }
                Err(e) => return Err(io::Error::other(e.to_string())),
            }
        }
        Ok(())
    }

    fn close(&mut self) {
        if self.netcode.is_disconnected() {
            return;
        }
        if let Ok((addr, packet)) = self.netcode.disconnect() {
            let _ = self.socket.send_to(packet, addr);
        }
    }
}

/// A client end over UDP.
pub struct RenetClientTransport {
    config: RenetClientConfig,
    conn: Option<Connection>,
    last: Option<Duration>,
    events: VecDeque<ClientEvent>,
    buffer: Box<[u8; NETCODE_MAX_PACKET_BYTES]>,
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
        let conn = Connection::open(&config)?;
        Ok(RenetClientTransport {
            config,
            conn: Some(conn),
            last: None,
            events: VecDeque::new(),
            buffer: Box::new([0; NETCODE_MAX_PACKET_BYTES]),
        })
    }

    fn end(&mut self, reason: DisconnectReason) {
        if let Some(conn) = self.conn.as_mut().filter(|c| !c.ended) {
            conn.ended = true;
            self.events.push_back(ClientEvent::Disconnected(reason));
        }
    }
}

impl ClientTransport for RenetClientTransport {
    fn update(&mut self, now: Duration) -> Result<(), TransportError> {
        let dt = now.saturating_sub(self.last.unwrap_or(now));
        self.last = Some(now);
        let Some(conn) = self.conn.as_mut().filter(|c| !c.ended) else {
            return Ok(());
        };
        let ended = conn.update(dt, &mut self.buffer[..]);
        if !conn.announced && conn.renet.is_connected() {
            conn.announced = true;
            self.events.push_back(ClientEvent::Connected);
        }
        for (channel, id) in [
            (Channel::Reliable, RELIABLE),
            (Channel::Unreliable, UNRELIABLE),
        ] {
            while let Some(bytes) = conn.renet.receive_message(id) {
                self.events
                    .push_back(ClientEvent::Message(channel, bytes.to_vec()));
            }
        }
        let in_flight =
            CLIENT_RELIABLE_BYTES.saturating_sub(conn.renet.channel_available_memory(RELIABLE));
        let flushed = if in_flight > BULK_BYTES {
            conn.flush()
        } else {
            Ok(())
        };
        match (ended, flushed) {
            (Ok(Some(reason)), _) => self.end(reason),
            (Err(e), _) | (_, Err(e)) => {
                self.end(DisconnectReason::Other(format!("socket error: {e}")))
            }
            _ => {}
        }
        Ok(())
    }

    fn poll(&mut self) -> Option<ClientEvent> {
        self.events.pop_front()
    }

    fn send(&mut self, channel: Channel, bytes: Vec<u8>) -> Result<(), SendError> {
        let Some(conn) = self.conn.as_mut().filter(|c| c.announced && !c.ended) else {
            return Err(SendError::NotConnected);
        };
        let id = channel_id(channel);
        if !conn.renet.can_send_message(id, bytes.len()) {
            return Err(SendError::Full {
                bytes: bytes.len(),
                available: conn.renet.channel_available_memory(id),
            });
        }
        conn.renet.send_message(id, bytes);
        Ok(())
    }

    fn disconnect(&mut self) {
        if let Some(mut conn) = self.conn.take() {
            // What is queued (a Bye) goes out before the netcode disconnect.
            let _ = conn.flush();
            conn.close();
        }
    }

    fn reconnect(&mut self, _now: Duration) -> Result<(), TransportError> {
        self.disconnect();
        self.conn = Some(Connection::open(&self.config)?);
        Ok(())
    }

    fn flush(&mut self) {
        if let Some(conn) = self.conn.as_mut().filter(|c| !c.ended)
            && let Err(e) = conn.flush()
        {
            self.end(DisconnectReason::Other(format!("socket error: {e}")));
        }
    }
}
