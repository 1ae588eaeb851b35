//! Well-formed bodies that break a rule: out-of-bounds grace periods, bad
//! origins, bad schedules (time zone, overlapping or empty intervals, times,
//! weekdays, dates, duplicate exceptions) and unknown statuses are 400 with
//! the rule's code, and change nothing.

use crate::helpers::bad_input::{case, fixture, run, As, Body, Case};
use serde_json::{json, Value};

#[test]
fn rule_violations_are_400_with_the_rule_code() {
    let fx = fixture();
    let p = |rest: &str| fx.site.path(rest);
    let settings = |v: Value| case("", "PUT", p("/settings"), As::Owner, Body::Json(v), &[400]);
    let hours = |v: Value| {
        case(
            "",
            "PUT",
            p("/working-hours"),
            As::Owner,
            Body::Json(v),
            &[400],
        )
    };
    let group_hours = |v: Value| {
        case(
            "",
            "PUT",
            p("/groups/sales/working-hours"),
            As::Owner,
            Body::Json(v),
            &[400],
        )
    };
    let mut cases: Vec<(&str, Case, Option<&'static str>)> = vec![
        (
            "grace 9",
            settings(json!({ "grace_period_secs": 9 })),
            Some("grace_period_out_of_bounds"),
        ),
        (
            "grace 0",
            settings(json!({ "grace_period_secs": 0 })),
            Some("grace_period_out_of_bounds"),
        ),
        (
            "grace 3601",
            settings(json!({ "grace_period_secs": 3601 })),
            Some("grace_period_out_of_bounds"),
        ),
        (
            "grace negative",
            settings(json!({ "grace_period_secs": -5 })),
            None,
        ),
        (
            "grace huge",
            settings(json!({ "grace_period_secs": 1_u64 << 40 })),
            None,
        ),
        (
            "origin not a url",
            settings(json!({ "allowed_origins": ["not an origin"] })),
            None,
        ),
        (
            "origin with a path",
            settings(json!({ "allowed_origins": ["https://shop.example/checkout"] })),
            None,
        ),
        (
            "bad time zone",
            hours(json!({ "timezone": "Mars/Olympus_Mons", "weekly": {} })),
            Some("unknown_time_zone"),
        ),
        (
            "overlapping intervals",
            hours(
                json!({ "timezone": "UTC", "weekly": { "mon": [["09:00", "12:00"], ["11:00", "13:00"]] } }),
            ),
            Some("overlapping_intervals"),
        ),
        (
            "overlap across midnight",
            group_hours(
                json!({ "timezone": "UTC", "weekly": { "mon": [["22:00", "02:00"]], "tue": [["01:00", "05:00"]] } }),
            ),
            Some("overlapping_intervals"),
        ),
        (
            "invalid time",
            hours(json!({ "timezone": "UTC", "weekly": { "mon": [["09:00", "25:00"]] } })),
            Some("invalid_time"),
        ),
        (
            "time not hh:mm",
            hours(json!({ "timezone": "UTC", "weekly": { "mon": [["9am", "5pm"]] } })),
            Some("invalid_time"),
        ),
        (
            "unknown weekday",
            hours(json!({ "timezone": "UTC", "weekly": { "funday": [["09:00", "17:00"]] } })),
            Some("unknown_weekday"),
        ),
        (
            "empty interval",
            hours(json!({ "timezone": "UTC", "weekly": { "mon": [["10:00", "10:00"]] } })),
            Some("empty_interval"),
        ),
        (
            "invalid date",
            hours(
                json!({ "timezone": "UTC", "exceptions": [{ "date": "2026-02-30", "hours": [] }] }),
            ),
            Some("invalid_date"),
        ),
        (
            "duplicate exception",
            group_hours(json!({ "timezone": "UTC", "exceptions": [
                { "date": "2026-12-25", "hours": [] }, { "date": "2026-12-25", "hours": [["10:00", "12:00"]] }
            ] })),
            Some("duplicate_exception"),
        ),
        (
            "unknown status",
            case(
                "",
                "PUT",
                p("/agents/me/status"),
                As::Agent,
                Body::Json(json!({ "status": "away" })),
                &[400],
            ),
            None,
        ),
        (
            "status in capitals",
            case(
                "",
                "PUT",
                p("/agents/me/status"),
                As::Agent,
                Body::Json(json!({ "status": "ONLINE" })),
                &[400],
            ),
            None,
        ),
    ];
    let cases = cases
        .drain(..)
        .map(|(name, mut c, code)| {
            c.name = name.to_string();
            c.code = code;
            c
        })
        .collect();
    run(&fx, cases);

    // None of these changed the settings.
    let s = fx.site.owner_ok("GET", "/settings", None).body;
    assert!(
        (10..=3600).contains(&s["grace_period_secs"].as_u64().unwrap_or(0)),
        "grace period after rejected updates: {s}"
    );
}

/// A refused schedule says where the error is (`error.at`), so that the
/// console shows it next to the day in the owner's words (issue 14, item 5).
#[test]
fn schedule_errors_say_where_they_are() {
    let site = crate::helpers::site();
    let put = |v: Value| site.owner("PUT", "/working-hours", Some(&v));
    let r = put(json!({ "timezone": "UTC",
        "weekly": { "mon": [["09:00", "17:00"], ["10:00", "12:00"]] } }));
    assert_eq!(r.status, 400, "{}", r.describe());
    assert_eq!(
        r.body["error"]["at"],
        json!({ "day": "mon", "intervals": ["09:00-17:00", "10:00-12:00"] }),
        "{}",
        r.body
    );
    let r = put(json!({ "timezone": "UTC", "weekly": {},
        "exceptions": [{ "date": "2026-12-25", "hours": [["22:00", "22:00"]] }] }));
    assert_eq!(
        r.body["error"]["at"],
        json!({ "day": "2026-12-25", "intervals": ["22:00-22:00"] }),
        "{}",
        r.body
    );
    let r = put(json!({ "timezone": "Mars/Base", "weekly": {} }));
    assert_eq!(
        r.body["error"]["at"],
        json!({ "value": "Mars/Base" }),
        "{}",
        r.body
    );
    // Other errors carry no place.
    let r = site.owner("PUT", "/settings", Some(&json!({ "grace_period_secs": 1 })));
    assert_eq!(r.status, 400, "{}", r.describe());
    assert!(r.body["error"].get("at").is_none(), "{}", r.body);
}
