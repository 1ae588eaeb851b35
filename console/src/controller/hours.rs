//! The working-hours draft (protocol's `ScheduleSpec`): its structural
//! edits, a starting template and the API's paths.

use presenza_protocol::body::{ExceptionSpec, ScheduleSpec};

use crate::api::encode;
use crate::clock::{self, day_name};
use crate::msg::{ApiError, HoursOp};
use crate::store::{HoursPlace, HoursProblem};

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

/// A refused schedule in the owner's words, next to its field: days by
/// name, times as the browser's time inputs show them (`time` formats
/// "HH:MM"), "24:00" as midnight. `None` when the error is not about the
/// schedule's content (it is then shown as the edge said it).
pub(super) fn hours_problem(
    e: &ApiError,
    time: &dyn Fn(&str) -> String,
    date: &dyn Fn(&str) -> String,
) -> Option<HoursProblem> {
    let at = e.at.as_ref()?;
    let day = at.day.as_deref().unwrap_or_default();
    let place = match day_name(day) {
        Some(_) => HoursPlace::Day(day.to_owned()),
        None if !day.is_empty() => HoursPlace::Exception(day.to_owned()),
        None => HoursPlace::Form,
    };
    let on = day_name(day).map_or_else(|| date(day), str::to_owned);
    let interval = |label: &String| {
        let (start, end) = label.split_once('-').unwrap_or((label, ""));
        let end = if end == "24:00" {
            "midnight".to_owned()
        } else {
            time(end)
        };
        format!("{} – {end}", time(start))
    };
    let value = at.value.clone().unwrap_or_default();
    let text = match (e.code.as_str(), at.intervals.as_slice()) {
        ("overlapping_intervals", [a, b]) => format!(
            "{on}: {} and {} overlap. Change one so that they don't share any time \
             (hours that run past midnight count for the next day).",
            interval(a),
            interval(b)
        ),
        ("empty_interval", [a]) => format!(
            "{on}: {} starts and ends at the same time. Give it an end, or remove it.",
            interval(a)
        ),
        ("invalid_time", _) => format!("“{value}” is not a time of day."),
        ("invalid_date", _) => format!("“{value}” is not a date."),
        ("duplicate_exception", _) => {
            return Some(HoursProblem {
                place: HoursPlace::Exception(value.clone()),
                text: format!("{} is listed twice: keep one.", date(&value)),
            })
        }
        ("unknown_time_zone", _) => {
            return Some(HoursProblem {
                place: HoursPlace::Zone,
                text: format!(
                    "“{value}” is not a time zone this server knows: pick one from the list."
                ),
            })
        }
        _ => e.message.clone(),
    };
    Some(HoursProblem { place, text })
}

#[cfg(test)]
mod problem_tests {
    use super::*;
    use presenza_protocol::error::ErrorAt;

    fn twelve(hhmm: &str) -> String {
        let (h, m) = hhmm.split_once(':').unwrap();
        let h: u32 = h.parse().unwrap();
        let (h12, ampm) = match h {
            0 => (12, "AM"),
            1..=11 => (h, "AM"),
            12 => (12, "PM"),
            _ => (h - 12, "PM"),
        };
        format!("{h12}:{m} {ampm}")
    }

    fn refused(code: &str, at: ErrorAt) -> ApiError {
        ApiError {
            status: 400,
            code: code.into(),
            message: "raw".into(),
            at: Some(at),
        }
    }

    #[test]
    fn errors_in_the_owners_words_and_format() {
        let e = refused(
            "overlapping_intervals",
            ErrorAt {
                day: Some("mon".into()),
                intervals: vec!["09:00-17:00".into(), "10:00-12:00".into()],
                value: None,
            },
        );
        let p = hours_problem(&e, &twelve, &|d| d.to_owned()).unwrap();
        assert_eq!(p.place, HoursPlace::Day("mon".into()));
        assert!(
            p.text
                .starts_with("Monday: 9:00 AM – 5:00 PM and 10:00 AM – 12:00 PM overlap."),
            "{}",
            p.text
        );
        assert!(
            !p.text.contains("09:00"),
            "no raw 24-hour times: {}",
            p.text
        );

        let e = refused(
            "empty_interval",
            ErrorAt {
                day: Some("2026-12-25".into()),
                intervals: vec!["22:00-24:00".into()],
                value: None,
            },
        );
        let p = hours_problem(&e, &twelve, &|_| "25 December 2026".into()).unwrap();
        assert_eq!(p.place, HoursPlace::Exception("2026-12-25".into()));
        assert!(
            p.text.starts_with("25 December 2026: 10:00 PM – midnight"),
            "{}",
            p.text
        );

        let e = refused(
            "unknown_time_zone",
            ErrorAt {
                value: Some("Mars/Base".into()),
                ..ErrorAt::default()
            },
        );
        assert_eq!(
            hours_problem(&e, &twelve, &|d| d.into()).unwrap().place,
            HoursPlace::Zone
        );
        let mut other = e.clone();
        other.at = None;
        assert_eq!(hours_problem(&other, &twelve, &|d| d.into()), None);
    }
}
