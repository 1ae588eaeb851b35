//! Live delivery both ways: a visitor's message reaches the agent's devices
//! and the visitor's other tabs at once, replies (socket or HTTP) reach
//! every tab, the sender gets an ack instead of a copy, and both sides read
//! the same history.

use crate::helpers::conversations::{
    agent_messages, agent_reply, device_frame, inbox, texts, visitor_frame, Visitor,
};
use crate::helpers::{site, MESSAGE_WAIT, SILENCE};
use presenza_tests::ws::frame_type;
use serde_json::json;
use std::time::Duration;

#[test]
fn visitor_and_agent_talk_live() {
    let site = site();
    let giulia = site.add_agent("giulia", "Giulia", &[]);
    let (mut device, hello) = giulia.device();
    assert_eq!(hello["conversations_waiting"], 0, "{hello}");
    site.wait_status(None, "online", Duration::from_secs(5));
    let ann = Visitor::new(&site);
    let (mut tab1, first) = ann.socket(None, true);
    assert_eq!(first["type"], "messages", "{first}");
    assert!(first["conversation_id"].is_null(), "{first}");
    // A second tab, opened without ?visitor= (the plain contract).
    let (mut tab2, _) = ann.socket(None, false);

    // The visitor writes over HTTP: the agent's device hears it at once.
    let sent = ann.say_ok("c_1", "Hello, is anyone there?");
    assert_eq!(sent["seq"], 1, "{sent}");
    assert_eq!(sent["from"], "visitor", "{sent}");
    assert_eq!(sent["client_id"], "c_1", "{sent}");
    assert!(sent["agent"].is_null(), "{sent}");
    let frame = device_frame(&mut device, "Hello, is anyone there?");
    let conversation = frame["conversation"].clone();
    let cid = conversation["id"].as_str().unwrap_or_default().to_string();
    assert!(!cid.is_empty(), "{frame}");
    assert_eq!(conversation["waiting"], true, "{frame}");
    assert_eq!(conversation["unread"], 1, "{frame}");
    assert_eq!(conversation["visitor"]["id"], ann.id.as_str(), "{frame}");
    assert_eq!(conversation["last_seq"], 1, "{frame}");
    assert!(conversation["group"].is_null(), "{frame}");
    // Both tabs see it too.
    visitor_frame(&mut tab1, 1);
    let copy = visitor_frame(&mut tab2, 1);
    assert_eq!(copy["conversation_id"], cid.as_str(), "{copy}");

    // The agent replies from the device: ack to it, the reply to both tabs.
    device.send_json(&json!({
        "type": "reply", "conversation_id": cid, "client_id": "r_1", "text": "Hi! How can I help?"
    }));
    let ack = device.expect(MESSAGE_WAIT, "an ack of the reply", |v| {
        frame_type(v) == Some("ack") && v["client_id"] == "r_1"
    });
    assert_eq!(ack["seq"], 2, "{ack}");
    assert_eq!(ack["conversation_id"], cid.as_str(), "{ack}");
    for tab in [&mut tab1, &mut tab2] {
        let reply = visitor_frame(tab, 2);
        assert_eq!(reply["message"]["from"], "agent", "{reply}");
        assert_eq!(reply["message"]["text"], "Hi! How can I help?", "{reply}");
        assert_eq!(
            reply["message"]["agent"],
            json!({ "id": "giulia", "name": "Giulia" }),
            "{reply}"
        );
    }

    // The visitor writes from tab 1's socket: ack there, the copy in tab 2.
    tab1.send_json(
        &json!({ "type": "send", "client_id": "c_2", "text": "My order is late", "group": null }),
    );
    let ack = tab1.expect(MESSAGE_WAIT, "an ack of the visitor message", |v| {
        frame_type(v) == Some("ack") && v["client_id"] == "c_2"
    });
    assert_eq!(ack["seq"], 3, "{ack}");
    visitor_frame(&mut tab2, 3);
    let frame = device_frame(&mut device, "My order is late");
    assert_eq!(frame["conversation"]["waiting"], true, "{frame}");
    let echoed = tab1.collect_for(SILENCE);
    assert!(
        !echoed
            .iter()
            .any(|v| frame_type(v) == Some("message") && v["message"]["seq"] == 3),
        "the sending tab gets an ack, not a copy: {echoed:?}"
    );

    // An HTTP reply reaches the tabs and the device.
    let r = agent_reply(&giulia, &cid, "r_2", "Let me check.");
    assert_eq!(r.status, 201, "{}", r.describe());
    assert_eq!(r.body["message"]["seq"], 4, "{}", r.body);
    visitor_frame(&mut tab1, 4);
    device_frame(&mut device, "Let me check.");

    // Both sides read the same history.
    let visitor_view = ann.messages(0);
    assert_eq!(visitor_view.status, 200, "{}", visitor_view.describe());
    assert_eq!(visitor_view.body["conversation_id"], cid.as_str());
    let expected = vec![
        (
            1,
            "visitor".to_string(),
            "Hello, is anyone there?".to_string(),
        ),
        (2, "agent".to_string(), "Hi! How can I help?".to_string()),
        (3, "visitor".to_string(), "My order is late".to_string()),
        (4, "agent".to_string(), "Let me check.".to_string()),
    ];
    assert_eq!(texts(&visitor_view.body["messages"]), expected);
    let agent_view = agent_messages(&giulia, &cid, 0);
    assert_eq!(agent_view.status, 200, "{}", agent_view.describe());
    assert_eq!(texts(&agent_view.body["messages"]), expected);
    let after = ann.messages(2);
    assert_eq!(texts(&after.body["messages"]), expected[2..].to_vec());
    // The agent answered last: not waiting; the reply marked it read.
    let list = inbox(&giulia);
    assert_eq!(list.len(), 1, "{list:?}");
    assert_eq!(list[0]["waiting"], false, "{:?}", list[0]);
    assert_eq!(list[0]["unread"], 0, "{:?}", list[0]);
    assert_eq!(list[0]["last_message"]["text"], "Let me check.");
    for ws in [tab1, tab2, device] {
        ws.close();
    }
}
