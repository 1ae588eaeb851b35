//! The error every failure is answered with: the body
//! `{"error": {"code", "message"}}` of an HTTP error and the `error` of an
//! error frame. `code` is stable snake_case for programs; `message` is a
//! sentence for people.

use alloc::string::String;
use serde::{Deserialize, Serialize};

/// `{"code", "message", "retry_after_secs"?}`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorObject {
    pub code: String,
    pub message: String,
    /// How long to wait, for `rate_limited`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retry_after_secs: Option<i64>,
}

/// An HTTP error answer's body.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorBody {
    pub error: ErrorObject,
}
