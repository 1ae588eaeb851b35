//! Presence rules end to end, over real HTTP and WebSocket against the edge
//! in workerd: devices, the grace period, sign-out, groups, working hours,
//! busy messages, and "only changes are sent".
//!
//! Every test creates its own site on the shared edge, so they run in
//! parallel. Visitor answers may be cached for ~1 s, so HTTP checks poll
//! with a deadline; socket checks wait for frames with a deadline.

use presenza_tests::api::{date_string, now_ms, parse_rfc3339, status_message, TestSite};
use presenza_tests::edge::shared_edge;
use presenza_tests::ws::{
    agent_frame_message, agent_frame_status, audience_status, frame_type, Ws,
};
use serde_json::{json, Value};
use std::time::{Duration, Instant};

/// How long a change may take to reach a visitor over HTTP (cache ~1 s).
const HTTP_WAIT: Duration = Duration::from_secs(5);
/// How long a change may take to reach a socket.
const FRAME_WAIT: Duration = Duration::from_secs(3);
/// How long "nothing is sent" is observed.
const SILENCE: Duration = Duration::from_millis(1500);

fn site() -> TestSite {
    TestSite::create(shared_edge())
}

/// Waits on a visitor socket for a frame with `status`.
#[track_caller]
fn live_until(ws: &mut Ws, status: &str, within: Duration) -> (Value, Instant) {
    match ws.wait_for(within, |v| audience_status(v) == Some(status)) {
        Ok(hit) => hit,
        Err(e) => panic!("visitor socket: expected status {status}: {e}"),
    }
}

/// Waits on a device socket for an `agent_status` frame with `status`.
#[track_caller]
fn device_until(ws: &mut Ws, status: &str) -> Value {
    ws.expect(FRAME_WAIT, &format!("agent_status {status}"), |v| {
        frame_type(v) == Some("agent_status") && agent_frame_status(v) == Some(status)
    })
}

fn secs(d: Duration) -> f64 {
    d.as_secs_f64()
}

// ---------------------------------------------------------------------------
// Devices
// ---------------------------------------------------------------------------

#[test]
fn hello_describes_the_agent_and_the_grace_period() {
    let site = site();
    site.set_grace(45);
    let giulia = site.add_agent("giulia", "Giulia", &[]);
    let (ws, hello) = giulia.device();
    assert_eq!(hello["type"], "hello", "{hello}");
    assert_eq!(
        hello["grace_period_secs"], 45,
        "hello carries the grace period: {hello}"
    );
    let ping = hello["ping_interval_secs"]
        .as_u64()
        .unwrap_or_else(|| panic!("hello carries ping_interval_secs: {hello}"));
    assert!(
        ping > 0 && ping < 45,
        "devices must ping well inside the grace period: {hello}"
    );
    assert!(
        hello["agent"].is_object() && agent_frame_status(&hello).is_some(),
        "hello describes the agent with its status: {hello}"
    );
    ws.close();
}

#[test]
fn two_devices_of_one_agent_stay_in_sync() {
    let site = site();
    let giulia = site.add_agent("giulia", "Giulia", &[]);
    let (mut visitor, _) = site.live(None);
    let (mut d1, _) = giulia.device();
    let (mut d2, _) = giulia.device();

    // A status set on one device reaches the other device and the visitors.
    // (Each step changes the status, whatever a new agent starts with.)
    d1.send_json(&status_message("busy", Some("back in 10 minutes")));
    let frame = device_until(&mut d2, "busy");
    assert_eq!(
        agent_frame_message(&frame),
        Some("back in 10 minutes"),
        "the other device gets the message too: {frame}"
    );
    let (v, _) = live_until(&mut visitor, "busy", FRAME_WAIT);
    assert_eq!(v["message"], "back in 10 minutes", "{v}");
    assert_eq!(v["reason"], "all_busy", "{v}");

    // The other direction, and the HTTP API, reach both devices.
    d2.send_json(&status_message("online", None));
    device_until(&mut d1, "online");
    live_until(&mut visitor, "online", FRAME_WAIT);
    site.wait_status(None, "online", HTTP_WAIT);

    giulia.set_status(None, "busy", Some("in a call"));
    device_until(&mut d1, "busy");
    device_until(&mut d2, "busy");
    let (v, _) = live_until(&mut visitor, "busy", FRAME_WAIT);
    assert_eq!(v["message"], "in a call", "{v}");

    // GET /agents/me agrees.
    let me = giulia.me();
    assert_eq!(me.status, 200, "{}", me.describe());
    assert!(
        me.body.to_string().contains("in a call"),
        "GET /agents/me shows the message: {}",
        me.body
    );
    d1.close();
    d2.close();
    visitor.close();
}

#[test]
fn devices_receive_audience_changes() {
    let site = site();
    let giulia = site.add_agent("giulia", "Giulia", &[]);
    let marco = site.add_agent("marco", "Marco", &[]);
    let (mut device, _) = giulia.device();
    // Giulia busy: the site is busy; then Marco online: the site is online.
    device.send_json(&status_message("busy", Some("in a call")));
    device.expect(FRAME_WAIT, "an audience frame: busy", |v| {
        frame_type(v) == Some("audience")
            && v["group"].is_null()
            && audience_status(v) == Some("busy")
    });
    marco.set_status(None, "online", None);
    let frame = device.expect(FRAME_WAIT, "an audience frame for the site", |v| {
        frame_type(v) == Some("audience")
            && v["group"].is_null()
            && audience_status(v) == Some("online")
    });
    assert!(
        frame["status"].is_object(),
        "audience status is an object: {frame}"
    );
    device.close();
}

#[test]
fn device_socket_closed_without_sign_out_counts_for_the_grace_period() {
    let site = site();
    site.set_grace(10);
    let giulia = site.add_agent("giulia", "Giulia", &[]);
    let (mut visitor, first) = site.live(None);
    assert_eq!(audience_status(&first), Some("offline"), "{first}");

    let (mut device, _) = giulia.device();
    device.send_json(&status_message("online", None));
    live_until(&mut visitor, "online", FRAME_WAIT);
    for _ in 0..2 {
        std::thread::sleep(Duration::from_secs(1));
        device.ping_pong(FRAME_WAIT);
    }
    // Closed cleanly but without signing out: the close is the last sign of life.
    let closed_at = Instant::now();
    device.close();

    // Nothing changes for the visitors before the grace period ends.
    let early = visitor.collect_for(Duration::from_secs(7).saturating_sub(closed_at.elapsed()));
    assert!(
        early.iter().all(|v| audience_status(v) != Some("offline")),
        "offline {:.1}s after the close, before the 10 s grace period: {early:?}",
        secs(closed_at.elapsed())
    );
    let now = site.status_now(None);
    assert_eq!(
        now["status"],
        "online",
        "still online {:.1}s after the close: {now}",
        secs(closed_at.elapsed())
    );

    // ...and it turns offline when the grace period ends.
    let (v, at) = live_until(
        &mut visitor,
        "offline",
        Duration::from_secs(12).saturating_sub(closed_at.elapsed()),
    );
    let after = secs(at.duration_since(closed_at));
    assert!(
        after >= 9.0,
        "offline after {after:.1}s, before the grace period: {v}"
    );
    assert_eq!(v["reason"], "no_agents", "{v}");
    site.wait_status(None, "offline", HTTP_WAIT);
    visitor.close();
}

#[test]
fn device_that_keeps_pinging_stays_online_and_a_dropped_one_expires_after_grace() {
    let site = site();
    site.set_grace(10);
    let giulia = site.add_agent("giulia", "Giulia", &[]);
    let (mut visitor, _) = site.live(None);
    let (mut device, _) = giulia.device();
    device.send_json(&status_message("online", None));
    live_until(&mut visitor, "online", FRAME_WAIT);

    // Pings keep the session alive past the grace period.
    let started = Instant::now();
    let mut last_ping = Instant::now();
    while started.elapsed() < Duration::from_secs(14) {
        let frames = visitor.collect_for(Duration::from_secs(2));
        assert!(
            frames.iter().all(|v| audience_status(v) != Some("offline")),
            "a pinging device went offline after {:.1}s: {frames:?}",
            secs(started.elapsed())
        );
        last_ping = Instant::now();
        device.ping_pong(FRAME_WAIT);
    }
    assert_eq!(site.status_now(None)["status"], "online");

    // A lost connection (no close frame): offline one grace period after the
    // last sign of life, not before.
    device.drop_abruptly();
    let early = visitor.collect_for(Duration::from_secs(7).saturating_sub(last_ping.elapsed()));
    assert!(
        early.iter().all(|v| audience_status(v) != Some("offline")),
        "offline {:.1}s after the last ping: {early:?}",
        secs(last_ping.elapsed())
    );
    let (v, at) = live_until(
        &mut visitor,
        "offline",
        Duration::from_secs(12).saturating_sub(last_ping.elapsed()),
    );
    let after = secs(at.duration_since(last_ping));
    assert!(after >= 9.0, "offline {after:.1}s after the last ping: {v}");
    visitor.close();
}

// ---------------------------------------------------------------------------
// HTTP-only agents and sign-out
// ---------------------------------------------------------------------------

#[test]
fn http_only_agent_expires_after_the_grace_period() {
    let site = site();
    site.set_grace(10);
    let marco = site.add_agent("marco", "Marco", &[]);
    let (mut visitor, _) = site.live(None);
    let set_at = Instant::now();
    marco.set_status(Some("laptop"), "online", None);
    live_until(&mut visitor, "online", FRAME_WAIT);

    let early = visitor.collect_for(Duration::from_secs(7).saturating_sub(set_at.elapsed()));
    assert!(
        early.iter().all(|v| audience_status(v) != Some("offline")),
        "offline {:.1}s after the status call: {early:?}",
        secs(set_at.elapsed())
    );
    assert_eq!(
        site.status_now(None)["status"],
        "online",
        "still online at ~7 s"
    );

    let (v, at) = live_until(
        &mut visitor,
        "offline",
        Duration::from_secs(12).saturating_sub(set_at.elapsed()),
    );
    let after = secs(at.duration_since(set_at));
    assert!(after >= 9.0, "offline after {after:.1}s: {v}");
    site.wait_status(None, "offline", HTTP_WAIT);
    visitor.close();
}

#[test]
fn heartbeat_extends_an_http_session() {
    let site = site();
    site.set_grace(10);
    let marco = site.add_agent("marco", "Marco", &[]);
    let (mut visitor, _) = site.live(None);
    marco.set_status(Some("laptop"), "online", None);
    live_until(&mut visitor, "online", FRAME_WAIT);

    std::thread::sleep(Duration::from_secs(6));
    let beat = Instant::now();
    marco.heartbeat(Some("laptop"));

    // 12 s after the status call but 6 s after the heartbeat: still online.
    let early = visitor.collect_for(Duration::from_secs(7).saturating_sub(beat.elapsed()));
    assert!(
        early.iter().all(|v| audience_status(v) != Some("offline")),
        "offline {:.1}s after the heartbeat: {early:?}",
        secs(beat.elapsed())
    );
    assert_eq!(site.status_now(None)["status"], "online");
    let (_, at) = live_until(
        &mut visitor,
        "offline",
        Duration::from_secs(12).saturating_sub(beat.elapsed()),
    );
    assert!(secs(at.duration_since(beat)) >= 9.0);
    visitor.close();
}

#[test]
fn sign_out_is_immediate() {
    let site = site();
    // A long grace period: only the sign-out can make the agent offline.
    site.set_grace(3600);
    let marco = site.add_agent("marco", "Marco", &[]);
    let giulia = site.add_agent("giulia", "Giulia", &[]);
    let (mut visitor, _) = site.live(None);

    // HTTP session.
    marco.set_status(Some("laptop"), "online", None);
    live_until(&mut visitor, "online", FRAME_WAIT);
    let t = Instant::now();
    marco.sign_out(Some("laptop"));
    let (v, at) = live_until(&mut visitor, "offline", FRAME_WAIT);
    assert_eq!(v["reason"], "no_agents", "{v}");
    assert!(
        at.duration_since(t) < Duration::from_secs(2),
        "sign-out took {:?}",
        at.duration_since(t)
    );
    site.wait_status(None, "offline", HTTP_WAIT);

    // Device session.
    let (mut device, _) = giulia.device();
    device.send_json(&status_message("online", None));
    live_until(&mut visitor, "online", FRAME_WAIT);
    let t = Instant::now();
    device.send_json(&json!({ "type": "sign_out" }));
    let (_, at) = live_until(&mut visitor, "offline", FRAME_WAIT);
    assert!(
        at.duration_since(t) < Duration::from_secs(2),
        "sign-out took {:?}",
        at.duration_since(t)
    );
    site.wait_status(None, "offline", HTTP_WAIT);
    visitor.close();
}

#[test]
fn sign_out_ends_only_that_session() {
    let site = site();
    site.set_grace(3600);
    let giulia = site.add_agent("giulia", "Giulia", &[]);
    let (mut visitor, _) = site.live(None);
    let (mut d1, _) = giulia.device();
    let (d2, _) = giulia.device();
    d1.send_json(&status_message("online", None));
    live_until(&mut visitor, "online", FRAME_WAIT);

    d1.send_json(&json!({ "type": "sign_out" }));
    let frames = visitor.collect_for(SILENCE);
    assert!(
        frames.iter().all(|v| audience_status(v) != Some("offline")),
        "signing out one device ended the other session too: {frames:?}"
    );
    assert_eq!(site.status_now(None)["status"], "online");

    // An HTTP session of the same agent signs out separately too.
    giulia.set_status(Some("phone"), "online", None);
    giulia.sign_out(Some("phone"));
    assert!(visitor
        .collect_for(SILENCE)
        .iter()
        .all(|v| audience_status(v) != Some("offline")));

    d2.close();
    // d2 closed without sign-out: still within the (1 h) grace period.
    assert!(visitor
        .collect_for(SILENCE)
        .iter()
        .all(|v| audience_status(v) != Some("offline")));
    assert_eq!(site.status_now(None)["status"], "online");
    visitor.close();
}

// ---------------------------------------------------------------------------
// Audiences: sites with and without groups, busy
// ---------------------------------------------------------------------------

#[test]
fn site_without_groups_is_online_when_one_agent_is_online() {
    let site = site();
    let giulia = site.add_agent("giulia", "Giulia", &[]);
    let _marco = site.add_agent("marco", "Marco", &[]);
    let first = site.status_now(None);
    assert_eq!(first["status"], "offline", "{first}");
    assert_eq!(first["reason"], "no_agents", "{first}");
    for key in ["status", "reason", "message", "back_at", "next_change"] {
        assert!(
            first.get(key).is_some(),
            "the status answer has {key}: {first}"
        );
    }

    giulia.set_status(None, "online", None);
    let v = site.wait_status(None, "online", HTTP_WAIT);
    assert_eq!(v["reason"], "agents_online", "{v}");
    assert!(v["message"].is_null(), "{v}");

    giulia.set_status(None, "offline", None);
    let v = site.wait_status(None, "offline", HTTP_WAIT);
    assert_eq!(v["reason"], "no_agents", "{v}");
}

#[test]
fn group_counts_its_agents_and_ungrouped_agents_site_counts_only_ungrouped() {
    let site = site();
    site.add_group("sales", "Sales");
    site.add_group("support", "Support");
    let anna = site.add_agent("anna", "Anna", &["sales"]);
    let sara = site.add_agent("sara", "Sara", &["support"]);
    let ugo = site.add_agent("ugo", "Ugo", &[]);
    let (mut pinned, first) = site.live(Some("sales"));
    assert_eq!(audience_status(&first), Some("offline"), "{first}");
    let (mut whole, _) = site.live(None);

    // An agent of the group: the pinned widget follows; the site does not.
    anna.set_status(None, "online", None);
    live_until(&mut pinned, "online", FRAME_WAIT);
    site.wait_status(Some("sales"), "online", HTTP_WAIT);
    assert_eq!(site.status_now(Some("support"))["status"], "offline");
    let frames = whole.collect_for(SILENCE);
    assert!(
        frames.is_empty(),
        "the site counts only ungrouped agents: {frames:?}"
    );
    let v = site.status_now(None);
    assert_eq!(
        v["status"], "offline",
        "the site counts only ungrouped agents: {v}"
    );

    // An agent of another group: ignored by the pinned widget.
    anna.set_status(None, "offline", None);
    live_until(&mut pinned, "offline", FRAME_WAIT);
    sara.set_status(None, "online", None);
    site.wait_status(Some("support"), "online", HTTP_WAIT);
    let frames = pinned.collect_for(SILENCE);
    assert!(
        frames.is_empty(),
        "sales ignores support's agents: {frames:?}"
    );
    assert_eq!(site.status_now(Some("sales"))["status"], "offline");
    assert_eq!(site.status_now(None)["status"], "offline");

    // An ungrouped agent counts for every group and for the site.
    sara.set_status(None, "offline", None);
    ugo.set_status(None, "online", None);
    live_until(&mut pinned, "online", FRAME_WAIT);
    live_until(&mut whole, "online", FRAME_WAIT);
    site.wait_status(Some("support"), "online", HTTP_WAIT);
    site.wait_status(None, "online", HTTP_WAIT);
    pinned.close();
    whole.close();
}

#[test]
fn agent_in_several_groups_counts_for_each() {
    let site = site();
    site.add_group("sales", "Sales");
    site.add_group("support", "Support");
    site.add_group("billing", "Billing");
    let anna = site.add_agent("anna", "Anna", &["sales", "support"]);
    anna.set_status(None, "online", None);
    site.wait_status(Some("sales"), "online", HTTP_WAIT);
    site.wait_status(Some("support"), "online", HTTP_WAIT);
    assert_eq!(site.status_now(Some("billing"))["status"], "offline");
    assert_eq!(site.status_now(None)["status"], "offline");

    // Moving the agent out of a group takes effect.
    site.owner_ok(
        "PUT",
        "/agents/anna",
        Some(&json!({ "name": "Anna", "groups": ["billing"] })),
    );
    site.wait_status(Some("sales"), "offline", HTTP_WAIT);
    site.wait_status(Some("billing"), "online", HTTP_WAIT);
}

#[test]
fn busy_agent_makes_the_audience_busy_with_its_message() {
    let site = site();
    let giulia = site.add_agent("giulia", "Giulia", &[]);
    let marco = site.add_agent("marco", "Marco", &[]);
    giulia.set_status(None, "busy", Some("back in 10 minutes"));
    let v = site.wait_status(None, "busy", HTTP_WAIT);
    assert_eq!(v["reason"], "all_busy", "{v}");
    assert_eq!(v["message"], "back in 10 minutes", "{v}");

    // Online beats busy.
    marco.set_status(None, "online", None);
    let v = site.wait_status(None, "online", HTTP_WAIT);
    assert!(
        v["message"].is_null(),
        "no busy message while someone is online: {v}"
    );

    marco.set_status(None, "offline", None);
    let v = site.wait_status(None, "busy", HTTP_WAIT);
    assert_eq!(v["message"], "back in 10 minutes", "{v}");

    // The most recent busy message wins.
    std::thread::sleep(Duration::from_millis(20));
    marco.set_status(None, "busy", Some("at lunch"));
    let v = site.wait_status_where(None, HTTP_WAIT, "busy with the newest message", |b| {
        b["status"] == "busy" && b["message"] == "at lunch"
    });
    assert_eq!(v["reason"], "all_busy", "{v}");
}

// ---------------------------------------------------------------------------
// Working hours
// ---------------------------------------------------------------------------

/// Days since the epoch (UTC) for now, after waiting out the last seconds of
/// a UTC day so the schedules below stay valid during the test.
fn today_utc() -> i64 {
    let ms_in_day = now_ms().rem_euclid(86_400_000);
    if ms_in_day > 86_400_000 - 30_000 {
        std::thread::sleep(Duration::from_millis(
            (86_400_000 - ms_in_day + 1_000) as u64,
        ));
    }
    now_ms().div_euclid(86_400_000)
}

fn all_week_open() -> Value {
    let day = json!([["00:00", "24:00"]]);
    json!({
        "mon": day, "tue": day, "wed": day, "thu": day, "fri": day, "sat": day, "sun": day
    })
}

#[test]
fn working_hours_open_now_is_online() {
    let site = site();
    let giulia = site.add_agent("giulia", "Giulia", &[]);
    site.owner_ok(
        "PUT",
        "/working-hours",
        Some(&json!({ "timezone": "Europe/Rome", "weekly": all_week_open(), "exceptions": [] })),
    );
    giulia.set_status(None, "online", None);
    let v = site.wait_status(None, "online", HTTP_WAIT);
    assert_eq!(v["reason"], "agents_online", "{v}");
}

#[test]
fn working_hours_closed_now_is_offline_outside_hours_with_back_at() {
    let site = site();
    let giulia = site.add_agent("giulia", "Giulia", &[]);
    let (mut visitor, _) = site.live(None);
    giulia.set_status(None, "online", None);
    live_until(&mut visitor, "online", FRAME_WAIT);

    // UTC, open every day, closed today: opens again tomorrow at 00:00Z.
    let today = today_utc();
    site.owner_ok(
        "PUT",
        "/working-hours",
        Some(&json!({
            "timezone": "UTC",
            "weekly": all_week_open(),
            "exceptions": [{ "date": date_string(today), "hours": [] }]
        })),
    );
    let (v, _) = live_until(&mut visitor, "offline", FRAME_WAIT);
    assert_eq!(v["reason"], "outside_hours", "{v}");
    let expected = (today + 1) * 86_400_000;
    let back_at = v["back_at"].as_str().and_then(parse_rfc3339);
    assert_eq!(
        back_at,
        Some(expected),
        "back_at is tomorrow 00:00Z ({}): {v}",
        date_string(today + 1)
    );
    let next = v["next_change"].as_str().and_then(parse_rfc3339);
    assert_eq!(
        next,
        Some(expected),
        "the answer next changes at the opening: {v}"
    );
    let http = site.wait_status(None, "offline", HTTP_WAIT);
    assert_eq!(http["reason"], "outside_hours", "{http}");

    // Removing the schedule: always open again.
    site.owner_ok("DELETE", "/working-hours", None);
    live_until(&mut visitor, "online", FRAME_WAIT);
    visitor.close();
}

#[test]
fn working_hours_follow_the_time_zone() {
    let site = site();
    let giulia = site.add_agent("giulia", "Giulia", &[]);
    giulia.set_status(None, "online", None);
    site.wait_status(None, "online", HTTP_WAIT);

    // Europe/Rome, closed on the UTC dates yesterday..tomorrow (which cover
    // today in Rome): opens at 00:00 Rome time the day after tomorrow,
    // i.e. 23:00Z (CET) or 22:00Z (CEST) the day before.
    let today = today_utc();
    let exceptions: Vec<Value> = (-1..=1)
        .map(|d| json!({ "date": date_string(today + d), "hours": [] }))
        .collect();
    site.owner_ok(
        "PUT",
        "/working-hours",
        Some(&json!({ "timezone": "Europe/Rome", "weekly": all_week_open(), "exceptions": exceptions })),
    );
    let v = site.wait_status(None, "offline", HTTP_WAIT);
    assert_eq!(v["reason"], "outside_hours", "{v}");
    let midnight = (today + 2) * 86_400_000;
    let back_at = v["back_at"].as_str().and_then(parse_rfc3339);
    assert!(
        back_at == Some(midnight - 3_600_000) || back_at == Some(midnight - 7_200_000),
        "back_at is 00:00 in Rome on {}: {v}",
        date_string(today + 2)
    );
}

#[test]
fn group_working_hours_override_the_site_hours() {
    let site = site();
    site.add_group("sales", "Sales");
    let ugo = site.add_agent("ugo", "Ugo", &[]);
    ugo.set_status(None, "online", None);
    site.wait_status(Some("sales"), "online", HTTP_WAIT);

    let today = today_utc();
    site.owner_ok(
        "PUT",
        "/groups/sales/working-hours",
        Some(&json!({
            "timezone": "UTC",
            "weekly": all_week_open(),
            "exceptions": [{ "date": date_string(today), "hours": [] }]
        })),
    );
    let v = site.wait_status(Some("sales"), "offline", HTTP_WAIT);
    assert_eq!(v["reason"], "outside_hours", "{v}");
    assert_eq!(
        v["back_at"].as_str().and_then(parse_rfc3339),
        Some((today + 1) * 86_400_000),
        "{v}"
    );
    // The site (no group) uses the site hours (none: always open).
    assert_eq!(site.status_now(None)["status"], "online");

    site.owner_ok("DELETE", "/groups/sales/working-hours", None);
    site.wait_status(Some("sales"), "online", HTTP_WAIT);
}

// ---------------------------------------------------------------------------
// Only changes are sent
// ---------------------------------------------------------------------------

#[test]
fn unchanged_status_is_not_resent() {
    let site = site();
    site.add_group("a", "A");
    site.add_group("b", "B");
    let bea = site.add_agent("bea", "Bea", &["b"]);
    let alan = site.add_agent("alan", "Alan", &["a"]);
    let (mut group_a, _) = site.live(Some("a"));
    let (mut whole, _) = site.live(None);

    // A change in group b changes neither group a nor the site.
    bea.set_status(None, "online", None);
    site.wait_status(Some("b"), "online", HTTP_WAIT);
    let frames = group_a.collect_for(SILENCE);
    assert!(
        frames.is_empty(),
        "group a got frames for a change in b: {frames:?}"
    );
    let frames = whole.collect_for(Duration::from_millis(100));
    assert!(
        frames.is_empty(),
        "the site got frames for a change in b: {frames:?}"
    );

    // A change in group a arrives exactly once.
    alan.set_status(None, "online", None);
    live_until(&mut group_a, "online", FRAME_WAIT);
    let frames = group_a.collect_for(SILENCE);
    assert!(
        frames.is_empty(),
        "duplicate frames after one change: {frames:?}"
    );

    // The same status again, and heartbeats, send nothing.
    alan.set_status(None, "online", None);
    alan.heartbeat(None);
    bea.set_status(None, "offline", None);
    let frames = group_a.collect_for(SILENCE);
    assert!(frames.is_empty(), "frames without a change: {frames:?}");
    let frames = whole.collect_for(Duration::from_millis(100));
    assert!(
        frames.is_empty(),
        "the site got frames without a change: {frames:?}"
    );
    group_a.close();
    whole.close();
}

#[test]
fn pings_are_answered_without_waking_the_object() {
    let site = site();
    let giulia = site.add_agent("giulia", "Giulia", &[]);
    let (mut device, _) = giulia.device();
    device.send_json(&status_message("online", None));
    site.wait_status(None, "online", HTTP_WAIT);
    let before = site.stats();
    let handled = |s: &Value| {
        s["socket_messages_handled"]
            .as_u64()
            .unwrap_or_else(|| panic!("stats has socket_messages_handled: {s}"))
    };
    for _ in 0..20 {
        device.ping_pong(FRAME_WAIT);
    }
    let after = site.stats();
    assert_eq!(
        handled(&after) - handled(&before),
        0,
        "pings woke the object: before {before}, after {after}"
    );
    assert!(after["sockets"].as_u64().unwrap_or(0) >= 1, "{after}");
    device.close();
}

// ---------------------------------------------------------------------------
// Visitor lookup caching
// ---------------------------------------------------------------------------

#[test]
fn visitor_status_has_an_etag_and_short_cache() {
    let site = site();
    let giulia = site.add_agent("giulia", "Giulia", &[]);
    let first = site.status(None);
    assert_eq!(first.status, 200, "{}", first.describe());
    let etag = first
        .header("ETag")
        .unwrap_or_else(|| panic!("no ETag: {:?}", first.headers))
        .to_string();
    let cache = first.header("Cache-Control").unwrap_or("").to_string();
    assert!(cache.contains("max-age="), "Cache-Control: {cache:?}");
    let max_age: u32 = cache
        .split("max-age=")
        .nth(1)
        .and_then(|s| s.split(|c: char| !c.is_ascii_digit()).next())
        .and_then(|s| s.parse().ok())
        .unwrap_or(u32::MAX);
    assert!(
        max_age <= 2,
        "visitor answers are cached at most ~1 s: {cache:?}"
    );

    let path = site.status_path(None);
    let again = site
        .api
        .send_raw("GET", &path, None, &[("If-None-Match", &etag)], None);
    assert_eq!(
        again.status,
        304,
        "same answer, same ETag: {}",
        again.describe()
    );

    giulia.set_status(None, "online", None);
    site.wait_status(None, "online", HTTP_WAIT);
    let changed = site
        .api
        .send_raw("GET", &path, None, &[("If-None-Match", &etag)], None);
    assert_eq!(
        changed.status,
        200,
        "a changed answer is sent again: {}",
        changed.describe()
    );
    assert_ne!(changed.header("ETag"), Some(etag.as_str()));
}
