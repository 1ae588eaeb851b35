//! Only changes are sent: a status that did not change for an audience is
//! not sent to it again, and socket pings are answered without waking the
//! site's object.

use crate::helpers::{live_until, site, FRAME_WAIT, HTTP_WAIT, SILENCE};
use presenza_tests::api::status_message;
use serde_json::Value;
use std::time::Duration;

#[test]
fn unchanged_status_is_not_resent() {
    let site = site();
    site.add_group("a", "A");
    site.add_group("b", "B");
    let bea = site.add_agent("bea", "Bea", &["b"]);
    let alan = site.add_agent("alan", "Alan", &["a"]);
    let (mut group_a, _) = site.live(Some("a"));
    let (mut whole, _) = site.live(None);

    // A change in group b changes neither group a nor the site.
    bea.set_status(None, "online", None);
    site.wait_status(Some("b"), "online", HTTP_WAIT);
    let frames = group_a.collect_for(SILENCE);
    assert!(
        frames.is_empty(),
        "group a got frames for a change in b: {frames:?}"
    );
    let frames = whole.collect_for(Duration::from_millis(100));
    assert!(
        frames.is_empty(),
        "the site got frames for a change in b: {frames:?}"
    );

    // A change in group a arrives exactly once.
    alan.set_status(None, "online", None);
    live_until(&mut group_a, "online", FRAME_WAIT);
    let frames = group_a.collect_for(SILENCE);
    assert!(
        frames.is_empty(),
        "duplicate frames after one change: {frames:?}"
    );

    // The same status again, and heartbeats, send nothing.
    alan.set_status(None, "online", None);
    alan.heartbeat(None);
    bea.set_status(None, "offline", None);
    let frames = group_a.collect_for(SILENCE);
    assert!(frames.is_empty(), "frames without a change: {frames:?}");
    let frames = whole.collect_for(Duration::from_millis(100));
    assert!(
        frames.is_empty(),
        "the site got frames without a change: {frames:?}"
    );
    group_a.close();
    whole.close();
}

#[test]
fn pings_are_answered_without_waking_the_object() {
    let site = site();
    let giulia = site.add_agent("giulia", "Giulia", &[]);
    let (mut device, _) = giulia.device();
    device.send_json(&status_message("online", None));
    site.wait_status(None, "online", HTTP_WAIT);
    let before = site.stats();
    let handled = |s: &Value| {
        s["socket_messages_handled"]
            .as_u64()
            .unwrap_or_else(|| panic!("stats has socket_messages_handled: {s}"))
    };
    for _ in 0..20 {
        device.ping_pong(FRAME_WAIT);
    }
    let after = site.stats();
    assert_eq!(
        handled(&after) - handled(&before),
        0,
        "pings woke the object: before {before}, after {after}"
    );
    assert!(after["sockets"].as_u64().unwrap_or(0) >= 1, "{after}");
    device.close();
}
