//! The visitor rate limit: 429 `rate_limited` with `Retry-After` over HTTP,
//! an error frame over the socket; retries still answered, nothing refused
//! stored, other visitors unaffected.

use crate::helpers::conversations::{texts, Visitor};
use crate::helpers::{site, MESSAGE_WAIT};
use presenza_tests::ws::frame_type;
use serde_json::json;

#[test]
fn too_many_messages_are_refused_with_retry_after() {
    let site = site();
    let giulia = site.add_agent("giulia", "Giulia", &[]);
    let (device, _) = giulia.device();
    let ann = Visitor::new(&site);
    for i in 1..=10 {
        ann.say_ok(&format!("c_{i}"), &format!("message {i}"));
    }
    let r = ann.say("c_11", "one too many");
    assert_eq!(r.status, 429, "{}", r.describe());
    assert_eq!(r.error_code(), Some("rate_limited"), "{}", r.describe());
    let retry: u64 = r
        .header("Retry-After")
        .and_then(|v| v.parse().ok())
        .unwrap_or_else(|| panic!("Retry-After in {:?}", r.headers));
    assert!((1..=60).contains(&retry), "Retry-After {retry}");
    assert!(
        r.body["error"]["message"]
            .as_str()
            .is_some_and(|m| !m.is_empty()),
        "{}",
        r.body
    );
    // Retries of stored messages are still answered (they are not new).
    let again = ann.say("c_10", "message 10");
    assert_eq!(again.status, 200, "{}", again.describe());
    // Over the socket: an error frame naming the message.
    let (mut tab, _) = ann.socket(None, true);
    tab.send_json(&json!({ "type": "send", "client_id": "c_12", "text": "and another" }));
    let e = tab.expect(MESSAGE_WAIT, "an error frame", |v| {
        frame_type(v) == Some("error")
    });
    assert_eq!(e["error"]["code"], "rate_limited", "{e}");
    assert_eq!(e["client_id"], "c_12", "{e}");
    // Nothing refused was stored; other visitors are not affected.
    assert_eq!(texts(&ann.messages(0).body["messages"]).len(), 10);
    Visitor::new(&site).say_ok("c_1", "I am someone else");
    tab.close();
    device.close();
}
