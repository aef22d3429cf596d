//! The client's end of the connection: encodes and sends, counts bytes, and says
//! `Bye` however the client stops (including being dropped).

use serde::Serialize;

use crate::net::protocol::{ClientMsg, encode_msg};
use crate::transport::{Channel, ClientTransport, SendError};

/// The transport plus what the client must do on it when it goes away.
pub(super) struct Link<T: ClientTransport> {
    pub(super) transport: T,
    /// A session was joined and not left: dropping says `Bye`.
    pub(super) joined: bool,
    pub(super) bytes_out: u64,
    /// Something was queued since the last flush.
    dirty: bool,
}

impl<T: ClientTransport> Link<T> {
    pub(super) fn new(transport: T) -> Self {
        Link {
            transport,
            joined: false,
            bytes_out: 0,
            dirty: false,
        }
    }

    /// Encodes and queues a message.
    ///
    /// # Errors
    ///
    /// [`SendError`] when it cannot be queued (the caller ends the connection).
    pub(super) fn send<M: Serialize>(
        &mut self,
        channel: Channel,
        msg: &ClientMsg<M>,
    ) -> Result<(), SendError> {
        match encode_msg(msg) {
            Ok(bytes) => self.send_bytes(channel, bytes),
            Err(e) => {
                tracing::error!("cannot encode a client message: {e}");
                Ok(())
            }
        }
    }

    /// Queues an encoded message.
    ///
    /// # Errors
    ///
    /// [`SendError`] when it cannot be queued (the caller ends the connection).
    pub(super) fn send_bytes(&mut self, channel: Channel, bytes: Vec<u8>) -> Result<(), SendError> {
        self.bytes_out += bytes.len() as u64;
        self.dirty = true;
        self.transport.send(channel, bytes)
    }

    /// Sends what was queued, if anything was: the transport is flushed on the
    /// ticks the client has something to say, never once per frame.
    pub(super) fn flush_if_queued(&mut self) {
        if std::mem::take(&mut self.dirty) {
            self.transport.flush();
        }
    }

    /// Says `Bye` (reliable), sends it at once and closes the connection.
    pub(super) fn bye(&mut self) {
        if std::mem::take(&mut self.joined) {
            // `Bye` carries no Modification: its bytes are the same for every game.
            if let Ok(bytes) = encode_msg(&ClientMsg::<()>::Bye) {
                let _ = self.transport.send(Channel::Reliable, bytes);
            }
        }
        self.transport.flush();
        self.dirty = false;
        self.transport.disconnect();
    }
}

impl<T: ClientTransport> Drop for Link<T> {
    fn drop(&mut self) {
        if self.joined {
            self.bye();
        }
    }
}
