//! Retries with the same `client_id` (visitor or agent, HTTP or socket)
//! return the stored message and push nothing again.

use crate::helpers::conversations::{agent_reply, device_frame, texts, Visitor};
use crate::helpers::{site, MESSAGE_WAIT, SILENCE};
use presenza_tests::ws::frame_type;
use serde_json::json;

#[test]
fn retries_with_the_same_client_id_are_idempotent() {
    let site = site();
    let giulia = site.add_agent("giulia", "Giulia", &[]);
    let (mut device, _) = giulia.device();
    let ann = Visitor::new(&site);
    let first = ann.say("c_1", "Hello");
    assert_eq!(first.status, 201, "{}", first.describe());
    device_frame(&mut device, "Hello");
    let again = ann.say("c_1", "Hello");
    assert_eq!(
        again.status,
        200,
        "a retry answers 200: {}",
        again.describe()
    );
    assert_eq!(again.body, first.body, "a retry returns the stored message");
    let cid = first.body["conversation_id"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    // Nothing new was pushed for the retry.
    let pushed = device.collect_for(SILENCE);
    assert!(
        !pushed.iter().any(|v| frame_type(v) == Some("message")),
        "a retry is not pushed again: {pushed:?}"
    );
    // Over the socket too.
    let (mut tab, _) = ann.socket(None, true);
    tab.send_json(&json!({ "type": "send", "client_id": "c_1", "text": "Hello" }));
    let ack = tab.expect(MESSAGE_WAIT, "an ack", |v| frame_type(v) == Some("ack"));
    assert_eq!(ack["seq"], 1, "{ack}");
    // The agent's replies: the same client id as the visitor's is another
    // message; its own retry is not.
    let r1 = agent_reply(&giulia, &cid, "c_1", "Hi");
    assert_eq!(r1.status, 201, "{}", r1.describe());
    assert_eq!(r1.body["message"]["seq"], 2);
    let r2 = agent_reply(&giulia, &cid, "c_1", "Hi");
    assert_eq!(r2.status, 200, "{}", r2.describe());
    assert_eq!(r2.body["message"]["seq"], 2);
    device.send_json(
        &json!({ "type": "reply", "conversation_id": cid, "client_id": "c_1", "text": "Hi" }),
    );
    let ack = device.expect(MESSAGE_WAIT, "an ack", |v| frame_type(v) == Some("ack"));
    assert_eq!(ack["seq"], 2, "{ack}");
    let all = ann.messages(0);
    assert_eq!(
        texts(&all.body["messages"]),
        vec![
            (1, "visitor".into(), "Hello".into()),
            (2, "agent".into(), "Hi".into())
        ]
    );
    tab.close();
    device.close();
}
