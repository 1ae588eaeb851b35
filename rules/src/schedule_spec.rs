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
