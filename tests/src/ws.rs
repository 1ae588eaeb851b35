//! A small blocking WebSocket client for tests (tungstenite over a plain
//! `TcpStream` to 127.0.0.1): custom handshake headers (Origin,
//! Authorization), reads with a deadline, the text `"ping"` keep-alive, a
//! clean close or an abrupt drop (no close frame).
//!
//! Every JSON frame received is kept in [`Ws::log`] with its arrival time, so
//! a failing assertion can print what the socket actually saw.

use serde_json::Value;
use std::fmt;
use std::io::{ErrorKind, Read};
use std::net::{Shutdown, TcpStream, ToSocketAddrs};
use std::time::{Duration, Instant};
use tungstenite::client::IntoClientRequest;
use tungstenite::handshake::HandshakeError;
use tungstenite::http::HeaderValue;
use tungstenite::protocol::frame::coding::CloseCode;
use tungstenite::protocol::CloseFrame;
use tungstenite::{Message, WebSocket};

/// Why a WebSocket could not be opened.
#[derive(Debug, Clone)]
pub enum WsConnectError {
    /// The server answered the upgrade with an HTTP status instead of 101.
    Rejected { status: u16, body: String },
    /// TCP or protocol failure before an HTTP answer.
    Transport(String),
}

impl WsConnectError {
    /// The HTTP status of a refused upgrade (0 for a transport failure).
    pub fn status(&self) -> u16 {
        match self {
            WsConnectError::Rejected { status, .. } => *status,
            WsConnectError::Transport(_) => 0,
        }
    }

    /// The body of a refused upgrade parsed as JSON (or a JSON string).
    pub fn body_json(&self) -> Value {
        match self {
            WsConnectError::Rejected { body, .. } => {
                serde_json::from_str(body).unwrap_or_else(|_| Value::String(body.clone()))
            }
            WsConnectError::Transport(e) => Value::String(e.clone()),
        }
    }
}

impl fmt::Display for WsConnectError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            WsConnectError::Rejected { status, body } => {
                write!(f, "upgrade refused with HTTP {status}: {body}")
            }
            WsConnectError::Transport(e) => write!(f, "WebSocket transport error: {e}"),
        }
    }
}

impl std::error::Error for WsConnectError {}

/// What one read produced.
#[derive(Debug, Clone, PartialEq)]
pub enum Frame {
    /// A text frame (JSON or not).
    Text(String),
    /// The peer closed (close frame, EOF or reset); the code if there was one.
    Closed(Option<u16>),
    /// Nothing arrived before the deadline.
    Timeout,
}

/// An open WebSocket.
pub struct Ws {
    socket: WebSocket<TcpStream>,
    /// The path this socket was opened on (for messages).
    pub path: String,
    /// Every JSON text frame received so far, with its arrival time.
    pub log: Vec<(Instant, Value)>,
    /// Set once the peer closed the socket.
    pub closed: bool,
}

/// Turns `http://host:port` into `host:port` and `ws://host:port`.
fn split_base(base: &str) -> (String, String) {
    let rest = base
        .trim_end_matches('/')
        .trim_start_matches("http://")
        .trim_start_matches("ws://");
    (rest.to_string(), format!("ws://{rest}"))
}

/// Percent-encodes a query value (tokens may contain `+`, `/`, `=`).
pub fn encode_query(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for b in value.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

impl Ws {
    /// Opens `path` (e.g. `/v1/sites/s/live?group=g`) on the edge at `base`
    /// (`http://127.0.0.1:port`) with extra handshake headers.
    pub fn connect(base: &str, path: &str, headers: &[(&str, &str)]) -> Result<Ws, WsConnectError> {
        let (hostport, ws_base) = split_base(base);
        let url = format!("{ws_base}{path}");
        let mut request = url
            .as_str()
            .into_client_request()
            .map_err(|e| WsConnectError::Transport(format!("bad request {url}: {e}")))?;
        for (name, value) in headers {
            let name: tungstenite::http::HeaderName = name
                .parse()
                .map_err(|e| WsConnectError::Transport(format!("bad header name {name}: {e}")))?;
            let value = HeaderValue::from_str(value)
                .map_err(|e| WsConnectError::Transport(format!("bad header value {value}: {e}")))?;
            request.headers_mut().insert(name, value);
        }
        let addr = hostport
            .to_socket_addrs()
            .map_err(|e| WsConnectError::Transport(format!("resolve {hostport}: {e}")))?
            .next()
            .ok_or_else(|| WsConnectError::Transport(format!("no address for {hostport}")))?;
        let stream = TcpStream::connect_timeout(&addr, Duration::from_secs(10))
            .map_err(|e| WsConnectError::Transport(format!("connect {addr}: {e}")))?;
        let _ = stream.set_nodelay(true);
        stream
            .set_read_timeout(Some(Duration::from_secs(20)))
            .map_err(|e| WsConnectError::Transport(e.to_string()))?;
        stream
            .set_write_timeout(Some(Duration::from_secs(20)))
            .map_err(|e| WsConnectError::Transport(e.to_string()))?;
        // A clone of the socket reads the rest of a refusal's body, which
        // tungstenite only returns as far as it had already buffered.
        let probe = stream.try_clone().ok();
        match tungstenite::client(request, stream) {
            Ok((socket, _response)) => Ok(Ws {
                socket,
                path: path.to_string(),
                log: Vec::new(),
                closed: false,
            }),
            Err(HandshakeError::Failure(tungstenite::Error::Http(response))) => {
                let status = response.status().as_u16();
                let mut body = response.body().clone().unwrap_or_default();
                let length = response
                    .headers()
                    .get("content-length")
                    .and_then(|v| v.to_str().ok())
                    .and_then(|v| v.trim().parse::<usize>().ok())
                    .unwrap_or(0)
                    .min(1 << 20);
                if let Some(mut probe) = probe {
                    let _ = probe.set_read_timeout(Some(Duration::from_secs(2)));
                    let mut buf = [0u8; 4096];
                    while body.len() < length {
                        match probe.read(&mut buf) {
                            Ok(0) | Err(_) => break,
                            Ok(n) => body.extend_from_slice(&buf[..n]),
                        }
                    }
                }
                let body = String::from_utf8_lossy(&body).into_owned();
                Err(WsConnectError::Rejected { status, body })
            }
            Err(HandshakeError::Failure(e)) => Err(WsConnectError::Transport(e.to_string())),
            Err(HandshakeError::Interrupted(_)) => {
                Err(WsConnectError::Transport("handshake timed out".to_string()))
            }
        }
    }

    /// Sends a text frame.
    pub fn send_text(&mut self, text: &str) -> Result<(), String> {
        self.socket
            .send(Message::Text(text.to_string()))
            .map_err(|e| format!("send on {}: {e}", self.path))
    }

    /// Sends a JSON text frame; panics if the socket is gone.
    pub fn send_json(&mut self, value: &Value) {
        if let Err(e) = self.send_text(&value.to_string()) {
            panic!("{e}");
        }
    }

    /// Sends the keep-alive text `"ping"` (the runtime answers `"pong"`).
    pub fn ping(&mut self) {
        if let Err(e) = self.send_text("ping") {
            panic!("{e}");
        }
    }

    /// Sends `"ping"` and waits for `"pong"`, keeping any JSON frame that
    /// arrives meanwhile in the log. Returns the round trip.
    pub fn ping_pong(&mut self, within: Duration) -> Duration {
        let sent = Instant::now();
        self.ping();
        let deadline = sent + within;
        loop {
            match self.next_frame(deadline.saturating_duration_since(Instant::now())) {
                Frame::Text(t) if t == "pong" => return sent.elapsed(),
                Frame::Text(_) => continue,
                Frame::Closed(code) => {
                    panic!("{} closed ({code:?}) while waiting for pong", self.path)
                }
                Frame::Timeout => panic!("no pong on {} within {within:?}", self.path),
            }
        }
    }

    /// Reads the next text frame (JSON frames are also logged), waiting at
    /// most `timeout`.
    pub fn next_frame(&mut self, timeout: Duration) -> Frame {
        if self.closed {
            return Frame::Closed(None);
        }
        let deadline = Instant::now() + timeout;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return Frame::Timeout;
            }
            // A zero read timeout means "block forever": keep it >= 1 ms.
            let _ = self
                .socket
                .get_ref()
                .set_read_timeout(Some(left.max(Duration::from_millis(1))));
            match self.socket.read() {
                Ok(Message::Text(text)) => {
                    if let Ok(json) = serde_json::from_str::<Value>(&text) {
                        self.log.push((Instant::now(), json));
                    }
                    return Frame::Text(text);
                }
                Ok(Message::Binary(bytes)) => {
                    let text = String::from_utf8_lossy(&bytes).into_owned();
                    return Frame::Text(text);
                }
                Ok(Message::Close(frame)) => {
                    self.closed = true;
                    return Frame::Closed(frame.map(|f| u16::from(f.code)));
                }
                // Protocol pings/pongs are answered by tungstenite itself.
                Ok(_) => continue,
                Err(tungstenite::Error::Io(e))
                    if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) =>
                {
                    return Frame::Timeout;
                }
                Err(_) => {
                    self.closed = true;
                    return Frame::Closed(None);
                }
            }
        }
    }

    /// The next JSON frame (skipping `"pong"` and other non-JSON text), or
    /// `None` on timeout or close.
    pub fn next_json(&mut self, timeout: Duration) -> Option<Value> {
        let deadline = Instant::now() + timeout;
        loop {
            match self.next_frame(deadline.saturating_duration_since(Instant::now())) {
                Frame::Text(t) => {
                    if let Ok(v) = serde_json::from_str::<Value>(&t) {
                        return Some(v);
                    }
                }
                Frame::Closed(_) | Frame::Timeout => return None,
            }
        }
    }

    /// Waits for a JSON frame matching `pred`, skipping others. Returns the
    /// frame and when it arrived, or a description of everything seen.
    pub fn wait_for(
        &mut self,
        within: Duration,
        mut pred: impl FnMut(&Value) -> bool,
    ) -> Result<(Value, Instant), String> {
        let start_log = self.log.len();
        let deadline = Instant::now() + within;
        loop {
            match self.next_frame(deadline.saturating_duration_since(Instant::now())) {
                Frame::Text(t) => {
                    if let Ok(v) = serde_json::from_str::<Value>(&t) {
                        if pred(&v) {
                            return Ok((v, Instant::now()));
                        }
                    }
                }
                Frame::Closed(code) => {
                    return Err(format!(
                        "{} closed ({code:?}); frames seen: {}",
                        self.path,
                        self.describe_since(start_log)
                    ))
                }
                Frame::Timeout => {
                    return Err(format!(
                        "nothing matching on {} within {within:?}; frames seen: {}",
                        self.path,
                        self.describe_since(start_log)
                    ))
                }
            }
        }
    }

    /// Like [`Ws::wait_for`] but panics with `what` and the frames seen.
    pub fn expect(
        &mut self,
        within: Duration,
        what: &str,
        pred: impl FnMut(&Value) -> bool,
    ) -> Value {
        match self.wait_for(within, pred) {
            Ok((v, _)) => v,
            Err(e) => panic!("expected {what}: {e}"),
        }
    }

    /// Reads for `during` and returns every JSON frame that arrived (an
    /// empty vector proves silence). Stops early if the socket closes.
    pub fn collect_for(&mut self, during: Duration) -> Vec<Value> {
        let deadline = Instant::now() + during;
        let mut out = Vec::new();
        loop {
            match self.next_frame(deadline.saturating_duration_since(Instant::now())) {
                Frame::Text(t) => {
                    if let Ok(v) = serde_json::from_str::<Value>(&t) {
                        out.push(v);
                    }
                }
                Frame::Closed(_) | Frame::Timeout => return out,
            }
        }
    }

    /// The JSON frames logged from index `from`, one per line.
    pub fn describe_since(&self, from: usize) -> String {
        let frames: Vec<String> = self.log[from.min(self.log.len())..]
            .iter()
            .map(|(_, v)| v.to_string())
            .collect();
        if frames.is_empty() {
            "(none)".to_string()
        } else {
            format!("\n  {}", frames.join("\n  "))
        }
    }

    /// Closes cleanly (close frame 1000) and waits briefly for the echo.
    pub fn close(mut self) {
        let _ = self.socket.close(Some(CloseFrame {
            code: CloseCode::Normal,
            reason: "bye".into(),
        }));
        let deadline = Instant::now() + Duration::from_secs(2);
        while !self.closed && Instant::now() < deadline {
            if let Frame::Timeout =
                self.next_frame(deadline.saturating_duration_since(Instant::now()))
            {
                break;
            }
        }
        let _ = self.socket.get_ref().shutdown(Shutdown::Both);
    }

    /// Drops the TCP connection without a close frame, as a crashed device
    /// or a lost network would.
    pub fn drop_abruptly(self) {
        let _ = self.socket.get_ref().shutdown(Shutdown::Both);
    }
}

/// The `status` string of a visitor frame (`/live`) or status body.
pub fn audience_status(frame: &Value) -> Option<&str> {
    match frame.get("status") {
        Some(Value::String(s)) => Some(s),
        Some(obj @ Value::Object(_)) => obj.get("status").and_then(Value::as_str),
        _ => None,
    }
}

/// The agent's own status in a device frame: `hello` (`agent.status`) or
/// `agent_status` (`status` or `agent.status`).
pub fn agent_frame_status(frame: &Value) -> Option<&str> {
    frame
        .get("status")
        .and_then(Value::as_str)
        .or_else(|| frame.get("agent")?.get("status")?.as_str())
        .or_else(|| frame.get("status")?.get("status")?.as_str())
}

/// The agent's own message in a device frame (see [`agent_frame_status`]).
pub fn agent_frame_message(frame: &Value) -> Option<&str> {
    frame
        .get("message")
        .and_then(Value::as_str)
        .or_else(|| frame.get("agent")?.get("message")?.as_str())
        .or_else(|| frame.get("status")?.get("message")?.as_str())
}

/// The `type` of a device frame.
pub fn frame_type(frame: &Value) -> Option<&str> {
    frame.get("type").and_then(Value::as_str)
}
