//! In-process transport over crossbeam channels: tests, local play, in-process hosts.
//!
//! Each direction of a connection holds at most [`RELIABLE_BYTES_TO_CLIENT`] or
//! [`RELIABLE_BYTES_TO_HOST`] reliable bytes its reader has not taken yet (then
//! `send` says [`SendError::Full`]) and [`UNRELIABLE_BYTES`] unreliable ones
//! (then new ones are dropped), as a network transport's channels do.

use std::collections::{BTreeMap, VecDeque};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use crossbeam_channel::{Receiver, Sender, TryRecvError, unbounded};

use super::{
    Channel, ClientEvent, ClientTransport, ConnId, DisconnectReason, HostEvent, HostTransport,
    RELIABLE_BYTES_TO_CLIENT, RELIABLE_BYTES_TO_HOST, SendError, TransportError, UNRELIABLE_BYTES,
};

enum Frame {
    Data(Channel, Vec<u8>),
    Close,
}

/// Bytes sent one way and not yet received, per channel: what bounds a
/// connection's memory when its reader stops reading.
#[derive(Default)]
struct Queued {
    reliable: AtomicUsize,
    unreliable: AtomicUsize,
}

impl Queued {
    fn of(&self, channel: Channel) -> &AtomicUsize {
        match channel {
            Channel::Reliable => &self.reliable,
            Channel::Unreliable => &self.unreliable,
        }
    }
}

/// The sending half of one direction.
struct Lane {
    tx: Sender<Frame>,
    queued: Arc<Queued>,
    /// Most reliable bytes the lane holds.
    reliable_budget: usize,
}

impl Lane {
    /// Queues a message: [`SendError::Full`] past the reliable budget; an
    /// unreliable message past [`UNRELIABLE_BYTES`] is dropped.
    fn send(&self, channel: Channel, bytes: Vec<u8>) -> Result<(), SendError> {
        let budget = match channel {
            Channel::Reliable => self.reliable_budget,
            Channel::Unreliable => UNRELIABLE_BYTES,
        };
        let queued = self.queued.of(channel);
        // One sender per lane: the reader only ever makes more room.
        let held = queued.load(Ordering::Relaxed);
        let available = budget.saturating_sub(held);
        if bytes.len() > available {
            return match channel {
                Channel::Reliable => Err(SendError::Full {
                    bytes: bytes.len(),
                    available,
                }),
                Channel::Unreliable => Ok(()),
            };
        }
        queued.fetch_add(bytes.len(), Ordering::Relaxed);
        self.tx
            .send(Frame::Data(channel, bytes))
            .map_err(|_| SendError::NotConnected)
    }

    fn close(&self) {
        let _ = self.tx.send(Frame::Close);
    }
}

/// The receiving half of one direction.
struct Inbox {
    rx: Receiver<Frame>,
    queued: Arc<Queued>,
}

impl Inbox {
    fn try_recv(&self) -> Result<Frame, TryRecvError> {
        let frame = self.rx.try_recv()?;
        if let Frame::Data(channel, bytes) = &frame {
            self.queued
                .of(*channel)
                .fetch_sub(bytes.len(), Ordering::Relaxed);
        }
        Ok(frame)
    }
}

/// One end of a connection.
struct Pipe {
    tx: Lane,
    rx: Inbox,
}

/// The two ends of a new connection: the host's, the client's.
fn pipe() -> (Pipe, Pipe) {
    let (to_host, from_client) = unbounded();
    let (to_client, from_host) = unbounded();
    let (up, down) = (Arc::new(Queued::default()), Arc::new(Queued::default()));
    let host = Pipe {
        tx: Lane {
            tx: to_client,
            queued: down.clone(),
            reliable_budget: RELIABLE_BYTES_TO_CLIENT,
        },
        rx: Inbox {
            rx: from_client,
            queued: up.clone(),
        },
    };
    let client = Pipe {
        tx: Lane {
            tx: to_host,
            queued: up,
            reliable_budget: RELIABLE_BYTES_TO_HOST,
        },
        rx: Inbox {
            rx: from_host,
            queued: down,
        },
    };
    (host, client)
}

/// Creates a host end and a connector that clients use to reach it.
pub fn memory_hub() -> (MemoryHost, MemoryConnector) {
    let (tx, rx) = unbounded();
    (
        MemoryHost {
            requests: rx,
            links: BTreeMap::new(),
            events: VecDeque::new(),
            next_conn: 1,
        },
        MemoryConnector { requests: tx },
    )
}

/// Hands new connections to a [`MemoryHost`]. Cheap to clone.
#[derive(Clone)]
pub struct MemoryConnector {
    requests: Sender<Pipe>,
}

impl std::fmt::Debug for MemoryConnector {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("MemoryConnector")
    }
}

impl MemoryConnector {
    fn open(&self) -> Result<Pipe, TransportError> {
        let (host, client) = pipe();
        self.requests
            .send(host)
            .map_err(|_| TransportError::Connect("the in-memory host is gone".into()))?;
        Ok(client)
    }

    /// A client connected through this connector.
    ///
    /// # Errors
    ///
    /// [`TransportError::Connect`] if the host end was dropped.
    pub fn connect(&self) -> Result<MemoryClient, TransportError> {
        let link = self.open()?;
        Ok(MemoryClient {
            connector: self.clone(),
            link: Some(link),
            events: VecDeque::from([ClientEvent::Connected]),
        })
    }
}

/// The host end of the memory transport.
pub struct MemoryHost {
    requests: Receiver<Pipe>,
    links: BTreeMap<ConnId, Pipe>,
    events: VecDeque<HostEvent>,
    next_conn: ConnId,
}

impl std::fmt::Debug for MemoryHost {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "MemoryHost({} connections)", self.links.len())
    }
}

impl HostTransport for MemoryHost {
    fn update(&mut self, _now: Duration) -> Result<(), TransportError> {
        while let Ok(link) = self.requests.try_recv() {
            let conn = self.next_conn;
            self.next_conn += 1;
            self.links.insert(conn, link);
            self.events.push_back(HostEvent::Connected(conn));
        }
        let mut closed = Vec::new();
        for (&conn, link) in &self.links {
            loop {
                match link.rx.try_recv() {
                    Ok(Frame::Data(ch, bytes)) => {
                        self.events.push_back(HostEvent::Message(conn, ch, bytes))
                    }
                    Ok(Frame::Close) => {
                        closed.push((conn, "the client disconnected".to_string()));
                        break;
                    }
                    Err(TryRecvError::Empty) => break,
                    Err(TryRecvError::Disconnected) => {
                        closed.push((conn, "the client's end was dropped".to_string()));
                        break;
                    }
                }
            }
        }
        for (conn, reason) in closed {
            self.links.remove(&conn);
            self.events.push_back(HostEvent::Disconnected(conn, reason));
        }
        Ok(())
    }

    fn poll(&mut self) -> Option<HostEvent> {
        self.events.pop_front()
    }

    fn send(&mut self, conn: ConnId, channel: Channel, bytes: Vec<u8>) -> Result<(), SendError> {
        let link = self.links.get(&conn).ok_or(SendError::NotConnected)?;
        link.tx.send(channel, bytes)
    }

    fn disconnect(&mut self, conn: ConnId) {
        if let Some(link) = self.links.remove(&conn) {
            link.tx.close();
            self.events.push_back(HostEvent::Disconnected(
                conn,
                "disconnected by the host".into(),
            ));
        }
    }

    fn flush(&mut self) {}
}

/// A client end of the memory transport.
pub struct MemoryClient {
    connector: MemoryConnector,
    link: Option<Pipe>,
    events: VecDeque<ClientEvent>,
}

impl std::fmt::Debug for MemoryClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "MemoryClient(connected: {})", self.link.is_some())
    }
}

impl ClientTransport for MemoryClient {
    fn update(&mut self, _now: Duration) -> Result<(), TransportError> {
        let Some(link) = &self.link else {
            return Ok(());
        };
        loop {
            match link.rx.try_recv() {
                Ok(Frame::Data(ch, bytes)) => {
                    self.events.push_back(ClientEvent::Message(ch, bytes))
                }
                Ok(Frame::Close) => {
                    self.link = None;
                    self.events
                        .push_back(ClientEvent::Disconnected(DisconnectReason::Other(
                            "the host closed the connection".into(),
                        )));
                    break;
                }
                Err(TryRecvError::Empty) => break,
                Err(TryRecvError::Disconnected) => {
                    self.link = None;
                    self.events
                        .push_back(ClientEvent::Disconnected(DisconnectReason::Other(
                            "the host is gone".into(),
                        )));
                    break;
                }
            }
        }
        Ok(())
    }

    fn poll(&mut self) -> Option<ClientEvent> {
        self.events.pop_front()
    }

    fn send(&mut self, channel: Channel, bytes: Vec<u8>) -> Result<(), SendError> {
        let link = self.link.as_ref().ok_or(SendError::NotConnected)?;
        link.tx.send(channel, bytes)
    }

    fn disconnect(&mut self) {
        if let Some(link) = self.link.take() {
            link.tx.close();
        }
    }

    fn reconnect(&mut self, _now: Duration) -> Result<(), TransportError> {
        self.disconnect();
        self.link = Some(self.connector.open()?);
        self.events.push_back(ClientEvent::Connected);
        Ok(())
    }

    fn flush(&mut self) {}
}
