//! The error every failure is answered with: the body
//! `{"error": {"code", "message"}}` of an HTTP error and the `error` of an
//! error frame. `code` is stable snake_case for programs; `message` is a
//! sentence for people.

use alloc::string::String;
use alloc::vec::Vec;
use serde::{Deserialize, Serialize};

/// `{"code", "message", "retry_after_secs"?}`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorObject {
    pub code: String,
    pub message: String,
    /// How long to wait, for `rate_limited`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retry_after_secs: Option<i64>,
    /// Where in a working-hours schedule the error is, so that a client
    /// shows it next to the field in its own words.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub at: Option<ErrorAt>,
}

/// The place of a schedule's error (`empty_interval`,
/// `overlapping_intervals`, `invalid_time`, `invalid_date`,
/// `unknown_weekday`, `duplicate_exception`, `unknown_time_zone`).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorAt {
    /// The weekday (`mon`) or exception date (`2026-12-25`) it is on.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub day: Option<String>,
    /// The intervals concerned, as written (`09:00-17:00`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub intervals: Vec<String>,
    /// The offending value (a time, a date, a weekday, a time zone).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<String>,
}

/// An HTTP error answer's body.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorBody {
    pub error: ErrorObject,
}
