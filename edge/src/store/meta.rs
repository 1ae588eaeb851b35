//! The `meta` table: the site's identity and settings, one row per key.

use super::onboarding::Seen;
use super::{Store, StoreError, R};
use crate::domain::settings::SettingsChange;
use crate::retention::{DEFAULT_RETENTION_DAYS, RETENTION_DAYS};
use presenza_protocol::limits::{DEFAULT_HISTORY_DAYS, HISTORY_DAYS};
use presenza_protocol::view::{
    AlertSettings, EmailSettings, SavedReplies, SavedReply, VisitorLimits, WebhookEndpoint, Widget,
};
use presenza_protocol::{AgentId, SiteId};
use presenza_rules::{GracePeriod, HoursMode};
use serde::Deserialize;
use std::collections::HashMap;

/// A key of the `meta` table.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MetaKey {
    /// Written last when a site is created: the site exists once it is.
    SiteId,
    /// SHA-256 of the owner key.
    OwnerKeyHash,
    Name,
    CreatedMs,
    GracePeriodSecs,
    /// JSON array of normalised origins.
    AllowedOrigins,
    /// The `Widget` JSON.
    Widget,
    /// The `VisitorLimits` JSON.
    VisitorLimits,
    /// Days closed conversations are kept (`retention`).
    RetentionDays,
    /// Days the status history is kept (`retention`).
    HistoryDays,
    /// When the next retention sweep is due (ms).
    NextSweepMs,
    /// The last snapshot version published to relays (`relaying`).
    PublishVersion,
    /// What that snapshot said, without the hints that move by themselves
    /// (so an unchanged status is never published again).
    PublishKey,
    SchemaVersion,
    /// See `tally::VisitorGauge`.
    VisitorSocketsBound,
    /// The `EmailSettings` JSON.
    Email,
    /// The secret that signs unsubscribe links (hex; made on first use).
    MailKey,
    /// The edge's public origin as its calls arrive (for e-mail links).
    PublicOrigin,
    /// The `SavedReplies` JSON.
    SavedReplies,
    /// The `HoursMode` of the site's working hours (and of a group's own
    /// hours saved without one): `switch` for a site created since issue
    /// 17, `gate` written by the migration for one created before.
    WorkingHoursMode,
    /// When the working-hours configuration last changed (ms): switch
    /// schedules' boundaries up to it switch nobody (rules: `since`).
    HoursSinceMs,
    /// The first page a widget was seen on (`store::onboarding::Seen`
    /// JSON), and the latest (rewritten at most once a minute).
    WidgetFirstSeen,
    WidgetLastSeen,
    /// "1": the owner does without working hours (the checklist's step).
    HoursDeclined,
    /// The agent the owner answers chats as (`PUT owner-agent`).
    OwnerAgent,
    /// The webhook endpoints (`Vec<WebhookEndpoint>` JSON).
    Webhooks,
    /// The secret that signs webhook deliveries (hex).
    WebhookSecret,
    /// The `AlertSettings` JSON (absent: the defaults).
    Alerts,
    /// When the alerts are next checked (ms; `site::alerts`).
    AlertCheckMs,
}

impl MetaKey {
    pub(super) fn as_str(self) -> &'static str {
        match self {
            MetaKey::SiteId => "site_id",
            MetaKey::OwnerKeyHash => "owner_key_hash",
            MetaKey::Name => "name",
            MetaKey::CreatedMs => "created_ms",
            MetaKey::GracePeriodSecs => "grace_period_secs",
            MetaKey::AllowedOrigins => "allowed_origins",
            MetaKey::Widget => "widget",
            MetaKey::VisitorLimits => "visitor_limits",
            MetaKey::RetentionDays => "retention_days",
            MetaKey::HistoryDays => "history_days",
            MetaKey::NextSweepMs => "next_sweep_ms",
            MetaKey::PublishVersion => "publish_version",
            MetaKey::PublishKey => "publish_key",
            MetaKey::SchemaVersion => "schema_version",
            MetaKey::VisitorSocketsBound => "visitor_sockets_bound",
            MetaKey::Email => "email",
            MetaKey::MailKey => "mail_key",
            MetaKey::PublicOrigin => "public_origin",
            MetaKey::SavedReplies => "saved_replies",
            MetaKey::WorkingHoursMode => "working_hours_mode",
            MetaKey::HoursSinceMs => "hours_since_ms",
            MetaKey::WidgetFirstSeen => "widget_first_seen",
            MetaKey::WidgetLastSeen => "widget_last_seen",
            MetaKey::HoursDeclined => "hours_declined",
            MetaKey::OwnerAgent => "owner_agent",
            MetaKey::Webhooks => "webhooks",
            MetaKey::WebhookSecret => "webhook_secret",
            MetaKey::Alerts => "alerts",
            MetaKey::AlertCheckMs => "alert_check_ms",
        }
    }
}

/// The site as `meta` describes it: its settings, read once into
/// `site::config::Config` (which derefs to it).
#[derive(Clone, Debug)]
pub struct SiteMeta {
    pub site_id: SiteId,
    pub owner_hash: String,
    pub name: Option<String>,
    pub created_ms: i64,
    pub grace: GracePeriod,
    pub origins: Vec<String>,
    pub widget: Widget,
    /// The mode of the site's working hours, and of a group's own hours
    /// saved without one.
    pub hours_mode: HoursMode,
    /// `UnixMillis::MIN` until the hours configuration first changes.
    pub hours_since: i64,
    pub limits: VisitorLimits,
    pub retention_days: u32,
    /// Days the status history is kept.
    pub history_days: u32,
    /// When the next retention sweep is due (`None`: never swept).
    pub next_sweep_ms: Option<i64>,
    /// What the site sends by e-mail.
    pub email: EmailSettings,
    /// When the owner is warned (`site::alerts`).
    pub alerts: AlertSettings,
    /// The secret of unsubscribe links (made on first use).
    pub mail_key: Option<String>,
    /// The edge's public origin (e-mail links).
    pub public_origin: Option<String>,
    /// The owner's saved replies.
    pub saved_replies: Vec<SavedReply>,
    /// Where a widget was first and last seen (the owner's checklist).
    pub widget_first_seen: Option<Seen>,
    pub widget_last_seen: Option<Seen>,
    /// The agent the owner answers chats as.
    pub owner_agent: Option<AgentId>,
    /// The webhook endpoints, and the secret that signs deliveries.
    pub webhooks: Vec<WebhookEndpoint>,
    pub webhook_secret: Option<String>,
}

fn bad(what: &'static str, detail: impl ToString) -> StoreError {
    StoreError::BadValue {
        what,
        detail: detail.to_string(),
    }
}

/// A stored value, parsed; a key that is absent (a site made before it
/// existed) gives `None`, one that does not parse an error.
fn parsed<T>(
    values: &HashMap<String, String>,
    key: MetaKey,
    parse: impl FnOnce(&str) -> Option<T>,
) -> R<Option<T>> {
    match values.get(key.as_str()) {
        None => Ok(None),
        Some(v) => parse(v)
            .map(Some)
            .ok_or_else(|| bad(key.as_str(), format!("`{v}`"))),
    }
}

fn from_json<T: serde::de::DeserializeOwned>(text: &str) -> Option<T> {
    serde_json::from_str(text).ok()
}

fn to_json<T: serde::Serialize>(value: &T) -> R<String> {
    serde_json::to_string(value).map_err(|e| StoreError::Sql(e.to_string()))
}

impl Store {
    /// The site this object holds; `None` if it holds none (yet).
    pub fn site_meta(&self) -> R<Option<SiteMeta>> {
        #[derive(Deserialize)]
        struct KeyValue {
            key: String,
            value: String,
        }
        let rows: Vec<KeyValue> = self.rows("SELECT key, value FROM meta", vec![])?;
        let values: HashMap<String, String> = rows.into_iter().map(|r| (r.key, r.value)).collect();
        let Some(site_id) = parsed(&values, MetaKey::SiteId, SiteId::parse)? else {
            return Ok(None);
        };
        let Some(owner_hash) = values.get(MetaKey::OwnerKeyHash.as_str()).cloned() else {
            return Ok(None);
        };
        Ok(Some(SiteMeta {
            site_id,
            owner_hash,
            name: values.get(MetaKey::Name.as_str()).cloned(),
            created_ms: parsed(&values, MetaKey::CreatedMs, |s| s.parse().ok())?.unwrap_or(0),
            grace: parsed(&values, MetaKey::GracePeriodSecs, |s| {
                s.parse().ok().and_then(|secs| GracePeriod::new(secs).ok())
            })?
            .unwrap_or(GracePeriod::DEFAULT),
            origins: parsed(&values, MetaKey::AllowedOrigins, from_json)?.unwrap_or_default(),
            widget: parsed(&values, MetaKey::Widget, from_json)?.unwrap_or_default(),
            // Written for every site (at creation, or by the migration for
            // one made before the modes); a store not migrated yet is from
            // before them, when hours were a gate: never switch by default.
            hours_mode: parsed(&values, MetaKey::WorkingHoursMode, HoursMode::parse)?
                .unwrap_or(HoursMode::Gate),
            hours_since: parsed(&values, MetaKey::HoursSinceMs, |s| s.parse().ok())?
                .unwrap_or(i64::MIN),
            limits: parsed(&values, MetaKey::VisitorLimits, from_json)?.unwrap_or_default(),
            retention_days: parsed(&values, MetaKey::RetentionDays, |s| {
                s.parse().ok().filter(|d| RETENTION_DAYS.contains(d))
            })?
            .unwrap_or(DEFAULT_RETENTION_DAYS),
            history_days: parsed(&values, MetaKey::HistoryDays, |s| {
                s.parse().ok().filter(|d| HISTORY_DAYS.contains(d))
            })?
            .unwrap_or(DEFAULT_HISTORY_DAYS),
            next_sweep_ms: parsed(&values, MetaKey::NextSweepMs, |s| s.parse().ok())?,
            email: parsed(&values, MetaKey::Email, from_json)?.unwrap_or_default(),
            alerts: parsed(&values, MetaKey::Alerts, from_json)?.unwrap_or_default(),
            mail_key: values.get(MetaKey::MailKey.as_str()).cloned(),
            public_origin: values.get(MetaKey::PublicOrigin.as_str()).cloned(),
            saved_replies: parsed(&values, MetaKey::SavedReplies, from_json::<SavedReplies>)?
                .unwrap_or_default()
                .replies,
            widget_first_seen: parsed(&values, MetaKey::WidgetFirstSeen, from_json)?,
            widget_last_seen: parsed(&values, MetaKey::WidgetLastSeen, from_json)?,
            owner_agent: parsed(&values, MetaKey::OwnerAgent, AgentId::parse)?,
            webhooks: parsed(&values, MetaKey::Webhooks, from_json)?.unwrap_or_default(),
            webhook_secret: values.get(MetaKey::WebhookSecret.as_str()).cloned(),
        }))
    }

    /// One stored value as text; `None` if absent.
    pub fn meta_get(&self, key: MetaKey) -> R<Option<String>> {
        #[derive(Deserialize)]
        struct Row {
            value: String,
        }
        let row: Option<Row> = self.first(
            "SELECT value FROM meta WHERE key = ?",
            vec![key.as_str().into()],
        )?;
        Ok(row.map(|r| r.value))
    }

    pub fn meta_set(&self, key: MetaKey, value: &str) -> R<()> {
        self.run(
            "INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
            vec![key.as_str().into(), value.into()],
        )
        .map(|_| ())
    }

    /// A new site's identity and settings; the site id last, so the site
    /// exists only once everything else is stored.
    pub fn init_site(
        &self,
        site_id: &SiteId,
        owner_hash: &str,
        name: Option<&str>,
        grace: GracePeriod,
        hours_mode: HoursMode,
        now: i64,
    ) -> R<()> {
        self.meta_set(MetaKey::OwnerKeyHash, owner_hash)?;
        self.meta_set(MetaKey::CreatedMs, &now.to_string())?;
        self.meta_set(MetaKey::GracePeriodSecs, &grace.secs().to_string())?;
        self.meta_set(MetaKey::AllowedOrigins, "[]")?;
        self.meta_set(MetaKey::WorkingHoursMode, hours_mode.as_str())?;
        self.set_hours_since(now)?;
        if let Some(name) = name {
            self.meta_set(MetaKey::Name, name)?;
        }
        self.meta_set(MetaKey::SiteId, site_id.as_str())
    }

    /// Stores what a settings patch changes.
    pub fn save_settings(&self, change: &SettingsChange) -> R<()> {
        if let Some(n) = &change.name {
            self.meta_set(MetaKey::Name, n)?;
        }
        if let Some(g) = change.grace {
            self.meta_set(MetaKey::GracePeriodSecs, &g.secs().to_string())?;
        }
        if let Some(o) = &change.origins {
            self.meta_set(MetaKey::AllowedOrigins, &to_json(o)?)?;
        }
        if let Some(w) = &change.widget {
            self.meta_set(MetaKey::Widget, &to_json(w)?)?;
        }
        if let Some(mode) = change.hours_mode {
            self.set_hours_mode(mode)?;
        }
        if let Some(l) = &change.limits {
            self.meta_set(MetaKey::VisitorLimits, &to_json(l)?)?;
        }
        if let Some(days) = change.retention_days {
            self.meta_set(MetaKey::RetentionDays, &days.to_string())?;
        }
        if let Some(days) = change.history_days {
            self.meta_set(MetaKey::HistoryDays, &days.to_string())?;
        }
        if let Some(email) = &change.email {
            self.meta_set(MetaKey::Email, &to_json(email)?)?;
        }
        if let Some(alerts) = &change.alerts {
            self.meta_set(MetaKey::Alerts, &to_json(alerts)?)?;
        }
        Ok(())
    }

    /// The webhook endpoints, the whole list.
    pub fn save_webhooks(&self, endpoints: &[WebhookEndpoint]) -> R<()> {
        self.meta_set(MetaKey::Webhooks, &to_json(&endpoints)?)
    }

    pub fn save_saved_replies(&self, replies: &[SavedReply]) -> R<()> {
        let all = SavedReplies {
            replies: replies.to_vec(),
        };
        self.meta_set(MetaKey::SavedReplies, &to_json(&all)?)
    }

    /// The mode of the site's working hours.
    pub fn set_hours_mode(&self, mode: HoursMode) -> R<()> {
        self.meta_set(MetaKey::WorkingHoursMode, mode.as_str())
    }

    /// The working-hours configuration changed at `now`.
    pub fn set_hours_since(&self, now: i64) -> R<()> {
        self.meta_set(MetaKey::HoursSinceMs, &now.to_string())
    }

    /// The stored visitor socket bound (`None`: never stored).
    pub fn visitor_bound(&self) -> R<Option<usize>> {
        self.meta_get(MetaKey::VisitorSocketsBound)?
            .map(|value| {
                value
                    .parse()
                    .map_err(|_| bad("visitor_sockets_bound", &value))
            })
            .transpose()
    }

    pub fn set_visitor_bound(&self, bound: usize) -> R<()> {
        self.meta_set(MetaKey::VisitorSocketsBound, &bound.to_string())
    }
}
