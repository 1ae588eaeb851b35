//! Working hours: open now is online; closed now is offline with
//! `outside_hours`, `back_at` and `next_change`; schedules follow their
//! time zone; a group's hours override the site's.

use crate::helpers::{live_until, site, FRAME_WAIT, HTTP_WAIT};
use presenza_tests::api::{date_string, now_ms, parse_rfc3339};
use serde_json::{json, Value};
use std::time::Duration;

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
