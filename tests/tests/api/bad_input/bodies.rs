//! Bad JSON bodies on every endpoint that takes one: malformed JSON, wrong
//! types, unknown fields, huge payloads (413) and the wrong content type
//! (415) — after checking that the valid bodies are accepted, so that the
//! refusals mean something.

use crate::helpers::bad_input::{body_endpoints, case, fixture, run, As, Body};
use serde_json::{json, Value};

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
