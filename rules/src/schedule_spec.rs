//! The JSON shape of a schedule (`PUT …/working-hours`): plain data with
//! no time zone database, so the console shares it without jiff. The
//! `hours` feature parses it into a `Schedule`.

use alloc::collections::BTreeMap;
use alloc::string::String;
use alloc::vec::Vec;

/// The JSON of `PUT .../working-hours`.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
#[cfg_attr(
    feature = "serde",
    derive(serde::Serialize, serde::Deserialize),
    serde(deny_unknown_fields)
)]
pub struct ScheduleSpec {
    /// IANA time zone, e.g. `"Europe/Rome"`.
    pub timezone: String,
    /// Keys `"mon"`..`"sun"`; intervals `["09:00", "17:30"]`, `"24:00"`
    /// allowed as an end, end < start = across midnight into the next day.
    #[cfg_attr(feature = "serde", serde(default))]
    pub weekly: BTreeMap<String, Vec<[String; 2]>>,
    /// Dates whose own intervals are replaced.
    #[cfg_attr(feature = "serde", serde(default))]
    pub exceptions: Vec<ExceptionSpec>,
}

/// One date whose own intervals replace the weekly ones.
#[derive(Clone, Debug, PartialEq, Eq)]
#[cfg_attr(
    feature = "serde",
    derive(serde::Serialize, serde::Deserialize),
    serde(deny_unknown_fields)
)]
pub struct ExceptionSpec {
    /// `"2026-12-25"`.
    pub date: String,
    /// The intervals of that date; empty = closed all day.
    pub hours: Vec<[String; 2]>,
}

/// The weekday keys of [`ScheduleSpec::weekly`], Monday first.
pub const WEEKDAYS: [&str; 7] = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];

/// How a schedule acts on statuses (a site's schedule and each group's own
/// schedule have one). There is no default: a stored site says which.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[cfg_attr(
    feature = "serde",
    derive(serde::Serialize, serde::Deserialize),
    serde(rename_all = "lowercase")
)]
pub enum HoursMode {
    /// Each opening and closing is an automatic status change for the
    /// agents the schedule covers (online at opening, offline at closing);
    /// a manual change after a boundary wins until the next one. Outside
    /// hours an agent online by hand is reachable.
    Switch,
    /// Outside hours the audience is offline whatever the agents do.
    Gate,
}

impl HoursMode {
    /// The wire name: `"switch"` or `"gate"`.
    pub fn as_str(self) -> &'static str {
        match self {
            HoursMode::Switch => "switch",
            HoursMode::Gate => "gate",
        }
    }

    /// Parses a wire name (exact, lowercase); `None` for anything else.
    pub fn parse(s: &str) -> Option<HoursMode> {
        match s {
            "switch" => Some(HoursMode::Switch),
            "gate" => Some(HoursMode::Gate),
            _ => None,
        }
    }
}

impl core::fmt::Display for HoursMode {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(self.as_str())
    }
}
