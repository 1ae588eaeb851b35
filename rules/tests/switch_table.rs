//! Working hours in switch mode (issue 17), one test per sentence, named
//! after it: the boundaries change the agents' status, and a manual change
//! after a boundary wins until the next one.
#![cfg(feature = "hours")]

mod common;

use common::*;
use presenza_rules::hours::{HoursMode, Schedule, ScheduleSpec};
use presenza_rules::switch::Cover;
use presenza_rules::{
    evaluate, Agent, Choice, ChosenBy, ManualStatus, Reason, Session, Site, Status, Switch,
};

/// Weekdays 09:00–17:30 in Rome (CET in November: 08:00Z–16:30Z).
fn office() -> ScheduleSpec {
    let day: &[(&str, &str)] = &[("09:00", "17:30")];
    spec(
        "Europe/Rome",
        &[
            ("mon", day),
            ("tue", day),
            ("wed", day),
            ("thu", day),
            ("fri", day),
        ],
    )
}

fn switch(spec: &ScheduleSpec, since: i64) -> Schedule {
    schedule(spec).in_mode(HoursMode::Switch, since)
}

/// The Monday before: when the schedules below were saved.
fn saved() -> i64 {
    at("2026-11-23T06:00:00Z")
}

/// An agent with a live session at `now` who chose `status` at `set_at`.
fn chose(id: &str, groups: &[&str], status: Status, set_at: i64, now: i64) -> Agent {
    let mut a = agent(id, status, groups, now);
    a.manual = ManualStatus::new(status, set_at);
    a
}

fn office_site() -> Site {
    let mut site = site(&[]);
    site.hours = Some(switch(&office(), saved()));
    site
}

fn choice(site: &Site, agent: &Agent, now: i64) -> Choice {
    evaluate(site, std::slice::from_ref(agent), now).choice(agent)
}

#[test]
fn at_opening_time_the_schedule_turns_the_agents_it_covers_online() {
    let site = office_site();
    // Offline by hand on Tuesday evening; Wednesday 09:00 Rome is 08:00Z.
    let set = at("2026-11-24T19:00:00Z");
    let before = at("2026-11-25T07:59:59Z");
    let after = at("2026-11-25T08:00:00Z");
    let giulia = chose("giulia", &[], Status::Offline, set, before);
    let ev = evaluate(&site, std::slice::from_ref(&giulia), before);
    assert_eq!(ev.site.status, Status::Offline);
    assert_eq!(ev.choices["giulia"].by, ChosenBy::Manual);
    assert_eq!(
        ev.next_change,
        Some(after),
        "the alarm fires at the opening"
    );

    let giulia = chose("giulia", &[], Status::Offline, set, after);
    let ev = evaluate(&site, std::slice::from_ref(&giulia), after);
    assert_eq!(
        ev.choices["giulia"],
        Choice {
            status: Status::Online,
            by: ChosenBy::WorkingHours,
            at: after,
            next: Some(Switch {
                at: at("2026-11-25T16:30:00Z"),
                status: Status::Offline
            }),
        }
    );
    assert_eq!(ev.agents["giulia"], Status::Online);
    assert_eq!(
        (ev.site.status, ev.site.reason),
        (Status::Online, Reason::AgentsOnline)
    );
}

#[test]
fn at_closing_time_it_turns_them_offline_and_visitors_see_when_the_team_is_back() {
    let site = office_site();
    let closing = at("2026-11-25T16:30:00Z");
    let now = closing + 5 * MINUTE;
    let giulia = chose(
        "giulia",
        &[],
        Status::Online,
        at("2026-11-25T08:10:00Z"),
        now,
    );
    let ev = evaluate(&site, std::slice::from_ref(&giulia), now);
    let c = ev.choices["giulia"];
    assert_eq!(
        (c.status, c.by, c.at),
        (Status::Offline, ChosenBy::WorkingHours, closing)
    );
    // Thursday 09:00 Rome.
    let opening = at("2026-11-26T08:00:00Z");
    assert_eq!(
        c.next,
        Some(Switch {
            at: opening,
            status: Status::Online
        })
    );
    assert_eq!(ev.site.status, Status::Offline);
    assert_eq!(ev.site.reason, Reason::OutsideHours);
    assert_eq!(ev.site.back_at, Some(opening));
}

#[test]
fn an_agent_who_goes_online_by_hand_after_closing_is_reachable_until_the_next_boundary() {
    let site = office_site();
    let late = at("2026-11-25T17:00:00Z"); // 18:00 in Rome, after closing
    let now = late + 20 * MINUTE;
    let giulia = chose("giulia", &[], Status::Online, late, now);
    let ev = evaluate(&site, std::slice::from_ref(&giulia), now);
    assert_eq!(
        (ev.site.status, ev.site.reason),
        (Status::Online, Reason::AgentsOnline),
        "the chat box is online"
    );
    let c = ev.choices["giulia"];
    assert_eq!(
        (c.status, c.by, c.at),
        (Status::Online, ChosenBy::Manual, late)
    );
    assert_eq!(
        c.next,
        Some(Switch {
            at: at("2026-11-26T08:00:00Z"),
            status: Status::Online
        })
    );
    // Still hers the next morning just before the opening; then the
    // schedule's again, and at closing it turns her offline.
    assert_eq!(
        choice(&site, &giulia, at("2026-11-26T07:59:00Z")).by,
        ChosenBy::Manual
    );
    assert_eq!(
        choice(&site, &giulia, at("2026-11-26T08:00:00Z")).by,
        ChosenBy::WorkingHours
    );
    assert_eq!(
        choice(&site, &giulia, at("2026-11-26T16:30:00Z")).status,
        Status::Offline
    );
}

#[test]
fn an_agent_who_cannot_start_on_time_goes_offline_by_hand_and_that_wins_until_closing() {
    let site = office_site();
    let opening = at("2026-11-25T08:00:00Z");
    let by_hand = opening + 3 * MINUTE;
    let giulia = chose("giulia", &[], Status::Offline, by_hand, by_hand + HOUR);
    let ev = evaluate(&site, std::slice::from_ref(&giulia), by_hand + HOUR);
    assert_eq!(ev.choices["giulia"].by, ChosenBy::Manual);
    assert_eq!(ev.site.status, Status::Offline);
    assert_eq!(
        ev.site.reason,
        Reason::NoAgents,
        "open, but nobody is online"
    );
}

#[test]
fn a_manual_change_at_the_very_instant_of_a_boundary_wins() {
    let site = office_site();
    let opening = at("2026-11-25T08:00:00Z");
    let giulia = chose("giulia", &[], Status::Busy, opening, opening + MINUTE);
    let c = choice(&site, &giulia, opening + MINUTE);
    assert_eq!((c.status, c.by), (Status::Busy, ChosenBy::Manual));
}

#[test]
fn saving_a_schedule_is_not_itself_a_status_change() {
    // Saved on Wednesday at 18:00Z, after closing: the closing at 16:30Z
    // happened before the schedule existed, so it switches nobody.
    let saved = at("2026-11-25T18:00:00Z");
    let mut site = site(&[]);
    site.hours = Some(switch(&office(), saved));
    let giulia = chose(
        "giulia",
        &[],
        Status::Online,
        at("2026-11-25T10:00:00Z"),
        saved + MINUTE,
    );
    let ev = evaluate(&site, std::slice::from_ref(&giulia), saved + MINUTE);
    assert_eq!(ev.choices["giulia"].by, ChosenBy::Manual);
    assert_eq!(ev.site.status, Status::Online);
}

#[test]
fn boundaries_crossed_while_nobody_evaluated_give_the_last_one_and_evaluating_again_changes_nothing(
) {
    let site = office_site();
    // Online by hand on Monday morning; nobody evaluates until Friday night.
    let giulia_at = |now| {
        chose(
            "giulia",
            &[],
            Status::Online,
            at("2026-11-23T08:30:00Z"),
            now,
        )
    };
    let friday_night = at("2026-11-27T22:00:00Z");
    let ev = evaluate(&site, &[giulia_at(friday_night)], friday_night);
    let c = ev.choices["giulia"];
    assert_eq!(
        (c.status, c.by, c.at),
        (
            Status::Offline,
            ChosenBy::WorkingHours,
            at("2026-11-27T16:30:00Z")
        )
    );
    // The next one is Monday's opening.
    assert_eq!(c.next.map(|s| s.at), Some(at("2026-11-30T08:00:00Z")));
    // Twice (an alarm delivered again) or later the same night: the same.
    for later in [friday_night, friday_night + 1, friday_night + HOUR] {
        assert_eq!(choice(&site, &giulia_at(later), later), Choice { ..c });
    }
}

#[test]
fn an_agent_in_several_groups_follows_the_union_of_their_schedules() {
    let mut site = site(&["sales", "support"]);
    let sales = every_day("Europe/Rome", &[("09:00", "17:00")]);
    let support = every_day("Europe/Rome", &[("13:00", "20:00")]);
    site.group_hours
        .insert("sales".into(), switch(&sales, saved()));
    site.group_hours
        .insert("support".into(), switch(&support, saved()));
    // Both groups, offline by hand the night before.
    let set = at("2026-11-24T21:00:00Z");
    let both = |now| chose("ugo", &["sales", "support"], Status::Offline, set, now);
    let day = |hhmm: &str| at(&format!("2026-11-25T{hhmm}:00Z"));
    // Rome is UTC+1: sales 08–16Z, support 12–19Z, together 08–19Z.
    let at_08 = choice(&site, &both(day("08:00")), day("08:00"));
    assert_eq!((at_08.status, at_08.at), (Status::Online, day("08:00")));
    assert_eq!(
        at_08.next,
        Some(Switch {
            at: day("19:00"),
            status: Status::Offline
        }),
        "13:00 and 17:00 Rome switch nothing"
    );
    for (hhmm, status) in [
        ("12:30", Status::Online),
        ("16:30", Status::Online),
        ("19:00", Status::Offline),
    ] {
        assert_eq!(
            choice(&site, &both(day(hhmm)), day(hhmm)).status,
            status,
            "{hhmm}Z"
        );
    }
    // Offline by hand at 16:30Z wins over nothing: sales' closing at 16:00Z
    // was not a boundary of the union.
    let mut ugo = both(day("17:00"));
    ugo.manual = ManualStatus::new(Status::Offline, day("16:30"));
    assert_eq!(choice(&site, &ugo, day("17:00")).by, ChosenBy::Manual);
    // An agent in sales only goes offline at 16:00Z.
    let sales_only = chose(
        "sara",
        &["sales"],
        Status::Online,
        day("08:30"),
        day("16:00"),
    );
    assert_eq!(
        choice(&site, &sales_only, day("16:00")).status,
        Status::Offline
    );
}

#[test]
fn an_agent_in_no_group_follows_the_site_schedule_and_a_grouped_one_its_groups() {
    let mut site = site(&["night"]);
    site.hours = Some(switch(&office(), saved()));
    let nights = every_day("America/New_York", &[("22:00", "06:00")]);
    site.group_hours
        .insert("night".into(), switch(&nights, saved()));
    // Wednesday 2026-11-25 12:00Z: the office is open, New York's night
    // shift (03:00Z–11:00Z) is over.
    let now = at("2026-11-25T12:00:00Z");
    let set = at("2026-11-25T01:00:00Z");
    let agents = [
        chose("ada", &[], Status::Offline, set, now),
        chose("nick", &["night"], Status::Offline, set, now),
    ];
    let ev = evaluate(&site, &agents, now);
    assert_eq!(ev.choices["ada"].status, Status::Online);
    assert_eq!(ev.choices["ada"].at, at("2026-11-25T08:00:00Z"));
    assert_eq!(ev.choices["nick"].status, Status::Offline);
    assert_eq!(ev.choices["nick"].at, at("2026-11-25T11:00:00Z"));
    assert_eq!(
        ev.choices["nick"].next,
        Some(Switch {
            at: at("2026-11-26T03:00:00Z"),
            status: Status::Online
        })
    );
    // The night group's visitors count nick and ada (in no group): online.
    assert_eq!(ev.groups["night"].status, Status::Online);
}

#[test]
fn gate_schedules_switch_no_one_and_still_gate_their_audience() {
    let mut site = site(&["sales"]);
    site.hours = Some(switch(&office(), saved()));
    site.group_hours.insert(
        "sales".into(),
        schedule(&office()).in_mode(HoursMode::Gate, saved()),
    );
    let after_closing = at("2026-11-25T18:00:00Z");
    let set = at("2026-11-25T17:00:00Z");
    let agents = [
        chose("ada", &[], Status::Online, set, after_closing),
        chose("bob", &["sales"], Status::Online, set, after_closing),
    ];
    let ev = evaluate(&site, &agents, after_closing);
    assert!(
        !ev.choices.contains_key("bob"),
        "a gate covers bob: no choice listed"
    );
    assert_eq!(ev.choice(&agents[1]), Choice::manual(&agents[1].manual));
    assert_eq!(
        ev.site.status,
        Status::Online,
        "the site's switch lets ada be reached"
    );
    assert_eq!(
        (ev.groups["sales"].status, ev.groups["sales"].reason),
        (Status::Offline, Reason::OutsideHours),
        "the sales gate is closed"
    );
}

#[test]
fn the_schedule_turns_an_agent_online_but_only_a_live_session_makes_it_count() {
    let site = office_site();
    let now = at("2026-11-25T09:00:00Z");
    let mut giulia = chose(
        "giulia",
        &[],
        Status::Offline,
        at("2026-11-24T19:00:00Z"),
        now,
    );
    giulia.sessions = vec![Session {
        id: "old".into(),
        last_seen: now - 10 * HOUR,
    }];
    let ev = evaluate(&site, std::slice::from_ref(&giulia), now);
    assert_eq!(ev.choices["giulia"].status, Status::Online);
    assert_eq!(ev.agents["giulia"], Status::Offline);
    assert_eq!(ev.site.status, Status::Offline);
    // Her next switch is still an alarm: what her devices and the owner
    // see of her changes then.
    assert_eq!(ev.next_change, Some(at("2026-11-25T16:30:00Z")));
}

#[test]
fn a_busy_agent_is_turned_offline_at_closing_and_the_busy_message_goes() {
    let site = office_site();
    let closing = at("2026-11-25T16:30:00Z");
    let mut giulia = chose(
        "giulia",
        &[],
        Status::Busy,
        closing - HOUR,
        closing - MINUTE,
    );
    giulia.manual.message = Some("In a meeting".into());
    let ev = evaluate(&site, std::slice::from_ref(&giulia), closing - MINUTE);
    assert_eq!(
        (ev.site.status, ev.site.message.as_deref()),
        (Status::Busy, Some("In a meeting"))
    );
    assert_eq!(ev.site.next_change, Some(closing));
    giulia.sessions[0].last_seen = closing;
    let ev = evaluate(&site, std::slice::from_ref(&giulia), closing);
    assert_eq!(
        (ev.site.status, ev.site.reason, ev.site.message),
        (Status::Offline, Reason::OutsideHours, None)
    );
}

#[test]
fn a_night_shift_across_midnight_and_a_dst_change_switches_at_local_times() {
    // New York, 22:00–06:00 every night; DST ends on 2026-11-01 at 02:00.
    let nights = every_day("America/New_York", &[("22:00", "06:00")]);
    let mut site = site(&[]);
    site.hours = Some(switch(&nights, at("2026-10-30T00:00:00Z")));
    let set = at("2026-10-30T00:00:00Z");
    let nick = |now| chose("nick", &[], Status::Offline, set, now);
    // Saturday 22:00 EDT = Sunday 02:00Z; Sunday 06:00 EST = 11:00Z.
    let opening = at("2026-11-01T02:00:00Z");
    let closing = at("2026-11-01T11:00:00Z");
    let c = choice(&site, &nick(opening + MINUTE), opening + MINUTE);
    assert_eq!((c.status, c.at), (Status::Online, opening));
    assert_eq!(
        c.next,
        Some(Switch {
            at: closing,
            status: Status::Offline
        })
    );
    let c = choice(&site, &nick(closing), closing);
    assert_eq!((c.status, c.at), (Status::Offline, closing));
}

#[test]
fn the_union_of_schedules_opens_and_closes_where_the_schedules_do() {
    let a = switch(&every_day("Europe/Rome", &[("09:00", "17:00")]), 0);
    let b = switch(&every_day("Europe/Rome", &[("13:00", "20:00")]), 0);
    let gate = schedule(&every_day("Europe/Rome", &[("00:00", "24:00")]));
    let cover = Cover::of([&a, &b, &gate]).expect("two switch schedules");
    let day = |hhmm: &str| at(&format!("2026-11-25T{hhmm}:00Z"));
    assert_eq!(cover.next_boundary(day("09:00")), Some(day("19:00")));
    assert_eq!(cover.last_boundary(0, day("18:00")), Some(day("08:00")));
    assert_eq!(cover.last_boundary(day("08:00"), day("18:00")), None);
    assert!(Cover::of([&gate]).is_none(), "a gate switches no one");
}
