//! The authorization matrix: every endpoint × every kind of caller, with the
//! expected status for each cell. All cells run; the failing ones are
//! printed together as a table.
//!
//! Callers: no token at all; a visitor (no credentials, browser Origin of the
//! site); a malformed token; another site's owner key; another site's agent
//! token; this site's agent; this site's owner; the platform admin.
//!
//! Contract: missing or unknown token → 401 (tokens of one site are useless on
//! another); owner key on agent endpoints and agent token on owner endpoints
//! → 403. Where the contract leaves the choice between 401 and 403 (a
//! credential that is valid somewhere but not here, e.g. the admin token on
//! a site endpoint), either is accepted. Public endpoints ignore credentials.

use crate::helpers::SHOP;
use presenza_tests::api::{device_protocols, Api, Reply, TestSite, ADMIN_TOKEN};
use presenza_tests::edge::shared_edge;
use presenza_tests::ws::Ws;
use serde_json::{json, Value};

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Who {
    NoToken,
    Visitor,
    BadToken,
    OtherOwner,
    OtherAgent,
    Agent,
    Owner,
    Admin,
}

const WHO: [Who; 8] = [
    Who::NoToken,
    Who::Visitor,
    Who::BadToken,
    Who::OtherOwner,
    Who::OtherAgent,
    Who::Agent,
    Who::Owner,
    Who::Admin,
];

impl Who {
    fn label(self) -> &'static str {
        match self {
            Who::NoToken => "none",
            Who::Visitor => "visitor",
            Who::BadToken => "bad",
            Who::OtherOwner => "B.owner",
            Who::OtherAgent => "B.agent",
            Who::Agent => "agent",
            Who::Owner => "owner",
            Who::Admin => "admin",
        }
    }
}

/// Who may call an endpoint.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Class {
    Platform,
    Owner,
    Agent,
    Public,
}

#[derive(Clone, Copy, Debug)]
enum Expect {
    /// 2xx (or 101 for a WebSocket).
    Allowed,
    Is(u16),
    OneOf(&'static [u16]),
}

impl Expect {
    fn accepts(self, status: u16) -> bool {
        match self {
            Expect::Allowed => (200..300).contains(&status) || status == 101,
            Expect::Is(s) => status == s,
            Expect::OneOf(list) => list.contains(&status),
        }
    }

    fn show(self) -> String {
        match self {
            Expect::Allowed => "2xx".to_string(),
            Expect::Is(s) => s.to_string(),
            Expect::OneOf(list) => list
                .iter()
                .map(u16::to_string)
                .collect::<Vec<_>>()
                .join("|"),
        }
    }
}

const DENIED: Expect = Expect::OneOf(&[401, 403]);

fn expected(class: Class, who: Who) -> Expect {
    use Who::*;
    match (class, who) {
        (Class::Public, _) => Expect::Allowed,
        (_, NoToken | Visitor | BadToken) => Expect::Is(401),
        (Class::Platform, Admin) => Expect::Is(201),
        (Class::Platform, _) => DENIED,
        (Class::Owner | Class::Agent, OtherOwner | OtherAgent) => Expect::Is(401),
        (Class::Owner, Owner) | (Class::Agent, Agent) => Expect::Allowed,
        (Class::Owner, Agent) | (Class::Agent, Owner) => Expect::Is(403),
        (Class::Owner | Class::Agent, Admin) => DENIED,
    }
}

enum Kind {
    Http {
        method: &'static str,
        body: Option<Value>,
    },
    Ws,
}

struct Row {
    class: Class,
    kind: Kind,
    /// Relative to `/v1/sites/{site}` unless it starts with `/v1/`;
    /// `{who}` is replaced by the caller's label, `{conv}` by the id of a
    /// conversation of site A in group sales (which its agent serves).
    path: &'static str,
    /// A resource to create (as the owner) before each cell, e.g. the group
    /// the row deletes: a path relative to the site and its body.
    setup: Option<(&'static str, Value)>,
}

fn http(class: Class, method: &'static str, path: &'static str, body: Option<Value>) -> Row {
    Row {
        class,
        kind: Kind::Http { method, body },
        path,
        setup: None,
    }
}

struct Fixture {
    api: Api,
    a: TestSite,
    agent_token: String,
    b: TestSite,
    b_agent_token: String,
    conversation: String,
}

impl Fixture {
    fn token(&self, who: Who) -> Option<String> {
        match who {
            Who::NoToken | Who::Visitor => None,
            Who::BadToken => Some("not-a-real-token".to_string()),
            Who::OtherOwner => Some(self.b.owner_key.clone()),
            Who::OtherAgent => Some(self.b_agent_token.clone()),
            Who::Agent => Some(self.agent_token.clone()),
            Who::Owner => Some(self.a.owner_key.clone()),
            Who::Admin => Some(ADMIN_TOKEN.to_string()),
        }
    }
}

fn hours() -> Value {
    json!({ "timezone": "Europe/Rome", "weekly": { "mon": [["09:00", "17:30"]] }, "exceptions": [] })
}

fn rows() -> Vec<Row> {
    use Class::*;
    let mut rows = vec![
        http(Platform, "POST", "/v1/sites", None),
        http(Owner, "GET", "/groups", None),
        http(
            Owner,
            "PUT",
            "/groups/g-{who}",
            Some(json!({ "name": "G" })),
        ),
        Row {
            setup: Some(("/groups/doomed-{who}", json!({ "name": "Doomed" }))),
            ..http(Owner, "DELETE", "/groups/doomed-{who}", None)
        },
        http(Owner, "PUT", "/groups/sales/working-hours", Some(hours())),
        http(Owner, "DELETE", "/groups/sales/working-hours", None),
        http(Owner, "GET", "/agents", None),
        http(
            Owner,
            "PUT",
            "/agents/new-{who}",
            Some(json!({ "name": "New", "groups": [] })),
        ),
        http(Owner, "POST", "/agents/rotatee/token", None),
        Row {
            setup: Some((
                "/agents/victim-{who}",
                json!({ "name": "Victim", "groups": [] }),
            )),
            ..http(Owner, "DELETE", "/agents/victim-{who}", None)
        },
        http(Owner, "GET", "/settings", None),
        http(
            Owner,
            "PUT",
            "/settings",
            Some(json!({ "grace_period_secs": 120 })),
        ),
        http(Owner, "PUT", "/working-hours", Some(hours())),
        http(Owner, "DELETE", "/working-hours", None),
        http(Owner, "GET", "/stats", None),
        http(Owner, "GET", "/history", None),
        http(Owner, "GET", "/history?format=csv", None),
        http(Owner, "GET", "/insights", None),
        http(Owner, "GET", "/onboarding", None),
        http(
            Owner,
            "PUT",
            "/onboarding",
            Some(json!({ "working_hours_declined": true })),
        ),
        http(Owner, "PUT", "/owner-agent", Some(json!({ "name": "Me" }))),
        http(Agent, "GET", "/agents/me", None),
        http(
            Agent,
            "PUT",
            "/agents/me/status",
            Some(json!({ "status": "online", "message": "hi" })),
        ),
        http(Agent, "POST", "/agents/me/heartbeat", None),
        http(Agent, "DELETE", "/agents/me/picture", None),
        http(Owner, "DELETE", "/agents/rotatee/picture", None),
        http(Agent, "POST", "/agents/me/sign-out", None),
        Row {
            class: Agent,
            kind: Kind::Ws,
            path: "/agents/me/session",
            setup: None,
        },
        http(Agent, "GET", "/conversations", None),
        http(Agent, "GET", "/conversations?state=all&limit=5", None),
        http(Agent, "GET", "/conversations/{conv}/messages", None),
        http(Agent, "POST", "/conversations/{conv}/close", None),
        http(Agent, "POST", "/conversations/{conv}/reopen", None),
        http(Public, "GET", "/status", None),
        http(Public, "GET", "/status?group=sales", None),
        http(Public, "GET", "/widget-config", None),
        http(Public, "GET", "/v1/health", None),
        http(Public, "GET", "/v1/ping", None),
        http(Public, "GET", "/v1/openapi.json", None),
    ];
    for path in ["/live", "/live?group=sales"] {
        rows.push(Row {
            class: Public,
            kind: Kind::Ws,
            path,
            setup: None,
        });
    }
    rows
}

/// Runs one cell; returns the status and a short body for the report.
fn run_cell(fx: &Fixture, row: &Row, who: Who) -> (u16, String, bool) {
    let rel = row
        .path
        .replace("{who}", &who.label().replace('.', "-").to_lowercase())
        .replace("{conv}", &fx.conversation);
    let path = if rel.starts_with("/v1/") {
        rel
    } else {
        fx.a.path(&rel)
    };
    if let Some((setup_path, body)) = &row.setup {
        let p = setup_path.replace("{who}", &who.label().replace('.', "-").to_lowercase());
        let r = fx.a.owner("PUT", &p, Some(body));
        assert!(r.is_success(), "setup PUT {p}: {}", r.describe());
    }
    let token = fx.token(who);
    let origin: Vec<(&str, &str)> = if who == Who::Visitor {
        vec![("Origin", SHOP)]
    } else {
        Vec::new()
    };
    match &row.kind {
        Kind::Http { method, body } => {
            let reply: Reply = match body {
                Some(b) => {
                    let bytes = b.to_string().into_bytes();
                    let mut headers = origin.clone();
                    headers.push(("Content-Type", "application/json"));
                    fx.api
                        .send_raw(method, &path, token.as_deref(), &headers, Some(&bytes))
                }
                None => fx
                    .api
                    .send_raw(method, &path, token.as_deref(), &origin, None),
            };
            let has_code = reply.error_code().is_some();
            let short: String = reply.body.to_string().chars().take(120).collect();
            (reply.status, short, reply.is_success() || has_code)
        }
        Kind::Ws => {
            // The device socket takes its token in a subprotocol, as a
            // browser sends it; other sockets get it as a header (and must
            // ignore it).
            let mut headers: Vec<(String, String)> = origin
                .iter()
                .map(|(a, b)| (a.to_string(), b.to_string()))
                .collect();
            if let Some(t) = &token {
                if row.class == Class::Agent {
                    headers.push(("Sec-WebSocket-Protocol".to_string(), device_protocols(t)));
                } else {
                    headers.push(("Authorization".to_string(), format!("Bearer {t}")));
                }
            }
            ws_cell(fx, &path, &headers)
        }
    }
}

fn ws_cell(fx: &Fixture, path: &str, headers: &[(String, String)]) -> (u16, String, bool) {
    let h: Vec<(&str, &str)> = headers
        .iter()
        .map(|(a, b)| (a.as_str(), b.as_str()))
        .collect();
    match Ws::connect(&fx.api.base, path, &h) {
        Ok(ws) => {
            ws.close();
            (101, "upgraded".to_string(), true)
        }
        Err(e) => {
            let body = e.body_json();
            let has_code = body.get("error").and_then(|e| e.get("code")).is_some();
            let short: String = body.to_string().chars().take(120).collect();
            (e.status(), short, has_code)
        }
    }
}

#[test]
fn authorization_matrix() {
    let base = shared_edge();
    let api = Api::new(base);
    let a = TestSite::create(base);
    a.settings(json!({ "allowed_origins": [SHOP] }));
    a.add_group("sales", "Sales");
    let agent = a.add_agent("giulia", "Giulia", &["sales"]);
    a.add_agent("rotatee", "Rotatee", &[]);
    let b = TestSite::create(base);
    let b_agent = b.add_agent("giulia", "Giulia", &[]);
    // A visitor's conversation in sales (the close / reopen rows).
    let credential = format!("{}.{}", "V".repeat(22), "s".repeat(43));
    let body = json!({
        "client_id": "c_1", "text": "Hello", "group": "sales",
        "name": "Ada", "email": "ada@example.com"
    })
    .to_string()
    .into_bytes();
    let r = api.send_raw(
        "POST",
        &a.path("/visitor/messages"),
        None,
        &[
            ("Origin", SHOP),
            ("Content-Type", "application/json"),
            ("X-Presenza-Visitor", &credential),
        ],
        Some(&body),
    );
    assert_eq!(r.status, 201, "a visitor message: {}", r.describe());
    let conversation = r.body["conversation_id"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    let fx = Fixture {
        api,
        agent_token: agent.token.clone(),
        a,
        b_agent_token: b_agent.token.clone(),
        b,
        conversation,
    };

    let mut failures = Vec::new();
    let mut table = String::new();
    table.push_str(&format!("{:<42}", "endpoint"));
    for who in WHO {
        table.push_str(&format!(" {:>13}", who.label()));
    }
    table.push('\n');
    for row in rows() {
        let name = match &row.kind {
            Kind::Http { method, .. } => format!("{method} {}", row.path),
            Kind::Ws => format!("WS {}", row.path),
        };
        table.push_str(&format!("{name:<42}"));
        for who in WHO {
            let want = expected(row.class, who);
            let (status, body, json_ok) = run_cell(&fx, &row, who);
            let ok = want.accepts(status) && json_ok;
            let cell = if ok {
                status.to_string()
            } else {
                failures.push(format!(
                    "{name} as {}: got {status}, want {}{} — {body}",
                    who.label(),
                    want.show(),
                    if json_ok {
                        ""
                    } else {
                        " (and a JSON error with a code)"
                    }
                ));
                format!("{status}✗{}", want.show())
            };
            table.push_str(&format!(" {cell:>13}"));
        }
        table.push('\n');
    }
    println!("{table}");
    assert!(
        failures.is_empty(),
        "{} failing cells:\n{}\n\n{table}",
        failures.len(),
        failures.join("\n")
    );
}
