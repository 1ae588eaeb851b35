//! The owner's checklist (`GET` / `PUT onboarding`): each step turns done
//! from what the owner really does (naming the site, a widget loading on a
//! page of an allowed origin, an agent, working hours set or declined, a
//! visitor's chat answered), and bad input or the wrong credential is a
//! clear error.

use crate::helpers::conversations::{agent_reply, contact, conversation_id_of, Visitor};
use crate::helpers::{site, EVIL, SHOP};
use presenza_tests::api::TestSite;
use presenza_tests::edge::shared_edge;
use serde_json::{json, Value};

fn checklist(site: &TestSite) -> Value {
    site.owner_ok("GET", "/onboarding", None).body
}

/// A widget's first request on a page: `widget-config` with the page's
/// `Origin` and, as the loader sends it, its full address as `Referer`.
fn widget_loads(site: &TestSite, origin: Option<&str>, page: &str) -> u16 {
    let mut headers = vec![("Referer", page)];
    if let Some(o) = origin {
        headers.push(("Origin", o));
    }
    site.api
        .send_raw("GET", &site.path("/widget-config"), None, &headers, None)
        .status
}

#[test]
fn the_checklist_fills_as_the_owner_sets_the_site_up() {
    let site = TestSite::create_in(shared_edge(), None);
    let start = checklist(&site);
    assert_eq!(
        start,
        json!({
            "site_named": false, "widget_first_seen": null, "widget_last_seen": null,
            "agents": 0, "working_hours": "pending", "chat_answered": false, "done": false
        })
    );

    site.settings(json!({ "name": "Corner Shop" }));
    assert_eq!(checklist(&site)["site_named"], true);

    // The widget on a shop page: origin and path, never the query.
    assert_eq!(
        widget_loads(&site, Some(SHOP), &format!("{SHOP}/cart?item=7#pay")),
        200
    );
    let seen = checklist(&site);
    let first = &seen["widget_first_seen"];
    assert_eq!(first["origin"], SHOP, "{seen}");
    assert_eq!(first["page"], format!("{SHOP}/cart"), "{seen}");
    assert!(
        first["at"].as_str().is_some_and(|t| t.contains('T')),
        "{seen}"
    );
    assert_eq!(seen["widget_last_seen"], *first);
    // Another page later never changes the first one.
    widget_loads(&site, Some(SHOP), &format!("{SHOP}/shoes"));
    assert_eq!(checklist(&site)["widget_first_seen"], *first);

    let ann = site.add_agent("ann", "Ann", &[]);
    assert_eq!(checklist(&site)["agents"], 1);

    let declined = site.owner_ok(
        "PUT",
        "/onboarding",
        Some(&json!({ "working_hours_declined": true })),
    );
    assert_eq!(declined.body["working_hours"], "declined");
    let undone = site.owner_ok(
        "PUT",
        "/onboarding",
        Some(&json!({ "working_hours_declined": false })),
    );
    assert_eq!(undone.body["working_hours"], "pending");
    site.owner_ok(
        "PUT",
        "/working-hours",
        Some(&json!({ "timezone": "Europe/Rome", "weekly": { "mon": [["09:00", "17:00"]] } })),
    );
    assert_eq!(checklist(&site)["working_hours"], "set");
    assert_eq!(checklist(&site)["done"], false, "no chat answered yet");

    // A visitor writes: not answered until an agent replies.
    let visitor = Visitor::new(&site);
    let sent = visitor.post(&contact("c1", "Is this in stock?"));
    assert_eq!(sent.status, 201, "{}", sent.describe());
    assert_eq!(checklist(&site)["chat_answered"], false);
    let conversation = conversation_id_of(&sent);
    let reply = agent_reply(&ann, &conversation, "r1", "Yes, it is.");
    assert_eq!(reply.status, 201, "{}", reply.describe());
    let end = checklist(&site);
    assert_eq!(end["chat_answered"], true, "{end}");
    assert_eq!(end["done"], true, "{end}");
}

#[test]
fn only_pages_of_allowed_origins_other_than_the_edge_s_own_count() {
    let site = site();
    site.settings(json!({ "allowed_origins": [SHOP] }));
    // Refused origin: the widget gets its 200 (CORS keeps the page from
    // reading it) but nothing is recorded.
    widget_loads(&site, Some(EVIL), &format!("{EVIL}/"));
    // The edge's own pages (the demo page, the console) do not count.
    let own = shared_edge().trim_end_matches('/').to_string();
    widget_loads(&site, None, &format!("{own}/?site={}", site.id));
    assert_eq!(checklist(&site)["widget_first_seen"], Value::Null);
    // A browser that sends no Referer across origins: the origin alone.
    widget_loads(&site, Some(SHOP), "");
    let seen = checklist(&site);
    assert_eq!(
        seen["widget_first_seen"]["page"],
        format!("{SHOP}/"),
        "{seen}"
    );
}

#[test]
fn bad_answers_and_wrong_credentials_are_clear_errors() {
    let site = site();
    let ann = site.add_agent("ann", "Ann", &[]);
    let path = site.path("/onboarding");
    for (body, what) in [
        (json!({}), "no field"),
        (json!({ "working_hours_declined": "yes" }), "not a boolean"),
        (
            json!({ "working_hours_declined": true, "extra": 1 }),
            "unknown field",
        ),
        (json!([]), "not an object"),
    ] {
        let r = site.owner("PUT", "/onboarding", Some(&body));
        assert_eq!(r.status, 400, "{what}: {}", r.describe());
        assert!(r.error_code().is_some(), "{what}: {}", r.describe());
    }
    let text = site.api.send_raw(
        "PUT",
        &path,
        Some(&site.owner_key),
        &[("Content-Type", "text/plain")],
        Some(b"declined"),
    );
    assert_eq!(text.status, 415, "{}", text.describe());
    let none = site.api.get(&path, None);
    assert_eq!(none.status, 401, "{}", none.describe());
    let agent = site.api.get(&path, Some(&ann.token));
    assert_eq!(agent.status, 403, "{}", agent.describe());
    assert_eq!(agent.error_code(), Some("wrong_role"));
    let post = site.owner("POST", "/onboarding", None);
    assert_eq!(post.status, 405, "{}", post.describe());
    assert_eq!(post.header("Allow"), Some("GET, PUT"));
}
