//! Working hours across DST transitions in Europe/Rome, Europe/Prague,
//! America/New_York, Australia/Lord_Howe (30-minute DST) and Asia/Kolkata
//! (half-hour offset, no DST), checked by hand and against a reference that
//! resolves every interval with jiff directly.
#![cfg(feature = "hours")]

mod common;

use common::strategies::{day_points, half_hour, schedule_spec, transition_instants, ZONES};
use common::*;
use jiff::civil::{Date, DateTime};
use jiff::tz::TimeZone;
use jiff::Timestamp;
use presenza_rules::hours::ExceptionSpec;
use presenza_rules::hours::{Schedule, ScheduleSpec};
use presenza_rules::time::to_rfc3339;
use proptest::prelude::*;

/// Open duration of `hours` between two instants, by walking its boundaries.
fn open_millis(hours: &Schedule, from: i64, until: i64) -> i64 {
    let mut total = 0;
    let mut t = from;
    loop {
        let next = hours.next_boundary(t).map_or(until, |b| b.min(until));
        assert!(next > t || next == until, "next_boundary went backwards");
        if hours.is_open(t) {
            total += next - t;
        }
        if next >= until {
            return total;
        }
        t = next;
    }
}

#[test]
fn rome_spring_forward_skips_an_interval_inside_the_missing_hour() {
    // Sunday 2026-03-29: 02:00 CET jumps to 03:00 CEST (01:00 UTC).
    let hours = schedule(&spec("Europe/Rome", &[("sun", &[("02:00", "03:00")])]));
    let saturday = at("2026-03-28T12:00:00Z");
    let monday = at("2026-03-30T00:00:00Z");
    assert_eq!(open_millis(&hours, saturday, monday), 0);
    // The next opening is the following Sunday at 02:00 CEST, never <= now.
    assert_eq!(
        hours.next_boundary(saturday),
        Some(at("2026-04-05T00:00:00Z"))
    );
    for minute in 0..180 {
        let now = at("2026-03-29T00:00:00Z") + minute * MINUTE;
        let boundary = hours.next_boundary(now).expect("opens again");
        assert!(boundary > now);
        assert!(!hours.is_open(now));
    }
}

#[test]
fn rome_spring_forward_makes_a_night_shift_an_hour_shorter() {
    let hours = schedule(&spec("Europe/Rome", &[("sun", &[("01:00", "04:00")])]));
    let (from, until) = (at("2026-03-28T00:00:00Z"), at("2026-03-30T00:00:00Z"));
    assert_eq!(open_millis(&hours, from, until), 2 * HOUR);
    assert_eq!(hours.next_boundary(from), Some(at("2026-03-29T00:00:00Z")));
    assert_eq!(
        hours.next_boundary(at("2026-03-29T00:00:00Z")),
        Some(at("2026-03-29T02:00:00Z"))
    );
}

#[test]
fn rome_fall_back_makes_a_night_shift_an_hour_longer_and_a_fold_time_means_the_first_one() {
    let hours = schedule(&spec("Europe/Rome", &[("sun", &[("01:00", "04:00")])]));
    let (from, until) = (at("2026-10-24T00:00:00Z"), at("2026-10-26T00:00:00Z"));
    assert_eq!(open_millis(&hours, from, until), 4 * HOUR);

    // 02:30 happens twice; the interval starts at the first (CEST, 00:30 UTC).
    let hours = schedule(&spec("Europe/Rome", &[("sun", &[("02:30", "03:00")])]));
    assert_eq!(hours.next_boundary(from), Some(at("2026-10-25T00:30:00Z")));
    assert_eq!(
        hours.next_boundary(at("2026-10-25T00:30:00Z")),
        Some(at("2026-10-25T02:00:00Z"))
    );
    // Inside the repeated hour (second pass) it is still open: one stretch.
    assert!(hours.is_open(at("2026-10-25T01:15:00Z")));
}

#[test]
fn prague_keeps_an_office_day_at_the_same_local_hours_across_both_transitions() {
    let hours = schedule(&every_day("Europe/Prague", &[("09:00", "17:00")]));
    // Winter (UTC+1) before, summer (UTC+2) after the spring transition.
    assert_eq!(
        hours.next_boundary(at("2026-03-28T00:00:00Z")),
        Some(at("2026-03-28T08:00:00Z"))
    );
    assert_eq!(
        hours.next_boundary(at("2026-03-29T00:00:00Z")),
        Some(at("2026-03-29T07:00:00Z"))
    );
    assert_eq!(
        hours.next_boundary(at("2026-10-25T00:00:00Z")),
        Some(at("2026-10-25T08:00:00Z"))
    );
    assert_eq!(
        open_millis(
            &hours,
            at("2026-03-23T00:00:00Z"),
            at("2026-04-06T00:00:00Z")
        ),
        14 * 8 * HOUR
    );
}

#[test]
fn an_always_open_schedule_never_flips_across_dst() {
    for zone in ["Europe/Prague", "Australia/Lord_Howe", "America/Santiago"] {
        let hours = schedule(&every_day(zone, &[("00:00", "24:00")]));
        for start in transition_instants() {
            for hour in -30..30 {
                let now = start + hour * HOUR;
                assert!(hours.is_open(now), "{zone} {now}");
                assert_eq!(hours.next_boundary(now), None, "{zone} {now}");
            }
        }
    }
}

#[test]
fn new_york_opening_moves_with_the_clock_on_spring_forward_and_fall_back() {
    let hours = schedule(&every_day("America/New_York", &[("09:00", "17:00")]));
    assert_eq!(
        hours.next_boundary(at("2026-03-07T00:00:00Z")),
        Some(at("2026-03-07T14:00:00Z"))
    );
    assert_eq!(
        hours.next_boundary(at("2026-03-09T00:00:00Z")),
        Some(at("2026-03-09T13:00:00Z"))
    );
    assert_eq!(
        hours.next_boundary(at("2026-11-02T00:00:00Z")),
        Some(at("2026-11-02T14:00:00Z"))
    );
    // 02:00-03:00 on 2026-03-08 does not exist; 01:00-03:00 on 2026-11-01 lasts 3 h.
    let night = schedule(&spec("America/New_York", &[("sun", &[("01:00", "03:00")])]));
    assert_eq!(
        open_millis(
            &night,
            at("2026-03-07T00:00:00Z"),
            at("2026-03-09T00:00:00Z")
        ),
        HOUR
    );
    assert_eq!(
        open_millis(
            &night,
            at("2026-10-31T00:00:00Z"),
            at("2026-11-02T00:00:00Z")
        ),
        3 * HOUR
    );
}

#[test]
fn lord_howe_thirty_minute_dst_shortens_and_lengthens_by_half_an_hour() {
    // 2026-10-04 02:00 (+10:30) jumps to 02:30 (+11); 2026-04-05 02:00 (+11) back to 01:30.
    let hours = schedule(&spec(
        "Australia/Lord_Howe",
        &[("sun", &[("01:00", "03:00")])],
    ));
    let spring = open_millis(
        &hours,
        at("2026-10-02T00:00:00Z"),
        at("2026-10-05T00:00:00Z"),
    );
    assert_eq!(spring, 90 * MINUTE);
    let autumn = open_millis(
        &hours,
        at("2026-04-03T00:00:00Z"),
        at("2026-04-06T00:00:00Z"),
    );
    assert_eq!(autumn, 150 * MINUTE);
    // 02:00-02:30 falls in the gap: moved later by the gap, so it is empty.
    let gap = schedule(&spec(
        "Australia/Lord_Howe",
        &[("sun", &[("02:00", "02:30")])],
    ));
    assert_eq!(
        open_millis(&gap, at("2026-10-02T00:00:00Z"), at("2026-10-05T00:00:00Z")),
        0
    );
    // Opening at 02:15 on that night means 02:45 (+11) = 15:45 UTC.
    let late = schedule(&spec(
        "Australia/Lord_Howe",
        &[("sun", &[("02:15", "04:00")])],
    ));
    assert_eq!(
        late.next_boundary(at("2026-10-03T00:00:00Z")),
        Some(at("2026-10-03T15:45:00Z"))
    );
}

#[test]
fn kolkata_uses_its_half_hour_offset_all_year() {
    let hours = schedule(&every_day("Asia/Kolkata", &[("09:00", "17:30")]));
    for date in [
        "2026-01-15",
        "2026-03-29",
        "2026-07-01",
        "2026-10-25",
        "2026-11-01",
    ] {
        let midnight_utc = at(&format!("{date}T00:00:00Z"));
        assert_eq!(
            hours.next_boundary(midnight_utc),
            Some(midnight_utc + 3 * HOUR + 30 * MINUTE)
        );
        assert_eq!(
            hours.next_boundary(midnight_utc + 4 * HOUR),
            Some(midnight_utc + 12 * HOUR)
        );
    }
}

#[test]
fn a_zone_with_dst_at_midnight_keeps_midnight_intervals_sane() {
    // Santiago springs forward at 00:00 → 01:00 on 2026-09-06.
    let hours = schedule(&every_day("America/Santiago", &[("00:00", "08:00")]));
    let now = at("2026-09-05T20:00:00Z");
    let opening = hours.next_boundary(now).expect("opens");
    assert!(opening > now);
    assert!(hours.is_open(opening));
    assert!(!hours.is_open(opening - 1));
}

#[test]
fn a_week_that_never_changes_jumps_straight_to_a_far_exception() {
    // Closed every week; one special opening two months ahead.
    let mut closed = spec("Europe/Rome", &[]);
    closed.exceptions = vec![exception("2027-01-31", &[("10:00", "12:00")])];
    let hours = schedule(&closed);
    let now = at("2026-11-25T12:00:00Z");
    assert_eq!(hours.next_boundary(now), Some(at("2027-01-31T09:00:00Z")));
    assert_eq!(
        hours.next_boundary(at("2027-01-31T09:00:00Z")),
        Some(at("2027-01-31T11:00:00Z"))
    );
    assert_eq!(hours.next_boundary(at("2027-01-31T11:00:00Z")), None);

    // Open around the clock; closed on one far day, across a DST change.
    let mut open = every_day("America/New_York", &[("00:00", "24:00")]);
    open.exceptions = vec![
        exception("2027-04-01", &[]),
        exception("2027-04-03", &[("09:00", "10:00")]),
    ];
    let hours = schedule(&open);
    assert!(hours.is_open(now));
    assert_eq!(hours.next_boundary(now), Some(at("2027-04-01T04:00:00Z")));
    assert_eq!(
        hours.next_boundary(at("2027-04-01T04:00:00Z")),
        Some(at("2027-04-02T04:00:00Z"))
    );
    // Saturday 2027-04-03: open until midnight, closed, then 09:00-10:00 joins nothing.
    assert_eq!(
        hours.next_boundary(at("2027-04-02T04:00:00Z")),
        Some(at("2027-04-03T04:00:00Z"))
    );
    assert_eq!(
        hours.next_boundary(at("2027-04-03T04:00:00Z")),
        Some(at("2027-04-03T13:00:00Z"))
    );
    assert_eq!(
        hours.next_boundary(at("2027-04-03T13:00:00Z")),
        Some(at("2027-04-03T14:00:00Z"))
    );
    assert_eq!(
        hours.next_boundary(at("2027-04-03T14:00:00Z")),
        Some(at("2027-04-04T04:00:00Z"))
    );
    assert_eq!(hours.next_boundary(at("2027-04-04T04:00:00Z")), None);
}

// --- Against a reference that asks jiff for every interval -------------------

fn hm(text: &str) -> (i8, i8) {
    let (h, m) = text.split_once(':').expect("HH:MM");
    (h.parse().expect("hour"), m.parse().expect("minute"))
}

/// Every resolved `[start, end)` of the days around `now`, straight from
/// jiff's compatible disambiguation.
fn reference_intervals(spec: &ScheduleSpec, now: i64, days_after: i64) -> Vec<(i64, i64)> {
    let tz = TimeZone::get(&spec.timezone).expect("known zone");
    let today = tz
        .to_datetime(Timestamp::from_millisecond(now).expect("in range"))
        .date();
    let resolve = |date: Date, (h, m): (i8, i8)| -> i64 {
        let datetime = if h == 24 {
            date.tomorrow()
                .expect("date")
                .to_datetime(jiff::civil::Time::midnight())
        } else {
            DateTime::from_parts(date, jiff::civil::time(h, m, 0, 0))
        };
        tz.to_ambiguous_timestamp(datetime)
            .compatible()
            .expect("resolves")
            .as_millisecond()
    };
    let mut intervals = Vec::new();
    for offset in -3..=days_after {
        let date = today
            .checked_add(jiff::Span::new().days(offset))
            .expect("date");
        let key = date.to_string();
        let own = match spec.exceptions.iter().find(|e| e.date == key) {
            Some(exception) => exception.hours.clone(),
            None => {
                let weekday = date.weekday().to_monday_zero_offset() as usize;
                spec.weekly
                    .get(common::strategies::WEEKDAYS[weekday])
                    .cloned()
                    .unwrap_or_default()
            }
        };
        for [start, end] in own {
            let (start, end) = (hm(&start), hm(&end));
            let end_date = if end < start {
                date.tomorrow().expect("date")
            } else {
                date
            };
            intervals.push((resolve(date, start), resolve(end_date, end)));
        }
    }
    intervals
}

fn reference_is_open(spec: &ScheduleSpec, now: i64) -> bool {
    reference_intervals(spec, now, 1)
        .iter()
        .any(|&(start, end)| start <= now && now < end)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn schedules_agree_with_jiff_around_every_dst_transition(
        (spec, now) in prop::sample::select(transition_instants())
            .prop_flat_map(|transition| {
                (schedule_spec(transition), (-DAY - 12 * HOUR..DAY + 12 * HOUR).prop_map(move |d| transition + d / MINUTE * MINUTE + d % 7))
            })
    ) {
        let parsed = Schedule::parse(&spec);
        prop_assume!(parsed.is_ok(), "exceptions may collide with a spill-over");
        let hours = parsed.expect("checked above");
        prop_assert_eq!(hours.is_open(now), reference_is_open(&spec, now));
        check_next_boundary(&spec, &hours, now, 8)?;
    }

    /// Weeks that are always open or always closed jump from exception to
    /// exception, a single working day closed by exceptions for weeks makes
    /// the search slide on; the answer must still be the first real flip.
    #[test]
    fn far_boundaries_are_found_across_exceptions(
        zone in prop::sample::select(&ZONES[..]),
        week in 0u8..3,
        (weekday, points) in (0usize..7, day_points()),
        exceptions in prop::collection::btree_map(0i64..60, day_points(), 0..8),
        now in prop::sample::select(transition_instants()).prop_flat_map(|t| t - 2 * DAY..t + 2 * DAY),
    ) {
        let mut spec = match week {
            0 => spec(zone, &[]),
            1 => every_day(zone, &[("00:00", "24:00")]),
            _ => {
                let mut spec = spec(zone, &[]);
                let intervals = points.iter().map(|&(s, e)| [half_hour(s), half_hour(e)]).collect();
                spec.weekly.insert(common::strategies::WEEKDAYS[weekday].to_owned(), intervals);
                spec
            }
        };
        spec.exceptions = exceptions
            .iter()
            .map(|(offset, points)| ExceptionSpec {
                date: to_rfc3339(now + offset * DAY)[..10].to_owned(),
                hours: points.iter().map(|&(s, e)| [half_hour(s), half_hour(e)]).collect(),
            })
            .collect();
        let hours = schedule(&spec);
        prop_assert_eq!(hours.is_open(now), reference_is_open(&spec, now));
        check_next_boundary(&spec, &hours, now, 64)?;
    }
}

/// `next_boundary(now)` is the first resolved endpoint at which the
/// reference flips (within `days` days), and the state is constant until it.
fn check_next_boundary(
    spec: &ScheduleSpec,
    hours: &Schedule,
    now: i64,
    days: i64,
) -> Result<(), TestCaseError> {
    let open = hours.is_open(now);
    let mut endpoints: Vec<i64> = reference_intervals(spec, now, days + 4)
        .iter()
        .flat_map(|&(s, e)| [s, e])
        .filter(|&t| t > now)
        .collect();
    endpoints.sort_unstable();
    let horizon = now + days * DAY;
    let expected = endpoints
        .into_iter()
        .take_while(|&t| t < horizon)
        .find(|&t| reference_is_open(spec, t) != open);
    let boundary = hours.next_boundary(now);
    match expected {
        Some(expected) => prop_assert_eq!(boundary, Some(expected)),
        None => prop_assert!(boundary.is_none_or(|b| b >= horizon)),
    }
    if let Some(boundary) = boundary {
        prop_assert!(boundary > now);
        prop_assert_eq!(hours.is_open(boundary - 1), open);
        prop_assert_eq!(hours.is_open(boundary), !open);
    }
    Ok(())
}
