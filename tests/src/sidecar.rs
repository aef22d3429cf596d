//! A stand-in for the Agones SDK sidecar: an HTTP/1.1 server on loopback that
//! records every request and answers with a chosen status. It can start late
//! (on a port reserved beforehand) to play a sidecar that is not up yet.

use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicU16, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::thread;
use std::time::{Duration, Instant};

/// Largest request body the stand-in reads.
const MAX_BODY: usize = 64 * 1024;

/// One request the sidecar got.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Request {
    /// `POST`, `GET`...
    pub method: String,
    /// e.g. `/ready`.
    pub path: String,
    /// The body, as text.
    pub body: String,
}

/// The stand-in sidecar.
#[derive(Clone, Debug)]
pub struct Sidecar {
    /// Its port on 127.0.0.1.
    pub port: u16,
    requests: Arc<Mutex<Vec<Request>>>,
    status: Arc<AtomicU16>,
}

impl Sidecar {
    /// Reserves a free port without listening on it yet.
    pub fn reserve() -> Self {
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free loopback port")
            .port();
        Sidecar {
            port,
            requests: Arc::default(),
            status: Arc::new(AtomicU16::new(200)),
        }
    }

    /// Starts a sidecar at once.
    pub fn start() -> Self {
        let s = Self::reserve();
        s.listen();
        s
    }

    /// Starts listening on the reserved port.
    pub fn listen(&self) {
        let listener = TcpListener::bind(("127.0.0.1", self.port)).expect("the reserved port");
        let me = self.clone();
        thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let me = me.clone();
                thread::spawn(move || me.serve(stream));
            }
        });
    }

    /// Answers every later request with `status`.
    pub fn answer(&self, status: u16) {
        self.status.store(status, Ordering::SeqCst);
    }

    /// `127.0.0.1:PORT`.
    pub fn addr(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }

    /// The requests so far.
    pub fn requests(&self) -> Vec<Request> {
        self.requests
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// The paths of the requests so far, without `/health`.
    pub fn calls(&self) -> Vec<String> {
        self.requests()
            .into_iter()
            .filter(|r| r.path != "/health")
            .map(|r| r.path)
            .collect()
    }

    /// Waits until `done` holds for the requests, or panics after `limit`.
    pub fn wait_for(&self, what: &str, limit: Duration, done: impl Fn(&[Request]) -> bool) {
        let deadline = Instant::now() + limit;
        while !done(&self.requests()) {
            assert!(
                Instant::now() < deadline,
                "the sidecar did not see {what} within {limit:?}: {:?}",
                self.requests()
            );
            thread::sleep(Duration::from_millis(10));
        }
    }

    fn serve(&self, stream: TcpStream) {
        let Ok(mut out) = stream.try_clone() else {
            return;
        };
        let mut reader = BufReader::new(stream);
        while let Some(request) = read_request(&mut reader) {
            let status = self.status.load(Ordering::SeqCst);
            self.requests
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .push(request);
            let reply = format!(
                "HTTP/1.1 {status} X\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{{}}"
            );
            if out.write_all(reply.as_bytes()).is_err() {
                return;
            }
        }
    }
}

/// Reads one request (request line, headers, `Content-Length` body).
fn read_request(reader: &mut impl BufRead) -> Option<Request> {
    let mut line = String::new();
    reader.read_line(&mut line).ok().filter(|&n| n > 0)?;
    let mut parts = line.split_whitespace();
    let method = parts.next()?.to_string();
    let path = parts.next()?.to_string();
    let mut length = 0usize;
    loop {
        let mut header = String::new();
        reader.read_line(&mut header).ok().filter(|&n| n > 0)?;
        let header = header.trim_end();
        if header.is_empty() {
            break;
        }
        if let Some((name, value)) = header.split_once(':')
            && name.eq_ignore_ascii_case("content-length")
        {
            length = value.trim().parse().ok()?;
        }
    }
    let mut body = vec![0; length.min(MAX_BODY)];
    reader.read_exact(&mut body).ok()?;
    Some(Request {
        method,
        path,
        body: String::from_utf8_lossy(&body).into_owned(),
    })
}
