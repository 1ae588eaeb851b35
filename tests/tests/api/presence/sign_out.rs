//! Sign-out: immediate (no grace period) for an HTTP or a device session,
//! and it ends only that session.

use crate::helpers::{live_until, site, FRAME_WAIT, HTTP_WAIT, SILENCE};
use presenza_tests::api::status_message;
use presenza_tests::ws::audience_status;
use serde_json::json;
use std::time::{Duration, Instant};

#[test]
fn sign_out_is_immediate() {
    let site = site();
    // A long grace period: only the sign-out can make the agent offline.
    site.set_grace(3600);
    let marco = site.add_agent("marco", "Marco", &[]);
    let giulia = site.add_agent("giulia", "Giulia", &[]);
    let (mut visitor, _) = site.live(None);

    // HTTP session.
    marco.set_status(Some("laptop"), "online", None);
    live_until(&mut visitor, "online", FRAME_WAIT);
    let t = Instant::now();
    marco.sign_out(Some("laptop"));
    let (v, at) = live_until(&mut visitor, "offline", FRAME_WAIT);
    assert_eq!(v["reason"], "no_agents", "{v}");
    assert!(
        at.duration_since(t) < Duration::from_secs(2),
        "sign-out took {:?}",
        at.duration_since(t)
    );
    site.wait_status(None, "offline", HTTP_WAIT);

    // Device session.
    let (mut device, _) = giulia.device();
    device.send_json(&status_message("online", None));
    live_until(&mut visitor, "online", FRAME_WAIT);
    let t = Instant::now();
    device.send_json(&json!({ "type": "sign_out" }));
    let (_, at) = live_until(&mut visitor, "offline", FRAME_WAIT);
    assert!(
        at.duration_since(t) < Duration::from_secs(2),
        "sign-out took {:?}",
        at.duration_since(t)
    );
    site.wait_status(None, "offline", HTTP_WAIT);
    visitor.close();
}

#[test]
fn sign_out_ends_only_that_session() {
    let site = site();
    site.set_grace(3600);
    let giulia = site.add_agent("giulia", "Giulia", &[]);
    let (mut visitor, _) = site.live(None);
    let (mut d1, _) = giulia.device();
    let (d2, _) = giulia.device();
    d1.send_json(&status_message("online", None));
    live_until(&mut visitor, "online", FRAME_WAIT);

    d1.send_json(&json!({ "type": "sign_out" }));
    let frames = visitor.collect_for(SILENCE);
    assert!(
        frames.iter().all(|v| audience_status(v) != Some("offline")),
        "signing out one device ended the other session too: {frames:?}"
    );
    assert_eq!(site.status_now(None)["status"], "online");

    // An HTTP session of the same agent signs out separately too.
    giulia.set_status(Some("phone"), "online", None);
    giulia.sign_out(Some("phone"));
    assert!(visitor
        .collect_for(SILENCE)
        .iter()
        .all(|v| audience_status(v) != Some("offline")));

    d2.close();
    // d2 closed without sign-out: still within the (1 h) grace period.
    assert!(visitor
        .collect_for(SILENCE)
        .iter()
        .all(|v| audience_status(v) != Some("offline")));
    assert_eq!(site.status_now(None)["status"], "online");
    visitor.close();
}
