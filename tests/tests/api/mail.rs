//! E-mail end to end (issue 14): what the edge in workerd records through
//! its `send_email` binding (wrangler logs each e-mail and writes its text
//! to a file; read back here, never a mock). A message left while nobody
//! was online reaches the serving agents and the owner's address with a
//! link; an agent's replies reach a visitor who has left, batched; a
//! transcript on request; unsubscribe; nothing while a site has e-mail off.

use crate::helpers::conversations::{agent_reply, conversation_id_of, Visitor};
use crate::helpers::mailbox::{self, Recorded};
use presenza_tests::api::{poll_until, TestSite};
use presenza_tests::edge::{process_edge, EdgeOptions, LOCAL_EMAIL_FROM};
use serde_json::{json, Value};
use std::path::PathBuf;
use std::sync::OnceLock;
use std::time::Duration;

/// The edge of this module: `info` logs (where the binding records e-mail)
/// and replies batched for 2 s instead of 2 minutes.
pub(crate) fn mail_edge() -> &'static (String, PathBuf) {
    static EDGE: OnceLock<(String, PathBuf)> = OnceLock::new();
    EDGE.get_or_init(|| {
        let mut options = EdgeOptions::for_test("mail");
        options.log_level = "info";
        options
            .vars
            .push(("MAIL_REPLY_BATCH_SECS".into(), "2".into()));
        let log = options.log_path();
        (process_edge(options), log)
    })
}

/// Every e-mail recorded so far.
fn recorded() -> Vec<Recorded> {
    let (_, log) = mail_edge();
    mailbox::recorded(log)
}

/// Waits for the e-mails about `marker` (a text only this test wrote).
#[track_caller]
pub(crate) fn mails_with(marker: &str, count: usize) -> Vec<Recorded> {
    poll_until(Duration::from_secs(15), Duration::from_millis(200), || {
        let found: Vec<Recorded> = recorded()
            .into_iter()
            .filter(|m| m.text.contains(marker))
            .collect();
        if found.len() >= count {
            Ok(found)
        } else {
            Err(format!(
                "{} of {count} e-mail(s) about {marker}",
                found.len()
            ))
        }
    })
    .unwrap_or_else(|e| panic!("{e}"))
}

/// No e-mail about `marker` within a few seconds.
fn no_mail_with(marker: &str) {
    std::thread::sleep(Duration::from_secs(3));
    let found: Vec<String> = recorded()
        .into_iter()
        .filter(|m| m.text.contains(marker))
        .map(|m| m.to)
        .collect();
    assert!(
        found.is_empty(),
        "no e-mail about {marker}, got some to {found:?}"
    );
}

/// A site of the mail edge with e-mail on, two groups and three agents:
/// ann (sales, with an address), bob (support, with an address), cy (every
/// group, no address).
pub(crate) fn mail_site(notify: Option<&str>) -> TestSite {
    let (url, _) = mail_edge();
    let site = TestSite::create(url);
    site.settings(
        json!({ "name": "Bottega", "email": { "enabled": true, "notify_address": notify } }),
    );
    site.add_group("sales", "Sales");
    site.add_group("support", "Support");
    for (id, groups, email) in [
        ("ann", vec!["sales"], Some("ann@bottega.example")),
        ("bob", vec!["support"], Some("bob@bottega.example")),
        ("cy", vec![], None),
    ] {
        let mut body = json!({ "name": id, "groups": groups });
        if let Some(e) = email {
            body["email"] = json!(e);
        }
        site.owner_ok("PUT", &format!("/agents/{id}"), Some(&body));
    }
    site
}

pub(crate) fn leave(site: &TestSite, group: &str, text: &str, email: &str) -> (Visitor, String) {
    let v = Visitor::new(site);
    let r = v.post(&json!({ "client_id": "m1", "text": text, "group": group,
        "name": "Eva", "email": email }));
    assert_eq!(r.status, 201, "{}", r.describe());
    let id = conversation_id_of(&r);
    (v, id)
}

#[test]
fn a_message_left_while_nobody_is_online_reaches_the_serving_agents_and_the_owner() {
    let site = mail_site(Some("owner@bottega.example"));
    let marker = format!("shoes-{}", presenza_tests::api::unique("m"));
    leave(
        &site,
        "sales",
        &format!("Do you have {marker} in 42?"),
        "eva@example.com",
    );
    let mails = mails_with(&marker, 2);
    let mut to: Vec<&str> = mails.iter().map(|m| m.to.as_str()).collect();
    to.sort_unstable();
    assert_eq!(
        to,
        ["ann@bottega.example", "owner@bottega.example"],
        "bob serves support only; cy has no address"
    );
    for m in &mails {
        assert_eq!(m.from, LOCAL_EMAIL_FROM);
        assert_eq!(m.subject, "Bottega: new message from Eva");
        assert!(
            m.text
                .contains("Eva <eva@example.com> left a message on Bottega"),
            "{}",
            m.text
        );
        assert!(
            m.text.contains(&format!("/console/?site={}", site.id)),
            "a link: {}",
            m.text
        );
        assert!(m.text.contains("/email/unsubscribe/"), "{}", m.text);
    }
    // Another visitor's message is another e-mail: no e-mail carries two.
    let other = format!("hats-{}", presenza_tests::api::unique("m"));
    leave(&site, "sales", &format!("And {other}?"), "zoe@example.com");
    let mails = mails_with(&other, 2);
    assert!(mails
        .iter()
        .all(|m| !m.text.contains(&marker) && !m.text.contains("eva@")));
}

#[test]
fn no_email_unless_the_site_turns_it_on() {
    let (url, _) = mail_edge();
    let site = TestSite::create(url);
    site.owner_ok(
        "PUT",
        "/agents/ann",
        Some(&json!({ "name": "Ann", "email": "ann@quiet.example" })),
    );
    let settings = site.owner_ok("GET", "/settings", None).body;
    assert_eq!(
        settings["email"],
        json!({ "enabled": false, "notify_address": null })
    );
    let marker = presenza_tests::api::unique("quiet");
    leave(&site, "", &marker, "eva@example.com");
    no_mail_with(&marker);
    // Bad addresses are a clear 400.
    let r = site.owner(
        "PUT",
        "/settings",
        Some(&json!({ "email": { "notify_address": "not an address" } })),
    );
    assert_eq!(
        (r.status, r.error_code()),
        (400, Some("invalid_email")),
        "{}",
        r.describe()
    );
    let r = site.owner(
        "PUT",
        "/agents/ann",
        Some(&json!({ "name": "Ann", "email": "x@" })),
    );
    assert_eq!(
        (r.status, r.error_code()),
        (400, Some("invalid_email")),
        "{}",
        r.describe()
    );
}

#[test]
fn replies_to_a_visitor_who_has_left_are_batched_into_one_email() {
    let site = mail_site(None);
    let ann = {
        let r = site.owner_ok("POST", "/agents/ann/token", None);
        site.agent_with_token("ann", r.body["token"].as_str().unwrap_or_default())
    };
    let (_visitor, conversation) = leave(
        &site,
        "sales",
        "Is the shop open on Sunday?",
        "eva@sunday.example",
    );
    let first = presenza_tests::api::unique("yes");
    for (i, text) in [format!("{first}, from 10"), "until 18:00".to_string()]
        .iter()
        .enumerate()
    {
        let r = agent_reply(&ann, &conversation, &format!("r{i}"), text);
        assert_eq!(r.status, 201, "{}", r.describe());
    }
    let mails = mails_with(&first, 1);
    assert_eq!(mails.len(), 1, "one e-mail for both replies: {mails:?}");
    let m = &mails[0];
    assert_eq!(m.to, "eva@sunday.example");
    assert_eq!(m.subject, "Bottega replied to your message");
    assert!(
        m.text.contains("(2 messages)") && m.text.contains("until 18:00"),
        "{}",
        m.text
    );
    assert!(
        !m.text.contains("Is the shop open"),
        "only the news: {}",
        m.text
    );
    std::thread::sleep(Duration::from_secs(3));
    assert_eq!(mails_with(&first, 1).len(), 1, "and only once");
}

#[test]
fn a_visitor_still_on_the_page_gets_no_email_for_a_reply() {
    let site = mail_site(None);
    let ann = {
        let r = site.owner_ok("POST", "/agents/ann/token", None);
        site.agent_with_token("ann", r.body["token"].as_str().unwrap_or_default())
    };
    let (visitor, conversation) = leave(&site, "sales", "Still here", "eva@here.example");
    let (ws, _) = visitor.socket(Some("sales"), true);
    let marker = presenza_tests::api::unique("live");
    let r = agent_reply(&ann, &conversation, "r1", &marker);
    assert_eq!(r.status, 201, "{}", r.describe());
    no_mail_with(&marker);
    ws.close();
}

#[test]
fn a_transcript_on_request_and_unsubscribing() {
    let site = mail_site(None);
    let marker = presenza_tests::api::unique("transcript");
    let (visitor, _) = leave(
        &site,
        "support",
        &format!("Keep {marker}"),
        "eva@transcript.example",
    );
    // The notification to bob carries his unsubscribe link.
    let to_bob = mails_with(&marker, 1).remove(0);
    assert_eq!(to_bob.to, "bob@bottega.example");

    let post = |body: Value| {
        let bytes = body.to_string().into_bytes();
        let cred = visitor.credential();
        site.api.send_raw(
            "POST",
            &site.path("/visitor/transcript"),
            None,
            &[
                ("Content-Type", "application/json"),
                ("X-Presenza-Visitor", &cred),
            ],
            Some(&bytes),
        )
    };
    // The visitor's thread tells the widget it may offer the transcript.
    assert_eq!(visitor.messages(0).body["transcript"], json!(true));
    let r = post(json!({ "email": "not an address" }));
    assert_eq!(
        (r.status, r.error_code()),
        (400, Some("invalid_email")),
        "{}",
        r.describe()
    );
    let r = post(json!({}));
    assert_eq!(r.status, 202, "{}", r.describe());
    assert_eq!(r.body, json!({ "email": "eva@transcript.example" }));
    let mails = mails_with(&marker, 2);
    let t = mails
        .iter()
        .find(|m| m.to == "eva@transcript.example")
        .unwrap_or_else(|| panic!("a transcript to the visitor: {mails:?}"));
    assert_eq!(t.subject, "Your conversation with Bottega");
    assert!(
        t.text.contains("You — ") && t.text.contains(&marker),
        "{}",
        t.text
    );

    // Bob unsubscribes: the next left message reaches nobody at his address.
    let link = to_bob
        .text
        .lines()
        .find_map(|l| {
            l.split_whitespace()
                .find(|w| w.contains("/email/unsubscribe/"))
        })
        .unwrap_or_else(|| panic!("an unsubscribe link: {}", to_bob.text))
        .to_string();
    let path = link
        .split_once("/v1/")
        .map(|(_, p)| format!("/v1/{p}"))
        .unwrap_or_default();
    let r = site.api.get(&path, None);
    assert_eq!(r.status, 200, "{}", r.describe());
    assert_eq!(
        r.body,
        json!({ "email": "bob@bottega.example", "unsubscribed": true })
    );
    let forged = path.replace("/unsubscribe/", "/unsubscribe/00");
    assert_eq!(
        site.api.get(&forged, None).error_code(),
        Some("invalid_unsubscribe_link")
    );
    let after = presenza_tests::api::unique("after");
    leave(&site, "support", &after, "max@example.com");
    no_mail_with(&after);

    // A site with e-mail off offers no transcript.
    site.settings(json!({ "email": { "enabled": false } }));
    assert_eq!(visitor.messages(0).body.get("transcript"), None);
    let r = post(json!({}));
    assert_eq!(
        (r.status, r.error_code()),
        (409, Some("email_off")),
        "{}",
        r.describe()
    );
}
