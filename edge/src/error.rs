//! The one error type of the API. Every failure becomes a JSON body
//! `{"error":{"code":"...","message":"..."}}` (the protocol's `ErrorBody`)
//! with the matching HTTP status, or the `error` of an error frame. Client
//! mistakes are never 500: only [`ApiError::Internal`] is. The errors the
//! API names (unknown group, refused origin...) are built here, once.

use presenza_protocol::error::{ErrorAt, ErrorBody, ErrorObject};
use presenza_protocol::limits::MAX_BODY_BYTES;
use presenza_rules::{RetryAfterMs, RuleError};
use std::fmt;

#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ApiError {
    /// 400: the request is malformed or a field is invalid.
    BadRequest { code: &'static str, message: String },
    /// 401: no credential, or a credential this site does not know.
    Unauthorized { code: &'static str, message: String },
    /// 403: a valid credential with the wrong role, or a refused Origin.
    Forbidden { code: &'static str, message: String },
    /// 404: unknown site, agent, group, path...
    NotFound { code: &'static str, message: String },
    /// 405: the path exists but not with this method.
    MethodNotAllowed { allow: &'static str },
    /// 409: a limit is reached or the state forbids the change.
    Conflict { code: &'static str, message: String },
    /// 413: the body is larger than [`MAX_BODY_BYTES`].
    PayloadTooLarge,
    /// 415: a body that is not `application/json`.
    UnsupportedMediaType,
    /// 413 / 415 / 422 of a body that is not JSON (an agent's picture):
    /// too large, of a type not accepted, or not readable as its type.
    Media {
        status: MediaRefusal,
        code: &'static str,
        message: String,
    },
    /// 426: a WebSocket endpoint called without `Upgrade: websocket`.
    UpgradeRequired,
    /// 429: too many sockets.
    TooManyRequests { code: &'static str, message: String },
    /// 429 `rate_limited` with `Retry-After`: a sender wrote too fast.
    RateLimited { retry_after_ms: i64 },
    /// 400: an input the rules refused (its code, its sentence, and for a
    /// schedule where the error is).
    Rule(RuleError),
    /// 500: a genuine internal failure (logged).
    Internal(String),
    /// 503: a part of the edge is out of room or out of reach for now.
    Unavailable { code: &'static str, message: String },
}

/// Why a non-JSON body was refused (its HTTP status).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MediaRefusal {
    /// 413
    TooLarge,
    /// 415
    UnsupportedType,
    /// 422
    Unprocessable,
}

impl ApiError {
    pub fn media(status: MediaRefusal, code: &'static str, message: impl Into<String>) -> Self {
        ApiError::Media {
            status,
            code,
            message: message.into(),
        }
    }
    pub fn bad_request(code: &'static str, message: impl Into<String>) -> Self {
        ApiError::BadRequest {
            code,
            message: message.into(),
        }
    }
    pub fn unauthorized(code: &'static str, message: impl Into<String>) -> Self {
        ApiError::Unauthorized {
            code,
            message: message.into(),
        }
    }
    pub fn forbidden(code: &'static str, message: impl Into<String>) -> Self {
        ApiError::Forbidden {
            code,
            message: message.into(),
        }
    }
    pub fn not_found(code: &'static str, message: impl Into<String>) -> Self {
        ApiError::NotFound {
            code,
            message: message.into(),
        }
    }
    pub fn conflict(code: &'static str, message: impl Into<String>) -> Self {
        ApiError::Conflict {
            code,
            message: message.into(),
        }
    }
    pub fn too_many(code: &'static str, message: impl Into<String>) -> Self {
        ApiError::TooManyRequests {
            code,
            message: message.into(),
        }
    }
    pub fn internal(message: impl Into<String>) -> Self {
        ApiError::Internal(message.into())
    }

    pub fn site_not_found() -> Self {
        Self::not_found("site_not_found", "no such site")
    }
    pub fn route_not_found() -> Self {
        Self::not_found("not_found", "no such endpoint")
    }
    pub fn unknown_group(group: &str) -> Self {
        Self::not_found("unknown_group", format!("no group `{group}` on this site"))
    }
    pub fn agent_not_found(agent: &str) -> Self {
        Self::not_found(
            "agent_not_found",
            format!("no agent `{agent}` on this site"),
        )
    }
    pub fn missing_token() -> Self {
        Self::unauthorized(
            "missing_token",
            "send a credential: Authorization: Bearer <token>",
        )
    }
    pub fn invalid_token() -> Self {
        Self::unauthorized("invalid_token", "the token is not valid for this site")
    }
    pub fn wrong_role(needed: &str) -> Self {
        Self::forbidden(
            "wrong_role",
            format!("this endpoint needs the {needed}; the token given has another role"),
        )
    }
    /// A browser page of an origin the site's `allowed_origins` leave out.
    pub fn origin_not_allowed() -> Self {
        Self::forbidden("origin_not_allowed", "this site does not allow this origin")
    }
    /// The widget's first call (`widget-config`) from a page of a refused
    /// origin: names the origin and where the owner allows it, for the
    /// widget's one console warning.
    pub fn widget_origin_refused(origin: &str) -> Self {
        Self::forbidden(
            "origin_not_allowed",
            format!(
                "{origin} is not in this site's allowed origins: add it in the console \
                 (Settings → Allowed origins) or with PUT settings `allowed_origins`"
            ),
        )
    }
    /// A widget (visitor socket or visitor call) on a refused origin.
    pub fn widget_origin_not_allowed() -> Self {
        Self::forbidden(
            "origin_not_allowed",
            "this site does not allow widgets on this origin",
        )
    }
    pub fn invalid_visitor() -> Self {
        Self::bad_request(
            "invalid_visitor",
            "send the visitor credential `<visitor_id>.<visitor_secret>` (base64url: a 22-character id \
             and a 43-character secret) in X-Presenza-Visitor, or in the socket's auth frame",
        )
    }
    pub fn visitor_forbidden() -> Self {
        Self::forbidden(
            "visitor_forbidden",
            "this visitor id belongs to someone else (wrong secret)",
        )
    }
    pub fn device_not_found() -> Self {
        Self::not_found("device_not_found", "no such signed-in device of this agent")
    }
    /// Signing a device in takes the agent token itself: a device's
    /// credential cannot make more devices (revoking one must end it).
    pub fn agent_token_required() -> Self {
        Self::forbidden(
            "agent_token_required",
            "sign a device in with the agent token, not with another device's credential",
        )
    }
    pub fn visitor_not_found() -> Self {
        Self::not_found("visitor_not_found", "no such visitor on this site")
    }
    pub fn conversation_not_found() -> Self {
        Self::not_found("conversation_not_found", "no such conversation")
    }
    pub fn conversation_conflict() -> Self {
        Self::conflict(
            "conversation_conflict",
            "this visitor has started another conversation since, which is open; \
             close that one first",
        )
    }
    /// Too many of something live (sockets, sessions).
    pub fn unavailable(code: &'static str, message: impl Into<String>) -> Self {
        ApiError::Unavailable {
            code,
            message: message.into(),
        }
    }

    pub fn too_many_connections(message: impl Into<String>) -> Self {
        Self::too_many("too_many_connections", message)
    }

    pub fn status(&self) -> u16 {
        match self {
            ApiError::BadRequest { .. } | ApiError::Rule(_) => 400,
            ApiError::Unauthorized { .. } => 401,
            ApiError::Forbidden { .. } => 403,
            ApiError::NotFound { .. } => 404,
            ApiError::MethodNotAllowed { .. } => 405,
            ApiError::Conflict { .. } => 409,
            ApiError::PayloadTooLarge => 413,
            ApiError::UnsupportedMediaType => 415,
            ApiError::Media { status, .. } => match status {
                MediaRefusal::TooLarge => 413,
                MediaRefusal::UnsupportedType => 415,
                MediaRefusal::Unprocessable => 422,
            },
            ApiError::UpgradeRequired => 426,
            ApiError::TooManyRequests { .. } | ApiError::RateLimited { .. } => 429,
            ApiError::Internal(_) => 500,
            ApiError::Unavailable { .. } => 503,
        }
    }

    pub fn code(&self) -> &'static str {
        match self {
            ApiError::BadRequest { code, .. }
            | ApiError::Unauthorized { code, .. }
            | ApiError::Forbidden { code, .. }
            | ApiError::NotFound { code, .. }
            | ApiError::Conflict { code, .. }
            | ApiError::TooManyRequests { code, .. }
            | ApiError::Media { code, .. }
            | ApiError::Unavailable { code, .. } => code,
            ApiError::MethodNotAllowed { .. } => "method_not_allowed",
            ApiError::PayloadTooLarge => "payload_too_large",
            ApiError::UnsupportedMediaType => "unsupported_media_type",
            ApiError::UpgradeRequired => "upgrade_required",
            ApiError::RateLimited { .. } => "rate_limited",
            ApiError::Rule(e) => e.code(),
            ApiError::Internal(_) => "internal",
        }
    }

    pub fn message(&self) -> String {
        match self {
            ApiError::BadRequest { message, .. }
            | ApiError::Unauthorized { message, .. }
            | ApiError::Forbidden { message, .. }
            | ApiError::NotFound { message, .. }
            | ApiError::Conflict { message, .. }
            | ApiError::TooManyRequests { message, .. }
            | ApiError::Media { message, .. }
            | ApiError::Unavailable { message, .. } => message.clone(),
            ApiError::MethodNotAllowed { allow } => {
                format!("method not allowed here; allowed: {allow}")
            }
            ApiError::PayloadTooLarge => {
                format!("the body is larger than {MAX_BODY_BYTES} bytes")
            }
            ApiError::UnsupportedMediaType => "send the body as application/json".to_string(),
            ApiError::UpgradeRequired => {
                "this endpoint is a WebSocket: send Upgrade: websocket".to_string()
            }
            ApiError::RateLimited { .. } => format!(
                "too many messages: try again in {} s",
                self.retry_after_secs().unwrap_or(1)
            ),
            ApiError::Rule(e) => e.to_string(),
            // Internal details go to the log, not to the client.
            ApiError::Internal(_) => "internal error".to_string(),
        }
    }

    /// Extra headers the response must carry (`Allow`, `WWW-Authenticate`...).
    pub fn headers(&self) -> Vec<(&'static str, String)> {
        match self {
            ApiError::MethodNotAllowed { allow } => vec![("Allow", (*allow).to_string())],
            ApiError::Unauthorized { code, .. } => {
                let value = if *code == "missing_token" {
                    "Bearer".to_string()
                } else {
                    format!("Bearer error=\"{code}\"")
                };
                vec![("WWW-Authenticate", value)]
            }
            ApiError::UpgradeRequired => vec![("Upgrade", "websocket".to_string())],
            ApiError::RateLimited { .. } => vec![(
                "Retry-After",
                self.retry_after_secs().unwrap_or(1).to_string(),
            )],
            _ => Vec::new(),
        }
    }

    /// Whole seconds to wait before retrying (the `Retry-After` value), for
    /// [`ApiError::RateLimited`].
    pub fn retry_after_secs(&self) -> Option<i64> {
        match self {
            ApiError::RateLimited { retry_after_ms } => Some(RetryAfterMs(*retry_after_ms).secs()),
            _ => None,
        }
    }

    /// The `error` object of a body or socket frame: code, message and, when
    /// rate limited, `retry_after_secs`.
    pub fn error_object(&self) -> ErrorObject {
        ErrorObject {
            code: self.code().to_string(),
            message: self.message(),
            retry_after_secs: self.retry_after_secs(),
            at: match self {
                ApiError::Rule(e) => rule_at(e),
                _ => None,
            },
        }
    }

    /// The JSON body.
    pub fn body(&self) -> String {
        serde_json::to_string(&ErrorBody {
            error: self.error_object(),
        })
        .unwrap_or_default()
    }

    /// Maps a rules validation error to a 400 (429 for
    /// [`RuleError::RateLimited`]).
    pub fn from_rule(err: &RuleError) -> Self {
        if let RuleError::RateLimited { retry_after_ms } = err {
            return ApiError::RateLimited {
                retry_after_ms: *retry_after_ms,
            };
        }
        ApiError::Rule(err.clone())
    }

    /// Maps a serde_json error on a request body to a precise 400.
    pub fn from_json(err: &serde_json::Error) -> Self {
        use serde_json::error::Category;
        let text = err.to_string();
        let code = match err.classify() {
            Category::Data if text.starts_with("unknown field") => "unknown_field",
            Category::Data if text.starts_with("missing field") => "missing_field",
            Category::Data if text.starts_with("invalid type") => "invalid_type",
            Category::Data => "invalid_value",
            Category::Syntax | Category::Eof | Category::Io => "invalid_json",
        };
        ApiError::BadRequest {
            code,
            message: text,
        }
    }
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ApiError::Internal(detail) => write!(f, "internal: {detail}"),
            other => write!(
                f,
                "{} {}: {}",
                other.status(),
                other.code(),
                other.message()
            ),
        }
    }
}

impl std::error::Error for ApiError {}

#[cfg(target_arch = "wasm32")]
impl From<worker::Error> for ApiError {
    fn from(err: worker::Error) -> Self {
        ApiError::Internal(err.to_string())
    }
}

/// Where a schedule's error is (see `ErrorAt`); `None` for other errors.
fn rule_at(err: &RuleError) -> Option<ErrorAt> {
    let value = |v: &String| ErrorAt {
        value: Some(v.clone()),
        ..ErrorAt::default()
    };
    match err {
        RuleError::EmptyInterval { day, interval } => Some(ErrorAt {
            day: Some(day.clone()),
            intervals: vec![interval.clone()],
            value: None,
        }),
        RuleError::OverlappingIntervals { day, first, second } => Some(ErrorAt {
            day: Some(day.clone()),
            intervals: vec![first.clone(), second.clone()],
            value: None,
        }),
        RuleError::InvalidTime(v)
        | RuleError::InvalidDate(v)
        | RuleError::UnknownWeekday(v)
        | RuleError::DuplicateException(v)
        | RuleError::UnknownTimeZone(v) => Some(value(v)),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_errors_are_classified() {
        #[derive(serde::Deserialize, Debug)]
        #[serde(deny_unknown_fields)]
        #[allow(dead_code)]
        struct T {
            a: u32,
        }
        let e = serde_json::from_str::<T>("{").unwrap_err();
        assert_eq!(ApiError::from_json(&e).code(), "invalid_json");
        let e = serde_json::from_str::<T>(r#"{"a":1,"b":2}"#).unwrap_err();
        assert_eq!(ApiError::from_json(&e).code(), "unknown_field");
        let e = serde_json::from_str::<T>(r#"{}"#).unwrap_err();
        assert_eq!(ApiError::from_json(&e).code(), "missing_field");
        let e = serde_json::from_str::<T>(r#"{"a":"x"}"#).unwrap_err();
        assert_eq!(ApiError::from_json(&e).code(), "invalid_type");
        let e = serde_json::from_str::<T>(r#"{"a":-1}"#).unwrap_err();
        assert_eq!(ApiError::from_json(&e).status(), 400);
    }

    #[test]
    fn body_shape() {
        let e = ApiError::MethodNotAllowed { allow: "GET, PUT" };
        let v: serde_json::Value = serde_json::from_str(&e.body()).unwrap();
        assert_eq!(v["error"]["code"], "method_not_allowed");
        assert_eq!(e.status(), 405);
        assert_eq!(e.headers(), vec![("Allow", "GET, PUT".to_string())]);
        assert_eq!(ApiError::missing_token().headers()[0].1, "Bearer");
        assert_eq!(ApiError::internal("boom").message(), "internal error");
    }

    #[test]
    fn rate_limited() {
        let e = ApiError::from_rule(&RuleError::from(RetryAfterMs(1500)));
        assert_eq!(e.status(), 429);
        assert_eq!(e.code(), "rate_limited");
        assert_eq!(e.headers(), vec![("Retry-After", "2".to_string())]);
        let v: serde_json::Value = serde_json::from_str(&e.body()).unwrap();
        assert_eq!(v["error"]["retry_after_secs"], 2);
        let e = ApiError::from_rule(&RuleError::ContactRequired);
        assert_eq!((e.status(), e.code()), (400, "contact_required"));
    }
}
