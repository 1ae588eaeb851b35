//! What the API answers: one type per JSON shape, serialized by the edge and
//! decoded by the console (and the tests). Field order is the wire order.

use alloc::collections::BTreeMap;
use alloc::string::String;
use alloc::vec::Vec;

use presenza_rules::{
    AudienceStatus, ChosenBy, ConversationState, ConversationSummary, ExceptionSpec, HoursMode,
    MessageKind, Reason, ScheduleSpec, Sender, Status, Switch, UnixMillis,
};
use serde::{Deserialize, Deserializer, Serialize};

use crate::id::{AgentId, ConversationId, DeviceId, GroupId, SessionId, SiteId, VisitorId};
use crate::time::{self, Timestamp};
use crate::widget::ALL_LANGUAGES;

// ---------------------------------------------------------------- presence

/// What one audience's visitors are told: `GET status`, every status frame
/// of a visitor socket, and the device frames `hello` and `audience`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AudienceView {
    /// A status this client does not know reads as offline.
    #[serde(deserialize_with = "status_or_offline")]
    pub status: Status,
    pub reason: Reason,
    /// The busy message.
    #[serde(default)]
    pub message: Option<String>,
    /// Busy: the expected return; outside working hours: the next opening.
    #[serde(default)]
    pub back_at: Option<Timestamp>,
    /// When this answer may change by itself (a hint: it moves with every
    /// heartbeat, so a change of it alone is never pushed).
    #[serde(default)]
    pub next_change: Option<Timestamp>,
    /// The audience: a group, or the whole site (`null`).
    #[serde(default)]
    pub group: Option<GroupId>,
}

impl AudienceView {
    pub fn new(group: Option<&GroupId>, s: &AudienceStatus) -> Self {
        AudienceView {
            status: s.status,
            reason: s.reason,
            message: s.message.clone(),
            back_at: time::opt(s.back_at),
            next_change: time::opt(s.next_change),
            group: group.cloned(),
        }
    }
}

/// An agent as the owner, the agent itself and its devices see it (never
/// its token hash; its token only once, when created or rotated).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AgentView {
    pub id: AgentId,
    pub name: String,
    pub groups: Vec<GroupId>,
    /// Effective: the chosen status while a session is alive, else offline.
    #[serde(deserialize_with = "status_or_offline")]
    pub status: Status,
    /// The chosen status: what the agent chose by hand, or what its
    /// working hours set after that (`set_by`).
    #[serde(deserialize_with = "status_or_offline")]
    pub manual_status: Status,
    /// The busy message (only when chosen by hand).
    #[serde(default)]
    pub message: Option<String>,
    #[serde(default)]
    pub back_at: Option<Timestamp>,
    /// Where messages left while nobody was online reach the agent.
    #[serde(default)]
    pub email: Option<String>,
    /// Who chose `manual_status`: the agent (`manual`) or its working
    /// hours in switch mode (`working_hours`); a value this client does
    /// not know reads as manual.
    #[serde(default = "by_hand", deserialize_with = "chosen_by_or_manual")]
    pub set_by: ChosenBy,
    /// When `manual_status` was chosen: the manual change, or the boundary.
    #[serde(default)]
    pub set_at: Option<Timestamp>,
    /// The next automatic change (working hours in switch mode):
    /// `manual_status` becomes `status` at `at`, unless the agent changes
    /// it by hand first.
    #[serde(default)]
    pub next_switch: Option<SwitchView>,
    /// Live sessions (devices, and HTTP sessions inside the grace period).
    pub sessions: usize,
    /// Devices with a live session: a signed-in device's socket and its
    /// HTTP calls are one device; a session without a device credential
    /// counts as one of its own.
    #[serde(default)]
    pub devices: usize,
    /// Since when the effective `status` holds, when the edge knows it (the
    /// status was chosen, the agent came online, or its last session
    /// ended).
    #[serde(default)]
    pub since: Option<Timestamp>,
    pub created_at: Timestamp,
    /// The version (content hash) of the agent's picture, `None` without
    /// one: its URL is `http::agent_picture_path`, new for each picture.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub picture: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub token: Option<String>,
}

impl AgentView {
    /// The name to show (the id when the name is blank).
    pub fn display_name(&self) -> &str {
        if self.name.trim().is_empty() {
            self.id.as_str()
        } else {
            &self.name
        }
    }
}

/// A signed-in device of an agent (never its credential, except once in
/// [`DeviceCreated`]).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeviceView {
    pub id: DeviceId,
    pub name: String,
    pub created_at: Timestamp,
    /// Its last call or sign of life (its sessions included).
    pub last_used_at: Timestamp,
    /// Whether it has a live session now.
    pub live: bool,
    /// The device making this call.
    #[serde(default)]
    pub current: bool,
}

/// `GET agents/me/devices`, `GET agents/{id}/devices`: most recently used
/// first.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeviceList {
    pub devices: Vec<DeviceView>,
}

/// `POST agents/me/devices`: the device and its credential, shown this
/// once (it replaces the agent token on that device).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeviceCreated {
    pub device: DeviceView,
    pub credential: String,
}

/// An automatic status change to come: working hours (switch mode) set
/// `status` at `at`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SwitchView {
    pub at: Timestamp,
    #[serde(deserialize_with = "status_or_offline")]
    pub status: Status,
}

impl From<Switch> for SwitchView {
    fn from(s: Switch) -> Self {
        SwitchView {
            at: Timestamp(s.at),
            status: s.status,
        }
    }
}

/// `GET agents`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AgentList {
    pub agents: Vec<AgentView>,
}

/// `GET agents/me`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MeView {
    pub agent: AgentView,
    pub grace_period_secs: u32,
}

/// `PUT agents/me/status`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StatusSetView {
    pub agent: AgentView,
    /// The HTTP session the call counted for.
    pub session: SessionId,
    pub grace_period_secs: u32,
}

/// `POST agents/me/heartbeat`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct HeartbeatView {
    pub session: SessionId,
    pub grace_period_secs: u32,
    /// When the session stops counting without another sign of life.
    pub expires_at: Timestamp,
}

// ---------------------------------------------------------------- owner

/// The widget's look (`widget-config`, `settings`), stored as this JSON.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Widget {
    /// Heading; `null`: the widget's own (translated) default.
    pub title: Option<String>,
    /// `#rrggbb`.
    pub accent_color: String,
    /// `left` or `right`.
    pub position: String,
    pub offset_x: u32,
    pub offset_y: u32,
    /// A language tag; `null`: the visitor's browser decides.
    pub language: Option<String>,
    /// Text overrides by language, then key.
    pub texts: WidgetTexts,
    /// `auto`, `light` or `dark`.
    pub theme: String,
}

impl Default for Widget {
    fn default() -> Self {
        Widget {
            title: None,
            accent_color: crate::widget::DEFAULT_ACCENT.into(),
            position: "right".into(),
            offset_x: 20,
            offset_y: 20,
            language: None,
            texts: WidgetTexts::default(),
            theme: "auto".into(),
        }
    }
}

/// What one client address may open or start on a site, and the site's own
/// ceiling on new conversations (`settings.limits`). A real visitor never
/// comes near them; an office behind one address still can chat.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct VisitorLimits {
    /// Open widget sockets from one address.
    pub sockets_per_address: u32,
    /// New conversations one address may start in
    /// [`CONVERSATION_WINDOW_SECS`](crate::limits::CONVERSATION_WINDOW_SECS).
    pub conversations_per_address: u32,
    /// New conversations the whole site takes in a minute.
    pub conversations_per_minute: u32,
}

impl Default for VisitorLimits {
    fn default() -> Self {
        VisitorLimits {
            sockets_per_address: 100,
            conversations_per_address: 20,
            conversations_per_minute: 120,
        }
    }
}

/// A site's text overrides, by language then key: `{"*": {key: text},
/// "it": {key: text}, …}`. `"*"` ([`ALL_LANGUAGES`]) applies to every
/// language; a language's own override wins over it. Languages are the
/// widget's ([`LANGUAGES`](crate::widget::LANGUAGES)), keys its texts
/// ([`is_text_key`](crate::widget::is_text_key)): the edge checks both when
/// they are set.
///
/// Settings stored before texts had languages hold a flat `{key: text}`
/// that applied to every language: it reads as `{"*": {key: text}}`, which
/// shows the same, and is written in the new shape with the next change.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct WidgetTexts(pub BTreeMap<String, BTreeMap<String, String>>);

impl WidgetTexts {
    /// The override of `key` for `lang` (a language's own, else every
    /// language's).
    pub fn get(&self, lang: &str, key: &str) -> Option<&str> {
        [lang, ALL_LANGUAGES]
            .iter()
            .find_map(|l| self.0.get(*l)?.get(key))
            .map(String::as_str)
    }

    /// How many overrides there are, in every language.
    pub fn len(&self) -> usize {
        self.0.values().map(BTreeMap::len).sum()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

impl<'de> Deserialize<'de> for WidgetTexts {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        /// A language's overrides, or (the flat shape of earlier settings)
        /// one text for every language.
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Entry {
            Language(BTreeMap<String, String>),
            Text(String),
        }
        let mut out: BTreeMap<String, BTreeMap<String, String>> = BTreeMap::new();
        for (k, v) in BTreeMap::<String, Entry>::deserialize(d)? {
            match v {
                Entry::Language(texts) => out.entry(k).or_default().extend(texts),
                Entry::Text(text) => {
                    out.entry(ALL_LANGUAGES.into()).or_default().insert(k, text);
                }
            }
        }
        Ok(WidgetTexts(out))
    }
}

/// `GET widget-config?group=` (public): the widget's look and texts, and
/// the audience's status, so that a widget paints its launcher from this
/// one answer and opens its live socket afterwards (off the paint's path).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct WidgetConfigView {
    pub widget: Widget,
    /// What the audience (`?group=`, else the whole site) is told now;
    /// absent from an edge older than this field.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<AudienceView>,
}

/// `GET` / `PUT settings`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SettingsView {
    pub site_id: SiteId,
    pub name: Option<String>,
    pub grace_period_secs: u32,
    pub allowed_origins: Vec<String>,
    pub widget: Widget,
    /// What one visitor address may open or start (an edge before these
    /// limits existed sent none: the defaults).
    #[serde(default)]
    pub limits: VisitorLimits,
    /// Days a closed conversation is kept (then deleted with its messages).
    #[serde(default = "default_retention_days")]
    pub retention_days: u32,
    /// Days the audiences' status history is kept.
    #[serde(default = "default_history_days")]
    pub history_days: u32,
    /// What the site sends by e-mail.
    #[serde(default)]
    pub email: EmailSettings,
    /// When the owner is warned (an edge before alerts sent none: the
    /// defaults).
    #[serde(default)]
    pub alerts: AlertSettings,
    pub created_at: Timestamp,
    /// How the site's working hours act (`switch` or `gate`), and the mode
    /// a group's own hours get when saved without one. An edge older than
    /// the modes sent none: gate.
    #[serde(default = "gate")]
    pub working_hours_mode: HoursMode,
    /// The agent the owner answers chats as (`PUT owner-agent`), if any.
    #[serde(default)]
    pub owner_agent: Option<AgentId>,
}

/// `GET`/`PUT working-hours` and `groups/{id}/working-hours`: a schedule
/// and how it acts.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct WorkingHoursView {
    pub mode: HoursMode,
    pub timezone: String,
    #[serde(default)]
    pub weekly: BTreeMap<String, Vec<[String; 2]>>,
    #[serde(default)]
    pub exceptions: Vec<ExceptionSpec>,
}

impl WorkingHoursView {
    pub fn new(spec: &ScheduleSpec, mode: HoursMode) -> Self {
        WorkingHoursView {
            mode,
            timezone: spec.timezone.clone(),
            weekly: spec.weekly.clone(),
            exceptions: spec.exceptions.clone(),
        }
    }

    /// The schedule, without its mode.
    pub fn spec(&self) -> ScheduleSpec {
        ScheduleSpec {
            timezone: self.timezone.clone(),
            weekly: self.weekly.clone(),
            exceptions: self.exceptions.clone(),
        }
    }
}

/// A site's e-mail (`settings.email`): off until the owner turns it on.
/// On, a message left while nobody was online reaches the agents who serve
/// it (those with an e-mail address) and `notify_address`; an agent's
/// reply reaches a visitor who has left and gave an address (batched); a
/// visitor may ask for a transcript.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct EmailSettings {
    pub enabled: bool,
    /// The owner's chosen address for messages left while nobody was
    /// online.
    pub notify_address: Option<String>,
}

/// A site's alerts (`settings.alerts`, issue 15): the owner is told, by
/// e-mail (when the site sends e-mail) and by the webhook events
/// `alert_opened` / `alert_closed`, once per episode and again when it is
/// back to normal.
///
/// On by default (10 and 5 minutes): nothing is sent unless the owner has
/// turned e-mail on with an address, or subscribed a webhook to alert
/// events, so the defaults only decide what an owner who asked to hear
/// gets; and a site (or group) is "offline" only inside its own working
/// hours, so a site without working hours never gets an offline alert.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct AlertSettings {
    /// The site or a group offline inside its working hours for this many
    /// minutes; `null`: off.
    pub offline_minutes: Option<u32>,
    /// A visitor's message without an agent reply for this many minutes
    /// (inside working hours); `null`: off.
    pub wait_minutes: Option<u32>,
    /// Where alert e-mails go; `null`: the e-mail settings'
    /// `notify_address`.
    pub address: Option<String>,
}

impl Default for AlertSettings {
    fn default() -> Self {
        AlertSettings {
            offline_minutes: Some(crate::limits::DEFAULT_OFFLINE_ALERT_MINUTES),
            wait_minutes: Some(crate::limits::DEFAULT_WAIT_ALERT_MINUTES),
            address: None,
        }
    }
}

/// A reply the owner saved for agents: `/shortcut` in the composer puts
/// its text in the reply box.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SavedReply {
    /// `[a-z0-9_-]`, 1 to `MAX_SHORTCUT_LEN` characters.
    pub shortcut: String,
    pub text: String,
}

/// `GET` / `PUT saved-replies` (the PUT body too), and the device frame
/// `saved_replies`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SavedReplies {
    pub replies: Vec<SavedReply>,
}

/// `POST visitor/transcript` (202): where the transcript is being sent.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TranscriptQueued {
    pub email: String,
}

/// `GET email/unsubscribe/{code}`: the address no longer receives this
/// site's e-mail.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Unsubscribed {
    pub email: String,
    pub unsubscribed: bool,
}

/// Retention when none is stored (an older edge, or a new site).
pub const DEFAULT_RETENTION_DAYS: u32 = 365;

fn default_retention_days() -> u32 {
    DEFAULT_RETENTION_DAYS
}

fn default_history_days() -> u32 {
    crate::limits::DEFAULT_HISTORY_DAYS
}

/// A group (`GET`/`PUT groups/{id}`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct GroupView {
    pub id: GroupId,
    pub name: String,
    pub has_working_hours: bool,
}

/// `GET groups`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct GroupList {
    pub groups: Vec<GroupView>,
}

/// `GET stats`: what the site's object is doing.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StatsView {
    /// Socket messages that woke the object (pings never do).
    pub socket_messages_handled: i64,
    pub socket_closes: i64,
    pub alarms: i64,
    /// Sockets closed for sending past their budget.
    pub sockets_over_budget: i64,
    /// Relays' registrations and syncs.
    pub relay_syncs: i64,
    /// Widget frames relays forwarded.
    pub relay_frames: i64,
    /// Publish calls the site made to its relays (relays pass the rest on).
    pub relay_publish_calls: i64,
    pub sockets: usize,
    pub visitor_sockets: usize,
    pub agent_sockets: usize,
    pub agents: usize,
    pub live_sessions: usize,
    pub next_change: Option<Timestamp>,
    /// The object keeps itself in memory (a big live audience).
    pub resident: bool,
    /// When this instance of the object started (a wake after eviction
    /// starts a new one).
    pub instance_started_at: Timestamp,
    /// The version of what visitors are told (grows with each change).
    pub status_version: u64,
    /// The relays holding the site's widgets.
    pub relays: Vec<RelayStatsView>,
    /// The size of the object's SQLite database, in bytes (settings,
    /// conversations, the status history...).
    #[serde(default)]
    pub database_bytes: u64,
}

/// One relay in `stats`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RelayStatsView {
    /// `relay:<site>:<region>:<shard>`.
    pub name: String,
    /// Its widgets, as it last said (at its last sync or acknowledgement).
    pub sockets: u64,
    /// The status version it acknowledged last.
    pub acked: u64,
}

/// `POST /v1/sites`: the owner key is shown this once.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SiteCreatedView {
    pub site_id: SiteId,
    pub owner_key: String,
    pub name: Option<String>,
}

/// `POST owner-key`: the new owner key, shown this once.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OwnerKeyView {
    pub owner_key: String,
}

/// `GET /v1/health`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct HealthView {
    pub status: String,
    pub service: String,
    pub version: String,
}

/// `GET /v1/ping`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PongView {
    pub pong: bool,
}

// ---------------------------------------------------------------- history and insights

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

// ---------------------------------------------------------------- conversations

/// `{"id","name"}` of an agent who wrote or closed something.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AgentRef {
    pub id: AgentId,
    pub name: String,
    /// The agent's picture now (see `AgentView::picture`); absent without
    /// one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub picture: Option<String>,
}

/// `GET conversations/{id}/assign`: who a conversation may go to.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AssignChoices {
    /// The agents who serve it (assignable as it is), by name.
    pub agents: Vec<Assignable>,
    /// The site's groups (a transfer), by name.
    pub groups: Vec<GroupRef>,
}

/// An agent a conversation may be assigned to, with their status now.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Assignable {
    pub id: AgentId,
    pub name: String,
    #[serde(deserialize_with = "status_or_offline")]
    pub status: Status,
}

/// `{"id","name"}` of a group.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct GroupRef {
    pub id: GroupId,
    pub name: String,
}

/// A message.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MessageView {
    pub seq: u64,
    pub client_id: String,
    pub from: Sender,
    /// The agent of an agent's message; `null` otherwise.
    pub agent: Option<AgentRef>,
    /// Plain text, exactly as stored: clients render it as text, never HTML.
    pub text: String,
    pub at: Timestamp,
    /// A system message's kind; `null` for visitor and agent messages and
    /// for a kind this client does not know yet.
    #[serde(default, deserialize_with = "known_kind")]
    pub kind: Option<MessageKind>,
    /// Who or what a system message names, for clients to word it in
    /// their language: the agent who joined (`assigned`), the group the
    /// conversation went to (`transferred`). Absent otherwise.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subject: Option<String>,
}

impl MessageView {
    /// A message; `agent` is kept only for an agent's message, `kind` only
    /// for a system message.
    pub fn new(
        seq: u64,
        client_id: String,
        from: Sender,
        agent: Option<AgentRef>,
        text: String,
        at: UnixMillis,
        kind: Option<MessageKind>,
    ) -> Self {
        MessageView {
            seq,
            client_id,
            from,
            agent: agent.filter(|_| from == Sender::Agent),
            text,
            at: Timestamp(at),
            kind: kind.filter(|_| from == Sender::System),
            subject: None,
        }
    }

    /// With the name a system message is about (kept only for one).
    pub fn about(mut self, subject: Option<String>) -> Self {
        self.subject = subject.filter(|_| self.from == Sender::System);
        self
    }
}

/// The visitor of a conversation.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct VisitorView {
    pub id: VisitorId,
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub email: Option<String>,
}

/// One conversation as one agent sees it (its unread count).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConversationView {
    pub id: ConversationId,
    /// Its group, fixed by its first message or a transfer; `null`: the
    /// whole site.
    pub group: Option<GroupId>,
    pub visitor: VisitorView,
    #[serde(default)]
    pub last_message: Option<MessageView>,
    pub last_seq: u64,
    /// Visitor messages after this agent's read mark.
    pub unread: u64,
    /// Open, and the visitor wrote last.
    pub waiting: bool,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    /// `open` or `closed` (an edge older than closing sent none: open).
    #[serde(default = "open")]
    pub state: ConversationState,
    #[serde(default)]
    pub closed_at: Option<Timestamp>,
    #[serde(default)]
    pub closed_by: Option<AgentRef>,
    /// The agent it is assigned to (`POST conversations/{id}/assign`);
    /// absent: nobody.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub assignee: Option<AgentRef>,
}

/// Whether a conversation is closed, when and by whom.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Closing {
    pub state: ConversationState,
    pub closed_at: Option<UnixMillis>,
    pub closed_by: Option<AgentRef>,
}

impl Closing {
    pub const OPEN: Closing = Closing {
        state: ConversationState::Open,
        closed_at: None,
        closed_by: None,
    };
}

impl ConversationView {
    /// `counters` is the rules' view of it for this agent (waiting, unread).
    pub fn new(
        id: ConversationId,
        counters: &ConversationSummary,
        group: Option<GroupId>,
        visitor: VisitorView,
        last_message: Option<MessageView>,
        last_seq: u64,
        closing: &Closing,
    ) -> Self {
        ConversationView {
            id,
            group,
            visitor,
            last_message,
            last_seq,
            unread: counters.unread(),
            waiting: presenza_rules::waits(closing.state, counters),
            created_at: Timestamp(counters.created_at),
            updated_at: Timestamp(counters.updated_at),
            state: closing.state,
            closed_at: time::opt(closing.closed_at),
            closed_by: closing.closed_by.clone(),
            assignee: None,
        }
    }

    /// With the agent it is assigned to.
    pub fn assigned(mut self, assignee: Option<AgentRef>) -> Self {
        self.assignee = assignee;
        self
    }
}

/// `GET conversations`: a page in the rules' list order.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConversationPage {
    pub conversations: Vec<ConversationView>,
    /// Where the next page starts (`?cursor=`); `null` on the last page.
    #[serde(default)]
    pub next_cursor: Option<String>,
    pub has_more: bool,
}

/// `GET conversations/{id}/messages`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MessagePage {
    pub messages: Vec<MessageView>,
    pub has_more: bool,
    /// The visitor's context, as the edge last recorded it (absent: none).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub context: Option<VisitorContext>,
}

/// Where a visitor is and what they use, recorded by the edge from their
/// widget's socket (the request: browser and OS from `User-Agent`, country
/// and city from the platform's request data) and its `auth` and `send`
/// frames (the page, the referrer, the time zone). Anonymous input: each
/// field is validated and cut to its limit (`limits::MAX_CONTEXT_*`), and
/// absent when unknown or invalid.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct VisitorContext {
    /// The page their widget is on now (the latest `auth`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub page: Option<String>,
    /// The page of their latest message.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub wrote_from: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub referrer: Option<String>,
    /// "Chrome 131", "Firefox 133", "Safari 18"...
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub browser: Option<String>,
    /// "Windows", "macOS", "iOS 17", "Android 14", "Linux"...
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub os: Option<String>,
    /// ISO 3166-1 alpha-2.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub country: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub city: Option<String>,
    /// IANA, from the widget's `Intl` (their local time).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub time_zone: Option<String>,
    /// When it was last recorded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub at: Option<Timestamp>,
}

/// What a visitor reads (`GET visitor/messages`, the `messages` frame):
/// their latest conversation and a page of its messages.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct VisitorThread {
    pub conversation_id: Option<ConversationId>,
    #[serde(default)]
    pub state: Option<ConversationState>,
    pub messages: Vec<MessageView>,
    pub has_more: bool,
    /// The visitor may ask for this conversation by e-mail
    /// (`POST visitor/transcript`: the site sends e-mail); absent: no.
    #[serde(default, skip_serializing_if = "core::ops::Not::not")]
    pub transcript: bool,
}

/// `POST visitor/messages`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct VisitorMessageSent {
    pub conversation_id: ConversationId,
    pub message: MessageView,
}

/// `POST conversations/{id}/messages`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReplySent {
    pub message: MessageView,
}

/// `POST conversations/{id}/close` and `/reopen`, and the device frame
/// `conversation`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConversationEnvelope {
    pub conversation: ConversationView,
}

fn open() -> ConversationState {
    ConversationState::Open
}

fn gate() -> HoursMode {
    HoursMode::Gate
}

fn by_hand() -> ChosenBy {
    ChosenBy::Manual
}

/// Who chose a status; anything this client does not know reads as manual.
fn chosen_by_or_manual<'de, D: Deserializer<'de>>(d: D) -> Result<ChosenBy, D::Error> {
    let name = Option::<String>::deserialize(d)?;
    Ok(match name.as_deref() {
        Some("working_hours") => ChosenBy::WorkingHours,
        _ => ChosenBy::Manual,
    })
}

/// A status name; anything this client does not know reads as offline.
fn status_or_offline<'de, D: Deserializer<'de>>(d: D) -> Result<Status, D::Error> {
    let name = Option::<String>::deserialize(d)?;
    Ok(name
        .as_deref()
        .and_then(Status::parse)
        .unwrap_or(Status::Offline))
}

/// A message kind; one this client does not know yet reads as none.
fn known_kind<'de, D: Deserializer<'de>>(d: D) -> Result<Option<MessageKind>, D::Error> {
    let name = Option::<String>::deserialize(d)?;
    Ok(name.as_deref().and_then(MessageKind::parse))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn giulia() -> AgentRef {
        AgentRef {
            id: AgentId::parse("giulia").unwrap(),
            name: "Giulia".into(),
            picture: None,
        }
    }

    #[test]
    fn audience_views() {
        let s = AudienceStatus {
            status: Status::Busy,
            reason: Reason::AllBusy,
            message: Some("back soon".into()),
            back_at: None,
            next_change: Some(0),
        };
        let sales = GroupId::parse("sales").unwrap();
        assert_eq!(
            serde_json::to_string(&AudienceView::new(Some(&sales), &s)).unwrap(),
            r#"{"status":"busy","reason":"all_busy","message":"back soon","back_at":null,"next_change":"1970-01-01T00:00:00Z","group":"sales"}"#
        );
        // A status from a newer edge reads as offline, as an agent's does.
        let later: AudienceView =
            serde_json::from_value(json!({"status": "away", "reason": "no_agents"})).unwrap();
        assert_eq!((later.status, later.group), (Status::Offline, None));
        let back: AudienceView = serde_json::from_str(
            &serde_json::to_string(&AudienceView::new(Some(&sales), &s)).unwrap(),
        )
        .unwrap();
        assert_eq!(back.status, Status::Busy);
    }

    #[test]
    fn messages() {
        let m = MessageView::new(
            7,
            "c_1".into(),
            Sender::Agent,
            Some(giulia()),
            "<b>hi</b>".into(),
            0,
            // Only system messages have a kind.
            Some(MessageKind::Closed),
        );
        assert_eq!(
            serde_json::to_value(&m).unwrap(),
            json!({"seq":7,"client_id":"c_1","from":"agent",
                "agent":{"id":"giulia","name":"Giulia"},"text":"<b>hi</b>","at":"1970-01-01T00:00:00Z",
                "kind":null})
        );
        let m = MessageView::new(
            1,
            "c_1".into(),
            Sender::Visitor,
            Some(giulia()),
            "x".into(),
            0,
            None,
        );
        assert_eq!(serde_json::to_value(&m).unwrap()["agent"], json!(null));
        for kind in [MessageKind::AutoReply, MessageKind::Closed] {
            let m = MessageView::new(
                2,
                "s".into(),
                Sender::System,
                None,
                "x".into(),
                0,
                Some(kind),
            );
            assert_eq!(serde_json::to_value(&m).unwrap()["kind"], kind.as_str());
        }
        // A kind from a newer edge reads as none.
        let later: MessageView = serde_json::from_value(json!({"seq":1,"client_id":"s",
            "from":"system","agent":null,"text":"x","at":"1970-01-01T00:00:00Z","kind":"later"}))
        .unwrap();
        assert_eq!(later.kind, None);
    }

    #[test]
    fn conversations() {
        let counters = ConversationSummary {
            id: "c_1".into(),
            created_at: 0,
            updated_at: 1000,
            last_visitor_seq: 3,
            last_agent_seq: 2,
            read_seq: 1,
            visitor_messages_after_read: 2,
        };
        let visitor = VisitorView {
            id: VisitorId::parse("AAAAAAAAAAAAAAAAAAAAAA").unwrap(),
            name: None,
            email: None,
        };
        let id = ConversationId::parse("c_1").unwrap();
        let open = ConversationView::new(
            id.clone(),
            &counters,
            GroupId::parse("sales"),
            visitor.clone(),
            None,
            3,
            &Closing::OPEN,
        );
        assert!(open.waiting);
        assert_eq!(open.unread, 2);
        let v = serde_json::to_value(&open).unwrap();
        assert_eq!(v["state"], "open");
        assert_eq!(v["updated_at"], "1970-01-01T00:00:01Z");
        assert_eq!(v["closed_by"], json!(null));
        let closed = ConversationView::new(
            id,
            &counters,
            None,
            visitor,
            None,
            3,
            &Closing {
                state: ConversationState::Closed,
                closed_at: Some(2000),
                closed_by: Some(giulia()),
            },
        );
        let v = serde_json::to_value(&closed).unwrap();
        assert_eq!(v["state"], "closed");
        assert_eq!(v["waiting"], false);
        assert_eq!(v["closed_at"], "1970-01-01T00:00:02Z");
        assert_eq!(v["closed_by"], json!({"id": "giulia", "name": "Giulia"}));
        // Decoded back, it is the same value; without a state (an older
        // edge) it is open.
        let mut back: ConversationView = serde_json::from_value(v.clone()).unwrap();
        assert_eq!(back, closed);
        let mut old = v;
        old.as_object_mut().unwrap().remove("state");
        back = serde_json::from_value(old).unwrap();
        assert_eq!(back.state, ConversationState::Open);
    }

    #[test]
    fn agents() {
        let a = AgentView {
            id: AgentId::parse("giulia").unwrap(),
            name: " ".into(),
            groups: vec![GroupId::parse("sales").unwrap()],
            status: Status::Offline,
            manual_status: Status::Busy,
            message: None,
            back_at: None,
            email: None,
            set_by: ChosenBy::Manual,
            set_at: None,
            next_switch: None,
            sessions: 0,
            devices: 0,
            since: None,
            created_at: Timestamp(0),
            picture: None,
            token: None,
        };
        let v = serde_json::to_value(&a).unwrap();
        assert!(
            v.get("token").is_none(),
            "no token unless created or rotated"
        );
        assert_eq!(a.display_name(), "giulia");
        let mut odd = v;
        odd["status"] = json!("away");
        let back: AgentView = serde_json::from_value(odd).unwrap();
        assert_eq!(
            back.status,
            Status::Offline,
            "an unknown status reads as offline"
        );
    }

    #[test]
    fn agents_chosen_by_working_hours() {
        let a = AgentView {
            id: AgentId::parse("giulia").unwrap(),
            name: "Giulia".into(),
            groups: vec![],
            status: Status::Offline,
            manual_status: Status::Offline,
            message: None,
            back_at: None,
            email: None,
            set_by: ChosenBy::WorkingHours,
            set_at: Some(Timestamp(1_000)),
            next_switch: Some(SwitchView::from(Switch {
                at: 2_000,
                status: Status::Online,
            })),
            sessions: 1,
            devices: 1,
            since: None,
            created_at: Timestamp(0),
            picture: None,
            token: None,
        };
        let v = serde_json::to_value(&a).unwrap();
        assert_eq!(v["set_by"], "working_hours");
        assert_eq!(v["set_at"], "1970-01-01T00:00:01Z");
        assert_eq!(
            v["next_switch"],
            json!({"at": "1970-01-01T00:00:02Z", "status": "online"})
        );
        assert_eq!(serde_json::from_value::<AgentView>(v.clone()).unwrap(), a);
        // From an edge older than working hours' switch mode, or newer.
        let mut older = v.clone();
        for key in ["set_by", "set_at", "next_switch"] {
            older.as_object_mut().unwrap().remove(key);
        }
        let back: AgentView = serde_json::from_value(older).unwrap();
        assert_eq!((back.set_by, back.next_switch), (ChosenBy::Manual, None));
        let mut newer = v;
        newer["set_by"] = json!("schedule_v2");
        let back: AgentView = serde_json::from_value(newer).unwrap();
        assert_eq!(back.set_by, ChosenBy::Manual);
    }

    #[test]
    fn working_hours_views() {
        let spec = ScheduleSpec {
            timezone: "UTC".into(),
            ..ScheduleSpec::default()
        };
        let v = WorkingHoursView::new(&spec, HoursMode::Gate);
        assert_eq!(
            serde_json::to_string(&v).unwrap(),
            r#"{"mode":"gate","timezone":"UTC","weekly":{},"exceptions":[]}"#
        );
        assert_eq!(v.spec(), spec);
    }

    #[test]
    fn widget_defaults() {
        let w: Widget = serde_json::from_str("{}").unwrap();
        assert_eq!(w, Widget::default());
        assert_eq!(w.accent_color, "#2563eb");
    }

    #[test]
    fn widget_texts_by_language_and_the_flat_shape_of_earlier_settings() {
        let w: Widget = serde_json::from_value(json!({"texts": {
            "*": {"online": "Hi"}, "it": {"online": "Ciao", "busy": "Un attimo"}}}))
        .unwrap();
        assert_eq!(w.texts.get("it", "online"), Some("Ciao"));
        assert_eq!(w.texts.get("de", "online"), Some("Hi"));
        assert_eq!(w.texts.get("de", "busy"), None);
        assert_eq!(w.texts.len(), 3);
        // Stored before languages: every language, as it applied then.
        let old: Widget =
            serde_json::from_value(json!({"texts": {"offline": "Napište nám", "online": "Ahoj"}}))
                .unwrap();
        assert_eq!(
            serde_json::to_value(&old.texts).unwrap(),
            json!({"*": {"offline": "Napište nám", "online": "Ahoj"}})
        );
        assert_eq!(old.texts.get("cs", "offline"), Some("Napište nám"));
        // Written back in the new shape, it reads the same.
        let again: Widget = serde_json::from_value(serde_json::to_value(&old).unwrap()).unwrap();
        assert_eq!(again, old);
        assert!(serde_json::from_value::<Widget>(json!({"texts": {"it": 3}})).is_err());
    }

    #[test]
    fn widget_config_carries_the_status() {
        let config = WidgetConfigView {
            widget: Widget::default(),
            status: Some(AudienceView::new(
                None,
                &AudienceStatus {
                    status: Status::Online,
                    reason: Reason::AgentsOnline,
                    message: None,
                    back_at: None,
                    next_change: None,
                },
            )),
        };
        let v = serde_json::to_value(&config).unwrap();
        assert_eq!(v["status"]["status"], "online");
        assert_eq!(v["widget"]["texts"], json!({}));
        // An older edge's answer has no status.
        let old: WidgetConfigView = serde_json::from_value(json!({"widget": {}})).unwrap();
        assert_eq!(old.status, None);
    }
}

/// Where and when a widget of the site was seen (`GET onboarding`): a
/// page of an allowed origin other than the edge's own that loaded it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct WidgetSeen {
    /// The page's origin (`https://shop.example`).
    pub origin: String,
    /// The page: its origin and path, without query or fragment
    /// (`https://shop.example/cart`).
    pub page: String,
    pub at: Timestamp,
}

/// Where the site's working hours stand for the checklist.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum HoursStep {
    /// The site has working hours.
    Set,
    /// The owner chose to do without them.
    Declined,
    /// Neither yet.
    Pending,
}

/// `GET onboarding`: the owner's first steps, each done or not; `done` once
/// all are.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OnboardingView {
    pub site_named: bool,
    /// The first page a widget was seen on, and the latest.
    pub widget_first_seen: Option<WidgetSeen>,
    pub widget_last_seen: Option<WidgetSeen>,
    /// How many agents the site has (the owner's own agent included).
    pub agents: u32,
    pub working_hours: HoursStep,
    /// A visitor's conversation has an agent's reply.
    pub chat_answered: bool,
    pub done: bool,
}

/// One site in the platform admin's list (`GET /v1/sites`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SiteSummary {
    pub site_id: SiteId,
    pub name: Option<String>,
    pub created_at: Timestamp,
}

/// `GET /v1/sites`: the sites made since the directory existed, newest
/// first.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SiteListView {
    pub sites: Vec<SiteSummary>,
}

/// What a webhook endpoint may receive.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum WebhookEvent {
    /// An audience's (the site's or a group's) status or reason changed.
    StatusChanged,
    /// A visitor started a conversation.
    ConversationStarted,
    /// An agent assigned a conversation to an agent or transferred it to a
    /// group.
    ConversationAssigned,
    /// A visitor left a message while nobody was online.
    MessageLeft,
    /// An alert opened (offline inside working hours, a visitor waiting).
    AlertOpened,
    /// Back to normal.
    AlertClosed,
}

impl WebhookEvent {
    pub fn as_str(self) -> &'static str {
        match self {
            WebhookEvent::StatusChanged => "status_changed",
            WebhookEvent::ConversationStarted => "conversation_started",
            WebhookEvent::ConversationAssigned => "conversation_assigned",
            WebhookEvent::MessageLeft => "message_left",
            WebhookEvent::AlertOpened => "alert_opened",
            WebhookEvent::AlertClosed => "alert_closed",
        }
    }
}

/// How a delivery's body is shaped.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum WebhookFormat {
    /// `{"id", "event", "site", "at", "data"}`, signed.
    #[default]
    Json,
    /// A Slack-compatible incoming webhook: `{"text": ...}`, signed too.
    Slack,
}

/// One registered endpoint, as stored.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct WebhookEndpoint {
    /// Stable while the URL is the same (the first hex digits of its
    /// SHA-256).
    pub id: String,
    pub url: String,
    pub events: Vec<WebhookEvent>,
    pub format: WebhookFormat,
}

/// The outcome of an endpoint's last delivery attempt.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct WebhookAttempt {
    pub at: Timestamp,
    /// Whether the receiver answered 2xx.
    pub ok: bool,
    /// The HTTP status it answered; `null` for a network error.
    pub status: Option<u16>,
    /// What went wrong; `null` on success.
    pub error: Option<String>,
}

/// One endpoint with its deliveries' state (`GET webhooks`): the
/// endpoint's fields, then its queue and last attempt (written out, not
/// `#[serde(flatten)]`, which costs the console's Wasm ~1 KB gzip).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct WebhookView {
    pub id: String,
    pub url: String,
    pub events: Vec<WebhookEvent>,
    pub format: WebhookFormat,
    /// Deliveries waiting (in order) for this endpoint.
    pub pending: u32,
    /// The last attempt; `null` before the first.
    pub last: Option<WebhookAttempt>,
}

impl WebhookView {
    pub fn new(endpoint: WebhookEndpoint, pending: u32, last: Option<WebhookAttempt>) -> Self {
        WebhookView {
            id: endpoint.id,
            url: endpoint.url,
            events: endpoint.events,
            format: endpoint.format,
            pending,
            last,
        }
    }
}

/// `GET` / `PUT webhooks`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Webhooks {
    pub endpoints: Vec<WebhookView>,
    /// Whether a signing secret exists (`POST webhooks/secret` shows a new
    /// one, once).
    pub has_secret: bool,
}

/// `POST webhooks/secret`: the new signing secret, shown this once.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct WebhookSecret {
    pub secret: String,
}
