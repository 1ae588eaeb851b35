//! Micro-benchmark: one evaluation of a site with 1,000 agents in 50 groups,
//! every group with its own working hours (several time zones, lunch
//! breaks, a night shift across midnight, exceptions) plus a site default.
//!
//! The same site with every schedule in switch mode (issue 17: boundaries
//! switch the agents they cover; saved three days earlier) is measured too.
//!
//! Run with `cargo bench -p presenza-rules`.

use std::collections::{BTreeMap, BTreeSet};

use divan::{black_box, Bencher};
use presenza_rules::hours::{ExceptionSpec, HoursMode, Schedule, ScheduleSpec};
use presenza_rules::time::parse_rfc3339;
use presenza_rules::{evaluate, Agent, GracePeriod, ManualStatus, Session, Site, Status};

fn main() {
    divan::main();
}

const AGENTS: usize = 1_000;
const GROUPS: usize = 50;
const ZONES: [&str; 5] = [
    "Europe/Rome",
    "Europe/Prague",
    "America/New_York",
    "Australia/Lord_Howe",
    "Asia/Kolkata",
];

fn interval(start: &str, end: &str) -> [String; 2] {
    [start.to_owned(), end.to_owned()]
}

fn schedule(zone: &str, variant: usize) -> Schedule {
    let mut weekly = BTreeMap::new();
    for day in ["mon", "tue", "wed", "thu", "fri"] {
        let hours = match variant % 3 {
            0 => vec![interval("09:00", "12:30"), interval("13:30", "18:00")],
            1 => vec![interval("00:00", "24:00")],
            _ => vec![interval("08:00", "20:00"), interval("22:00", "02:00")],
        };
        weekly.insert(day.to_owned(), hours);
    }
    weekly.insert("sat".to_owned(), vec![interval("10:00", "14:00")]);
    let spec = ScheduleSpec {
        timezone: zone.to_owned(),
        weekly,
        exceptions: vec![
            ExceptionSpec {
                date: "2026-12-25".to_owned(),
                hours: vec![],
            },
            ExceptionSpec {
                date: "2026-12-24".to_owned(),
                hours: vec![interval("09:00", "13:00")],
            },
        ],
    };
    Schedule::parse(&spec).expect("valid benchmark schedule")
}

fn fixture() -> (Site, Vec<Agent>, i64) {
    // A Wednesday afternoon in Rome.
    let now = parse_rfc3339("2026-11-25T14:00:00Z").expect("valid instant");
    let groups: BTreeSet<String> = (0..GROUPS).map(|g| format!("group-{g:02}")).collect();
    let group_hours = groups
        .iter()
        .enumerate()
        .map(|(i, g)| (g.clone(), schedule(ZONES[i % ZONES.len()], i)))
        .collect();
    let site = Site {
        grace: GracePeriod::DEFAULT,
        groups,
        hours: Some(schedule("Europe/Rome", 0)),
        group_hours,
    };
    let agents = (0..AGENTS)
        .map(|i| {
            // Every tenth agent is in no group; some agents are in two groups.
            let groups = match i % 10 {
                0 => vec![],
                7 => vec![
                    format!("group-{:02}", i % GROUPS),
                    format!("group-{:02}", (i + 1) % GROUPS),
                ],
                _ => vec![format!("group-{:02}", i % GROUPS)],
            };
            let status = match i % 5 {
                0 | 1 => Status::Online,
                2 => Status::Busy,
                _ => Status::Offline,
            };
            let sessions = (0..1 + i % 2)
                .map(|s| Session {
                    id: format!("s{s}"),
                    last_seen: now - ((i * 7 + s * 13) % 200) as i64 * 1000,
                })
                .collect();
            Agent {
                id: format!("agent-{i:04}"),
                groups,
                manual: ManualStatus {
                    status,
                    message: (status == Status::Busy).then(|| "Back soon".to_owned()),
                    back_at: None,
                    set_at: now - (i as i64) * 1000,
                },
                sessions,
            }
        })
        .collect();
    (site, agents, now)
}

#[divan::bench]
fn evaluate_1000_agents_50_groups(bencher: Bencher) {
    let (site, agents, now) = fixture();
    bencher.bench(|| evaluate(black_box(&site), black_box(&agents), black_box(now)));
}

#[divan::bench]
fn evaluate_1000_agents_50_groups_at_night(bencher: Bencher) {
    let (site, agents, now) = fixture();
    let night = now + 12 * 3_600_000;
    bencher.bench(|| evaluate(black_box(&site), black_box(&agents), black_box(night)));
}

/// The fixture with every schedule switching statuses since three days
/// before `now`.
fn switching() -> (Site, Vec<Agent>, i64) {
    let (mut site, agents, now) = fixture();
    let since = now - 3 * 86_400_000;
    site.hours = site
        .hours
        .take()
        .map(|s| s.in_mode(HoursMode::Switch, since));
    for schedule in site.group_hours.values_mut() {
        *schedule = schedule.clone().in_mode(HoursMode::Switch, since);
    }
    (site, agents, now)
}

#[divan::bench]
fn evaluate_1000_agents_50_groups_switch_mode(bencher: Bencher) {
    let (site, agents, now) = switching();
    bencher.bench(|| evaluate(black_box(&site), black_box(&agents), black_box(now)));
}

#[divan::bench]
fn evaluate_1000_agents_50_groups_switch_mode_at_night(bencher: Bencher) {
    let (site, agents, now) = switching();
    let night = now + 12 * 3_600_000;
    bencher.bench(|| evaluate(black_box(&site), black_box(&agents), black_box(night)));
}
