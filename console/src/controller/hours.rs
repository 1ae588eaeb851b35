//! The working-hours draft: its structural edits, a starting template and
//! the API's paths and answers.

use serde_json::Value;

use crate::api::encode;
use crate::clock;
use crate::wire::{self, HoursSpec};

/// A structural change to the working-hours draft.
#[derive(Clone, Debug, PartialEq)]
pub enum HoursOp {
    AddInterval(String),
    RemoveInterval(String, usize),
    AddException,
    RemoveException(usize),
    AddExceptionInterval(usize),
    RemoveExceptionInterval(usize, usize),
}

pub(super) fn hours_path(scope: Option<&str>) -> String {
    match scope {
        Some(group) => format!("/groups/{}/working-hours", encode(group)),
        None => "/working-hours".to_owned(),
    }
}

/// Hours from a GET/PUT answer, bare or wrapped; None when none are set.
pub(super) fn parse_hours(v: Value) -> Option<HoursSpec> {
    let v = match v {
        Value::Object(mut map) if !map.contains_key("timezone") => map
            .remove("working_hours")
            .or_else(|| map.remove("hours"))
            .unwrap_or(Value::Null),
        other => other,
    };
    if v.is_null() {
        return None;
    }
    serde_json::from_value(v).ok()
}

/// A starting point for a scope without hours: weekdays 9 to 17 in the
/// browser's zone.
pub(super) fn template_hours() -> HoursSpec {
    let mut spec = HoursSpec {
        timezone: clock::local_time_zone().unwrap_or_else(|| "UTC".into()),
        ..HoursSpec::default()
    };
    for day in ["mon", "tue", "wed", "thu", "fri"] {
        spec.weekly
            .insert(day.into(), vec![["09:00".into(), "17:00".into()]]);
    }
    spec
}

pub(super) fn apply_hours_op(mut spec: HoursSpec, op: HoursOp) -> HoursSpec {
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
        HoursOp::AddException => spec.exceptions.push(wire::ExceptionSpec::default()),
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
    use serde_json::json;

    #[test]
    fn structural_edits() {
        let spec = HoursSpec::default();
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
        assert_eq!(parse_hours(Value::Null), None);
        assert_eq!(parse_hours(json!({"working_hours": null})), None);
        let spec = parse_hours(json!({"timezone": "UTC", "weekly": {"mon": [["09:00", "17:00"]]}}));
        assert_eq!(spec.map(|s| s.timezone), Some("UTC".into()));
    }
}
