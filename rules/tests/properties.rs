//! Property tests for the invariants of the rules: next-change exactness,
//! monotonicity, the group rules against a brute-force model, and no panics
//! on any input.
#![cfg(feature = "hours")]

mod common;

use std::collections::BTreeSet;

use common::strategies::{schedule_spec, some_of, transition_instants};
use common::*;
use presenza_rules::hours::{ExceptionSpec, Schedule, ScheduleSpec};
use presenza_rules::{
    evaluate, Agent, AudienceStatus, Evaluation, GracePeriod, ManualStatus, Reason, Session, Site,
    Status,
};
use proptest::prelude::*;

const GROUPS: [&str; 3] = ["g0", "g1", "g2"];
/// Agents may also name a group the site does not have.
const AGENT_GROUPS: [&str; 4] = ["g0", "g1", "g2", "gone"];

/// A random site and agents at a random instant near a DST transition.
#[derive(Clone, Debug)]
struct Scenario {
    site: Site,
    agents: Vec<Agent>,
    now: i64,
}

fn status() -> impl Strategy<Value = Status> {
    // Busy is the interesting one: who speaks for the audience, and when.
    prop_oneof![1 => Just(Status::Online), 2 => Just(Status::Busy), 1 => Just(Status::Offline)]
}

/// An agent whose sessions were last seen between ~12 minutes ago and a
/// few seconds from now (clock skew), relative to `now`.
fn agent_at(now: i64, index: usize) -> impl Strategy<Value = Agent> {
    (
        some_of(&AGENT_GROUPS),
        status(),
        // Few distinct messages, so that busy agents often say the same.
        prop::option::weighted(0.7, prop::sample::select(vec!["Back soon", "Lunch"])),
        prop::option::weighted(0.2, prop::sample::select(vec![0i64, 30 * MINUTE])),
        0i64..3,
        prop::collection::vec(-720_000i64..5_000, 0..3),
    )
        .prop_map(
            move |(groups, status, message, back_in, set_at, seen)| Agent {
                id: format!("a{index}"),
                groups: groups.into_iter().map(str::to_owned).collect(),
                manual: ManualStatus {
                    status,
                    message: message.map(str::to_owned),
                    back_at: back_in.map(|d| now + d),
                    set_at,
                },
                sessions: seen
                    .into_iter()
                    .enumerate()
                    .map(|(i, offset)| Session {
                        id: format!("s{i}"),
                        last_seen: now + offset,
                    })
                    .collect(),
            },
        )
}

fn parsed(spec: ScheduleSpec) -> Option<Schedule> {
    Schedule::parse(&spec).ok()
}

fn scenario() -> impl Strategy<Value = Scenario> {
    (
        prop::sample::select(transition_instants()),
        -2 * DAY..2 * DAY,
    )
        .prop_map(|(transition, offset)| transition + offset)
        .prop_flat_map(|now| {
            let agents = (0..7usize)
                .map(move |i| agent_at(now, i))
                .collect::<Vec<_>>();
            (
                Just(now),
                some_of(&GROUPS),
                10u32..=600,
                prop::option::weighted(0.5, schedule_spec(now)),
                prop::collection::vec(prop::option::weighted(0.4, schedule_spec(now)), 3),
                agents,
                0usize..=7,
            )
        })
        .prop_map(|(now, groups, grace, hours, group_hours, agents, count)| {
            let groups: BTreeSet<String> = groups.into_iter().map(str::to_owned).collect();
            let group_hours = groups
                .iter()
                .zip(group_hours)
                .filter_map(|(g, spec)| Some((g.clone(), parsed(spec?)?)))
                .collect();
            Scenario {
                site: Site {
                    grace: GracePeriod::new(grace).expect("in bounds"),
                    groups,
                    hours: hours.and_then(parsed),
                    group_hours,
                },
                agents: agents.into_iter().take(count).collect(),
                now,
            }
        })
}

/// An answer without its next change, to compare two instants.
fn what_visitors_see(a: &AudienceStatus) -> (Status, Reason, Option<String>, Option<i64>) {
    (a.status, a.reason, a.message.clone(), a.back_at)
}

/// Every audience of an evaluation: `None` = the site as a whole.
fn audiences(ev: &Evaluation) -> Vec<(Option<String>, &AudienceStatus)> {
    std::iter::once((None, &ev.site))
        .chain(ev.groups.iter().map(|(g, a)| (Some(g.clone()), a)))
        .collect()
}

/// The brute-force model of the rules, written from the sentences.
fn model(
    site: &Site,
    agents: &[Agent],
    now: i64,
    group: Option<&str>,
) -> (Status, Reason, Option<String>) {
    let schedule = site.schedule_for(group);
    if schedule.is_some_and(|s| !s.is_open(now)) {
        return (Status::Offline, Reason::OutsideHours, None);
    }
    let counts = |agent: &&Agent| {
        let known: Vec<&String> = agent
            .groups
            .iter()
            .filter(|g| site.groups.contains(*g))
            .collect();
        match group {
            _ if site.groups.is_empty() => true,
            None => known.is_empty(),
            Some(g) => known.is_empty() || known.iter().any(|k| k.as_str() == g),
        }
    };
    let alive: Vec<&Agent> = agents
        .iter()
        .filter(counts)
        .filter(|a| a.is_alive(site.grace, now))
        .collect();
    if alive.iter().any(|a| a.manual.status == Status::Online) {
        return (Status::Online, Reason::AgentsOnline, None);
    }
    let speaker = alive
        .iter()
        .filter(|a| a.manual.status == Status::Busy)
        .max_by(|a, b| a.manual.set_at.cmp(&b.manual.set_at).then(b.id.cmp(&a.id)));
    match speaker {
        Some(a) => (Status::Busy, Reason::AllBusy, a.manual.message.clone()),
        None => (Status::Offline, Reason::NoAgents, None),
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// Evaluating just before the returned instant gives the same answer as
    /// now; evaluating at it gives a different one.
    #[test]
    fn next_change_is_exact_for_every_audience(s in scenario()) {
        let ev = evaluate(&s.site, &s.agents, s.now);
        for (group, answer) in audiences(&ev) {
            let group = group.as_deref();
            let seen_at = |t: i64| {
                let later = evaluate(&s.site, &s.agents, t);
                what_visitors_see(later.audience(group).expect("same groups"))
            };
            match answer.next_change {
                Some(change) => {
                    prop_assert!(change > s.now);
                    prop_assert_eq!(seen_at(change - 1), what_visitors_see(answer), "{:?} before {}", group, change);
                    prop_assert_ne!(seen_at(change), what_visitors_see(answer), "{:?} at {}", group, change);
                }
                None => {
                    for later in [HOUR, 9 * DAY] {
                        prop_assert_eq!(seen_at(s.now + later), what_visitors_see(answer));
                    }
                }
            }
        }
    }

    /// The alarm is the earliest audience change or session expiry, and
    /// nothing at all changes before it.
    #[test]
    fn the_alarm_is_the_earliest_change_of_anything(s in scenario()) {
        let ev = evaluate(&s.site, &s.agents, s.now);
        let expiries = s.agents.iter().flat_map(|a| &a.sessions)
            .map(|session| session.alive_until(s.site.grace))
            .filter(|&t| t > s.now);
        let earliest = audiences(&ev).iter().filter_map(|(_, a)| a.next_change).chain(expiries).min();
        prop_assert_eq!(ev.next_change, earliest);
        if let Some(alarm) = ev.next_change {
            let before = evaluate(&s.site, &s.agents, alarm - 1);
            prop_assert_eq!(&before.agents, &ev.agents);
            for ((_, a), (_, b)) in audiences(&before).iter().zip(audiences(&ev)) {
                prop_assert_eq!(what_visitors_see(a), what_visitors_see(b));
            }
        }
    }

    /// One more online agent never makes anyone less available.
    #[test]
    fn one_more_online_agent_never_makes_anyone_less_available(
        s in scenario(),
        groups in some_of(&AGENT_GROUPS),
        seen in -100_000i64..0,
    ) {
        let before = evaluate(&s.site, &s.agents, s.now);
        let mut agents = s.agents.clone();
        agents.push(agent("newcomer", Status::Online, &groups, s.now + seen));
        let after = evaluate(&s.site, &agents, s.now);
        for ((group, a), (_, b)) in audiences(&before).iter().zip(audiences(&after)) {
            prop_assert!(b.status >= a.status, "{:?}: {:?} -> {:?}", group, a.status, b.status);
        }
    }

    /// An agent going online (from busy or offline) never makes anyone less
    /// available either.
    #[test]
    fn an_agent_going_online_never_makes_anyone_less_available(s in scenario(), pick in any::<prop::sample::Index>()) {
        prop_assume!(!s.agents.is_empty());
        let before = evaluate(&s.site, &s.agents, s.now);
        let mut agents = s.agents.clone();
        agents[pick.index(s.agents.len())].manual.status = Status::Online;
        let after = evaluate(&s.site, &agents, s.now);
        for ((_, a), (_, b)) in audiences(&before).iter().zip(audiences(&after)) {
            prop_assert!(b.status >= a.status);
        }
    }

    /// Every audience matches the brute-force model of the group rules:
    /// group G counts agents in G and in no group, the site counts only
    /// agents in no group, a site without groups counts everyone.
    #[test]
    fn every_audience_follows_the_group_rules(s in scenario()) {
        let ev = evaluate(&s.site, &s.agents, s.now);
        prop_assert_eq!(ev.groups.keys().collect::<Vec<_>>(), s.site.groups.iter().collect::<Vec<_>>());
        for (group, answer) in audiences(&ev) {
            let expected = model(&s.site, &s.agents, s.now, group.as_deref());
            prop_assert_eq!((answer.status, answer.reason, answer.message.clone()), expected, "{:?}", group);
        }
        for agent in &s.agents {
            prop_assert_eq!(ev.agents[&agent.id], agent.effective_status(s.site.grace, s.now));
        }
    }

    /// Agents who are offline or whose sessions all ran out change nothing,
    /// and the order of the agents does not matter.
    #[test]
    fn absent_agents_and_agent_order_change_nothing(s in scenario()) {
        let ev = evaluate(&s.site, &s.agents, s.now);
        let present: Vec<Agent> = s.agents.iter()
            .filter(|a| a.effective_status(s.site.grace, s.now) != Status::Offline)
            .cloned()
            .collect();
        let mut reversed = s.agents.clone();
        reversed.reverse();
        for other in [evaluate(&s.site, &present, s.now), evaluate(&s.site, &reversed, s.now)] {
            for ((_, a), (_, b)) in audiences(&ev).iter().zip(audiences(&other)) {
                prop_assert_eq!(what_visitors_see(a), what_visitors_see(b));
            }
        }
    }

    /// Nothing panics, whatever the instants.
    #[test]
    fn evaluation_never_panics(s in scenario(), now in any::<i64>(), seen in any::<i64>()) {
        let mut agents = s.agents.clone();
        agents.push(agent("edge", Status::Online, &["g0"], seen));
        let ev = evaluate(&s.site, &agents, now);
        prop_assert!(ev.next_change.is_none_or(|t| t > now));
    }

    /// Nothing panics on any schedule text: it parses or names a problem.
    #[test]
    fn schedule_parsing_never_panics(
        timezone in prop_oneof![Just("Europe/Rome".to_owned()), ".{0,20}"],
        day in prop_oneof![Just("mon".to_owned()), ".{0,5}"],
        times in prop::collection::vec(("[0-9:]{0,6}|.{0,6}", "[0-9:]{0,6}|.{0,6}"), 0..4),
        date in "[0-9-]{0,11}|.{0,11}",
    ) {
        let hours: Vec<[String; 2]> = times.into_iter().map(|(s, e)| [s, e]).collect();
        let spec = ScheduleSpec {
            timezone,
            weekly: [(day, hours.clone())].into_iter().collect(),
            exceptions: vec![ExceptionSpec { date, hours }],
        };
        match Schedule::parse(&spec) {
            Ok(schedule) => {
                let _ = schedule.next_boundary(0);
            }
            Err(error) => prop_assert!(!error.to_string().is_empty() && !error.code().is_empty()),
        }
    }
}
