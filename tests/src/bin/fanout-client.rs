//! The fan-out benchmark's visitor sockets (`tests/bench/edge-fanout.mjs
//! --client rust`, the default): one process, one epoll loop, thousands of
//! WebSocket clients on loopback that timestamp, per socket, the receipt of
//! an armed status with `CLOCK_MONOTONIC` (the clock node's
//! `process.hrtime` reads, so the parent can subtract the instant it sent the
//! change).
//!
//! Why native: the visitors of a real site are on their own machines; here
//! they share two cores with the server measured. A node client spends
//! ~10 µs of CPU per received frame (~100 ms per change at 10,000 sockets,
//! twice that after a quiet spell), which the server then waits for. This
//! one reads, stamps and matches a frame in ~2 µs, so the figures are the
//! server's. The node clients (`--client raw|ws`) remain as cross-checks.
//!
//! Commands on stdin and replies on stdout, one JSON object per line, the
//! same as the node clients' IPC messages:
//!
//! ```text
//! {"type":"open","url":"ws://127.0.0.1:P/path?q","count":N,"concurrency":C,"timeoutMs":T,"first":S?}
//!     -> {"type":"opened","count":HELD,"ms":X,"wrongFirst":W}
//!        (N more sockets, HELD in all; W of them had a first frame without status S)
//! {"type":"arm","flip":I,"target":"busy","timeoutMs":T}
//!     -> {"type":"armed","flip":I}, later
//!     -> {"type":"done","flip":I,"stamps":[ms|null,...],"cpuMs":X,"closed":K}
//! {"type":"close"}                      -> exits
//! ```
//!
//! Any failure -> `{"type":"error","message":"..."}`. Linux only (epoll).

use serde_json::{json, Value};
use std::io::{self, ErrorKind, Read, Write};
use std::net::TcpStream;
use std::os::fd::AsRawFd;

/// The epoll token of stdin; sockets use their index.
const STDIN: u64 = u64::MAX;

fn main() {
    if let Err(e) = run() {
        reply(json!({"type": "error", "message": e}));
        std::process::exit(1);
    }
}

fn now_ms() -> f64 {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: a valid out pointer; CLOCK_MONOTONIC always exists on Linux.
    unsafe { libc::clock_gettime(libc::CLOCK_MONOTONIC, &mut ts) };
    ts.tv_sec as f64 * 1e3 + ts.tv_nsec as f64 / 1e6
}

fn cpu_ms() -> f64 {
    // SAFETY: a zeroed rusage is a valid out value.
    let mut ru: libc::rusage = unsafe { std::mem::zeroed() };
    unsafe { libc::getrusage(libc::RUSAGE_SELF, &mut ru) };
    let tv = |t: libc::timeval| t.tv_sec as f64 * 1e3 + t.tv_usec as f64 / 1e3;
    tv(ru.ru_utime) + tv(ru.ru_stime)
}

fn reply(v: Value) {
    let mut out = io::stdout().lock();
    let _ = writeln!(out, "{v}");
    let _ = out.flush();
}

enum State {
    /// Waiting for the 101 response head.
    Upgrading,
    /// Upgraded, waiting for the first text frame.
    Opening,
    Open,
    Closed,
}

struct Socket {
    stream: TcpStream,
    state: State,
    /// Bytes of an incomplete response head or frame.
    buf: Vec<u8>,
}

struct Armed {
    flip: Value,
    needle: Vec<u8>,
    stamps: Vec<f64>,
    left: usize,
    deadline: f64,
    cpu: f64,
}

struct Opening {
    url: Url,
    /// Sockets held once this batch is open (those before it included).
    count: usize,
    concurrency: usize,
    timeout_ms: f64,
    started: f64,
    /// Sockets started so far (indexes 0..next).
    next: usize,
    /// Sockets that received their first frame (those before the batch included).
    opened: usize,
    /// What each first frame must contain (`"status":"<first>"`), if said.
    first: Option<Vec<u8>>,
    /// First frames of this batch without it.
    wrong_first: usize,
    last_progress: f64,
}

#[derive(Clone)]
struct Url {
    addr: String,
    host: String,
    path: String,
}

fn parse_url(url: &str) -> Result<Url, String> {
    let rest = url
        .strip_prefix("ws://")
        .ok_or_else(|| format!("only ws:// URLs: {url}"))?;
    let (host, path) = match rest.find('/') {
        Some(i) => (&rest[..i], &rest[i..]),
        None => (rest, "/"),
    };
    Ok(Url {
        addr: host.to_string(),
        host: host.to_string(),
        path: path.to_string(),
    })
}

struct Client {
    epoll: i32,
    sockets: Vec<Socket>,
    opening: Option<Opening>,
    armed: Option<Armed>,
    closed: usize,
    stdin_buf: Vec<u8>,
}

fn run() -> Result<(), String> {
    // SAFETY: plain syscalls on descriptors this process owns.
    let epoll = unsafe { libc::epoll_create1(libc::EPOLL_CLOEXEC) };
    if epoll < 0 {
        return Err(format!("epoll_create1: {}", io::Error::last_os_error()));
    }
    set_nonblocking(0)?;
    add(epoll, 0, STDIN)?;
    let mut client = Client {
        epoll,
        sockets: Vec::new(),
        opening: None,
        armed: None,
        closed: 0,
        stdin_buf: Vec::new(),
    };
    let mut events = vec![libc::epoll_event { events: 0, u64: 0 }; 1024];
    loop {
        let timeout = client.timeout_ms();
        // SAFETY: `events` outlives the call and its length is passed.
        let n =
            unsafe { libc::epoll_wait(epoll, events.as_mut_ptr(), events.len() as i32, timeout) };
        if n < 0 {
            let e = io::Error::last_os_error();
            if e.kind() == ErrorKind::Interrupted {
                continue;
            }
            return Err(format!("epoll_wait: {e}"));
        }
        for ev in &events[..n as usize] {
            let token = ev.u64;
            if token == STDIN {
                if !client.read_commands()? {
                    return Ok(());
                }
            } else {
                client.on_readable(token as usize)?;
            }
        }
        client.check_deadlines()?;
    }
}

fn set_nonblocking(fd: i32) -> Result<(), String> {
    // SAFETY: fcntl on a descriptor this process owns.
    unsafe {
        let flags = libc::fcntl(fd, libc::F_GETFL);
        if flags < 0 || libc::fcntl(fd, libc::F_SETFL, flags | libc::O_NONBLOCK) < 0 {
            return Err(format!("fcntl: {}", io::Error::last_os_error()));
        }
    }
    Ok(())
}

fn add(epoll: i32, fd: i32, token: u64) -> Result<(), String> {
    let mut ev = libc::epoll_event {
        events: libc::EPOLLIN as u32,
        u64: token,
    };
    // SAFETY: `ev` is valid for the call.
    if unsafe { libc::epoll_ctl(epoll, libc::EPOLL_CTL_ADD, fd, &mut ev) } < 0 {
        return Err(format!("epoll_ctl: {}", io::Error::last_os_error()));
    }
    Ok(())
}

impl Client {
    fn timeout_ms(&self) -> i32 {
        let now = now_ms();
        let mut deadline = f64::INFINITY;
        if let Some(a) = &self.armed {
            deadline = deadline.min(a.deadline);
        }
        if let Some(o) = &self.opening {
            deadline = deadline.min(o.last_progress + o.timeout_ms);
        }
        if deadline.is_infinite() {
            -1
        } else {
            (deadline - now).clamp(0.0, 60_000.0).ceil() as i32
        }
    }

    /// Reads whole command lines from stdin; false when stdin closed.
    fn read_commands(&mut self) -> Result<bool, String> {
        let mut chunk = [0u8; 4096];
        loop {
            match io::stdin().lock().read(&mut chunk) {
                Ok(0) => return Ok(false),
                Ok(n) => self.stdin_buf.extend_from_slice(&chunk[..n]),
                Err(e) if e.kind() == ErrorKind::WouldBlock => break,
                Err(e) if e.kind() == ErrorKind::Interrupted => continue,
                Err(e) => return Err(format!("stdin: {e}")),
            }
        }
        while let Some(end) = self.stdin_buf.iter().position(|&b| b == b'\n') {
            let line: Vec<u8> = self.stdin_buf.drain(..=end).collect();
            let line = line.trim_ascii();
            if line.is_empty() {
                continue;
            }
            let cmd: Value =
                serde_json::from_slice(line).map_err(|e| format!("bad command: {e}"))?;
            if !self.command(&cmd)? {
                return Ok(false);
            }
        }
        Ok(true)
    }

    fn command(&mut self, cmd: &Value) -> Result<bool, String> {
        let num = |k: &str| cmd.get(k).and_then(Value::as_f64);
        match cmd.get("type").and_then(Value::as_str) {
            Some("open") => {
                let url = parse_url(cmd.get("url").and_then(Value::as_str).unwrap_or(""))?;
                let now = now_ms();
                // `count` more sockets, after those already open.
                let held = self.sockets.len();
                self.opening = Some(Opening {
                    url,
                    count: held + num("count").unwrap_or(0.0) as usize,
                    concurrency: (num("concurrency").unwrap_or(64.0) as usize).max(1),
                    timeout_ms: num("timeoutMs").unwrap_or(60_000.0),
                    started: now,
                    next: held,
                    opened: held,
                    first: cmd
                        .get("first")
                        .and_then(Value::as_str)
                        .map(|s| format!("\"status\":{}", Value::from(s)).into_bytes()),
                    wrong_first: 0,
                    last_progress: now,
                });
                self.start_more()?;
                self.finish_opening();
            }
            Some("arm") => {
                let target = cmd.get("target").and_then(Value::as_str).unwrap_or("");
                let needle = format!("\"status\":{}", Value::from(target)).into_bytes();
                let n = self.sockets.len();
                // Closed sockets cannot receive: they stay unstamped.
                let open = self
                    .sockets
                    .iter()
                    .filter(|s| !matches!(s.state, State::Closed))
                    .count();
                self.armed = Some(Armed {
                    flip: cmd.get("flip").cloned().unwrap_or(Value::Null),
                    needle,
                    stamps: vec![f64::NAN; n],
                    left: open,
                    deadline: now_ms() + num("timeoutMs").unwrap_or(20_000.0),
                    cpu: cpu_ms(),
                });
                reply(json!({"type": "armed", "flip": cmd.get("flip")}));
                if open == 0 {
                    self.finish_armed();
                }
            }
            Some("close") => return Ok(false),
            other => return Err(format!("unknown command {other:?}")),
        }
        Ok(true)
    }

    /// Starts connections until `concurrency` are in flight or all started.
    fn start_more(&mut self) -> Result<(), String> {
        let Some(o) = &mut self.opening else {
            return Ok(());
        };
        while o.next < o.count && o.next - o.opened < o.concurrency {
            let stream = TcpStream::connect(&o.url.addr).map_err(|e| {
                if e.raw_os_error() == Some(libc::EMFILE) || e.raw_os_error() == Some(libc::ENFILE)
                {
                    format!(
                        "out of file descriptors at {} sockets: raise `ulimit -n` ({e})",
                        o.opened
                    )
                } else {
                    format!("connecting socket {} of {}: {e}", o.next + 1, o.count)
                }
            })?;
            stream.set_nodelay(true).map_err(|e| e.to_string())?;
            let request = format!(
                "GET {} HTTP/1.1\r\nHost: {}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
                 Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n",
                o.url.path, o.url.host
            );
            (&stream)
                .write_all(request.as_bytes())
                .map_err(|e| format!("writing the upgrade: {e}"))?;
            stream.set_nonblocking(true).map_err(|e| e.to_string())?;
            let index = self.sockets.len();
            add(self.epoll, stream.as_raw_fd(), index as u64)?;
            self.sockets.push(Socket {
                stream,
                state: State::Upgrading,
                buf: Vec::new(),
            });
            o.next += 1;
        }
        Ok(())
    }

    fn finish_opening(&mut self) {
        if let Some(o) = &self.opening {
            if o.opened == o.count {
                reply(json!({
                    "type": "opened",
                    "count": self.sockets.len(),
                    "ms": now_ms() - o.started,
                    "wrongFirst": o.wrong_first,
                }));
                self.opening = None;
            }
        }
    }

    fn on_readable(&mut self, index: usize) -> Result<(), String> {
        let mut chunk = [0u8; 8192];
        loop {
            let Some(sock) = self.sockets.get_mut(index) else {
                return Ok(());
            };
            if matches!(sock.state, State::Closed) {
                return Ok(());
            }
            match (&sock.stream).read(&mut chunk) {
                Ok(0) => {
                    self.close_socket(index)?;
                    return Ok(());
                }
                Ok(n) => {
                    let t = now_ms(); // first thing after the read: the receipt instant
                    self.on_bytes(index, &chunk[..n], t)?;
                }
                Err(e) if e.kind() == ErrorKind::WouldBlock => return Ok(()),
                Err(e) if e.kind() == ErrorKind::Interrupted => continue,
                Err(_) => {
                    self.close_socket(index)?;
                    return Ok(());
                }
            }
        }
    }

    fn close_socket(&mut self, index: usize) -> Result<(), String> {
        let sock = &mut self.sockets[index];
        if matches!(sock.state, State::Upgrading | State::Opening) {
            return Err(format!(
                "socket {} closed before its first frame",
                index + 1
            ));
        }
        if !matches!(sock.state, State::Closed) {
            sock.state = State::Closed;
            // Dropping the stream would renumber nothing; just stop watching it.
            // SAFETY: removing a descriptor this process registered.
            unsafe {
                libc::epoll_ctl(
                    self.epoll,
                    libc::EPOLL_CTL_DEL,
                    sock.stream.as_raw_fd(),
                    std::ptr::null_mut(),
                )
            };
            let _ = sock.stream.shutdown(std::net::Shutdown::Both);
            self.closed += 1;
            // An armed change no longer waits for it.
            if let Some(a) = &mut self.armed {
                if a.stamps[index].is_nan() {
                    a.left -= 1;
                    if a.left == 0 {
                        self.finish_armed();
                    }
                }
            }
        }
        Ok(())
    }

    fn on_bytes(&mut self, index: usize, bytes: &[u8], t: f64) -> Result<(), String> {
        let sock = &mut self.sockets[index];
        sock.buf.extend_from_slice(bytes);
        let mut at = 0;
        let mut first_frame = false;
        if matches!(sock.state, State::Upgrading) {
            let Some(end) = find(&sock.buf, b"\r\n\r\n") else {
                return Ok(());
            };
            if !sock.buf.starts_with(b"HTTP/1.1 101") {
                let head = String::from_utf8_lossy(&sock.buf[..end]);
                let line = head.lines().next().unwrap_or_default().to_string();
                return Err(format!("upgrade refused: {line}"));
            }
            sock.state = State::Opening;
            at = end + 4;
        }
        let mut pong: Vec<u8> = Vec::new();
        let mut close = false;
        // Frames from the server are unmasked; workerd does not fragment.
        loop {
            let b = &sock.buf[at..];
            if b.len() < 2 {
                break;
            }
            let opcode = b[0] & 0x0f;
            let (len, off) = match b[1] & 0x7f {
                126 if b.len() >= 4 => (u16::from_be_bytes([b[2], b[3]]) as usize, 4),
                127 if b.len() >= 10 => {
                    let mut n = [0u8; 8];
                    n.copy_from_slice(&b[2..10]);
                    (u64::from_be_bytes(n) as usize, 10)
                }
                126 | 127 => break,
                n => (n as usize, 2),
            };
            if b.len() < off + len {
                break;
            }
            let payload = &b[off..off + len];
            match opcode {
                0x1 if matches!(sock.state, State::Opening) => {
                    sock.state = State::Open;
                    first_frame = true;
                    if let Some(o) = &mut self.opening {
                        if o.first.as_ref().is_some_and(|f| find(payload, f).is_none()) {
                            o.wrong_first += 1;
                        }
                    }
                }
                0x1 => {
                    if let Some(a) = &mut self.armed {
                        if a.stamps[index].is_nan() && find(payload, &a.needle).is_some() {
                            a.stamps[index] = t;
                            a.left -= 1;
                        }
                    }
                }
                0x8 => close = true,
                0x9 => {
                    // A pong with the same payload, masked with a zero key.
                    pong.extend_from_slice(&[0x8a, 0x80 | len as u8, 0, 0, 0, 0]);
                    pong.extend_from_slice(payload);
                }
                _ => {}
            }
            at += off + len;
        }
        sock.buf.drain(..at);
        if !pong.is_empty() {
            let _ = (&sock.stream).write_all(&pong);
        }
        if first_frame {
            if let Some(o) = &mut self.opening {
                o.opened += 1;
                o.last_progress = now_ms();
            }
            self.start_more()?;
            self.finish_opening();
        }
        if close {
            self.close_socket(index)?;
        }
        if self.armed.as_ref().is_some_and(|a| a.left == 0) {
            self.finish_armed();
        }
        Ok(())
    }

    fn finish_armed(&mut self) {
        if let Some(a) = self.armed.take() {
            let stamps: Vec<Value> = a
                .stamps
                .iter()
                .map(|&s| {
                    if s.is_nan() {
                        Value::Null
                    } else {
                        Value::from(s)
                    }
                })
                .collect();
            reply(json!({
                "type": "done",
                "flip": a.flip,
                "stamps": stamps,
                "cpuMs": cpu_ms() - a.cpu,
                "closed": self.closed,
            }));
        }
    }

    fn check_deadlines(&mut self) -> Result<(), String> {
        let now = now_ms();
        if self.armed.as_ref().is_some_and(|a| now >= a.deadline) {
            self.finish_armed();
        }
        if let Some(o) = &self.opening {
            if now >= o.last_progress + o.timeout_ms {
                return Err(format!(
                    "opening: {} of {} sockets open, none more within {} ms",
                    o.opened, o.count, o.timeout_ms
                ));
            }
        }
        Ok(())
    }
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    if needle.is_empty() || haystack.len() < needle.len() {
        return None;
    }
    haystack.windows(needle.len()).position(|w| w == needle)
}
