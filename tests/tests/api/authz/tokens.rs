//! Agent tokens: a rotated token replaces the old one, a deleted agent's
//! token is refused (HTTP and device socket), tokens are handed out only on
//! creation and never listed, and a credential counts only where it belongs
//! (not the owner key in a query string, not a non-Bearer scheme, not the
//! owner key on the device socket).

use presenza_tests::api::{unique, TestSite};
use presenza_tests::edge::shared_edge;
use presenza_tests::ws::{encode_query, Ws};
use serde_json::json;

#[test]
fn revoked_and_rotated_tokens_are_refused() {
    let base = shared_edge();
    let site = TestSite::create(base);
    let giulia = site.add_agent(&unique("giulia"), "Giulia", &[]);
    assert_eq!(giulia.me().status, 200);

    let rotated = site.owner_ok("POST", &format!("/agents/{}/token", giulia.id), None);
    let new_token = rotated.body["token"]
        .as_str()
        .unwrap_or_else(|| panic!("rotation returns a token: {}", rotated.body))
        .to_string();
    let old = giulia.me();
    assert_eq!(
        old.status,
        401,
        "the old token after rotation: {}",
        old.describe()
    );
    assert!(old.error_code().is_some(), "{}", old.describe());
    let fresh = site.agent_with_token(&giulia.id, &new_token);
    assert_eq!(fresh.me().status, 200);

    // Updating an agent does not hand out its token again.
    let updated = site.owner_ok(
        "PUT",
        &format!("/agents/{}", giulia.id),
        Some(&json!({ "name": "Giulia R.", "groups": [] })),
    );
    assert!(
        updated.body.get("token").is_none(),
        "token only on creation: {}",
        updated.body
    );
    let listed = site.owner_ok("GET", "/agents", None);
    assert!(
        !listed.body.to_string().contains(&new_token),
        "the agent list must not reveal tokens: {}",
        listed.body
    );

    site.owner_ok("DELETE", &format!("/agents/{}", giulia.id), None);
    let revoked = fresh.me();
    assert_eq!(
        revoked.status,
        401,
        "a deleted agent's token: {}",
        revoked.describe()
    );
    let ws = Ws::connect(base, &fresh.session_path(), &[]);
    assert_eq!(
        ws.as_ref().err().map(|e| e.status()),
        Some(401),
        "device socket of a deleted agent"
    );
}

#[test]
fn tokens_are_not_accepted_in_other_places() {
    let base = shared_edge();
    let site = TestSite::create(base);
    let giulia = site.add_agent("giulia", "Giulia", &[]);
    // The owner key in the query string of an owner endpoint is not a
    // credential: a parameter the endpoint does not read is refused.
    let r = site.api.get(
        &site.path(&format!(
            "/settings?token={}",
            encode_query(&site.owner_key)
        )),
        None,
    );
    assert_eq!(
        (r.status, r.error_code()),
        (400, Some("invalid_query")),
        "{}",
        r.describe()
    );
    // A non-Bearer scheme is not a credential.
    let r = site.api.send_raw(
        "GET",
        &site.path("/agents/me"),
        None,
        &[("Authorization", &format!("Basic {}", giulia.token))],
        None,
    );
    assert_eq!(r.status, 401, "{}", r.describe());
    // The owner key on the device socket.
    let ws = Ws::connect(
        base,
        &site.path(&format!(
            "/agents/me/session?token={}",
            encode_query(&site.owner_key)
        )),
        &[],
    );
    assert_eq!(
        ws.as_ref().err().map(|e| e.status()),
        Some(403),
        "owner key on the device socket"
    );
}
