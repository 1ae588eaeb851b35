//! Builders shared by the integration tests.
#![allow(dead_code)] // each test file uses a different subset

use std::collections::{BTreeMap, BTreeSet};

use presenza_rules::hours::{ExceptionSpec, Schedule, ScheduleSpec};
use presenza_rules::time::parse_rfc3339;
use presenza_rules::{Agent, GracePeriod, ManualStatus, Session, Site, Status, UnixMillis};

pub const SECOND: i64 = 1_000;
pub const MINUTE: i64 = 60 * SECOND;
pub const HOUR: i64 = 60 * MINUTE;
pub const DAY: i64 = 24 * HOUR;

/// An RFC 3339 instant; panics on a typo in the test itself.
pub fn at(text: &str) -> UnixMillis {
    parse_rfc3339(text).unwrap_or_else(|| panic!("bad test instant {text}"))
}

/// An agent with one session last seen at `last_seen`.
pub fn agent(id: &str, status: Status, groups: &[&str], last_seen: UnixMillis) -> Agent {
    Agent {
        id: id.to_owned(),
        groups: groups.iter().map(|g| (*g).to_owned()).collect(),
        manual: ManualStatus::new(status, 0),
        sessions: vec![Session {
            id: format!("{id}-desktop"),
            last_seen,
        }],
    }
}

/// A busy agent with a message, an expected return and the time they chose it.
pub fn busy_agent(
    id: &str,
    groups: &[&str],
    last_seen: UnixMillis,
    message: &str,
    back_at: Option<UnixMillis>,
    set_at: UnixMillis,
) -> Agent {
    let mut agent = agent(id, Status::Busy, groups, last_seen);
    agent.manual = ManualStatus {
        status: Status::Busy,
        message: Some(message.to_owned()),
        back_at,
        set_at,
    };
    agent
}

/// A site with the given groups, the default grace period and no hours.
pub fn site(groups: &[&str]) -> Site {
    Site {
        grace: GracePeriod::DEFAULT,
        groups: groups
            .iter()
            .map(|g| (*g).to_owned())
            .collect::<BTreeSet<_>>(),
        ..Site::default()
    }
}

pub fn interval(start: &str, end: &str) -> [String; 2] {
    [start.to_owned(), end.to_owned()]
}

/// A spec from `(weekday, [(start, end)])` pairs.
pub fn spec(timezone: &str, weekly: &[(&str, &[(&str, &str)])]) -> ScheduleSpec {
    ScheduleSpec {
        timezone: timezone.to_owned(),
        weekly: weekly
            .iter()
            .map(|(day, intervals)| {
                let intervals = intervals.iter().map(|(s, e)| interval(s, e)).collect();
                ((*day).to_owned(), intervals)
            })
            .collect::<BTreeMap<_, _>>(),
        exceptions: Vec::new(),
    }
}

pub fn exception(date: &str, hours: &[(&str, &str)]) -> ExceptionSpec {
    ExceptionSpec {
        date: date.to_owned(),
        hours: hours.iter().map(|(s, e)| interval(s, e)).collect(),
    }
}

pub fn schedule(spec: &ScheduleSpec) -> Schedule {
    Schedule::parse(spec).unwrap_or_else(|e| panic!("invalid test schedule: {e}"))
}

/// Every day of the week with the same intervals.
pub fn every_day(timezone: &str, intervals: &[(&str, &str)]) -> ScheduleSpec {
    let days = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];
    let weekly: Vec<(&str, &[(&str, &str)])> = days.iter().map(|d| (*d, intervals)).collect();
    spec(timezone, &weekly)
}

pub mod strategies;
