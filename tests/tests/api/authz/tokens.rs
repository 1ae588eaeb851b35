//! Agent tokens: a rotated token replaces the old one, a deleted agent's
//! token is refused (HTTP and device socket), tokens are handed out only on
//! creation and never listed, and a credential counts only where it belongs
//! (not the owner key in a query string, not a non-Bearer scheme, not the
//! owner key on the device socket).

use presenza_tests::api::{device_protocols, unique, TestSite};
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
    let ws = fresh.connect_device();
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
    // A token in the query string is refused (URLs end up in logs).
    let r = site.api.get(
        &site.path(&format!(
            "/settings?token={}",
            encode_query(&site.owner_key)
        )),
        None,
    );
    assert_eq!(r.status, 400, "{}", r.describe());
    assert_eq!(r.error_code(), Some("token_in_query"), "{}", r.describe());
    // A non-Bearer scheme is not a credential.
    let r = site.api.send_raw(
        "GET",
        &site.path("/agents/me"),
        None,
        &[("Authorization", &format!("Basic {}", giulia.token))],
        None,
    );
    assert_eq!(r.status, 401, "{}", r.describe());
    // A token in the device socket's URL is refused too, even a valid one.
    let ws = Ws::connect(
        base,
        &site.path(&format!(
            "/agents/me/session?token={}",
            encode_query(&giulia.token)
        )),
        &[],
    );
    assert_eq!(
        ws.as_ref().err().map(|e| e.status()),
        Some(400),
        "agent token in the device socket's URL"
    );
    // The owner key on the device socket.
    let protocols = device_protocols(&site.owner_key);
    let ws = Ws::connect(
        base,
        &giulia.session_path(),
        &[("Sec-WebSocket-Protocol", &protocols)],
    );
    assert_eq!(
        ws.as_ref().err().map(|e| e.status()),
        Some(403),
        "owner key on the device socket"
    );
    // A bearer too long to be a token is an invalid token, not a missing one.
    let long = format!("Bearer {}", "a".repeat(300));
    let r = site.api.send_raw(
        "GET",
        &site.path("/agents/me"),
        None,
        &[("Authorization", &long)],
        None,
    );
    assert_eq!(r.status, 401, "{}", r.describe());
    assert_eq!(r.error_code(), Some("invalid_token"), "{}", r.describe());
}
