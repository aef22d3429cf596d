//! The sockets discovery needs, beyond what `std` sets up.

use std::net::{SocketAddr, UdpSocket};

use socket2::{Domain, Protocol, Socket, Type};

/// A non-blocking UDP socket on `addr` that other processes may bind too
/// (`SO_REUSEADDR`): every responder on a machine receives the broadcast
/// queries sent to the discovery port.
pub(super) fn shared_udp(addr: SocketAddr) -> std::io::Result<UdpSocket> {
    let socket = Socket::new(Domain::for_address(addr), Type::DGRAM, Some(Protocol::UDP))?;
    socket.set_reuse_address(true)?;
    socket.set_nonblocking(true)?;
    socket.bind(&addr.into())?;
    Ok(socket.into())
}

/// A non-blocking UDP socket on `addr` that may send broadcasts.
pub(super) fn broadcasting_udp(addr: SocketAddr) -> std::io::Result<UdpSocket> {
    let socket = UdpSocket::bind(addr)?;
    socket.set_broadcast(true)?;
    socket.set_nonblocking(true)?;
    Ok(socket)
}
