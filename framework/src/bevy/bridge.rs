//! Moves bytes between bevy_renet's `RenetServer` / `RenetClient` resources and a
//! session's transport, so that sockets stay with bevy_renet's plugins.

use std::net::SocketAddr;
use std::time::Duration;

use ::bevy::prelude::*;
use bevy_renet::netcode::{NetcodeClientTransport, NetcodeServerTransport};
use bevy_renet::renet::ServerEvent;
use bevy_renet::{RenetClient, RenetServer, RenetServerEvent};
use crossbeam_channel::{Receiver, Sender, unbounded};

use crate::model::{Modification, WorkSpace};
use crate::net::{ClientConfig, HostConfig, SessionError};
use crate::transport::renet::{
    RELIABLE, UNRELIABLE, channel_id, connection_config, open_netcode, server_setup,
};
use crate::transport::{
    Channel, ClientEvent, ClientTransport, Conditioned, ConnId, HostEvent, HostTransport,
    LinkConditions, RenetClientConfig, RenetHostConfig, TransportError,
};

use super::session::TicklineSession;

enum HostOut {
    Send(ConnId, Channel, Vec<u8>),
    Disconnect(ConnId),
}

enum ClientOut {
    Send(Channel, Vec<u8>),
    Disconnect,
    Reconnect,
}

/// The session's end of the host bridge.
struct BridgeHost {
    inbox: Receiver<HostEvent>,
    outbox: Sender<HostOut>,
}

impl HostTransport for BridgeHost {
    fn update(&mut self, _now: Duration) -> Result<(), TransportError> {
        Ok(())
    }
    fn poll(&mut self) -> Option<HostEvent> {
        self.inbox.try_recv().ok()
    }
    fn send(&mut self, conn: ConnId, channel: Channel, bytes: Vec<u8>) {
        let _ = self.outbox.send(HostOut::Send(conn, channel, bytes));
    }
    fn disconnect(&mut self, conn: ConnId) {
        let _ = self.outbox.send(HostOut::Disconnect(conn));
    }
    fn flush(&mut self) {}
}

/// The session's end of the client bridge.
struct BridgeClient {
    inbox: Receiver<ClientEvent>,
    outbox: Sender<ClientOut>,
}

impl ClientTransport for BridgeClient {
    fn update(&mut self, _now: Duration) -> Result<(), TransportError> {
        Ok(())
    }
    fn poll(&mut self) -> Option<ClientEvent> {
        self.inbox.try_recv().ok()
    }
    fn send(&mut self, channel: Channel, bytes: Vec<u8>) {
        let _ = self.outbox.send(ClientOut::Send(channel, bytes));
    }
    fn disconnect(&mut self) {
        let _ = self.outbox.send(ClientOut::Disconnect);
    }
    fn reconnect(&mut self, _now: Duration) -> Result<(), TransportError> {
        let _ = self.outbox.send(ClientOut::Reconnect);
        Ok(())
    }
    fn flush(&mut self) {}
}

/// Bevy's end of the host bridge.
#[derive(Resource)]
pub(super) struct HostBridge {
    to_session: Sender<HostEvent>,
    from_session: Receiver<HostOut>,
}

/// Bevy's end of the client bridge.
#[derive(Resource)]
pub(super) struct ClientBridge {
    to_session: Sender<ClientEvent>,
    from_session: Receiver<ClientOut>,
    config: RenetClientConfig,
    connected: bool,
    ended: bool,
}

/// Binds the host's socket, inserts bevy_renet's server resources and a host
/// [`TicklineSession`] bridged to them (behind a link conditioner when
/// `conditions` is given). Returns the bound address.
///
/// # Errors
///
/// [`SessionError::Transport`] when the address cannot be bound (e.g. in use).
pub fn host_over_renet<W: WorkSpace, M: Modification<W>>(
    app: &mut App,
    config: HostConfig,
    genesis: W,
    renet: &RenetHostConfig,
    conditions: Option<LinkConditions>,
) -> Result<SocketAddr, SessionError> {
    let (server_config, socket, addr) = server_setup(renet)?;
    let transport =
        NetcodeServerTransport::new(server_config, socket).map_err(TransportError::from)?;
    let (to_session, inbox) = unbounded();
    let (outbox, from_session) = unbounded();
    let bridge = BridgeHost { inbox, outbox };
    let session = match conditions {
        Some(c) => TicklineSession::<W, M>::host(config, genesis, Conditioned::new(bridge, c))?,
        None => TicklineSession::<W, M>::host(config, genesis, bridge)?,
    };
    app.insert_resource(RenetServer::new(connection_config()))
        .insert_resource(transport)
        .insert_resource(HostBridge {
            to_session,
            from_session,
        })
        .insert_resource(session);
    Ok(addr)
}

/// Inserts bevy_renet's client resources (connecting now) and a client
/// [`TicklineSession`] bridged to them (behind a link conditioner when
/// `conditions` is given).
///
/// # Errors
///
/// [`SessionError::Transport`] if no socket can be bound or no token issued.
pub fn join_over_renet<W: WorkSpace, M: Modification<W>>(
    app: &mut App,
    config: ClientConfig,
    renet: RenetClientConfig,
    conditions: Option<LinkConditions>,
) -> Result<(), SessionError> {
    let transport = open_netcode(&renet)?;
    let (to_session, inbox) = unbounded();
    let (outbox, from_session) = unbounded();
    let bridge = BridgeClient { inbox, outbox };
    let session = match conditions {
        Some(c) => TicklineSession::<W, M>::client(config, Conditioned::new(bridge, c))?,
        None => TicklineSession::<W, M>::client(config, bridge)?,
    };
    app.insert_resource(RenetClient::new(connection_config()))
        .insert_resource(NetcodeClientTransport(transport))
        .insert_resource(ClientBridge {
            to_session,
            from_session,
            config: renet,
            connected: false,
            ended: false,
        })
        .insert_resource(session);
    Ok(())
}

pub(super) fn build(app: &mut App) {
    app.add_observer(on_server_event);
}

fn on_server_event(event: On<RenetServerEvent>, bridge: Option<Res<HostBridge>>) {
    let Some(bridge) = bridge else { return };
    let _ = bridge.to_session.send(match &event.0 {
        ServerEvent::ClientConnected { client_id } => HostEvent::Connected(*client_id),
        ServerEvent::ClientDisconnected { client_id, reason } => {
            HostEvent::Disconnected(*client_id, reason.to_string())
        }
    });
}

/// Received messages (and client connection changes) into the session.
pub(super) fn pump_in(
    host: Option<Res<HostBridge>>,
    mut server: Option<ResMut<RenetServer>>,
    client_bridge: Option<ResMut<ClientBridge>>,
    mut client: Option<ResMut<RenetClient>>,
) {
    if let (Some(bridge), Some(server)) = (host, server.as_mut()) {
        for id in server.clients_id() {
            for (channel, ch) in [
                (Channel::Reliable, RELIABLE),
                (Channel::Unreliable, UNRELIABLE),
            ] {
                while let Some(bytes) = server.receive_message(id, ch) {
                    let _ = bridge
                        .to_session
                        .send(HostEvent::Message(id, channel, bytes.to_vec()));
                }
            }
        }
    }
    if let (Some(mut bridge), Some(client)) = (client_bridge, client.as_mut()) {
        if bridge.ended {
            return;
        }
        if client.is_connected() && !bridge.connected {
            bridge.connected = true;
            let _ = bridge.to_session.send(ClientEvent::Connected);
        }
        for (channel, ch) in [
            (Channel::Reliable, RELIABLE),
            (Channel::Unreliable, UNRELIABLE),
        ] {
            while let Some(bytes) = client.receive_message(ch) {
                let _ = bridge
                    .to_session
                    .send(ClientEvent::Message(channel, bytes.to_vec()));
            }
        }
        if client.is_disconnected() {
            bridge.ended = true;
            let reason = client
                .disconnect_reason()
                .map_or("connection lost".to_string(), |r| r.to_string());
            let _ = bridge.to_session.send(ClientEvent::Disconnected(reason));
        }
    }
}

/// The session's outgoing messages into bevy_renet (sent by its `RenetSend` set).
pub(super) fn pump_out(
    mut commands: Commands,
    host: Option<Res<HostBridge>>,
    mut server: Option<ResMut<RenetServer>>,
    client_bridge: Option<ResMut<ClientBridge>>,
    mut client: Option<ResMut<RenetClient>>,
    mut netcode: Option<ResMut<NetcodeClientTransport>>,
) {
    if let (Some(bridge), Some(server)) = (host, server.as_mut()) {
        while let Ok(out) = bridge.from_session.try_recv() {
            match out {
                HostOut::Send(conn, channel, bytes) => {
                    let ch = channel_id(channel);
                    if server.is_connected(conn) && server.can_send_message(conn, ch, bytes.len()) {
                        server.send_message(conn, ch, bytes);
                    }
                }
                HostOut::Disconnect(conn) => server.disconnect(conn),
            }
        }
    }
    let Some(mut bridge) = client_bridge else {
        return;
    };
    while let Ok(out) = bridge.from_session.try_recv() {
        match out {
            ClientOut::Send(channel, bytes) => {
                let ch = channel_id(channel);
                if let Some(client) = client.as_mut()
                    && client.is_connected()
                    && client.can_send_message(ch, bytes.len())
                {
                    client.send_message(ch, bytes);
                }
            }
            ClientOut::Disconnect => {
                if let Some(netcode) = netcode.as_mut() {
                    netcode.disconnect();
                }
                bridge.ended = true;
            }
            ClientOut::Reconnect => match open_netcode(&bridge.config) {
                Ok(transport) => {
                    commands.insert_resource(RenetClient::new(connection_config()));
                    commands.insert_resource(NetcodeClientTransport(transport));
                    bridge.connected = false;
                    bridge.ended = false;
                }
                Err(e) => {
                    let _ = bridge
                        .to_session
                        .send(ClientEvent::Disconnected(e.to_string()));
                }
            },
        }
    }
}
