//! Socket budgets: one client flooding a socket is closed with 1008 and
//! counted in `stats`, while the site keeps serving its agents; real
//! clients never come near the budget.

use crate::helpers::conversations::Visitor;
use crate::helpers::{site, MESSAGE_WAIT};
use presenza_tests::api::{poll_until, status_message};
use presenza_tests::ws::{frame_type, Frame, Ws};
use serde_json::json;
use std::time::{Duration, Instant};

/// Sends `frame` until the socket closes; returns the close code (None if it
/// stayed open for `within`).
fn flood_until_closed(ws: &mut Ws, frame: &str, within: Duration) -> Option<Option<u16>> {
    let deadline = Instant::now() + within;
    while Instant::now() < deadline {
        for _ in 0..50 {
            if ws.send_text(frame).is_err() {
                break;
            }
        }
        loop {
            match ws.next_frame(Duration::from_millis(5)) {
                Frame::Closed(code) => return Some(code),
                Frame::Text(_) => continue,
                Frame::Timeout => break,
            }
        }
    }
    None
}

#[test]
fn a_flood_of_made_up_credentials_closes_the_socket_and_the_site_keeps_serving() {
    let site = site();
    let giulia = site.add_agent("giulia", "Giulia", &[]);
    let path = format!("/v1/sites/{}/live", site.id);
    let mut ws = Ws::connect(&site.api.base, &path, &[]).unwrap_or_else(|e| panic!("{e}"));
    ws.next_json(MESSAGE_WAIT);
    let forged = json!({
        "type": "auth",
        "visitor": "AAAAAAAAAAAAAAAAAAAAAA.BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB"
    })
    .to_string();
    let closed = flood_until_closed(&mut ws, &forged, Duration::from_secs(10));
    assert_eq!(
        closed,
        Some(Some(1008)),
        "the flooding socket is closed with 1008 (policy)"
    );
    // The site still answers its agent, and the close is counted (by the
    // widget's relay, which tells the site within a second or so).
    let me = giulia.me();
    assert_eq!(me.status, 200, "{}", me.describe());
    let counted = poll_until(Duration::from_secs(10), Duration::from_millis(200), || {
        let stats = site.stats();
        if stats["sockets_over_budget"].as_i64().unwrap_or(0) >= 1 {
            Ok(())
        } else {
            Err(format!("the close is not counted: {stats}"))
        }
    });
    if let Err(e) = counted {
        panic!("{e}");
    }
}

#[test]
fn a_flood_of_frames_closes_visitor_and_device_sockets() {
    let site = site();
    let path = format!("/v1/sites/{}/live", site.id);
    let mut visitor = Ws::connect(&site.api.base, &path, &[]).unwrap_or_else(|e| panic!("{e}"));
    visitor.next_json(MESSAGE_WAIT);
    let junk = json!({ "type": "teleport" }).to_string();
    assert_eq!(
        flood_until_closed(&mut visitor, &junk, Duration::from_secs(10)),
        Some(Some(1008)),
        "a visitor socket sending junk frames as fast as it can"
    );
    let marco = site.add_agent("marco", "Marco", &[]);
    let (mut device, _) = marco.device();
    let heartbeat = json!({ "type": "heartbeat" }).to_string();
    assert_eq!(
        flood_until_closed(&mut device, &heartbeat, Duration::from_secs(10)),
        Some(Some(1008)),
        "a device sending heartbeats as fast as it can"
    );
}

#[test]
fn real_clients_stay_inside_their_budget() {
    let site = site();
    let giulia = site.add_agent("giulia", "Giulia", &[]);
    let (mut device, _) = giulia.device();
    // An agent switching status and a visitor writing at human speed.
    for status in ["busy", "online", "busy", "online"] {
        device.send_json(&status_message(status, None));
    }
    let ann = Visitor::new(&site);
    let (mut tab, _) = ann.socket(None, true);
    for i in 1..=8 {
        tab.send_json(&json!({
            "type": "send", "client_id": format!("c_{i}"), "text": format!("message {i}"),
            "name": "Ann", "email": "ann@example.com"
        }));
        tab.expect(MESSAGE_WAIT, "an ack", |v| frame_type(v) == Some("ack"));
    }
    // Both sockets are still open: a ping is answered.
    device.ping_pong(MESSAGE_WAIT);
    tab.ping_pong(MESSAGE_WAIT);
    assert_eq!(site.stats()["sockets_over_budget"], 0);
}
