//! The period of `GET history` and `GET insights`: `from` and `to` as the
//! query gives them, parsed once ([`PeriodQuery`], in the forwarded
//! operation), then resolved against the object's clock ([`Period`]).
//!
//! An instant is Unix milliseconds (digits only) or an RFC 3339 date-time
//! with a `T` (`2026-05-01T09:00:00Z`, `2026-05-01T11:00:00+02:00`); its
//! `:` and `+` may be percent-encoded (`%3A`, `%2B`), as URL encoders do,
//! and nothing else is decoded. Absent: `to` is now, `from` is
//! [`DEFAULT_PERIOD_DAYS`] before `to` (never before 1970). A period runs from `from`
//! (included) to `to` (excluded), at most [`MAX_PERIOD_DAYS`] long.

use crate::error::ApiError;
use presenza_protocol::limits::{DEFAULT_PERIOD_DAYS, MAX_INSTANT_MS, MAX_PERIOD_DAYS};
use presenza_rules::time::{parse_rfc3339, DAY_MS};
use serde::{Deserialize, Serialize};

/// `from` and `to` as given (Unix ms), before defaults.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PeriodQuery {
    pub from: Option<i64>,
    pub to: Option<i64>,
}

/// A resolved period `[from, to)`: `from < to`, at most
/// [`MAX_PERIOD_DAYS`] long.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Period {
    pub from: i64,
    pub to: i64,
}

impl PeriodQuery {
    /// The period, with the defaults taken at `now`.
    pub fn resolve(&self, now: i64) -> Result<Period, ApiError> {
        let to = self.to.unwrap_or(now);
        let from = self
            .from
            .unwrap_or_else(|| to.saturating_sub(DEFAULT_PERIOD_DAYS * DAY_MS).max(0));
        if from >= to {
            return Err(invalid("`from` must be before `to`"));
        }
        if to - from > MAX_PERIOD_DAYS * DAY_MS {
            return Err(invalid(format!(
                "a period is at most {MAX_PERIOD_DAYS} days: give `from` and `to` closer together"
            )));
        }
        Ok(Period { from, to })
    }
}

/// An instant of a query (see the module doc); `None` for anything else.
pub fn instant(raw: &str) -> Option<i64> {
    if !raw.is_empty() && raw.bytes().all(|b| b.is_ascii_digit()) {
        return (raw.len() <= 15)
            .then(|| raw.parse::<i64>().ok())?
            .filter(|ms| *ms <= MAX_INSTANT_MS);
    }
    let text = decode(raw)?;
    if !matches!(text.as_bytes().get(10), Some(b'T' | b't')) {
        return None;
    }
    parse_rfc3339(&text).filter(|ms| (0..=MAX_INSTANT_MS).contains(ms))
}

/// `raw` with `%3A` and `%2B` (either case) decoded; `None` if it holds
/// another escape.
fn decode(raw: &str) -> Option<String> {
    let mut out = String::with_capacity(raw.len());
    let mut rest = raw;
    while let Some(i) = rest.find('%') {
        out.push_str(&rest[..i]);
        let escape = rest.get(i + 1..i + 3)?;
        out.push(match escape.to_ascii_uppercase().as_str() {
            "3A" => ':',
            "2B" => '+',
            _ => return None,
        });
        rest = &rest[i + 3..];
    }
    out.push_str(rest);
    Some(out)
}

fn invalid(message: impl Into<String>) -> ApiError {
    ApiError::bad_request("invalid_query", message)
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: i64 = 1_800_000_000_000;

    #[test]
    fn instants_are_ms_or_rfc3339() {
        assert_eq!(instant("0"), Some(0));
        assert_eq!(instant("1800000000000"), Some(NOW));
        assert_eq!(instant("253402300799999"), Some(MAX_INSTANT_MS));
        let t = parse_rfc3339("2027-01-15T08:00:00Z").unwrap();
        for ok in [
            "2027-01-15T08:00:00Z",
            "2027-01-15T08%3A00%3A00Z",
            "2027-01-15T08%3a00%3a00z",
            "2027-01-15T09:00:00+01:00",
            "2027-01-15T09%3A00%3A00%2B01%3A00",
            "2027-01-15T03:00:00-05:00",
            "2027-01-15t08:00:00.000Z",
        ] {
            assert_eq!(instant(ok), Some(t), "{ok}");
        }
        for bad in [
            "",
            "-1",
            "+1",
            "1.5",
            "253402300800000",
            "9999999999999999",
            "2027-01-15 08:00:00Z",
            "2027-01-15%2008:00:00Z",
            "2027-01-15T08:00:00",
            "2027-01-15",
            "2027-01-15T08%3G00:00Z",
            "2027-01-15T08%3",
            "2027-02-30T08:00:00Z",
            "1969-12-31T23:59:59Z",
            "now",
        ] {
            assert_eq!(instant(bad), None, "{bad}");
        }
    }

    #[test]
    fn periods_default_to_the_last_week_and_are_bounded() {
        let p = PeriodQuery::default().resolve(NOW).unwrap();
        assert_eq!((p.from, p.to), (NOW - 7 * DAY_MS, NOW));
        let p = PeriodQuery {
            from: Some(NOW - DAY_MS),
            to: None,
        }
        .resolve(NOW)
        .unwrap();
        assert_eq!((p.from, p.to), (NOW - DAY_MS, NOW));
        let p = PeriodQuery {
            from: None,
            to: Some(NOW + DAY_MS),
        }
        .resolve(NOW)
        .unwrap();
        assert_eq!((p.from, p.to), (NOW - 6 * DAY_MS, NOW + DAY_MS));
        let early = PeriodQuery {
            from: None,
            to: Some(1_000),
        }
        .resolve(NOW)
        .unwrap();
        assert_eq!((early.from, early.to), (0, 1_000));
        let exact = PeriodQuery {
            from: Some(NOW),
            to: Some(NOW + 31 * DAY_MS),
        };
        assert!(exact.resolve(NOW).is_ok());
        for (from, to) in [
            (Some(NOW), Some(NOW)),
            (Some(NOW + 1), Some(NOW)),
            (Some(NOW), Some(NOW + 31 * DAY_MS + 1)),
            (Some(NOW - 32 * DAY_MS), None),
            (Some(NOW + 1), None),
        ] {
            let e = PeriodQuery { from, to }.resolve(NOW).unwrap_err();
            assert_eq!(
                (e.status(), e.code()),
                (400, "invalid_query"),
                "{from:?} {to:?}"
            );
        }
    }
}
