//! Agents, their sessions (devices) and the grace period that decides
//! whether a session still counts.
//!
//! A session is alive while `now < last_seen + grace`, and that is the only
//! rule here. "Alive while connected" is the edge's job: it refreshes
//! `last_seen` from every WebSocket ping (auto-response timestamp), HTTP
//! heartbeat or status call, and clients ping well inside the grace period,
//! so a connected session never runs out. A tab closed or a network lost
//! without signing out simply stops refreshing `last_seen` and the session
//! ends when the grace period runs out. A session that signs out explicitly
//! is removed by the caller, so it ends at once.
//!
//! Which audiences an agent serves is decided here too, by
//! [`agent_serves`]: [`evaluate`](crate::evaluate::evaluate) counts an agent
//! for exactly those audiences, and the edge shows an agent exactly those
//! conversations.

use alloc::collections::BTreeSet;
use alloc::string::String;
use alloc::vec::Vec;

use crate::error::RuleError;
use crate::status::{ManualStatus, Status};
use crate::time::UnixMillis;

/// How long a session keeps counting after its last sign of life, in
/// seconds; a per-site setting validated to `10..=3600` (default 120).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct GracePeriod(u32);

impl GracePeriod {
    /// 120 seconds.
    pub const DEFAULT: GracePeriod = GracePeriod(120);
    /// The shortest accepted grace period, in seconds.
    pub const MIN_SECS: u32 = 10;
    /// The longest accepted grace period, in seconds.
    pub const MAX_SECS: u32 = 3600;

    /// A grace period of `secs` seconds, or
    /// [`RuleError::GracePeriodOutOfBounds`].
    pub fn new(secs: u32) -> Result<GracePeriod, RuleError> {
        if (Self::MIN_SECS..=Self::MAX_SECS).contains(&secs) {
            Ok(GracePeriod(secs))
        } else {
            Err(RuleError::GracePeriodOutOfBounds(secs))
        }
    }

    /// The length in seconds.
    pub fn secs(self) -> u32 {
        self.0
    }

    /// The length in milliseconds.
    pub fn millis(self) -> i64 {
        i64::from(self.0) * 1000
    }
}

impl Default for GracePeriod {
    fn default() -> Self {
        GracePeriod::DEFAULT
    }
}

/// One device of an agent (desktop console, phone).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Session {
    /// Opaque id chosen by the caller.
    pub id: String,
    /// The last sign of life (see the module docs).
    pub last_seen: UnixMillis,
}

impl Session {
    /// The first instant at which this session no longer counts.
    pub fn alive_until(&self, grace: GracePeriod) -> UnixMillis {
        self.last_seen.saturating_add(grace.millis())
    }
}

/// An agent: manual status, group memberships and live sessions.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Agent {
    /// Opaque id chosen by the caller.
    pub id: String,
    /// Groups the agent belongs to; empty = in no group (counts everywhere).
    pub groups: Vec<String>,
    /// What the agent chose by hand.
    pub manual: ManualStatus,
    /// Live sessions; signed-out sessions are removed by the caller.
    pub sessions: Vec<Session>,
}

impl Agent {
    /// The first instant at which the agent stops counting (the latest
    /// session expiry), or `None` without sessions.
    pub fn alive_until(&self, grace: GracePeriod) -> Option<UnixMillis> {
        self.sessions.iter().map(|s| s.alive_until(grace)).max()
    }

    /// Whether at least one session is alive at `now`.
    pub fn is_alive(&self, grace: GracePeriod, now: UnixMillis) -> bool {
        self.alive_until(grace).is_some_and(|until| now < until)
    }

    /// The manual status while alive, `Offline` otherwise.
    pub fn effective_status(&self, grace: GracePeriod, now: UnixMillis) -> Status {
        if self.is_alive(grace, now) {
            self.manual.status
        } else {
            Status::Offline
        }
    }
}

/// Whether an agent in `agent_groups` serves `audience` (a widget pinned to
/// a group, or `None` for the site as a whole) on a site with `site_groups`:
/// counts for its status and sees its conversations.
///
/// - A site without groups: every agent serves every audience.
/// - Group `G`: agents in `G` and agents in no group.
/// - The site as a whole on a site with groups: agents in no group only.
///
/// Group ids the site does not have are ignored, so an agent whose groups
/// are all unknown is in no group and serves everything; an audience naming
/// a group the site no longer has is served by the agents in no group only
/// (like the site as a whole).
pub fn agent_serves<G: AsRef<str>>(
    agent_groups: &[G],
    site_groups: &BTreeSet<String>,
    audience: Option<&str>,
) -> bool {
    let mut known = agent_groups
        .iter()
        .map(AsRef::as_ref)
        .filter(|group| site_groups.contains(*group))
        .peekable();
    if known.peek().is_none() {
        // In no group (always the case on a site without groups).
        return true;
    }
    audience.is_some_and(|audience| known.any(|group| group == audience))
}
