//! The platform admin's sites (`/v1/sites`): made, listed, named and
//! deleted with the admin token, the name the same one the owner sees; bad
//! input and other credentials are clear errors.

use crate::helpers::site;
use presenza_tests::api::{Api, ADMIN_TOKEN};
use presenza_tests::edge::shared_edge;
use serde_json::{json, Value};

fn listed(api: &Api, id: &str) -> Option<Value> {
    let list = api.get("/v1/sites", Some(ADMIN_TOKEN));
    assert_eq!(list.status, 200, "{}", list.describe());
    list.body["sites"]
        .as_array()
        .unwrap_or_else(|| panic!("a list: {}", list.body))
        .iter()
        .find(|s| s["site_id"] == id)
        .cloned()
}

#[test]
fn sites_are_made_listed_named_and_deleted_by_the_admin() {
    let api = Api::new(shared_edge());
    let made = api.post(
        "/v1/sites",
        Some(ADMIN_TOKEN),
        Some(&json!({ "name": "Corner Shop" })),
    );
    assert_eq!(made.status, 201, "{}", made.describe());
    let id = made.body["site_id"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    let owner_key = made.body["owner_key"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    let entry = listed(&api, &id).expect("the new site is listed");
    assert_eq!(entry["name"], "Corner Shop");
    assert!(entry["created_at"]
        .as_str()
        .is_some_and(|t| t.contains('T')));
    assert!(
        !entry.to_string().contains(&owner_key),
        "no key in the list"
    );

    let path = format!("/v1/sites/{id}");
    let renamed = api.put(&path, Some(ADMIN_TOKEN), &json!({ "name": "Bottega" }));
    assert_eq!(renamed.status, 200, "{}", renamed.describe());
    assert_eq!(renamed.body["name"], "Bottega");
    assert_eq!(listed(&api, &id).expect("listed")["name"], "Bottega");
    // The owner sees the same name, and the owner's own rename is listed.
    let settings = api.get(&format!("{path}/settings"), Some(&owner_key));
    assert_eq!(settings.body["name"], "Bottega", "{}", settings.describe());
    let own = api.put(
        &format!("{path}/settings"),
        Some(&owner_key),
        &json!({ "name": "Bottega Rossi" }),
    );
    assert_eq!(own.status, 200, "{}", own.describe());
    assert_eq!(listed(&api, &id).expect("listed")["name"], "Bottega Rossi");

    let deleted = api.delete(&path, Some(ADMIN_TOKEN));
    assert_eq!(deleted.status, 204, "{}", deleted.describe());
    assert_eq!(listed(&api, &id), None);
    let gone = api.put(&path, Some(ADMIN_TOKEN), &json!({ "name": "Again" }));
    assert_eq!(gone.status, 404, "{}", gone.describe());
    assert_eq!(gone.error_code(), Some("site_not_found"));
}

#[test]
fn bad_names_and_other_credentials_are_clear_errors() {
    let site = site();
    let api = Api::new(shared_edge());
    let path = site.path("");
    for (body, what) in [
        (json!({}), "no name"),
        (json!({ "name": "" }), "blank"),
        (json!({ "name": "x".repeat(81) }), "too long"),
        (json!({ "name": "a\u{202e}b" }), "invisible control"),
        (json!({ "name": "Shop", "owner": "me" }), "unknown field"),
        (json!("Shop"), "not an object"),
    ] {
        let r = api.put(&path, Some(ADMIN_TOKEN), &body);
        assert_eq!(r.status, 400, "{what}: {}", r.describe());
        assert!(r.error_code().is_some(), "{what}");
    }
    let none = api.send("PUT", &path, Some(ADMIN_TOKEN), None);
    assert_eq!(none.status, 400, "{}", none.describe());
    let text = api.send_raw(
        "PUT",
        &path,
        Some(ADMIN_TOKEN),
        &[("Content-Type", "text/plain")],
        Some(b"Shop"),
    );
    assert_eq!(text.status, 415, "{}", text.describe());
    // Owner keys and nothing at all are not the admin token.
    for token in [Some(site.owner_key.as_str()), None] {
        let list = api.get("/v1/sites", token);
        assert_eq!(list.status, 401, "{}", list.describe());
        let rename = api.put(&path, token, &json!({ "name": "Mine" }));
        assert_eq!(rename.status, 401, "{}", rename.describe());
    }
    let unknown = api.put(
        "/v1/sites/s_00000000000000000000000000000000",
        Some(ADMIN_TOKEN),
        &json!({ "name": "Ghost" }),
    );
    assert_eq!(unknown.status, 404, "{}", unknown.describe());
}
