//! The owner answers chats too (`owner-agent`): one switch makes the owner
//! an agent of their own site, and the owner key alone signs a browser in
//! as that agent (`owner-agent/devices`), so a one-person shop signs in
//! once. Switching it off removes the agent and ends its devices.

use crate::helpers::conversations::{agent_reply, contact, conversation_id_of, Visitor};
use crate::helpers::site;
use serde_json::json;

#[test]
fn the_owner_key_signs_in_as_the_owner_s_agent_and_answers_a_chat() {
    let site = site();
    site.add_group("sales", "Sales");
    let made = site.owner(
        "PUT",
        "/owner-agent",
        Some(&json!({ "name": "Olga", "groups": ["sales"] })),
    );
    assert_eq!(made.status, 201, "{}", made.describe());
    assert_eq!(made.body["id"], "owner");
    assert_eq!(made.body["name"], "Olga");
    assert_eq!(made.body["groups"], json!(["sales"]));
    // Its agent token is never shown: the owner key is the way in.
    assert!(made.body["token"].is_null(), "{}", made.body);
    let settings = site.owner_ok("GET", "/settings", None);
    assert_eq!(settings.body["owner_agent"], "owner");

    let device = site.owner(
        "POST",
        "/owner-agent/devices",
        Some(&json!({ "name": "Chrome on Linux" })),
    );
    assert_eq!(device.status, 201, "{}", device.describe());
    let credential = device.body["credential"].as_str().unwrap_or_default();
    assert!(credential.starts_with("pzd_"), "{}", device.body);
    let olga = site.agent_with_token("owner", credential);
    let me = olga.me();
    assert_eq!(me.status, 200, "{}", me.describe());
    assert_eq!(me.body["agent"]["id"], "owner");

    let visitor = Visitor::new(&site);
    let mut hello = contact("c1", "Hello?");
    hello["group"] = json!("sales");
    let sent = visitor.post(&hello);
    assert_eq!(sent.status, 201, "{}", sent.describe());
    let reply = agent_reply(&olga, &conversation_id_of(&sent), "r1", "Hi, Olga here.");
    assert_eq!(reply.status, 201, "{}", reply.describe());
    assert_eq!(
        reply.body["message"]["agent"]["name"], "Olga",
        "{}",
        reply.body
    );
    assert_eq!(
        site.owner_ok("GET", "/onboarding", None).body["chat_answered"],
        true
    );

    // The same switch again updates (200); the owner's name shows at once.
    let renamed = site.owner(
        "PUT",
        "/owner-agent",
        Some(&json!({ "name": "Olga B.", "groups": [] })),
    );
    assert_eq!(renamed.status, 200, "{}", renamed.describe());
    assert_eq!(olga.me().body["agent"]["name"], "Olga B.");

    // Off: the agent and its devices are gone.
    let off = site.owner("DELETE", "/owner-agent", None);
    assert_eq!(off.status, 204, "{}", off.describe());
    assert_eq!(olga.me().status, 401);
    let settings = site.owner_ok("GET", "/settings", None);
    assert!(settings.body["owner_agent"].is_null(), "{}", settings.body);
    let again = site.owner("DELETE", "/owner-agent", None);
    assert_eq!(again.status, 404, "{}", again.describe());
    assert_eq!(again.error_code(), Some("owner_not_agent"));
}

#[test]
fn mistakes_and_wrong_credentials_are_clear_errors() {
    let site = site();
    let no_device = site.owner(
        "POST",
        "/owner-agent/devices",
        Some(&json!({ "name": "Phone" })),
    );
    assert_eq!(no_device.status, 404, "{}", no_device.describe());
    assert_eq!(no_device.error_code(), Some("owner_not_agent"));
    for (body, code) in [
        (json!({}), None),
        (json!({ "name": "" }), None),
        (
            json!({ "name": "Olga", "groups": ["nope"] }),
            Some("unknown_group"),
        ),
        (json!({ "name": "Olga", "picture": "x" }), None),
    ] {
        let r = site.owner("PUT", "/owner-agent", Some(&body));
        assert_eq!(r.status, 400, "{body}: {}", r.describe());
        if let Some(code) = code {
            assert_eq!(r.error_code(), Some(code), "{body}");
        }
    }
    // An agent the owner made by hand with that id is not taken over.
    let ann = site.add_agent("owner", "Ann", &[]);
    let taken = site.owner("PUT", "/owner-agent", Some(&json!({ "name": "Olga" })));
    assert_eq!(taken.status, 409, "{}", taken.describe());
    assert_eq!(taken.error_code(), Some("agent_exists"));
    // Owner key only.
    let path = site.path("/owner-agent");
    let as_agent = site
        .api
        .put(&path, Some(&ann.token), &json!({ "name": "Ann" }));
    assert_eq!(as_agent.status, 403, "{}", as_agent.describe());
    assert_eq!(as_agent.error_code(), Some("wrong_role"));
    let nobody = site.api.put(&path, None, &json!({ "name": "Ann" }));
    assert_eq!(nobody.status, 401, "{}", nobody.describe());
    let get = site.owner("GET", "/owner-agent", None);
    assert_eq!(get.status, 405, "{}", get.describe());
    assert_eq!(get.header("Allow"), Some("PUT, DELETE"));
}
