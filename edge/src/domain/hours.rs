//! Working hours as the owner sends them (`PUT …/working-hours`): the
//! schedule, validated by the rules, and how it acts (its mode); and a mode
//! given alone (`PUT settings`, `POST /v1/sites`).

use crate::domain::text::invalid;
use crate::error::ApiError;
use presenza_protocol::body::WorkingHoursBody;
use presenza_rules::{HoursMode, Schedule};

/// A mode's wire name, or 400 `invalid_field` naming `field`.
pub fn mode(field: &str, text: &str) -> Result<HoursMode, ApiError> {
    HoursMode::parse(text).ok_or_else(|| invalid(field, "expected \"switch\" or \"gate\""))
}

/// A validated `PUT …/working-hours`.
#[derive(Clone, Debug)]
pub struct HoursInput {
    /// The schedule (its spec is what is stored and echoed back).
    pub schedule: Schedule,
    /// `None`: the scope keeps its mode.
    pub mode: Option<HoursMode>,
}

impl HoursInput {
    /// Validates the mode first, then the schedule (the rules' own error
    /// codes: `unknown_time_zone`, `overlapping_intervals`…).
    pub fn parse(body: WorkingHoursBody) -> Result<HoursInput, ApiError> {
        let mode = body.mode.as_deref().map(|m| mode("mode", m)).transpose()?;
        let schedule = Schedule::parse(&body.spec()).map_err(|e| ApiError::from_rule(&e))?;
        Ok(HoursInput { schedule, mode })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn body(json: &str) -> WorkingHoursBody {
        serde_json::from_str(json).unwrap()
    }

    #[test]
    fn modes() {
        assert_eq!(mode("mode", "switch").unwrap(), HoursMode::Switch);
        assert_eq!(mode("mode", "gate").unwrap(), HoursMode::Gate);
        for bad in ["", "Switch", "gate ", "auto"] {
            let e = mode("working_hours_mode", bad).unwrap_err();
            assert_eq!((e.status(), e.code()), (400, "invalid_field"), "{bad}");
            assert!(
                e.message().contains("working_hours_mode"),
                "{}",
                e.message()
            );
        }
    }

    #[test]
    fn working_hours() {
        let input = HoursInput::parse(body(
            r#"{"mode":"gate","timezone":"Europe/Rome","weekly":{"mon":[["09:00","17:00"]]}}"#,
        ))
        .unwrap();
        assert_eq!(input.mode, Some(HoursMode::Gate));
        assert_eq!(input.schedule.spec().timezone, "Europe/Rome");
        let input = HoursInput::parse(body(r#"{"timezone":"UTC"}"#)).unwrap();
        assert_eq!(input.mode, None);
        let e = HoursInput::parse(body(r#"{"mode":"sometimes","timezone":"UTC"}"#)).unwrap_err();
        assert_eq!(e.code(), "invalid_field");
        let e =
            HoursInput::parse(body(r#"{"mode":"switch","timezone":"Mars/Olympus"}"#)).unwrap_err();
        assert_eq!((e.status(), e.code()), (400, "unknown_time_zone"));
    }
}
