//! Bad frames on the sockets: the agent's device socket survives them or
//! closes with a policy, data or size code; the visitor socket answers them
//! with error frames and stays usable, and a bad `?visitor=` is refused at
//! the upgrade.

use crate::helpers::bad_input::fixture;
use crate::helpers::conversations::Visitor;
use crate::helpers::{site, MESSAGE_WAIT};
use presenza_tests::api::status_message;
use presenza_tests::ws::{audience_status, frame_type, Frame, Ws};
use serde_json::json;
use std::time::Duration;

#[test]
fn device_socket_survives_or_cleanly_refuses_bad_frames() {
    let fx = fixture();
    // An ungrouped agent, so the site's own audience follows it.
    let marco = fx.site.add_agent("marco", "Marco", &[]);
    let (mut visitor, _) = fx.site.live(None);
    let (mut device, _) = marco.device();
    device.send_json(&status_message("online", None));
    if let Err(e) = visitor.wait_for(Duration::from_secs(3), |v| {
        audience_status(v) == Some("online")
    }) {
        panic!("the device could not set online: {e}");
    }
    for bad in [
        "{not json".to_string(),
        json!({ "type": "status", "status": "away" }).to_string(),
        json!({ "type": "status", "status": 5 }).to_string(),
        json!({ "type": "teleport" }).to_string(),
        json!({ "type": "status", "status": "busy", "message": "x".repeat(20_000) }).to_string(),
        "[]".to_string(),
    ] {
        if device.send_text(&bad).is_err() {
            break;
        }
    }
    // Either the socket is still usable, or it was closed with a policy /
    // data / size code — never an internal error.
    device.send_json(&status_message("busy", Some("valid")));
    let mut closed = None;
    let deadline = std::time::Instant::now() + Duration::from_millis(1500);
    while std::time::Instant::now() < deadline {
        match device.next_frame(Duration::from_millis(200)) {
            Frame::Closed(code) => {
                closed = Some(code);
                break;
            }
            Frame::Text(_) | Frame::Timeout => {}
        }
    }
    match closed {
        Some(code) => assert!(
            matches!(code, Some(1003 | 1007 | 1008 | 1009)),
            "the device socket was closed with {code:?} after bad frames"
        ),
        None => {
            let (v, _) = visitor
                .wait_for(Duration::from_secs(3), |v| {
                    audience_status(v) == Some("busy")
                })
                .unwrap_or_else(|e| panic!("a valid status after bad frames was not applied: {e}"));
            assert_eq!(
                v["message"], "valid",
                "only the valid busy status was applied: {v}"
            );
        }
    }
}

#[test]
fn socket_frames_are_checked() {
    let site = site();
    let ann = Visitor::new(&site);
    let path = format!("/v1/sites/{}/live", site.id);
    let mut ws = Ws::connect(&site.api.base, &path, &[]).unwrap_or_else(|e| panic!("{e}"));
    ws.next_json(MESSAGE_WAIT);
    // Sending before authenticating.
    ws.send_json(&json!({ "type": "send", "client_id": "c_1", "text": "hi" }));
    let e = ws.expect(MESSAGE_WAIT, "an error frame", |v| {
        frame_type(v) == Some("error")
    });
    assert_eq!(e["error"]["code"], "invalid_visitor", "{e}");
    for bad in [
        "{nope".to_string(),
        json!({ "type": "teleport" }).to_string(),
        json!({ "type": "auth", "visitor": "x.y" }).to_string(),
    ] {
        ws.send_text(&bad).unwrap_or_else(|e| panic!("{e}"));
        let e = ws.expect(MESSAGE_WAIT, "an error frame", |v| {
            frame_type(v) == Some("error")
        });
        assert!(e["error"]["code"].is_string(), "{e}");
    }
    // Still usable.
    ws.send_json(&json!({ "type": "auth", "visitor": ann.credential(), "after": 0 }));
    ws.expect(MESSAGE_WAIT, "messages", |v| {
        frame_type(v) == Some("messages")
    });
    ws.send_json(&json!({ "type": "send", "client_id": "c_1", "text": "hi", "name": "Ada", "email": "ada@example.com" }));
    let ack = ws.expect(MESSAGE_WAIT, "an ack", |v| frame_type(v) == Some("ack"));
    assert_eq!(ack["seq"], 1, "{ack}");
    // A bad ?visitor= is refused at the upgrade.
    let bad = Ws::connect(&site.api.base, &format!("{path}?visitor=a.b"), &[]);
    assert_eq!(bad.err().map(|e| e.status()), Some(400));
    ws.close();
}
