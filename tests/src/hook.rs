//! A real HTTP receiver on loopback for webhook tests: a
//! `std::net::TcpListener` in the test process, on a port of its own,
//! that records every request (method, path, headers, body) and answers
//! each with the next status of a script (then 200). Plain HTTP/1.1 with a
//! `Content-Length` body, keep-alive honoured; no mock of the edge: the
//! edge's alarm really fetches it through workerd.

use std::collections::VecDeque;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// One request the receiver got.
#[derive(Clone, Debug)]
pub struct Received {
    pub method: String,
    pub path: String,
    /// Header names lowercased.
    pub headers: Vec<(String, String)>,
    pub body: String,
    /// The status it was answered.
    pub answered: u16,
}

impl Received {
    pub fn header(&self, name: &str) -> Option<&str> {
        let name = name.to_ascii_lowercase();
        self.headers
            .iter()
            .find(|(k, _)| *k == name)
            .map(|(_, v)| v.as_str())
    }
}

#[derive(Default)]
struct Shared {
    received: Vec<Received>,
    script: VecDeque<u16>,
}

/// The receiver; it stops serving when the test process ends.
pub struct Receiver {
    pub url: String,
    shared: Arc<Mutex<Shared>>,
}

impl Receiver {
    /// Starts on `127.0.0.1:<free port>`; panics if it cannot bind.
    pub fn start() -> Receiver {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind a loopback port");
        let port = listener.local_addr().expect("local address").port();
        let shared = Arc::new(Mutex::new(Shared::default()));
        let for_thread = shared.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let shared = for_thread.clone();
                std::thread::spawn(move || serve(stream, &shared));
            }
        });
        Receiver {
            url: format!("http://127.0.0.1:{port}"),
            shared,
        }
    }

    /// The next requests are answered these statuses, in order (then 200);
    /// 0: no answer at all (the connection is held 20 s, then closed).
    pub fn answer(&self, statuses: &[u16]) {
        self.lock().script.extend(statuses.iter().copied());
    }

    /// Every request so far.
    pub fn received(&self) -> Vec<Received> {
        self.lock().received.clone()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Shared> {
        self.shared.lock().unwrap_or_else(|p| p.into_inner())
    }
}

fn serve(stream: TcpStream, shared: &Mutex<Shared>) {
    let _ = stream.set_read_timeout(Some(Duration::from_secs(30)));
    let Ok(mut writer) = stream.try_clone() else {
        return;
    };
    let mut reader = BufReader::new(stream);
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).unwrap_or(0) == 0 {
            return;
        }
        let mut parts = line.split_whitespace();
        let method = parts.next().unwrap_or("").to_string();
        let path = parts.next().unwrap_or("").to_string();
        let mut headers = Vec::new();
        loop {
            let mut h = String::new();
            if reader.read_line(&mut h).unwrap_or(0) == 0 {
                return;
            }
            let h = h.trim_end();
            if h.is_empty() {
                break;
            }
            if let Some((k, v)) = h.split_once(':') {
                headers.push((k.trim().to_ascii_lowercase(), v.trim().to_string()));
            }
        }
        let len = headers
            .iter()
            .find(|(k, _)| k == "content-length")
            .and_then(|(_, v)| v.parse::<usize>().ok())
            .unwrap_or(0);
        let mut body = vec![0u8; len];
        if reader.read_exact(&mut body).is_err() {
            return;
        }
        let answered = {
            let mut s = shared.lock().unwrap_or_else(|p| p.into_inner());
            let status = s.script.pop_front().unwrap_or(200);
            s.received.push(Received {
                method,
                path,
                headers,
                body: String::from_utf8_lossy(&body).into_owned(),
                answered: status,
            });
            status
        };
        if answered == 0 {
            std::thread::sleep(Duration::from_secs(20));
            return;
        }
        let reply = format!(
            "HTTP/1.1 {answered} X\r\nContent-Length: 2\r\nContent-Type: text/plain\r\n\r\nok"
        );
        if writer.write_all(reply.as_bytes()).is_err() {
            return;
        }
    }
}

/// HMAC-SHA256 (RFC 2104), written here so the tests check the edge's
/// signatures with code of their own.
pub fn hmac_sha256_hex(key: &[u8], message: &[u8]) -> String {
    use sha2::{Digest, Sha256};
    let mut block = [0u8; 64];
    if key.len() > 64 {
        block[..32].copy_from_slice(&Sha256::digest(key));
    } else {
        block[..key.len()].copy_from_slice(key);
    }
    let ipad: Vec<u8> = block.iter().map(|b| b ^ 0x36).collect();
    let opad: Vec<u8> = block.iter().map(|b| b ^ 0x5c).collect();
    let inner = Sha256::new()
        .chain_update(&ipad)
        .chain_update(message)
        .finalize();
    let outer = Sha256::new()
        .chain_update(&opad)
        .chain_update(inner)
        .finalize();
    outer.iter().map(|b| format!("{b:02x}")).collect()
}
