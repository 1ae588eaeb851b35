//! What the object counts in memory so that frequent socket events (a
//! visitor's socket closing, a widget's frame) cost no SQLite write: the
//! diagnostic counters of `GET /stats` and the number of open visitor
//! sockets. Pure bookkeeping; the object decides when to read and write.
//!
//! Every write to the object's SQLite storage is a commit. A write per close
//! event made 10,000 visitors leaving a site cost ~4.5 s during which workerd
//! answered nothing else, so:
//!
//! - [`Counters`] are diagnostics. They are counted in memory and added to
//!   the `counters` table at the end of an event that writes anyway (a
//!   changed status, a session's last sign of life, a message, a visitor
//!   socket bound below), by every alarm, and by the event that brings the
//!   pending counts to [`SAVE_EVERY`] (one commit per that many events
//!   instead of one per event). `stats` reports what is stored plus what is
//!   pending, so it is exact for as long as the object stays in memory. If
//!   the object hibernates or is evicted before its next write, the counts
//!   since its last write are lost (fewer than `SAVE_EVERY`): those counters
//!   say how busy the object is, nothing depends on them.
//! - [`VisitorGauge`] keeps the number of open visitor sockets without
//!   counting them: counting means `getWebSockets("visitor")`, which after a
//!   hibernation wake recreates every socket (31–97 ms for 10,000). See its
//!   documentation for why the stored value is an upper bound.

use presenza_protocol::limits::MAX_VISITOR_SOCKETS;

/// The diagnostic counters of `GET /stats`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Counter {
    /// Socket messages that woke the object (pings never do).
    SocketMessagesHandled,
    /// Socket close and error events.
    SocketCloses,
    /// Alarm runs.
    Alarms,
    /// Sockets closed for sending past their budget (`budget`).
    SocketsOverBudget,
    /// Relays' calls: registrations and syncs (`relaying`).
    RelaySyncs,
    /// Widget frames relays forwarded (`auth`, `send`).
    RelayFrames,
    /// Publish calls the site made to its relays (the rest were passed on
    /// by relays: `relaying::publish_plan`).
    RelayPublishCalls,
}

impl Counter {
    pub const ALL: [Counter; 7] = [
        Counter::SocketMessagesHandled,
        Counter::SocketCloses,
        Counter::Alarms,
        Counter::SocketsOverBudget,
        Counter::RelaySyncs,
        Counter::RelayFrames,
        Counter::RelayPublishCalls,
    ];

    /// Its row in the `counters` table and its field in `stats`.
    pub fn name(self) -> &'static str {
        match self {
            Counter::SocketMessagesHandled => "socket_messages_handled",
            Counter::SocketCloses => "socket_closes",
            Counter::Alarms => "alarms",
            Counter::SocketsOverBudget => "sockets_over_budget",
            Counter::RelaySyncs => "relay_syncs",
            Counter::RelayFrames => "relay_frames",
            Counter::RelayPublishCalls => "relay_publish_calls",
        }
    }
}

/// Pending counts that make an event store them even if it wrote nothing.
pub const SAVE_EVERY: i64 = 256;

/// Counts not stored yet.
#[derive(Debug, Default)]
pub struct Counters {
    pending: [i64; Counter::ALL.len()],
}

impl Counters {
    pub fn bump(&mut self, counter: Counter) {
        self.pending[counter as usize] += 1;
    }

    /// Not stored yet.
    pub fn pending(&self, counter: Counter) -> i64 {
        self.pending[counter as usize]
    }

    /// Enough pending to store them without waiting for another write.
    pub fn due(&self) -> bool {
        self.pending.iter().sum::<i64>() >= SAVE_EVERY
    }

    /// The counts to add to the table (only those not zero).
    pub fn to_save(&self) -> Vec<(&'static str, i64)> {
        Counter::ALL
            .iter()
            .filter(|c| self.pending(**c) != 0)
            .map(|c| (c.name(), self.pending(*c)))
            .collect()
    }

    /// `to_save()`'s counts were written.
    pub fn saved(&mut self, written: &[(&str, i64)]) {
        for (name, n) in written {
            if let Some(c) = Counter::ALL.iter().find(|c| c.name() == *name) {
                self.pending[*c as usize] -= n;
            }
        }
    }
}

/// Above this many visitor sockets (as far as the object knows without
/// counting) the object counts them before it accepts another one.
pub const RECOUNT_ABOVE: usize = MAX_VISITOR_SOCKETS - 3_000;

/// How far above the count the stored bound is raised: one write per this
/// many visitor connections.
pub const BOUND_STEP: usize = 64;

/// The number of open visitor sockets, followed without counting them.
///
/// Storage holds a bound (`meta.visitor_sockets_bound`) that is never below
/// the number of open visitor sockets: a connection that would take the
/// count above it first raises it by [`BOUND_STEP`] (a write on that
/// connection's own event, so at most one per `BOUND_STEP` connections, and
/// one on the first connection after a wake). Closes only lower it in memory,
/// and the lower value is stored by the next event that writes anyway; if
/// the object hibernates first, the stored bound stays high. After a wake the
/// object starts from the stored bound (over the truth by at most what it did
/// not store: too high, never too low) and counts the sockets only when that
/// reaches [`RECOUNT_ABOVE`], or when nothing is stored (objects from before
/// the bound existed). A value carried over from a broadcast would be cheaper
/// to keep, but connections after it are lost at every hibernation, so over
/// a day of visitors arriving one per wake it would drift below the truth,
/// past the runtime's 32,768 sockets.
///
/// Within one process lifetime every accept and close goes through here, so
/// once counted the gauge is exact (`exact`) and the limit is checked
/// without counting again. A socket error (which may or may not be followed
/// by a close event) and sockets closed by the object itself leave the count
/// where it was (too high at worst) and make it inexact again.
#[derive(Debug, Default)]
pub struct VisitorGauge {
    /// Open visitor sockets, or an upper bound of them (`None`: unknown in
    /// this process).
    count: Option<usize>,
    /// `count` was counted in this process and followed since.
    exact: bool,
    /// Closes seen while `count` was unknown.
    closes_unseen: usize,
    /// The stored bound was read (or written) by this process.
    loaded: bool,
    /// The stored bound as this process last read or wrote it.
    stored: Option<usize>,
}

/// What [`VisitorGauge`] needs before it can rule on a new socket.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Need {
    /// The stored bound: [`VisitorGauge::loaded`].
    Stored,
    /// The sockets counted: [`VisitorGauge::counted`].
    Count,
}

/// Whether one more visitor socket may be accepted.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Admit {
    /// At the limit.
    Full,
    /// Yes; first store this bound if given ([`VisitorGauge::saved`]).
    Open { store: Option<usize> },
}

impl VisitorGauge {
    /// The count (or an upper bound of it) if known.
    pub fn known(&self) -> Option<usize> {
        self.count
    }

    pub fn exact(&self) -> bool {
        self.exact && self.count.is_some()
    }

    /// What to provide before [`Self::admit`], if anything.
    pub fn need(&self) -> Option<Need> {
        match self.count {
            None if !self.loaded => Some(Need::Stored),
            None => Some(Need::Count),
            Some(n) if !self.exact && n >= RECOUNT_ABOVE => Some(Need::Count),
            Some(_) => None,
        }
    }

    /// The stored bound, read from storage (`None`: none stored).
    pub fn loaded(&mut self, stored: Option<usize>) {
        self.loaded = true;
        self.stored = stored;
        if self.count.is_none() {
            if let Some(bound) = stored {
                self.count = Some(bound.saturating_sub(self.closes_unseen));
                self.closes_unseen = 0;
                self.exact = false;
            }
        }
    }

    /// The visitor sockets, counted.
    pub fn counted(&mut self, n: usize) {
        self.count = Some(n);
        self.exact = true;
        self.closes_unseen = 0;
    }

    /// Whether one more socket may be accepted (after [`Self::need`] is
    /// satisfied; otherwise `Full`, to be safe).
    pub fn admit(&self) -> Admit {
        let Some(n) = self.count.filter(|_| self.need().is_none()) else {
            return Admit::Full;
        };
        if n >= MAX_VISITOR_SOCKETS {
            return Admit::Full;
        }
        let after = n + 1;
        let store = match self.stored {
            Some(bound) if bound >= after => None,
            _ => Some(after + BOUND_STEP),
        };
        Admit::Open { store }
    }

    /// `bound` was written to storage.
    pub fn saved(&mut self, bound: usize) {
        self.loaded = true;
        self.stored = Some(bound);
    }

    /// A visitor socket was accepted (after [`Self::admit`]).
    pub fn opened(&mut self) {
        if let Some(n) = &mut self.count {
            *n += 1;
        }
    }

    /// A visitor socket's close event.
    pub fn closed(&mut self) {
        match &mut self.count {
            Some(n) => *n = n.saturating_sub(1),
            None => self.closes_unseen += 1,
        }
    }

    /// A visitor socket failed, or the object closed some itself: the count
    /// stays as it is (a close event may or may not follow) and is no longer
    /// exact.
    pub fn unsure(&mut self) {
        self.exact = false;
    }

    /// Before [`Self::to_save`]: whether the stored bound must be read first
    /// (closes were seen in this process before anything else).
    pub fn wants_stored(&self) -> bool {
        self.count.is_none() && !self.loaded && self.closes_unseen > 0
    }

    /// The bound to store alongside a write that happens anyway: the count
    /// plus [`BOUND_STEP`], unless the stored bound is already within that.
    pub fn to_save(&self) -> Option<usize> {
        let n = self.count?;
        match self.stored {
            Some(bound) if bound >= n && bound <= n + BOUND_STEP => None,
            _ => Some(n + BOUND_STEP),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counters_pending_until_saved() {
        let mut c = Counters::default();
        assert!(c.to_save().is_empty());
        c.bump(Counter::SocketCloses);
        c.bump(Counter::SocketCloses);
        c.bump(Counter::Alarms);
        let save = c.to_save();
        assert_eq!(save, vec![("socket_closes", 2), ("alarms", 1)]);
        // Counted between reading and saving: kept.
        c.bump(Counter::SocketCloses);
        c.saved(&save);
        assert_eq!(c.to_save(), vec![("socket_closes", 1)]);
        assert_eq!(c.pending(Counter::SocketMessagesHandled), 0);
        assert!(!c.due());
        for _ in 1..SAVE_EVERY {
            c.bump(Counter::SocketMessagesHandled);
        }
        assert!(c.due());
    }

    /// A fresh object without a stored bound counts once, then stores one.
    #[test]
    fn first_connection_without_a_stored_bound_counts() {
        let mut g = VisitorGauge::default();
        assert_eq!(g.need(), Some(Need::Stored));
        assert_eq!(g.admit(), Admit::Full, "never admits before it knows");
        g.loaded(None);
        assert_eq!(g.need(), Some(Need::Count));
        g.counted(10);
        assert_eq!(g.need(), None);
        assert_eq!(
            g.admit(),
            Admit::Open {
                store: Some(11 + BOUND_STEP)
            }
        );
        g.saved(11 + BOUND_STEP);
        g.opened();
        // The next connections write nothing until the bound is reached.
        for _ in 0..BOUND_STEP {
            assert_eq!(g.admit(), Admit::Open { store: None });
            g.opened();
        }
        assert_eq!(g.known(), Some(11 + BOUND_STEP));
        assert_eq!(
            g.admit(),
            Admit::Open {
                store: Some(12 + 2 * BOUND_STEP)
            }
        );
    }

    /// After a wake: the stored bound, no counting, one write on the first
    /// connection at most.
    #[test]
    fn wake_starts_from_the_stored_bound() {
        let mut g = VisitorGauge::default();
        g.loaded(Some(10_000));
        assert_eq!(g.need(), None, "far from the limit: no counting");
        assert!(!g.exact());
        assert_eq!(
            g.admit(),
            Admit::Open {
                store: Some(10_001 + BOUND_STEP)
            }
        );
    }

    #[test]
    fn near_the_limit_counts_once_per_process() {
        let mut g = VisitorGauge::default();
        g.loaded(Some(RECOUNT_ABOVE + 10));
        assert_eq!(g.need(), Some(Need::Count));
        // The bound was high (closes not stored): the count is the truth.
        g.counted(900);
        assert_eq!(g.need(), None);
        assert_eq!(g.admit(), Admit::Open { store: None });
        // Exact counts are trusted up to the limit.
        g.counted(MAX_VISITOR_SOCKETS - 1);
        assert_eq!(g.need(), None);
        assert!(matches!(g.admit(), Admit::Open { store: Some(_) }));
        g.opened();
        assert_eq!(g.admit(), Admit::Full);
        g.closed();
        assert!(matches!(g.admit(), Admit::Open { .. }));
        // Inexact near the limit: counted again.
        g.unsure();
        assert_eq!(g.need(), Some(Need::Count));
        assert_eq!(g.admit(), Admit::Full, "never admits on a stale count");
    }

    /// Closes seen before anything else count once the bound is read.
    #[test]
    fn closes_before_the_bound_is_known() {
        let mut g = VisitorGauge::default();
        for _ in 0..100 {
            g.closed();
        }
        assert!(g.wants_stored());
        assert_eq!(g.to_save(), None);
        g.loaded(Some(1_000));
        assert!(!g.wants_stored());
        assert_eq!(g.known(), Some(900));
        // Stored alongside the next write, with the usual margin.
        assert_eq!(g.to_save(), Some(900 + BOUND_STEP));
        g.saved(900 + BOUND_STEP);
        assert_eq!(g.to_save(), None);
        // A close storm with nothing stored: nothing read, nothing written.
        let mut idle = VisitorGauge::default();
        idle.loaded(None);
        idle.closed();
        assert!(!idle.wants_stored());
        assert_eq!(idle.to_save(), None);
    }

    /// The stored bound never falls below the sockets open, whatever the
    /// process lifetimes in between.
    #[test]
    fn the_stored_bound_is_never_below_the_truth() {
        let mut stored: Option<usize> = None;
        let mut open = 0usize;
        // Each round: a wake, some connections and closes, maybe a write
        // that happens anyway, then hibernation (memory lost).
        for round in 0..500usize {
            let mut g = VisitorGauge::default();
            let closes_first = (round * 7) % 5;
            for _ in 0..closes_first.min(open) {
                g.closed();
                open -= 1;
            }
            let connects = (round * 13) % 90;
            for _ in 0..connects {
                if g.need() == Some(Need::Stored) {
                    g.loaded(stored);
                }
                if g.need() == Some(Need::Count) {
                    g.counted(open);
                }
                match g.admit() {
                    Admit::Full => break,
                    Admit::Open { store } => {
                        if let Some(b) = store {
                            stored = Some(b);
                            g.saved(b);
                        }
                        g.opened();
                        open += 1;
                    }
                }
                if round % 3 == 0 && open > 0 {
                    g.closed();
                    open -= 1;
                }
            }
            if round % 4 == 0 {
                if g.wants_stored() {
                    g.loaded(stored);
                }
                if let Some(b) = g.to_save() {
                    stored = Some(b);
                    g.saved(b);
                }
            }
            if let Some(b) = stored {
                assert!(b >= open, "round {round}: bound {b} < {open} open");
            }
            if let Some(n) = g.known() {
                assert!(n >= open, "round {round}: count {n} < {open} open");
            }
        }
        assert!(open > 0);
    }
}
