//! What a site keeps and for how long, and how its owner and the platform
//! remove data: closed conversations deleted after the site's retention, one
//! visitor's data erased on request, the owner key rotated, a site deleted.

use crate::helpers::conversations::{inbox, Visitor};
use crate::helpers::{site, start_edge, MESSAGE_WAIT};
use presenza_tests::api::{poll_until, Api, TestSite, ADMIN_TOKEN};
use presenza_tests::edge::EdgeOptions;
use presenza_tests::ws::{frame_type, Frame, Ws};
use serde_json::json;
use std::time::Duration;

fn conversation_ids(r: &presenza_tests::api::Reply) -> Vec<String> {
    r.body["conversations"]
        .as_array()
        .map(|list| {
            list.iter()
                .filter_map(|c| c["id"].as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

fn say_with_contact(v: &Visitor, text: &str) -> String {
    let r = v.post(&json!({
        "client_id": "c_1", "text": text, "name": "Ann", "email": "ann@example.com"
    }));
    assert_eq!(r.status, 201, "{}", r.describe());
    r.body["conversation_id"]
        .as_str()
        .unwrap_or_default()
        .to_string()
}

#[test]
fn closed_conversations_are_deleted_after_the_retention() {
    // A retention "day" of 2 s: the site sweeps every 2 s.
    let mut options = EdgeOptions::for_test("retention");
    options
        .vars
        .push(("TEST_FAULTS".to_string(), "day_ms=2000".to_string()));
    let edge = start_edge(options);
    let site = TestSite::create(&edge.url);
    site.owner_ok("PUT", "/settings", Some(&json!({ "retention_days": 1 })));
    let giulia = site.add_agent("giulia", "Giulia", &[]);
    let closed_visitor = Visitor::new(&site);
    let closed = say_with_contact(&closed_visitor, "about an old order");
    let open = say_with_contact(&Visitor::new(&site), "still waiting");
    let r = giulia.request(
        "POST",
        &format!("/conversations/{closed}/close"),
        None,
        None,
    );
    assert_eq!(r.status, 200, "{}", r.describe());

    let gone = poll_until(Duration::from_secs(20), Duration::from_millis(500), || {
        let r = giulia.request("GET", "/conversations?state=all", None, None);
        let ids = conversation_ids(&r);
        if ids.contains(&closed) {
            Err(format!("still listed: {ids:?}"))
        } else {
            Ok(ids)
        }
    });
    let ids =
        gone.unwrap_or_else(|e| panic!("the closed conversation outlived its retention: {e}"));
    assert_eq!(ids, vec![open.clone()], "the open conversation stays");
    // Its visitor is gone with it: nothing left to read.
    let thread = closed_visitor.messages(0);
    assert_eq!(thread.status, 200, "{}", thread.describe());
    assert_eq!(
        thread.body["conversation_id"],
        serde_json::Value::Null,
        "{}",
        thread.body
    );
    // Retention is the owner's choice, within bounds.
    let r = site.owner("PUT", "/settings", Some(&json!({ "retention_days": 0 })));
    assert_eq!(r.status, 400, "{}", r.describe());
    assert_eq!(
        site.owner_ok("GET", "/settings", None).body["retention_days"],
        1
    );
}

#[test]
fn the_owner_erases_one_visitors_data() {
    let site = site();
    let giulia = site.add_agent("giulia", "Giulia", &[]);
    let (mut device, _) = giulia.device();
    let ann = Visitor::new(&site);
    let other = Visitor::new(&site);
    let ann_conversation = say_with_contact(&ann, "please forget me");
    say_with_contact(&other, "hello");
    let (mut tab, _) = ann.socket(None, true);
    assert_eq!(inbox(&giulia).len(), 2);

    let r = site.owner("DELETE", &format!("/visitors/{}", ann.id), None);
    assert_eq!(r.status, 204, "{}", r.describe());

    // Her widget is closed, the agent's devices forget the conversation,
    // and nothing of hers is left; the other visitor's stays.
    let closed = loop {
        match tab.next_frame(MESSAGE_WAIT) {
            Frame::Closed(code) => break code,
            Frame::Timeout => panic!("the erased visitor's widget stayed open"),
            Frame::Text(_) => {}
        }
    };
    assert_eq!(closed, Some(1000));
    let erased = device.expect(MESSAGE_WAIT, "an erased frame", |v| {
        frame_type(v) == Some("erased")
    });
    assert_eq!(
        erased["conversation_ids"],
        json!([ann_conversation]),
        "{erased}"
    );
    let left = inbox(&giulia);
    assert_eq!(left.len(), 1);
    assert_ne!(left[0]["id"], json!(ann_conversation));
    assert_eq!(ann.messages(0).body["messages"], json!([]));
    let again = site.owner("DELETE", &format!("/visitors/{}", ann.id), None);
    assert_eq!(again.status, 404, "{}", again.describe());
    assert_eq!(again.error_code(), Some("visitor_not_found"));
    // Agents cannot erase.
    let r = giulia.request("DELETE", &format!("/visitors/{}", other.id), None, None);
    assert_eq!(r.status, 403, "{}", r.describe());
}

#[test]
fn the_owner_key_is_rotated() {
    let site = site();
    let r = site.owner("POST", "/owner-key", None);
    assert_eq!(r.status, 200, "{}", r.describe());
    let new_key = r.body["owner_key"].as_str().unwrap_or_default().to_string();
    assert!(
        new_key.starts_with("pzo_") && new_key != site.owner_key,
        "{}",
        r.body
    );
    let old = site.api.get(&site.path("/settings"), Some(&site.owner_key));
    assert_eq!(
        old.status,
        401,
        "the old key stops at once: {}",
        old.describe()
    );
    let new = site.api.get(&site.path("/settings"), Some(&new_key));
    assert_eq!(new.status, 200, "{}", new.describe());
}

#[test]
fn the_platform_admin_deletes_a_site() {
    let site = site();
    site.add_agent("giulia", "Giulia", &[]);
    let (mut visitor, _) = site.live(None);
    let path = format!("/v1/sites/{}", site.id);
    let api = Api::new(&site.api.base);
    let r = api.delete(&path, Some(&site.owner_key));
    assert_eq!(
        r.status,
        401,
        "the owner key is not the admin token: {}",
        r.describe()
    );
    let r = api.delete(&path, Some(ADMIN_TOKEN));
    assert_eq!(r.status, 204, "{}", r.describe());
    let closed = loop {
        match visitor.next_frame(MESSAGE_WAIT) {
            Frame::Closed(code) => break code,
            Frame::Timeout => panic!("the deleted site's widget stayed open"),
            Frame::Text(_) => {}
        }
    };
    assert_eq!(closed, Some(1000));
    let status = poll_until(Duration::from_secs(5), Duration::from_millis(200), || {
        let r = site.status(None);
        if r.status == 404 {
            Ok(r)
        } else {
            Err(r.describe())
        }
    })
    .unwrap_or_else(|e| panic!("the deleted site still answers its status: {e}"));
    assert_eq!(status.error_code(), Some("site_not_found"));
    let settings = site.owner("GET", "/settings", None);
    assert_eq!(settings.status, 404, "{}", settings.describe());
    let again = api.delete(&path, Some(ADMIN_TOKEN));
    assert_eq!(again.status, 404, "{}", again.describe());
    let _ = Ws::connect(&site.api.base, &site.live_path(None), &[])
        .err()
        .map(|e| assert_eq!(e.status(), 404));
}
