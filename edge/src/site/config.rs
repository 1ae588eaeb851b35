//! The site's configuration: identity, settings, groups and working hours,
//! read once from storage and kept until a write changes it.

use crate::error::ApiError;
use crate::store::{Scope, SiteMeta, Store, StoreError};
use presenza_protocol::view::{GroupView, SettingsView};
use presenza_protocol::GroupId;
use presenza_rules::hours::{HoursMode, Schedule, ScheduleSpec};
use std::cell::{Cell, RefCell};
use std::collections::BTreeMap;
use std::rc::Rc;

/// The site's stored settings ([`SiteMeta`], read through `Deref`: one
/// list of fields, kept by the store) with what is derived from them and
/// from the groups and hours tables.
pub struct Config {
    meta: SiteMeta,
    /// id → display name.
    pub groups: BTreeMap<GroupId, String>,
    /// The stored working hours by scope, with the mode each acts in.
    pub hours: BTreeMap<Scope, Hours>,
    /// What the rules need (switch schedules' `since` is when the hours
    /// configuration last changed).
    pub rules: presenza_rules::Site,
}

impl std::ops::Deref for Config {
    type Target = SiteMeta;

    fn deref(&self) -> &SiteMeta {
        &self.meta
    }
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
            meta,
            groups,
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
