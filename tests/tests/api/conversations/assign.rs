//! Assigning a conversation to an agent and transferring it to a group
//! (`POST conversations/{id}/assign`): the visitor is told once, by a
//! stored system note (live and in their history); every device of every
//! agent who serves it gets the new summary at once; a transfer moves the
//! conversation to the group's agents (and out of the others' inbox); the
//! inbox lists "assigned to me" and "unassigned"; who may act and what is
//! refused.

use crate::helpers::conversations::{
    agent_messages, conversation_id_of, device_frame, inbox, list_page, visitor_frame, Visitor,
};
use crate::helpers::{sales_and_support, site, MESSAGE_WAIT, SILENCE};
use presenza_tests::api::{Reply, TestAgent};
use presenza_tests::ws::{frame_type, Ws};
use serde_json::{json, Value};
use std::time::Duration;

fn assign(agent: &TestAgent, conversation: &str, body: &Value) -> Reply {
    agent.request(
        "POST",
        &format!("/conversations/{conversation}/assign"),
        None,
        Some(body),
    )
}

#[track_caller]
fn assign_ok(agent: &TestAgent, conversation: &str, body: &Value) -> Value {
    let r = assign(agent, conversation, body);
    assert_eq!(r.status, 200, "assign {body}: {}", r.describe());
    assert_eq!(r.body["conversation"]["id"], conversation, "{}", r.body);
    r.body["conversation"].clone()
}

/// The next `conversation` frame of a device, for `conversation`.
#[track_caller]
fn summary_frame(ws: &mut Ws, conversation: &str) -> Value {
    ws.expect(MESSAGE_WAIT, "a conversation frame", |v| {
        frame_type(v) == Some("conversation") && v["conversation"]["id"] == conversation
    })["conversation"]
        .clone()
}

/// The system notes of kind `kind` in a list of messages.
fn notes<'a>(messages: &'a Value, kind: &str) -> Vec<&'a Value> {
    messages
        .as_array()
        .map(|all| all.iter().filter(|m| m["kind"] == kind).collect())
        .unwrap_or_default()
}

#[test]
fn assigning_tells_the_visitor_once_and_every_device_at_once() {
    let site = site();
    let giulia = site.add_agent("giulia", "Giulia", &[]);
    let marco = site.add_agent("marco", "Marco", &[]);
    let (mut giulia_desk, _) = giulia.device();
    let (mut giulia_phone, _) = giulia.device();
    let (mut marco_device, _) = marco.device();
    site.wait_status(None, "online", Duration::from_secs(5));
    let ann = Visitor::new(&site);
    let (mut tab, _) = ann.socket(None, true);
    let r = ann.say("c_1", "Can someone from billing help?");
    assert_eq!(r.status, 201, "{}", r.describe());
    let cid = conversation_id_of(&r);
    visitor_frame(&mut tab, 1);
    for device in [&mut giulia_desk, &mut giulia_phone, &mut marco_device] {
        device_frame(device, "Can someone from billing help?");
    }
    assert!(inbox(&giulia)[0].get("assignee").is_none());
    // Who it may go to: both agents, online, by name.
    let r = giulia.request("GET", &format!("/conversations/{cid}/assign"), None, None);
    assert_eq!(r.status, 200, "{}", r.describe());
    assert_eq!(
        r.body,
        json!({ "agents": [
            { "id": "giulia", "name": "Giulia", "status": "online" },
            { "id": "marco", "name": "Marco", "status": "online" },
        ], "groups": [] })
    );

    // Giulia assigns it to Marco.
    let summary = assign_ok(&giulia, &cid, &json!({ "agent": "marco" }));
    assert_eq!(
        summary["assignee"],
        json!({ "id": "marco", "name": "Marco" }),
        "{summary}"
    );
    assert_eq!(summary["last_seq"], 2, "{summary}");
    assert_eq!(summary["last_message"]["kind"], "assigned", "{summary}");
    assert_eq!(summary["waiting"], true, "a note is not a reply: {summary}");

    // The visitor: the note, live, with the name to word it by.
    let note = visitor_frame(&mut tab, 2)["message"].clone();
    assert_eq!(note["from"], "system", "{note}");
    assert_eq!(note["kind"], "assigned", "{note}");
    assert_eq!(note["subject"], "Marco", "{note}");
    assert_eq!(note["text"], "Marco joined the conversation.", "{note}");

    // Every device of both agents, Giulia's other device included.
    for device in [&mut giulia_desk, &mut giulia_phone, &mut marco_device] {
        let live = summary_frame(device, &cid);
        assert_eq!(live["assignee"]["id"], "marco", "{live}");
    }

    // Asked again (Marco's own device retrying): nothing new, told nobody.
    let again = assign_ok(&marco, &cid, &json!({ "agent": "marco" }));
    assert_eq!(again["last_seq"], 2, "{again}");
    let quiet = tab.collect_for(SILENCE);
    assert!(
        !quiet.iter().any(|f| frame_type(f) == Some("message")),
        "the visitor is told once: {quiet:?}"
    );

    // In the visitor's history after a reload: exactly one note.
    let history = ann.messages(0);
    assert_eq!(history.status, 200, "{}", history.describe());
    let told = notes(&history.body["messages"], "assigned");
    assert_eq!(told.len(), 1, "{}", history.body);
    assert_eq!(told[0]["subject"], "Marco");

    // The inbox filters.
    let (mine, _) = list_page(&marco, "assigned=me");
    assert_eq!(mine, vec![cid.clone()]);
    let (giulias, _) = list_page(&giulia, "assigned=me");
    assert!(giulias.is_empty(), "{giulias:?}");
    let (nobodys, _) = list_page(&giulia, "assigned=none");
    assert!(nobodys.is_empty(), "{nobodys:?}");
    assert_eq!(inbox(&giulia)[0]["assignee"]["name"], "Marco");

    // Unassigned: the devices hear it, the visitor is told nothing.
    let unassigned = assign_ok(&giulia, &cid, &json!({ "agent": null }));
    assert!(unassigned.get("assignee").is_none(), "{unassigned}");
    let live = summary_frame(&mut marco_device, &cid);
    assert!(live.get("assignee").is_none(), "{live}");
    let quiet = tab.collect_for(SILENCE);
    assert!(
        !quiet.iter().any(|f| frame_type(f) == Some("message")),
        "{quiet:?}"
    );
    let (nobodys, _) = list_page(&giulia, "assigned=none");
    assert_eq!(nobodys, vec![cid.clone()]);

    // Giulia takes it herself: told again, now with her name.
    let taken = assign_ok(&giulia, &cid, &json!({ "agent": "giulia" }));
    assert_eq!(taken["assignee"]["id"], "giulia", "{taken}");
    let note = visitor_frame(&mut tab, 3)["message"].clone();
    assert_eq!(note["text"], "Giulia joined the conversation.", "{note}");
}

#[test]
fn a_transfer_moves_the_conversation_to_the_group() {
    let (site, anna, bruno) = sales_and_support();
    let carla = site.add_agent("carla", "Carla", &[]);
    let (mut anna_device, _) = anna.device();
    let (mut bruno_device, _) = bruno.device();
    let (mut carla_device, _) = carla.device();
    let ann = Visitor::new(&site);
    let (mut tab, _) = ann.socket(Some("support"), true);
    let r = ann
        .post(&json!({ "client_id": "c_1", "text": "I want to buy 40 seats", "group": "support" }));
    assert_eq!(r.status, 201, "{}", r.describe());
    let cid = conversation_id_of(&r);
    visitor_frame(&mut tab, 1);
    device_frame(&mut bruno_device, "I want to buy 40 seats");
    device_frame(&mut carla_device, "I want to buy 40 seats");
    assert_eq!(agent_messages(&anna, &cid, 0).status, 404, "not Anna's yet");
    assign_ok(&bruno, &cid, &json!({ "agent": "bruno" }));
    visitor_frame(&mut tab, 2);

    // Bruno sends it to Sales: unassigned there.
    let moved = assign_ok(&bruno, &cid, &json!({ "group": "sales" }));
    assert_eq!(moved["group"], "sales", "{moved}");
    assert!(moved.get("assignee").is_none(), "{moved}");
    let note = visitor_frame(&mut tab, 3)["message"].clone();
    assert_eq!(note["kind"], "transferred", "{note}");
    assert_eq!(note["subject"], "Sales", "{note}");
    assert_eq!(note["text"], "You've been transferred to Sales.", "{note}");

    // Anna (sales) gets it live; Bruno's device lets it go; Carla (no
    // group) keeps it.
    let arrived = device_frame(&mut anna_device, "You've been transferred to Sales.");
    assert_eq!(arrived["conversation"]["group"], "sales", "{arrived}");
    let gone = bruno_device.expect(MESSAGE_WAIT, "a transferred frame", |v| {
        frame_type(v) == Some("transferred")
    });
    assert_eq!(gone["conversation_id"], cid.as_str(), "{gone}");
    carla_device.expect(MESSAGE_WAIT, "the summary in Sales", |v| {
        frame_type(v) == Some("conversation") && v["conversation"]["group"] == "sales"
    });
    assert_eq!(inbox(&anna)[0]["id"], cid.as_str());
    let r = anna.request("GET", &format!("/conversations/{cid}/assign"), None, None);
    assert_eq!(r.status, 200, "{}", r.describe());
    let names: Vec<&str> = r.body["agents"]
        .as_array()
        .map(|a| a.iter().filter_map(|x| x["name"].as_str()).collect())
        .unwrap_or_default();
    assert_eq!(names, ["Anna", "Carla"], "Sales' agents and the ungrouped");
    assert_eq!(
        r.body["groups"],
        json!([{ "id": "sales", "name": "Sales" }, { "id": "support", "name": "Support" }])
    );
    assert!(inbox(&bruno).is_empty(), "out of Bruno's inbox");
    assert_eq!(agent_messages(&bruno, &cid, 0).status, 404);
    let r = bruno.request("GET", &format!("/conversations/{cid}/assign"), None, None);
    assert_eq!(r.status, 404, "{}", r.describe());
    // Bruno cannot act on it any more.
    let r = assign(&bruno, &cid, &json!({ "agent": "bruno" }));
    assert_eq!(r.status, 404, "{}", r.describe());
    assert_eq!(r.error_code(), Some("conversation_not_found"));

    // The visitor's next message goes to Sales.
    let r = ann.say("c_2", "Hello?");
    assert_eq!(r.status, 201, "{}", r.describe());
    device_frame(&mut anna_device, "Hello?");
    let bruno_frames = bruno_device.collect_for(SILENCE);
    assert!(
        !bruno_frames
            .iter()
            .any(|f| f["message"]["text"] == "Hello?"),
        "{bruno_frames:?}"
    );

    // Back to Support, straight to Bruno: two notes, in order.
    let back = assign_ok(
        &carla,
        &cid,
        &json!({ "group": "support", "agent": "bruno" }),
    );
    assert_eq!(back["group"], "support", "{back}");
    assert_eq!(back["assignee"]["id"], "bruno", "{back}");
    let first = visitor_frame(&mut tab, 5)["message"].clone();
    let second = visitor_frame(&mut tab, 6)["message"].clone();
    assert_eq!(first["text"], "You've been transferred to Support.");
    assert_eq!(second["text"], "Bruno joined the conversation.");
    let history = ann.messages(0);
    assert_eq!(notes(&history.body["messages"], "transferred").len(), 2);
    assert_eq!(notes(&history.body["messages"], "assigned").len(), 2);
}

#[test]
fn who_may_assign_and_what_is_refused() {
    let (site, anna, bruno) = sales_and_support();
    let (_bruno_device, _) = bruno.device();
    let ann = Visitor::new(&site);
    let r = ann.post(&json!({ "client_id": "c_1", "text": "Hi", "group": "support" }));
    assert_eq!(r.status, 201, "{}", r.describe());
    let cid = conversation_id_of(&r);

    let refused = |agent: &TestAgent, body: Value, status: u16, code: &str| {
        let r = assign(agent, &cid, &body);
        assert_eq!(r.status, status, "{body}: {}", r.describe());
        assert_eq!(r.error_code(), Some(code), "{body}: {}", r.describe());
        let message = r.body["error"]["message"].as_str().unwrap_or_default();
        assert!(!message.is_empty(), "{}", r.describe());
    };
    // Anna does not serve Support: for her it does not exist.
    refused(
        &anna,
        json!({ "agent": "anna" }),
        404,
        "conversation_not_found",
    );
    refused(
        &anna,
        json!({ "group": "sales" }),
        404,
        "conversation_not_found",
    );
    refused(&bruno, json!({ "agent": "nobody" }), 404, "agent_not_found");
    refused(
        &bruno,
        json!({ "agent": "NOT AN ID" }),
        404,
        "agent_not_found",
    );
    refused(&bruno, json!({ "group": "nope" }), 404, "unknown_group");
    // Anna could not see it in Support.
    refused(&bruno, json!({ "agent": "anna" }), 409, "agent_not_serving");
    refused(
        &bruno,
        json!({ "group": "support", "agent": "anna" }),
        409,
        "agent_not_serving",
    );
    refused(&bruno, json!({}), 400, "invalid_field");
    refused(&bruno, json!({ "agent": 7 }), 400, "invalid_type");
    refused(&bruno, json!({ "agnet": "bruno" }), 400, "unknown_field");
    let r = assign(&bruno, "c_doesnotexist", &json!({ "agent": "bruno" }));
    assert_eq!(r.status, 404, "{}", r.describe());
    // Nothing above was stored or told.
    assert_eq!(
        ann.messages(0).body["messages"].as_array().map(Vec::len),
        Some(1)
    );

    // A closed conversation: reopen it first.
    let r = bruno.request("POST", &format!("/conversations/{cid}/close"), None, None);
    assert_eq!(r.status, 200, "{}", r.describe());
    refused(
        &bruno,
        json!({ "agent": "bruno" }),
        409,
        "conversation_closed",
    );

    // Only agents: the owner key and a visitor's credential are refused.
    let r = site.owner(
        "POST",
        &format!("/conversations/{cid}/assign"),
        Some(&json!({ "agent": "bruno" })),
    );
    assert_eq!(r.status, 403, "{}", r.describe());
    let r = site.api.post(
        &site.path(&format!("/conversations/{cid}/assign")),
        None,
        Some(&json!({ "agent": "bruno" })),
    );
    assert_eq!(r.status, 401, "{}", r.describe());
}

#[test]
fn an_assignment_reaches_the_webhook_once() {
    let rx = presenza_tests::hook::Receiver::start();
    let site = site();
    site.add_group("sales", "Sales");
    site.owner_ok(
        "PUT",
        "/webhooks",
        Some(&json!({ "endpoints": [{ "url": rx.url, "events": ["conversation_assigned"], "format": "json" }] })),
    );
    let giulia = site.add_agent("giulia", "Giulia", &[]);
    let (_device, _) = giulia.device();
    let ann = Visitor::new(&site);
    let r = ann.say("c_1", "Hi");
    assert_eq!(r.status, 201, "{}", r.describe());
    let cid = conversation_id_of(&r);
    assign_ok(
        &giulia,
        &cid,
        &json!({ "group": "sales", "agent": "giulia" }),
    );
    // Again: nothing changes, nothing is sent.
    assign_ok(
        &giulia,
        &cid,
        &json!({ "group": "sales", "agent": "giulia" }),
    );
    let delivered = presenza_tests::api::poll_until(
        Duration::from_secs(15),
        Duration::from_millis(200),
        || {
            let got = rx.received();
            if got.is_empty() {
                Err("no delivery yet".to_string())
            } else {
                Ok(got)
            }
        },
    )
    .unwrap_or_else(|e| panic!("{e}"));
    std::thread::sleep(SILENCE);
    let got = rx.received();
    assert_eq!(got.len(), 1, "once: {got:#?}");
    assert_eq!(
        delivered[0].header("presenza-event"),
        Some("conversation_assigned")
    );
    let body: Value = serde_json::from_str(&got[0].body).expect("JSON");
    assert_eq!(body["event"], "conversation_assigned", "{body}");
    assert_eq!(
        body["data"],
        json!({ "conversation_id": cid, "group": "sales", "group_name": "Sales",
            "agent": "giulia", "agent_name": "Giulia", "by": "giulia" }),
        "{body}"
    );
}
