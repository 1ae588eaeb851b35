//! Webhooks end to end (issue 15): a real HTTP receiver on loopback,
//! started by the test (`presenza_tests::hook`), fetched by the site's
//! alarm through workerd. Endpoints are validated; every delivery is
//! signed with the site's secret (checked here with an HMAC of the test's
//! own); a delivery the receiver answered 500 is tried again, the
//! endpoint's later ones wait behind it (order kept), and none is sent
//! again after a 2xx; the last result shows in `GET webhooks`; a Slack
//! format sends `{"text": ...}`.

use crate::helpers::conversations::Visitor;
use crate::helpers::site;
use presenza_tests::api::{poll_until, TestSite};
use presenza_tests::hook::{hmac_sha256_hex, Received, Receiver};
use serde_json::{json, Value};
use std::time::Duration;

/// How long a delivery may take (the alarm runs at once), and a retry
/// (the first one comes 10 s after a failure).
const DELIVERY_WAIT: Duration = Duration::from_secs(15);
const RETRY_WAIT: Duration = Duration::from_secs(40);

/// Registers one endpoint; returns the secret (rotated to be known).
fn register(site: &TestSite, url: &str, events: &[&str], format: &str) -> String {
    site.owner_ok(
        "PUT",
        "/webhooks",
        Some(&json!({ "endpoints": [{ "url": url, "events": events, "format": format }] })),
    );
    let r = site.owner_ok("POST", "/webhooks/secret", None);
    r.body["secret"]
        .as_str()
        .unwrap_or_else(|| panic!("a secret: {}", r.body))
        .to_string()
}

/// Checks the signature header against the secret and the body as sent.
#[track_caller]
fn assert_signed(r: &Received, secret: &str) {
    let sig = r
        .header("presenza-signature")
        .unwrap_or_else(|| panic!("a signature header: {r:?}"));
    let (t, v1) = sig
        .split_once(",v1=")
        .and_then(|(t, v)| Some((t.strip_prefix("t=")?, v)))
        .unwrap_or_else(|| panic!("t=…,v1=…: {sig}"));
    let expected = hmac_sha256_hex(secret.as_bytes(), format!("{t}.{}", r.body).as_bytes());
    assert_eq!(v1, expected, "HMAC-SHA256 of t.body with the secret");
    assert_ne!(
        v1,
        hmac_sha256_hex(b"another secret", format!("{t}.{}", r.body).as_bytes())
    );
}

fn body(r: &Received) -> Value {
    serde_json::from_str(&r.body).unwrap_or_else(|e| panic!("JSON body ({e}): {}", r.body))
}

/// Waits until `pred` holds of what the receiver got.
#[track_caller]
fn wait_for(rx: &Receiver, within: Duration, what: &str, pred: impl Fn(&[Received]) -> bool) {
    poll_until(within, Duration::from_millis(200), || {
        let got = rx.received();
        if pred(&got) {
            Ok(())
        } else {
            Err(format!("{what}; got {} request(s): {got:#?}", got.len()))
        }
    })
    .unwrap_or_else(|e| panic!("{e}"));
}

fn leave(site: &TestSite, text: &str) {
    let v = Visitor::new(site);
    let r = v.post(&json!({ "client_id": "w1", "text": text,
        "name": "Eva", "email": "eva@example.com" }));
    assert_eq!(r.status, 201, "{}", r.describe());
}

#[test]
fn endpoints_are_validated_and_listed_with_their_last_result() {
    let site = site();
    for (body, field) in [
        (
            json!({ "endpoints": [{ "url": "ftp://x.example", "events": ["status_changed"] }] }),
            "endpoints[0].url",
        ),
        (
            json!({ "endpoints": [{ "url": "https://", "events": ["status_changed"] }] }),
            "endpoints[0].url",
        ),
        (
            json!({ "endpoints": [{ "url": "https://x.example", "events": [] }] }),
            "endpoints[0].events",
        ),
        (
            json!({ "endpoints": (0..6).map(|i| json!({ "url": format!("https://x.example/{i}"), "events": ["status_changed"] })).collect::<Vec<_>>() }),
            "endpoints",
        ),
    ] {
        let r = site.owner("PUT", "/webhooks", Some(&body));
        assert_eq!(r.status, 400, "{}", r.describe());
        assert_eq!(r.error_code(), Some("invalid_field"), "{}", r.describe());
        assert!(r.body.to_string().contains(field), "{}", r.describe());
    }
    let r = site.owner(
        "PUT",
        "/webhooks",
        Some(&json!({ "endpoints": [{ "url": "https://x.example", "events": ["nope"] }] })),
    );
    assert_eq!(r.status, 400, "{}", r.describe());
    let r = site.owner_ok("GET", "/webhooks", None);
    assert_eq!(r.body, json!({ "endpoints": [], "has_secret": false }));

    let r = site.owner_ok(
        "PUT",
        "/webhooks",
        Some(&json!({ "endpoints": [{ "url": "https://hooks.example/a",
            "events": ["message_left", "status_changed", "message_left"] }] })),
    );
    let e = &r.body["endpoints"][0];
    assert_eq!(e["url"], "https://hooks.example/a");
    assert_eq!(e["events"], json!(["status_changed", "message_left"]));
    assert_eq!(e["format"], "json");
    assert_eq!(e["pending"], 0);
    assert_eq!(e["last"], Value::Null);
    assert_eq!(e["id"].as_str().map(str::len), Some(16));

    let s1 = site.owner_ok("POST", "/webhooks/secret", None).body["secret"].clone();
    let s2 = site.owner_ok("POST", "/webhooks/secret", None).body["secret"].clone();
    assert!(s1.as_str().is_some_and(|s| s.starts_with("whsec_")));
    assert_ne!(s1, s2, "each rotation makes a new secret");
    let r = site.owner_ok("GET", "/webhooks", None);
    assert_eq!(r.body["has_secret"], true);
    assert!(
        !r.body.to_string().contains(s2.as_str().unwrap_or("-")),
        "the secret is shown once"
    );
}

#[test]
fn deliveries_are_signed_retried_after_a_500_in_order_and_never_twice() {
    let rx = Receiver::start();
    let site = site();
    let secret = register(
        &site,
        &format!("{}/hook", rx.url),
        &["conversation_started", "message_left"],
        "json",
    );
    rx.answer(&[500]);
    leave(&site, "first visitor");
    leave(&site, "second visitor");

    // The first attempt failed: the endpoint shows it, everything waits.
    wait_for(&rx, DELIVERY_WAIT, "a first attempt", |got| !got.is_empty());
    let r = poll_until(DELIVERY_WAIT, Duration::from_millis(200), || {
        let r = site.owner_ok("GET", "/webhooks", None);
        if r.body["endpoints"][0]["last"].is_object() {
            Ok(r)
        } else {
            Err(r.describe())
        }
    })
    .unwrap_or_else(|e| panic!("a last result: {e}"));
    let last = &r.body["endpoints"][0]["last"];
    assert_eq!(last["ok"], false, "{}", r.body);
    assert_eq!(last["status"], 500, "{}", r.body);
    assert!(last["error"].as_str().is_some_and(|e| e.contains("500")));
    assert!(last["at"]
        .as_str()
        .and_then(presenza_tests::api::parse_rfc3339)
        .is_some());
    assert_eq!(rx.received().len(), 1, "the later ones wait behind it");

    // The retry, then the rest in order.
    wait_for(&rx, RETRY_WAIT, "four deliveries after the retry", |got| {
        got.iter().filter(|r| r.answered == 200).count() >= 4
    });
    std::thread::sleep(Duration::from_secs(3));
    let got = rx.received();
    assert_eq!(got.len(), 5, "one failure and four successes: {got:#?}");
    for r in &got {
        assert_eq!(r.method, "POST");
        assert_eq!(r.path, "/hook");
        assert_eq!(r.header("content-type"), Some("application/json"));
        assert_signed(r, &secret);
    }
    assert_eq!(
        got[0].header("presenza-delivery"),
        got[1].header("presenza-delivery"),
        "the retry is the same delivery"
    );
    let bodies: Vec<Value> = got[1..].iter().map(body).collect();
    let seen: Vec<(String, String)> = bodies
        .iter()
        .map(|b| {
            assert_eq!(b["site"], site.id.as_str());
            (
                b["event"].as_str().unwrap_or("").to_string(),
                b["data"]["text"].as_str().unwrap_or("").to_string(),
            )
        })
        .collect();
    let expected: Vec<(String, String)> = [
        ("conversation_started", "first visitor"),
        ("message_left", "first visitor"),
        ("conversation_started", "second visitor"),
        ("message_left", "second visitor"),
    ]
    .iter()
    .map(|(a, b)| (a.to_string(), b.to_string()))
    .collect();
    assert_eq!(seen, expected, "in the order they happened");
    let mut ids: Vec<&str> = got[1..]
        .iter()
        .filter_map(|r| r.header("presenza-delivery"))
        .collect();
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), 4, "each delivered once");

    let r = site.owner_ok("GET", "/webhooks", None);
    let e = &r.body["endpoints"][0];
    assert_eq!(e["pending"], 0, "{}", r.body);
    assert_eq!(e["last"]["ok"], true, "{}", r.body);
    assert_eq!(e["last"]["status"], 200, "{}", r.body);
    assert_eq!(e["last"]["error"], Value::Null, "{}", r.body);

    // Never again after success.
    std::thread::sleep(Duration::from_secs(12));
    assert_eq!(rx.received().len(), 5, "nothing sent twice after a 2xx");
}

#[test]
fn status_changes_reach_a_slack_compatible_endpoint() {
    let rx = Receiver::start();
    let site = site();
    let secret = register(&site, &rx.url, &["status_changed"], "slack");
    let ann = site.add_agent("ann", "Ann", &[]);
    let r = ann.set_status(None, "online", None);
    assert!(r.is_success(), "{}", r.describe());
    wait_for(&rx, DELIVERY_WAIT, "the site online", |got| {
        got.iter().any(|r| r.body.contains("is now online"))
    });
    let got = rx.received();
    let online = got
        .iter()
        .find(|r| r.body.contains("is now online"))
        .expect("found above");
    assert_eq!(online.header("presenza-event"), Some("status_changed"));
    assert_signed(online, &secret);
    let b = body(online);
    assert_eq!(
        b.as_object().map(|o| o.keys().cloned().collect::<Vec<_>>()),
        Some(vec!["text".to_string()]),
        "Slack's shape: {b}"
    );
    assert!(
        b["text"]
            .as_str()
            .is_some_and(|t| t.contains("agents online")),
        "the reason: {b}"
    );
}

#[test]
fn a_receiver_that_does_not_answer_is_a_failed_attempt_tried_again() {
    let rx = Receiver::start();
    let site = site();
    let secret = register(&site, &rx.url, &["conversation_started"], "json");
    rx.answer(&[0]);
    leave(&site, "nobody answers");
    let r = poll_until(RETRY_WAIT, Duration::from_millis(300), || {
        let r = site.owner_ok("GET", "/webhooks", None);
        if r.body["endpoints"][0]["last"]["ok"] == false {
            Ok(r)
        } else {
            Err(r.describe())
        }
    })
    .unwrap_or_else(|e| panic!("a failed attempt: {e}"));
    let last = &r.body["endpoints"][0]["last"];
    assert_eq!(last["status"], Value::Null, "{}", r.body);
    assert!(
        last["error"]
            .as_str()
            .is_some_and(|e| e.contains("no answer within")),
        "{}",
        r.body
    );
    wait_for(&rx, RETRY_WAIT, "the retry answered 200", |got| {
        got.iter().any(|r| r.answered == 200)
    });
    let got = rx.received();
    assert_eq!(got.len(), 2, "{got:#?}");
    assert_eq!(
        got[0].header("presenza-delivery"),
        got[1].header("presenza-delivery")
    );
    assert_signed(&got[1], &secret);
}
