//! Visitor relays (edge/src/relaying.rs) against workerd: widgets live on
//! relays, not on the site's object; a change is published once per relay
//! with a growing version, the site calling one relay of the region, which
//! passes it on; a relay that missed a version catches up by
//! itself, and one given an older version late ignores it; chat frames reach every tab of a visitor exactly once across
//! relays; groups and origins hold on relays as on the site.
//!
//! The edge of these tests lets a relay hold 3 widgets (RELAY_MAX_SOCKETS),
//! so a handful of widgets spread over several shards, and syncs relays
//! every second (RELAY_SYNC_MS) so recovery is quick to observe. Every
//! local widget lands in one region (no `request.cf` continent here).

use crate::helpers::conversations::{visitor_frame, Visitor};
use crate::helpers::{live_until, start_edge, FRAME_WAIT, MESSAGE_WAIT, SHOP, SILENCE};
use presenza_tests::api::{poll_until, TestSite};
use presenza_tests::edge::{process_edge, EdgeOptions};
use presenza_tests::ws::{audience_status, frame_type, Frame, Ws};
use serde_json::{json, Value};
use std::sync::OnceLock;
use std::time::Duration;

/// Widgets one relay holds on this edge.
const PER_RELAY: usize = 3;

/// One edge for the tests of this file (started on first use).
fn edge() -> &'static str {
    static URL: OnceLock<String> = OnceLock::new();
    URL.get_or_init(|| {
        let mut options = EdgeOptions::for_test("relays");
        options.vars.extend([
            ("RELAY_MAX_SOCKETS".into(), PER_RELAY.to_string()),
            ("RELAY_SYNC_MS".into(), "1000".into()),
        ]);
        process_edge(options)
    })
}

/// The relays `stats` lists: (name, sockets, acked).
fn relays(stats: &Value) -> Vec<(String, u64, u64)> {
    stats["relays"]
        .as_array()
        .unwrap_or_else(|| panic!("stats has relays: {stats}"))
        .iter()
        .map(|r| {
            (
                r["name"].as_str().unwrap_or_default().to_string(),
                r["sockets"].as_u64().unwrap_or(0),
                r["acked"].as_u64().unwrap_or(0),
            )
        })
        .collect()
}

/// Waits until `stats` satisfies `ok`; returns it.
#[track_caller]
fn stats_until(site: &TestSite, what: &str, ok: impl Fn(&Value) -> bool) -> Value {
    poll_until(Duration::from_secs(10), Duration::from_millis(200), || {
        let stats = site.stats();
        if ok(&stats) {
            Ok(stats)
        } else {
            Err(format!("{what}: {stats}"))
        }
    })
    .unwrap_or_else(|e| panic!("{e}"))
}

#[test]
fn widgets_spread_over_relays_and_each_change_is_published_once_per_relay() {
    let site = TestSite::create(edge());
    let giulia = site.add_agent("giulia", "Giulia", &[]);
    let mut widgets: Vec<Ws> = (0..7)
        .map(|_| {
            let (ws, first) = site.live(None);
            assert_eq!(audience_status(&first), Some("offline"), "{first}");
            ws
        })
        .collect();
    // 7 widgets, 3 a relay: 3 relays; none on the site's object.
    let stats = stats_until(&site, "3 relays", |s| relays(s).len() == 3);
    let names: Vec<String> = relays(&stats).into_iter().map(|r| r.0).collect();
    for (shard, name) in names.iter().enumerate() {
        assert!(
            name.starts_with(&format!("relay:{}:", site.id))
                && name.ends_with(&format!(":{shard}")),
            "{names:?}"
        );
    }
    let version = stats["status_version"].as_u64().unwrap_or(0);
    assert!(version >= 1, "{stats}");
    let calls = |s: &Value| s["relay_publish_calls"].as_i64().unwrap_or(-1);
    let calls_before = calls(&stats);

    // One change: every widget hears it once, every relay acknowledges
    // the next version, and says how many widgets it holds; the site made
    // one publish call (shard 0 passed it on to the two others).
    giulia.set_status(None, "online", None);
    for ws in &mut widgets {
        live_until(ws, "online", FRAME_WAIT);
    }
    let stats = stats_until(&site, "every relay acked the change", |s| {
        let v = s["status_version"].as_u64().unwrap_or(0);
        v > version && relays(s).iter().all(|r| r.2 == v)
    });
    let mut held: Vec<u64> = relays(&stats).iter().map(|r| r.1).collect();
    held.sort();
    assert_eq!(held, vec![1, 3, 3], "{stats}");
    assert_eq!(stats["visitor_sockets"], 7, "{stats}");
    assert_eq!(calls(&stats), calls_before + 1, "{stats}");
    for ws in &mut widgets {
        let again = ws.collect_for(Duration::from_millis(300));
        assert!(again.is_empty(), "one change, one frame: {again:?}");
    }

    // Heartbeats and the same status again move no version and send nothing.
    let before = site.stats()["status_version"].clone();
    giulia.set_status(None, "online", None);
    giulia.heartbeat(None);
    for ws in &mut widgets {
        let frames = ws.collect_for(SILENCE / 5);
        assert!(frames.is_empty(), "frames without a change: {frames:?}");
    }
    assert_eq!(site.stats()["status_version"], before);

    // A new widget is answered by its relay from the snapshot it holds.
    let (_late, first) = site.live(None);
    assert_eq!(audience_status(&first), Some("online"), "{first}");
}

#[test]
fn a_relay_that_missed_a_version_catches_up_by_itself() {
    // This edge loses every site's first publish on the way (as if
    // delivered): only the relays' own sync can repair it.
    let mut options = EdgeOptions::for_test("relays-lost-publish");
    options.vars.extend([
        ("RELAY_SYNC_MS".into(), "1000".into()),
        ("TEST_FAULTS".into(), "drop_publish=1".into()),
    ]);
    let edge = start_edge(options);
    let site = TestSite::create(&edge.url);
    let giulia = site.add_agent("giulia", "Giulia", &[]);
    let (mut widget, first) = site.live(None);
    assert_eq!(audience_status(&first), Some("offline"), "{first}");

    giulia.set_status(None, "online", None);
    // The publish was lost; the relay's next sync (≤ 1 s here, 30 s by
    // default) brings the change.
    live_until(&mut widget, "online", Duration::from_secs(10));

    // Later publishes arrive as usual.
    giulia.set_status(None, "offline", None);
    live_until(&mut widget, "offline", FRAME_WAIT);
}

#[test]
fn an_older_version_arriving_late_is_ignored() {
    // This edge follows every site's first publish to relays with the
    // version before it, saying offline, as a late duplicate would arrive.
    let mut options = EdgeOptions::for_test("relays-stale-publish");
    options
        .vars
        .push(("TEST_FAULTS".into(), "stale_publish=1".into()));
    let edge = start_edge(options);
    let site = TestSite::create(&edge.url);
    let giulia = site.add_agent("giulia", "Giulia", &[]);
    let (mut widget, first) = site.live(None);
    assert_eq!(audience_status(&first), Some("offline"), "{first}");

    giulia.set_status(None, "online", None);
    live_until(&mut widget, "online", FRAME_WAIT);
    let version = stats_until(&site, "the relay acked the change", |s| {
        let v = s["status_version"].as_u64().unwrap_or(0);
        relays(s).iter().all(|r| r.2 == v)
    })["status_version"]
        .as_u64()
        .unwrap_or(0);
    // The stale "offline" came after it and changed nothing.
    let frames = widget.collect_for(SILENCE);
    assert!(
        frames.is_empty(),
        "a stale version reached the widget: {frames:?}"
    );
    let (_second, first) = site.live(None);
    assert_eq!(audience_status(&first), Some("online"), "{first}");
    let stats = site.stats();
    assert!(
        relays(&stats).iter().all(|r| r.2 == version),
        "the relay still holds the newer version: {stats}"
    );
}

#[test]
fn a_visitor_with_tabs_on_several_relays_gets_each_message_once() {
    let site = TestSite::create(edge());
    let giulia = site.add_agent("giulia", "Giulia", &[]);
    let (mut device, _) = giulia.device();
    let ann = Visitor::new(&site);
    // More tabs than a relay holds: they land on two relays.
    let mut tabs: Vec<Ws> = (0..PER_RELAY + 1)
        .map(|i| {
            let (ws, answer) = ann.socket(None, i % 2 == 0);
            assert_eq!(frame_type(&answer), Some("messages"), "{answer}");
            ws
        })
        .collect();
    stats_until(&site, "2 relays", |s| relays(s).len() == 2);

    // Written from one tab: ack there, the message on every other tab once.
    tabs[0].send_json(&json!({
        "type": "send", "client_id": "c_1", "text": "Hello from tab 0", "group": null
    }));
    let ack = tabs[0].expect(MESSAGE_WAIT, "the ack", |v| frame_type(v) == Some("ack"));
    assert_eq!(ack["seq"], 1, "{ack}");
    let conversation = ack["conversation_id"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    for tab in &mut tabs[1..] {
        let frame = visitor_frame(tab, 1);
        assert_eq!(frame["message"]["text"], "Hello from tab 0", "{frame}");
    }
    device.expect(MESSAGE_WAIT, "the message on the device", |v| {
        frame_type(v) == Some("message") && v["message"]["text"] == "Hello from tab 0"
    });

    // The agent's reply reaches every tab, in order with the first one.
    device.send_json(&json!({
        "type": "reply", "conversation_id": conversation, "client_id": "r_1", "text": "Hi!"
    }));
    for tab in &mut tabs {
        let frame = visitor_frame(tab, 2);
        assert_eq!(frame["message"]["text"], "Hi!", "{frame}");
    }
    // Exactly once: nothing more arrives.
    for tab in &mut tabs {
        let more: Vec<Value> = tab
            .collect_for(Duration::from_millis(400))
            .into_iter()
            .filter(|v| frame_type(v) == Some("message") || frame_type(v) == Some("ack"))
            .collect();
        assert!(more.is_empty(), "duplicates: {more:?}");
    }

    // Someone else's socket on the same relays gets nothing of it.
    let (mut other, _) = Visitor::new(&site).socket(None, false);
    giulia_reply(&mut device, &conversation, "r_2", "Second");
    visitor_frame(&mut tabs[1], 3);
    let leaked: Vec<Value> = other
        .collect_for(SILENCE / 3)
        .into_iter()
        .filter(|v| frame_type(v) == Some("message"))
        .collect();
    assert!(leaked.is_empty(), "another visitor got {leaked:?}");
}

fn giulia_reply(device: &mut Ws, conversation: &str, client_id: &str, text: &str) {
    device.send_json(&json!({
        "type": "reply", "conversation_id": conversation, "client_id": client_id, "text": text
    }));
}

#[test]
fn groups_and_origins_hold_on_relays() {
    let site = TestSite::create(edge());
    site.add_group("sales", "Sales");
    site.add_group("events", "Events");
    let sara = site.add_agent("sara", "Sara", &["sales"]);
    let (mut sales, first) = site.live(Some("sales"));
    assert_eq!(audience_status(&first), Some("offline"), "{first}");
    let (mut events, _) = site.live(Some("events"));
    // An unknown group is refused by the relay as by the site.
    let refused = site.try_live(Some("nope"), &[]);
    match refused {
        Err(e) => assert_eq!(e.status(), 404, "{e}"),
        Ok(_) => panic!("a widget of an unknown group was accepted"),
    }

    // A sales agent moves sales only.
    sara.set_status(None, "online", None);
    live_until(&mut sales, "online", FRAME_WAIT);
    let frames = events.collect_for(SILENCE / 3);
    assert!(
        frames.iter().all(|v| audience_status(v) != Some("online")),
        "events heard sales: {frames:?}"
    );

    // Deleting a group closes its widgets on the relays (4004).
    site.owner_ok("DELETE", "/groups/events", None);
    let closed = loop {
        match events.next_frame(MESSAGE_WAIT) {
            Frame::Closed(code) => break code,
            Frame::Timeout => panic!("the deleted group's widget stayed open"),
            Frame::Text(_) => {}
        }
    };
    assert_eq!(closed, Some(4004));

    // Narrowing the origins closes a widget of an origin no longer allowed
    // (1008), keeps the allowed one, and refuses new ones from elsewhere.
    let mut shop = site
        .try_live(None, &[("Origin", SHOP)])
        .unwrap_or_else(|e| panic!("{e}"));
    shop.next_json(MESSAGE_WAIT);
    let mut elsewhere = site
        .try_live(None, &[("Origin", "https://other.example")])
        .unwrap_or_else(|e| panic!("{e}"));
    elsewhere.next_json(MESSAGE_WAIT);
    let r = site.settings(json!({ "allowed_origins": [SHOP] }));
    assert_eq!(r.status, 200, "{}", r.describe());
    let closed = loop {
        match elsewhere.next_frame(MESSAGE_WAIT) {
            Frame::Closed(code) => break code,
            Frame::Timeout => panic!("a widget of a removed origin stayed open"),
            Frame::Text(_) => {}
        }
    };
    assert_eq!(closed, Some(1008));
    sara.set_status(None, "busy", None);
    live_until(&mut sales, "busy", FRAME_WAIT);
    let refused = site.try_live(None, &[("Origin", "https://other.example")]);
    match refused {
        Err(e) => assert_eq!(e.status(), 403, "{e}"),
        Ok(_) => panic!("a widget of an origin not allowed was accepted"),
    }
    let frames = shop.collect_for(Duration::from_millis(200));
    assert!(
        frames.iter().all(|v| frame_type(v) != Some("error")),
        "{frames:?}"
    );
}
