//! Agent devices: the hello frame (agent, status, grace period, ping
//! interval), several devices of one agent kept in sync with each other,
//! the HTTP API and the visitors, and audience changes sent to devices.

use crate::helpers::{device_until, live_until, site, FRAME_WAIT, HTTP_WAIT};
use presenza_tests::api::status_message;
use presenza_tests::ws::{agent_frame_message, agent_frame_status, audience_status, frame_type};

#[test]
fn hello_describes_the_agent_and_the_grace_period() {
    let site = site();
    site.set_grace(45);
    let giulia = site.add_agent("giulia", "Giulia", &[]);
    let (ws, hello) = giulia.device();
    assert_eq!(hello["type"], "hello", "{hello}");
    assert_eq!(
        hello["grace_period_secs"], 45,
        "hello carries the grace period: {hello}"
    );
    let ping = hello["ping_interval_secs"]
        .as_u64()
        .unwrap_or_else(|| panic!("hello carries ping_interval_secs: {hello}"));
    assert!(
        ping > 0 && ping < 45,
        "devices must ping well inside the grace period: {hello}"
    );
    assert!(
        hello["agent"].is_object() && agent_frame_status(&hello).is_some(),
        "hello describes the agent with its status: {hello}"
    );
    ws.close();
}

#[test]
fn two_devices_of_one_agent_stay_in_sync() {
    let site = site();
    let giulia = site.add_agent("giulia", "Giulia", &[]);
    let (mut visitor, _) = site.live(None);
    let (mut d1, _) = giulia.device();
    let (mut d2, _) = giulia.device();

    // A status set on one device reaches the other device and the visitors.
    // (Each step changes the status, whatever a new agent starts with.)
    d1.send_json(&status_message("busy", Some("back in 10 minutes")));
    let frame = device_until(&mut d2, "busy");
    assert_eq!(
        agent_frame_message(&frame),
        Some("back in 10 minutes"),
        "the other device gets the message too: {frame}"
    );
    let (v, _) = live_until(&mut visitor, "busy", FRAME_WAIT);
    assert_eq!(v["message"], "back in 10 minutes", "{v}");
    assert_eq!(v["reason"], "all_busy", "{v}");

    // The other direction, and the HTTP API, reach both devices.
    d2.send_json(&status_message("online", None));
    device_until(&mut d1, "online");
    live_until(&mut visitor, "online", FRAME_WAIT);
    site.wait_status(None, "online", HTTP_WAIT);

    giulia.set_status(None, "busy", Some("in a call"));
    device_until(&mut d1, "busy");
    device_until(&mut d2, "busy");
    let (v, _) = live_until(&mut visitor, "busy", FRAME_WAIT);
    assert_eq!(v["message"], "in a call", "{v}");

    // GET /agents/me agrees.
    let me = giulia.me();
    assert_eq!(me.status, 200, "{}", me.describe());
    assert!(
        me.body.to_string().contains("in a call"),
        "GET /agents/me shows the message: {}",
        me.body
    );
    d1.close();
    d2.close();
    visitor.close();
}

#[test]
fn devices_receive_audience_changes() {
    let site = site();
    let giulia = site.add_agent("giulia", "Giulia", &[]);
    let marco = site.add_agent("marco", "Marco", &[]);
    let (mut device, _) = giulia.device();
    // Giulia busy: the site is busy; then Marco online: the site is online.
    device.send_json(&status_message("busy", Some("in a call")));
    device.expect(FRAME_WAIT, "an audience frame: busy", |v| {
        frame_type(v) == Some("audience")
            && v["group"].is_null()
            && audience_status(v) == Some("busy")
    });
    marco.set_status(None, "online", None);
    let frame = device.expect(FRAME_WAIT, "an audience frame for the site", |v| {
        frame_type(v) == Some("audience")
            && v["group"].is_null()
            && audience_status(v) == Some("online")
    });
    assert!(
        frame["status"].is_object(),
        "audience status is an object: {frame}"
    );
    device.close();
}
