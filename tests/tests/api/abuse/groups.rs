//! Deleting a group never widens anyone's access: an agent whose only group
//! it is would be left in no group, which serves every group; the owner
//! moves such agents first (409). Agents in other groups too just lose it.

use crate::helpers::conversations::{inbox, Visitor};
use crate::helpers::site;
use serde_json::json;

#[test]
fn deleting_an_agents_only_group_is_refused() {
    let site = site();
    site.add_group("sales", "Sales");
    site.add_group("support", "Support");
    let only_sales = site.add_agent("giulia", "Giulia", &["sales"]);
    let both = site.add_agent("marco", "Marco", &["sales", "support"]);
    // A support conversation Giulia must never see.
    let ann = Visitor::new(&site);
    let r = ann.post(&json!({
        "client_id": "c_1", "text": "about my ticket", "group": "support",
        "name": "Ann", "email": "ann@example.com"
    }));
    assert!(r.is_success(), "{}", r.describe());

    let r = site.owner("DELETE", "/groups/sales", None);
    assert_eq!(r.status, 409, "{}", r.describe());
    assert_eq!(r.error_code(), Some("group_in_use"), "{}", r.describe());
    let message = r.body["error"]["message"].as_str().unwrap_or_default();
    assert!(message.contains("giulia"), "names the agent: {message}");
    assert!(
        !message.contains("marco"),
        "marco has another group: {message}"
    );
    // Nothing changed: Giulia still sees only sales conversations.
    assert!(
        inbox(&only_sales).is_empty(),
        "giulia sees support conversations"
    );

    // Once Giulia has another group, sales can go; Marco keeps support.
    site.add_group("billing", "Billing");
    site.owner_ok(
        "PUT",
        "/agents/giulia",
        Some(&json!({"name": "Giulia", "groups": ["sales", "billing"]})),
    );
    site.owner_ok("DELETE", "/groups/sales", None);
    let marco = site.owner_ok("GET", "/agents/marco", None);
    assert_eq!(marco.body["groups"], json!(["support"]), "{}", marco.body);
    let giulia = site.owner_ok("GET", "/agents/giulia", None);
    assert_eq!(giulia.body["groups"], json!(["billing"]), "{}", giulia.body);
    assert!(
        inbox(&only_sales).is_empty(),
        "giulia (billing) sees support conversations"
    );
    assert_eq!(
        inbox(&both).len(),
        1,
        "marco (support) sees the support conversation"
    );
}

#[test]
fn names_refuse_invisible_formatting_characters() {
    let site = site();
    // U+202E would make "Giulia" read "ailuiG" in everyone else's console.
    for (path, body) in [
        (
            "/agents/giulia",
            json!({ "name": "\u{202E}ailuiG", "groups": [] }),
        ),
        ("/groups/sales", json!({ "name": "Sa\u{200B}les" })),
        ("/settings", json!({ "name": "Shop\u{2066}" })),
    ] {
        let r = site.owner("PUT", path, Some(&body));
        assert_eq!(r.status, 400, "PUT {path} {body}: {}", r.describe());
        assert_eq!(r.error_code(), Some("invalid_field"), "{}", r.describe());
    }
    // A visitor's name too.
    let r = Visitor::new(&site).post(&json!({
        "client_id": "c_1", "text": "hi", "name": "Ann\u{202E}", "email": "ann@example.com"
    }));
    assert_eq!(r.status, 400, "{}", r.describe());
    assert_eq!(r.error_code(), Some("invalid_name"), "{}", r.describe());
    // Right-to-left names are fine.
    site.owner_ok("PUT", "/groups/support", Some(&json!({ "name": "دعم" })));
}
