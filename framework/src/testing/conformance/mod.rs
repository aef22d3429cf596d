//! One suite every transport passes: what a session may rely on, checked the
//! same way against each transport.
//!
//! A transport gets the suite by implementing [`TransportKit`] (how to make a
//! host end, a client end connected to it, and how to throw bytes that are not
//! its protocol at the host) and invoking [`conformance_suite!`](crate::conformance_suite)
//! in a test file:
//!
//! ```ignore
//! tickline::conformance_suite!(my_transport, MyKit::default());
//! ```
//!
//! which makes one test per check, named `my_transport::CHECK`:
//!
//! - [`handshake`]: both ends see the connection open, and a first message
//!   each way arrives;
//! - [`big_reliable_messages`]: 10 MB reliable messages (and small ones
//!   between them) arrive intact and in order;
//! - [`unreliable_messages`]: unreliable messages arrive intact or not at all;
//! - [`reconnect_keeps_the_peer`]: a connection the host drops is made again
//!   and the session resumes under the same peer id;
//! - [`graceful_disconnect`]: what was sent before a disconnect arrives before
//!   it, the other end sees a reason, and a host's shutdown reason and a
//!   client's leave reach the other session;
//! - [`garbage_is_ignored`]: bytes that are not the transport's protocol do not
//!   disturb a connected client;
//! - [`full_channel_ends_the_connection`]: a client that reads nothing fills a
//!   bounded reliable channel, and the connection ends with a reason both
//!   ends see.
//!
//! Time is real (each check's loop passes the time since it started), and every
//! wait has a deadline of [`DEADLINE`].

mod kits;
mod pair;
mod raw;
mod session;

#[cfg(feature = "renet")]
pub use kits::RenetKit;
#[cfg(feature = "websocket")]
pub use kits::WsKit;
pub use kits::{ConditionedKit, MemoryKit};
pub use pair::{DEADLINE, Pair, message, seed_of};
pub use raw::{
    MAX_COPIES, big_reliable_messages, full_channel_ends_the_connection, garbage_is_ignored,
    handshake, unreliable_messages,
};
pub use session::{graceful_disconnect, reconnect_keeps_the_peer};

use crate::transport::{ClientTransport, HostTransport};

/// How the suite makes the ends of one transport.
pub trait TransportKit {
    /// The host end.
    type Host: HostTransport + 'static;
    /// A client end.
    type Client: ClientTransport + 'static;
    /// A new host end, ready to accept clients.
    fn host(&mut self) -> Self::Host;
    /// A client end that connects to `host` (the connection opens as both are
    /// updated).
    fn client(&mut self, host: &Self::Host) -> Self::Client;
    /// Delivers `bytes` to `host`'s lowest layer from a stranger: a datagram,
    /// a frame on a socket of its own, or a message on a new connection where
    /// the transport has no lower layer.
    fn garbage(&mut self, host: &Self::Host, bytes: &[u8]);
}

/// One test per check of the conformance suite, in a module named `$name`, for
/// the [`TransportKit`] that `$kit` makes (evaluated once per test).
#[macro_export]
macro_rules! conformance_suite {
    ($name:ident, $kit:expr) => {
        mod $name {
            #[allow(unused_imports)]
            use super::*;
            $crate::conformance_suite!(@checks $kit;
                handshake, big_reliable_messages, unreliable_messages,
                reconnect_keeps_the_peer, graceful_disconnect, garbage_is_ignored,
                full_channel_ends_the_connection);
        }
    };
    (@checks $kit:expr; $($check:ident),*) => {
        $(
            #[test]
            fn $check() {
                $crate::testing::conformance::$check($kit);
            }
        )*
    };
}
