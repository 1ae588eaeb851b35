//! [`Site`]: the state handle every handler receives. It owns the runtime
//! state (sockets, alarm, storage), the site's storage and what the object
//! keeps in memory, and offers the verbs handlers use: the configuration,
//! the presence pipeline, the counters. Memory only holds caches, all
//! rebuilt from storage after hibernation or a restart.

use crate::budget::Budgets;
use crate::budget::Overrun;
use crate::error::ApiError;
use crate::residency;
use crate::site::config::{Config, ConfigCache};
use crate::site::counting::Tallies;
use crate::site::faults::Faults;
use crate::site::presence::{Change, Presence, Rim, Snapshot};
use crate::site::relays::Relays;
use crate::store::{MetaKey, Store};
use crate::tally::Counter;
use presenza_protocol::frame::close;
use presenza_rules::ChosenBy;
use std::cell::Cell;
use std::rc::Rc;
use worker::{Env, State, WebSocket};

pub struct Site {
    /// The runtime: hibernatable sockets, the alarm, storage.
    pub state: State,
    /// Vars: limits and the residency threshold.
    env: Env,
    pub store: Store,
    config: ConfigCache,
    pub presence: Presence,
    /// What goes to the site's relays (`relaying`).
    pub relays: Relays,
    pub tallies: Tallies,
    /// What each live socket may still send.
    pub budgets: Budgets,
    /// Faults a test switched on.
    pub faults: Faults,
    /// When this instance was created (a wake after eviction makes a new
    /// one): `stats` shows it.
    pub started_at: i64,
    /// When the next queued e-mail is due (`None`: not read yet).
    mail_due: Cell<Option<Option<i64>>>,
    /// When the next webhook delivery is due (`None`: not read yet).
    webhook_due: Cell<Option<Option<i64>>>,
    /// When the alerts are next checked (`None`: not read yet).
    alert_check: Cell<Option<Option<i64>>>,
}

impl Site {
    pub fn new(state: State, env: Env, now: i64) -> Site {
        let store = Store::new(state.storage().sql());
        let faults = Faults::from_env(&env);
        Site {
            state,
            env,
            store,
            config: ConfigCache::default(),
            presence: Presence::default(),
            relays: Relays::default(),
            tallies: Tallies::default(),
            budgets: Budgets::default(),
            faults,
            started_at: now,
            mail_due: Cell::new(None),
            webhook_due: Cell::new(None),
            alert_check: Cell::new(None),
        }
    }

    /// The site's configuration; 404 `site_not_found` for an object that
    /// holds no site.
    pub fn config(&self) -> Result<Rc<Config>, ApiError> {
        self.load_config()?.ok_or_else(ApiError::site_not_found)
    }

    /// The configuration, `None` for an object that holds no site.
    pub fn load_config(&self) -> Result<Option<Rc<Config>>, ApiError> {
        Ok(self.config.load(&self.store)?)
    }

    /// Whether this object holds a site.
    pub fn holds_site(&self) -> bool {
        matches!(self.config.load(&self.store), Ok(Some(_)))
    }

    /// A new site's tables exist.
    pub fn created(&self) {
        self.config.migrated();
        self.config.forget();
    }

    /// The site was deleted: forget everything held in memory (the schema
    /// too: the object holds no site now).
    pub fn deleted(&self) {
        self.config.reset();
        self.presence.reset();
        self.alert_check.set(None);
        self.relays.reset();
    }

    /// Runs the presence pipeline for `change` (see [`Presence::settle`]);
    /// a configuration change is read again first.
    pub async fn settle(&self, change: Change<'_>, now: i64) -> Result<Rc<Snapshot>, ApiError> {
        if matches!(change, Change::ConfigChanged) {
            self.config.forget();
        }
        let cfg = self.config()?;
        if matches!(change, Change::ConfigChanged | Change::AgentsChanged) {
            // Thresholds, hours or agents changed: alerts are checked again.
            self.alerts_due(now)?;
        }
        let sweep = cfg.next_sweep_ms.unwrap_or(now);
        let rim = Rim {
            state: &self.state,
            store: &self.store,
            cfg: &cfg,
            resident: self.resident(),
            // Retention, a retry of relays, the next queued e-mail, webhook
            // delivery and alerts check: all run in the alarm.
            housekeeping_at: Some(
                [
                    self.relays.retry_at(),
                    self.next_mail_due()?,
                    self.next_webhook_due()?,
                    self.next_alert_check()?,
                ]
                .into_iter()
                .flatten()
                .fold(sweep, i64::min),
            ),
        };
        let snap = self.presence.settle(&rim, change, now).await?;
        if self.presence.take_webhooks_queued() {
            self.webhook_queue_changed();
        }
        if self.presence.take_history_recorded() {
            // An audience's status changed: the alarm, set for now by the
            // pipeline, checks the alerts.
            self.alerts_due(now)?;
        }
        self.relays.observe(self, &cfg, &snap)?;
        Ok(snap)
    }

    /// The bindings: the other objects.
    pub fn env(&self) -> &Env {
        &self.env
    }

    /// Before the working-hours configuration changes (a schedule or a
    /// mode saved or removed, a group deleted, an agent's groups changed):
    /// every status a switch schedule chose is stored as the agent's, set
    /// by working hours, and boundaries up to `now` are done with
    /// (`since`), so the change itself switches nobody
    /// (docs/rules-api.md, switch mode). `cfg` is the configuration before
    /// the change; the next read loads the new one.
    pub fn keep_hours_choices(&self, cfg: &Config, now: i64) -> Result<(), ApiError> {
        if presenza_rules::switch::acts(&cfg.rules) {
            for row in self.store.agents()? {
                let groups: Vec<String> = row.groups.iter().map(ToString::to_string).collect();
                let cover = presenza_rules::switch::cover(&cfg.rules, &groups);
                let choice = presenza_rules::switch::choose(cover.as_ref(), &row.manual(), now);
                if choice.by == ChosenBy::WorkingHours {
                    self.store
                        .set_chosen_by_hours(&row.id, choice.status, choice.at)?;
                }
            }
        }
        self.store.set_hours_since(now)?;
        self.config.forget();
        self.presence.invalidate();
        Ok(())
    }

    /// Stored settings changed outside the presence pipeline: read them
    /// again.
    pub fn config_changed(&self) {
        self.config.forget();
    }

    /// When the next queued e-mail is due (read once, then kept).
    pub fn next_mail_due(&self) -> Result<Option<i64>, ApiError> {
        if let Some(due) = self.mail_due.get() {
            return Ok(due);
        }
        let due = self.store.next_mail_due()?;
        self.mail_due.set(Some(due));
        Ok(due)
    }

    /// The queue changed: read when the next e-mail is due again.
    pub fn mail_queue_changed(&self) {
        self.mail_due.set(None);
    }

    /// When the next webhook delivery is due (read once, then kept).
    pub fn next_webhook_due(&self) -> Result<Option<i64>, ApiError> {
        if let Some(due) = self.webhook_due.get() {
            return Ok(due);
        }
        let due = self.store.next_webhook_due()?;
        self.webhook_due.set(Some(due));
        Ok(due)
    }

    /// The webhook queue changed: read when the next delivery is due again.
    pub fn webhook_queue_changed(&self) {
        self.webhook_due.set(None);
    }

    /// When the alerts are next checked (read once, then kept; a site
    /// stored before alerts has never been checked: at once).
    pub fn next_alert_check(&self) -> Result<Option<i64>, ApiError> {
        if let Some(at) = self.alert_check.get() {
            return Ok(at);
        }
        let at = match self.store.meta_get(MetaKey::AlertCheckMs)? {
            None => Some(crate::bindings::now_ms()),
            Some(v) => v.parse().ok(),
        };
        self.alert_check.set(Some(at));
        Ok(at)
    }

    /// Alerts must be checked by `at`; returns whether that moved the
    /// check sooner (the alarm must then be set again: a settle does).
    pub fn alerts_due(&self, at: i64) -> Result<bool, ApiError> {
        if self.next_alert_check()?.is_some_and(|t| t <= at) {
            return Ok(false);
        }
        self.set_alert_check(Some(at))?;
        Ok(true)
    }

    /// The next check, as a check found it (`None`: none until something
    /// changes).
    pub fn set_alert_check(&self, at: Option<i64>) -> Result<(), ApiError> {
        if self.alert_check.get() == Some(at) {
            return Ok(());
        }
        let stored = at.map(|t| t.to_string()).unwrap_or_default();
        self.store.meta_set(MetaKey::AlertCheckMs, &stored)?;
        self.alert_check.set(Some(at));
        Ok(())
    }

    /// The platform's sender address (`EMAIL_FROM`); `None`: e-mail is off
    /// for every site.
    pub fn mail_from(&self) -> Option<String> {
        crate::bindings::text_var(&self.env, crate::site::mail::FROM_VAR)
    }

    /// The domain of reply addresses (`EMAIL_REPLY_DOMAIN`, routed to the
    /// Worker by Email Routing); `None`: no replies by e-mail.
    pub fn reply_domain(&self) -> Option<String> {
        crate::bindings::text_var(&self.env, crate::mail::reply_address::DOMAIN_VAR)
    }

    /// The `send_email` binding.
    pub fn mailer(&self) -> Result<worker::SendEmail, ApiError> {
        self.env
            .send_email(crate::site::mail::BINDING)
            .map_err(|e| ApiError::internal(format!("no send_email binding: {e}")))
    }

    /// Whether this object keeps itself in memory (see [`residency`]).
    pub fn resident(&self) -> bool {
        let from = self.env_usize(
            "KEEP_RESIDENT_FROM_VISITORS",
            residency::DEFAULT_RESIDENT_FROM,
        );
        self.tallies.resident(&self.store, from)
    }

    /// A numeric var, or `default`.
    pub fn env_usize(&self, name: &str, default: usize) -> usize {
        self.env
            .var(name)
            .ok()
            .and_then(|v| v.to_string().trim().parse().ok())
            .unwrap_or(default)
    }

    /// Closes a socket that sent past its budget (1008), and counts it;
    /// frames it still sends are dropped unread.
    pub fn close_over_budget(&self, ws: &WebSocket, key: &str, overrun: Overrun) {
        if overrun == Overrun::Closing {
            return;
        }
        self.budgets.closing(key);
        self.tallies.bump(Counter::SocketsOverBudget);
        let _ = ws.close(Some(close::POLICY), Some(overrun.reason()));
    }

    /// End of an event: see [`Tallies::save`].
    pub fn save_tallies(&self, always: bool) {
        self.tallies.save(&self.store, always, || self.holds_site());
    }
}
