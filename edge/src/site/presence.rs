//! The presence pipeline: every change goes through [`Presence::settle`],
//! from the change to an evaluation with the rules crate, to a pure diff
//! against what was last sent ([`crate::fanout`]), to the sends, to the one
//! alarm at the evaluation's next change.
//!
//! 1. **Record** the change ([`Change`]): a manual status, a session seen or
//!    ended, agents or configuration changed (those two are stored by their
//!    handlers; here they only drop what memory holds).
//! 2. **Evaluate** when the cached evaluation is stale: devices' last pings
//!    (answered by the runtime, read now) become their sessions' last sign
//!    of life, sessions past the grace period end (a socket still open
//!    without pings is a dead tab: it is closed), and `rules::evaluate`
//!    decides every audience and agent.
//! 3. **Publish** what changed: each changed audience's status to its
//!    visitors and to every device, each changed agent's status to that
//!    agent's devices; what was sent is stored, so a wake after hibernation
//!    never sends an unchanged status again. An audience whose status or
//!    reason changed is also recorded in its status history, with the
//!    change's cause and instant ([`crate::history`]): here, in one place.
//! 4. **Alarm** at the evaluation's next change (a grace period ending,
//!    working hours opening or closing, including a boundary that switches
//!    an agent in switch mode) or the next housekeeping (retention, daily),
//!    or sooner for a resident object ([`crate::residency`]). An alarm only
//!    evaluates: in switch mode an agent's status at an instant is a pure
//!    function of its manual change and the boundaries (docs/rules-api.md),
//!    so an alarm delivered twice, or late after an eviction, gives the same
//!    answer and pushes nothing twice (what was sent is stored).
//!
//! One change does not evaluate at once: a device socket closing
//! ([`Presence::socket_closed`]). Its session stays alive through its grace
//! period, so no status changes; only its expiry moves later, past the
//! alarm already set, which evaluates again then.

use crate::bindings;
use crate::domain::manual::ManualInput;
use crate::error::ApiError;
use crate::fanout::{self, Payload, Published, Sent};
use crate::history::{self, Clues, Recorded};
use crate::residency;
use crate::site::config::Config;
use crate::site::webhooks;
use crate::sockets::{self, Attachment, Tag};
use crate::store::{SessionKind, Store, StoreError};
use presenza_protocol::frame::{self, close, DeviceEvent, OwnerEvent, VisitorEvent};
use presenza_protocol::limits::MAX_HTTP_SESSIONS_PER_AGENT;
use presenza_protocol::view::{AgentView, AudienceView, ChangeCause};
use presenza_protocol::{AgentId, DeviceId, GroupId, SessionId};
use presenza_rules::{self as rules, Choice, ChosenBy, Evaluation, Status};
use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::rc::Rc;
use wasm_bindgen::JsValue;
use worker::{ScheduledTime, State};

/// One of an agent's sessions.
#[derive(Clone, Copy, Debug)]
pub struct SessionRef<'a> {
    pub agent: &'a AgentId,
    pub id: &'a SessionId,
    pub kind: SessionKind,
    /// The signed-in device the session is used from (`None`: the agent
    /// token itself).
    pub device: Option<&'a DeviceId>,
}

/// What happened.
#[derive(Clone, Copy, Debug)]
pub enum Change<'a> {
    /// Nothing new: evaluate again only if the cached evaluation's next
    /// change has come.
    Read,
    /// A session showed a sign of life (created if new: an HTTP session
    /// only within the per-agent limit).
    SessionSeen(SessionRef<'a>),
    /// An agent chose a status by hand from one of its sessions, which is
    /// thereby seen: `PUT agents/me/status` and the device frame `status`.
    Manual(SessionRef<'a>, &'a ManualInput),
    /// A session ended (signed out).
    SessionEnded {
        agent: &'a AgentId,
        session: &'a SessionId,
    },
    /// The owner set an agent offline (it keeps its sessions: the agent
    /// sees the change on its devices and may go online again).
    SetOffline(&'a AgentId),
    /// Agents were added, changed or removed (stored by the handler).
    AgentsChanged,
    /// Settings, groups or working hours changed (stored by the handler).
    ConfigChanged,
}

/// The last evaluation, valid until its next change or the next change of
/// its inputs.
pub struct Snapshot {
    pub eval: Evaluation,
    pub published: Published,
}

impl Snapshot {
    fn valid_at(&self, now: i64) -> bool {
        self.eval.next_change.is_none_or(|t| now < t)
    }

    pub fn agent(&self, id: &AgentId) -> Option<&AgentView> {
        self.published.agents.get(id)
    }

    /// An audience's status: a group's, or the whole site's.
    pub fn audience(&self, group: Option<&GroupId>) -> Option<&AudienceView> {
        match group {
            None => self.published.site.as_ref(),
            Some(g) => self.published.groups.get(g),
        }
    }
}

/// What the pipeline needs from the object.
pub struct Rim<'a> {
    pub state: &'a State,
    pub store: &'a Store,
    pub cfg: &'a Config,
    /// Whether the object keeps itself in memory ([`crate::residency`]).
    pub resident: bool,
    /// When housekeeping (retention) is next due: the alarm fires then too.
    pub housekeeping_at: Option<i64>,
}

/// What presence keeps in memory: caches, all rebuilt from storage after
/// hibernation or a restart.
#[derive(Default)]
pub struct Presence {
    snapshot: RefCell<Option<Rc<Snapshot>>>,
    /// Mirror of the `last_broadcast` table (`None`: not read yet).
    sent: RefCell<Option<Sent>>,
    /// The alarm as last set by this instance (`None`: unknown).
    alarm_at: Cell<Option<Option<i64>>>,
    /// The team as last sent to the owner's team sockets (`None`: not
    /// since this instance started: a wake sends it again, a whole-team
    /// frame being harmless to repeat).
    team_sent: RefCell<Option<String>>,
    /// A status change queued webhook deliveries since
    /// [`Presence::take_webhooks_queued`] last ran.
    webhooks_queued: Cell<bool>,
    /// An audience's change was recorded in its history since
    /// [`Presence::take_history_recorded`] last ran (alerts are checked).
    history_recorded: Cell<bool>,
}

impl Presence {
    /// Records `change`, evaluates if needed, publishes what changed and
    /// sets the alarm; returns the current evaluation.
    pub async fn settle(
        &self,
        rim: &Rim<'_>,
        change: Change<'_>,
        now: i64,
    ) -> Result<Rc<Snapshot>, ApiError> {
        self.record(rim.store, change, now)?;
        let cached = self
            .snapshot
            .borrow()
            .as_ref()
            .filter(|s| s.valid_at(now))
            .cloned();
        let snap = match cached {
            Some(s) => s,
            None => {
                let (snap, expired) = evaluate(rim, now)?;
                let snap = Rc::new(snap);
                self.publish(rim, &snap, change, &expired, now)?;
                *self.snapshot.borrow_mut() = Some(snap.clone());
                snap
            }
        };
        // Deliveries just queued are sent by the alarm, at once, and a
        // status change is checked for alerts at once.
        let housekeeping_at = if self.webhooks_queued.get() || self.history_recorded.get() {
            Some(rim.housekeeping_at.map_or(now, |h| h.min(now)))
        } else {
            rim.housekeeping_at
        };
        let wake = match (snap.eval.next_change, housekeeping_at) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
        self.ensure_alarm(rim, wake, now).await?;
        Ok(snap)
    }

    /// Stores what `change` says and drops the cached evaluation if it
    /// moved an input.
    fn record(&self, store: &Store, change: Change<'_>, now: i64) -> Result<(), ApiError> {
        match change {
            Change::Read => return Ok(()),
            Change::SessionSeen(session) => see(store, session, now)?,
            Change::Manual(session, input) => {
                see(store, session, now)?;
                store.set_manual(session.agent, input, now)?;
            }
            Change::SessionEnded { agent, session } => {
                if store.delete_session(agent, session)? {
                    store.set_left(agent, now)?;
                }
            }
            Change::SetOffline(agent) => {
                store.set_manual(agent, &ManualInput::offline(), now)?;
            }
            Change::AgentsChanged | Change::ConfigChanged => {}
        }
        self.invalidate();
        Ok(())
    }

    /// A device socket closed: its session's grace period starts now (an
    /// UPDATE that matches nothing for a session already signed out,
    /// expired or revoked). The agent's other device sessions whose socket
    /// is gone end now: this one, seen last, carries the agent's grace
    /// period alone, so reconnecting devices never pile up sessions (the
    /// agent's presence is the same: it lasts until the latest sign of life
    /// plus the grace period). Nothing is evaluated (see the module doc).
    pub fn socket_closed(
        &self,
        state: &State,
        store: &Store,
        agent: &AgentId,
        session: &SessionId,
        now: i64,
    ) -> Result<(), StoreError> {
        let mut changed = store.bump_session(agent, session, now)?;
        let open: Vec<SessionId> = sockets::with_tag(state, Tag::Agent(agent))
            .iter()
            .filter_map(|ws| match sockets::attachment(ws) {
                Some(Attachment::Agent { session, .. }) => Some(session),
                _ => None,
            })
            .collect();
        for row in store.sessions_of(agent, SessionKind::Device)? {
            if row.session_id != *session && !open.contains(&row.session_id) {
                changed |= store.delete_session(agent, &row.session_id)?;
            }
        }
        if changed {
            self.invalidate();
        }
        Ok(())
    }

    /// The inputs changed: the next settle evaluates again.
    pub fn invalidate(&self) {
        *self.snapshot.borrow_mut() = None;
    }

    /// Storage was deleted: nothing was evaluated, sent or set.
    pub fn reset(&self) {
        self.invalidate();
        *self.sent.borrow_mut() = None;
        self.alarm_at.set(Some(None));
    }

    /// Whether status changes queued webhook deliveries (and forgets it).
    pub fn take_webhooks_queued(&self) -> bool {
        self.webhooks_queued.replace(false)
    }

    /// Whether an audience's change was recorded (and forgets it).
    pub fn take_history_recorded(&self) -> bool {
        self.history_recorded.replace(false)
    }

    /// The alarm that fired is consumed; the next settle sets the next one.
    pub fn alarm_fired(&self) {
        self.alarm_at.set(Some(None));
        self.invalidate();
    }

    /// Sends every change of `snap` against what was last sent, stores
    /// what was sent, and records each audience's change in its history
    /// (`change` caused the evaluation, which found `expired` sessions).
    fn publish(
        &self,
        rim: &Rim<'_>,
        snap: &Snapshot,
        change: Change<'_>,
        expired: &[(AgentId, i64)],
        now: i64,
    ) -> Result<(), StoreError> {
        if self.sent.borrow().is_none() {
            let stored = rim.store.broadcasts()?;
            *self.sent.borrow_mut() = Some(stored);
        }
        let mut sent_ref = self.sent.borrow_mut();
        let sent = sent_ref.get_or_insert_with(HashMap::new);
        self.publish_team(rim, snap);
        let diff = fanout::diff(sent, &snap.published);
        for push in diff.pushes {
            send(rim.state, push.payload);
            if let Payload::Audience(view) = push.payload {
                if let Some(queued) = record_history(rim, snap, view, change, expired, now)? {
                    self.history_recorded.set(true);
                    if queued {
                        self.webhooks_queued.set(true);
                    }
                }
            }
            rim.store.save_broadcast(&push.key, &push.fingerprint)?;
            sent.insert(push.key, push.fingerprint);
        }
        for key in diff.stale {
            rim.store.delete_broadcast(&key)?;
            sent.remove(&key);
        }
        Ok(())
    }

    /// Sends the whole team to the owner's team sockets when any agent's
    /// view changed (status, devices, since, name, groups, agents added or
    /// removed): the owner's live Agents page.
    fn publish_team(&self, rim: &Rim<'_>, snap: &Snapshot) {
        let team = OwnerEvent::Team {
            agents: snap.published.agents.values().cloned().collect(),
        };
        let text = frame::to_text(&team);
        if self.team_sent.borrow().as_deref() == Some(text.as_str()) {
            return;
        }
        sockets::broadcast(rim.state, Tag::Owners, &text);
        *self.team_sent.borrow_mut() = Some(text);
    }

    /// Sets the one alarm for `next_change` (and, for a resident object,
    /// its keep-alive tick), writing only if it moved.
    async fn ensure_alarm(
        &self,
        rim: &Rim<'_>,
        next_change: Option<i64>,
        now: i64,
    ) -> Result<(), ApiError> {
        let at = residency::alarm_at(next_change, self.alarm_at.get(), rim.resident, now);
        if self.alarm_at.get() == Some(at) {
            return Ok(());
        }
        let storage = rim.state.storage();
        match at {
            Some(ms) => {
                let date = js_sys::Date::new(&JsValue::from_f64(ms as f64));
                storage.set_alarm(ScheduledTime::new(date)).await?;
            }
            None => storage.delete_alarm().await?,
        }
        self.alarm_at.set(Some(at));
        Ok(())
    }
}

/// Records an audience's new status in its history if its status or
/// reason differs from its last recorded change, with the cause and
/// instant [`history::attribute`] gives from what is known here: the
/// change that caused the evaluation (an agent's only if that agent serves
/// the audience), the sessions found expired of agents serving it, and the
/// working-hours boundaries since the last recorded change (the
/// audience's own hours, and agents serving it switched by theirs).
fn record_history(
    rim: &Rim<'_>,
    snap: &Snapshot,
    view: &AudienceView,
    change: Change<'_>,
    expired: &[(AgentId, i64)],
    now: i64,
) -> Result<Option<bool>, StoreError> {
    let group = view.group.as_ref();
    let last = rim.store.last_change(group)?;
    if last
        .as_ref()
        .is_some_and(|l| l.status == view.status && l.reason == view.reason)
    {
        return Ok(None);
    }
    let last_at = last.map(|l| l.at);
    let serves = |agent: &AgentId| {
        snap.published
            .agents
            .get(agent)
            .is_some_and(|a| rim.cfg.serves(&a.groups, group))
    };
    let (action, owner) = match change {
        Change::Read => (None, None),
        Change::Manual(s, _) => (Some((ChangeCause::Manual, s.agent)), None),
        Change::SessionSeen(s) => (Some((ChangeCause::SignedIn, s.agent)), None),
        Change::SessionEnded { agent, .. } => (Some((ChangeCause::SignedOut, agent)), None),
        // The owner changed that agent's status: an owner's change, with
        // the agent it was about.
        Change::SetOffline(agent) => (Some((ChangeCause::AgentsChanged, agent)), None),
        Change::AgentsChanged => (None, Some(ChangeCause::AgentsChanged)),
        Change::ConfigChanged => (None, Some(ChangeCause::SettingsChanged)),
    };
    let expired: Vec<(AgentId, i64)> = expired
        .iter()
        .filter(|(agent, _)| serves(agent))
        .cloned()
        .collect();
    let flip = last_at.and_then(|after| {
        rim.cfg
            .rules
            .schedule_for(group.map(GroupId::as_str))
            .and_then(|hours| hours.last_flip(after, now))
    });
    let switched = snap
        .published
        .agents
        .values()
        .filter(|a| a.set_by == ChosenBy::WorkingHours && serves(&a.id))
        .filter_map(|a| {
            let at = a.set_at?.0;
            (last_at.is_none_or(|l| at > l) && at <= now)
                .then_some((at, a.manual_status == Status::Online))
        })
        .max();
    let clues = Clues {
        action: action.filter(|(_, agent)| serves(agent)),
        owner,
        expired: &expired,
        flip,
        switched,
    };
    let attributed = history::attribute(&clues, last_at, now);
    rim.store.record_change(
        group,
        &Recorded {
            at: attributed.at,
            status: view.status,
            reason: view.reason,
            cause: attributed.cause,
            agent: attributed.agent,
        },
    )?;
    webhooks::status_changed(rim.store, rim.cfg, view, attributed.at, now).map(Some)
}

/// A session's sign of life.
fn see(store: &Store, session: SessionRef<'_>, now: i64) -> Result<(), ApiError> {
    if session.kind == SessionKind::Http
        && !store.session_exists(session.agent, session.id)?
        && store.session_count(session.agent, SessionKind::Http)? >= MAX_HTTP_SESSIONS_PER_AGENT
    {
        return Err(ApiError::too_many(
            "too_many_sessions",
            format!(
                "an agent has at most {MAX_HTTP_SESSIONS_PER_AGENT} HTTP sessions; sign one out or let it expire"
            ),
        ));
    }
    store.touch_session(session.agent, session.id, session.kind, session.device, now)?;
    Ok(())
}

/// Sends one changed payload: an audience's status to its visitors and to
/// every device, an agent's status to its devices.
fn send(state: &State, payload: Payload<'_>) {
    match payload {
        Payload::Audience(view) => {
            let group = view.group.as_ref();
            let to_visitors = frame::to_text(&VisitorEvent::Status(view.clone()));
            sockets::broadcast(state, Tag::Audience(group), &to_visitors);
            let to_devices = frame::to_text(&DeviceEvent::Audience {
                group: group.cloned(),
                status: view.clone(),
            });
            sockets::broadcast(state, Tag::Devices, &to_devices);
        }
        Payload::Agent(view) => {
            let text = frame::to_text(&DeviceEvent::AgentStatus {
                agent: view.clone(),
            });
            sockets::broadcast(state, Tag::Agent(&view.id), &text);
        }
    }
}

/// Devices answered "ping" by the runtime: their last ping times become
/// their sessions' last sign of life.
fn refresh_device_sessions(rim: &Rim<'_>) -> Result<(), StoreError> {
    for ws in sockets::with_tag(rim.state, Tag::Devices) {
        let Some(Attachment::Agent { agent, session }) = sockets::attachment(&ws) else {
            continue;
        };
        if let Some(ts) = bindings::auto_response_ms(rim.state, &ws) {
            rim.store.bump_session(&agent, &session, ts)?;
        }
    }
    Ok(())
}

/// Evaluates now: sessions refreshed and expired, then the rules; with
/// the sessions found expired (their agent and expiry).
fn evaluate(rim: &Rim<'_>, now: i64) -> Result<(Snapshot, Vec<(AgentId, i64)>), StoreError> {
    refresh_device_sessions(rim)?;
    let grace_ms = rim.cfg.grace.millis();
    let mut by_agent: HashMap<AgentId, Vec<rules::Session>> = HashMap::new();
    let mut expired = Vec::new();
    let mut live: HashMap<AgentId, LiveSessions> = HashMap::new();
    for row in rim.store.sessions()? {
        if row.last_seen_ms + grace_ms <= now {
            expired.push((row.agent_id.clone(), row.last_seen_ms + grace_ms));
            // Expired: gone for good. A socket still open without pings is
            // a dead tab (or a client that does not ping): close it.
            rim.store.delete_session(&row.agent_id, &row.session_id)?;
            rim.store
                .set_left(&row.agent_id, row.last_seen_ms + grace_ms)?;
            if row.kind == SessionKind::Device {
                sockets::close_tag(
                    rim.state,
                    Tag::Session(&row.agent_id, &row.session_id),
                    close::SESSION_EXPIRED,
                    "session expired: no ping within the grace period",
                );
            }
            continue;
        }
        live.entry(row.agent_id.clone()).or_default().add(&row);
        by_agent
            .entry(row.agent_id)
            .or_default()
            .push(rules::Session {
                id: row.session_id.to_string(),
                last_seen: row.last_seen_ms,
            });
    }
    let rows = rim.store.agents()?;
    let agents: Vec<rules::Agent> = rows
        .iter()
        .map(|row| rules::Agent {
            id: row.id.to_string(),
            groups: row.groups.iter().map(GroupId::to_string).collect(),
            manual: row.manual(),
            sessions: by_agent.remove(&row.id).unwrap_or_default(),
        })
        .collect();
    let eval = rules::evaluate(&rim.cfg.rules, &agents, now);
    let published = Published {
        site: Some(AudienceView::new(None, &eval.site)),
        groups: rim
            .cfg
            .groups
            .keys()
            .filter_map(|g| {
                let status = eval.groups.get(g.as_str())?;
                Some((g.clone(), AudienceView::new(Some(g), status)))
            })
            .collect(),
        agents: rows
            .iter()
            .zip(&agents)
            .map(|(row, agent)| {
                let status = eval
                    .agents
                    .get(row.id.as_str())
                    .copied()
                    .unwrap_or(Status::Offline);
                let choice = eval.choice(agent);
                // Chosen by hand (the stored row) or by working hours: now
                // (the rules) or kept before their configuration changed
                // (the row says so).
                let by_hand = choice.by == ChosenBy::Manual;
                let view = AgentView {
                    id: row.id.clone(),
                    name: row.name.clone(),
                    groups: row.groups.clone(),
                    status,
                    manual_status: choice.status,
                    message: row.message.clone().filter(|_| by_hand),
                    back_at: row.back_at_ms.filter(|_| by_hand).map(Into::into),
                    email: row.email.clone(),
                    set_by: if by_hand { row.set_by } else { choice.by },
                    set_at: Some(choice.at.into()),
                    next_switch: choice.next.map(Into::into),
                    sessions: agent.sessions.len(),
                    devices: live.get(&row.id).map_or(0, |l| l.devices.len()),
                    since: since(&choice, row.left_ms, status, live.get(&row.id)).map(Into::into),
                    created_at: row.created_ms.into(),
                    picture: row.picture.clone(),
                    token: None,
                };
                (row.id.clone(), view)
            })
            .collect(),
    };
    Ok((Snapshot { eval, published }, expired))
}

/// An agent's live sessions, as the team view counts them.
#[derive(Default)]
struct LiveSessions {
    /// Each signed-in device once; a session without one is its own.
    devices: std::collections::BTreeSet<String>,
    /// When the earliest live session started.
    first_ms: Option<i64>,
}

impl LiveSessions {
    fn add(&mut self, row: &crate::store::SessionRow) {
        let key = match &row.device_id {
            Some(d) => format!("d:{d}"),
            None => format!("s:{}", row.session_id),
        };
        self.devices.insert(key);
        self.first_ms = Some(
            self.first_ms
                .map_or(row.created_ms, |t| t.min(row.created_ms)),
        );
    }
}

/// Since when an agent's effective status holds: chosen (by hand, or by
/// working hours at a boundary; for online or busy, since a session came
/// up), or since its last session ended (`left_ms`); `None` when the edge
/// does not know.
fn since(
    chosen: &Choice,
    left_ms: Option<i64>,
    status: Status,
    live: Option<&LiveSessions>,
) -> Option<i64> {
    match (status, live.and_then(|l| l.first_ms)) {
        (Status::Offline, _) if chosen.status == Status::Offline => Some(chosen.at),
        (Status::Offline, _) => left_ms,
        (_, Some(first)) => Some(chosen.at.max(first)),
        (_, None) => Some(chosen.at),
    }
}
