//! The busy auto-reply: a busy site answers a new conversation once with
//! the agent's busy message (or a default one), as a `system` message of
//! kind `auto_reply` that does not count as a reply.

use crate::helpers::conversations::{device_frame, inbox, texts, visitor_frame, Visitor};
use crate::helpers::{site, MESSAGE_WAIT};
use presenza_tests::api::status_message;
use presenza_tests::ws::frame_type;
use serde_json::{json, Value};
use std::time::Duration;

#[test]
fn busy_sends_the_busy_message_once_per_conversation() {
    let site = site();
    let giulia = site.add_agent("giulia", "Giulia", &[]);
    let (mut device, _) = giulia.device();
    device.send_json(&status_message(
        "busy",
        Some("In a call, back in 10 minutes"),
    ));
    site.wait_status(None, "busy", Duration::from_secs(5));
    let ann = Visitor::new(&site);
    let (mut tab, _) = ann.socket(None, true);

    let r = ann.say("c_1", "Hello?");
    assert_eq!(r.status, 201, "{}", r.describe());
    assert_eq!(
        r.body["message"]["seq"], 1,
        "the answer is the visitor's message"
    );
    let auto = visitor_frame(&mut tab, 2);
    assert_eq!(auto["message"]["from"], "system", "{auto}");
    assert_eq!(
        auto["message"]["text"], "In a call, back in 10 minutes",
        "{auto}"
    );
    assert!(auto["message"]["agent"].is_null(), "{auto}");
    assert_eq!(auto["message"]["kind"], "auto_reply", "{auto}");
    let frame = device_frame(&mut device, "In a call, back in 10 minutes");
    assert_eq!(
        frame["conversation"]["waiting"], true,
        "an auto-reply is no reply: {frame}"
    );
    assert_eq!(frame["message"]["kind"], "auto_reply", "{frame}");
    assert_eq!(
        frame["conversation"]["last_message"]["kind"], "auto_reply",
        "{frame}"
    );

    // Once per conversation, over HTTP and the socket.
    ann.say_ok("c_2", "Still there?");
    tab.send_json(&json!({ "type": "send", "client_id": "c_3", "text": "Hello again" }));
    let ack = tab.expect(MESSAGE_WAIT, "an ack", |v| frame_type(v) == Some("ack"));
    assert_eq!(ack["seq"], 4, "{ack}");
    let all = ann.messages(0);
    let got = texts(&all.body["messages"]);
    assert_eq!(
        got.iter().filter(|(_, from, _)| from == "system").count(),
        1,
        "{got:?}"
    );
    assert_eq!(got.len(), 4, "{got:?}");
    // The kind, as stored: null for the visitor's messages.
    let kinds: Vec<Value> = all.body["messages"]
        .as_array()
        .unwrap_or_else(|| panic!("messages: {}", all.body))
        .iter()
        .map(|m| m["kind"].clone())
        .collect();
    assert_eq!(
        kinds,
        vec![Value::Null, json!("auto_reply"), Value::Null, Value::Null]
    );
    let listed = inbox(&giulia);
    assert_eq!(listed[0]["last_message"]["kind"], Value::Null, "{listed:?}");

    // Another visitor's conversation gets its own.
    let bob = Visitor::new(&site);
    bob.say_ok("c_1", "Hi");
    let r = bob.messages(0);
    assert_eq!(
        texts(&r.body["messages"]),
        vec![
            (1, "visitor".into(), "Hi".into()),
            (2, "system".into(), "In a call, back in 10 minutes".into())
        ]
    );
    // Online again: no auto-reply.
    device.send_json(&status_message("online", None));
    site.wait_status(None, "online", Duration::from_secs(5));
    let cara = Visitor::new(&site);
    cara.say_ok("c_1", "Hi");
    assert_eq!(texts(&cara.messages(0).body["messages"]).len(), 1);
    tab.close();
    device.close();
}

#[test]
fn busy_without_a_message_uses_the_default_reply() {
    let site = site();
    let giulia = site.add_agent("giulia", "Giulia", &[]);
    let (mut device, _) = giulia.device();
    device.send_json(&status_message("busy", None));
    site.wait_status(None, "busy", Duration::from_secs(5));
    let ann = Visitor::new(&site);
    ann.say_ok("c_1", "Hello?");
    let got = texts(&ann.messages(0).body["messages"]);
    assert_eq!(got.len(), 2, "{got:?}");
    assert_eq!(got[1].1, "system");
    assert!(!got[1].2.is_empty(), "{got:?}");
    device.close();
}
