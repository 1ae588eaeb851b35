//! The bad-input case table: a case is a request (method, path, caller,
//! body) and the statuses it may get; [`run`] sends them all and lists the
//! failing ones together. Every answer must be a JSON error with a code and
//! a message, never a 500.

use presenza_tests::api::{Api, Reply, TestSite, ADMIN_TOKEN};
use presenza_tests::edge::shared_edge;
use serde_json::{json, Value};

/// Who sends a case.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum As {
    Nobody,
    Admin,
    Owner,
    Agent,
}

/// A case's body.
pub enum Body {
    None,
    Json(Value),
    /// Raw bytes with a content type (None: no Content-Type header).
    Raw(Option<&'static str>, Vec<u8>),
}

/// One request and the statuses it may get (and the error code it must
/// carry, if set).
pub struct Case {
    pub name: String,
    pub method: &'static str,
    pub path: String,
    pub who: As,
    pub body: Body,
    pub want: &'static [u16],
    pub code: Option<&'static str>,
}

/// A site on the shared edge with a group `sales` and an agent in it.
pub struct Fx {
    pub api: Api,
    pub site: TestSite,
    pub agent_token: String,
}

impl Fx {
    pub fn token(&self, who: As) -> Option<&str> {
        match who {
            As::Nobody => None,
            As::Admin => Some(ADMIN_TOKEN),
            As::Owner => Some(&self.site.owner_key),
            As::Agent => Some(&self.agent_token),
        }
    }

    pub fn send(&self, case: &Case) -> Reply {
        let token = self.token(case.who);
        match &case.body {
            Body::None => self.api.send_raw(case.method, &case.path, token, &[], None),
            Body::Json(v) => self.api.send(case.method, &case.path, token, Some(v)),
            Body::Raw(ct, bytes) => {
                let headers: Vec<(&str, &str)> = ct.iter().map(|c| ("Content-Type", *c)).collect();
                self.api
                    .send_raw(case.method, &case.path, token, &headers, Some(bytes))
            }
        }
    }
}

/// Runs every case and panics listing the failures.
pub fn run(fx: &Fx, cases: Vec<Case>) {
    let mut failures = Vec::new();
    let total = cases.len();
    for case in &cases {
        let reply = fx.send(case);
        let mut problems = Vec::new();
        if !case.want.contains(&reply.status) {
            problems.push(format!("status {} (want {:?})", reply.status, case.want));
        }
        if reply.status >= 500 || reply.status == 0 {
            problems.push("server error".to_string());
        }
        match reply.error_code() {
            None => problems.push("no JSON {\"error\":{\"code\"}} body".to_string()),
            Some(code) => {
                if let Some(want) = case.code {
                    if code != want {
                        problems.push(format!("code {code:?} (want {want:?})"));
                    }
                }
            }
        }
        if reply.body["error"]["message"]
            .as_str()
            .is_none_or(str::is_empty)
            && reply.error_code().is_some()
        {
            problems.push("error without a message".to_string());
        }
        if !problems.is_empty() {
            let body: String = reply.body.to_string().chars().take(160).collect();
            failures.push(format!(
                "{} — {} {}: {} — got {body}",
                case.name,
                case.method,
                case.path,
                problems.join(", ")
            ));
        }
    }
    println!(
        "{} of {total} bad-input cases passed",
        total - failures.len()
    );
    assert!(
        failures.is_empty(),
        "{} of {total} bad-input cases failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

/// A fresh [`Fx`].
pub fn fixture() -> Fx {
    let base = shared_edge();
    let site = TestSite::create(base);
    site.add_group("sales", "Sales");
    let agent = site.add_agent("giulia", "Giulia", &["sales"]);
    Fx {
        api: Api::new(base),
        agent_token: agent.token,
        site,
    }
}

/// Every endpoint that takes a JSON body: (name, method, path relative to
/// the site or absolute, caller, a valid body).
pub fn body_endpoints(fx: &Fx) -> Vec<(&'static str, &'static str, String, As, Value)> {
    let p = |rest: &str| fx.site.path(rest);
    vec![
        (
            "put group",
            "PUT",
            p("/groups/support"),
            As::Owner,
            json!({ "name": "Support" }),
        ),
        (
            "put agent",
            "PUT",
            p("/agents/marco"),
            As::Owner,
            json!({ "name": "Marco", "groups": [] }),
        ),
        (
            "put settings",
            "PUT",
            p("/settings"),
            As::Owner,
            json!({ "grace_period_secs": 120 }),
        ),
        (
            "put site hours",
            "PUT",
            p("/working-hours"),
            As::Owner,
            hours_ok(),
        ),
        (
            "put group hours",
            "PUT",
            p("/groups/sales/working-hours"),
            As::Owner,
            hours_ok(),
        ),
        (
            "put status",
            "PUT",
            p("/agents/me/status"),
            As::Agent,
            json!({ "status": "online" }),
        ),
    ]
}

/// Valid working hours.
pub fn hours_ok() -> Value {
    json!({
        "timezone": "Europe/Rome",
        "weekly": { "mon": [["09:00", "12:30"], ["14:00", "17:30"]] },
        "exceptions": [{ "date": "2026-12-25", "hours": [] }]
    })
}

/// A case with no required error code.
pub fn case(
    name: impl Into<String>,
    method: &'static str,
    path: String,
    who: As,
    body: Body,
    want: &'static [u16],
) -> Case {
    Case {
        name: name.into(),
        method,
        path,
        who,
        body,
        want,
        code: None,
    }
}

/// `c`, requiring the error code `code`.
pub fn with_code(mut c: Case, code: &'static str) -> Case {
    c.code = Some(code);
    c
}
