//! The status history and the availability insights (issue 15).

use super::*;

/// Why an audience's status changed, where the edge knows it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ChangeCause {
    /// An agent chose a status by hand.
    Manual,
    /// An agent's session showed a sign of life (signed in, a device
    /// connected, a heartbeat).
    SignedIn,
    /// An agent signed out.
    SignedOut,
    /// An agent's grace period ran out (no sign of life).
    GracePeriodEnded,
    /// Working hours opened (a gate opened, or a switch turned agents
    /// online).
    HoursOpened,
    /// Working hours closed.
    HoursClosed,
    /// The owner added, changed or removed agents.
    AgentsChanged,
    /// The owner changed settings, groups or working hours.
    SettingsChanged,
}

impl ChangeCause {
    /// Every cause, in the order of their stored codes.
    pub const ALL: [ChangeCause; 8] = [
        ChangeCause::Manual,
        ChangeCause::SignedIn,
        ChangeCause::SignedOut,
        ChangeCause::GracePeriodEnded,
        ChangeCause::HoursOpened,
        ChangeCause::HoursClosed,
        ChangeCause::AgentsChanged,
        ChangeCause::SettingsChanged,
    ];

    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            ChangeCause::Manual => "manual",
            ChangeCause::SignedIn => "signed_in",
            ChangeCause::SignedOut => "signed_out",
            ChangeCause::GracePeriodEnded => "grace_period_ended",
            ChangeCause::HoursOpened => "hours_opened",
            ChangeCause::HoursClosed => "hours_closed",
            ChangeCause::AgentsChanged => "agents_changed",
            ChangeCause::SettingsChanged => "settings_changed",
        }
    }
}

/// One change of an audience's status: from `at` on, `status` for
/// `reason`, because of `cause` (when known), by `agent` (when one agent's
/// doing).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct HistoryChange {
    pub at: Timestamp,
    pub status: Status,
    pub reason: Reason,
    #[serde(default)]
    pub cause: Option<ChangeCause>,
    #[serde(default)]
    pub agent: Option<AgentId>,
}

/// One audience's history in a period.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AudienceHistory {
    /// A group, or the whole site (`null`).
    pub group: Option<GroupId>,
    /// The last change before `from`: the status in force at `from`
    /// (`null`: none kept, e.g. older than the history).
    pub in_force: Option<HistoryChange>,
    /// The changes in `[from, to)`, oldest first.
    pub changes: Vec<HistoryChange>,
}

/// `GET history`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct HistoryView {
    pub from: Timestamp,
    pub to: Timestamp,
    /// The site, then each group (or the one asked for).
    pub audiences: Vec<AudienceHistory>,
    /// `null`: complete. Else the answer stops before this instant (too
    /// many changes for one answer): ask again with `from` = it.
    pub next_from: Option<Timestamp>,
}

/// A stretch of time, `[from, to)`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SpanView {
    pub from: Timestamp,
    pub to: Timestamp,
}

/// An offline stretch inside working hours.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OfflineSpanView {
    pub from: Timestamp,
    pub to: Timestamp,
    pub reason: Reason,
}

/// How an audience covered its working hours (durations in ms; online +
/// busy + offline + unknown = working).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CoverageView {
    pub working_ms: i64,
    pub online_ms: i64,
    pub busy_ms: i64,
    pub offline_ms: i64,
    /// Working hours before the history's first change (not known).
    pub unknown_ms: i64,
    /// online / (working − unknown), 0 to 1; `null` without known
    /// working hours.
    pub ratio: Option<f64>,
    /// Offline inside working hours, in order.
    pub offline: Vec<OfflineSpanView>,
}

/// The median and 90th percentile (nearest rank) of first-response times.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SpreadView {
    pub count: usize,
    pub median_ms: Option<i64>,
    pub p90_ms: Option<i64>,
}

/// Why a conversation was missed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MissedKind {
    /// The visitor wrote while the audience was offline or busy.
    NobodyOnline,
    /// The first agent reply came after the threshold.
    SlowReply,
    /// No agent reply, and the threshold has passed.
    NoReply,
}

/// A missed conversation.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MissedView {
    pub conversation_id: ConversationId,
    pub started_at: Timestamp,
    pub kind: MissedKind,
    /// The audience's status when the visitor wrote (`null`: unknown).
    pub status: Option<Status>,
    /// How long the visitor waited for a first reply (until it came, or
    /// until the end of the figures).
    pub waited_ms: i64,
}

/// The missed conversations of an audience.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MissedSummary {
    pub count: usize,
    pub nobody_online: usize,
    pub slow_reply: usize,
    pub no_reply: usize,
    /// The first ones, oldest first (at most `MAX_LISTED_MISSED`).
    pub listed: Vec<MissedView>,
}

/// One audience's insights.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AudienceInsights {
    pub group: Option<GroupId>,
    /// Whether the audience has working hours (else they are the whole
    /// period).
    pub has_working_hours: bool,
    /// Its working hours in the period (up to `until`), as they were then:
    /// a past day keeps the hours it had.
    #[serde(default)]
    pub working_hours: Vec<SpanView>,
    pub coverage: CoverageView,
    /// Conversations started in the period.
    pub conversations: usize,
    pub missed: MissedSummary,
    pub first_response: SpreadView,
}

/// One agent's first responses.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AgentInsights {
    pub agent: AgentId,
    pub first_response: SpreadView,
}

/// `GET insights`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct InsightsView {
    pub from: Timestamp,
    pub to: Timestamp,
    /// The figures stop here: `to`, or now if sooner, or where the history
    /// or the conversations looked at end (`complete: false`).
    pub until: Timestamp,
    pub complete: bool,
    pub first_reply_secs: u32,
    pub audiences: Vec<AudienceInsights>,
    /// Agents who gave a first reply, by id.
    pub agents: Vec<AgentInsights>,
}
