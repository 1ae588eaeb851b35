//! Messages left while no agent is online (contact details required, then
//! remembered) or during an agent's grace period (none required): they wait
//! in the inbox, and the device's hello says how many wait.

use crate::helpers::conversations::{agent_messages, agent_reply, contact, inbox, texts, Visitor};
use crate::helpers::site;
use serde_json::json;
use std::time::Duration;

#[test]
fn offline_message_needs_contact_and_waits_for_an_agent() {
    let site = site();
    let giulia = site.add_agent("giulia", "Giulia", &[]);
    site.wait_status(None, "offline", Duration::from_secs(5));
    let ann = Visitor::new(&site);

    let r = ann.say("c_1", "Please call me back");
    assert_eq!(r.status, 400, "{}", r.describe());
    assert_eq!(r.error_code(), Some("contact_required"), "{}", r.describe());
    let r = ann.post(&json!({ "client_id": "c_1", "text": "Please call me back", "name": "Ada", "email": "ada@" }));
    assert_eq!(r.error_code(), Some("invalid_email"), "{}", r.describe());
    let r = ann.post(&json!({ "client_id": "c_1", "text": "Please call me back", "name": "  ", "email": "ada@example.com" }));
    assert_eq!(r.error_code(), Some("contact_required"), "{}", r.describe());
    // Nothing refused was stored.
    let r = ann.messages(0);
    assert_eq!(r.status, 200, "{}", r.describe());
    assert!(r.body["conversation_id"].is_null(), "{}", r.body);

    let r = ann.post(&contact("c_1", "Please call me back"));
    assert_eq!(r.status, 201, "{}", r.describe());
    assert_eq!(r.body["message"]["seq"], 1, "{}", r.body);
    let cid = r.body["conversation_id"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    // Contact details given once are remembered for the next left message.
    let r = ann.say("c_2", "Also: my order number is 42");
    assert_eq!(r.status, 201, "{}", r.describe());
    // An older conversation answered already, to check the order.
    let bob = Visitor::new(&site);
    let r = bob.post(&contact("b_1", "Older question"));
    assert_eq!(r.status, 201, "{}", r.describe());
    let bob_cid = r.body["conversation_id"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    let r = agent_reply(&giulia, &bob_cid, "r_1", "Answered");
    assert_eq!(r.status, 201, "{}", r.describe());
    let cara = Visitor::new(&site);
    let r = cara.post(&contact("k_1", "Newest, unanswered"));
    assert_eq!(r.status, 201, "{}", r.describe());

    // The agent comes online: the hello says what waits, the inbox shows it.
    let (device, hello) = giulia.device();
    assert_eq!(hello["conversations_waiting"], 2, "{hello}");
    let list = inbox(&giulia);
    let ids: Vec<&str> = list
        .iter()
        .map(|c| c["id"].as_str().unwrap_or(""))
        .collect();
    assert_eq!(ids.len(), 3, "{list:?}");
    assert_eq!(
        ids[2], bob_cid,
        "answered conversations come last: {list:?}"
    );
    assert!(
        list[0]["waiting"] == true && list[1]["waiting"] == true,
        "{list:?}"
    );
    let ann_row = list
        .iter()
        .find(|c| c["id"] == cid.as_str())
        .unwrap_or_else(|| panic!("ann's conversation is listed: {list:?}"));
    assert_eq!(ann_row["unread"], 2, "{ann_row}");
    assert_eq!(
        ann_row["visitor"],
        json!({ "id": ann.id, "name": "Ada Lovelace", "email": "ada@example.com" }),
        "{ann_row}"
    );
    assert_eq!(
        ann_row["last_message"]["text"],
        "Also: my order number is 42"
    );
    assert!(ann_row["created_at"].is_string() && ann_row["updated_at"].is_string());
    device.close();
}

#[test]
fn message_during_the_grace_period_waits_for_the_agent() {
    let site = site();
    site.set_grace(60);
    let giulia = site.add_agent("giulia", "Giulia", &[]);
    let (device, _) = giulia.device();
    site.wait_status(None, "online", Duration::from_secs(5));
    // The agent's connection drops without a sign-out: still online.
    device.drop_abruptly();
    std::thread::sleep(Duration::from_millis(500));
    assert_eq!(site.status_now(None)["status"], "online");

    // The visitor writes without contact details (the widget shows online).
    let ann = Visitor::new(&site);
    let r = ann.say("c_1", "Anyone?");
    assert_eq!(r.status, 201, "{}", r.describe());
    let cid = r.body["conversation_id"]
        .as_str()
        .unwrap_or_default()
        .to_string();

    // The agent comes back: the message is waiting for them.
    let (device, hello) = giulia.device();
    assert_eq!(hello["conversations_waiting"], 1, "{hello}");
    let list = inbox(&giulia);
    assert_eq!(list[0]["id"], cid.as_str(), "{list:?}");
    assert_eq!(list[0]["waiting"], true);
    assert_eq!(list[0]["unread"], 1);
    let r = agent_messages(&giulia, &cid, 0);
    assert_eq!(
        texts(&r.body["messages"]),
        vec![(1, "visitor".into(), "Anyone?".into())]
    );
    device.close();
}
