//! The typed error every invalid input is rejected with. Each variant names
//! the offending value so the console can show it as is.

use alloc::string::String;
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
    /// A message that is empty once trimmed.
    EmptyMessage,
    /// A message longer than
    /// [`MAX_MESSAGE_CHARS`](crate::conversation::MAX_MESSAGE_CHARS) once
    /// trimmed; carries its length in characters.
    MessageTooLong(usize),
    /// A message with a control character other than newline and tab.
    InvalidCharacter(char),
    /// A client id that is not 1..=64 characters `[A-Za-z0-9_-]` (the value,
    /// shortened to 64 characters).
    InvalidClientId(String),
    /// A visitor name that is not 1..=80 characters without control
    /// characters once trimmed (the value, shortened to 64 characters).
    InvalidName(String),
    /// Not a plausible e-mail address (the value, shortened to 64
    /// characters).
    InvalidEmail(String),
    /// A left message (the audience is offline) needs a name and an e-mail.
    ContactRequired,
    /// Too many messages: try again in this many milliseconds.
    RateLimited {
        /// Milliseconds until the next message is accepted (at least 1).
        retry_after_ms: i64,
    },
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
            RuleError::EmptyMessage => "empty_message",
            RuleError::MessageTooLong(_) => "message_too_long",
            RuleError::InvalidCharacter(_) => "invalid_character",
            RuleError::InvalidClientId(_) => "invalid_client_id",
            RuleError::InvalidName(_) => "invalid_name",
            RuleError::InvalidEmail(_) => "invalid_email",
            RuleError::ContactRequired => "contact_required",
            RuleError::RateLimited { .. } => "rate_limited",
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
            RuleError::EmptyMessage => f.write_str("empty message"),
            RuleError::MessageTooLong(chars) => write!(
                f,
                "message too long: {chars} characters, at most {}",
                crate::conversation::MAX_MESSAGE_CHARS
            ),
            RuleError::InvalidCharacter(c) => write!(
                f,
                "invalid character U+{:04X} in message: no control characters except newline and tab",
                u32::from(*c)
            ),
            RuleError::InvalidClientId(id) => write!(
                f,
                "invalid client id {id:?}: expected 1 to {} characters A-Z, a-z, 0-9, _ or -",
                crate::conversation::MAX_CLIENT_ID_LEN
            ),
            RuleError::InvalidName(name) => write!(
                f,
                "invalid name {name:?}: expected 1 to {} characters without control characters",
                crate::conversation::MAX_NAME_CHARS
            ),
            RuleError::InvalidEmail(email) => write!(f, "invalid e-mail address {email:?}"),
            RuleError::ContactRequired => {
                f.write_str("nobody is available: leave a name and an e-mail address")
            }
            RuleError::RateLimited { retry_after_ms } => write!(
                f,
                "too many messages: try again in {} s",
                crate::conversation::RetryAfterMs(*retry_after_ms).secs()
            ),
        }
    }
}

impl core::error::Error for RuleError {}
