//! Property tests of working hours in switch mode against a reference
//! model written from the sentences: events (manual changes, and the
//! openings and closings of the schedules that cover an agent, found by
//! sampling `is_open` minute by minute) are replayed in time order and the
//! last one wins. Random sequences of manual changes, schedules in
//! Europe/Rome and America/New_York across their DST changes (intervals
//! in the skipped and repeated hours, overnight ones), several groups,
//! mixed with gates. Also: an edge-like replay that stores the schedules'
//! choices and moves `since` at random instants, with alarms delivered
//! twice or late, gives the model's answer; next changes are exact; and
//! `last_boundary` agrees with `next_boundary`.
#![cfg(feature = "hours")]

mod common;

use std::collections::{BTreeMap, BTreeSet};

use common::strategies::{schedule_spec, some_of, transition_instants};
use common::*;
use presenza_rules::hours::{HoursMode, Schedule, ScheduleSpec};
use presenza_rules::{
    agent_serves, evaluate, Agent, AudienceStatus, ChosenBy, Evaluation, GracePeriod, ManualStatus,
    Reason, Session, Site, Status, Switch,
};
use proptest::prelude::*;

const ZONES: [&str; 2] = ["Europe/Rome", "America/New_York"];
const GROUPS: [&str; 2] = ["g0", "g1"];
/// Agents may name a group the site does not have.
const AGENT_GROUPS: [&str; 3] = ["g0", "g1", "gone"];
/// How long a story lasts after the schedules are saved.
const SPAN: i64 = 2 * DAY;

/// A schedule in Rome or New York near a DST change, in either mode.
fn hours(around: i64) -> impl Strategy<Value = (ScheduleSpec, HoursMode)> {
    (
        schedule_spec(around),
        prop::sample::select(&ZONES[..]),
        prop_oneof![3 => Just(HoursMode::Switch), 1 => Just(HoursMode::Gate)],
    )
        .prop_map(|(mut spec, zone, mode)| {
            spec.timezone = zone.to_owned();
            (spec, mode)
        })
}

fn status() -> impl Strategy<Value = Status> {
    prop_oneof![
        Just(Status::Online),
        Just(Status::Busy),
        Just(Status::Offline)
    ]
}

/// One agent: its groups and every manual change it makes, in order; the
/// first is made before the schedules are saved.
#[derive(Clone, Debug)]
struct Character {
    id: String,
    groups: Vec<String>,
    changes: Vec<ManualStatus>,
}

impl Character {
    /// Its manual status at `t`: the last change made by then.
    fn manual_at(&self, t: i64) -> &ManualStatus {
        self.changes
            .iter()
            .rev()
            .find(|c| c.set_at <= t)
            .unwrap_or(&self.changes[0])
    }
}

#[derive(Clone, Debug)]
struct Story {
    /// The site's schedule, then each group's own: `(group, spec, mode)`.
    schedules: Vec<(Option<String>, ScheduleSpec, HoursMode)>,
    groups: BTreeSet<String>,
    /// When the schedules were saved (on a minute).
    since: i64,
    characters: Vec<Character>,
    /// Instants at which the replay evaluates (an alarm, a request).
    probes: Vec<i64>,
    /// Instants at which the replay's configuration changes in a way that
    /// moves `since` (the choices made by working hours are stored first).
    touches: Vec<i64>,
}

fn character(index: usize, since: i64) -> impl Strategy<Value = Character> {
    (
        some_of(&AGENT_GROUPS),
        status(),
        1i64..DAY,
        prop::collection::vec(
            (status(), 0i64..SPAN / MINUTE, prop::bool::weighted(0.8)),
            0..6,
        ),
    )
        .prop_map(move |(groups, first, before, later)| {
            let mut changes = vec![ManualStatus::new(first, since - before)];
            let mut later: Vec<(Status, i64, bool)> = later;
            later.sort_by_key(|(_, minute, _)| *minute);
            for (status, minute, on_the_minute) in later {
                // On a minute, changes often meet a boundary exactly.
                let set_at = since + minute * MINUTE + if on_the_minute { 0 } else { 12_345 };
                let mut change = ManualStatus::new(status, set_at);
                if status == Status::Busy {
                    change.message = Some(format!("busy {minute}"));
                }
                changes.push(change);
            }
            changes.sort_by_key(|c| c.set_at);
            Character {
                id: format!("a{index}"),
                groups: groups.into_iter().map(str::to_owned).collect(),
                changes,
            }
        })
}

fn story() -> impl Strategy<Value = Story> {
    (
        prop::sample::select(transition_instants()),
        -DAY / MINUTE..DAY / MINUTE,
    )
        .prop_map(|(transition, minutes)| transition - SPAN / 2 + minutes * MINUTE)
        .prop_flat_map(|since| {
            (
                Just(since),
                some_of(&GROUPS),
                prop::option::weighted(0.8, hours(since + SPAN / 2)),
                prop::collection::vec(prop::option::weighted(0.5, hours(since + SPAN / 2)), 2),
                (0..4usize).prop_flat_map(move |n| {
                    (0..=n).map(|i| character(i, since)).collect::<Vec<_>>()
                }),
                prop::collection::vec(0..SPAN, 1..8),
                prop::collection::vec(0..SPAN, 0..4),
            )
        })
        .prop_map(
            |(since, groups, site_hours, group_hours, characters, probes, touches)| {
                let groups: BTreeSet<String> = groups.into_iter().map(str::to_owned).collect();
                // Random exceptions may overlap a spill-over: such a
                // schedule is refused when saved, so the story has none.
                let valid = |hours: Option<(ScheduleSpec, HoursMode)>| {
                    hours.filter(|(spec, _)| Schedule::parse(spec).is_ok())
                };
                let mut schedules = Vec::new();
                if let Some((spec, mode)) = valid(site_hours) {
                    schedules.push((None, spec, mode));
                }
                for (group, hours) in groups.iter().zip(group_hours) {
                    if let Some((spec, mode)) = valid(hours) {
                        schedules.push((Some(group.clone()), spec, mode));
                    }
                }
                let mut probes: Vec<i64> = probes.into_iter().map(|p| since + p).collect();
                // An alarm delivered twice.
                probes.push(probes[0]);
                Story {
                    schedules,
                    groups,
                    since,
                    characters,
                    probes,
                    touches: touches.into_iter().map(|t| since + t).collect(),
                }
            },
        )
}

impl Story {
    /// The site with every switch schedule's `since` at `since`.
    fn site(&self, since: i64) -> Site {
        let mut site = Site {
            grace: GracePeriod::DEFAULT,
            groups: self.groups.clone(),
            ..Site::default()
        };
        for (group, spec, mode) in &self.schedules {
            let schedule = schedule(spec).in_mode(*mode, since);
            match group {
                None => site.hours = Some(schedule),
                Some(g) => {
                    site.group_hours.insert(g.clone(), schedule);
                }
            }
        }
        site
    }

    /// The agents at `t` with these manual statuses, alive.
    fn agents(&self, manual: impl Fn(&Character) -> ManualStatus, t: i64) -> Vec<Agent> {
        self.characters
            .iter()
            .map(|c| Agent {
                id: c.id.clone(),
                groups: c.groups.clone(),
                manual: manual(c),
                sessions: vec![Session {
                    id: "s".into(),
                    last_seen: t - SECOND,
                }],
            })
            .collect()
    }
}

/// The reference model: the schedules sampled every minute of the story.
struct Model {
    site: Site,
    since: i64,
    /// Minute of the first sample (the minute before `since`).
    first_minute: i64,
    /// Per schedule (site's `None`, groups by name): its mode and whether it
    /// is open at each sampled minute.
    open: BTreeMap<Option<String>, (HoursMode, Vec<bool>)>,
}

/// What one event makes an agent's status: `(instant, status, by)`.
type Event = (i64, Status, ChosenBy);

impl Model {
    fn new(story: &Story) -> Model {
        let site = story.site(story.since);
        let first_minute = story.since / MINUTE - 1;
        let minutes = (SPAN / MINUTE + 3) as usize;
        let mut open = BTreeMap::new();
        for (group, spec, mode) in &story.schedules {
            let schedule = Schedule::parse(spec).expect("valid");
            let samples = (0..minutes)
                .map(|i| schedule.is_open((first_minute + i as i64) * MINUTE))
                .collect();
            open.insert(group.clone(), (*mode, samples));
        }
        Model {
            site,
            since: story.since,
            first_minute,
            open,
        }
    }

    /// The schedule that applies to an audience: the group's own, else the
    /// site's.
    fn audience_schedule(&self, group: Option<&str>) -> Option<&(HoursMode, Vec<bool>)> {
        group
            .and_then(|g| self.open.get(&Some(g.to_owned())))
            .or_else(|| self.open.get(&None))
    }

    /// The switch schedules covering an agent, from the sentences: in no
    /// known group the site's; else each group's (own, else the site's).
    fn cover(&self, groups: &[String]) -> Vec<&Vec<bool>> {
        let known: Vec<&String> = groups
            .iter()
            .filter(|g| self.site.groups.contains(*g))
            .collect();
        let schedules: Vec<&(HoursMode, Vec<bool>)> = if known.is_empty() {
            self.audience_schedule(None).into_iter().collect()
        } else {
            known
                .iter()
                .filter_map(|g| self.audience_schedule(Some(g)))
                .collect()
        };
        schedules
            .into_iter()
            .filter(|(mode, _)| *mode == HoursMode::Switch)
            .map(|(_, samples)| samples)
            .collect()
    }

    /// Openings and closings of the union of `cover` after `since`: the
    /// agent works while any of its schedules is open.
    fn boundaries(&self, cover: &[&Vec<bool>]) -> Vec<Event> {
        if cover.is_empty() {
            return Vec::new();
        }
        let open_at = |i: usize| cover.iter().any(|samples| samples[i]);
        (1..cover[0].len())
            .filter(|&i| open_at(i) != open_at(i - 1))
            .map(|i| {
                let status = if open_at(i) {
                    Status::Online
                } else {
                    Status::Offline
                };
                (
                    (self.first_minute + i as i64) * MINUTE,
                    status,
                    ChosenBy::WorkingHours,
                )
            })
            .filter(|(t, _, _)| *t > self.since)
            .collect()
    }

    /// Replays an agent's events up to `t`: the last one wins; a manual
    /// change at the same instant as a boundary comes after it. Also the
    /// next boundary after `t`, if the story sees one.
    fn choice(&self, c: &Character, t: i64) -> (Event, Option<Switch>) {
        let boundaries = self.boundaries(&self.cover(&c.groups));
        let mut events: Vec<(i64, u8, Event)> = boundaries
            .iter()
            .map(|e| (e.0, 0, *e))
            .chain(
                c.changes
                    .iter()
                    .map(|m| (m.set_at, 1, (m.set_at, m.status, ChosenBy::Manual))),
            )
            .filter(|(at, _, _)| *at <= t)
            .collect();
        events.sort_by_key(|(at, order, _)| (*at, *order));
        let last = events.last().map(|(_, _, e)| *e).unwrap_or((
            c.changes[0].set_at,
            c.changes[0].status,
            ChosenBy::Manual,
        ));
        let next = boundaries
            .iter()
            .find(|(at, _, _)| *at > t)
            .map(|&(at, status, _)| Switch { at, status });
        (last, next)
    }

    fn open_at(&self, samples: &[bool], t: i64) -> bool {
        samples[(t.div_euclid(MINUTE) - self.first_minute) as usize]
    }

    /// What an audience's visitors see at `t` (every agent alive).
    fn audience(
        &self,
        story: &Story,
        group: Option<&str>,
        t: i64,
    ) -> (Status, Reason, Option<String>) {
        let schedule = self.audience_schedule(group);
        if let Some((HoursMode::Gate, samples)) = schedule {
            if !self.open_at(samples, t) {
                return (Status::Offline, Reason::OutsideHours, None);
            }
        }
        let mut best: Option<(Status, i64, &str, Option<String>)> = None;
        for c in &story.characters {
            if !agent_serves(&c.groups, &self.site.groups, group) {
                continue;
            }
            let ((at, status, by), _) = self.choice(c, t);
            let message = match by {
                ChosenBy::Manual => c.manual_at(t).message.clone(),
                ChosenBy::WorkingHours => None,
            };
            // Online beats busy; among busy agents the latest choice speaks
            // (ties: smallest id).
            let better = match &best {
                None => status != Status::Offline,
                Some((s, a, id, _)) => {
                    status > *s || (status == *s && (at > *a || (at == *a && c.id.as_str() < *id)))
                }
            };
            if better {
                best = Some((status, at, &c.id, message));
            }
        }
        match best {
            Some((Status::Online, ..)) => (Status::Online, Reason::AgentsOnline, None),
            Some((Status::Busy, _, _, message)) => (Status::Busy, Reason::AllBusy, message),
            _ => match schedule {
                Some((HoursMode::Switch, samples)) if !self.open_at(samples, t) => {
                    (Status::Offline, Reason::OutsideHours, None)
                }
                _ => (Status::Offline, Reason::NoAgents, None),
            },
        }
    }
}

/// Every audience of an evaluation: `None` = the site as a whole.
fn audiences(ev: &Evaluation) -> Vec<(Option<String>, &AudienceStatus)> {
    std::iter::once((None, &ev.site))
        .chain(ev.groups.iter().map(|(g, a)| (Some(g.clone()), a)))
        .collect()
}

fn seen(a: &AudienceStatus) -> (Status, Reason, Option<String>, Option<i64>) {
    (a.status, a.reason, a.message.clone(), a.back_at)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(96))]

    /// Last change wins: every agent's chosen status (who chose it and
    /// when, and the next boundary) and every audience's answer are the
    /// model's, whenever the story is evaluated.
    #[test]
    fn the_last_change_wins_as_the_model_says(
        mut story in story(),
        snaps in prop::collection::vec((any::<prop::sample::Index>(), status()), 4),
    ) {
        let model = Model::new(&story);
        // Some manual changes at the very instant of a boundary (the
        // manual change wins), evaluated then and just after.
        for (c, (pick, status)) in story.characters.iter_mut().zip(snaps) {
            let boundaries = model.boundaries(&model.cover(&c.groups));
            if !boundaries.is_empty() {
                let at = boundaries[pick.index(boundaries.len())].0;
                c.changes.push(ManualStatus::new(status, at));
                c.changes.sort_by_key(|m| m.set_at);
                story.probes.extend([at, at + 1]);
            }
        }
        let site = story.site(story.since);
        for &t in &story.probes {
            let agents = story.agents(|c| c.manual_at(t).clone(), t);
            let ev = evaluate(&site, &agents, t);
            for (c, agent) in story.characters.iter().zip(&agents) {
                let ((at, status, by), next) = model.choice(c, t);
                let got = ev.choice(agent);
                prop_assert_eq!((got.status, got.by, got.at), (status, by, at), "{} at {}", c.id, t);
                if let Some(next) = next {
                    prop_assert_eq!(got.next, Some(next), "{} next at {}", c.id, t);
                }
                prop_assert_eq!(ev.agents[&c.id], status);
            }
            for (group, answer) in audiences(&ev) {
                let expected = model.audience(&story, group.as_deref(), t);
                prop_assert_eq!((answer.status, answer.reason, answer.message.clone()), expected, "{:?} at {}", group, t);
            }
        }
    }

    /// An edge keeps only each agent's latest choice. Before its
    /// configuration changes it stores what working hours chose and moves
    /// every schedule's `since` to now; it evaluates when an alarm or a
    /// request comes, twice or late. Whatever the instants, it sees what
    /// the model says.
    #[test]
    fn storing_the_choices_and_evaluating_at_any_instants_changes_nothing(story in story()) {
        let model = Model::new(&story);
        #[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Debug)]
        enum Step { Manual(usize, usize), Touch, Probe }
        let mut steps: Vec<(i64, Step)> = Vec::new();
        for (i, c) in story.characters.iter().enumerate() {
            for (j, change) in c.changes.iter().enumerate() {
                steps.push((change.set_at, Step::Manual(i, j)));
            }
        }
        steps.extend(story.touches.iter().map(|&t| (t, Step::Touch)));
        steps.extend(story.probes.iter().map(|&t| (t, Step::Probe)));
        steps.sort();
        // What the edge stores: each agent's row, and whether working hours
        // wrote it.
        let mut rows: Vec<(ManualStatus, bool)> = story
            .characters
            .iter()
            .map(|c| (c.changes[0].clone(), false))
            .collect();
        let mut since = story.since;
        for (t, step) in steps {
            let agents = story.agents(|c| {
                let i = story.characters.iter().position(|k| k.id == c.id).unwrap_or(0);
                rows[i].0.clone()
            }, t);
            match step {
                Step::Manual(i, j) => rows[i] = (story.characters[i].changes[j].clone(), false),
                Step::Touch => {
                    let ev = evaluate(&story.site(since), &agents, t);
                    for (i, agent) in agents.iter().enumerate() {
                        let choice = ev.choice(agent);
                        if choice.by == ChosenBy::WorkingHours {
                            rows[i] = (ManualStatus::new(choice.status, choice.at), true);
                        }
                    }
                    since = t;
                }
                Step::Probe => {
                    let ev = evaluate(&story.site(since), &agents, t);
                    for (i, (c, agent)) in story.characters.iter().zip(&agents).enumerate() {
                        let ((at, status, by), _) = model.choice(c, t);
                        let got = ev.choice(agent);
                        let got_by = if got.by == ChosenBy::Manual && rows[i].1 { ChosenBy::WorkingHours } else { got.by };
                        prop_assert_eq!((got.status, got_by, got.at), (status, by, at), "{} at {}", c.id, t);
                    }
                    for (group, answer) in audiences(&ev) {
                        let expected = model.audience(&story, group.as_deref(), t);
                        prop_assert_eq!(answer.status, expected.0, "{:?} at {}", group, t);
                        prop_assert_eq!(answer.reason, expected.1, "{:?} at {}", group, t);
                    }
                }
            }
        }
    }

    /// Each audience's next change is exact: the same answer just before
    /// it, another at it (sessions running out at random instants too).
    #[test]
    fn next_change_is_exact_in_switch_mode(story in story(), pick in 0usize..8, seen_ago in prop::collection::vec(-720_000i64..5_000, 4)) {
        let t = story.probes[pick % story.probes.len()];
        let site = story.site(story.since);
        let mut agents = story.agents(|c| c.manual_at(t).clone(), t);
        for (agent, ago) in agents.iter_mut().zip(&seen_ago) {
            agent.sessions[0].last_seen = t + ago;
        }
        let ev = evaluate(&site, &agents, t);
        for (group, answer) in audiences(&ev) {
            let group = group.as_deref();
            let at = |when: i64| seen(evaluate(&site, &agents, when).audience(group).expect("same groups"));
            match answer.next_change {
                Some(change) => {
                    prop_assert!(change > t);
                    prop_assert_eq!(at(change - 1), seen(answer), "{:?} before {}", group, change);
                    prop_assert_ne!(at(change), seen(answer), "{:?} at {}", group, change);
                }
                None => {
                    for later in [HOUR, 9 * DAY] {
                        prop_assert_eq!(at(t + later), seen(answer));
                    }
                }
            }
        }
    }

    /// The one alarm is the earliest audience change, session expiry or
    /// agent's next boundary, and nothing changes before it: no answer,
    /// no agent's status, no choice.
    #[test]
    fn the_alarm_covers_every_boundary_that_switches_an_agent(story in story(), pick in 0usize..8, seen_ago in prop::collection::vec(-720_000i64..5_000, 4)) {
        let t = story.probes[pick % story.probes.len()];
        let site = story.site(story.since);
        let mut agents = story.agents(|c| c.manual_at(t).clone(), t);
        for (agent, ago) in agents.iter_mut().zip(&seen_ago) {
            agent.sessions[0].last_seen = t + ago;
        }
        let ev = evaluate(&site, &agents, t);
        let expiries = agents.iter().flat_map(|a| &a.sessions)
            .map(|s| s.alive_until(site.grace))
            .filter(|&e| e > t);
        let switches = ev.choices.values().filter_map(|c| c.next.map(|s| s.at));
        let earliest = audiences(&ev).iter().filter_map(|(_, a)| a.next_change).chain(expiries).chain(switches).min();
        prop_assert_eq!(ev.next_change, earliest);
        if let Some(alarm) = ev.next_change {
            let before = evaluate(&site, &agents, alarm - 1);
            prop_assert_eq!(&before.agents, &ev.agents);
            prop_assert_eq!(&before.choices, &ev.choices);
            for ((_, a), (_, b)) in audiences(&before).iter().zip(audiences(&ev)) {
                prop_assert_eq!(seen(a), seen(b));
            }
        }
    }

    /// `last_boundary` is the last instant `next_boundary` walks through:
    /// a boundary, at or before `now`, with none after it up to `now`.
    #[test]
    fn last_boundary_agrees_with_next_boundary(
        (now, spec) in (prop::sample::select(transition_instants()), -3 * DAY..3 * DAY)
            .prop_flat_map(|(transition, offset)| (Just(transition + offset), schedule_spec(transition))),
        after_ago in prop::option::of(0i64..4 * DAY),
    ) {
        let Ok(schedule) = Schedule::parse(&spec) else { return Ok(()) };
        let after = after_ago.map_or(i64::MIN, |ago| now - ago);
        match schedule.last_boundary(after, now) {
            Some(b) => {
                prop_assert!(after < b && b <= now);
                prop_assert_ne!(schedule.is_open(b), schedule.is_open(b - 1));
                prop_assert!(schedule.next_boundary(b).is_none_or(|next| next > now));
                prop_assert_eq!(schedule.next_boundary(b - 1), Some(b));
            }
            None => {
                let from = after.max(now - 60 * DAY);
                prop_assert!(schedule.next_boundary(from).is_none_or(|next| next > now), "missed {:?}", schedule.next_boundary(from));
            }
        }
    }
}
