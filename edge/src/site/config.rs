//! The site's configuration: identity, settings, groups and working hours,
//! read once from storage and kept until a write changes it.

use crate::error::ApiError;
use crate::store::{Scope, Seen, Store, StoreError};
use presenza_protocol::view::{
    AlertSettings, EmailSettings, GroupView, SavedReply, SettingsView, VisitorLimits, Widget,
};
use presenza_protocol::{AgentId, GroupId, SiteId};
use presenza_rules::hours::{HoursMode, Schedule, ScheduleSpec};
use presenza_rules::GracePeriod;
use std::cell::{Cell, RefCell};
use std::collections::BTreeMap;
use std::rc::Rc;

pub struct Config {
    pub site_id: SiteId,
    pub name: Option<String>,
    pub owner_hash: String,
    pub created_ms: i64,
    pub grace: GracePeriod,
    pub origins: Vec<String>,
    pub widget: Widget,
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
    pub webhooks: Vec<presenza_protocol::view::WebhookEndpoint>,
    pub webhook_secret: Option<String>,
    /// id → display name.
    pub groups: BTreeMap<GroupId, String>,
    /// The mode of the site's working hours, and of a group's own hours
    /// saved without one.
    pub hours_mode: HoursMode,
    /// The stored working hours by scope, with the mode each acts in.
    pub hours: BTreeMap<Scope, Hours>,
    /// What the rules need (switch schedules' `since` is when the hours
    /// configuration last changed).
    pub rules: presenza_rules::Site,
}

/// One scope's working hours.
#[derive(Clone, Debug)]
pub struct Hours {
    pub spec: ScheduleSpec,
    pub mode: HoursMode,
}

impl Config {
    /// The configuration of the site in `store`; `None` if it holds none.
    fn load(store: &Store) -> Result<Option<Config>, StoreError> {
        let Some(meta) = store.site_meta()? else {
            return Ok(None);
        };
        let groups: BTreeMap<GroupId, String> = store
            .groups()?
            .into_iter()
            .map(|g| (g.id, g.name))
            .collect();
        let mut rules = presenza_rules::Site {
            grace: meta.grace,
            groups: groups.keys().map(GroupId::to_string).collect(),
            ..presenza_rules::Site::default()
        };
        let mut hours = BTreeMap::new();
        for stored in store.schedules()? {
            let scope = stored.scope;
            let mode = stored.mode.unwrap_or(meta.hours_mode);
            let parsed = serde_json::from_str::<ScheduleSpec>(&stored.spec)
                .ok()
                .and_then(|spec| Schedule::parse(&spec).ok().map(|s| (spec, s)));
            // Stored hours were valid when saved; if a time zone leaves the
            // database, the site must stay usable so its owner can fix them:
            // they are left out, loudly.
            let Some((spec, schedule)) = parsed else {
                worker::console_error!(
                    "stored working hours for {scope:?} no longer parse; ignored"
                );
                continue;
            };
            let schedule = schedule.in_mode(mode, meta.hours_since);
            match &scope {
                Scope::Site => rules.hours = Some(schedule),
                Scope::Group(g) => {
                    rules.group_hours.insert(g.to_string(), schedule);
                }
            }
            hours.insert(scope, Hours { spec, mode });
        }
        Ok(Some(Config {
            site_id: meta.site_id,
            name: meta.name,
            owner_hash: meta.owner_hash,
            created_ms: meta.created_ms,
            grace: meta.grace,
            origins: meta.origins,
            widget: meta.widget,
            limits: meta.limits,
            retention_days: meta.retention_days,
            history_days: meta.history_days,
            next_sweep_ms: meta.next_sweep_ms,
            email: meta.email,
            alerts: meta.alerts,
            mail_key: meta.mail_key,
            public_origin: meta.public_origin,
            saved_replies: meta.saved_replies,
            webhooks: meta.webhooks,
            webhook_secret: meta.webhook_secret,
            widget_first_seen: meta.widget_first_seen,
            widget_last_seen: meta.widget_last_seen,
            owner_agent: meta.owner_agent,
            groups,
            hours_mode: meta.hours_mode,
            hours,
            rules,
        }))
    }

    /// 404 `unknown_group` for a group the site does not have.
    pub fn check_group(&self, group: Option<&GroupId>) -> Result<(), ApiError> {
        match group {
            Some(g) if !self.groups.contains_key(g) => Err(ApiError::unknown_group(g.as_str())),
            _ => Ok(()),
        }
    }

    pub fn settings_view(&self) -> SettingsView {
        SettingsView {
            site_id: self.site_id.clone(),
            name: self.name.clone(),
            grace_period_secs: self.grace.secs(),
            allowed_origins: self.origins.clone(),
            widget: self.widget.clone(),
            limits: self.limits,
            retention_days: self.retention_days,
            history_days: self.history_days,
            email: self.email.clone(),
            alerts: self.alerts.clone(),
            created_at: self.created_ms.into(),
            working_hours_mode: self.hours_mode,
            owner_agent: self.owner_agent.clone(),
        }
    }

    pub fn group_view(&self, id: &GroupId, name: &str) -> GroupView {
        GroupView {
            id: id.clone(),
            name: name.to_string(),
            has_working_hours: self.hours.contains_key(&Scope::Group(id.clone())),
        }
    }

    /// Whether `agent_groups` serve an audience (the rules' `agent_serves`).
    pub fn serves(&self, agent_groups: &[GroupId], audience: Option<&GroupId>) -> bool {
        presenza_rules::agent_serves(
            agent_groups,
            &self.rules.groups,
            audience.map(GroupId::as_str),
        )
    }
}

/// The cached configuration.
#[derive(Default)]
pub struct ConfigCache {
    /// Schema checked (and migrated) since this instance started.
    ready: Cell<bool>,
    cached: RefCell<Option<Rc<Config>>>,
}

impl ConfigCache {
    /// The configuration; `None` for an object that holds no site. The
    /// first call of an instance migrates the schema, never creating
    /// tables in an object that was not initialised.
    pub fn load(&self, store: &Store) -> Result<Option<Rc<Config>>, StoreError> {
        if let Some(c) = self.cached.borrow().as_ref() {
            return Ok(Some(c.clone()));
        }
        if !self.ready.get() {
            if !store.has_schema()? {
                return Ok(None);
            }
            store.migrate()?;
            self.ready.set(true);
        }
        let Some(cfg) = Config::load(store)? else {
            return Ok(None);
        };
        let cfg = Rc::new(cfg);
        *self.cached.borrow_mut() = Some(cfg.clone());
        Ok(Some(cfg))
    }

    /// The schema was just created (a new site).
    pub fn migrated(&self) {
        self.ready.set(true);
    }

    /// Storage was deleted: nothing is known, not even the schema.
    pub fn reset(&self) {
        self.ready.set(false);
        self.forget();
    }

    /// Configuration changed: the next read loads it again.
    pub fn forget(&self) {
        *self.cached.borrow_mut() = None;
    }
}
