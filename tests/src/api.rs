//! A thin client for the `/v1` API: every call returns the status and the
//! JSON body, whatever the status, so tests can assert on errors too.

use crate::ws::{encode_query, Ws, WsConnectError};
use serde_json::{json, Value};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// One HTTP answer.
#[derive(Debug, Clone)]
pub struct Reply {
    pub status: u16,
    pub body: Value,
    pub headers: Vec<(String, String)>,
}

impl Reply {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The `error.code` of a JSON error body, if any.
    pub fn error_code(&self) -> Option<&str> {
        self.body.get("error")?.get("code")?.as_str()
    }
}

/// An HTTP client bound to one edge.
#[derive(Clone)]
pub struct Api {
    pub base: String,
    agent: ureq::Agent,
}

impl Api {
    pub fn new(base: &str) -> Self {
        Api {
            base: base.trim_end_matches('/').to_string(),
            agent: ureq::AgentBuilder::new()
                .timeout(Duration::from_secs(30))
                .build(),
        }
    }

    /// Sends `method path` with an optional bearer token, extra headers and a
    /// raw body. Transport failures (connection refused) are returned as
    /// status 0 with the error text in `body`.
    pub fn send_raw(
        &self,
        method: &str,
        path: &str,
        token: Option<&str>,
        headers: &[(&str, &str)],
        body: Option<&[u8]>,
    ) -> Reply {
        let mut req = self
            .agent
            .request(method, &format!("{}{}", self.base, path));
        if let Some(token) = token {
            req = req.set("Authorization", &format!("Bearer {token}"));
        }
        for (name, value) in headers {
            req = req.set(name, value);
        }
        let result = match body {
            Some(bytes) => req.send_bytes(bytes),
            None => req.call(),
        };
        let response = match result {
            Ok(r) | Err(ureq::Error::Status(_, r)) => r,
            Err(e) => {
                return Reply {
                    status: 0,
                    body: Value::String(e.to_string()),
                    headers: Vec::new(),
                }
            }
        };
        let status = response.status();
        let headers = response
            .headers_names()
            .into_iter()
            .filter_map(|n| response.header(&n).map(|v| (n.clone(), v.to_string())))
            .collect();
        let text = response.into_string().unwrap_or_default();
        let body = serde_json::from_str(&text).unwrap_or(Value::String(text));
        Reply {
            status,
            body,
            headers,
        }
    }

    /// Sends a JSON body (or none) with `Content-Type: application/json`.
    pub fn send(
        &self,
        method: &str,
        path: &str,
        token: Option<&str>,
        body: Option<&Value>,
    ) -> Reply {
        match body {
            Some(json) => {
                let bytes = json.to_string().into_bytes();
                self.send_raw(
                    method,
                    path,
                    token,
                    &[("Content-Type", "application/json")],
                    Some(&bytes),
                )
            }
            None => self.send_raw(method, path, token, &[], None),
        }
    }

    pub fn get(&self, path: &str, token: Option<&str>) -> Reply {
        self.send("GET", path, token, None)
    }

    pub fn put(&self, path: &str, token: Option<&str>, body: &Value) -> Reply {
        self.send("PUT", path, token, Some(body))
    }

    pub fn post(&self, path: &str, token: Option<&str>, body: Option<&Value>) -> Reply {
        self.send("POST", path, token, body)
    }

    pub fn delete(&self, path: &str, token: Option<&str>) -> Reply {
        self.send("DELETE", path, token, None)
    }
}

// ---------------------------------------------------------------------------
// Helpers for integration tests: a fresh site per test, its agents, visitor
// status polling with deadlines, and small time utilities.
// ---------------------------------------------------------------------------

/// The platform admin token every test edge is started with.
pub const ADMIN_TOKEN: &str = "test-admin-token";

impl Reply {
    /// 2xx.
    pub fn is_success(&self) -> bool {
        (200..300).contains(&self.status)
    }

    /// `HTTP 400 {"error":...}` for assertion messages.
    pub fn describe(&self) -> String {
        format!("HTTP {} {}", self.status, self.body)
    }
}

/// Calls `f` every `every` until it returns `Ok` or `within` has passed;
/// returns the last `Err` on timeout.
pub fn poll_until<T>(
    within: Duration,
    every: Duration,
    mut f: impl FnMut() -> Result<T, String>,
) -> Result<T, String> {
    let deadline = Instant::now() + within;
    loop {
        match f() {
            Ok(v) => return Ok(v),
            Err(e) => {
                if Instant::now() >= deadline {
                    return Err(e);
                }
            }
        }
        std::thread::sleep(every);
    }
}

/// Panics with the request and the reply unless the reply is 2xx.
#[track_caller]
pub fn must(what: &str, reply: Reply) -> Reply {
    assert!(reply.is_success(), "{what} failed: {}", reply.describe());
    reply
}

/// A site created for one test (so tests are independent and parallel-safe).
#[derive(Clone)]
pub struct TestSite {
    pub api: Api,
    pub id: String,
    pub owner_key: String,
}

/// An agent of a [`TestSite`] with its token.
#[derive(Clone)]
pub struct TestAgent {
    pub api: Api,
    pub site: String,
    pub id: String,
    pub token: String,
}

impl TestSite {
    /// A site whose working hours are a gate, the mode every test written
    /// before working hours could switch statuses (issue 17) describes: a
    /// new site's default is `switch`, so these sites ask for `gate`. See
    /// [`TestSite::create_in`].
    pub fn create(base: &str) -> TestSite {
        Self::create_in(base, Some("gate"))
    }

    /// `POST /v1/sites` with the admin token and `working_hours_mode`
    /// (`None`: no body, the edge's default); panics unless 201.
    pub fn create_in(base: &str, working_hours_mode: Option<&str>) -> TestSite {
        let api = Api::new(base);
        let body = working_hours_mode.map(|mode| json!({ "working_hours_mode": mode }));
        let reply = api.post("/v1/sites", Some(ADMIN_TOKEN), body.as_ref());
        assert_eq!(reply.status, 201, "POST /v1/sites: {}", reply.describe());
        let id = reply.body["site_id"]
            .as_str()
            .unwrap_or_else(|| panic!("no site_id in {}", reply.body))
            .to_string();
        let owner_key = reply.body["owner_key"]
            .as_str()
            .unwrap_or_else(|| panic!("no owner_key in {}", reply.body))
            .to_string();
        TestSite { api, id, owner_key }
    }

    /// `/v1/sites/{id}{rest}`.
    pub fn path(&self, rest: &str) -> String {
        format!("/v1/sites/{}{}", self.id, rest)
    }

    /// An owner request (Bearer owner key).
    pub fn owner(&self, method: &str, rest: &str, body: Option<&Value>) -> Reply {
        self.api
            .send(method, &self.path(rest), Some(&self.owner_key), body)
    }

    /// An owner request that must succeed.
    #[track_caller]
    pub fn owner_ok(&self, method: &str, rest: &str, body: Option<&Value>) -> Reply {
        let reply = self.owner(method, rest, body);
        assert!(
            reply.is_success(),
            "{method} {}: {}",
            self.path(rest),
            reply.describe()
        );
        reply
    }

    /// `PUT /groups/{id}`.
    #[track_caller]
    pub fn add_group(&self, id: &str, name: &str) {
        self.owner_ok(
            "PUT",
            &format!("/groups/{id}"),
            Some(&json!({ "name": name })),
        );
    }

    /// `PUT /agents/{id}` for a new agent; returns it with its token.
    #[track_caller]
    pub fn add_agent(&self, id: &str, name: &str, groups: &[&str]) -> TestAgent {
        let reply = self.owner_ok(
            "PUT",
            &format!("/agents/{id}"),
            Some(&json!({ "name": name, "groups": groups })),
        );
        let token = reply.body["token"]
            .as_str()
            .unwrap_or_else(|| panic!("a new agent has a token: {}", reply.body))
            .to_string();
        self.agent_with_token(id, &token)
    }

    /// A handle for an agent whose token is known.
    pub fn agent_with_token(&self, id: &str, token: &str) -> TestAgent {
        TestAgent {
            api: self.api.clone(),
            site: self.id.clone(),
            id: id.to_string(),
            token: token.to_string(),
        }
    }

    /// `PUT /settings` (partial update) that must succeed.
    #[track_caller]
    pub fn settings(&self, body: Value) -> Reply {
        self.owner_ok("PUT", "/settings", Some(&body))
    }

    /// `PUT /settings {"grace_period_secs": secs}`.
    #[track_caller]
    pub fn set_grace(&self, secs: u32) {
        self.settings(json!({ "grace_period_secs": secs }));
    }

    /// `GET /status[?group=G]` as a visitor.
    pub fn status(&self, group: Option<&str>) -> Reply {
        self.api.get(&self.status_path(group), None)
    }

    pub fn status_path(&self, group: Option<&str>) -> String {
        match group {
            Some(g) => self.path(&format!("/status?group={}", encode_query(g))),
            None => self.path("/status"),
        }
    }

    /// Polls the visitor status until `pred` holds (the answer may be cached
    /// for ~1 s); panics with the last answer after `within`.
    #[track_caller]
    pub fn wait_status_where(
        &self,
        group: Option<&str>,
        within: Duration,
        what: &str,
        mut pred: impl FnMut(&Value) -> bool,
    ) -> Value {
        let result = poll_until(within, Duration::from_millis(100), || {
            let r = self.status(group);
            if r.status == 200 && pred(&r.body) {
                Ok(r.body)
            } else {
                Err(r.describe())
            }
        });
        match result {
            Ok(v) => v,
            Err(last) => panic!(
                "GET {} never became {what} within {within:?}; last answer: {last}",
                self.status_path(group)
            ),
        }
    }

    /// Polls until the visitor status is `status` (e.g. "online").
    #[track_caller]
    pub fn wait_status(&self, group: Option<&str>, status: &str, within: Duration) -> Value {
        self.wait_status_where(group, within, status, |b| b["status"] == status)
    }

    /// The visitor status right now (asserts 200).
    #[track_caller]
    pub fn status_now(&self, group: Option<&str>) -> Value {
        let r = self.status(group);
        assert_eq!(
            r.status,
            200,
            "GET {}: {}",
            self.status_path(group),
            r.describe()
        );
        r.body
    }

    pub fn live_path(&self, group: Option<&str>) -> String {
        match group {
            Some(g) => self.path(&format!("/live?group={}", encode_query(g))),
            None => self.path("/live"),
        }
    }

    /// Opens a visitor socket with extra headers.
    pub fn try_live(
        &self,
        group: Option<&str>,
        headers: &[(&str, &str)],
    ) -> Result<Ws, WsConnectError> {
        Ws::connect(&self.api.base, &self.live_path(group), headers)
    }

    /// Opens a visitor socket and returns it with its first frame.
    #[track_caller]
    pub fn live(&self, group: Option<&str>) -> (Ws, Value) {
        let mut ws = self
            .try_live(group, &[])
            .unwrap_or_else(|e| panic!("open {}: {e}", self.live_path(group)));
        let first = ws
            .next_json(Duration::from_secs(10))
            .unwrap_or_else(|| panic!("{} sent no initial frame", self.live_path(group)));
        (ws, first)
    }

    /// `GET /stats` as the owner.
    #[track_caller]
    pub fn stats(&self) -> Value {
        self.owner_ok("GET", "/stats", None).body
    }
}

impl TestAgent {
    /// `/v1/sites/{site}{rest}`.
    pub fn path(&self, rest: &str) -> String {
        format!("/v1/sites/{}{}", self.site, rest)
    }

    /// A request with this agent's token and optional session header.
    pub fn request(
        &self,
        method: &str,
        rest: &str,
        session: Option<&str>,
        body: Option<&Value>,
    ) -> Reply {
        let mut headers: Vec<(&str, &str)> = Vec::new();
        if let Some(s) = session {
            headers.push(("X-Presenza-Session", s));
        }
        let bytes = body.map(|b| b.to_string().into_bytes());
        if bytes.is_some() {
            headers.push(("Content-Type", "application/json"));
        }
        self.api.send_raw(
            method,
            &self.path(rest),
            Some(&self.token),
            &headers,
            bytes.as_deref(),
        )
    }

    /// `PUT /agents/me/status` over HTTP (a heartbeat of that HTTP session);
    /// must succeed.
    #[track_caller]
    pub fn set_status(&self, session: Option<&str>, status: &str, message: Option<&str>) -> Reply {
        let mut body = json!({ "status": status });
        if let Some(m) = message {
            body["message"] = json!(m);
        }
        let r = self.request("PUT", "/agents/me/status", session, Some(&body));
        must(&format!("PUT status {status} for {}", self.id), r)
    }

    /// `POST /agents/me/heartbeat`; must succeed.
    #[track_caller]
    pub fn heartbeat(&self, session: Option<&str>) -> Reply {
        let r = self.request("POST", "/agents/me/heartbeat", session, None);
        must(&format!("heartbeat of {}", self.id), r)
    }

    /// `POST /agents/me/sign-out`; must succeed.
    #[track_caller]
    pub fn sign_out(&self, session: Option<&str>) -> Reply {
        let r = self.request("POST", "/agents/me/sign-out", session, None);
        must(&format!("sign-out of {}", self.id), r)
    }

    /// `GET /agents/me`.
    pub fn me(&self) -> Reply {
        self.request("GET", "/agents/me", None, None)
    }

    pub fn session_path(&self) -> String {
        self.path("/agents/me/session")
    }

    /// Opens a device socket as a browser does: the token in the
    /// `presenza.token.<token>` subprotocol (tokens never go in URLs).
    pub fn connect_device(&self) -> Result<Ws, WsConnectError> {
        let protocols = device_protocols(&self.token);
        Ws::connect(
            &self.api.base,
            &self.session_path(),
            &[("Sec-WebSocket-Protocol", &protocols)],
        )
    }

    /// Opens a device socket; returns it with its `hello` frame.
    #[track_caller]
    pub fn device(&self) -> (Ws, Value) {
        let mut ws = self
            .connect_device()
            .unwrap_or_else(|e| panic!("open the device socket of {}: {e}", self.id));
        let hello = ws.expect(Duration::from_secs(10), "a hello frame", |v| {
            v["type"] == "hello"
        });
        (ws, hello)
    }
}

/// The subprotocols a device socket offers to carry `token`.
pub fn device_protocols(token: &str) -> String {
    format!("presenza, presenza.token.{token}")
}

/// A device socket message setting the agent's status.
pub fn status_message(status: &str, message: Option<&str>) -> Value {
    let mut body = json!({ "type": "status", "status": status });
    if let Some(m) = message {
        body["message"] = json!(m);
    }
    body
}

/// A reasonably unique suffix for ids created by one test.
pub fn unique(prefix: &str) -> String {
    static COUNTER: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
    let n = COUNTER.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    format!("{prefix}-{}-{n}", std::process::id())
}

// ---------------------------------------------------------------------------
// Time: Unix milliseconds, UTC civil dates and RFC 3339, without a tz crate.
// ---------------------------------------------------------------------------

/// Milliseconds since the Unix epoch, now.
pub fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}

/// Days since 1970-01-01 → (year, month, day) (Howard Hinnant's algorithm).
pub fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

/// (year, month, day) → days since 1970-01-01.
pub fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y.rem_euclid(400);
    let m = m as i64;
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + d as i64 - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// "YYYY-MM-DD" of a UTC day number.
pub fn date_string(days: i64) -> String {
    let (y, m, d) = civil_from_days(days);
    format!("{y:04}-{m:02}-{d:02}")
}

/// "mon".."sun" of a UTC day number (1970-01-01 was a Thursday).
pub fn weekday_key(days: i64) -> &'static str {
    ["thu", "fri", "sat", "sun", "mon", "tue", "wed"][days.rem_euclid(7) as usize]
}

/// Parses RFC 3339 (`2026-11-25T12:00:00Z`, fractional seconds, `±hh:mm`)
/// into Unix milliseconds.
pub fn parse_rfc3339(s: &str) -> Option<i64> {
    let b = s.as_bytes();
    if b.len() < 20 || b[4] != b'-' || b[7] != b'-' || !matches!(b[10], b'T' | b't' | b' ') {
        return None;
    }
    let num = |r: std::ops::Range<usize>| -> Option<i64> { s.get(r)?.parse().ok() };
    let (y, mo, d) = (num(0..4)?, num(5..7)?, num(8..10)?);
    let (h, mi, sec) = (num(11..13)?, num(14..16)?, num(17..19)?);
    let mut i = 19;
    let mut millis = 0i64;
    if b.get(i) == Some(&b'.') {
        i += 1;
        let start = i;
        while i < b.len() && b[i].is_ascii_digit() {
            i += 1;
        }
        let frac = s.get(start..i)?;
        let padded = format!("{:0<3}", &frac[..frac.len().min(3)]);
        millis = padded.parse().ok()?;
    }
    let offset_min = match b.get(i)? {
        b'Z' | b'z' => 0,
        sign @ (b'+' | b'-') => {
            let oh = num(i + 1..i + 3)?;
            let om = num(i + 4..i + 6)?;
            let o = oh * 60 + om;
            if *sign == b'-' {
                -o
            } else {
                o
            }
        }
        _ => return None,
    };
    let days = days_from_civil(y, u32::try_from(mo).ok()?, u32::try_from(d).ok()?);
    Some(((days * 86_400 + h * 3600 + mi * 60 + sec) - offset_min * 60) * 1000 + millis)
}
