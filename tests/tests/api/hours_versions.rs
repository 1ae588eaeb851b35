//! The insights of a past day use the working hours in force that day,
//! not today's (issue 15): each save or removal of a scope's hours is
//! kept with the instant it took effect. The edge's clock is the real
//! one, so "yesterday" is a new site's yesterday (it had no hours then:
//! all of it counts), and today holds two versions a few seconds apart.

use crate::helpers::site;
use presenza_tests::api::{now_ms, parse_rfc3339, weekday_key, TestSite};
use serde_json::{json, Value};
use std::thread::sleep;
use std::time::Duration;

const DAY: i64 = 86_400_000;

/// The site's audience in `GET insights?from=&to=`.
#[track_caller]
fn site_insights(site: &TestSite, from: i64, to: i64) -> Value {
    let r = site.owner_ok("GET", &format!("/insights?from={from}&to={to}"), None);
    r.body["audiences"]
        .as_array()
        .and_then(|list| list.iter().find(|a| a["group"].is_null()).cloned())
        .unwrap_or_else(|| panic!("the site's audience: {}", r.body))
}

/// The working-hours spans of an audience's insights, in ms.
fn spans(audience: &Value) -> Vec<(i64, i64)> {
    let at = |v: &Value| v.as_str().and_then(parse_rfc3339).expect("an instant");
    audience["working_hours"]
        .as_array()
        .unwrap_or_else(|| panic!("working_hours: {audience}"))
        .iter()
        .map(|s| (at(&s["from"]), at(&s["to"])))
        .collect()
}

/// Saves the site's hours; returns the instants around the save.
fn save_hours(site: &TestSite, weekly: Value) -> (i64, i64) {
    let before = now_ms();
    site.owner_ok(
        "PUT",
        "/working-hours",
        Some(&json!({ "timezone": "UTC", "mode": "gate", "weekly": weekly })),
    );
    (before, now_ms())
}

#[test]
fn changed_hours_leave_the_past_as_it_was() {
    // Today's hours must stay open for the few seconds of the test.
    let mut now = now_ms();
    if now.rem_euclid(DAY) > DAY - 30_000 {
        sleep(Duration::from_millis(
            (DAY - now.rem_euclid(DAY) + 1_000) as u64,
        ));
        now = now_ms();
    }
    let today = now.div_euclid(DAY);
    let yesterday = (today - 1) * DAY;
    let site = site();
    let ann = site.add_agent("ann", "Ann", &[]);
    ann.set_status(None, "online", None);

    // Open all day, every day; then, a moment later, 10:00–11:00 on
    // every other day and closed today.
    let all_day: Value = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
        .iter()
        .map(|d| (d.to_string(), json!([["00:00", "24:00"]])))
        .collect::<serde_json::Map<_, _>>()
        .into();
    let (first_saved, _) = save_hours(&site, all_day);
    sleep(Duration::from_millis(1_500));
    let later: Value = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
        .iter()
        .filter(|d| **d != weekday_key(today))
        .map(|d| (d.to_string(), json!([["10:00", "11:00"]])))
        .collect::<serde_json::Map<_, _>>()
        .into();
    let (before_change, after_change) = save_hours(&site, later);
    sleep(Duration::from_millis(500));

    // Yesterday: no hours were set then, so all of it counts — not
    // today's 10:00–11:00.
    let day = site_insights(&site, yesterday, yesterday + DAY);
    assert_eq!(spans(&day), [(yesterday, yesterday + DAY)], "{day}");
    assert_eq!(day["coverage"]["working_ms"], DAY, "{day}");
    assert_eq!(day["has_working_hours"], false, "{day}");

    // From yesterday to now: all of yesterday, then today until the
    // change (first hours open all day), then nothing (closed today).
    let both = site_insights(&site, yesterday, now_ms() + 60_000);
    let got = spans(&both);
    assert_eq!(got.len(), 1, "{both}");
    let (from, to) = got[0];
    assert_eq!(from, yesterday, "{both}");
    assert!(
        (before_change..=after_change).contains(&to),
        "open until the change ({before_change}..={after_change}), not {to}: {both}"
    );
    assert!(to > first_saved, "{both}");
    assert_eq!(both["has_working_hours"], true, "{both}");

    // After the change: today's new hours, closed.
    let since = site_insights(&site, after_change + 1, now_ms() + 60_000);
    assert_eq!(spans(&since), [], "{since}");
    assert_eq!(since["coverage"]["working_ms"], 0, "{since}");
    assert_eq!(since["has_working_hours"], true, "{since}");

    // Hours removed: from then on all the time counts again.
    let removed_at = now_ms();
    let r = site.owner("DELETE", "/working-hours", None);
    assert_eq!(r.status, 204, "{}", r.describe());
    sleep(Duration::from_millis(300));
    let after = site_insights(&site, removed_at - 200, now_ms());
    let got = spans(&after);
    assert_eq!(got.len(), 1, "{after}");
    assert!(got[0].0 >= removed_at && got[0].0 <= now_ms(), "{after}");
}
