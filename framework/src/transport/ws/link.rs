//! One open WebSocket over a non-blocking TCP stream: the messages waiting to
//! be written, within their budgets, and what was read.

use std::collections::VecDeque;
use std::io::ErrorKind;
use std::net::TcpStream;

use tungstenite::protocol::CloseFrame;
use tungstenite::protocol::frame::coding::CloseCode;
use tungstenite::{Error as WsError, Message, WebSocket};

use crate::transport::{Channel, SendError, UNRELIABLE_BYTES};

/// The last byte of a message: its channel, or an opening message.
const RELIABLE: u8 = 0;
const UNRELIABLE: u8 = 1;
const OPENING: u8 = 2;

/// Bytes handed to the WebSocket per write before it is flushed: small
/// messages of one flush share TCP segments, a 10 MB one does not hold back
/// the socket's writes until it is all framed.
const HANDOFF_BYTES: usize = 64 * 1024;

/// What a read gave.
#[derive(Debug, PartialEq, Eq)]
pub(super) enum Read {
    /// A message on a channel.
    Message(Channel, Vec<u8>),
    /// An opening message (challenge, answer, welcome).
    Opening(Vec<u8>),
}

/// Why a link ended.
#[derive(Debug, PartialEq, Eq)]
pub(super) enum Ended {
    /// The other end closed it, with this close code and reason.
    Closed(Option<(u16, String)>),
    /// The other end broke the transport's rules.
    Violation(String),
    /// The socket failed.
    Io(String),
}

impl Ended {
    /// The reason in words, as the other end gave it.
    pub(super) fn reason(&self) -> String {
        match self {
            Ended::Closed(Some((_, why))) if !why.is_empty() => why.clone(),
            Ended::Closed(_) => "the connection closed".into(),
            Ended::Violation(why) => why.clone(),
            Ended::Io(e) => format!("socket error: {e}"),
        }
    }
}

/// A WebSocket and the messages it has yet to write.
pub(super) struct Link {
    ws: WebSocket<TcpStream>,
    queue: VecDeque<(Channel, Vec<u8>)>,
    queued_reliable: usize,
    queued_unreliable: usize,
    /// Bytes handed to the WebSocket since it last flushed whole.
    handed: usize,
    reliable_budget: usize,
    /// The WebSocket failed a read: it is not read again (its buffers are in
    /// no state to be).
    unreadable: bool,
}

impl Link {
    /// A link over an upgraded WebSocket; reliable messages up to
    /// `reliable_budget` bytes may wait.
    pub(super) fn new(ws: WebSocket<TcpStream>, reliable_budget: usize) -> Self {
        Link {
            ws,
            queue: VecDeque::new(),
            queued_reliable: 0,
            queued_unreliable: 0,
            handed: 0,
            reliable_budget,
            unreadable: false,
        }
    }

    /// Queues a message.
    pub(super) fn send(&mut self, channel: Channel, bytes: Vec<u8>) -> Result<(), SendError> {
        match channel {
            Channel::Reliable => {
                let held = self.queued_reliable.saturating_add(self.handed);
                let available = self.reliable_budget.saturating_sub(held);
                if bytes.len() > available {
                    return Err(SendError::Full {
                        bytes: bytes.len(),
                        available,
                    });
                }
                self.queued_reliable += bytes.len();
            }
            Channel::Unreliable => {
                if self.queued_unreliable.saturating_add(bytes.len()) > UNRELIABLE_BYTES {
                    return Ok(());
                }
                self.queued_unreliable += bytes.len();
            }
        }
        self.queue.push_back((channel, bytes));
        Ok(())
    }

    /// Sends an opening message at once (it goes ahead of nothing: no message
    /// is queued before a connection opens).
    pub(super) fn send_opening(&mut self, mut bytes: Vec<u8>) -> Result<(), Ended> {
        bytes.push(OPENING);
        self.handed += bytes.len();
        write_result(self.ws.write(Message::Binary(bytes.into())))?;
        self.pump()
    }

    /// Writes what the socket takes now: hands queued messages to the
    /// WebSocket and flushes it, until it would block.
    pub(super) fn pump(&mut self) -> Result<(), Ended> {
        loop {
            if self.handed > 0 {
                match self.ws.flush() {
                    Ok(()) => self.handed = 0,
                    Err(WsError::Io(e)) if e.kind() == ErrorKind::WouldBlock => return Ok(()),
                    Err(e) => return Err(ended(e)),
                }
            }
            if self.queue.is_empty() {
                return Ok(());
            }
            while self.handed < HANDOFF_BYTES
                && let Some((channel, mut bytes)) = self.queue.pop_front()
            {
                match channel {
                    Channel::Reliable => self.queued_reliable -= bytes.len(),
                    Channel::Unreliable => self.queued_unreliable -= bytes.len(),
                }
                bytes.push(tag(channel));
                self.handed += bytes.len();
                write_result(self.ws.write(Message::Binary(bytes.into())))?;
            }
        }
    }

    /// Whether a write is under way (handed to the WebSocket, not flushed).
    pub(super) fn writing(&self) -> bool {
        self.handed > 0
    }

    /// The next message that has arrived whole, if any.
    pub(super) fn read(&mut self) -> Result<Option<Read>, Ended> {
        if self.unreadable {
            return Err(Ended::Closed(None));
        }
        loop {
            match self.ws.read() {
                Ok(Message::Binary(bytes)) => return split(bytes.into()).map(Some),
                Ok(Message::Close(frame)) => {
                    // tungstenite queued the reply; send it before the socket goes.
                    let _ = self.ws.flush();
                    let why = frame.map(|f| (u16::from(f.code), f.reason.to_string()));
                    return Err(Ended::Closed(why));
                }
                Ok(Message::Text(_)) => {
                    return Err(Ended::Violation(
                        "a text message (Tickline sends binary)".into(),
                    ));
                }
                Ok(Message::Ping(_) | Message::Pong(_) | Message::Frame(_)) => {}
                Err(WsError::Io(e)) if e.kind() == ErrorKind::WouldBlock => return Ok(None),
                Err(e) => {
                    self.unreadable = true;
                    return Err(ended(e));
                }
            }
        }
    }

    /// Starts closing: what is queued is written first, then a close frame
    /// with `code` and `reason`. Drive [`Link::closing`] until it says done.
    pub(super) fn close(&mut self, code: u16, reason: &str) {
        // A close frame's reason is at most 123 bytes.
        let mut end = reason.len().min(123);
        while !reason.is_char_boundary(end) {
            end -= 1;
        }
        let frame = CloseFrame {
            code: CloseCode::from(code),
            reason: reason[..end].into(),
        };
        while let Some((channel, mut bytes)) = self.queue.pop_front() {
            bytes.push(tag(channel));
            self.handed += bytes.len();
            if self.ws.write(Message::Binary(bytes.into())).is_err() {
                break;
            }
        }
        self.queued_reliable = 0;
        self.queued_unreliable = 0;
        let _ = self.ws.close(Some(frame));
        let _ = self.ws.flush();
    }

    /// Drives a closing link: `true` once the close handshake is over or
    /// the connection failed (it can be dropped).
    pub(super) fn closing(&mut self) -> bool {
        match self.ws.flush() {
            Ok(()) => {}
            Err(WsError::Io(e)) if e.kind() == ErrorKind::WouldBlock => return false,
            Err(_) => return true,
        }
        if self.unreadable {
            return true;
        }
        loop {
            match self.ws.read() {
                Ok(_) => {}
                Err(WsError::Io(e)) if e.kind() == ErrorKind::WouldBlock => return false,
                Err(_) => return true,
            }
        }
    }
}

/// The last byte of a message on `channel`.
fn tag(channel: Channel) -> u8 {
    match channel {
        Channel::Reliable => RELIABLE,
        Channel::Unreliable => UNRELIABLE,
    }
}

/// A message's channel from its last byte.
fn split(mut bytes: Vec<u8>) -> Result<Read, Ended> {
    match bytes.pop() {
        Some(RELIABLE) => Ok(Read::Message(Channel::Reliable, bytes)),
        Some(UNRELIABLE) => Ok(Read::Message(Channel::Unreliable, bytes)),
        Some(OPENING) => Ok(Read::Opening(bytes)),
        Some(tag) => Err(Ended::Violation(format!("a message of unknown kind {tag}"))),
        None => Err(Ended::Violation("an empty message".into())),
    }
}

/// A write that would block has buffered its frame: only other errors end.
fn write_result(result: Result<(), WsError>) -> Result<(), Ended> {
    match result {
        Ok(()) => Ok(()),
        Err(WsError::Io(e)) if e.kind() == ErrorKind::WouldBlock => Ok(()),
        Err(e) => Err(ended(e)),
    }
}

fn ended(e: WsError) -> Ended {
    match e {
        WsError::ConnectionClosed | WsError::AlreadyClosed => Ended::Closed(None),
        WsError::Capacity(e) => Ended::Violation(format!("over the size limit: {e}")),
        WsError::Protocol(e) => Ended::Violation(format!("WebSocket protocol: {e}")),
        WsError::Io(e) => Ended::Io(e.to_string()),
        other => Ended::Io(other.to_string()),
    }
}
