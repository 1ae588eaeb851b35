//! The typed error every invalid input is rejected with. Each variant names
//! the offending value so the console can show it as is.

use core::fmt;

/// At most this many intervals on one day of a schedule.
pub const MAX_INTERVALS_PER_DAY: usize = 24;

/// At most this many exceptions in one schedule.
pub const MAX_EXCEPTIONS: usize = 1000;

/// Why an input was rejected. `code()` is the stable, snake_case identifier
/// for the wire; `Display` is a human sentence naming the offending value.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum RuleError {
    /// The time zone is not in the bundled IANA database.
    UnknownTimeZone(String),
    /// A time of day is not `"HH:MM"` in `00:00..=23:59` (or `"24:00"` as an end).
    InvalidTime(String),
    /// A date is not a real `"YYYY-MM-DD"` calendar date.
    InvalidDate(String),
    /// A weekly key is not one of `mon`..`sun`.
    UnknownWeekday(String),
    /// An interval starts and ends at the same time.
    EmptyInterval {
        /// The weekday (`"mon"`) or date (`"2026-12-25"`) it belongs to.
        day: String,
        /// The interval as written, `"09:00-09:00"`.
        interval: String,
    },
    /// Two intervals share some time (including a spill-over past midnight
    /// into the next day's intervals).
    OverlappingIntervals {
        /// The weekday or date on which they meet.
        day: String,
        /// The earlier interval, `"09:00-12:00"`.
        first: String,
        /// The later interval, `"11:00-13:00"`.
        second: String,
    },
    /// The same date appears twice in the exceptions.
    DuplicateException(String),
    /// A grace period outside `10..=3600` seconds.
    GracePeriodOutOfBounds(u32),
    /// A group id that the site does not have.
    UnknownGroup(String),
    /// More intervals in one day (or more exceptions) than a schedule allows.
    TooManyIntervals,
}

impl RuleError {
    /// The stable wire identifier, e.g. `"unknown_time_zone"`.
    pub fn code(&self) -> &'static str {
        match self {
            RuleError::UnknownTimeZone(_) => "unknown_time_zone",
            RuleError::InvalidTime(_) => "invalid_time",
            RuleError::InvalidDate(_) => "invalid_date",
            RuleError::UnknownWeekday(_) => "unknown_weekday",
            RuleError::EmptyInterval { .. } => "empty_interval",
            RuleError::OverlappingIntervals { .. } => "overlapping_intervals",
            RuleError::DuplicateException(_) => "duplicate_exception",
            RuleError::GracePeriodOutOfBounds(_) => "grace_period_out_of_bounds",
            RuleError::UnknownGroup(_) => "unknown_group",
            RuleError::TooManyIntervals => "too_many_intervals",
        }
    }
}

impl fmt::Display for RuleError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RuleError::UnknownTimeZone(tz) => write!(f, "unknown time zone {tz:?}"),
            RuleError::InvalidTime(t) => {
                write!(
                    f,
                    "invalid time {t:?}: expected \"HH:MM\" from 00:00 to 24:00"
                )
            }
            RuleError::InvalidDate(d) => write!(f, "invalid date {d:?}: expected \"YYYY-MM-DD\""),
            RuleError::UnknownWeekday(w) => {
                write!(
                    f,
                    "unknown weekday {w:?}: expected mon, tue, wed, thu, fri, sat or sun"
                )
            }
            RuleError::EmptyInterval { day, interval } => {
                write!(
                    f,
                    "empty interval on {day}: {interval} starts and ends at the same time"
                )
            }
            RuleError::OverlappingIntervals { day, first, second } => {
                write!(f, "overlapping intervals on {day}: {first} and {second}")
            }
            RuleError::DuplicateException(d) => write!(f, "duplicate exception for {d}"),
            RuleError::GracePeriodOutOfBounds(s) => write!(
                f,
                "grace period {s} s out of bounds: allowed {}..={} s",
                crate::presence::GracePeriod::MIN_SECS,
                crate::presence::GracePeriod::MAX_SECS
            ),
            RuleError::UnknownGroup(g) => write!(f, "unknown group {g:?}"),
            RuleError::TooManyIntervals => write!(
                f,
                "too many intervals: at most {} a day and {} exceptions",
                MAX_INTERVALS_PER_DAY, MAX_EXCEPTIONS
            ),
        }
    }
}

impl std::error::Error for RuleError {}
