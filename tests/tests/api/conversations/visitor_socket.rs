//! Bad frames on the visitor socket are answered with error frames and the
//! socket stays usable; a bad `?visitor=` is refused at the upgrade.

use crate::helpers::conversations::Visitor;
use crate::helpers::{site, MESSAGE_WAIT};
use presenza_tests::ws::{frame_type, Ws};
use serde_json::json;

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
