//! Alerts while it happens (issue 15): the site offline inside its working
//! hours, or a visitor waiting for a reply, longer than the owner's
//! threshold. The owner hears once per episode by e-mail (what the local
//! run's `send_email` binding recorded) and by the signed webhook events
//! `alert_opened` / `alert_closed` (a real receiver on loopback), and again
//! when it is back to normal; nothing with alerts off or outside working
//! hours. This module's edge counts a threshold's minutes in seconds
//! (`TEST_FAULTS=alert_minute_ms=1000`).

use crate::helpers::conversations::{agent_reply, conversation_id_of, Visitor};
use crate::helpers::mailbox::{self, Recorded};
use crate::helpers::site;
use presenza_tests::api::{poll_until, unique, TestSite};
use presenza_tests::edge::{process_edge, EdgeOptions};
use presenza_tests::hook::{hmac_sha256_hex, Received, Receiver};
use serde_json::{json, Value};
use std::path::PathBuf;
use std::sync::OnceLock;
use std::time::Duration;

/// How long an alert may take past its threshold (the alarm fires at the
/// threshold; e-mail and webhooks go in that run).
const ALERT_WAIT: Duration = Duration::from_secs(15);
/// How long "nothing more" is observed (several thresholds).
const QUIET: Duration = Duration::from_secs(6);

/// The edge of this module: `info` logs (where e-mails are recorded) and
/// a threshold's minute lasting a second.
fn alerts_edge() -> &'static (String, PathBuf) {
    static EDGE: OnceLock<(String, PathBuf)> = OnceLock::new();
    EDGE.get_or_init(|| {
        let mut options = EdgeOptions::for_test("alerts");
        options.log_level = "info";
        options
            .vars
            .push(("TEST_FAULTS".into(), "alert_minute_ms=1000".into()));
        let log = options.log_path();
        (process_edge(options), log)
    })
}

/// The e-mails sent to `to` so far.
fn mails_to(to: &str) -> Vec<Recorded> {
    let (_, log) = alerts_edge();
    mailbox::recorded(log)
        .into_iter()
        .filter(|m| m.to == to)
        .collect()
}

/// Waits until `to` got an e-mail whose subject contains `about`.
#[track_caller]
fn wait_mail(to: &str, about: &str) -> Recorded {
    poll_until(ALERT_WAIT, Duration::from_millis(250), || {
        let got = mails_to(to);
        got.iter()
            .find(|m| m.subject.contains(about))
            .cloned()
            .ok_or_else(|| format!("an e-mail about {about:?}; got {got:#?}"))
    })
    .unwrap_or_else(|e| panic!("{e}"))
}

/// Alert e-mails (not the "new message" ones) sent to `to`.
fn alert_mails(to: &str) -> Vec<Recorded> {
    mails_to(to)
        .into_iter()
        .filter(|m| !m.subject.contains("new message from"))
        .collect()
}

fn events(rx: &Receiver, event: &str) -> Vec<Received> {
    rx.received()
        .into_iter()
        .filter(|r| r.header("presenza-event") == Some(event))
        .collect()
}

#[track_caller]
fn wait_event(rx: &Receiver, event: &str, count: usize) -> Vec<Received> {
    poll_until(ALERT_WAIT, Duration::from_millis(250), || {
        let got = events(rx, event);
        if got.len() >= count {
            Ok(got)
        } else {
            Err(format!("{count} {event}; got {:#?}", rx.received()))
        }
    })
    .unwrap_or_else(|e| panic!("{e}"))
}

fn body(r: &Received) -> Value {
    serde_json::from_str(&r.body).unwrap_or_else(|e| panic!("JSON body ({e}): {}", r.body))
}

/// Checks the signature header against the secret and the body as sent.
#[track_caller]
fn assert_signed(r: &Received, secret: &str) {
    let sig = r.header("presenza-signature").unwrap_or_default();
    let (t, v1) = sig
        .split_once(",v1=")
        .and_then(|(t, v)| Some((t.strip_prefix("t=")?, v)))
        .unwrap_or_else(|| panic!("t=…,v1=…: {sig:?}"));
    let expected = hmac_sha256_hex(secret.as_bytes(), format!("{t}.{}", r.body).as_bytes());
    assert_eq!(v1, expected, "HMAC-SHA256 of t.body with the secret");
}

/// Working hours that are always open (a gate: nothing switches).
fn always_open() -> Value {
    let day = json!([["00:00", "24:00"]]);
    json!({ "timezone": "UTC", "mode": "gate", "weekly": {
        "mon": day, "tue": day, "wed": day, "thu": day, "fri": day, "sat": day, "sun": day } })
}

/// A site of the alerts edge named Corner, with e-mail on to a notify
/// address of its own (returned), working hours `hours` and alerts off
/// until the test turns them on.
fn alert_site(hours: &Value) -> (TestSite, String) {
    let (url, _) = alerts_edge();
    let site = TestSite::create(url);
    let owner = format!("{}@corner.example", unique("owner"));
    site.settings(json!({ "name": "Corner",
        "email": { "enabled": true, "notify_address": owner },
        "alerts": { "offline_minutes": null, "wait_minutes": null } }));
    site.owner_ok("PUT", "/working-hours", Some(hours));
    (site, owner)
}

/// Registers the receiver for the alert events, as JSON at `/json` and
/// Slack at `/slack`; returns the signing secret.
fn hooks(site: &TestSite, rx: &Receiver) -> String {
    let events = ["alert_opened", "alert_closed"];
    site.owner_ok(
        "PUT",
        "/webhooks",
        Some(&json!({ "endpoints": [
            { "url": format!("{}/json", rx.url), "events": events, "format": "json" },
            { "url": format!("{}/slack", rx.url), "events": events, "format": "slack" }] })),
    );
    let r = site.owner_ok("POST", "/webhooks/secret", None);
    r.body["secret"].as_str().unwrap_or_default().to_string()
}

#[test]
fn offline_in_working_hours_alerts_once_and_says_when_it_is_back_to_normal() {
    let rx = Receiver::start();
    let (site, owner) = alert_site(&always_open());
    let secret = hooks(&site, &rx);
    site.add_group("support", "Support");
    let ann = site.add_agent("ann", "Ann", &["support"]);
    ann.set_status(None, "online", None);
    site.wait_status(Some("support"), "online", Duration::from_secs(5));
    site.settings(json!({ "alerts": { "offline_minutes": 2 } }));

    // Ann signs out: Support is offline inside its working hours. (The
    // site as a whole has been offline all along: Ann serves Support only;
    // that is an episode of its own, since the alerts were turned on.)
    let r = ann.sign_out(None);
    assert!(r.is_success(), "{}", r.describe());
    let opened = wait_mail(&owner, "Support is offline during working hours");
    assert_eq!(
        opened.subject,
        "Corner: Support is offline during working hours"
    );
    assert!(
        opened.text.starts_with("Support has been offline since ")
            && opened
                .text
                .contains("during working hours (UTC): the last agent signed out at")
            && opened.text.contains("(Ann)."),
        "the reason in the owner's words: {}",
        opened.text
    );
    assert!(
        opened.text.contains("/email/unsubscribe/"),
        "{}",
        opened.text
    );
    wait_mail(&owner, "Corner is offline during working hours");
    let hooks_opened = wait_event(&rx, "alert_opened", 4);
    for r in &hooks_opened {
        assert_signed(r, &secret);
    }
    let json_hooks: Vec<Value> = hooks_opened
        .iter()
        .filter(|r| r.path == "/json")
        .map(body)
        .collect();
    let group_hook = json_hooks
        .iter()
        .find(|b| b["data"]["group"] == "support")
        .unwrap_or_else(|| panic!("the group's alert: {json_hooks:#?}"));
    assert_eq!(group_hook["event"], "alert_opened");
    assert_eq!(group_hook["data"]["alert"], "offline");
    assert_eq!(group_hook["data"]["cause"], "signed_out");
    assert_eq!(group_hook["data"]["agent"], "ann");
    assert!(
        json_hooks
            .iter()
            .any(|b| b["data"]["group"] == Value::Null && b["data"]["cause"] == "settings_changed"),
        "the site's alert: {json_hooks:#?}"
    );
    assert!(
        hooks_opened
            .iter()
            .filter(|r| r.path == "/slack")
            .map(body)
            .any(|b| b["text"]
                .as_str()
                .is_some_and(|t| t.starts_with("Support has been offline since"))),
        "Slack's text: {hooks_opened:#?}"
    );

    // Still offline: nobody is told again.
    std::thread::sleep(QUIET);
    assert_eq!(alert_mails(&owner).len(), 2, "{:#?}", alert_mails(&owner));
    assert_eq!(events(&rx, "alert_opened").len(), 4);
    assert!(events(&rx, "alert_closed").is_empty());

    // Ann is back: Support is back to normal, once; the site is not.
    ann.set_status(None, "online", None);
    let back = wait_mail(&owner, "Support is back to normal");
    assert!(
        back.text
            .starts_with("Back to normal: an agent is online again at"),
        "{}",
        back.text
    );
    let closed = wait_event(&rx, "alert_closed", 2);
    let json_closed = closed
        .iter()
        .filter(|r| r.path == "/json")
        .map(body)
        .find(|b| b["data"]["group"] == "support")
        .expect("the group's back to normal");
    assert_eq!(json_closed["data"]["since"], group_hook["data"]["since"]);
    std::thread::sleep(Duration::from_secs(3));
    assert_eq!(alert_mails(&owner).len(), 3, "{:#?}", alert_mails(&owner));
    assert_eq!(events(&rx, "alert_closed").len(), 2);
    assert!(closed
        .iter()
        .filter(|r| r.path == "/json")
        .all(|r| body(r)["data"]["group"] == "support"));
}

#[test]
fn a_visitor_waiting_for_a_first_reply_alerts_until_an_agent_replies() {
    let rx = Receiver::start();
    let (site, owner) = alert_site(&always_open());
    hooks(&site, &rx);
    let ann = site.add_agent("ann", "Ann", &[]);
    ann.set_status(None, "online", None);
    site.wait_status(None, "online", Duration::from_secs(5));
    site.settings(json!({ "alerts": { "wait_minutes": 2 } }));

    let visitor = Visitor::new(&site);
    let r = visitor.post(&json!({ "client_id": "w1", "text": "Anyone there?", "name": "Eva" }));
    assert_eq!(r.status, 201, "{}", r.describe());
    let conversation = conversation_id_of(&r);
    let waiting = wait_mail(&owner, "waiting");
    assert_eq!(waiting.subject, "Corner: Eva is waiting for a first reply");
    assert!(
        waiting
            .text
            .starts_with("Eva has waited 2 minutes for a first reply (Corner;"),
        "{}",
        waiting.text
    );
    let opened = wait_event(&rx, "alert_opened", 2);
    let data = opened
        .iter()
        .find(|r| r.path == "/json")
        .map(|r| body(r)["data"].clone())
        .expect("the JSON endpoint");
    assert_eq!(data["alert"], "wait");
    assert_eq!(data["conversation_id"], conversation.as_str());

    let r = agent_reply(&ann, &conversation, "r1", "Yes, here!");
    assert_eq!(r.status, 201, "{}", r.describe());
    let back = wait_mail(&owner, "no longer waiting");
    assert!(
        back.text.starts_with("Back to normal: an agent replied at"),
        "{}",
        back.text
    );
    wait_event(&rx, "alert_closed", 2);
    std::thread::sleep(Duration::from_secs(3));
    assert_eq!(alert_mails(&owner).len(), 2, "{:#?}", alert_mails(&owner));
}

#[test]
fn nothing_with_alerts_off_or_outside_working_hours() {
    // Off: offline in hours and a visitor waiting, for many thresholds.
    let rx_off = Receiver::start();
    let (off, off_owner) = alert_site(&always_open());
    hooks(&off, &rx_off);
    // Outside working hours (open on another day only), alerts at 1 minute.
    let rx_closed = Receiver::start();
    let today = presenza_tests::api::now_ms().div_euclid(86_400_000);
    let other_day = presenza_tests::api::weekday_key(today + 3);
    let (closed, closed_owner) = alert_site(&json!({ "timezone": "UTC", "mode": "gate",
        "weekly": { other_day: [["09:00", "10:00"]] } }));
    hooks(&closed, &rx_closed);
    closed.settings(json!({ "alerts": { "offline_minutes": 1, "wait_minutes": 1 } }));
    for site in [&off, &closed] {
        let v = Visitor::new(site);
        let r = v.post(&json!({ "client_id": "n1", "text": "Hello?",
            "name": "Eva", "email": "eva@example.com" }));
        assert_eq!(r.status, 201, "{}", r.describe());
    }
    std::thread::sleep(QUIET);
    for (owner, rx) in [(&off_owner, &rx_off), (&closed_owner, &rx_closed)] {
        assert!(
            alert_mails(owner).is_empty(),
            "no alert e-mail: {:#?}",
            alert_mails(owner)
        );
        assert!(
            rx.received().is_empty(),
            "no alert webhook: {:#?}",
            rx.received()
        );
        // The message left was e-mailed as ever: e-mail itself works.
        assert!(
            mails_to(owner)
                .iter()
                .any(|m| m.subject.contains("new message from Eva")),
            "{:#?}",
            mails_to(owner)
        );
    }
}

#[test]
fn alert_settings_have_defaults_and_clear_errors() {
    let site = site();
    let r = site.owner_ok("GET", "/settings", None);
    assert_eq!(
        r.body["alerts"],
        json!({ "offline_minutes": 10, "wait_minutes": 5, "address": null })
    );
    let r = site
        .settings(json!({ "alerts": { "wait_minutes": null, "address": "boss@shop.example" } }));
    assert_eq!(
        r.body["alerts"],
        json!({ "offline_minutes": 10, "wait_minutes": null, "address": "boss@shop.example" })
    );
    for (body, field) in [
        (
            json!({ "alerts": { "offline_minutes": 0 } }),
            "alerts.offline_minutes",
        ),
        (
            json!({ "alerts": { "wait_minutes": 1441 } }),
            "alerts.wait_minutes",
        ),
        (json!({ "alerts": { "address": "nope" } }), "alerts.address"),
        (
            json!({ "alerts": { "offline_minutes": "ten" } }),
            "expected u32",
        ),
        (
            json!({ "alerts": { "pager": true } }),
            "unknown field `pager`",
        ),
    ] {
        let r = site.owner("PUT", "/settings", Some(&body));
        assert_eq!(r.status, 400, "{body}: {}", r.describe());
        assert!(
            r.body.to_string().contains(field),
            "{body}: names {field}: {}",
            r.describe()
        );
    }
    let r = site.owner_ok("GET", "/settings", None);
    assert_eq!(
        r.body["alerts"]["address"], "boss@shop.example",
        "unchanged"
    );
}
