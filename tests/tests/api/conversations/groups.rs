//! Which agents serve a conversation: its group (fixed by the first
//! message) and the ungrouped agents; to anyone else it does not exist
//! (404), live or listed.

use crate::helpers::conversations::{agent_messages, agent_reply, device_frame, inbox, Visitor};
use crate::helpers::{sales_and_support, site, MESSAGE_WAIT, SILENCE};
use presenza_tests::api::TestAgent;
use presenza_tests::ws::frame_type;
use serde_json::json;

#[test]
fn agents_see_only_the_conversations_they_serve() {
    let (site, anna, bruno) = sales_and_support();
    let carla = site.add_agent("carla", "Carla", &[]);
    let (mut anna_device, _) = anna.device();
    let (mut bruno_device, _) = bruno.device();
    let (mut carla_device, _) = carla.device();

    let buyer = Visitor::new(&site);
    let r = buyer
        .post(&json!({ "client_id": "c_1", "text": "Price of the blue one?", "group": "sales" }));
    assert_eq!(r.status, 201, "{}", r.describe());
    let sales_cid = r.body["conversation_id"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    let user = Visitor::new(&site);
    let r = user.post(&json!({ "client_id": "c_1", "text": "It broke", "group": "support" }));
    assert_eq!(r.status, 201, "{}", r.describe());
    let support_cid = r.body["conversation_id"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    // The group is fixed by the first message.
    let r =
        buyer.post(&json!({ "client_id": "c_2", "text": "Also shipping?", "group": "support" }));
    assert_eq!(r.status, 201, "{}", r.describe());
    let r = buyer.post(&json!({ "client_id": "c_3", "text": "x", "group": "nope" }));
    assert_eq!(
        r.status,
        201,
        "an existing conversation keeps its group: {}",
        r.describe()
    );
    let r = Visitor::new(&site).post(&json!({ "client_id": "c_1", "text": "x", "group": "nope" }));
    assert_eq!(r.error_code(), Some("unknown_group"), "{}", r.describe());

    // Live: each group's agents and the ungrouped agent.
    device_frame(&mut anna_device, "Price of the blue one?");
    device_frame(&mut bruno_device, "It broke");
    device_frame(&mut carla_device, "Price of the blue one?");
    device_frame(&mut carla_device, "It broke");
    let anna_frames = anna_device.collect_for(SILENCE);
    assert!(
        !anna_frames
            .iter()
            .any(|v| v["message"]["text"] == "It broke"),
        "a sales agent never gets support's messages: {anna_frames:?}"
    );

    let ids = |agent: &TestAgent| -> Vec<String> {
        inbox(agent)
            .iter()
            .map(|c| c["id"].as_str().unwrap_or_default().to_string())
            .collect()
    };
    assert_eq!(ids(&anna), vec![sales_cid.clone()]);
    assert_eq!(ids(&bruno), vec![support_cid.clone()]);
    let mut both = ids(&carla);
    both.sort();
    let mut expected = vec![sales_cid.clone(), support_cid.clone()];
    expected.sort();
    assert_eq!(both, expected);
    assert_eq!(inbox(&anna)[0]["group"], "sales");

    // Not served = does not exist: 404 for reading, replying, marking read.
    let r = agent_messages(&anna, &support_cid, 0);
    assert_eq!(r.status, 404, "{}", r.describe());
    assert_eq!(r.error_code(), Some("conversation_not_found"));
    let r = agent_reply(&anna, &support_cid, "r_1", "hi");
    assert_eq!(
        r.error_code(),
        Some("conversation_not_found"),
        "{}",
        r.describe()
    );
    let r = anna.request(
        "POST",
        &format!("/conversations/{support_cid}/read"),
        None,
        Some(&json!({ "seq": 1 })),
    );
    assert_eq!(
        r.error_code(),
        Some("conversation_not_found"),
        "{}",
        r.describe()
    );
    let r = agent_messages(&anna, "c_00000000000000000000000000000000", 0);
    assert_eq!(
        r.error_code(),
        Some("conversation_not_found"),
        "{}",
        r.describe()
    );
    anna_device.send_json(&json!({
        "type": "reply", "conversation_id": support_cid, "client_id": "r_2", "text": "hi"
    }));
    let e = anna_device.expect(MESSAGE_WAIT, "an error frame", |v| {
        frame_type(v) == Some("error")
    });
    assert_eq!(e["error"]["code"], "conversation_not_found", "{e}");
    assert_eq!(e["client_id"], "r_2", "{e}");
    assert_eq!(agent_messages(&carla, &support_cid, 0).status, 200);
    assert_eq!(
        agent_reply(&carla, &support_cid, "r_1", "On it").status,
        201
    );
    device_frame(&mut bruno_device, "On it");

    // Roles: the owner key is not an agent token; no token at all is 401.
    let r = site.owner("GET", "/conversations", None);
    assert_eq!(r.status, 403, "{}", r.describe());
    let r = site.api.get(&site.path("/conversations"), None);
    assert_eq!(r.status, 401, "{}", r.describe());
    for ws in [anna_device, bruno_device, carla_device] {
        ws.close();
    }
}

#[test]
fn whole_site_conversations_go_to_ungrouped_agents_when_the_site_has_groups() {
    let site = site();
    site.add_group("sales", "Sales");
    let anna = site.add_agent("anna", "Anna", &["sales"]);
    let carla = site.add_agent("carla", "Carla", &[]);
    let (carla_device, _) = carla.device();
    let ann = Visitor::new(&site);
    let r = ann.say("c_1", "General question");
    assert_eq!(r.status, 201, "{}", r.describe());
    let cid = r.body["conversation_id"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    assert!(inbox(&anna).is_empty());
    assert_eq!(inbox(&carla).len(), 1);
    assert_eq!(agent_messages(&anna, &cid, 0).status, 404);
    carla_device.close();
}
