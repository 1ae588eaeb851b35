//! The owner's team view (issue 14, item 2): each agent's status, on how
//! many devices and since when, correct (one console tab is one device,
//! whether it speaks over its socket or over HTTP) and live (the team
//! socket), and the owner setting a forgetful agent offline.

use crate::helpers::{device_until, site, FRAME_WAIT};
use presenza_tests::api::{device_protocols, TestSite};
use presenza_tests::ws::Ws;
use serde_json::{json, Value};

/// Opens the owner's team socket (the key in the subprotocol, as a
/// browser sends it); returns it with its first `team` frame.
#[track_caller]
fn team_socket(site: &TestSite) -> (Ws, Value) {
    let mut ws = Ws::connect(
        &site.api.base,
        &site.path("/team"),
        &[("Sec-WebSocket-Protocol", &device_protocols(&site.owner_key))],
    )
    .unwrap_or_else(|e| panic!("open the team socket: {e}"));
    let team = ws.expect(FRAME_WAIT, "a team frame", |v| v["type"] == "team");
    (ws, team)
}

fn agent<'a>(team: &'a Value, id: &str) -> Option<&'a Value> {
    team["agents"].as_array()?.iter().find(|a| a["id"] == id)
}

#[test]
fn one_signed_in_tab_is_one_device_over_socket_and_http() {
    let site = site();
    let ann = site.add_agent("ann", "Ann", &[]);
    let r = ann.request(
        "POST",
        "/agents/me/devices",
        None,
        Some(&json!({"name": "Tab"})),
    );
    assert_eq!(r.status, 201, "{}", r.describe());
    let tab = site.agent_with_token("ann", r.body["credential"].as_str().unwrap_or_default());
    let (ws, _) = tab.device();
    // The console sets its status over HTTP with its own session header.
    tab.set_status(Some("browser-1"), "busy", None);
    let view = site.owner_ok("GET", "/agents/ann", None).body;
    assert_eq!(
        view["sessions"], 2,
        "a socket session and an HTTP one: {view}"
    );
    assert_eq!(view["devices"], 1, "but one device: {view}");
    assert_eq!(view["status"], "busy", "{view}");
    assert!(view["since"].is_string(), "since when it holds: {view}");
    ws.close();
}

#[test]
fn the_team_socket_follows_every_status_change_and_the_owner_sets_an_agent_offline() {
    let site = site();
    let ann = site.add_agent("ann", "Ann", &[]);
    site.add_agent("bob", "Bob", &[]);
    let (mut team, first) = team_socket(&site);
    assert_eq!(
        agent(&first, "ann").map(|a| a["status"].clone()),
        Some(json!("offline")),
        "{first}"
    );
    assert!(agent(&first, "bob").is_some(), "{first}");

    let (mut device, _) = ann.device();
    let frame = team.expect(FRAME_WAIT, "ann online on one device", |v| {
        agent(v, "ann").is_some_and(|a| a["status"] == "online" && a["devices"] == 1)
    });
    assert!(
        agent(&frame, "ann").is_some_and(|a| a["since"].is_string()),
        "{frame}"
    );

    ann.set_status(None, "busy", Some("call"));
    team.expect(FRAME_WAIT, "ann busy", |v| {
        agent(v, "ann").is_some_and(|a| a["status"] == "busy")
    });

    // Ann forgot to go offline: the owner does it; her devices follow.
    let r = site.owner("POST", "/agents/ann/offline", None);
    assert_eq!(r.status, 200, "{}", r.describe());
    assert_eq!(r.body["manual_status"], "offline", "{}", r.body);
    device_until(&mut device, "offline");
    team.expect(FRAME_WAIT, "ann offline", |v| {
        agent(v, "ann").is_some_and(|a| a["status"] == "offline")
    });

    // An agent added or removed reaches the team view too.
    site.add_agent("cy", "Cy", &[]);
    team.expect(FRAME_WAIT, "cy added", |v| agent(v, "cy").is_some());
    site.owner_ok("DELETE", "/agents/bob", None);
    team.expect(FRAME_WAIT, "bob removed", |v| {
        v["type"] == "team" && agent(v, "bob").is_none()
    });
    let r = site.owner("POST", "/agents/nobody/offline", None);
    assert_eq!((r.status, r.error_code()), (404, Some("agent_not_found")));
    device.close();
    team.close();
}

#[test]
fn only_the_owner_key_opens_the_team_socket() {
    let site = site();
    let ann = site.add_agent("ann", "Ann", &[]);
    let refused = Ws::connect(
        &site.api.base,
        &site.path("/team"),
        &[("Sec-WebSocket-Protocol", &device_protocols(&ann.token))],
    );
    match refused {
        Err(e) => assert_eq!(e.status(), 403, "{e}"),
        Ok(_) => panic!("an agent token must not open the team socket"),
    }
    let r = site.owner("GET", "/team", None);
    assert_eq!(
        r.status,
        426,
        "a plain GET is not a socket: {}",
        r.describe()
    );
}
