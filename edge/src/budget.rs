//! What one socket may send (pure): a token bucket of frames and one of
//! bytes per socket, and a few `auth` attempts per visitor socket. A socket
//! past its budget is closed with 1008 (policy violation) and counted in
//! `stats`, so one client cannot keep a site's object busy: every frame
//! wakes the object, and the object serves the whole site on one thread.
//!
//! The defaults are far above what a real client sends:
//! - a widget sends `ping` every 25 s (answered by the runtime, never
//!   counted here), one `auth` per connection and a `send` per message a
//!   visitor writes (10 a minute at most: the rules' rate limit);
//! - an agent's device sends its status changes, replies (120 a minute at
//!   most) and heartbeats.
//!
//! Typing indicators have a bucket of their own inside that budget: a
//! client throttles them to one per `limits::TYPING_EVERY_MS` while its
//! writer types (and a stop when they clear or leave the box), so a few at
//! once and one a second are plenty; those
//! past it are dropped unread (not forwarded, never waking the site or
//! reaching an agent), and a client that keeps sending them runs into the
//! frame budget and is closed like any other flood.
//!
//! Buckets are kept in the object's memory, per socket: an object that
//! hibernated was idle, so a fresh budget after a wake loses nothing.

use std::cell::RefCell;
use std::collections::HashMap;

/// How much a kind of socket may send.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    /// Frames sent at once before the rate applies.
    pub frame_burst: u32,
    /// Frames per second, sustained.
    pub frames_per_sec: u32,
    /// Bytes sent at once before the rate applies.
    pub byte_burst: u32,
    /// Bytes per second, sustained.
    pub bytes_per_sec: u32,
    /// `auth` frames per socket (a widget needs one).
    pub auth_attempts: u32,
    /// Typing frames at once before their rate applies ...
    pub typing_burst: u32,
    /// ... and per second, sustained (the rest are dropped).
    pub typing_per_sec: u32,
}

impl Limits {
    /// A widget's socket.
    pub const VISITOR: Limits = Limits {
        frame_burst: 30,
        frames_per_sec: 3,
        byte_burst: 96 * 1024,
        bytes_per_sec: 16 * 1024,
        auth_attempts: 5,
        // A start and a stop each time the visitor types and clears.
        typing_burst: 4,
        typing_per_sec: 1,
    };

    /// An agent's device socket.
    pub const DEVICE: Limits = Limits {
        frame_burst: 120,
        frames_per_sec: 10,
        byte_burst: 256 * 1024,
        bytes_per_sec: 64 * 1024,
        auth_attempts: 0,
        // An agent may type in a few conversations in turn.
        typing_burst: 8,
        typing_per_sec: 2,
    };
}

/// Which budget a socket went past (the close reason).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Overrun {
    Frames,
    Bytes,
    AuthAttempts,
    /// The socket is being closed for an earlier overrun: frames already in
    /// flight are dropped unread.
    Closing,
}

impl Overrun {
    /// The close frame's reason.
    pub fn reason(self) -> &'static str {
        match self {
            Overrun::Frames => "too many frames",
            Overrun::Bytes => "too many bytes",
            Overrun::AuthAttempts => "too many auth attempts",
            Overrun::Closing => "closing",
        }
    }
}

/// A token bucket in thousandths of a token (integer arithmetic).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Bucket {
    level: u64,
    capacity: u64,
    /// Thousandths of a token per millisecond = tokens per second.
    per_ms: u64,
    at: i64,
}

impl Bucket {
    fn full(capacity: u32, per_sec: u32, now: i64) -> Bucket {
        let capacity = u64::from(capacity) * 1000;
        Bucket {
            level: capacity,
            capacity,
            per_ms: u64::from(per_sec),
            at: now,
        }
    }

    /// Takes `cost` tokens if there are that many (after refilling to `now`).
    fn take(&mut self, cost: u64, now: i64) -> bool {
        let elapsed = u64::try_from(now.saturating_sub(self.at)).unwrap_or(0);
        self.level = self
            .level
            .saturating_add(elapsed.saturating_mul(self.per_ms))
            .min(self.capacity);
        self.at = self.at.max(now);
        let cost = cost.saturating_mul(1000);
        if self.level >= cost {
            self.level -= cost;
            true
        } else {
            false
        }
    }
}

/// One socket's budget.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SocketBudget {
    frames: Bucket,
    bytes: Bucket,
    auths_left: u32,
    typing: Bucket,
    /// Past its budget: everything it sends from now on is dropped.
    closing: bool,
    /// When the socket last sent something (for forgetting idle budgets).
    pub last_used: i64,
}

impl SocketBudget {
    pub fn new(limits: Limits, now: i64) -> Self {
        SocketBudget {
            frames: Bucket::full(limits.frame_burst, limits.frames_per_sec, now),
            bytes: Bucket::full(limits.byte_burst, limits.bytes_per_sec, now),
            auths_left: limits.auth_attempts,
            typing: Bucket::full(limits.typing_burst, limits.typing_per_sec, now),
            closing: false,
            last_used: now,
        }
    }

    /// The socket is being closed: drop what it still sends.
    pub fn close(&mut self) {
        self.closing = true;
    }

    /// One frame of `len` bytes, checked before it is parsed.
    pub fn frame(&mut self, len: usize, now: i64) -> Result<(), Overrun> {
        self.last_used = now;
        if self.closing {
            return Err(Overrun::Closing);
        }
        if !self.frames.take(1, now) {
            return Err(Overrun::Frames);
        }
        if !self.bytes.take(u64::try_from(len).unwrap_or(u64::MAX), now) {
            return Err(Overrun::Bytes);
        }
        Ok(())
    }

    /// One typing frame (already counted by [`Self::frame`]): whether it
    /// may go on; one past the typing bucket is dropped.
    pub fn typing(&mut self, now: i64) -> bool {
        !self.closing && self.typing.take(1, now)
    }

    /// One `auth` attempt.
    pub fn auth(&mut self) -> Result<(), Overrun> {
        if self.closing {
            return Err(Overrun::Closing);
        }
        if self.auths_left == 0 {
            return Err(Overrun::AuthAttempts);
        }
        self.auths_left -= 1;
        Ok(())
    }
}

/// Budgets are forgotten when their socket closes; past this many, those
/// idle for [`IDLE_MS`] are dropped too (sockets whose close never came).
const PRUNE_ABOVE: usize = 4096;
const IDLE_MS: i64 = 60_000;

/// Each live socket's budget, kept in memory by the socket's key (a
/// visitor socket's id, a device's session): the site's object and each
/// relay hold one.
#[derive(Default)]
pub struct Budgets {
    sockets: RefCell<HashMap<String, SocketBudget>>,
}

impl Budgets {
    /// A frame of `len` bytes from the socket `key`.
    pub fn frame(&self, key: &str, limits: Limits, len: usize, now: i64) -> Result<(), Overrun> {
        let mut sockets = self.sockets.borrow_mut();
        if sockets.len() > PRUNE_ABOVE {
            sockets.retain(|_, b| b.last_used > now - IDLE_MS);
        }
        sockets
            .entry(key.to_string())
            .or_insert_with(|| SocketBudget::new(limits, now))
            .frame(len, now)
    }

    /// An `auth` attempt from the socket `key`.
    pub fn auth(&self, key: &str, limits: Limits, now: i64) -> Result<(), Overrun> {
        self.sockets
            .borrow_mut()
            .entry(key.to_string())
            .or_insert_with(|| SocketBudget::new(limits, now))
            .auth()
    }

    /// A typing frame from the socket `key`: whether it may go on.
    pub fn typing(&self, key: &str, limits: Limits, now: i64) -> bool {
        self.sockets
            .borrow_mut()
            .entry(key.to_string())
            .or_insert_with(|| SocketBudget::new(limits, now))
            .typing(now)
    }

    /// The socket is being closed for an overrun: its frames still in
    /// flight are dropped.
    pub fn closing(&self, key: &str) {
        if let Some(b) = self.sockets.borrow_mut().get_mut(key) {
            b.close();
        }
    }

    /// The socket closed.
    pub fn forget(&self, key: &str) {
        self.sockets.borrow_mut().remove(key);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const T0: i64 = 1_000_000;

    #[test]
    fn a_burst_then_the_rate() {
        let mut b = SocketBudget::new(Limits::VISITOR, T0);
        for i in 0..Limits::VISITOR.frame_burst {
            assert_eq!(b.frame(10, T0), Ok(()), "frame {i} of the burst");
        }
        assert_eq!(b.frame(10, T0), Err(Overrun::Frames));
        // A third of a second later: one more frame at 3 per second.
        assert_eq!(b.frame(10, T0 + 334), Ok(()));
        assert_eq!(b.frame(10, T0 + 334), Err(Overrun::Frames));
        // Refilled, but never above the burst.
        let later = T0 + 3_600_000;
        for _ in 0..Limits::VISITOR.frame_burst {
            assert_eq!(b.frame(10, later), Ok(()));
        }
        assert_eq!(b.frame(10, later), Err(Overrun::Frames));
    }

    #[test]
    fn bytes_are_counted_before_parsing() {
        let mut b = SocketBudget::new(Limits::VISITOR, T0);
        let big = 16 * 1024;
        for _ in 0..6 {
            assert_eq!(b.frame(big, T0), Ok(()));
        }
        assert_eq!(b.frame(big, T0), Err(Overrun::Bytes));
        assert_eq!(b.frame(big, T0 + 1000), Ok(()), "16 KiB per second");
    }

    #[test]
    fn a_few_auth_attempts() {
        let mut b = SocketBudget::new(Limits::VISITOR, T0);
        for _ in 0..Limits::VISITOR.auth_attempts {
            assert_eq!(b.auth(), Ok(()));
        }
        assert_eq!(b.auth(), Err(Overrun::AuthAttempts));
        let mut device = SocketBudget::new(Limits::DEVICE, T0);
        assert_eq!(
            device.auth(),
            Err(Overrun::AuthAttempts),
            "devices never auth"
        );
    }

    #[test]
    fn real_clients_stay_inside() {
        // A widget: auth, then a message every 6 s (the rules' limit) for an hour.
        let mut w = SocketBudget::new(Limits::VISITOR, T0);
        assert_eq!(w.auth(), Ok(()));
        assert_eq!(w.frame(200, T0), Ok(()));
        for i in 1..600 {
            assert_eq!(w.frame(2_500, T0 + i * 6_000), Ok(()), "message {i}");
        }
        // A busy agent: 120 replies of 2,000 characters in a minute, in bursts.
        let mut d = SocketBudget::new(Limits::DEVICE, T0);
        for i in 0..120 {
            assert_eq!(d.frame(8_200, T0 + i * 500), Ok(()), "reply {i}");
        }
    }

    #[test]
    fn typing_frames_past_their_bucket_are_dropped() {
        let mut b = SocketBudget::new(Limits::VISITOR, T0);
        for _ in 0..Limits::VISITOR.typing_burst {
            assert!(b.typing(T0));
        }
        assert!(!b.typing(T0), "one more at once is dropped");
        assert!(!b.typing(T0 + 500));
        assert!(b.typing(T0 + 1_000), "one a second");
        // A widget's throttle (one per TYPING_EVERY_MS) always passes.
        let every = i64::from(presenza_protocol::limits::TYPING_EVERY_MS);
        for i in 1..1_000 {
            assert!(b.typing(T0 + 1_000 + i * every), "typing frame {i}");
        }
        b.close();
        assert!(!b.typing(T0 + 3_600_000));
    }

    #[test]
    fn a_closing_socket_is_not_read_again() {
        let mut b = SocketBudget::new(Limits::VISITOR, T0);
        b.close();
        assert_eq!(b.frame(1, T0 + 60_000), Err(Overrun::Closing));
        assert_eq!(b.auth(), Err(Overrun::Closing));
    }

    #[test]
    fn a_clock_going_back_refills_nothing() {
        let mut b = SocketBudget::new(Limits::VISITOR, T0);
        for _ in 0..Limits::VISITOR.frame_burst {
            b.frame(1, T0).unwrap();
        }
        assert_eq!(b.frame(1, T0 - 10_000), Err(Overrun::Frames));
    }
}
