//! The working-hours draft (protocol's `ScheduleSpec`): its structural
//! edits, a starting template and the API's paths.

use presenza_protocol::body::{ExceptionSpec, ScheduleSpec};

use crate::api::encode;
use crate::clock;
use crate::msg::HoursOp;

pub(super) fn hours_path(scope: Option<&str>) -> String {
    match scope {
        Some(group) => format!("/groups/{}/working-hours", encode(group)),
        None => "/working-hours".to_owned(),
    }
}

/// A starting point for a scope without hours: weekdays 9 to 17 in the
/// browser's zone.
pub(super) fn template_hours() -> ScheduleSpec {
    let mut spec = ScheduleSpec {
        timezone: clock::local_time_zone().unwrap_or_else(|| "UTC".into()),
        ..ScheduleSpec::default()
    };
    for day in ["mon", "tue", "wed", "thu", "fri"] {
        spec.weekly
            .insert(day.into(), vec![["09:00".into(), "17:00".into()]]);
    }
    spec
}

pub(super) fn apply_hours_op(mut spec: ScheduleSpec, op: HoursOp) -> ScheduleSpec {
    let new_interval = |list: &[[String; 2]]| -> [String; 2] {
        // Continue after the last interval when there is one.
        match list.last() {
            Some([_, end]) if end.as_str() < "22:00" && end.as_str() != "00:00" => {
                let hour: u32 = end.get(..2).and_then(|h| h.parse().ok()).unwrap_or(12);
                let start = format!("{:02}:00", (hour + 1).min(23));
                let finish = format!("{:02}:00", (hour + 3).min(23));
                [start, finish]
            }
            _ => ["09:00".into(), "17:00".into()],
        }
    };
    match op {
        HoursOp::AddInterval(day) => {
            let list = spec.weekly.entry(day).or_default();
            let next = new_interval(list);
            list.push(next);
        }
        HoursOp::RemoveInterval(day, i) => {
            if let Some(list) = spec.weekly.get_mut(&day) {
                if i < list.len() {
                    list.remove(i);
                }
            }
        }
        HoursOp::AddException => spec.exceptions.push(ExceptionSpec {
            date: String::new(),
            hours: Vec::new(),
        }),
        HoursOp::RemoveException(i) => {
            if i < spec.exceptions.len() {
                spec.exceptions.remove(i);
            }
        }
        HoursOp::AddExceptionInterval(i) => {
            if let Some(e) = spec.exceptions.get_mut(i) {
                let next = new_interval(&e.hours);
                e.hours.push(next);
            }
        }
        HoursOp::RemoveExceptionInterval(i, j) => {
            if let Some(e) = spec.exceptions.get_mut(i) {
                if j < e.hours.len() {
                    e.hours.remove(j);
                }
            }
        }
    }
    spec
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{json, Value};

    #[test]
    fn structural_edits() {
        let spec = ScheduleSpec::default();
        let spec = apply_hours_op(spec, HoursOp::AddInterval("mon".into()));
        let spec = apply_hours_op(spec, HoursOp::AddInterval("mon".into()));
        assert_eq!(
            spec.weekly["mon"][1],
            ["18:00".to_string(), "20:00".to_string()]
        );
        let spec = apply_hours_op(spec, HoursOp::RemoveInterval("mon".into(), 0));
        assert_eq!(spec.weekly["mon"].len(), 1);
        let spec = apply_hours_op(spec, HoursOp::AddException);
        let spec = apply_hours_op(spec, HoursOp::AddExceptionInterval(0));
        assert_eq!(spec.exceptions[0].hours.len(), 1);
        let spec = apply_hours_op(spec, HoursOp::RemoveException(5));
        assert_eq!(spec.exceptions.len(), 1);
    }

    #[test]
    fn answers() {
        // `GET`/`PUT …/working-hours` answer the schedule itself.
        let parse = |v: Value| {
            serde_json::from_value::<Option<ScheduleSpec>>(v)
                .ok()
                .flatten()
        };
        assert_eq!(parse(Value::Null), None);
        // Wrapped, it is not a schedule.
        assert_eq!(parse(json!({"working_hours": null})), None);
        let spec = parse(json!({"timezone": "UTC", "weekly": {"mon": [["09:00", "17:00"]]}}));
        assert_eq!(spec.map(|s| s.timezone), Some("UTC".into()));
    }
}
