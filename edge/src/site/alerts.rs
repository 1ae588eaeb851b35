//! Alerts, the runtime part (issue 15): the check the object's one alarm
//! runs when alerts are due ([`check`]), and what tells it they are.
//!
//! A check looks at every subject ([`crate::alert::Subject`]): the site
//! and each group (offline inside working hours since when: its status
//! history's last change and its working hours, `rules::alerts::
//! offline_since`), each waiting conversation (since its visitor's first
//! unanswered message, from the opening if it came outside working hours),
//! and every subject with an open episode. `rules::alerts::decide` says
//! what to do; an episode opened or closed is stored
//! (`store::alerts`) and, only if the row changed, the owner is told once:
//! an e-mail queued ([`MailKind::AlertOpened`] / [`MailKind::AlertClosed`],
//! sent by the alarm like every e-mail) and the webhook events
//! `alert_opened` / `alert_closed` queued. A check run twice (alarms are
//! at least once) finds the episodes as the first left them: nothing is
//! told twice.
//!
//! **When.** The next check is kept in `meta` (`alert_check_ms`; absent,
//! for a site stored before alerts: due at once) and joins the alarm's
//! other deadlines (`Site::settle`): the earliest threshold instant the
//! last check found ([`rules::alerts::Decision::next_check`]), or at once
//! when a condition may have changed: an audience's status changed
//! (history), settings or agents changed, a visitor wrote (then the
//! threshold after the message), an agent replied or a conversation closed
//! with an episode open.

use crate::alert::{self, Back, Clock, Note, Subject, WentOffline};
use crate::error::ApiError;
use crate::history::Recorded;
use crate::site::config::Config;
use crate::site::mail;
use crate::site::state::Site;
use crate::site::webhooks;
use crate::store::{EpisodeRow, MailKind, WaitingRow};
use presenza_protocol::view::WebhookEvent;
use presenza_protocol::{ConversationId, GroupId};
use presenza_rules::alerts::{self as rules_alerts, OpenEpisode};
use std::collections::BTreeMap;

/// Waiting conversations looked at per check, longest wait first: the
/// owner hears of the longest waits (each conversation's own episode),
/// not of every visitor of a flood.
const MAX_WAIT_SUBJECTS: usize = 10;

/// What a check found about one subject: since when its condition holds,
/// and what the owner reads about it.
struct Found {
    subject: Subject,
    since: Option<i64>,
    threshold_ms: Option<i64>,
    /// The group the subject belongs to (a conversation's), for its time
    /// zone and name.
    group: Option<GroupId>,
    /// An audience's last recorded change (why it went offline).
    offline: Option<Recorded>,
    /// A conversation's wait.
    waiting: Option<WaitingRow>,
}

/// Checks every subject at `now` (see the module doc); stores when to
/// check next.
pub fn check(site: &Site, cfg: &Config, now: i64) -> Result<(), ApiError> {
    let minute_ms = site.faults.alert_minute_ms();
    let threshold = |minutes: Option<u32>| minutes.map(|m| i64::from(m) * minute_ms);
    let offline_ms = threshold(cfg.alerts.offline_minutes);
    let wait_ms = threshold(cfg.alerts.wait_minutes);
    let open: BTreeMap<String, EpisodeRow> = site
        .store
        .open_episodes()?
        .into_iter()
        .map(|e| (e.subject.clone(), e))
        .collect();
    let mut found: Vec<Found> = Vec::new();
    let audiences = std::iter::once(None).chain(cfg.groups.keys().cloned().map(Some));
    for group in audiences {
        found.push(offline(site, cfg, group, offline_ms, now)?);
    }
    let waiting = if wait_ms.is_some() {
        site.store.waiting_conversations(MAX_WAIT_SUBJECTS)?
    } else {
        Vec::new()
    };
    for row in waiting {
        found.push(waiting_found(cfg, row, wait_ms, now));
    }
    // Open episodes of subjects not looked at yet: a deleted group, a
    // conversation no longer among the longest waits (or no longer
    // waiting).
    for key in open.keys() {
        if found.iter().any(|f| f.subject.key() == *key) {
            continue;
        }
        match Subject::parse(key) {
            Some(Subject::Waiting(id)) => match site.store.waiting_conversation(&id)? {
                Some(row) if wait_ms.is_some() => found.push(waiting_found(cfg, row, wait_ms, now)),
                _ => found.push(gone(Subject::Waiting(id), wait_ms)),
            },
            Some(subject) => found.push(gone(subject, offline_ms)),
            None => {
                site.store.close_episode(key)?;
            }
        }
    }
    let mut next: Option<i64> = None;
    let mut told = Teller::new(site, cfg);
    for f in found {
        let key = f.subject.key();
        let episode = open.get(&key);
        let decision = rules_alerts::decide(
            f.since,
            f.threshold_ms,
            episode.map(|e| OpenEpisode { since: e.since }),
            now,
        );
        if decision.close {
            if let Some(e) = episode {
                if site.store.close_episode(&key)? {
                    told.closed(&f, e, now)?;
                }
            }
        }
        if let Some(since) = decision.open {
            if site.store.open_episode(&key, since, now)? {
                told.opened(&f, since, now, minute_ms)?;
            }
        }
        next = match (next, decision.next_check) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
    }
    if told.mail {
        site.mail_queue_changed();
    }
    if told.hooks {
        site.webhook_queue_changed();
    }
    site.set_alert_check(next)?;
    Ok(())
}

/// An audience (the site: `None`) offline inside its working hours.
fn offline(
    site: &Site,
    cfg: &Config,
    group: Option<GroupId>,
    threshold_ms: Option<i64>,
    now: i64,
) -> Result<Found, ApiError> {
    let last = if threshold_ms.is_some() {
        site.store.change_at_or_before(group.as_ref(), now)?
    } else {
        None
    };
    let schedule = cfg.rules.schedule_for(group.as_ref().map(GroupId::as_str));
    let since = rules_alerts::offline_since(last.as_ref().map(|l| l.mark()), schedule, now);
    Ok(Found {
        subject: match &group {
            Some(g) => Subject::Group(g.clone()),
            None => Subject::Site,
        },
        since,
        threshold_ms,
        group,
        offline: last,
        waiting: None,
    })
}

/// A waiting conversation: since its visitor's first unanswered message,
/// inside its audience's working hours.
fn waiting_found(cfg: &Config, row: WaitingRow, threshold_ms: Option<i64>, now: i64) -> Found {
    let schedule = cfg
        .rules
        .schedule_for(row.grp.as_ref().map(GroupId::as_str));
    let since = row
        .since
        .and_then(|start| rules_alerts::in_hours_since(start, schedule, now));
    Found {
        subject: Subject::Waiting(row.id.clone()),
        since,
        threshold_ms,
        group: row.grp.clone(),
        offline: None,
        waiting: Some(row),
    }
}

/// A subject whose condition no longer holds at all (a deleted group, a
/// conversation no longer waiting).
fn gone(subject: Subject, threshold_ms: Option<i64>) -> Found {
    let group = match &subject {
        Subject::Group(g) => Some(g.clone()),
        _ => None,
    };
    Found {
        subject,
        since: None,
        threshold_ms,
        group,
        offline: None,
        waiting: None,
    }
}

/// Queues what the owner is told, and remembers which queues changed.
struct Teller<'a> {
    site: &'a Site,
    cfg: &'a Config,
    /// Agent id → name, read on first need.
    names: Option<BTreeMap<String, String>>,
    mail: bool,
    hooks: bool,
}

impl<'a> Teller<'a> {
    fn new(site: &'a Site, cfg: &'a Config) -> Self {
        Teller {
            site,
            cfg,
            names: None,
            mail: false,
            hooks: false,
        }
    }

    fn site_name(&self) -> String {
        self.cfg
            .name
            .clone()
            .unwrap_or_else(|| "Your site".to_owned())
    }

    /// "Support" (a group's name), or the site's.
    fn audience(&self, group: Option<&GroupId>) -> String {
        match group {
            Some(g) => self
                .cfg
                .groups
                .get(g)
                .cloned()
                .unwrap_or_else(|| g.to_string()),
            None => self.site_name(),
        }
    }

    fn clock(&self, group: Option<&GroupId>) -> Clock<'a> {
        Clock(self.cfg.rules.schedule_for(group.map(GroupId::as_str)))
    }

    fn link(&self, conversation: Option<&ConversationId>) -> String {
        let origin = self.cfg.public_origin.clone().unwrap_or_default();
        match conversation {
            Some(_) => format!("{origin}/console/?site={}#inbox", self.cfg.site_id),
            None => format!("{origin}/console/?site={}", self.cfg.site_id),
        }
    }

    fn agent_name(&mut self, id: &str) -> Result<String, ApiError> {
        if self.names.is_none() {
            let rows = self.site.store.agents()?;
            self.names = Some(
                rows.into_iter()
                    .map(|a| (a.id.to_string(), a.name))
                    .collect(),
            );
        }
        Ok(self
            .names
            .as_ref()
            .and_then(|n| n.get(id).cloned())
            .unwrap_or_else(|| id.to_owned()))
    }

    /// "Eva", or "A visitor".
    fn visitor_name(&self, conversation: &ConversationId) -> Result<String, ApiError> {
        let name = match self.site.store.conversation(conversation)? {
            Some(c) => self.site.store.visitor(&c.visitor_id)?.and_then(|v| v.name),
            None => None,
        };
        Ok(name.unwrap_or_else(|| "A visitor".to_owned()))
    }

    fn opened(&mut self, f: &Found, since: i64, now: i64, minute_ms: i64) -> Result<(), ApiError> {
        let group = f.group.as_ref();
        let clock = self.clock(group);
        let site_name = self.site_name();
        let (note, cause, agent) = match (&f.subject, &f.waiting) {
            (Subject::Waiting(id), Some(row)) => {
                let visitor = self.visitor_name(id)?;
                let audience = match group {
                    Some(g) => format!("group {}", self.audience(Some(g))),
                    None => site_name.clone(),
                };
                let note = alert::wait_opened(
                    &site_name,
                    &visitor,
                    &audience,
                    !row.replied,
                    since,
                    alert::minutes(row.since.unwrap_or(since), now, minute_ms),
                    clock,
                    &self.link(Some(id)),
                );
                (note, None, None)
            }
            _ => {
                let (cause, agent, at) = match &f.offline {
                    Some(last) => (
                        last.cause,
                        last.agent.as_ref().map(|a| a.to_string()),
                        last.at,
                    ),
                    None => (None, None, since),
                };
                let agent_name = agent.as_deref().map(|a| self.agent_name(a)).transpose()?;
                let why = WentOffline {
                    cause,
                    agent: agent_name.as_deref(),
                    at,
                    at_opening: since > at,
                };
                let note = alert::offline_opened(
                    &site_name,
                    &self.audience(group),
                    since,
                    &why,
                    clock,
                    &self.link(None),
                );
                (note, cause, agent)
            }
        };
        let data = serde_json::json!({
            "alert": f.subject.kind(),
            "group": group.map(GroupId::as_str),
            "conversation_id": conversation_of(&f.subject),
            "since": since,
            "opened_at": now,
            "cause": cause.map(|c| c.as_str()),
            "agent": agent,
            "text": note.text,
        });
        self.tell(
            MailKind::AlertOpened,
            WebhookEvent::AlertOpened,
            &f.subject,
            since,
            &note,
            &data,
            now,
        )
    }

    fn closed(&mut self, f: &Found, episode: &EpisodeRow, now: i64) -> Result<(), ApiError> {
        let group = f.group.as_ref();
        let clock = self.clock(group);
        let site_name = self.site_name();
        let back = self.back(f, now)?;
        let note = match &f.subject {
            Subject::Waiting(id) => {
                let visitor = self.visitor_name(id)?;
                alert::wait_closed(&site_name, &visitor, now, back, clock)
            }
            _ => alert::offline_closed(
                &site_name,
                &self.audience(group),
                episode.since,
                now,
                back,
                clock,
            ),
        };
        let data = serde_json::json!({
            "alert": f.subject.kind(),
            "group": group.map(GroupId::as_str),
            "conversation_id": conversation_of(&f.subject),
            "since": episode.since,
            "opened_at": episode.opened_at,
            "closed_at": now,
            "text": note.text,
        });
        self.tell(
            MailKind::AlertClosed,
            WebhookEvent::AlertClosed,
            &f.subject,
            episode.since,
            &note,
            &data,
            now,
        )
    }

    /// Why an episode is over, from what holds now.
    fn back(&self, f: &Found, now: i64) -> Result<Back, ApiError> {
        if f.threshold_ms.is_none() {
            return Ok(Back::TurnedOff);
        }
        let schedule = self
            .cfg
            .rules
            .schedule_for(f.group.as_ref().map(GroupId::as_str));
        let outside = schedule.is_some_and(|s| !s.is_open(now));
        Ok(match &f.subject {
            Subject::Group(g) if !self.cfg.groups.contains_key(g) => Back::GroupDeleted,
            Subject::Site | Subject::Group(_) => match f.offline {
                Some(_) if outside => Back::HoursEnded,
                _ => Back::Online,
            },
            Subject::Waiting(id) => match self.site.store.conversation(id)? {
                Some(c) if c.state == presenza_rules::ConversationState::Open => {
                    if outside {
                        Back::HoursEnded
                    } else {
                        Back::Replied
                    }
                }
                _ => Back::Closed,
            },
        })
    }

    /// Queues the e-mail (when the site sends e-mail and there is an
    /// address) and the webhook events of one opening or closing.
    #[allow(clippy::too_many_arguments)]
    fn tell(
        &mut self,
        kind: MailKind,
        event: WebhookEvent,
        subject: &Subject,
        since: i64,
        note: &Note,
        data: &serde_json::Value,
        now: i64,
    ) -> Result<(), ApiError> {
        if mail::on(self.site, self.cfg) && recipient(self.cfg).is_some() {
            let text = serde_json::to_string(note)
                .map_err(|e| ApiError::internal(format!("alert note: {e}")))?;
            self.site
                .store
                .enqueue_note_mail(kind, &subject.episode_key(since), now, &text)?;
            self.mail = true;
        }
        self.hooks |= webhooks::queue(&self.site.store, self.cfg, event, data, &note.text, now)?;
        Ok(())
    }
}

fn conversation_of(subject: &Subject) -> Option<&str> {
    match subject {
        Subject::Waiting(c) => Some(c.as_str()),
        _ => None,
    }
}

/// Where alert e-mails go: the alerts' address, else the e-mail
/// settings' notification address.
pub fn recipient(cfg: &Config) -> Option<String> {
    cfg.alerts
        .address
        .clone()
        .or_else(|| cfg.email.notify_address.clone())
}

/// A visitor wrote at `at` (a new wait may begin): the check comes at the
/// threshold after it, unless sooner already.
pub async fn visitor_wrote(site: &Site, cfg: &Config, at: i64) -> Result<(), ApiError> {
    let Some(minutes) = cfg.alerts.wait_minutes else {
        return Ok(());
    };
    let due = at.saturating_add(i64::from(minutes) * site.faults.alert_minute_ms());
    if site.alerts_due(due)? {
        site.settle(crate::site::presence::Change::Read, at).await?;
    }
    Ok(())
}

/// A conversation was answered or closed: if an episode is open for it,
/// the check comes at once (back to normal).
pub async fn conversation_moved(
    site: &Site,
    conversation: &ConversationId,
    now: i64,
) -> Result<(), ApiError> {
    let key = Subject::Waiting(conversation.clone()).key();
    if site.store.episode_open(&key)? && site.alerts_due(now)? {
        site.settle(crate::site::presence::Change::Read, now)
            .await?;
    }
    Ok(())
}
