//! An agent's manual status as a request gives it: `PUT agents/me/status`
//! and the device frame `status` carry the same fields.

use crate::domain::text::{check_text, invalid};
use crate::error::ApiError;
use presenza_protocol::body::StatusBody;
use presenza_protocol::limits::MAX_STATUS_MESSAGE_CHARS;
use presenza_rules::{time, Status, UnixMillis};

/// A validated manual status.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ManualInput {
    pub status: Status,
    /// Trimmed; `None` when blank.
    pub message: Option<String>,
    pub back_at: Option<UnixMillis>,
}

impl ManualInput {
    /// Offline, with nothing else (the owner's "set offline").
    pub fn offline() -> ManualInput {
        ManualInput {
            status: Status::Offline,
            message: None,
            back_at: None,
        }
    }

    pub fn parse(body: StatusBody) -> Result<ManualInput, ApiError> {
        let status = Status::parse(&body.status).ok_or_else(|| {
            ApiError::bad_request(
                "invalid_status",
                "`status` must be \"online\", \"busy\" or \"offline\"",
            )
        })?;
        let message = match body.message {
            Some(m) => {
                check_text("message", &m, MAX_STATUS_MESSAGE_CHARS, true)?;
                let m = m.trim().to_string();
                (!m.is_empty()).then_some(m)
            }
            None => None,
        };
        let back_at = match body.back_at {
            Some(s) => Some(time::parse_rfc3339(&s).ok_or_else(|| {
                invalid(
                    "back_at",
                    "expected an RFC 3339 date-time such as 2026-11-25T14:30:00Z",
                )
            })?),
            None => None,
        };
        Ok(ManualInput {
            status,
            message,
            back_at,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(
        status: &str,
        message: Option<String>,
        back_at: Option<String>,
    ) -> Result<ManualInput, ApiError> {
        ManualInput::parse(StatusBody {
            status: status.into(),
            message,
            back_at,
        })
    }

    #[test]
    fn statuses() {
        let s = check("busy", Some("back in 10 minutes".into()), None).unwrap();
        assert_eq!(s.status, Status::Busy);
        assert_eq!(
            check("away", None, None).unwrap_err().code(),
            "invalid_status"
        );
        assert!(check("busy", Some("x".repeat(201)), None).is_err());
        assert_eq!(
            check("online", Some("  ".into()), None).unwrap().message,
            None
        );
        assert!(check("busy", None, Some("tomorrow".into())).is_err());
        assert_eq!(
            check("busy", None, Some("1970-01-01T00:00:01Z".into()))
                .unwrap()
                .back_at,
            Some(1000)
        );
    }
}
