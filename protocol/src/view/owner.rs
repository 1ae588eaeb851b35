//! The owner's settings and the site's figures: widget, limits, working
//! hours, e-mail, alerts, saved replies, groups, stats, site creation.

use super::*;

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
