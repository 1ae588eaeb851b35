//! Working hours in switch mode (issue 17) against the real runtime: a new
//! site's hours switch statuses (a gate is asked for); at each real
//! boundary the schedule turns the agents it covers online or offline, and
//! a manual change after a boundary wins until the next one; a gate site's
//! boundaries switch nobody; a boundary crossed while the object was
//! evicted is applied once, by the alarm that wakes it; an alarm that runs
//! again after the boundary with nothing new switches nobody again; the
//! mode's API refuses bad values with JSON errors.
//!
//! Boundaries are whole minutes: the tests that need one wait for the next
//! minute mark at least a few seconds ahead (up to about two minutes).

use crate::helpers::{device_until, live_until, site, start_edge, FRAME_WAIT, HTTP_WAIT, SILENCE};
use presenza_tests::api::{date_string, now_ms, parse_rfc3339, weekday_key, TestSite};
use presenza_tests::edge::{shared_edge, EdgeOptions, LocalEdge};
use presenza_tests::ws::{audience_status, frame_type, Ws};
use serde_json::{json, Value};
use std::thread::sleep;
use std::time::Duration;

const MINUTE: i64 = 60_000;
const DAY: i64 = 86_400_000;

/// A new site with the edge's default mode (no `working_hours_mode` when
/// created), with a long grace period so that sessions outlast the waits.
fn switch_site(base: &str) -> TestSite {
    let site = TestSite::create_in(base, None);
    site.set_grace(600);
    site
}

/// UTC "HH:MM" of an instant.
fn hhmm(ms: i64) -> String {
    let minutes = ms.rem_euclid(DAY) / MINUTE;
    format!("{:02}:{:02}", minutes / 60, minutes % 60)
}

/// The next UTC minute mark at least `lead` ahead, with `after` more
/// minutes before midnight (one day's interval then holds what the test
/// needs); waits past midnight first when the day is too far gone.
fn minute_mark(lead: Duration, after: i64) -> i64 {
    loop {
        let now = now_ms();
        let mark = (now + lead.as_millis() as i64 + MINUTE - 1) / MINUTE * MINUTE;
        let day = now.div_euclid(DAY);
        // The mark, and `after` minutes more, stay on today; so does now.
        if (mark + after * MINUTE).div_euclid(DAY) == day && mark.rem_euclid(DAY) >= MINUTE {
            return mark;
        }
        sleep(Duration::from_millis(
            ((day + 1) * DAY - now + 2_000) as u64,
        ));
    }
}

/// Weekly hours in UTC: on `mark`'s weekday only, `from`–`until`.
fn one_interval(from: &str, until: &str, mark: i64, mode: Option<&str>) -> Value {
    let mut hours = json!({
        "timezone": "UTC",
        "weekly": { weekday_key(mark.div_euclid(DAY)): [[from, until]] },
    });
    if let Some(mode) = mode {
        hours["mode"] = json!(mode);
    }
    hours
}

/// Time left until `ms` plus `slack`.
fn until(ms: i64, slack: Duration) -> Duration {
    Duration::from_millis((ms - now_ms()).max(0) as u64) + slack
}

fn rfc(v: &Value) -> Option<i64> {
    v.as_str().and_then(parse_rfc3339)
}

/// An `agent_status` frame whose agent has this chosen status, set by
/// `set_by`.
fn chosen(frame: &Value, status: &str, set_by: &str) -> bool {
    frame_type(frame) == Some("agent_status")
        && frame["agent"]["manual_status"] == status
        && frame["agent"]["set_by"] == set_by
}

/// Waits on a device socket for the agent's chosen status set by `set_by`.
#[track_caller]
fn device_chose(device: &mut Ws, within: Duration, status: &str, set_by: &str) -> Value {
    device.expect(
        within,
        &format!("agent_status {status} set by {set_by}"),
        |v| chosen(v, status, set_by),
    )["agent"]
        .clone()
}

#[test]
fn a_new_site_switches_a_site_may_ask_for_a_gate_and_bad_modes_are_refused() {
    let base = shared_edge();
    let switch = TestSite::create_in(base, None);
    assert_eq!(
        switch.owner_ok("GET", "/settings", None).body["working_hours_mode"],
        "switch"
    );
    let gate = TestSite::create_in(base, Some("gate"));
    assert_eq!(
        gate.owner_ok("GET", "/settings", None).body["working_hours_mode"],
        "gate"
    );

    // Bad modes: a JSON error naming the field, and nothing changes.
    let api = &switch.api;
    let admin = Some(presenza_tests::api::ADMIN_TOKEN);
    for (body, code) in [
        (
            json!({ "working_hours_mode": "sometimes" }),
            "invalid_field",
        ),
        (json!({ "working_hours_mode": 1 }), "invalid_type"),
    ] {
        let r = api.post("/v1/sites", admin, Some(&body));
        assert_eq!(
            (r.status, r.error_code()),
            (400, Some(code)),
            "{body}: {}",
            r.describe()
        );
    }
    let r = switch.owner(
        "PUT",
        "/settings",
        Some(&json!({ "working_hours_mode": "Gate" })),
    );
    assert_eq!(
        (r.status, r.error_code()),
        (400, Some("invalid_field")),
        "{}",
        r.describe()
    );
    assert!(r.body["error"]["message"]
        .as_str()
        .unwrap_or("")
        .contains("working_hours_mode"));
    let week = json!({ "mon": [["09:00", "17:00"]] });
    let r = switch.owner(
        "PUT",
        "/working-hours",
        Some(&json!({ "mode": "maybe", "timezone": "UTC", "weekly": week })),
    );
    assert_eq!(
        (r.status, r.error_code()),
        (400, Some("invalid_field")),
        "{}",
        r.describe()
    );
    let r = switch.owner("GET", "/working-hours", None);
    assert_eq!(
        r.error_code(),
        Some("no_working_hours"),
        "nothing stored: {}",
        r.describe()
    );
    let r = switch.owner(
        "PUT",
        "/working-hours",
        Some(&json!({ "mode": "gate", "timezone": "UTC", "nope": 1 })),
    );
    assert_eq!(
        r.status,
        400,
        "unknown fields are refused: {}",
        r.describe()
    );

    // Hours keep their scope's mode; a group's new hours take the site's.
    let hours = json!({ "timezone": "UTC", "weekly": week });
    let r = switch.owner_ok("PUT", "/working-hours", Some(&hours));
    assert_eq!(r.body["mode"], "switch", "{}", r.body);
    assert_eq!(
        switch.owner_ok("GET", "/working-hours", None).body["mode"],
        "switch"
    );
    switch.add_group("sales", "Sales");
    let sales = switch.owner_ok("PUT", "/groups/sales/working-hours", Some(&hours));
    assert_eq!(sales.body["mode"], "switch");
    let mut gated = hours.clone();
    gated["mode"] = json!("gate");
    switch.owner_ok("PUT", "/groups/sales/working-hours", Some(&gated));
    let again = switch.owner_ok("PUT", "/groups/sales/working-hours", Some(&hours));
    assert_eq!(
        again.body["mode"], "gate",
        "saved without a mode, the group keeps its own"
    );
    // The site's mode is a setting; its hours follow it, a group's own do not.
    switch.settings(json!({ "working_hours_mode": "gate" }));
    assert_eq!(
        switch.owner_ok("GET", "/working-hours", None).body["mode"],
        "gate"
    );
    let mut switching = hours.clone();
    switching["mode"] = json!("switch");
    switch.owner_ok("PUT", "/groups/sales/working-hours", Some(&switching));
    switch.settings(json!({ "working_hours_mode": "gate" }));
    assert_eq!(
        switch
            .owner_ok("GET", "/groups/sales/working-hours", None)
            .body["mode"],
        "switch"
    );
    let settings = switch.owner_ok("GET", "/settings", None).body;
    assert_eq!(settings["working_hours_mode"], "gate", "{settings}");
}

#[test]
fn in_switch_mode_an_agent_online_by_hand_outside_hours_is_reachable_and_saving_switches_nobody() {
    let site = switch_site(shared_edge());
    let giulia = site.add_agent("giulia", "Giulia", &[]);
    let (mut visitor, _) = site.live(None);
    giulia.set_status(None, "online", None);
    live_until(&mut visitor, "online", FRAME_WAIT);

    // UTC, open every day, closed today: saved now, its closing is no
    // boundary of its own, and Giulia stays online.
    let today = minute_mark(Duration::ZERO, 2).div_euclid(DAY);
    let day = json!([["00:00", "24:00"]]);
    let closed_today = json!({
        "timezone": "UTC",
        "weekly": { "mon": day, "tue": day, "wed": day, "thu": day, "fri": day, "sat": day, "sun": day },
        "exceptions": [{ "date": date_string(today), "hours": [] }]
    });
    site.owner_ok("PUT", "/working-hours", Some(&closed_today));
    let frames = visitor.collect_for(SILENCE);
    assert!(
        frames.is_empty(),
        "saving the hours changed what visitors see: {frames:?}"
    );
    let now = site.status_now(None);
    assert_eq!(
        (now["status"].as_str(), now["reason"].as_str()),
        (Some("online"), Some("agents_online")),
        "{now}"
    );

    // Offline by hand: visitors are told when the team is back.
    let tomorrow = (today + 1) * DAY;
    giulia.set_status(None, "offline", None);
    let (v, _) = live_until(&mut visitor, "offline", FRAME_WAIT);
    assert_eq!(v["reason"], "outside_hours", "{v}");
    assert_eq!(rfc(&v["back_at"]), Some(tomorrow), "{v}");

    // Online by hand after closing: the chat box is online (a gate would
    // keep it offline), until the next opening at the latest.
    giulia.set_status(None, "online", None);
    let (v, _) = live_until(&mut visitor, "online", FRAME_WAIT);
    assert_eq!(v["reason"], "agents_online", "{v}");
    let me = giulia.me();
    let agent = &me.body["agent"];
    assert_eq!(agent["set_by"], "manual", "{agent}");
    assert_eq!(rfc(&agent["next_switch"]["at"]), Some(tomorrow), "{agent}");
    assert_eq!(agent["next_switch"]["status"], "online", "{agent}");

    // Saving the hours again, or other hours, switches nobody.
    site.owner_ok("PUT", "/working-hours", Some(&closed_today));
    site.owner_ok(
        "PUT",
        "/settings",
        Some(&json!({ "working_hours_mode": "switch" })),
    );
    let frames = visitor.collect_for(SILENCE);
    assert!(
        frames.is_empty(),
        "saving changed what visitors see: {frames:?}"
    );
    visitor.close();
}

/// One site's story at real boundaries, in its own thread.
fn switch_story(opening: i64, closing: i64) {
    let site = switch_site(shared_edge());
    let giulia = site.add_agent("giulia", "Giulia", &[]);
    let (mut device, _) = giulia.device();
    let (mut visitor, _) = site.live(None);
    giulia.set_status(None, "offline", None);
    live_until(&mut visitor, "offline", FRAME_WAIT);
    let hours = one_interval(&hhmm(opening), &hhmm(closing), opening, None);
    let saved = site.owner_ok("PUT", "/working-hours", Some(&hours));
    assert_eq!(
        saved.body["mode"], "switch",
        "a new site's hours switch: {}",
        saved.body
    );

    // The opening turns Giulia online.
    let agent = device_chose(
        &mut device,
        until(opening, FRAME_WAIT),
        "online",
        "working_hours",
    );
    assert_eq!(rfc(&agent["set_at"]), Some(opening), "{agent}");
    assert_eq!(rfc(&agent["next_switch"]["at"]), Some(closing), "{agent}");
    assert_eq!(agent["next_switch"]["status"], "offline", "{agent}");
    let (v, _) = live_until(&mut visitor, "online", FRAME_WAIT);
    assert_eq!(v["reason"], "agents_online", "{v}");

    // Busy by hand after it: that wins until the closing.
    giulia.set_status(None, "busy", Some("Back in five"));
    let agent = device_chose(&mut device, FRAME_WAIT, "busy", "manual");
    assert_eq!(rfc(&agent["next_switch"]["at"]), Some(closing), "{agent}");
    let (v, _) = live_until(&mut visitor, "busy", FRAME_WAIT);
    assert_eq!(v["message"], "Back in five", "{v}");

    // The closing turns her offline; visitors are told when the team is back.
    let agent = device_chose(
        &mut device,
        until(closing, FRAME_WAIT),
        "offline",
        "working_hours",
    );
    assert_eq!(rfc(&agent["set_at"]), Some(closing), "{agent}");
    assert_eq!(agent["message"], Value::Null, "{agent}");
    let next_opening = opening + 7 * DAY;
    assert_eq!(
        rfc(&agent["next_switch"]["at"]),
        Some(next_opening),
        "{agent}"
    );
    let (v, _) = live_until(&mut visitor, "offline", FRAME_WAIT);
    assert_eq!(v["reason"], "outside_hours", "{v}");
    assert_eq!(rfc(&v["back_at"]), Some(next_opening), "{v}");

    // Staying late: online by hand after closing, and the chat box is online.
    giulia.set_status(None, "online", None);
    let (v, _) = live_until(&mut visitor, "online", FRAME_WAIT);
    assert_eq!(v["reason"], "agents_online", "{v}");
    let agent = site.owner_ok("GET", "/agents/giulia", None).body;
    assert_eq!(
        (agent["manual_status"].as_str(), agent["set_by"].as_str()),
        (Some("online"), Some("manual")),
        "{agent}"
    );
    assert_eq!(
        rfc(&agent["next_switch"]["at"]),
        Some(next_opening),
        "{agent}"
    );

    // Saving the hours again is no status change.
    site.owner_ok("PUT", "/working-hours", Some(&hours));
    let frames = visitor.collect_for(SILENCE);
    assert!(
        frames.is_empty(),
        "configuration changes switched someone: {frames:?}"
    );
    assert_eq!(site.status_now(None)["status"], "online");
    device.close();
    visitor.close();
}

/// The same boundaries on a gate site: they switch nobody.
fn gate_story(opening: i64, closing: i64) {
    let site = site();
    site.set_grace(600);
    let ugo = site.add_agent("ugo", "Ugo", &[]);
    let (mut device, _) = ugo.device();
    let (mut visitor, _) = site.live(None);
    ugo.set_status(None, "offline", None);
    let hours = one_interval(&hhmm(opening), &hhmm(closing), opening, None);
    assert_eq!(
        site.owner_ok("PUT", "/working-hours", Some(&hours)).body["mode"],
        "gate"
    );
    live_until(&mut visitor, "offline", FRAME_WAIT);

    // The gate opens: offline by hand stays offline.
    let (v, _) = visitor
        .wait_for(until(opening, FRAME_WAIT), |v| v["reason"] == "no_agents")
        .unwrap_or_else(|e| panic!("gate opened: {e}"));
    assert_eq!(audience_status(&v), Some("offline"));
    ugo.set_status(None, "online", None);
    live_until(&mut visitor, "online", FRAME_WAIT);
    // It closes: offline whatever Ugo does, and Ugo's own choice stands.
    let (v, _) = live_until(&mut visitor, "offline", until(closing, FRAME_WAIT));
    assert_eq!(v["reason"], "outside_hours", "{v}");
    let agent = site.owner_ok("GET", "/agents/ugo", None).body;
    assert_eq!(
        (agent["manual_status"].as_str(), agent["set_by"].as_str()),
        (Some("online"), Some("manual")),
        "{agent}"
    );
    assert_eq!(agent["next_switch"], Value::Null, "{agent}");
    let frames = device.collect_for(SILENCE);
    assert!(
        !frames
            .iter()
            .any(|f| f["agent"]["set_by"] == "working_hours"),
        "a gate switched someone: {frames:?}"
    );
    device.close();
    visitor.close();
}

/// An edge where nothing but its alarm wakes an idle site's object: the
/// widgets' relays, which sync with their site every 30 s by themselves
/// (edge/src/relaying.rs), wait longer than these tests do. A boundary then
/// reaches the widgets as a publish from the site, woken by its alarm.
fn asleep_edge() -> LocalEdge {
    let mut options = EdgeOptions::for_test("hours-asleep");
    options
        .vars
        .push(("RELAY_SYNC_MS".into(), "3600000".into()));
    start_edge(options)
}

/// A closing crossed while the site's object is evicted: the alarm wakes a
/// new instance at the boundary, which tells everyone once (the visitor on
/// a relay, the agent's device on the site's object).
fn asleep_story(base: &str, closing: i64) {
    let site = switch_site(base);
    let giulia = site.add_agent("giulia", "Giulia", &[]);
    giulia.set_status(None, "online", None);
    let (mut device, _) = giulia.device();
    let (mut visitor, _) = site.live(None);
    let hours = one_interval("00:00", &hhmm(closing), closing, None);
    site.owner_ok("PUT", "/working-hours", Some(&hours));
    let before = site.stats();
    let started = |s: &Value| s["instance_started_at"].as_str().and_then(parse_rfc3339);
    assert!(closing - now_ms() > 20_000, "time to be evicted first");

    // Nobody touches the object until the boundary; sockets only read.
    let frames = visitor.collect_for(until(closing, FRAME_WAIT));
    let offline: Vec<&Value> = frames
        .iter()
        .filter(|f| audience_status(f) == Some("offline"))
        .collect();
    assert_eq!(offline.len(), 1, "visitors were told once: {frames:?}");
    assert_eq!(offline[0]["reason"], "outside_hours");
    let after = site.stats();
    assert_ne!(
        started(&after),
        started(&before),
        "the object was evicted: {before} {after}"
    );
    assert!(
        started(&after).is_some_and(|t| t >= closing - 1_000),
        "a new instance started at the boundary (woken by the alarm): {after}"
    );
    assert!(
        after["alarms"].as_i64() > before["alarms"].as_i64(),
        "{before} {after}"
    );
    let frames = device.collect_for(Duration::from_millis(200));
    let switched: Vec<&Value> = frames
        .iter()
        .filter(|f| chosen(f, "offline", "working_hours"))
        .collect();
    assert_eq!(switched.len(), 1, "her devices were told once: {frames:?}");
    // Woken again: nothing more.
    assert_eq!(site.status_now(None)["status"], "offline");
    assert!(
        visitor.collect_for(SILENCE).is_empty(),
        "told again after a wake"
    );
    device.close();
    visitor.close();
}

#[test]
fn at_real_boundaries_switch_hours_change_statuses_a_gate_does_not_and_an_evicted_object_catches_up(
) {
    let asleep = asleep_edge();
    let opening = minute_mark(Duration::from_secs(35), 2);
    let closing = opening + MINUTE;
    std::thread::scope(|s| {
        s.spawn(|| switch_story(opening, closing));
        s.spawn(|| gate_story(opening, closing));
        s.spawn(|| asleep_story(&asleep.url, opening));
    });
}

#[test]
fn an_alarm_that_runs_again_after_a_boundary_switches_nobody_again() {
    // A resident object's alarm runs every 8 s (edge/src/residency.rs): each
    // run is the alarm handler again, with no new input.
    let mut options = EdgeOptions::for_test("hours-alarm-again");
    options
        .vars
        .push(("KEEP_RESIDENT_FROM_VISITORS".into(), "2".into()));
    // The site's object holds the widgets itself, so their number makes it
    // resident (on relays, each relay applies the rule to its own sockets;
    // tests/tests/api/residency.rs).
    options.vars.push(("VISITOR_SOCKETS".into(), "site".into()));
    let edge = start_edge(options);
    let site = switch_site(&edge.url);
    let giulia = site.add_agent("giulia", "Giulia", &[]);
    giulia.set_status(None, "online", None);
    let (mut device, _) = giulia.device();
    let (mut visitor, _) = site.live(None);
    let (second, _) = site.live(None);
    let closing = minute_mark(Duration::from_secs(10), 2);
    site.owner_ok(
        "PUT",
        "/working-hours",
        Some(&one_interval("00:00", &hhmm(closing), closing, None)),
    );
    assert_eq!(site.stats()["resident"], true);

    device_chose(
        &mut device,
        until(closing, FRAME_WAIT),
        "offline",
        "working_hours",
    );
    live_until(&mut visitor, "offline", FRAME_WAIT);
    // Giulia stays: online by hand after the closing.
    giulia.set_status(None, "online", None);
    live_until(&mut visitor, "online", FRAME_WAIT);
    device_until(&mut device, "online");
    let alarms = |s: &Value| s["alarms"].as_i64().unwrap_or(0);
    let after_change = alarms(&site.stats());

    // The alarm runs at least twice more; each evaluates the boundary again.
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    while alarms(&site.stats()) < after_change + 2 {
        assert!(
            std::time::Instant::now() < deadline,
            "the alarm did not run again"
        );
        sleep(Duration::from_secs(1));
    }
    let frames = visitor.collect_for(SILENCE);
    assert!(
        frames.is_empty(),
        "visitors were told something again: {frames:?}"
    );
    let frames = device.collect_for(Duration::from_millis(200));
    assert!(
        !frames.iter().any(|f| chosen(f, "offline", "working_hours")),
        "the boundary switched her again: {frames:?}"
    );
    let agent = site.owner_ok("GET", "/agents/giulia", None).body;
    assert_eq!(
        (agent["status"].as_str(), agent["set_by"].as_str()),
        (Some("online"), Some("manual")),
        "{agent}"
    );
    site.wait_status(None, "online", HTTP_WAIT);
    device.close();
    visitor.close();
    second.close();
}
