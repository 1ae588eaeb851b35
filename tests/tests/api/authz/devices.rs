//! Signed-in devices (issue 14, item 1): the agent token is pasted once; the
//! device then works with a credential of its own, listed with its last use
//! and revocable alone by the agent or the owner. Rotating the agent token
//! revokes every device signed in with it.

use crate::helpers::site;
use presenza_tests::api::{TestAgent, TestSite};
use presenza_tests::ws::{Frame, Ws, WsConnectError};
use serde_json::{json, Value};
use std::time::Duration;

/// Signs a device in with `agent`'s token; returns the device's view and
/// an agent handle that uses the device credential.
#[track_caller]
fn sign_in(site: &TestSite, agent: &TestAgent, name: &str) -> (Value, TestAgent) {
    let r = agent.request(
        "POST",
        "/agents/me/devices",
        None,
        Some(&json!({ "name": name })),
    );
    assert_eq!(r.status, 201, "sign a device in: {}", r.describe());
    let credential = r.body["credential"].as_str().unwrap_or_else(|| {
        panic!("the credential is shown once: {}", r.body);
    });
    assert!(credential.starts_with("pzd_"), "{credential}");
    assert_eq!(r.body["device"]["name"], name, "{}", r.body);
    (
        r.body["device"].clone(),
        site.agent_with_token(&agent.id, credential),
    )
}

fn device_ids(list: &Value) -> Vec<String> {
    list["devices"]
        .as_array()
        .unwrap_or_else(|| panic!("a device list: {list}"))
        .iter()
        .filter_map(|d| d["id"].as_str().map(str::to_string))
        .collect()
}

#[test]
fn a_device_credential_works_like_the_token_and_is_listed_with_its_last_use() {
    let site = site();
    let ann = site.add_agent("ann", "Ann", &[]);
    let (laptop, laptop_ann) = sign_in(&site, &ann, "Firefox on Linux");
    let (_, phone_ann) = sign_in(&site, &ann, "Chrome on Android");

    // The credential opens everything the token opens: me, status, socket.
    let me = laptop_ann.me();
    assert_eq!(me.status, 200, "{}", me.describe());
    assert_eq!(me.body["agent"]["id"], "ann");
    laptop_ann.set_status(Some("tab1"), "busy", Some("lunch"));
    let (ws, hello) = phone_ann.device();
    assert_eq!(hello["agent"]["manual_status"], "busy", "{hello}");

    // Both devices are listed, the caller's marked current, the phone live.
    let list = must_ok(laptop_ann.request("GET", "/agents/me/devices", None, None));
    assert_eq!(device_ids(&list).len(), 2, "{list}");
    let devices = list["devices"].as_array().cloned().unwrap_or_default();
    let current: Vec<&Value> = devices.iter().filter(|d| d["current"] == true).collect();
    assert_eq!(current.len(), 1, "{list}");
    assert_eq!(current[0]["id"], laptop["id"], "{list}");
    let phone = devices
        .iter()
        .find(|d| d["name"] == "Chrome on Android")
        .unwrap_or_else(|| panic!("{list}"));
    assert_eq!(
        phone["live"], true,
        "the phone's socket is a live session: {list}"
    );
    assert!(phone["last_used_at"].is_string(), "{list}");

    // The owner sees the same devices.
    let owned = site.owner_ok("GET", "/agents/ann/devices", None).body;
    assert_eq!(device_ids(&owned).len(), 2, "{owned}");
    ws.close();
}

#[test]
fn only_the_agent_token_signs_a_device_in() {
    let site = site();
    let ann = site.add_agent("ann", "Ann", &[]);
    let (_, device_ann) = sign_in(&site, &ann, "Laptop");
    let r = device_ann.request(
        "POST",
        "/agents/me/devices",
        None,
        Some(&json!({"name": "x"})),
    );
    assert_eq!(r.status, 403, "{}", r.describe());
    assert_eq!(r.error_code(), Some("agent_token_required"));
    // A bad name is a clear 400.
    for body in [
        json!({"name": ""}),
        json!({"name": "a\nb"}),
        json!({}),
        json!({"name": "x", "more": 1}),
    ] {
        let r = ann.request("POST", "/agents/me/devices", None, Some(&body));
        assert_eq!(r.status, 400, "{body}: {}", r.describe());
    }
    // The owner key is not an agent.
    let r = site.owner("POST", "/agents/me/devices", Some(&json!({"name": "x"})));
    assert_eq!(r.status, 403, "{}", r.describe());
}

#[test]
fn the_agent_revokes_one_device_and_its_socket_closes() {
    let site = site();
    let ann = site.add_agent("ann", "Ann", &[]);
    let (laptop, laptop_ann) = sign_in(&site, &ann, "Laptop");
    let (_, phone_ann) = sign_in(&site, &ann, "Phone");
    let (mut ws, _) = laptop_ann.device();

    let id = laptop["id"].as_str().unwrap_or_default();
    let r = phone_ann.request("DELETE", &format!("/agents/me/devices/{id}"), None, None);
    assert_eq!(r.status, 204, "{}", r.describe());
    let closed = closed_code(&mut ws);
    assert_eq!(
        closed,
        Some(4001),
        "the revoked device's socket closes with 4001"
    );
    assert_eq!(
        laptop_ann.me().status,
        401,
        "the revoked credential no longer works"
    );
    assert_eq!(
        phone_ann.me().status,
        200,
        "the other device stays signed in"
    );
    assert_eq!(ann.me().status, 200, "the agent token stays valid");
    match laptop_ann.connect_device() {
        Err(WsConnectError::Rejected { status, .. }) => assert_eq!(status, 401),
        Err(e) => panic!("a revoked device cannot open a socket: {e}"),
        Ok(_) => panic!("a revoked device cannot open a socket"),
    }
    // Again: unknown device; a malformed id too.
    let r = phone_ann.request("DELETE", &format!("/agents/me/devices/{id}"), None, None);
    assert_eq!((r.status, r.error_code()), (404, Some("device_not_found")));
    let r = phone_ann.request("DELETE", "/agents/me/devices/nope", None, None);
    assert_eq!((r.status, r.error_code()), (404, Some("device_not_found")));
}

#[test]
fn the_owner_revokes_a_device_and_rotating_the_token_revokes_them_all() {
    let site = site();
    let ann = site.add_agent("ann", "Ann", &[]);
    let (laptop, laptop_ann) = sign_in(&site, &ann, "Laptop");
    let (_, phone_ann) = sign_in(&site, &ann, "Phone");
    let id = laptop["id"].as_str().unwrap_or_default();
    let r = site.owner("DELETE", &format!("/agents/ann/devices/{id}"), None);
    assert_eq!(r.status, 204, "{}", r.describe());
    assert_eq!(laptop_ann.me().status, 401);
    assert_eq!(phone_ann.me().status, 200);
    let r = site.owner("GET", "/agents/nobody/devices", None);
    assert_eq!((r.status, r.error_code()), (404, Some("agent_not_found")));

    site.owner_ok("POST", "/agents/ann/token", None);
    assert_eq!(
        phone_ann.me().status,
        401,
        "rotating the token revokes devices"
    );
    let list = site.owner_ok("GET", "/agents/ann/devices", None).body;
    assert!(device_ids(&list).is_empty(), "{list}");
}

#[track_caller]
fn must_ok(r: presenza_tests::api::Reply) -> Value {
    assert_eq!(r.status, 200, "{}", r.describe());
    r.body
}

/// Reads frames until the socket closes; its close code.
fn closed_code(ws: &mut Ws) -> Option<u16> {
    let deadline = std::time::Instant::now() + Duration::from_secs(5);
    while std::time::Instant::now() < deadline {
        match ws.next_frame(Duration::from_millis(500)) {
            Frame::Closed(code) => return code,
            Frame::Text(_) | Frame::Timeout => {}
        }
    }
    None
}
