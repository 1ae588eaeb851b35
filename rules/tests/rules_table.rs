//! The rules of issue 3, one test per sentence, named after it.
#![cfg(all(feature = "hours", feature = "serde"))]

mod common;

use common::*;
use presenza_rules::hours::ScheduleSpec;
use presenza_rules::{
    evaluate, AudienceStatus, GracePeriod, ManualStatus, Reason, RuleError, Status,
};

/// Wednesday, 2026-11-25, noon UTC (13:00 in Rome).
fn noon() -> i64 {
    at("2026-11-25T12:00:00Z")
}

fn answer(status: Status, reason: Reason) -> (Status, Reason) {
    (status, reason)
}

fn short(a: &AudienceStatus) -> (Status, Reason) {
    (a.status, a.reason)
}

// --- Manual status ---------------------------------------------------------

#[test]
fn an_agent_has_a_manual_status_online_busy_or_offline() {
    let now = noon();
    for (status, expected) in [
        (Status::Online, answer(Status::Online, Reason::AgentsOnline)),
        (Status::Busy, answer(Status::Busy, Reason::AllBusy)),
        (Status::Offline, answer(Status::Offline, Reason::NoAgents)),
    ] {
        let ev = evaluate(&site(&[]), &[agent("ada", status, &[], now)], now);
        assert_eq!(short(&ev.site), expected, "{status:?}");
        assert_eq!(ev.agents["ada"], status);
    }
    assert_eq!(Status::parse("busy"), Some(Status::Busy));
    assert_eq!(Status::Online.as_str(), "online");
    assert_eq!(Status::parse("away"), None);
}

#[test]
fn busy_stays_online_but_visitors_are_told_we_are_busy_with_an_optional_message_and_return_time() {
    let now = noon();
    let back = now + 15 * MINUTE;
    let ev = evaluate(
        &site(&[]),
        &[busy_agent(
            "ada",
            &[],
            now,
            "Back in 15 minutes",
            Some(back),
            now,
        )],
        now,
    );
    assert_eq!(ev.site.status, Status::Busy);
    assert_eq!(ev.site.reason, Reason::AllBusy);
    assert_eq!(ev.site.message.as_deref(), Some("Back in 15 minutes"));
    assert_eq!(ev.site.back_at, Some(back));

    // Without message and return time.
    let ev = evaluate(&site(&[]), &[agent("ada", Status::Busy, &[], now)], now);
    assert_eq!((ev.site.message.clone(), ev.site.back_at), (None, None));
    assert_eq!(ev.site.status, Status::Busy);
}

#[test]
fn changing_the_manual_status_is_immediate_everywhere() {
    let now = noon();
    let site = site(&["sales", "support"]);
    let mut ada = agent("ada", Status::Online, &[], now);
    let before = evaluate(&site, std::slice::from_ref(&ada), now);
    assert!(before.groups.values().all(|g| g.status == Status::Online));

    ada.manual = ManualStatus::new(Status::Offline, now);
    let after = evaluate(&site, std::slice::from_ref(&ada), now);
    assert_eq!(after.site.status, Status::Offline);
    assert!(after.groups.values().all(|g| g.status == Status::Offline));
}

#[test]
fn the_most_recent_busy_choice_speaks_for_the_audience_ties_smallest_id() {
    let now = noon();
    let agents = [
        busy_agent("bob", &[], now, "older", None, now - 10 * MINUTE),
        busy_agent("cyd", &[], now, "newer", None, now - MINUTE),
        busy_agent("ada", &[], now, "newer, smaller id", None, now - MINUTE),
    ];
    let ev = evaluate(&site(&[]), &agents, now);
    assert_eq!(ev.site.message.as_deref(), Some("newer, smaller id"));
}

// --- Sessions and grace period --------------------------------------------

#[test]
fn an_agent_counts_only_while_at_least_one_of_their_sessions_is_alive() {
    let now = noon();
    let mut ada = agent("ada", Status::Online, &[], now - 10 * MINUTE); // desktop: expired
    assert_eq!(
        evaluate(&site(&[]), std::slice::from_ref(&ada), now)
            .site
            .status,
        Status::Offline
    );

    ada.sessions.push(presenza_rules::Session {
        id: "phone".into(),
        last_seen: now - 5 * SECOND,
    });
    let ev = evaluate(&site(&[]), std::slice::from_ref(&ada), now);
    assert_eq!(ev.site.status, Status::Online);

    ada.sessions.clear();
    let ev = evaluate(&site(&[]), std::slice::from_ref(&ada), now);
    assert_eq!(ev.site.status, Status::Offline);
    assert_eq!(ev.agents["ada"], Status::Offline);
}

#[test]
fn a_session_is_alive_while_its_last_heartbeat_is_younger_than_the_grace_period() {
    let now = noon();
    let grace = GracePeriod::DEFAULT;
    let ada = agent("ada", Status::Online, &[], now);
    assert!(ada.is_alive(grace, now));
    assert!(ada.is_alive(grace, now + 120 * SECOND - 1));
    assert!(!ada.is_alive(grace, now + 120 * SECOND));
    assert_eq!(ada.alive_until(grace), Some(now + 120 * SECOND));
    assert_eq!(
        ada.effective_status(grace, now + 120 * SECOND),
        Status::Offline
    );
}

#[test]
fn the_grace_period_defaults_to_120_s_is_per_site_and_bounded_10_to_3600_s() {
    assert_eq!(GracePeriod::DEFAULT.secs(), 120);
    assert_eq!(GracePeriod::default(), GracePeriod::DEFAULT);
    assert_eq!(GracePeriod::new(10).map(|g| g.millis()), Ok(10_000));
    assert_eq!(GracePeriod::new(3600).map(|g| g.secs()), Ok(3600));
    assert_eq!(
        GracePeriod::new(9),
        Err(RuleError::GracePeriodOutOfBounds(9))
    );
    assert_eq!(
        GracePeriod::new(3601),
        Err(RuleError::GracePeriodOutOfBounds(3601))
    );

    // Per site: the same heartbeat counts on a patient site only.
    let now = noon();
    let ada = agent("ada", Status::Online, &[], now - 5 * MINUTE);
    let mut patient = site(&[]);
    patient.grace = GracePeriod::new(600).unwrap();
    assert_eq!(
        evaluate(&patient, std::slice::from_ref(&ada), now)
            .site
            .status,
        Status::Online
    );
    assert_eq!(
        evaluate(&site(&[]), &[ada], now).site.status,
        Status::Offline
    );
}

#[test]
fn an_agent_who_closes_the_tab_without_going_offline_stops_counting_when_the_grace_period_ends() {
    let closed_at = noon();
    let ada = agent("ada", Status::Online, &[], closed_at);
    let ev = evaluate(&site(&[]), std::slice::from_ref(&ada), closed_at + MINUTE);
    assert_eq!(ev.site.status, Status::Online);
    assert_eq!(ev.site.next_change, Some(closed_at + 2 * MINUTE));
    assert_eq!(ev.next_change, Some(closed_at + 2 * MINUTE));

    let ev = evaluate(&site(&[]), &[ada], closed_at + 2 * MINUTE);
    assert_eq!(short(&ev.site), answer(Status::Offline, Reason::NoAgents));
    assert_eq!(ev.next_change, None);
}

#[test]
fn a_session_that_signs_out_explicitly_ends_at_once() {
    // The caller removes a signed-out session; nothing of it lingers.
    let now = noon();
    let mut ada = agent("ada", Status::Online, &[], now);
    ada.sessions.retain(|s| s.id != "ada-desktop");
    let ev = evaluate(&site(&[]), &[ada], now);
    assert_eq!(short(&ev.site), answer(Status::Offline, Reason::NoAgents));
    assert_eq!(ev.next_change, None);
}

// --- Audiences ---------------------------------------------------------------

#[test]
fn audience_status_is_the_best_of_online_over_busy_over_offline() {
    let now = noon();
    let offline = agent("off", Status::Offline, &[], now);
    let busy = agent("busy", Status::Busy, &[], now);
    let online = agent("on", Status::Online, &[], now);
    let site = site(&[]);
    let status = |agents: &[presenza_rules::Agent]| evaluate(&site, agents, now).site.status;
    assert_eq!(status(&[]), Status::Offline);
    assert_eq!(status(std::slice::from_ref(&offline)), Status::Offline);
    assert_eq!(status(&[offline.clone(), busy.clone()]), Status::Busy);
    assert_eq!(status(&[offline, busy, online]), Status::Online);
    assert!(Status::Offline < Status::Busy && Status::Busy < Status::Online);
}

#[test]
fn a_site_with_no_groups_is_online_if_at_least_one_agent_is_online() {
    let now = noon();
    let ev = evaluate(
        &site(&[]),
        &[
            agent("ada", Status::Offline, &[], now),
            agent("bob", Status::Online, &[], now),
        ],
        now,
    );
    assert_eq!(
        short(&ev.site),
        answer(Status::Online, Reason::AgentsOnline)
    );
    assert!(ev.groups.is_empty());
    // Group ids on agents of a site without groups do not hide them.
    let ev = evaluate(
        &site(&[]),
        &[agent("ada", Status::Online, &["gone"], now)],
        now,
    );
    assert_eq!(ev.site.status, Status::Online);
}

#[test]
fn a_widget_pinned_to_group_g_shows_the_best_status_among_agents_in_g_and_agents_in_no_group() {
    let now = noon();
    let site = site(&["sales", "support"]);
    let ev = evaluate(
        &site,
        &[
            agent("ada", Status::Online, &["sales"], now),
            agent("bob", Status::Busy, &[], now),
        ],
        now,
    );
    assert_eq!(
        short(&ev.groups["sales"]),
        answer(Status::Online, Reason::AgentsOnline)
    );
    assert_eq!(
        short(&ev.groups["support"]),
        answer(Status::Busy, Reason::AllBusy)
    );
    assert_eq!(
        ev.audience(Some("support")).map(short),
        Ok(answer(Status::Busy, Reason::AllBusy))
    );
}

#[test]
fn an_agent_in_no_group_affects_every_group_and_the_site_as_a_whole() {
    let now = noon();
    let ev = evaluate(
        &site(&["sales", "support"]),
        &[agent("ada", Status::Online, &[], now)],
        now,
    );
    assert_eq!(ev.site.status, Status::Online);
    assert!(ev.groups.values().all(|g| g.status == Status::Online));
}

#[test]
fn the_site_as_a_whole_is_changed_only_by_agents_in_no_group() {
    let now = noon();
    let ev = evaluate(
        &site(&["sales", "support"]),
        &[
            agent("ada", Status::Online, &["sales"], now),
            agent("bob", Status::Busy, &["support"], now),
        ],
        now,
    );
    assert_eq!(short(&ev.site), answer(Status::Offline, Reason::NoAgents));
    assert_eq!(ev.audience(None).map(|a| a.status), Ok(Status::Offline));
}

#[test]
fn an_agent_can_belong_to_several_groups() {
    let now = noon();
    let ev = evaluate(
        &site(&["sales", "support", "billing"]),
        &[agent(
            "ada",
            Status::Online,
            &["sales", "support", "sales"],
            now,
        )],
        now,
    );
    assert_eq!(ev.groups["sales"].status, Status::Online);
    assert_eq!(ev.groups["support"].status, Status::Online);
    assert_eq!(ev.groups["billing"].status, Status::Offline);
    assert_eq!(ev.site.status, Status::Offline);
}

// --- Working hours ---------------------------------------------------------

fn rome_office() -> ScheduleSpec {
    let weekdays: &[(&str, &str)] = &[("09:00", "12:30"), ("14:00", "18:00")];
    spec(
        "Europe/Rome",
        &[
            ("mon", weekdays),
            ("tue", weekdays),
            ("wed", weekdays),
            ("thu", weekdays),
            ("fri", weekdays),
        ],
    )
}

#[test]
fn working_hours_are_a_weekly_schedule_in_an_iana_time_zone_with_several_intervals_a_day() {
    let hours = schedule(&rome_office());
    // Wednesday 2026-11-25, Rome is UTC+1.
    assert!(!hours.is_open(at("2026-11-25T07:59:59Z")));
    assert!(hours.is_open(at("2026-11-25T08:00:00Z")));
    assert!(!hours.is_open(at("2026-11-25T11:30:00Z"))); // lunch
    assert!(hours.is_open(at("2026-11-25T13:00:00Z")));
    assert_eq!(
        hours.next_boundary(at("2026-11-25T12:00:00Z")),
        Some(at("2026-11-25T13:00:00Z"))
    );
    assert_eq!(
        hours.next_boundary(at("2026-11-25T13:00:00Z")),
        Some(at("2026-11-25T17:00:00Z"))
    );
    // Friday evening → Monday morning.
    assert_eq!(
        hours.next_boundary(at("2026-11-27T17:00:00Z")),
        Some(at("2026-11-30T08:00:00Z"))
    );
    assert!(!hours.is_open(at("2026-11-28T10:00:00Z")));
}

#[test]
fn intervals_may_run_across_midnight() {
    let hours = schedule(&spec("Asia/Kolkata", &[("fri", &[("22:00", "02:00")])]));
    // Friday 2026-11-27 22:00 IST = 16:30 UTC, until Saturday 02:00 IST = 20:30 UTC.
    assert!(!hours.is_open(at("2026-11-27T16:29:59Z")));
    assert!(hours.is_open(at("2026-11-27T16:30:00Z")));
    assert!(hours.is_open(at("2026-11-27T20:29:59Z")));
    assert!(!hours.is_open(at("2026-11-27T20:30:00Z")));
    assert_eq!(
        hours.next_boundary(at("2026-11-27T17:00:00Z")),
        Some(at("2026-11-27T20:30:00Z"))
    );
    // 24:00 as an end and a next day starting at 00:00 make one stretch.
    let joined = schedule(&spec(
        "Europe/Rome",
        &[
            ("mon", &[("20:00", "24:00")]),
            ("tue", &[("00:00", "06:00")]),
        ],
    ));
    let monday_evening = at("2026-11-23T20:00:00Z");
    assert_eq!(
        joined.next_boundary(monday_evening),
        Some(at("2026-11-24T05:00:00Z"))
    );
}

#[test]
fn date_exceptions_close_whole_days_or_set_special_hours() {
    let mut spec = rome_office();
    spec.exceptions = vec![
        exception("2026-12-25", &[]),
        exception("2026-12-24", &[("09:00", "13:00")]),
        exception("2026-12-27", &[("10:00", "12:00")]), // a Sunday
    ];
    let hours = schedule(&spec);
    assert!(!hours.is_open(at("2026-12-25T10:00:00Z")));
    assert!(hours.is_open(at("2026-12-24T11:59:59Z")));
    assert!(!hours.is_open(at("2026-12-24T12:00:00Z")));
    assert!(!hours.is_open(at("2026-12-24T15:00:00Z")));
    assert!(hours.is_open(at("2026-12-27T09:30:00Z")));
    assert_eq!(
        hours.next_boundary(at("2026-12-24T12:00:00Z")),
        Some(at("2026-12-27T09:00:00Z"))
    );
}

#[test]
fn a_spill_over_from_the_previous_day_still_applies_on_an_exception_date() {
    let mut spec = spec("Europe/Rome", &[("thu", &[("20:00", "02:00")])]);
    spec.exceptions = vec![exception("2026-12-25", &[])]; // Friday
    let hours = schedule(&spec);
    assert!(hours.is_open(at("2026-12-25T00:30:00Z")));
    assert!(!hours.is_open(at("2026-12-25T01:00:00Z")));
}

#[test]
fn outside_working_hours_the_audience_is_offline_whatever_the_agents_do() {
    let saturday = at("2026-11-28T10:00:00Z");
    let mut site = site(&["sales"]);
    site.hours = Some(schedule(&rome_office()));
    let agents = [
        agent("ada", Status::Online, &[], saturday),
        agent("bob", Status::Online, &["sales"], saturday),
    ];
    let ev = evaluate(&site, &agents, saturday);
    let monday_opening = at("2026-11-30T08:00:00Z");
    for audience in std::iter::once(&ev.site).chain(ev.groups.values()) {
        assert_eq!(
            audience,
            &AudienceStatus {
                status: Status::Offline,
                reason: Reason::OutsideHours,
                message: None,
                back_at: Some(monday_opening),
                next_change: Some(monday_opening),
            }
        );
    }
    // The agents themselves are still online.
    assert_eq!(ev.agents["ada"], Status::Online);
}

#[test]
fn a_group_with_its_own_schedule_uses_it_and_the_others_use_the_site_default() {
    let saturday = at("2026-11-28T10:00:00Z");
    let mut site = site(&["sales", "support"]);
    site.hours = Some(schedule(&rome_office()));
    site.group_hours.insert(
        "support".into(),
        schedule(&every_day("Europe/Rome", &[("00:00", "24:00")])),
    );
    let ev = evaluate(
        &site,
        &[agent("ada", Status::Online, &[], saturday)],
        saturday,
    );
    assert_eq!(ev.site.reason, Reason::OutsideHours);
    assert_eq!(ev.groups["sales"].reason, Reason::OutsideHours);
    assert_eq!(
        short(&ev.groups["support"]),
        answer(Status::Online, Reason::AgentsOnline)
    );
}

// --- The evaluation ----------------------------------------------------------

#[test]
fn the_evaluation_returns_for_the_site_and_every_group_the_status_why_and_the_busy_message() {
    let now = noon();
    let site = site(&["sales", "support", "billing"]);
    let agents = [
        agent("ada", Status::Online, &["sales"], now),
        busy_agent("bob", &["support"], now, "Lunch", Some(now + HOUR), now),
    ];
    let ev = evaluate(&site, &agents, now);
    assert_eq!(ev.groups.len(), 3);
    assert_eq!(short(&ev.site), answer(Status::Offline, Reason::NoAgents));
    assert_eq!(
        short(&ev.groups["sales"]),
        answer(Status::Online, Reason::AgentsOnline)
    );
    assert_eq!(
        short(&ev.groups["support"]),
        answer(Status::Busy, Reason::AllBusy)
    );
    assert_eq!(ev.groups["support"].message.as_deref(), Some("Lunch"));
    assert_eq!(
        short(&ev.groups["billing"]),
        answer(Status::Offline, Reason::NoAgents)
    );
    assert_eq!(Reason::AllBusy.as_str(), "all_busy");
    assert_eq!(Reason::parse("outside_hours"), Some(Reason::OutsideHours));
    assert_eq!(
        ev.audience(Some("marketing")),
        Err(RuleError::UnknownGroup("marketing".into()))
    );
}

#[test]
fn the_evaluation_returns_the_next_instant_a_grace_period_runs_out() {
    let now = noon();
    let agents = [
        agent("ada", Status::Online, &[], now - 100 * SECOND), // until now + 20 s
        agent("bob", Status::Online, &[], now - 50 * SECOND),  // until now + 70 s
        agent("cyd", Status::Offline, &[], now - 110 * SECOND), // until now + 10 s
    ];
    let ev = evaluate(&site(&[]), &agents, now);
    // The audience stays online until bob runs out...
    assert_eq!(ev.site.next_change, Some(now + 70 * SECOND));
    // ...but the alarm also wakes for every session that expires.
    assert_eq!(ev.next_change, Some(now + 10 * SECOND));
}

#[test]
fn the_evaluation_returns_the_next_instant_a_schedule_boundary_is_reached() {
    let now = at("2026-11-25T10:00:00Z"); // Rome 11:00, closes 12:30
    let mut site = site(&[]);
    site.hours = Some(schedule(&rome_office()));
    let ev = evaluate(&site, &[agent("ada", Status::Offline, &[], now)], now);
    assert_eq!(ev.site.next_change, Some(at("2026-11-25T11:30:00Z")));
    let ev = evaluate(&site, &[], at("2026-11-25T11:30:00Z"));
    assert_eq!(ev.site.next_change, Some(at("2026-11-25T13:00:00Z")));
    assert_eq!(ev.next_change, Some(at("2026-11-25T13:00:00Z")));
}

#[test]
fn a_busy_answer_changes_only_when_what_visitors_are_told_changes() {
    let now = noon();
    let agents = [
        busy_agent("ada", &[], now - 100 * SECOND, "Back soon", None, now), // speaks until +20 s
        busy_agent(
            "bob",
            &[],
            now - 60 * SECOND,
            "Back soon",
            None,
            now - MINUTE,
        ), // same words until +60 s
        busy_agent("cyd", &[], now, "Lunch", None, now - HOUR), // then this, until +120 s
    ];
    let ev = evaluate(&site(&[]), &agents, now);
    assert_eq!(ev.site.message.as_deref(), Some("Back soon"));
    assert_eq!(ev.site.next_change, Some(now + 60 * SECOND));
    let later = evaluate(&site(&[]), &agents, now + 60 * SECOND);
    assert_eq!(later.site.message.as_deref(), Some("Lunch"));
    assert_eq!(later.site.next_change, Some(now + 120 * SECOND));
}

// --- Invalid input ---------------------------------------------------------

#[test]
fn invalid_input_is_rejected_with_a_typed_error_that_names_the_problem() {
    use presenza_rules::hours::Schedule;
    let cases: Vec<(ScheduleSpec, &str, &str)> = vec![
        (
            spec("Mars/Olympus", &[]),
            "unknown_time_zone",
            r#"unknown time zone "Mars/Olympus""#,
        ),
        (
            spec(
                "Europe/Rome",
                &[("mon", &[("09:00", "12:00"), ("11:00", "13:00")])],
            ),
            "overlapping_intervals",
            "overlapping intervals on mon: 09:00-12:00 and 11:00-13:00",
        ),
        (
            spec(
                "Europe/Rome",
                &[
                    ("sun", &[("22:00", "03:00")]),
                    ("mon", &[("02:00", "05:00")]),
                ],
            ),
            "overlapping_intervals",
            "overlapping intervals on mon: 22:00-03:00 and 02:00-05:00",
        ),
        (
            spec("Europe/Rome", &[("tue", &[("09:00", "09:00")])]),
            "empty_interval",
            "empty interval on tue: 09:00-09:00",
        ),
        (
            spec("Europe/Rome", &[("tue", &[("9:00", "12:00")])]),
            "invalid_time",
            r#""9:00""#,
        ),
        (
            spec("Europe/Rome", &[("tue", &[("24:00", "12:00")])]),
            "invalid_time",
            r#""24:00""#,
        ),
        (
            spec("Europe/Rome", &[("tue", &[("10:00", "24:01")])]),
            "invalid_time",
            r#""24:01""#,
        ),
        (
            spec("Europe/Rome", &[("monday", &[])]),
            "unknown_weekday",
            r#""monday""#,
        ),
        (
            ScheduleSpec {
                exceptions: vec![exception("2026-02-29", &[])],
                ..spec("Europe/Rome", &[])
            },
            "invalid_date",
            r#""2026-02-29""#,
        ),
        (
            ScheduleSpec {
                exceptions: vec![exception("2026-12-25", &[]), exception("2026-12-25", &[])],
                ..spec("Europe/Rome", &[])
            },
            "duplicate_exception",
            "2026-12-25",
        ),
        (
            ScheduleSpec {
                exceptions: vec![exception("2026-12-24", &[("20:00", "02:00")])],
                ..spec("Europe/Rome", &[("fri", &[("01:00", "05:00")])])
            },
            "overlapping_intervals",
            "overlapping intervals on 2026-12-25: 20:00-02:00 and 01:00-05:00",
        ),
    ];
    for (spec, code, names) in cases {
        let error = Schedule::parse(&spec).expect_err(code);
        assert_eq!(error.code(), code, "{error}");
        assert!(
            error.to_string().contains(names),
            "{error} should name {names}"
        );
    }

    let error = GracePeriod::new(5).unwrap_err();
    assert_eq!(
        (error.code(), error.to_string().contains("5 s")),
        ("grace_period_out_of_bounds", true)
    );

    let site = site(&["sales"]);
    let error = site
        .check_agent_groups(&["sales".into(), "legal".into()])
        .unwrap_err();
    assert_eq!(error, RuleError::UnknownGroup("legal".into()));
    assert_eq!(error.code(), "unknown_group");
    assert!(error.to_string().contains("\"legal\""));
    assert!(site.check_agent_groups(&["sales".into()]).is_ok());

    let mut site_with_stray_hours = site.clone();
    site_with_stray_hours
        .group_hours
        .insert("legal".into(), schedule(&rome_office()));
    assert_eq!(
        site_with_stray_hours.validate(),
        Err(RuleError::UnknownGroup("legal".into()))
    );
}

#[test]
fn the_working_hours_json_round_trips_and_rejects_unknown_fields() {
    let json = r#"{"timezone":"Europe/Rome","weekly":{"mon":[["09:00","17:30"]]},
                   "exceptions":[{"date":"2026-12-25","hours":[]}]}"#;
    let spec: ScheduleSpec = serde_json::from_str(json).unwrap();
    assert_eq!(spec.weekly["mon"], vec![interval("09:00", "17:30")]);
    let parsed = schedule(&spec);
    assert_eq!(parsed.spec(), &spec);
    let echoed: ScheduleSpec =
        serde_json::from_str(&serde_json::to_string(parsed.spec()).unwrap()).unwrap();
    assert_eq!(echoed, spec);

    let minimal: ScheduleSpec = serde_json::from_str(r#"{"timezone":"UTC"}"#).unwrap();
    assert!(minimal.weekly.is_empty() && minimal.exceptions.is_empty());
    assert!(serde_json::from_str::<ScheduleSpec>(r#"{"timezone":"UTC","tz":"x"}"#).is_err());
    assert!(serde_json::from_str::<ScheduleSpec>(
        r#"{"timezone":"UTC","exceptions":[{"date":"2026-12-25","hours":[],"note":"x"}]}"#
    )
    .is_err());
}
