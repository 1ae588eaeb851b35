//! Bad input on every endpoint with a body or path parameters: malformed
//! JSON, wrong types, unknown fields, huge payloads (413), wrong content type
//! (415), invalid ids, unknown site/group/agent (404), out-of-bounds grace
//! periods, bad schedules, unknown statuses, wrong methods (405). Every
//! answer must be a JSON error with a code — never a 500.
//!
//! The cases are a table; all run and the failing ones are listed together.

use presenza_tests::api::{status_message, Api, Reply, TestSite, ADMIN_TOKEN};
use presenza_tests::edge::shared_edge;
use presenza_tests::ws::{audience_status, Frame, Ws};
use serde_json::{json, Value};
use std::time::Duration;

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum As {
    Nobody,
    Admin,
    Owner,
    Agent,
}

enum Body {
    None,
    Json(Value),
    /// Raw bytes with a content type (None: no Content-Type header).
    Raw(Option<&'static str>, Vec<u8>),
}

struct Case {
    name: String,
    method: &'static str,
    path: String,
    who: As,
    body: Body,
    want: &'static [u16],
    code: Option<&'static str>,
}

struct Fx {
    api: Api,
    site: TestSite,
    agent_token: String,
}

impl Fx {
    fn token(&self, who: As) -> Option<&str> {
        match who {
            As::Nobody => None,
            As::Admin => Some(ADMIN_TOKEN),
            As::Owner => Some(&self.site.owner_key),
            As::Agent => Some(&self.agent_token),
        }
    }

    fn send(&self, case: &Case) -> Reply {
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
fn run(fx: &Fx, cases: Vec<Case>) {
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

fn fixture() -> Fx {
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
fn body_endpoints(fx: &Fx) -> Vec<(&'static str, &'static str, String, As, Value)> {
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

fn hours_ok() -> Value {
    json!({
        "timezone": "Europe/Rome",
        "weekly": { "mon": [["09:00", "12:30"], ["14:00", "17:30"]] },
        "exceptions": [{ "date": "2026-12-25", "hours": [] }]
    })
}

fn case(
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

fn with_code(mut c: Case, code: &'static str) -> Case {
    c.code = Some(code);
    c
}

#[test]
fn valid_bodies_are_accepted_so_the_bad_ones_below_are_meaningful() {
    let fx = fixture();
    for (name, method, path, who, body) in body_endpoints(&fx) {
        let r = fx.api.send(method, &path, fx.token(who), Some(&body));
        assert!(
            r.is_success(),
            "{name}: {method} {path} {body}: {}",
            r.describe()
        );
        // A charset parameter is still JSON.
        let bytes = body.to_string().into_bytes();
        let r = fx.api.send_raw(
            method,
            &path,
            fx.token(who),
            &[("Content-Type", "application/json; charset=utf-8")],
            Some(&bytes),
        );
        assert!(r.is_success(), "{name} with charset: {}", r.describe());
    }
}

#[test]
fn malformed_json_is_400() {
    let fx = fixture();
    let mut cases = Vec::new();
    for (name, method, path, who, _) in body_endpoints(&fx) {
        for (what, raw) in [
            ("truncated", &b"{\"name\":"[..]),
            ("not json", &b"hello"[..]),
            ("empty", &b""[..]),
            ("trailing garbage", &b"{} {}"[..]),
            ("invalid utf-8", &b"{\"name\":\"\xff\xfe\"}"[..]),
        ] {
            cases.push(case(
                format!("{name}: {what}"),
                method,
                path.clone(),
                who,
                Body::Raw(Some("application/json"), raw.to_vec()),
                &[400],
            ));
        }
        for (what, v) in [
            ("array", json!([])),
            ("string", json!("x")),
            ("null", Value::Null),
        ] {
            cases.push(case(
                format!("{name}: top-level {what}"),
                method,
                path.clone(),
                who,
                Body::Json(v),
                &[400],
            ));
        }
    }
    run(&fx, cases);
}

#[test]
fn wrong_types_are_400() {
    let fx = fixture();
    let p = |rest: &str| fx.site.path(rest);
    let bad: Vec<(&str, &'static str, String, As, Value)> = vec![
        (
            "group name number",
            "PUT",
            p("/groups/support"),
            As::Owner,
            json!({ "name": 5 }),
        ),
        (
            "group name missing",
            "PUT",
            p("/groups/support"),
            As::Owner,
            json!({}),
        ),
        (
            "agent name bool",
            "PUT",
            p("/agents/marco"),
            As::Owner,
            json!({ "name": true, "groups": [] }),
        ),
        (
            "agent name missing",
            "PUT",
            p("/agents/marco"),
            As::Owner,
            json!({ "groups": [] }),
        ),
        (
            "agent groups string",
            "PUT",
            p("/agents/marco"),
            As::Owner,
            json!({ "name": "M", "groups": "sales" }),
        ),
        (
            "agent groups numbers",
            "PUT",
            p("/agents/marco"),
            As::Owner,
            json!({ "name": "M", "groups": [1] }),
        ),
        (
            "grace string",
            "PUT",
            p("/settings"),
            As::Owner,
            json!({ "grace_period_secs": "120" }),
        ),
        (
            "grace float",
            "PUT",
            p("/settings"),
            As::Owner,
            json!({ "grace_period_secs": 12.5 }),
        ),
        (
            "origins string",
            "PUT",
            p("/settings"),
            As::Owner,
            json!({ "allowed_origins": "https://shop.example" }),
        ),
        (
            "widget string",
            "PUT",
            p("/settings"),
            As::Owner,
            json!({ "widget": "blue" }),
        ),
        (
            "timezone number",
            "PUT",
            p("/working-hours"),
            As::Owner,
            json!({ "timezone": 1, "weekly": {} }),
        ),
        (
            "timezone missing",
            "PUT",
            p("/working-hours"),
            As::Owner,
            json!({ "weekly": {} }),
        ),
        (
            "weekly array",
            "PUT",
            p("/working-hours"),
            As::Owner,
            json!({ "timezone": "UTC", "weekly": [] }),
        ),
        (
            "interval of three",
            "PUT",
            p("/working-hours"),
            As::Owner,
            json!({ "timezone": "UTC", "weekly": { "mon": [["09:00", "10:00", "11:00"]] } }),
        ),
        (
            "exception hours string",
            "PUT",
            p("/groups/sales/working-hours"),
            As::Owner,
            json!({ "timezone": "UTC", "exceptions": [{ "date": "2026-12-25", "hours": "closed" }] }),
        ),
        (
            "status number",
            "PUT",
            p("/agents/me/status"),
            As::Agent,
            json!({ "status": 1 }),
        ),
        (
            "status missing",
            "PUT",
            p("/agents/me/status"),
            As::Agent,
            json!({ "message": "hi" }),
        ),
        (
            "message number",
            "PUT",
            p("/agents/me/status"),
            As::Agent,
            json!({ "status": "busy", "message": 5 }),
        ),
    ];
    let cases = bad
        .into_iter()
        .map(|(n, m, path, who, v)| case(n, m, path, who, Body::Json(v), &[400]))
        .collect();
    run(&fx, cases);
}

#[test]
fn unknown_fields_are_400() {
    let fx = fixture();
    let mut cases = Vec::new();
    for (name, method, path, who, valid) in body_endpoints(&fx) {
        let mut body = valid.clone();
        body["surprise"] = json!(1);
        cases.push(case(
            format!("{name}: unknown field"),
            method,
            path,
            who,
            Body::Json(body),
            &[400],
        ));
    }
    // Nested objects too.
    let nested = json!({
        "timezone": "UTC",
        "exceptions": [{ "date": "2026-12-25", "hours": [], "why": "xmas" }]
    });
    cases.push(case(
        "exception with an unknown field",
        "PUT",
        fx.site.path("/working-hours"),
        As::Owner,
        Body::Json(nested),
        &[400],
    ));
    run(&fx, cases);
}

#[test]
fn huge_payload_is_413() {
    let fx = fixture();
    let mut cases = Vec::new();
    let big = "x".repeat(20 * 1024);
    for (name, method, path, who, _) in body_endpoints(&fx) {
        let body = json!({ "name": big, "message": big });
        cases.push(case(
            format!("{name}: 40 KiB"),
            method,
            path.clone(),
            who,
            Body::Json(body),
            &[413],
        ));
        // Just over the limit, as raw bytes.
        let mut raw = b"{\"name\":\"".to_vec();
        raw.extend(std::iter::repeat_n(b'y', 16 * 1024 + 1));
        raw.extend(b"\"}");
        cases.push(case(
            format!("{name}: 16 KiB + 1"),
            method,
            path,
            who,
            Body::Raw(Some("application/json"), raw),
            &[413],
        ));
    }
    run(&fx, cases);
}

#[test]
fn wrong_content_type_is_415() {
    let fx = fixture();
    let mut cases = Vec::new();
    for (name, method, path, who, valid) in body_endpoints(&fx) {
        let bytes = valid.to_string().into_bytes();
        for ct in [
            "text/plain",
            "application/x-www-form-urlencoded",
            "multipart/form-data; boundary=x",
        ] {
            cases.push(case(
                format!("{name}: {ct}"),
                method,
                path.clone(),
                who,
                Body::Raw(Some(ct), bytes.clone()),
                &[415],
            ));
        }
        cases.push(case(
            format!("{name}: no content type"),
            method,
            path,
            who,
            Body::Raw(None, bytes),
            &[415, 400],
        ));
    }
    run(&fx, cases);
}

#[test]
fn invalid_ids_are_400() {
    let fx = fixture();
    let p = |rest: &str| fx.site.path(rest);
    let long = "a".repeat(300);
    let group = json!({ "name": "G" });
    let agent = json!({ "name": "A", "groups": [] });
    let cases = vec![
        case(
            "group id with spaces",
            "PUT",
            p("/groups/bad%20id"),
            As::Owner,
            Body::Json(group.clone()),
            &[400],
        ),
        case(
            "group id with symbols",
            "PUT",
            p("/groups/bad%21%3C%3E"),
            As::Owner,
            Body::Json(group.clone()),
            &[400],
        ),
        case(
            "group id too long",
            "PUT",
            p(&format!("/groups/{long}")),
            As::Owner,
            Body::Json(group),
            &[400],
        ),
        case(
            "agent id with spaces",
            "PUT",
            p("/agents/bad%20id"),
            As::Owner,
            Body::Json(agent.clone()),
            &[400],
        ),
        case(
            "agent id with unicode",
            "PUT",
            p("/agents/%C3%A8%C3%A8"),
            As::Owner,
            Body::Json(agent.clone()),
            &[400],
        ),
        case(
            "agent id too long",
            "PUT",
            p(&format!("/agents/{long}")),
            As::Owner,
            Body::Json(agent),
            &[400],
        ),
        case(
            "site id with symbols",
            "GET",
            "/v1/sites/%21%21/status".to_string(),
            As::Nobody,
            Body::None,
            &[400, 404],
        ),
        case(
            "site id too long",
            "GET",
            format!("/v1/sites/{long}/status"),
            As::Nobody,
            Body::None,
            &[400, 404],
        ),
    ];
    run(&fx, cases);
}

#[test]
fn conversation_list_queries_and_close_reopen_are_checked() {
    let fx = fixture();
    let p = |rest: &str| fx.site.path(rest);
    let mut cases = Vec::new();
    for query in [
        "state=shut",
        "state=OPEN",
        "state=open,closed",
        "limit=0",
        "limit=201",
        "limit=-1",
        "limit=1.5",
        "limit=x",
        "cursor=garbage",
        "cursor=o1.x.c_1",
        "cursor=c.-5.c_1",
        "cursor=c.5.c%2F1",
        "state=closed&limit=10&cursor=nope",
    ] {
        cases.push(with_code(
            case(
                format!("list ?{query}"),
                "GET",
                p(&format!("/conversations?{query}")),
                As::Agent,
                Body::None,
                &[400],
            ),
            "invalid_query",
        ));
    }
    let missing = "c_00000000000000000000000000000000";
    for action in ["close", "reopen"] {
        cases.push(with_code(
            case(
                format!("{action} an unknown conversation"),
                "POST",
                p(&format!("/conversations/{missing}/{action}")),
                As::Agent,
                Body::None,
                &[404],
            ),
            "conversation_not_found",
        ));
        cases.push(with_code(
            case(
                format!("{action} an invalid conversation id"),
                "POST",
                p(&format!("/conversations/c.1/{action}")),
                As::Agent,
                Body::None,
                &[404],
            ),
            "conversation_not_found",
        ));
        for method in ["GET", "PUT", "DELETE"] {
            cases.push(case(
                format!("{method} {action}"),
                method,
                p(&format!("/conversations/{missing}/{action}")),
                As::Agent,
                Body::None,
                &[405],
            ));
        }
    }
    run(&fx, cases);
    // The good ones are accepted, so the bad ones above are meaningful.
    for query in ["", "?state=all&limit=200", "?state=closed&limit=1&cursor="] {
        let r = fx.api.send_raw(
            "GET",
            &p(&format!("/conversations{query}")),
            Some(&fx.agent_token),
            &[],
            None,
        );
        assert_eq!(r.status, 200, "?{query}: {}", r.describe());
        assert!(r.body["next_cursor"].is_null(), "{}", r.body);
    }
}

/// A site id of the same shape as a real one that does not exist.
fn missing_site_id(real: &str) -> String {
    let mut chars: Vec<char> = real.chars().collect();
    let last = chars.pop().unwrap_or('a');
    chars.push(if last == 'a' { 'b' } else { 'a' });
    chars.into_iter().collect()
}

#[test]
fn unknown_site_group_or_agent_is_404() {
    let fx = fixture();
    let p = |rest: &str| fx.site.path(rest);
    let ghost = missing_site_id(&fx.site.id);
    let g = |rest: &str| format!("/v1/sites/{ghost}{rest}");
    let cases = vec![
        with_code(
            case(
                "unknown site status",
                "GET",
                g("/status"),
                As::Nobody,
                Body::None,
                &[404],
            ),
            "site_not_found",
        ),
        with_code(
            case(
                "unknown site widget",
                "GET",
                g("/widget-config"),
                As::Nobody,
                Body::None,
                &[404],
            ),
            "site_not_found",
        ),
        with_code(
            case(
                "unknown site settings",
                "GET",
                g("/settings"),
                As::Owner,
                Body::None,
                &[404],
            ),
            "site_not_found",
        ),
        with_code(
            case(
                "unknown site agent",
                "GET",
                g("/agents/me"),
                As::Agent,
                Body::None,
                &[404],
            ),
            "site_not_found",
        ),
        case(
            "unknown group status",
            "GET",
            p("/status?group=nope"),
            As::Nobody,
            Body::None,
            &[404],
        ),
        case(
            "unknown group delete",
            "DELETE",
            p("/groups/nope"),
            As::Owner,
            Body::None,
            &[404],
        ),
        case(
            "unknown group hours",
            "PUT",
            p("/groups/nope/working-hours"),
            As::Owner,
            Body::Json(hours_ok()),
            &[404],
        ),
        case(
            "unknown group hours delete",
            "DELETE",
            p("/groups/nope/working-hours"),
            As::Owner,
            Body::None,
            &[404],
        ),
        case(
            "unknown agent delete",
            "DELETE",
            p("/agents/nobody"),
            As::Owner,
            Body::None,
            &[404],
        ),
        case(
            "unknown agent rotate",
            "POST",
            p("/agents/nobody/token"),
            As::Owner,
            Body::None,
            &[404],
        ),
        case(
            "agent in an unknown group",
            "PUT",
            p("/agents/marco"),
            As::Owner,
            Body::Json(json!({ "name": "Marco", "groups": ["nope"] })),
            &[400, 404, 409],
        ),
        case(
            "unknown route",
            "GET",
            "/v1/nope".to_string(),
            As::Nobody,
            Body::None,
            &[404],
        ),
        case(
            "unknown site route",
            "GET",
            p("/nope"),
            As::Owner,
            Body::None,
            &[404],
        ),
    ];
    // An unknown group in the ?group= of a socket: refused before upgrading.
    let live = Ws::connect(&fx.api.base, &p("/live?group=nope"), &[]);
    assert_eq!(
        live.as_ref().err().map(|e| e.status()),
        Some(404),
        "live?group=nope"
    );
    let live = Ws::connect(&fx.api.base, &g("/live"), &[]);
    let err = live.as_ref().err().cloned();
    assert_eq!(
        err.as_ref().map(|e| e.status()),
        Some(404),
        "live on an unknown site"
    );
    assert_eq!(
        err.map(|e| e.body_json()["error"]["code"].clone()),
        Some(json!("site_not_found"))
    );
    run(&fx, cases);
}

#[test]
fn rule_violations_are_400_with_the_rule_code() {
    let fx = fixture();
    let p = |rest: &str| fx.site.path(rest);
    let settings = |v: Value| case("", "PUT", p("/settings"), As::Owner, Body::Json(v), &[400]);
    let hours = |v: Value| {
        case(
            "",
            "PUT",
            p("/working-hours"),
            As::Owner,
            Body::Json(v),
            &[400],
        )
    };
    let group_hours = |v: Value| {
        case(
            "",
            "PUT",
            p("/groups/sales/working-hours"),
            As::Owner,
            Body::Json(v),
            &[400],
        )
    };
    let mut cases: Vec<(&str, Case, Option<&'static str>)> = vec![
        (
            "grace 9",
            settings(json!({ "grace_period_secs": 9 })),
            Some("grace_period_out_of_bounds"),
        ),
        (
            "grace 0",
            settings(json!({ "grace_period_secs": 0 })),
            Some("grace_period_out_of_bounds"),
        ),
        (
            "grace 3601",
            settings(json!({ "grace_period_secs": 3601 })),
            Some("grace_period_out_of_bounds"),
        ),
        (
            "grace negative",
            settings(json!({ "grace_period_secs": -5 })),
            None,
        ),
        (
            "grace huge",
            settings(json!({ "grace_period_secs": 1_u64 << 40 })),
            None,
        ),
        (
            "origin not a url",
            settings(json!({ "allowed_origins": ["not an origin"] })),
            None,
        ),
        (
            "origin with a path",
            settings(json!({ "allowed_origins": ["https://shop.example/checkout"] })),
            None,
        ),
        (
            "bad time zone",
            hours(json!({ "timezone": "Mars/Olympus_Mons", "weekly": {} })),
            Some("unknown_time_zone"),
        ),
        (
            "overlapping intervals",
            hours(
                json!({ "timezone": "UTC", "weekly": { "mon": [["09:00", "12:00"], ["11:00", "13:00"]] } }),
            ),
            Some("overlapping_intervals"),
        ),
        (
            "overlap across midnight",
            group_hours(
                json!({ "timezone": "UTC", "weekly": { "mon": [["22:00", "02:00"]], "tue": [["01:00", "05:00"]] } }),
            ),
            Some("overlapping_intervals"),
        ),
        (
            "invalid time",
            hours(json!({ "timezone": "UTC", "weekly": { "mon": [["09:00", "25:00"]] } })),
            Some("invalid_time"),
        ),
        (
            "time not hh:mm",
            hours(json!({ "timezone": "UTC", "weekly": { "mon": [["9am", "5pm"]] } })),
            Some("invalid_time"),
        ),
        (
            "unknown weekday",
            hours(json!({ "timezone": "UTC", "weekly": { "funday": [["09:00", "17:00"]] } })),
            Some("unknown_weekday"),
        ),
        (
            "empty interval",
            hours(json!({ "timezone": "UTC", "weekly": { "mon": [["10:00", "10:00"]] } })),
            Some("empty_interval"),
        ),
        (
            "invalid date",
            hours(
                json!({ "timezone": "UTC", "exceptions": [{ "date": "2026-02-30", "hours": [] }] }),
            ),
            Some("invalid_date"),
        ),
        (
            "duplicate exception",
            group_hours(json!({ "timezone": "UTC", "exceptions": [
                { "date": "2026-12-25", "hours": [] }, { "date": "2026-12-25", "hours": [["10:00", "12:00"]] }
            ] })),
            Some("duplicate_exception"),
        ),
        (
            "unknown status",
            case(
                "",
                "PUT",
                p("/agents/me/status"),
                As::Agent,
                Body::Json(json!({ "status": "away" })),
                &[400],
            ),
            None,
        ),
        (
            "status in capitals",
            case(
                "",
                "PUT",
                p("/agents/me/status"),
                As::Agent,
                Body::Json(json!({ "status": "ONLINE" })),
                &[400],
            ),
            None,
        ),
    ];
    let cases = cases
        .drain(..)
        .map(|(name, mut c, code)| {
            c.name = name.to_string();
            c.code = code;
            c
        })
        .collect();
    run(&fx, cases);

    // None of these changed the settings.
    let s = fx.site.owner_ok("GET", "/settings", None).body;
    assert!(
        (10..=3600).contains(&s["grace_period_secs"].as_u64().unwrap_or(0)),
        "grace period after rejected updates: {s}"
    );
}

#[test]
fn wrong_method_is_405() {
    let fx = fixture();
    let p = |rest: &str| fx.site.path(rest);
    let cases = vec![
        case(
            "PATCH settings",
            "PATCH",
            p("/settings"),
            As::Owner,
            Body::Json(json!({})),
            &[405],
        ),
        case(
            "DELETE settings",
            "DELETE",
            p("/settings"),
            As::Owner,
            Body::None,
            &[405],
        ),
        case(
            "POST status",
            "POST",
            p("/status"),
            As::Nobody,
            Body::Json(json!({})),
            &[405],
        ),
        case(
            "DELETE status",
            "DELETE",
            p("/status"),
            As::Nobody,
            Body::None,
            &[405],
        ),
        case(
            "GET sites",
            "GET",
            "/v1/sites".to_string(),
            As::Admin,
            Body::None,
            &[405],
        ),
        case(
            "DELETE sites",
            "DELETE",
            "/v1/sites".to_string(),
            As::Admin,
            Body::None,
            &[405],
        ),
        case(
            "POST groups",
            "POST",
            p("/groups"),
            As::Owner,
            Body::Json(json!({ "name": "x" })),
            &[405],
        ),
        case(
            "POST group",
            "POST",
            p("/groups/sales"),
            As::Owner,
            Body::Json(json!({ "name": "x" })),
            &[405],
        ),
        case(
            "POST agents",
            "POST",
            p("/agents"),
            As::Owner,
            Body::Json(json!({ "name": "x" })),
            &[405],
        ),
        case(
            "GET agent token",
            "GET",
            p("/agents/giulia/token"),
            As::Owner,
            Body::None,
            &[405],
        ),
        case(
            "PUT stats",
            "PUT",
            p("/stats"),
            As::Owner,
            Body::Json(json!({})),
            &[405],
        ),
        case(
            "POST working hours",
            "POST",
            p("/working-hours"),
            As::Owner,
            Body::Json(hours_ok()),
            &[405],
        ),
        case(
            "DELETE my status",
            "DELETE",
            p("/agents/me/status"),
            As::Agent,
            Body::None,
            &[405],
        ),
        case(
            "GET heartbeat",
            "GET",
            p("/agents/me/heartbeat"),
            As::Agent,
            Body::None,
            &[405],
        ),
        case(
            "GET sign-out",
            "GET",
            p("/agents/me/sign-out"),
            As::Agent,
            Body::None,
            &[405],
        ),
        case(
            "PUT health",
            "PUT",
            "/v1/health".to_string(),
            As::Nobody,
            Body::Json(json!({})),
            &[405],
        ),
        case(
            "POST ping",
            "POST",
            "/v1/ping".to_string(),
            As::Nobody,
            Body::None,
            &[405],
        ),
        case(
            "POST widget config",
            "POST",
            p("/widget-config"),
            As::Nobody,
            Body::Json(json!({})),
            &[405],
        ),
    ];
    run(&fx, cases);
}

#[test]
fn device_socket_survives_or_cleanly_refuses_bad_frames() {
    let fx = fixture();
    // An ungrouped agent, so the site's own audience follows it.
    let marco = fx.site.add_agent("marco", "Marco", &[]);
    let (mut visitor, _) = fx.site.live(None);
    let (mut device, _) = marco.device();
    device.send_json(&status_message("online", None));
    if let Err(e) = visitor.wait_for(Duration::from_secs(3), |v| {
        audience_status(v) == Some("online")
    }) {
        panic!("the device could not set online: {e}");
    }
    for bad in [
        "{not json".to_string(),
        json!({ "type": "status", "status": "away" }).to_string(),
        json!({ "type": "status", "status": 5 }).to_string(),
        json!({ "type": "teleport" }).to_string(),
        json!({ "type": "status", "status": "busy", "message": "x".repeat(20_000) }).to_string(),
        "[]".to_string(),
    ] {
        if device.send_text(&bad).is_err() {
            break;
        }
    }
    // Either the socket is still usable, or it was closed with a policy /
    // data / size code — never an internal error.
    device.send_json(&status_message("busy", Some("valid")));
    let mut closed = None;
    let deadline = std::time::Instant::now() + Duration::from_millis(1500);
    while std::time::Instant::now() < deadline {
        match device.next_frame(Duration::from_millis(200)) {
            Frame::Closed(code) => {
                closed = Some(code);
                break;
            }
            Frame::Text(_) | Frame::Timeout => {}
        }
    }
    match closed {
        Some(code) => assert!(
            matches!(code, Some(1003 | 1007 | 1008 | 1009)),
            "the device socket was closed with {code:?} after bad frames"
        ),
        None => {
            let (v, _) = visitor
                .wait_for(Duration::from_secs(3), |v| {
                    audience_status(v) == Some("busy")
                })
                .unwrap_or_else(|e| panic!("a valid status after bad frames was not applied: {e}"));
            assert_eq!(
                v["message"], "valid",
                "only the valid busy status was applied: {v}"
            );
        }
    }
}
