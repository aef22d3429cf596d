//! The WebSocket transport's own rules, on 127.0.0.1 in real time: the room
//! code, the connection cap, the handshake timeout, the size limit, another
//! game. (What every transport does is in `conformance`.)

use std::io::Write;
use std::net::TcpStream;
use std::time::{Duration, Instant};

use tickline::transport::{
    Channel, ClientEvent, ClientTransport, DisconnectReason, HostEvent, HostTransport, JoinCode,
    MAX_MESSAGE_TO_HOST, WsClientConfig, WsClientTransport, WsHostConfig, WsHostTransport,
};

const PROTOCOL_ID: u64 = 0x7773_7465_7374;
const DEADLINE: Duration = Duration::from_secs(30);

fn host(config: impl FnOnce(WsHostConfig) -> WsHostConfig) -> WsHostTransport {
    let bind = "127.0.0.1:0".parse().expect("an address");
    WsHostTransport::bind(config(WsHostConfig::new(bind, PROTOCOL_ID))).expect("binds")
}

fn client(
    host: &WsHostTransport,
    config: impl FnOnce(WsClientConfig) -> WsClientConfig,
) -> WsClientTransport {
    let url = format!("ws://{}", host.local_addr());
    let base = WsClientConfig::new(&url, PROTOCOL_ID).expect("a URL");
    WsClientTransport::connect(config(base)).expect("connects")
}

/// Both ends, updated together in real time.
struct Net {
    start: Instant,
    host: WsHostTransport,
    host_events: Vec<HostEvent>,
}

impl Net {
    fn new(host: WsHostTransport) -> Self {
        Net {
            start: Instant::now(),
            host,
            host_events: Vec::new(),
        }
    }

    /// Updates the host and `clients` until the host's events satisfy `done`.
    fn until_host(
        &mut self,
        clients: &mut [&mut WsClientTransport],
        what: &str,
        done: impl Fn(&[HostEvent]) -> bool,
    ) {
        while !done(&self.host_events) {
            self.until(clients, usize::MAX, what, |_| false);
        }
    }

    /// Updates the host and `clients` until `clients[i]` reports an event
    /// that `done` accepts: that event. (With no such client, one turn.)
    fn until(
        &mut self,
        clients: &mut [&mut WsClientTransport],
        i: usize,
        what: &str,
        done: impl Fn(&ClientEvent) -> bool,
    ) -> ClientEvent {
        loop {
            assert!(
                self.start.elapsed() < DEADLINE,
                "timed out waiting for {what}"
            );
            let now = self.start.elapsed();
            self.host.update(now).expect("host update");
            while let Some(e) = self.host.poll() {
                self.host_events.push(e);
            }
            self.host.flush();
            for (j, c) in clients.iter_mut().enumerate() {
                c.update(now).expect("client update");
                c.flush();
                while let Some(e) = c.poll() {
                    if j == i && done(&e) {
                        return e;
                    }
                }
            }
            std::thread::sleep(Duration::from_millis(2));
            if i == usize::MAX {
                return ClientEvent::Connected;
            }
        }
    }
}

fn is_end(e: &ClientEvent) -> bool {
    matches!(e, ClientEvent::Disconnected(_))
}

fn ended(e: &ClientEvent) -> String {
    match e {
        ClientEvent::Disconnected(why) => why.to_string(),
        other => panic!("{other:?} where an end was expected"),
    }
}

fn opened(e: &ClientEvent) -> bool {
    matches!(e, ClientEvent::Connected | ClientEvent::Disconnected(_))
}

#[test]
fn a_room_code_lets_in_only_who_knows_it_and_says_why_to_the_others() {
    let code = JoinCode::parse("K7QM-3XTD").expect("a code");
    let mut net = Net::new(host(|c| c.with_code(code.clone())));
    let mut right = client(&net.host, |c| c.with_code(code.clone()));
    let mut wrong = client(&net.host, |c| {
        c.with_code(JoinCode::parse("K7QM-3XTE").expect("a code"))
    });
    let mut none = client(&net.host, |c| c);
    let e = net.until(&mut [&mut right], 0, "the right code to open", opened);
    assert_eq!(e, ClientEvent::Connected);
    let e = net.until(&mut [&mut wrong], 0, "the wrong code to be refused", opened);
    assert_eq!(
        ended(&e),
        "the host refused the connection: the room code is wrong"
    );
    let e = net.until(&mut [&mut none], 0, "no code to be refused", opened);
    assert_eq!(ended(&e), "the host needs a room code");
    let opened = net.host_events.iter();
    let opened = opened
        .filter(|e| matches!(e, HostEvent::Connected(_)))
        .count();
    assert_eq!(opened, 1, "only the client with the code opened");
}

#[test]
fn past_the_cap_a_client_hears_the_server_is_full_and_a_freed_slot_is_taken() {
    let mut net = Net::new(host(|c| WsHostConfig {
        max_connections: 2,
        ..c
    }));
    let mut a = client(&net.host, |c| c);
    let mut b = client(&net.host, |c| c);
    assert_eq!(
        net.until(&mut [&mut a, &mut b], 0, "a to open", opened),
        ClientEvent::Connected
    );
    assert_eq!(
        net.until(&mut [&mut a, &mut b], 1, "b to open", opened),
        ClientEvent::Connected
    );
    let mut c = client(&net.host, |c| c);
    let e = net.until(&mut [&mut a, &mut b, &mut c], 2, "c to be refused", opened);
    assert_eq!(e, ClientEvent::Disconnected(DisconnectReason::ServerFull));
    a.disconnect();
    net.until_host(&mut [&mut a, &mut b], "the host to see a leave", |events| {
        events
            .iter()
            .any(|e| matches!(e, HostEvent::Disconnected(..)))
    });
    let e = loop {
        c.reconnect(net.start.elapsed()).expect("reconnects");
        let e = net.until(&mut [&mut b, &mut c], 1, "c to try again", opened);
        if e != ClientEvent::Disconnected(DisconnectReason::ServerFull) {
            break e;
        }
    };
    assert_eq!(e, ClientEvent::Connected, "c takes the freed slot");
}

#[test]
fn half_open_and_slow_connections_lose_their_slot_within_the_handshake_timeout() {
    let mut net = Net::new(host(|c| WsHostConfig {
        max_connections: 2,
        handshake_timeout: Duration::from_millis(500),
        ..c
    }));
    // One connection says nothing; one sends half an upgrade request.
    let _silent = TcpStream::connect(net.host.local_addr()).expect("connects");
    let mut slow = TcpStream::connect(net.host.local_addr()).expect("connects");
    slow.write_all(b"GET / HTTP/1.1\r\nHost: x\r\n")
        .expect("writes");
    let started = Instant::now();
    let mut late = client(&net.host, |c| c);
    let e = loop {
        let e = net.until(&mut [&mut late], 0, "a slot to free", opened);
        if e == ClientEvent::Connected {
            break e;
        }
        assert_eq!(e, ClientEvent::Disconnected(DisconnectReason::ServerFull));
        late.reconnect(net.start.elapsed()).expect("reconnects");
    };
    assert_eq!(e, ClientEvent::Connected);
    assert!(
        started.elapsed() >= Duration::from_millis(500),
        "the slots were held until the timeout"
    );
    assert_eq!(net.host.connections(), 1, "the two strangers are gone");
}

#[test]
fn a_message_over_the_limit_ends_the_senders_connection_with_a_reason() {
    let mut net = Net::new(host(|c| c));
    let mut big = client(&net.host, |c| c);
    let mut honest = client(&net.host, |c| c);
    net.until(&mut [&mut big, &mut honest], 0, "big to open", opened);
    net.until(&mut [&mut big, &mut honest], 1, "honest to open", opened);
    big.send(Channel::Reliable, vec![1; MAX_MESSAGE_TO_HOST + 1])
        .expect("queued");
    honest.send(Channel::Reliable, vec![2; 8]).expect("queued");
    let e = net.until(&mut [&mut big, &mut honest], 0, "big to be cut off", is_end);
    assert!(ended(&e).contains("over the size limit"), "{e:?}");
    net.until_host(&mut [&mut honest], "the honest message", |events| {
        events.iter().any(|e| matches!(e, HostEvent::Message(..)))
    });
    let mut ends = 0;
    for e in &net.host_events {
        match e {
            HostEvent::Message(_, _, bytes) => assert_eq!(bytes, &[2; 8], "only the honest one"),
            HostEvent::Disconnected(_, why) => {
                ends += 1;
                assert!(why.contains("over the size limit"), "{why}");
            }
            HostEvent::Connected(_) => {}
        }
    }
    assert_eq!(ends, 1, "only the sender's connection ended");
    assert!(net.host.garbage() >= 1, "counted as garbage");
}

#[test]
fn a_client_of_another_game_is_refused_before_it_opens() {
    let mut net = Net::new(host(|c| c));
    let mut other = client(&net.host, |c| WsClientConfig {
        protocol_id: PROTOCOL_ID + 1,
        ..c
    });
    let e = net.until(&mut [&mut other], 0, "the other game to be refused", opened);
    assert_eq!(
        ended(&e),
        "the host runs another game or another version of it"
    );
    assert!(net.host_events.is_empty(), "the host never saw it open");
}

#[test]
fn urls_that_are_not_ws_with_a_port_get_a_one_line_error() {
    for (url, says) in [
        ("wss://example.org:443", "wss:// (TLS) is not supported"),
        ("http://127.0.0.1:80", "is not a WebSocket URL"),
        ("ws://127.0.0.1", "needs a host and a port"),
        ("ws://:5000", "needs a host and a port"),
    ] {
        let e = WsClientConfig::new(url, 1).expect_err(url).to_string();
        assert!(e.contains(says) && !e.contains('\n'), "{url}: {e}");
    }
}
