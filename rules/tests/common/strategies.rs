//! proptest strategies: valid schedules, sites and agents around DST
//! transitions.

use std::collections::BTreeMap;

use proptest::collection::{btree_set, vec};
use proptest::prelude::*;
use proptest::sample::{select, subsequence};

use presenza_rules::hours::{ExceptionSpec, ScheduleSpec};
use presenza_rules::time::to_rfc3339;

use super::{at, DAY};

pub const ZONES: [&str; 5] = [
    "Europe/Rome",
    "Europe/Prague",
    "America/New_York",
    "Australia/Lord_Howe",
    "Asia/Kolkata",
];

pub const WEEKDAYS: [&str; 7] = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];

/// Instants near the 2026 DST transitions of the zones above (Kolkata has
/// none and gets them anyway).
pub fn transition_instants() -> Vec<i64> {
    [
        "2026-03-08T07:00:00Z", // New York spring forward
        "2026-03-29T01:00:00Z", // Rome / Prague spring forward
        "2026-04-04T15:00:00Z", // Lord Howe back (02:00 → 01:30)
        "2026-10-03T15:30:00Z", // Lord Howe forward (02:00 → 02:30)
        "2026-10-25T01:00:00Z", // Rome / Prague fall back
        "2026-11-01T06:00:00Z", // New York fall back
    ]
    .iter()
    .map(|t| at(t))
    .collect()
}

/// "HH:MM" of a half-hour grid point (48 = "24:00").
pub fn half_hour(point: u8) -> String {
    format!("{:02}:{:02}", point / 2, (point % 2) * 30)
}

/// One day's disjoint intervals as half-hour grid points `[start, end)`,
/// sorted; ends may be 48 (24:00).
pub fn day_points() -> impl Strategy<Value = Vec<(u8, u8)>> {
    prop_oneof![
        1 => Just(vec![]),
        1 => Just(vec![(0, 48)]),
        // Half of the grid points fall in the DST hours (01:00-03:30).
        4 => btree_set(prop_oneof![0u8..=48, 2u8..=7], 0..=6).prop_map(|points| {
            let points: Vec<u8> = points.into_iter().collect();
            points.chunks_exact(2).map(|p| (p[0], p[1])).collect()
        }),
    ]
}

/// A valid weekly schedule (intervals on a half-hour grid so they hit the
/// DST hours, some across midnight) with a few exceptions near `around`.
pub fn schedule_spec(around: i64) -> impl Strategy<Value = ScheduleSpec> {
    (
        select(&ZONES[..]),
        vec(day_points(), 7),
        vec(any::<u8>(), 7),
        vec((0i64..12, day_points()), 0..3),
    )
        .prop_map(move |(zone, mut days, spill_choices, exceptions)| {
            // Turn some "…-24:00" into an across-midnight end that does not
            // reach the next day's first start.
            let firsts: Vec<u8> = days
                .iter()
                .map(|d| d.first().map_or(48, |&(start, _)| start))
                .collect();
            for (i, day) in days.iter_mut().enumerate() {
                if let Some(last) = day.last_mut() {
                    let next_first = firsts[(i + 1) % 7];
                    let limit = next_first.min(last.0.saturating_sub(1));
                    if last.1 == 48 && limit > 0 && spill_choices[i] % 3 == 0 {
                        last.1 = spill_choices[i] % (limit + 1); // 0..=limit, 0 = 24:00
                        if last.1 == last.0 {
                            last.1 = 48;
                        }
                    }
                }
            }
            let to_strings = |points: &Vec<(u8, u8)>| -> Vec<[String; 2]> {
                points
                    .iter()
                    .map(|&(s, e)| [half_hour(s), half_hour(e)])
                    .collect()
            };
            let weekly: BTreeMap<String, Vec<[String; 2]>> = WEEKDAYS
                .iter()
                .zip(&days)
                .map(|(day, points)| ((*day).to_owned(), to_strings(points)))
                .collect();
            let mut seen = std::collections::BTreeSet::new();
            let exceptions = exceptions
                .iter()
                .filter(|(offset, _)| seen.insert(*offset))
                .map(|(offset, points)| ExceptionSpec {
                    date: to_rfc3339(around + (offset - 6) * DAY)[..10].to_owned(),
                    hours: to_strings(points),
                })
                .collect();
            ScheduleSpec {
                timezone: zone.to_owned(),
                weekly,
                exceptions,
            }
        })
}

/// A subset of `items` (any size, order kept).
pub fn some_of(items: &'static [&'static str]) -> impl Strategy<Value = Vec<&'static str>> {
    subsequence(items, 0..=items.len())
}
