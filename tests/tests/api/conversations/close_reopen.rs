//! Closing and reopening: who is told and how (a system message, `closed`
//! and `reopened` frames, new summaries), idempotent actions, a new
//! conversation after a close, conflicts when the visitor has another open
//! conversation, an agent reply reopening one, and who may act.

use crate::helpers::conversations::{
    action_ok, agent_action, agent_messages, agent_reply, conversation_id_of, device_frame, inbox,
    list_page, list_page_body, texts, visitor_frame, Visitor,
};
use crate::helpers::{sales_and_support, site, MESSAGE_WAIT, SILENCE};
use presenza_tests::ws::frame_type;
use serde_json::{json, Value};
use std::time::Duration;

#[test]
fn closing_tells_the_visitor_and_the_agents_once() {
    let site = site();
    let giulia = site.add_agent("giulia", "Giulia", &[]);
    let marco = site.add_agent("marco", "Marco", &[]);
    let (mut giulia_device, _) = giulia.device();
    let (mut marco_device, _) = marco.device();
    site.wait_status(None, "online", Duration::from_secs(5));
    let ann = Visitor::new(&site);
    let (mut tab, _) = ann.socket(None, true);
    let r = ann.say("c_1", "Where is my parcel?");
    assert_eq!(r.status, 201, "{}", r.describe());
    let cid = conversation_id_of(&r);
    visitor_frame(&mut tab, 1);
    device_frame(&mut giulia_device, "Where is my parcel?");
    device_frame(&mut marco_device, "Where is my parcel?");
    let (_, hello) = giulia.device();
    assert_eq!(hello["conversations_waiting"], 1, "{hello}");

    let closed = action_ok(&giulia, &cid, "close");
    assert_eq!(closed["state"], "closed", "{closed}");
    assert_eq!(
        closed["closed_by"],
        json!({ "id": "giulia", "name": "Giulia" }),
        "{closed}"
    );
    assert!(closed["closed_at"].is_string(), "{closed}");
    assert_eq!(closed["waiting"], false, "{closed}");
    assert_eq!(closed["last_seq"], 2, "{closed}");
    assert_eq!(closed["last_message"]["from"], "system", "{closed}");
    assert_eq!(closed["last_message"]["kind"], "closed", "{closed}");
    assert_eq!(
        closed["last_message"]["text"], "Conversation closed by Giulia.",
        "{closed}"
    );

    // The visitor: the system message, then `closed`.
    let note = visitor_frame(&mut tab, 2);
    assert_eq!(note["conversation_id"], cid.as_str(), "{note}");
    assert_eq!(note["message"]["from"], "system", "{note}");
    assert_eq!(note["message"]["kind"], "closed", "{note}");
    assert_eq!(
        note["message"]["text"], "Conversation closed by Giulia.",
        "{note}"
    );
    let frame = tab.expect(MESSAGE_WAIT, "a closed frame", |v| {
        frame_type(v) == Some("closed")
    });
    assert_eq!(frame["conversation_id"], cid.as_str(), "{frame}");
    // Every device of every agent who serves it: the new summary.
    for device in [&mut giulia_device, &mut marco_device] {
        let frame = device.expect(MESSAGE_WAIT, "a conversation frame", |v| {
            frame_type(v) == Some("conversation")
        });
        assert_eq!(frame["conversation"]["id"], cid.as_str(), "{frame}");
        assert_eq!(frame["conversation"]["state"], "closed", "{frame}");
        assert_eq!(frame["conversation"]["closed_by"]["id"], "giulia");
    }

    // Closing again changes and adds nothing, and tells no one.
    let again = action_ok(&marco, &cid, "close");
    assert_eq!(again["closed_at"], closed["closed_at"], "{again}");
    assert_eq!(again["closed_by"]["id"], "giulia", "{again}");
    assert_eq!(again["last_seq"], 2, "{again}");
    let quiet = tab.collect_for(SILENCE);
    assert!(
        !quiet
            .iter()
            .any(|v| matches!(frame_type(v), Some("message" | "closed"))),
        "nothing new for the visitor: {quiet:?}"
    );
    let history = ann.messages(0);
    assert_eq!(history.status, 200, "{}", history.describe());
    assert_eq!(history.body["conversation_id"], cid.as_str());
    assert_eq!(history.body["state"], "closed", "{}", history.body);
    assert_eq!(
        texts(&history.body["messages"]),
        vec![
            (1, "visitor".into(), "Where is my parcel?".into()),
            (2, "system".into(), "Conversation closed by Giulia.".into()),
        ]
    );
    let agent_view = agent_messages(&marco, &cid, 0);
    assert_eq!(texts(&agent_view.body["messages"]).len(), 2);
    assert_eq!(agent_view.body["messages"][0]["kind"], Value::Null);
    assert_eq!(agent_view.body["messages"][1]["kind"], "closed");
    let listed = list_page_body(&giulia, "state=closed");
    assert_eq!(
        listed["conversations"][0]["last_message"]["kind"], "closed",
        "{listed}"
    );

    // Out of the open inbox, kept among the closed ones; nothing waits.
    assert!(inbox(&giulia).is_empty(), "{:?}", inbox(&giulia));
    assert_eq!(list_page(&giulia, "state=closed").0, vec![cid.clone()]);
    assert_eq!(list_page(&giulia, "state=all").0, vec![cid.clone()]);
    let (_, hello) = giulia.device();
    assert_eq!(hello["conversations_waiting"], 0, "{hello}");
    // A reconnecting visitor learns the state from the auth answer.
    let (_, answer) = ann.socket(None, false);
    assert_eq!(answer["conversation_id"], cid.as_str(), "{answer}");
    assert_eq!(answer["state"], "closed", "{answer}");
    for ws in [tab, giulia_device, marco_device] {
        ws.close();
    }
}

#[test]
fn after_a_close_the_next_message_starts_a_new_conversation_and_reopen_may_conflict() {
    let site = site();
    site.add_group("sales", "Sales");
    let carla = site.add_agent("carla", "Carla", &[]);
    let (mut device, _) = carla.device();
    site.wait_status(None, "online", Duration::from_secs(5));
    let ann = Visitor::new(&site);
    let r = ann.say("c_1", "First question");
    assert_eq!(r.status, 201, "{}", r.describe());
    let first = conversation_id_of(&r);
    action_ok(&carla, &first, "close");
    let (mut tab, answer) = ann.socket(None, true);
    assert_eq!(answer["state"], "closed", "{answer}");

    // The next message (socket) starts a new conversation, seq from 1, in
    // the group it names.
    tab.send_json(
        &json!({ "type": "send", "client_id": "c_2", "text": "Second question", "group": "sales" }),
    );
    let ack = tab.expect(MESSAGE_WAIT, "an ack", |v| {
        frame_type(v) == Some("ack") && v["client_id"] == "c_2"
    });
    let second = ack["conversation_id"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    assert!(!second.is_empty() && second != first, "{ack}");
    assert_eq!(ack["seq"], 1, "{ack}");
    let frame = device_frame(&mut device, "Second question");
    assert_eq!(frame["conversation"]["id"], second.as_str(), "{frame}");
    assert_eq!(frame["conversation"]["group"], "sales", "{frame}");
    assert_eq!(frame["conversation"]["state"], "open", "{frame}");
    let r = ann.say("c_3", "Still there?");
    assert_eq!(r.status, 201, "{}", r.describe());
    assert_eq!(conversation_id_of(&r), second);
    assert_eq!(r.body["message"]["seq"], 2, "{}", r.body);
    // A retry of a message of the closed conversation stays idempotent.
    let r = ann.say("c_1", "First question");
    assert_eq!(r.status, 200, "{}", r.describe());
    assert_eq!(conversation_id_of(&r), first);
    assert_eq!(r.body["message"]["seq"], 1, "{}", r.body);
    let now = ann.messages(0);
    assert_eq!(now.body["conversation_id"], second.as_str(), "{}", now.body);
    assert_eq!(now.body["state"], "open", "{}", now.body);
    assert_eq!(texts(&now.body["messages"]).len(), 2, "{}", now.body);

    // The visitor has another open conversation: reopening conflicts.
    let r = agent_action(&carla, &first, "reopen");
    assert_eq!(r.status, 409, "{}", r.describe());
    assert_eq!(r.error_code(), Some("conversation_conflict"));
    assert_eq!(list_page(&carla, "state=closed").0, vec![first.clone()]);

    // Once that one is closed, the first reopens (no message added).
    action_ok(&carla, &second, "close");
    tab.expect(MESSAGE_WAIT, "the second closed", |v| {
        frame_type(v) == Some("closed") && v["conversation_id"] == second.as_str()
    });
    let reopened = action_ok(&carla, &first, "reopen");
    assert_eq!(reopened["state"], "open", "{reopened}");
    assert!(reopened["closed_at"].is_null(), "{reopened}");
    assert!(reopened["closed_by"].is_null(), "{reopened}");
    assert_eq!(reopened["last_seq"], 2, "{reopened}");
    let frame = tab.expect(MESSAGE_WAIT, "a reopened frame", |v| {
        frame_type(v) == Some("reopened")
    });
    assert_eq!(frame["conversation_id"], first.as_str(), "{frame}");
    device.expect(MESSAGE_WAIT, "the reopened summary", |v| {
        frame_type(v) == Some("conversation")
            && v["conversation"]["id"] == first.as_str()
            && v["conversation"]["state"] == "open"
    });
    // Reopening an open conversation changes nothing.
    let again = action_ok(&carla, &first, "reopen");
    assert_eq!(again["state"], "open", "{again}");
    assert_eq!(again["last_seq"], 2, "{again}");
    // The visitor's next message goes to the reopened conversation.
    let r = ann.say("c_4", "Back to the first");
    assert_eq!(r.status, 201, "{}", r.describe());
    assert_eq!(conversation_id_of(&r), first);
    assert_eq!(r.body["message"]["seq"], 3, "{}", r.body);
    assert_eq!(list_page(&carla, "state=open").0, vec![first.clone()]);
    assert_eq!(list_page(&carla, "state=closed").0, vec![second.clone()]);
    for ws in [tab, device] {
        ws.close();
    }
}

#[test]
fn an_agent_reply_reopens_a_closed_conversation_unless_another_is_open() {
    let site = site();
    let giulia = site.add_agent("giulia", "Giulia", &[]);
    let (mut device, _) = giulia.device();
    site.wait_status(None, "online", Duration::from_secs(5));
    let ann = Visitor::new(&site);
    let (mut tab, _) = ann.socket(None, true);
    let r = ann.say("c_1", "Is it in stock?");
    assert_eq!(r.status, 201, "{}", r.describe());
    let first = conversation_id_of(&r);
    action_ok(&giulia, &first, "close");
    tab.expect(MESSAGE_WAIT, "a closed frame", |v| {
        frame_type(v) == Some("closed")
    });
    device.expect(MESSAGE_WAIT, "the closed summary", |v| {
        frame_type(v) == Some("conversation") && v["conversation"]["state"] == "closed"
    });

    // A reply (HTTP) into the closed conversation reopens it, then goes out.
    let r = agent_reply(&giulia, &first, "r_1", "It is back in stock now.");
    assert_eq!(r.status, 201, "{}", r.describe());
    assert_eq!(r.body["message"]["seq"], 3, "{}", r.body);
    // The visitor: `reopened` first, then the message (expect skips
    // frames, so the message arriving first would fail the second wait).
    let frame = tab.expect(MESSAGE_WAIT, "a reopened frame", |v| {
        frame_type(v) == Some("reopened") || frame_type(v) == Some("message")
    });
    assert_eq!(frame_type(&frame), Some("reopened"), "{frame}");
    assert_eq!(frame["conversation_id"], first.as_str(), "{frame}");
    let message = visitor_frame(&mut tab, 3);
    assert_eq!(message["conversation_id"], first.as_str(), "{message}");
    assert_eq!(message["message"]["text"], "It is back in stock now.");
    let frame = device.expect(MESSAGE_WAIT, "the reopened summary", |v| {
        frame_type(v) == Some("conversation")
    });
    assert_eq!(frame["conversation"]["id"], first.as_str(), "{frame}");
    assert_eq!(frame["conversation"]["state"], "open", "{frame}");
    assert!(frame["conversation"]["closed_by"].is_null(), "{frame}");
    device_frame(&mut device, "It is back in stock now.");
    let history = ann.messages(0);
    assert_eq!(history.body["conversation_id"], first.as_str());
    assert_eq!(history.body["state"], "open", "{}", history.body);
    assert_eq!(
        texts(&history.body["messages"]).len(),
        3,
        "{}",
        history.body
    );
    assert_eq!(list_page(&giulia, "state=open").0, vec![first.clone()]);
    // A retry of that reply is idempotent and changes nothing.
    let r = agent_reply(&giulia, &first, "r_1", "It is back in stock now.");
    assert_eq!(r.status, 200, "{}", r.describe());
    assert_eq!(r.body["message"]["seq"], 3, "{}", r.body);

    // Closed again, and the visitor has started another conversation: a
    // reply into the first is refused and stores nothing (HTTP and socket).
    action_ok(&giulia, &first, "close");
    let r = ann.say("c_2", "Another question");
    assert_eq!(r.status, 201, "{}", r.describe());
    let second = conversation_id_of(&r);
    assert_ne!(second, first);
    let r = agent_reply(&giulia, &first, "r_2", "Too late");
    assert_eq!(r.status, 409, "{}", r.describe());
    assert_eq!(r.error_code(), Some("conversation_conflict"));
    device.send_json(&json!({
        "type": "reply", "conversation_id": first, "client_id": "r_3", "text": "Too late"
    }));
    let error = device.expect(MESSAGE_WAIT, "an error frame", |v| {
        frame_type(v) == Some("error") && v["client_id"] == "r_3"
    });
    assert_eq!(error["error"]["code"], "conversation_conflict", "{error}");
    assert_eq!(error["conversation_id"], first.as_str(), "{error}");
    let stored = agent_messages(&giulia, &first, 0);
    assert_eq!(texts(&stored.body["messages"]).len(), 4, "{}", stored.body);
    assert_eq!(list_page(&giulia, "state=closed").0, vec![first.clone()]);
    assert_eq!(list_page(&giulia, "state=open").0, vec![second.clone()]);

    // Once the second is closed, a socket reply reopens the first.
    action_ok(&giulia, &second, "close");
    tab.expect(MESSAGE_WAIT, "the second closed", |v| {
        frame_type(v) == Some("closed") && v["conversation_id"] == second.as_str()
    });
    device.send_json(&json!({
        "type": "reply", "conversation_id": first, "client_id": "r_4", "text": "Still here"
    }));
    let ack = device.expect(MESSAGE_WAIT, "an ack", |v| {
        frame_type(v) == Some("ack") && v["client_id"] == "r_4"
    });
    assert_eq!(ack["seq"], 5, "{ack}");
    device.expect(MESSAGE_WAIT, "the reopened summary", |v| {
        frame_type(v) == Some("conversation")
            && v["conversation"]["id"] == first.as_str()
            && v["conversation"]["state"] == "open"
    });
    let frame = tab.expect(MESSAGE_WAIT, "reopened", |v| {
        frame_type(v) == Some("reopened")
            || (frame_type(v) == Some("message") && v["conversation_id"] == first.as_str())
    });
    assert_eq!(frame_type(&frame), Some("reopened"), "{frame}");
    visitor_frame(&mut tab, 5);
    assert_eq!(list_page(&giulia, "state=open").0, vec![first.clone()]);
    for ws in [tab, device] {
        ws.close();
    }
}

#[test]
fn only_an_agent_who_serves_a_conversation_may_close_or_reopen_it() {
    let (site, anna, bruno) = sales_and_support();
    let (anna_device, _) = anna.device();
    let buyer = Visitor::new(&site);
    let r = buyer.post(&json!({ "client_id": "c_1", "text": "Price?", "group": "sales" }));
    assert_eq!(r.status, 201, "{}", r.describe());
    let cid = conversation_id_of(&r);
    for action in ["close", "reopen"] {
        // Another group's agent: the conversation does not exist for them.
        let r = agent_action(&bruno, &cid, action);
        assert_eq!(r.status, 404, "{action}: {}", r.describe());
        assert_eq!(r.error_code(), Some("conversation_not_found"));
        // The owner is not an agent; visitors have no token.
        let path = site.path(&format!("/conversations/{cid}/{action}"));
        let r = site.owner("POST", &format!("/conversations/{cid}/{action}"), None);
        assert_eq!(r.status, 403, "owner {action}: {}", r.describe());
        let cred = buyer.credential();
        let r = site
            .api
            .send_raw("POST", &path, None, &[("X-Presenza-Visitor", &cred)], None);
        assert_eq!(r.status, 401, "visitor {action}: {}", r.describe());
        assert!(r.error_code().is_some(), "{}", r.describe());
    }
    // Still open: nobody closed it.
    assert_eq!(inbox(&anna).len(), 1);
    assert!(list_page(&bruno, "state=all").0.is_empty());
    let closed = action_ok(&anna, &cid, "close");
    assert_eq!(closed["state"], "closed", "{closed}");
    assert!(list_page(&bruno, "state=closed").0.is_empty());
    anna_device.close();
}
