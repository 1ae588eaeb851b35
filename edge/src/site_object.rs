//! `SiteObject`: the Durable Object of one site. It owns the site's SQLite
//! storage, every live socket of the site (hibernatable) and its one alarm.
//!
//! Every wake (HTTP call, socket event, alarm) works the same way:
//! refresh the devices' last ping times, evaluate with the rules crate,
//! push what changed, and set the alarm to the evaluation's next change.
//! Memory only holds caches ([`Config`], [`Snapshot`], what was last sent),
//! all rebuilt from storage after hibernation or a restart, and what
//! [`crate::tally`] counts without a write per socket event (the `stats`
//! counters, the visitor socket count): those are stored at the end of an
//! event that writes anyway ([`SiteObject::save_tallies`]). A visitor socket
//! closing or sending a frame thus does no SQL at all, and a device socket
//! closing one UPDATE (its session's last sign of life).

use crate::auth::{self, AGENT_PREFIX};
use crate::bindings::{self, now_ms};
use crate::conversations;
use crate::cors::{self, Decision};
use crate::error::{ApiError, MAX_BODY_BYTES};
use crate::residency;
use crate::respond;
use crate::routes::{self, Role, SiteOp};
use crate::sockets::{self, Attachment, AGENTS, VISITORS, VISITOR_UNTAGGED};
use crate::store::{AgentRow, SessionRow, Store, SCHEMA_VERSION};
use crate::tally::{Admit, Counter, Counters, Need, VisitorGauge};
use crate::wire::{self, AgentView, StatusPayload};
use presenza_rules::hours::{Schedule, ScheduleSpec};
use presenza_rules::{
    self as rules, time, Evaluation, GracePeriod, ManualStatus, Session, Site, Status,
};
use serde_json::{json, Value};
use std::cell::{Cell, RefCell};
use std::collections::{BTreeMap, HashMap};
use std::rc::Rc;
use wasm_bindgen::JsValue;
use worker::{
    durable_object, DurableObject, Env, Request, Response, ScheduledTime, State, Url, WebSocket,
    WebSocketIncomingMessage, WebSocketPair, WebSocketRequestResponsePair,
};

/// The site's configuration, parsed once from storage.
pub struct Config {
    site_id: String,
    name: Option<String>,
    owner_hash: String,
    created_ms: i64,
    grace: GracePeriod,
    origins: Vec<String>,
    widget: wire::Widget,
    /// id → display name.
    pub(crate) groups: BTreeMap<String, String>,
    /// scope (`site` or `g:<group>`) → the stored working hours.
    hours: BTreeMap<String, ScheduleSpec>,
    /// What the rules need.
    pub(crate) site: Site,
}

/// The last evaluation, valid until its next change or the next write.
pub(crate) struct Snapshot {
    pub(crate) eval: Evaluation,
    views: BTreeMap<String, AgentView>,
}

impl Snapshot {
    fn valid_at(&self, now: i64) -> bool {
        self.eval.next_change.is_none_or(|t| now < t)
    }
}

enum Caller {
    Owner,
    Agent(AgentRow),
}

fn scope_of(group: Option<&str>) -> String {
    group.map_or_else(|| "site".to_string(), |g| format!("g:{g}"))
}

fn header(req: &Request, name: &str) -> Option<String> {
    req.headers().get(name).ok().flatten()
}

fn is_upgrade(req: &Request) -> bool {
    header(req, "Upgrade").is_some_and(|v| v.eq_ignore_ascii_case("websocket"))
}

fn env_usize(env: &Env, name: &str, default: usize) -> usize {
    env.var(name)
        .ok()
        .and_then(|v| v.to_string().trim().parse().ok())
        .unwrap_or(default)
}

/// A request body, read before anything else: the object must consume what
/// the Worker streams to it even when it answers with an error.
pub(crate) struct Body {
    bytes: Vec<u8>,
    content_type: Option<String>,
    unreadable: bool,
}

impl Body {
    async fn read(req: &mut Request) -> Body {
        let content_type = header(req, "Content-Type");
        let (bytes, unreadable) = match req.bytes().await {
            Ok(b) => (b, false),
            Err(_) => (Vec::new(), true),
        };
        Body {
            bytes,
            content_type,
            unreadable,
        }
    }

    /// The JSON body: 413 beyond the limit, 415 unless application/json.
    pub(crate) fn json<T: serde::de::DeserializeOwned>(&self) -> Result<T, ApiError> {
        self.json_with(&[])
    }

    /// See [`wire::parse_object`].
    fn json_with<T: serde::de::DeserializeOwned>(&self, nested: &[&str]) -> Result<T, ApiError> {
        if self.bytes.len() > MAX_BODY_BYTES {
            return Err(ApiError::PayloadTooLarge);
        }
        if self.unreadable {
            return Err(ApiError::bad_request(
                "invalid_body",
                "the body could not be read",
            ));
        }
        if !wire::is_json_content_type(self.content_type.as_deref()) {
            return Err(ApiError::UnsupportedMediaType);
        }
        wire::parse_object(&self.bytes, nested)
    }
}

fn session_header(req: &Request) -> Result<String, ApiError> {
    match header(req, "X-Presenza-Session") {
        None => Ok("http".to_string()),
        Some(s) if routes::is_session_id(s.trim()) => Ok(s.trim().to_string()),
        Some(_) => Err(ApiError::bad_request(
            "invalid_session_id",
            "X-Presenza-Session must be 1 to 64 characters A-Z a-z 0-9 _ -",
        )),
    }
}

#[durable_object]
pub struct SiteObject {
    pub(crate) state: State,
    env: Env,
    pub(crate) store: Store,
    /// Schema checked (and migrated) since this instance started.
    ready: Cell<bool>,
    config: RefCell<Option<Rc<Config>>>,
    snapshot: RefCell<Option<Rc<Snapshot>>>,
    /// Mirror of the `last_broadcast` table.
    sent: RefCell<Option<HashMap<String, String>>>,
    /// The alarm as last set by this instance (`None`: unknown).
    alarm_at: Cell<Option<Option<i64>>>,
    /// Open visitor sockets, followed without counting them.
    visitors: RefCell<VisitorGauge>,
    /// `stats` counters not stored yet.
    counters: RefCell<Counters>,
    /// When this instance was created (a wake after eviction makes a new one).
    started_at: i64,
}

impl DurableObject for SiteObject {
    fn new(state: State, env: Env) -> Self {
        // Devices and widgets send "ping"; the runtime answers "pong" itself,
        // without waking the object, and records when it did.
        if let Ok(pair) = WebSocketRequestResponsePair::new("ping", "pong") {
            state.set_websocket_auto_response(&pair);
        }
        let store = Store::new(state.storage().sql());
        SiteObject {
            state,
            env,
            store,
            ready: Cell::new(false),
            config: RefCell::new(None),
            snapshot: RefCell::new(None),
            sent: RefCell::new(None),
            alarm_at: Cell::new(None),
            visitors: RefCell::new(VisitorGauge::default()),
            counters: RefCell::new(Counters::default()),
            started_at: now_ms(),
        }
    }

    async fn fetch(&self, mut req: Request) -> worker::Result<Response> {
        let url = req.url()?;
        if let Some(name) = url.path().strip_prefix("/internal/") {
            let name = name.to_string();
            let result = self.internal(&name, &mut req, &url).await;
            self.save_tallies(false);
            return match result {
                Ok(resp) => Ok(resp),
                Err(e) => respond::error(&e, &[]),
            };
        }
        let origin = header(&req, "Origin");
        let own_origin = url.origin().ascii_serialization();
        let mut decision = cors::decide(origin.as_deref(), &own_origin, None);
        let result = self
            .public(
                &mut req,
                &url,
                origin.as_deref(),
                &own_origin,
                &mut decision,
            )
            .await;
        self.save_tallies(false);
        match result {
            Ok(resp) if resp.status_code() == 101 => Ok(resp),
            Ok(resp) => Ok(respond::with_headers(resp, &decision.headers())),
            Err(e) => respond::error(&e, &decision.headers()),
        }
    }

    async fn alarm(&self) -> worker::Result<Response> {
        // The alarm that fired is consumed; whatever comes next is set below.
        self.alarm_at.set(Some(None));
        if let Ok(Some(_)) = self.load_config() {
            self.counters.borrow_mut().bump(Counter::Alarms);
            self.dirty();
            if let Err(e) = self.settle(now_ms()).await {
                worker::console_error!("alarm: {e}");
            }
            // Alarms are rare: each stores the counters, writing or not.
            self.save_tallies(true);
        }
        Response::ok("")
    }

    async fn websocket_message(
        &self,
        ws: WebSocket,
        message: WebSocketIncomingMessage,
    ) -> worker::Result<()> {
        // Counts wakes caused by socket messages (pings never get here).
        self.counters
            .borrow_mut()
            .bump(Counter::SocketMessagesHandled);
        self.socket_message(ws, message).await;
        self.save_tallies(false);
        Ok(())
    }

    async fn websocket_close(
        &self,
        ws: WebSocket,
        _code: usize,
        _reason: String,
        _was_clean: bool,
    ) -> worker::Result<()> {
        self.socket_gone(&ws, false);
        self.save_tallies(false);
        // Completes the closing handshake (ignored if already closed).
        let _ = ws.close(Some(sockets::CLOSE_NORMAL), Some("closed"));
        Ok(())
    }

    async fn websocket_error(&self, ws: WebSocket, _error: worker::Error) -> worker::Result<()> {
        self.socket_gone(&ws, true);
        self.save_tallies(false);
        Ok(())
    }

    async fn connect(&self, _socket: worker::Socket) -> worker::Result<()> {
        Err(worker::Error::RustError(
            "TCP connect is not supported".into(),
        ))
    }
}

fn send_error(ws: &WebSocket, err: &ApiError) {
    let frame = json!({"type": "error", "error": err.error_object()});
    let _ = ws.send_with_str(frame.to_string());
}

impl SiteObject {
    async fn socket_message(&self, ws: WebSocket, message: WebSocketIncomingMessage) {
        let text = match message {
            WebSocketIncomingMessage::String(s) => s,
            WebSocketIncomingMessage::Binary(_) => {
                send_error(
                    &ws,
                    &ApiError::bad_request("invalid_message", "send text frames"),
                );
                return;
            }
        };
        match sockets::attachment(&ws) {
            Some(Attachment::Agent { agent, session }) => {
                if let Err(e) = self.device_message(&ws, &agent, &session, &text).await {
                    send_error(&ws, &e);
                }
            }
            // Visitors authenticate and write conversation messages; nothing
            // they send changes presence.
            Some(attachment @ Attachment::Visitor { .. }) => {
                self.visitor_socket_message(&ws, attachment, &text).await;
            }
            None => {
                if text.trim() == "ping" {
                    let _ = ws.send_with_str("pong");
                }
            }
        }
    }

    // ------------------------------------------------------------ state

    /// The site's configuration; `None` for an object that holds no site.
    fn load_config(&self) -> Result<Option<Rc<Config>>, ApiError> {
        if let Some(c) = self.config.borrow().as_ref() {
            return Ok(Some(c.clone()));
        }
        if !self.ready.get() {
            // Never create tables in an object that was not initialised.
            if !self.store.has_schema()? {
                return Ok(None);
            }
            self.store.migrate()?;
            self.ready.set(true);
        }
        let meta = self.store.meta_all()?;
        let (Some(site_id), Some(owner_hash)) = (meta.get("site_id"), meta.get("owner_key_hash"))
        else {
            return Ok(None);
        };
        if meta.get("schema_version").map(String::as_str) != Some(&SCHEMA_VERSION.to_string()) {
            self.store
                .meta_set("schema_version", &SCHEMA_VERSION.to_string())?;
        }
        let grace = meta
            .get("grace_period_secs")
            .and_then(|s| s.parse().ok())
            .and_then(|s| GracePeriod::new(s).ok())
            .unwrap_or(GracePeriod::DEFAULT);
        let origins: Vec<String> = meta
            .get("allowed_origins")
            .and_then(|s| serde_json::from_str(s).ok())
            .unwrap_or_default();
        let widget: wire::Widget = meta
            .get("widget")
            .and_then(|s| serde_json::from_str(s).ok())
            .unwrap_or_default();
        let groups: BTreeMap<String, String> = self
            .store
            .groups()?
            .into_iter()
            .map(|g| (g.id, g.name))
            .collect();
        let mut site = Site {
            grace,
            groups: groups.keys().cloned().collect(),
            ..Site::default()
        };
        let mut hours = BTreeMap::new();
        for (scope, spec_json) in self.store.schedules()? {
            let parsed = serde_json::from_str::<ScheduleSpec>(&spec_json)
                .ok()
                .and_then(|spec| Schedule::parse(&spec).ok().map(|s| (spec, s)));
            let Some((spec, schedule)) = parsed else {
                worker::console_error!("stored working hours for {scope} no longer parse; ignored");
                continue;
            };
            if scope == "site" {
                site.hours = Some(schedule);
            } else if let Some(g) = scope.strip_prefix("g:") {
                site.group_hours.insert(g.to_string(), schedule);
            }
            hours.insert(scope, spec);
        }
        let cfg = Rc::new(Config {
            site_id: site_id.clone(),
            name: meta.get("name").cloned(),
            owner_hash: owner_hash.clone(),
            created_ms: meta
                .get("created_ms")
                .and_then(|s| s.parse().ok())
                .unwrap_or(0),
            grace,
            origins,
            widget,
            groups,
            hours,
            site,
        });
        *self.config.borrow_mut() = Some(cfg.clone());
        Ok(Some(cfg))
    }

    pub(crate) fn config(&self) -> Result<Rc<Config>, ApiError> {
        self.load_config()?.ok_or_else(ApiError::site_not_found)
    }

    /// Presence inputs changed: the next read evaluates again.
    fn dirty(&self) {
        *self.snapshot.borrow_mut() = None;
    }

    /// Configuration changed.
    fn reconfigured(&self) {
        *self.config.borrow_mut() = None;
        self.dirty();
    }

    /// Devices answered "ping" by the runtime: their last ping times become
    /// their sessions' last sign of life.
    fn refresh_device_sessions(&self) -> Result<(), ApiError> {
        for ws in self.state.get_websockets_with_tag(AGENTS) {
            let Some(Attachment::Agent { agent, session }) = sockets::attachment(&ws) else {
                continue;
            };
            if let Some(ts) = bindings::auto_response_ms(&self.state, &ws) {
                self.store.bump_session(&agent, &session, ts)?;
            }
        }
        Ok(())
    }

    /// Evaluates now, pushes what changed and caches the result.
    fn reconcile(&self, now: i64) -> Result<Rc<Snapshot>, ApiError> {
        let cfg = self.config()?;
        self.refresh_device_sessions()?;
        let grace_ms = cfg.grace.millis();
        let mut by_agent: HashMap<String, Vec<Session>> = HashMap::new();
        for SessionRow {
            agent_id,
            session_id,
            kind,
            last_seen_ms,
        } in self.store.sessions()?
        {
            if last_seen_ms + grace_ms <= now {
                // Expired: gone for good. A socket still open without pings
                // is a dead tab (or a client that does not ping): close it.
                self.store.delete_session(&agent_id, &session_id)?;
                if kind == "ws" {
                    sockets::close_tag(
                        &self.state,
                        &sockets::session_tag(&agent_id, &session_id),
                        sockets::CLOSE_SESSION_EXPIRED,
                        "session expired: no ping within the grace period",
                    );
                }
                continue;
            }
            by_agent.entry(agent_id).or_default().push(Session {
                id: session_id,
                last_seen: last_seen_ms,
            });
        }
        let rows = self.store.agents()?;
        let agents: Vec<rules::Agent> = rows
            .iter()
            .map(|row| rules::Agent {
                id: row.id.clone(),
                groups: row.group_list(),
                manual: ManualStatus {
                    status: Status::parse(&row.status).unwrap_or(Status::Online),
                    message: row.message.clone(),
                    back_at: row.back_at_ms,
                    set_at: row.set_at_ms,
                },
                sessions: by_agent.remove(&row.id).unwrap_or_default(),
            })
            .collect();
        let eval = rules::evaluate(&cfg.site, &agents, now);
        let views = rows
            .iter()
            .zip(&agents)
            .map(|(row, agent)| {
                let status = eval.agents.get(&row.id).copied().unwrap_or(Status::Offline);
                (
                    row.id.clone(),
                    agent_view(row, agent.sessions.len(), status),
                )
            })
            .collect();
        let snap = Rc::new(Snapshot { eval, views });
        self.push_changes(&snap)?;
        *self.snapshot.borrow_mut() = Some(snap.clone());
        Ok(snap)
    }

    /// Sends every changed audience status to its visitors and to all agent
    /// devices, and every changed agent status to that agent's devices.
    fn push_changes(&self, snap: &Snapshot) -> Result<(), ApiError> {
        if self.sent.borrow().is_none() {
            let stored = self.store.broadcasts()?;
            *self.sent.borrow_mut() = Some(stored);
        }
        let mut next: Vec<(String, String)> =
            Vec::with_capacity(1 + snap.eval.groups.len() + snap.views.len());
        next.push((
            sockets::audience_key(None),
            wire::status_key(&snap.eval.site),
        ));
        for (g, s) in &snap.eval.groups {
            next.push((sockets::audience_key(Some(g)), wire::status_key(s)));
        }
        for (id, view) in &snap.views {
            next.push((sockets::agent_key(id), view.sync_key()));
        }
        let mut sent_ref = self.sent.borrow_mut();
        let sent = sent_ref.get_or_insert_with(HashMap::new);
        for (key, value) in sockets::changed(sent, &next) {
            if let Some(id) = key.strip_prefix("agent:") {
                if let Some(view) = snap.views.get(id) {
                    let frame = json!({"type": "agent_status", "agent": view}).to_string();
                    sockets::broadcast(&self.state, &sockets::agent_tag(id), &frame);
                }
            } else {
                let group = key.strip_prefix("aud:g:");
                if let Ok(status) = snap.eval.audience(group) {
                    let payload = StatusPayload::new(group, status).to_json();
                    sockets::broadcast(&self.state, key, &payload);
                    let frame = format!(
                        r#"{{"type":"audience","group":{},"status":{payload}}}"#,
                        serde_json::to_string(&group).unwrap_or_else(|_| "null".into())
                    );
                    sockets::broadcast(&self.state, AGENTS, &frame);
                }
            }
            self.store.save_broadcast(key, value)?;
            sent.insert(key.clone(), value.clone());
        }
        // Forget deleted groups and agents.
        let stale: Vec<String> = sent
            .keys()
            .filter(|k| !next.iter().any(|(n, _)| n == *k))
            .cloned()
            .collect();
        for key in stale {
            self.store.delete_broadcast(&key)?;
            sent.remove(&key);
        }
        Ok(())
    }

    /// The current evaluation (cached while nothing changed), with the alarm
    /// set to its next change.
    pub(crate) async fn settle(&self, now: i64) -> Result<Rc<Snapshot>, ApiError> {
        let cached = self
            .snapshot
            .borrow()
            .as_ref()
            .filter(|s| s.valid_at(now))
            .cloned();
        let snap = match cached {
            Some(s) => s,
            None => self.reconcile(now)?,
        };
        self.ensure_alarm(snap.eval.next_change).await?;
        Ok(snap)
    }

    /// Whether this object keeps itself in memory (see [`residency`]).
    fn resident(&self) -> bool {
        let from = env_usize(
            &self.env,
            "KEEP_RESIDENT_FROM_VISITORS",
            residency::DEFAULT_RESIDENT_FROM,
        );
        if from == 0 {
            return false;
        }
        let mut gauge = self.visitors.borrow_mut();
        // After a wake nothing may have counted the sockets yet: the stored
        // bound says whether this was a big audience, without counting.
        if gauge.need() == Some(Need::Stored) {
            if let Ok(bound) = self.store.visitor_bound() {
                gauge.loaded(bound);
            }
        }
        residency::is_resident(gauge.known(), from)
    }

    /// Sets the one alarm for the rules' next change `next_change` (and, for
    /// a resident object, its keep-alive tick), writing only if it moved.
    async fn ensure_alarm(&self, next_change: Option<i64>) -> Result<(), ApiError> {
        let at = residency::alarm_at(next_change, self.alarm_at.get(), self.resident(), now_ms());
        if self.alarm_at.get() == Some(at) {
            return Ok(());
        }
        let storage = self.state.storage();
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

    /// Whether one more visitor socket fits, without counting the sockets
    /// unless the stored bound is near the limit (see [`VisitorGauge`]).
    /// Call with no `await` before the accept, and [`VisitorGauge::opened`]
    /// right after it.
    fn admit_visitor(&self) -> Result<(), ApiError> {
        let mut gauge = self.visitors.borrow_mut();
        if gauge.need() == Some(Need::Stored) {
            gauge.loaded(self.store.visitor_bound()?);
        }
        if gauge.need() == Some(Need::Count) {
            gauge.counted(self.state.get_websockets_with_tag(VISITORS).len());
        }
        match gauge.admit() {
            Admit::Full => Err(ApiError::too_many(
                "too_many_connections",
                "this site has too many live visitors; poll GET /status instead",
            )),
            Admit::Open { store } => {
                if let Some(bound) = store {
                    self.store.set_visitor_bound(bound)?;
                    gauge.saved(bound);
                }
                Ok(())
            }
        }
    }

    /// End of an event: if it wrote to storage (it commits anyway), the
    /// pending counters and a lower visitor socket bound are written with it;
    /// so they are if enough counts are pending, or if `always` (alarms). See
    /// [`crate::tally`].
    fn save_tallies(&self, always: bool) {
        let wrote = self.store.take_wrote();
        if !wrote {
            let due = always || self.counters.borrow().due();
            // Never write to an object that holds no site.
            if !due || !matches!(self.load_config(), Ok(Some(_))) {
                return;
            }
        }
        if let Err(e) = self.write_tallies() {
            worker::console_error!("storing counters: {e}");
        }
        self.store.take_wrote();
    }

    fn write_tallies(&self) -> Result<(), ApiError> {
        let counts = self.counters.borrow().to_save();
        if !counts.is_empty() {
            self.store.add_counters(&counts)?;
            self.counters.borrow_mut().saved(&counts);
        }
        let mut gauge = self.visitors.borrow_mut();
        if gauge.wants_stored() {
            gauge.loaded(self.store.visitor_bound()?);
        }
        if let Some(bound) = gauge.to_save() {
            self.store.set_visitor_bound(bound)?;
            gauge.saved(bound);
        }
        Ok(())
    }

    // ------------------------------------------------------------ internal

    /// Calls from the Worker only (it never forwards public URLs here).
    async fn internal(
        &self,
        name: &str,
        req: &mut Request,
        url: &Url,
    ) -> Result<Response, ApiError> {
        match name {
            "init" => {
                let body = Body::read(req).await;
                self.init(&body).await
            }
            "status" => {
                let cfg = self.config()?;
                let group = routes::query_param(url.query(), "group").filter(|g| !g.is_empty());
                let snap = self.settle(now_ms()).await?;
                let status = snap
                    .eval
                    .audience(group)
                    .map_err(|_| ApiError::unknown_group(group.unwrap_or_default()))?;
                let payload = StatusPayload::new(group, status).to_json();
                let valid_until = status
                    .next_change
                    .map(|t| t.to_string())
                    .unwrap_or_default();
                let origins = serde_json::to_string(&cfg.origins).unwrap_or_else(|_| "[]".into());
                Ok(respond::json(
                    200,
                    payload,
                    &[
                        ("X-Presenza-Origins", origins),
                        ("X-Presenza-Valid-Until", valid_until),
                    ],
                )?)
            }
            "origins" => {
                let cfg = self.config()?;
                respond::json_value(200, &json!(cfg.origins))
            }
            _ => Err(ApiError::route_not_found()),
        }
    }

    async fn init(&self, body: &Body) -> Result<Response, ApiError> {
        #[derive(serde::Deserialize)]
        struct Init {
            site_id: String,
            owner_key_hash: String,
            name: Option<String>,
            grace_period_secs: u32,
        }
        let init: Init = body.json()?;
        if self.load_config()?.is_some() {
            return Err(ApiError::conflict(
                "site_exists",
                "this site already exists",
            ));
        }
        self.store.migrate()?;
        self.ready.set(true);
        let now = now_ms();
        let grace = GracePeriod::new(init.grace_period_secs).unwrap_or(GracePeriod::DEFAULT);
        self.store
            .meta_set("schema_version", &SCHEMA_VERSION.to_string())?;
        self.store
            .meta_set("owner_key_hash", &init.owner_key_hash)?;
        self.store.meta_set("created_ms", &now.to_string())?;
        self.store
            .meta_set("grace_period_secs", &grace.secs().to_string())?;
        self.store.meta_set("allowed_origins", "[]")?;
        if let Some(name) = &init.name {
            self.store.meta_set("name", name)?;
        }
        // Last: the site exists once its id is stored.
        self.store.meta_set("site_id", &init.site_id)?;
        self.reconfigured();
        respond::json_value(201, &json!({"site_id": init.site_id}))
    }

    // ------------------------------------------------------------ public

    async fn public(
        &self,
        req: &mut Request,
        url: &Url,
        origin: Option<&str>,
        own_origin: &str,
        decision: &mut Decision,
    ) -> Result<Response, ApiError> {
        let method = req.method().to_string();
        let (site, op) = match routes::parse(&method, url.path(), url.query())? {
            routes::Route::Site { site, op } => (site, op),
            _ => return Err(ApiError::route_not_found()),
        };
        let body = if op.has_body() {
            Body::read(req).await
        } else {
            Body {
                bytes: Vec::new(),
                content_type: None,
                unreadable: false,
            }
        };
        let cfg = self.config()?;
        if cfg.site_id != site {
            return Err(ApiError::site_not_found());
        }
        *decision = cors::decide(origin, own_origin, Some(&cfg.origins));
        let now = now_ms();

        let caller = match op.role() {
            Role::Public => None,
            role => {
                let token = self.token_for(req, url, &op);
                let caller = self.authenticate(&cfg, token.as_deref())?;
                match (role, &caller) {
                    (Role::Owner, Caller::Agent(_)) => {
                        return Err(ApiError::wrong_role("owner key"))
                    }
                    (Role::Agent, Caller::Owner) => {
                        return Err(ApiError::wrong_role("agent token"))
                    }
                    _ => {}
                }
                Some(caller)
            }
        };
        let me = match caller {
            Some(Caller::Agent(row)) => Some(row),
            _ => None,
        };

        match op {
            SiteOp::Status { group } => {
                self.status(&cfg, group.as_deref(), req, decision, now)
                    .await
            }
            SiteOp::Live { group, visitor } => {
                self.live(&cfg, group, visitor, req, decision, now).await
            }
            SiteOp::VisitorMessages { after } => self.visitor_messages_http(req, decision, after),
            SiteOp::VisitorSend => self.visitor_send_http(req, decision, &body, now).await,
            SiteOp::ListConversations {
                state,
                limit,
                cursor,
            } => {
                let me = me.ok_or_else(ApiError::invalid_token)?;
                self.list_conversations(&cfg, &me, state, limit, cursor.as_ref())
            }
            SiteOp::Close(id) => {
                let me = me.ok_or_else(ApiError::invalid_token)?;
                self.close_conversation(&cfg, &me, &id, now)
            }
            SiteOp::Reopen(id) => {
                let me = me.ok_or_else(ApiError::invalid_token)?;
                self.reopen_conversation(&cfg, &me, &id)
            }
            SiteOp::ConversationMessages { id, after } => {
                let me = me.ok_or_else(ApiError::invalid_token)?;
                self.conversation_messages(&cfg, &me, &id, after)
            }
            SiteOp::Reply(id) => {
                let me = me.ok_or_else(ApiError::invalid_token)?;
                self.reply_http(&cfg, &me, &id, &body, now)
            }
            SiteOp::MarkRead(id) => {
                let me = me.ok_or_else(ApiError::invalid_token)?;
                self.mark_read(&cfg, &me, &id, &body)
            }
            SiteOp::WidgetConfig => respond::json_value(200, &json!({"widget": cfg.widget})),
            SiteOp::GetSettings => respond::json_value(200, &settings_json(&cfg)),
            SiteOp::PutSettings => self.put_settings(&cfg, &body, now).await,
            SiteOp::Stats => self.stats(now).await,
            SiteOp::ListGroups => {
                let groups: Vec<Value> = cfg
                    .groups
                    .iter()
                    .map(|(id, name)| group_json(&cfg, id, name))
                    .collect();
                respond::json_value(200, &json!({"groups": groups}))
            }
            SiteOp::GetGroup(g) => match cfg.groups.get(&g) {
                Some(name) => respond::json_value(200, &group_json(&cfg, &g, name)),
                None => Err(ApiError::unknown_group(&g)),
            },
            SiteOp::PutGroup(g) => self.put_group(&cfg, &g, &body, now).await,
            SiteOp::DeleteGroup(g) => self.delete_group(&cfg, &g, now).await,
            SiteOp::ListAgents => {
                let snap = self.settle(now).await?;
                let agents: Vec<&AgentView> = snap.views.values().collect();
                respond::json_value(200, &json!({"agents": agents}))
            }
            SiteOp::GetAgent(a) => {
                let snap = self.settle(now).await?;
                let view = snap
                    .views
                    .get(&a)
                    .ok_or_else(|| ApiError::agent_not_found(&a))?;
                respond::json_value(200, &json!(view))
            }
            SiteOp::PutAgent(a) => self.put_agent(&cfg, &a, &body, now).await,
            SiteOp::DeleteAgent(a) => self.delete_agent(&a, now).await,
            SiteOp::RotateToken(a) => self.rotate_token(&a, now).await,
            SiteOp::GetHours { group } => {
                check_group(&cfg, group.as_deref())?;
                match cfg.hours.get(&scope_of(group.as_deref())) {
                    Some(spec) => respond::json_value(200, &json!(spec)),
                    None => Err(ApiError::not_found(
                        "no_working_hours",
                        "no working hours set: always open",
                    )),
                }
            }
            SiteOp::PutHours { group } => self.put_hours(&cfg, group.as_deref(), &body, now).await,
            SiteOp::DeleteHours { group } => {
                check_group(&cfg, group.as_deref())?;
                self.store.delete_schedule(&scope_of(group.as_deref()))?;
                self.reconfigured();
                self.settle(now).await?;
                Ok(respond::empty(204, &[])?)
            }
            SiteOp::Me => {
                let me = me.ok_or_else(ApiError::invalid_token)?;
                let snap = self.settle(now).await?;
                let view = snap.views.get(&me.id).ok_or_else(ApiError::invalid_token)?;
                respond::json_value(
                    200,
                    &json!({"agent": view, "grace_period_secs": cfg.grace.secs()}),
                )
            }
            SiteOp::PutMyStatus => {
                let me = me.ok_or_else(ApiError::invalid_token)?;
                self.put_my_status(&cfg, &me, &body, req, now).await
            }
            SiteOp::Heartbeat => {
                let me = me.ok_or_else(ApiError::invalid_token)?;
                let session = session_header(req)?;
                self.touch_http_session(&me.id, &session, now)?;
                self.dirty();
                self.settle(now).await?;
                respond::json_value(
                    200,
                    &json!({
                        "session": session,
                        "grace_period_secs": cfg.grace.secs(),
                        "expires_at": time::to_rfc3339(now + cfg.grace.millis()),
                    }),
                )
            }
            SiteOp::SignOut => {
                let me = me.ok_or_else(ApiError::invalid_token)?;
                let session = session_header(req)?;
                self.store.delete_session(&me.id, &session)?;
                sockets::close_tag(
                    &self.state,
                    &sockets::session_tag(&me.id, &session),
                    sockets::CLOSE_NORMAL,
                    "signed out",
                );
                self.dirty();
                self.settle(now).await?;
                Ok(respond::empty(204, &[])?)
            }
            SiteOp::Session => {
                let me = me.ok_or_else(ApiError::invalid_token)?;
                self.device(&cfg, me, req, now).await
            }
        }
    }

    /// The credential: `Authorization: Bearer`, or for the device socket also
    /// `?token=` or the `presenza.token.<token>` subprotocol (browsers cannot
    /// set headers on WebSockets).
    fn token_for(&self, req: &Request, url: &Url, op: &SiteOp) -> Option<String> {
        if let Some(t) = auth::bearer(header(req, "Authorization").as_deref()) {
            return Some(t.to_string());
        }
        if *op != SiteOp::Session {
            return None;
        }
        if let Some(t) = routes::query_param(url.query(), "token").filter(|t| !t.is_empty()) {
            return Some(t.chars().take(auth::MAX_TOKEN_LEN + 1).collect());
        }
        auth::token_from_protocols(header(req, "Sec-WebSocket-Protocol").as_deref())
            .map(str::to_string)
    }

    fn authenticate(&self, cfg: &Config, token: Option<&str>) -> Result<Caller, ApiError> {
        let token = token.ok_or_else(ApiError::missing_token)?;
        if token.len() > auth::MAX_TOKEN_LEN {
            return Err(ApiError::invalid_token());
        }
        let hash = auth::token_hash(token);
        if auth::constant_time_eq(hash.as_bytes(), cfg.owner_hash.as_bytes()) {
            return Ok(Caller::Owner);
        }
        match self.store.agent_by_token_hash(&hash)? {
            Some(row) if auth::constant_time_eq(row.token_hash.as_bytes(), hash.as_bytes()) => {
                Ok(Caller::Agent(row))
            }
            _ => Err(ApiError::invalid_token()),
        }
    }

    // ------------------------------------------------------------ visitors

    async fn status(
        &self,
        cfg: &Config,
        group: Option<&str>,
        req: &Request,
        decision: &Decision,
        now: i64,
    ) -> Result<Response, ApiError> {
        check_group(cfg, group)?;
        let snap = self.settle(now).await?;
        let status = snap
            .eval
            .audience(group)
            .map_err(|_| ApiError::unknown_group(group.unwrap_or_default()))?;
        let payload = StatusPayload::new(group, status).to_json();
        let etag = auth::etag(payload.as_bytes());
        Ok(respond::status_response(
            payload,
            &etag,
            decision,
            header(req, "If-None-Match").as_deref(),
        )?)
    }

    async fn live(
        &self,
        cfg: &Config,
        group: Option<String>,
        visitor: Option<String>,
        req: &Request,
        decision: &Decision,
        now: i64,
    ) -> Result<Response, ApiError> {
        check_group(cfg, group.as_deref())?;
        if !decision.allowed() {
            return Err(ApiError::forbidden(
                "origin_not_allowed",
                "this site does not allow widgets on this origin",
            ));
        }
        if !is_upgrade(req) {
            return Err(ApiError::UpgradeRequired);
        }
        let snap = self.settle(now).await?;
        let status = snap
            .eval
            .audience(group.as_deref())
            .map_err(|_| ApiError::unknown_group(group.as_deref().unwrap_or_default()))?;
        let payload = StatusPayload::new(group.as_deref(), status).to_json();
        let pair = WebSocketPair::new()?;
        let tag = sockets::audience_tag(group.as_deref());
        let visitor_tag = visitor
            .as_deref()
            .map_or_else(|| VISITOR_UNTAGGED.to_string(), sockets::visitor_tag);
        // No await from here to the accept: the limit holds.
        self.admit_visitor()?;
        self.state.accept_websocket_with_tags(
            &pair.server,
            &[VISITORS, tag.as_str(), visitor_tag.as_str()],
        );
        self.visitors.borrow_mut().opened();
        pair.server.serialize_attachment(Attachment::Visitor {
            group,
            visitor: None,
            key: None,
            sid: Some(conversations::make_socket_id(&bindings::random_bytes())),
            tagged: visitor,
        })?;
        pair.server.send_with_str(&payload)?;
        Ok(Response::from_websocket(pair.client)?)
    }

    // ------------------------------------------------------------ owner

    async fn put_settings(
        &self,
        cfg: &Config,
        body: &Body,
        now: i64,
    ) -> Result<Response, ApiError> {
        let body: wire::SettingsBody = body.json_with(&["widget"])?;
        // Validate everything first: a rejected update changes nothing.
        let name = body
            .name
            .as_deref()
            .map(|n| wire::check_name("name", n))
            .transpose()?;
        let grace = body.grace_period_secs.map(wire::check_grace).transpose()?;
        let origins = match body.allowed_origins {
            Some(list) => {
                if list.len() > cors::MAX_ALLOWED_ORIGINS {
                    return Err(ApiError::bad_request(
                        "too_many_origins",
                        format!("at most {} allowed origins", cors::MAX_ALLOWED_ORIGINS),
                    ));
                }
                let mut out: Vec<String> = Vec::new();
                for o in &list {
                    let o = cors::normalize_origin(o)
                        .map_err(|m| ApiError::bad_request("invalid_origin", m))?;
                    if !out.contains(&o) {
                        out.push(o);
                    }
                }
                Some(out)
            }
            None => None,
        };
        let widget = match body.widget {
            Some(patch) => {
                let mut w = cfg.widget.clone();
                w.apply(patch)?;
                Some(w)
            }
            None => None,
        };
        if let Some(n) = name {
            self.store.meta_set("name", &n)?;
        }
        if let Some(g) = grace {
            self.store
                .meta_set("grace_period_secs", &g.secs().to_string())?;
        }
        if let Some(o) = origins {
            self.store.meta_set(
                "allowed_origins",
                &serde_json::to_string(&o).unwrap_or_default(),
            )?;
        }
        if let Some(w) = widget {
            self.store
                .meta_set("widget", &serde_json::to_string(&w).unwrap_or_default())?;
        }
        self.reconfigured();
        self.settle(now).await?;
        let cfg = self.config()?;
        respond::json_value(200, &settings_json(&cfg))
    }

    async fn stats(&self, now: i64) -> Result<Response, ApiError> {
        let snap = self.settle(now).await?;
        // Stored plus not stored yet: exact while the object stays in memory.
        let stored = self.store.counters()?;
        let pending = self.counters.borrow();
        let get = |c: Counter| stored.get(c.name()).copied().unwrap_or(0) + pending.pending(c);
        let visitors = self.state.get_websockets_with_tag(VISITORS).len();
        let devices = self.state.get_websockets_with_tag(AGENTS).len();
        self.visitors.borrow_mut().counted(visitors);
        let sessions: usize = snap.views.values().map(|v| v.sessions).sum();
        respond::json_value(
            200,
            &json!({
                "socket_messages_handled": get(Counter::SocketMessagesHandled),
                "socket_closes": get(Counter::SocketCloses),
                "alarms": get(Counter::Alarms),
                "sockets": visitors + devices,
                "visitor_sockets": visitors,
                "agent_sockets": devices,
                "agents": snap.views.len(),
                "live_sessions": sessions,
                "next_change": snap.eval.next_change.map(time::to_rfc3339),
                "resident": self.resident(),
                "instance_started_at": time::to_rfc3339(self.started_at),
            }),
        )
    }

    async fn put_group(
        &self,
        cfg: &Config,
        id: &str,
        body: &Body,
        now: i64,
    ) -> Result<Response, ApiError> {
        let body: wire::GroupBody = body.json()?;
        let name = wire::check_name("name", &body.name)?;
        if !cfg.groups.contains_key(id) {
            let max = env_usize(&self.env, "MAX_GROUPS_PER_SITE", 100);
            if cfg.groups.len() >= max {
                return Err(ApiError::conflict(
                    "limit_reached",
                    format!("a site has at most {max} groups"),
                ));
            }
        }
        let created = self.store.upsert_group(id, &name, now)?;
        self.reconfigured();
        self.settle(now).await?;
        let cfg = self.config()?;
        respond::json_value(
            if created { 201 } else { 200 },
            &group_json(&cfg, id, &name),
        )
    }

    /// Deleting a group removes it from its agents and closes the sockets of
    /// visitors watching it (close code 4004).
    async fn delete_group(&self, cfg: &Config, id: &str, now: i64) -> Result<Response, ApiError> {
        if !cfg.groups.contains_key(id) {
            return Err(ApiError::unknown_group(id));
        }
        for row in self.store.agents()? {
            let groups = row.group_list();
            if groups.iter().any(|g| g == id) {
                let kept: Vec<String> = groups.into_iter().filter(|g| g != id).collect();
                self.store.set_agent_groups(&row.id, &kept)?;
            }
        }
        self.store.delete_group(id)?;
        let tag = sockets::audience_tag(Some(id));
        sockets::close_tag(
            &self.state,
            &tag,
            sockets::CLOSE_GROUP_DELETED,
            "group deleted",
        );
        // Their close events may or may not come: the count stays an upper
        // bound until counted again.
        self.visitors.borrow_mut().unsure();
        self.reconfigured();
        self.settle(now).await?;
        Ok(respond::empty(204, &[])?)
    }

    async fn put_agent(
        &self,
        cfg: &Config,
        id: &str,
        body: &Body,
        now: i64,
    ) -> Result<Response, ApiError> {
        let body: wire::AgentBody = body.json()?;
        let name = wire::check_name("name", &body.name)?;
        let groups = wire::check_group_list(body.groups)?;
        cfg.site
            .check_agent_groups(&groups)
            .map_err(|e| ApiError::from_rule(&e))?;
        let existing = self.store.agent(id)?;
        let token = if existing.is_some() {
            self.store.update_agent(id, &name, &groups)?;
            None
        } else {
            let max = env_usize(&self.env, "MAX_AGENTS_PER_SITE", 1000);
            if self.store.agent_count()? >= max {
                return Err(ApiError::conflict(
                    "limit_reached",
                    format!("a site has at most {max} agents"),
                ));
            }
            let token = auth::make_token(AGENT_PREFIX, &bindings::random_bytes());
            self.store
                .insert_agent(id, &name, &groups, &auth::token_hash(&token), now)?;
            Some(token)
        };
        self.dirty();
        let snap = self.settle(now).await?;
        let mut view = snap
            .views
            .get(id)
            .cloned()
            .ok_or_else(|| ApiError::internal("agent missing after write"))?;
        let status = if token.is_some() { 201 } else { 200 };
        view.token = token;
        respond::json_value(status, &json!(view))
    }

    /// Revokes an agent: its token, sessions and sockets (close code 4001).
    async fn delete_agent(&self, id: &str, now: i64) -> Result<Response, ApiError> {
        if !self.store.delete_agent(id)? {
            return Err(ApiError::agent_not_found(id));
        }
        sockets::close_tag(
            &self.state,
            &sockets::agent_tag(id),
            sockets::CLOSE_REVOKED,
            "agent revoked",
        );
        self.dirty();
        self.settle(now).await?;
        Ok(respond::empty(204, &[])?)
    }

    /// A new token; the old one stops working at once, and the sessions and
    /// sockets opened with it end (close code 4001).
    async fn rotate_token(&self, id: &str, now: i64) -> Result<Response, ApiError> {
        if self.store.agent(id)?.is_none() {
            return Err(ApiError::agent_not_found(id));
        }
        let token = auth::make_token(AGENT_PREFIX, &bindings::random_bytes());
        self.store.set_token_hash(id, &auth::token_hash(&token))?;
        for s in self
            .store
            .sessions()?
            .into_iter()
            .filter(|s| s.agent_id == id)
        {
            self.store.delete_session(id, &s.session_id)?;
        }
        sockets::close_tag(
            &self.state,
            &sockets::agent_tag(id),
            sockets::CLOSE_REVOKED,
            "token rotated",
        );
        self.dirty();
        let snap = self.settle(now).await?;
        let mut view = snap
            .views
            .get(id)
            .cloned()
            .ok_or_else(|| ApiError::internal("agent missing after write"))?;
        view.token = Some(token);
        respond::json_value(200, &json!(view))
    }

    async fn put_hours(
        &self,
        cfg: &Config,
        group: Option<&str>,
        body: &Body,
        now: i64,
    ) -> Result<Response, ApiError> {
        check_group(cfg, group)?;
        let spec: ScheduleSpec = body.json_with(&["weekly", "exceptions"])?;
        let schedule = Schedule::parse(&spec).map_err(|e| ApiError::from_rule(&e))?;
        let stored = serde_json::to_string(schedule.spec())
            .map_err(|e| ApiError::internal(e.to_string()))?;
        self.store.put_schedule(&scope_of(group), &stored)?;
        self.reconfigured();
        self.settle(now).await?;
        respond::json_value(200, &json!(schedule.spec()))
    }

    // ------------------------------------------------------------ agents

    fn touch_http_session(&self, agent: &str, session: &str, now: i64) -> Result<(), ApiError> {
        if !self.store.session_exists(agent, session)?
            && self.store.session_count(agent, "http")? >= sockets::MAX_HTTP_SESSIONS_PER_AGENT
        {
            return Err(ApiError::too_many(
                "too_many_sessions",
                format!(
                    "an agent has at most {} HTTP sessions; sign one out or let it expire",
                    sockets::MAX_HTTP_SESSIONS_PER_AGENT
                ),
            ));
        }
        self.store.touch_session(agent, session, "http", now)?;
        Ok(())
    }

    async fn put_my_status(
        &self,
        cfg: &Config,
        me: &AgentRow,
        body: &Body,
        req: &Request,
        now: i64,
    ) -> Result<Response, ApiError> {
        let body: wire::StatusBody = body.json()?;
        let input = wire::check_status(&body.status, body.message, body.back_at)?;
        let session = session_header(req)?;
        // The call is itself a heartbeat of this HTTP session.
        self.touch_http_session(&me.id, &session, now)?;
        self.store.set_manual(
            &me.id,
            input.status.as_str(),
            input.message.as_deref(),
            input.back_at,
            now,
        )?;
        self.dirty();
        let snap = self.settle(now).await?;
        let view = snap.views.get(&me.id).ok_or_else(ApiError::invalid_token)?;
        respond::json_value(
            200,
            &json!({"agent": view, "session": session, "grace_period_secs": cfg.grace.secs()}),
        )
    }

    /// An agent's device socket: presence while it pings, its own status and
    /// the site's audiences pushed to it.
    async fn device(
        &self,
        cfg: &Config,
        me: AgentRow,
        req: &Request,
        now: i64,
    ) -> Result<Response, ApiError> {
        if !is_upgrade(req) {
            return Err(ApiError::UpgradeRequired);
        }
        if self.state.get_websockets_with_tag(AGENTS).len() >= sockets::MAX_DEVICE_SOCKETS {
            return Err(ApiError::too_many(
                "too_many_connections",
                format!(
                    "a site has at most {} connected devices",
                    sockets::MAX_DEVICE_SOCKETS
                ),
            ));
        }
        let tag = sockets::agent_tag(&me.id);
        if self.state.get_websockets_with_tag(&tag).len() >= sockets::MAX_DEVICES_PER_AGENT {
            return Err(ApiError::too_many(
                "too_many_connections",
                format!(
                    "an agent has at most {} connected devices",
                    sockets::MAX_DEVICES_PER_AGENT
                ),
            ));
        }
        let session = format!("ws_{}", auth::hex(&bindings::random_bytes::<8>()));
        self.store.touch_session(&me.id, &session, "ws", now)?;
        self.dirty();
        // Other devices hear about the change before this one is accepted, so
        // the new device starts from its hello, not from a duplicate push.
        let snap = self.settle(now).await?;
        let pair = WebSocketPair::new()?;
        let session_tag = sockets::session_tag(&me.id, &session);
        self.state.accept_websocket_with_tags(
            &pair.server,
            &[AGENTS, tag.as_str(), session_tag.as_str()],
        );
        pair.server.serialize_attachment(Attachment::Agent {
            agent: me.id.clone(),
            session: session.clone(),
        })?;
        let groups: serde_json::Map<String, Value> = snap
            .eval
            .groups
            .iter()
            .map(|(g, s)| (g.clone(), json!(StatusPayload::new(Some(g), s))))
            .collect();
        let waiting = self.conversations_waiting(cfg, &me)?;
        let hello = json!({
            "type": "hello",
            "session": session,
            "agent": snap.views.get(&me.id),
            "grace_period_secs": cfg.grace.secs(),
            "ping_interval_secs": wire::ping_interval_secs(cfg.grace),
            "site": StatusPayload::new(None, &snap.eval.site),
            "groups": groups,
            "conversations_waiting": waiting,
        });
        pair.server.send_with_str(hello.to_string())?;
        let mut resp = Response::from_websocket(pair.client)?;
        if let Some(p) = auth::chosen_protocol(header(req, "Sec-WebSocket-Protocol").as_deref()) {
            resp.headers_mut().set("Sec-WebSocket-Protocol", p)?;
        }
        Ok(resp)
    }

    async fn device_message(
        &self,
        ws: &WebSocket,
        agent: &str,
        session: &str,
        text: &str,
    ) -> Result<(), ApiError> {
        let now = now_ms();
        if self.config()?.site_id.is_empty() || !self.store.session_exists(agent, session)? {
            // Signed out, expired or revoked meanwhile.
            let _ = ws.close(Some(sockets::CLOSE_SESSION_EXPIRED), Some("session ended"));
            return Ok(());
        }
        // Any message is a sign of life.
        self.store.bump_session(agent, session, now)?;
        if text.len() > sockets::MAX_SOCKET_MESSAGE {
            return Err(ApiError::PayloadTooLarge);
        }
        if text.trim() == "ping" {
            let _ = ws.send_with_str("pong");
            return Ok(());
        }
        let msg: wire::DeviceMessage =
            serde_json::from_str(text).map_err(|e| ApiError::from_json(&e))?;
        match msg {
            wire::DeviceMessage::Status {
                status,
                message,
                back_at,
            } => {
                let input = wire::check_status(&status, message, back_at)?;
                self.store.set_manual(
                    agent,
                    input.status.as_str(),
                    input.message.as_deref(),
                    input.back_at,
                    now,
                )?;
                self.dirty();
                self.settle(now).await?;
            }
            wire::DeviceMessage::SignOut {} => {
                self.store.delete_session(agent, session)?;
                let _ = ws.send_with_str(r#"{"type":"signed_out"}"#);
                let _ = ws.close(Some(sockets::CLOSE_NORMAL), Some("signed out"));
                self.dirty();
                self.settle(now).await?;
            }
            wire::DeviceMessage::Heartbeat {} => {}
            wire::DeviceMessage::Reply {
                conversation_id,
                client_id,
                text,
            } => {
                self.device_reply(ws, agent, session, &conversation_id, &client_id, &text);
            }
        }
        Ok(())
    }

    /// A socket closed (`failed`: its error event). Counted in memory only.
    ///
    /// A visitor socket: no SQL at all (visitors never change presence).
    ///
    /// A device socket: its session's grace period starts now, the one write
    /// needed (an UPDATE that matches nothing for a session already signed
    /// out, expired or revoked). Nothing is evaluated or pushed here: a
    /// session stays alive through its grace period, so no status changes
    /// when its socket closes; only its expiry moves later, past the alarm
    /// already set (which then evaluates again and sets the next one), and
    /// the cached evaluation is dropped so that the next read sees it.
    fn socket_gone(&self, ws: &WebSocket, failed: bool) {
        self.counters.borrow_mut().bump(Counter::SocketCloses);
        match sockets::attachment(ws) {
            Some(Attachment::Agent { agent, session }) => {
                match self.store.bump_session(&agent, &session, now_ms()) {
                    Ok(true) => self.dirty(),
                    Ok(false) => {}
                    Err(e) => worker::console_error!("socket close: {e}"),
                }
            }
            // An error event may be followed by a close event for the same
            // socket: only the close counts it out.
            Some(Attachment::Visitor { .. }) if failed => self.visitors.borrow_mut().unsure(),
            Some(Attachment::Visitor { .. }) => self.visitors.borrow_mut().closed(),
            None => {}
        }
    }
}

fn check_group(cfg: &Config, group: Option<&str>) -> Result<(), ApiError> {
    match group {
        Some(g) if !cfg.groups.contains_key(g) => Err(ApiError::unknown_group(g)),
        _ => Ok(()),
    }
}

fn agent_view(row: &AgentRow, sessions: usize, status: Status) -> AgentView {
    AgentView {
        id: row.id.clone(),
        name: row.name.clone(),
        groups: row.group_list(),
        status: status.as_str(),
        manual_status: Status::parse(&row.status)
            .unwrap_or(Status::Online)
            .as_str(),
        message: row.message.clone(),
        back_at: wire::back_at_rfc(row.back_at_ms),
        sessions,
        created_at: time::to_rfc3339(row.created_ms),
        token: None,
    }
}

fn settings_json(cfg: &Config) -> Value {
    json!({
        "site_id": cfg.site_id,
        "name": cfg.name,
        "grace_period_secs": cfg.grace.secs(),
        "allowed_origins": cfg.origins,
        "widget": cfg.widget,
        "created_at": time::to_rfc3339(cfg.created_ms),
    })
}

fn group_json(cfg: &Config, id: &str, name: &str) -> Value {
    json!({
        "id": id,
        "name": name,
        "has_working_hours": cfg.hours.contains_key(&scope_of(Some(id))),
    })
}
