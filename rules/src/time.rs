//! Unix milliseconds and RFC 3339 formatting without a time zone database.
//!
//! Integer civil-date math only (Howard Hinnant's `days_from_civil`): no
//! floats and no tz database, so the size-budgeted widget can use it.

use alloc::string::String;

/// Milliseconds since the Unix epoch, UTC.
pub type UnixMillis = i64;

/// Milliseconds in one minute.
pub const MINUTE_MS: i64 = 60_000;
/// Milliseconds in one hour.
pub const HOUR_MS: i64 = 3_600_000;
/// Milliseconds in one (civil, UTC) day.
pub const DAY_MS: i64 = 86_400_000;

/// Days since 1970-01-01 of the proleptic Gregorian date `y-m-d`
/// (`m` in 1..=12, `d` in 1..=31; not validated here).
pub fn days_from_civil(year: i64, month: u32, day: u32) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let year_of_era = y - era * 400; // 0..=399
    let m = i64::from(month);
    let shifted_month = if m > 2 { m - 3 } else { m + 9 }; // March = 0
    let day_of_year = (153 * shifted_month + 2) / 5 + i64::from(day) - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    era * 146_097 + day_of_era - 719_468
}

/// The proleptic Gregorian date `(year, month, day)` of a day number since
/// 1970-01-01; the inverse of [`days_from_civil`].
pub fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let day_of_era = z - era * 146_097; // 0..=146096
    let year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let shifted_month = (5 * day_of_year + 2) / 153; // March = 0
    let day = (day_of_year - (153 * shifted_month + 2) / 5 + 1) as u32;
    let month = if shifted_month < 10 {
        shifted_month + 3
    } else {
        shifted_month - 9
    } as u32;
    let year = year_of_era + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

/// ISO weekday of a day number since 1970-01-01: 0 = Monday .. 6 = Sunday.
pub fn weekday_from_days(days: i64) -> u8 {
    // 1970-01-01 was a Thursday (3).
    (days + 3).rem_euclid(7) as u8
}

/// Whether `year` is a Gregorian leap year.
pub fn is_leap_year(year: i64) -> bool {
    (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
}

/// Number of days in `month` (1..=12) of `year`; 0 for an invalid month.
pub fn days_in_month(year: i64, month: u32) -> u32 {
    match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if is_leap_year(year) => 29,
        2 => 28,
        _ => 0,
    }
}

/// Formats `ms` as RFC 3339 in UTC: `"2026-11-25T12:00:00Z"`, with
/// `".123"` milliseconds only when they are not zero. Years outside
/// 0000..=9999 use ISO 8601's expanded form (`"+10000-…"`, `"-0001-…"`).
pub fn to_rfc3339(ms: UnixMillis) -> String {
    let days = ms.div_euclid(DAY_MS);
    let ms_of_day = ms.rem_euclid(DAY_MS);
    let (year, month, day) = civil_from_days(days);
    let mut out = String::with_capacity(24);
    if (0..=9999).contains(&year) {
        push_padded(&mut out, year as u64, 4);
    } else {
        out.push(if year < 0 { '-' } else { '+' });
        push_padded(&mut out, year.unsigned_abs(), 4);
    }
    out.push('-');
    push_padded(&mut out, u64::from(month), 2);
    out.push('-');
    push_padded(&mut out, u64::from(day), 2);
    out.push('T');
    push_padded(&mut out, (ms_of_day / HOUR_MS) as u64, 2);
    out.push(':');
    push_padded(&mut out, (ms_of_day / MINUTE_MS % 60) as u64, 2);
    out.push(':');
    push_padded(&mut out, (ms_of_day / 1000 % 60) as u64, 2);
    let millis = (ms_of_day % 1000) as u64;
    if millis != 0 {
        out.push('.');
        push_padded(&mut out, millis, 3);
    }
    out.push('Z');
    out
}

/// Appends `value` in decimal, left-padded with zeros to `width` digits.
fn push_padded(out: &mut String, value: u64, width: usize) {
    let mut digits = [0u8; 20];
    let mut len = 0;
    let mut rest = value;
    loop {
        digits[len] = b'0' + (rest % 10) as u8;
        len += 1;
        rest /= 10;
        if rest == 0 {
            break;
        }
    }
    for _ in len..width {
        out.push('0');
    }
    for &digit in digits[..len].iter().rev() {
        out.push(char::from(digit));
    }
}

/// Parses an RFC 3339 timestamp (`"2026-11-25T12:00:00Z"`,
/// `"2026-11-25T13:00:00.5+01:00"`; `t`/`z` in lowercase and a space instead
/// of `T` are accepted, fractions beyond milliseconds are truncated).
/// `None` for anything else, including leap seconds and impossible dates.
pub fn parse_rfc3339(s: &str) -> Option<UnixMillis> {
    let b = s.as_bytes();
    if b.len() < 20 {
        return None;
    }
    let year = digits(b, 0, 4)?;
    let month = digits(b, 5, 2)?;
    let day = digits(b, 8, 2)?;
    let hour = digits(b, 11, 2)?;
    let minute = digits(b, 14, 2)?;
    let second = digits(b, 17, 2)?;
    if b[4] != b'-'
        || b[7] != b'-'
        || !matches!(b[10], b'T' | b't' | b' ')
        || b[13] != b':'
        || b[16] != b':'
    {
        return None;
    }
    let (year, month, day) = (i64::from(year), month, day);
    if !(1..=12).contains(&month)
        || day == 0
        || day > days_in_month(year, month)
        || hour > 23
        || minute > 59
        || second > 59
    {
        return None;
    }

    let mut pos = 19;
    let mut millis = 0i64;
    if b.get(pos) == Some(&b'.') {
        pos += 1;
        let start = pos;
        while let Some(c) = b.get(pos).filter(|c| c.is_ascii_digit()) {
            if pos - start < 3 {
                millis = millis * 10 + i64::from(c - b'0');
            }
            pos += 1;
        }
        let fraction_len = pos - start;
        if fraction_len == 0 {
            return None;
        }
        for _ in fraction_len..3 {
            millis *= 10;
        }
    }

    let offset_minutes: i64 = match b.get(pos)? {
        b'Z' | b'z' if pos + 1 == b.len() => 0,
        sign @ (b'+' | b'-') if pos + 6 == b.len() && b[pos + 3] == b':' => {
            let offset_hours = digits(b, pos + 1, 2)?;
            let offset_mins = digits(b, pos + 4, 2)?;
            if offset_hours > 23 || offset_mins > 59 {
                return None;
            }
            let total = i64::from(offset_hours * 60 + offset_mins);
            if *sign == b'-' {
                -total
            } else {
                total
            }
        }
        _ => return None,
    };

    let days = days_from_civil(year, month, day);
    let seconds_of_day = i64::from(hour * 3600 + minute * 60 + second);
    let local_ms = days * DAY_MS + seconds_of_day * 1000 + millis;
    Some(local_ms - offset_minutes * MINUTE_MS)
}

/// The decimal number in `b[start..start + len]`, all ASCII digits.
fn digits(b: &[u8], start: usize, len: usize) -> Option<u32> {
    let slice = b.get(start..start + len)?;
    slice.iter().try_fold(0u32, |acc, &c| {
        c.is_ascii_digit().then(|| acc * 10 + u32::from(c - b'0'))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_the_contract_example() {
        let ms = parse_rfc3339("2026-11-25T12:00:00Z").unwrap();
        assert_eq!(to_rfc3339(ms), "2026-11-25T12:00:00Z");
        assert_eq!(to_rfc3339(0), "1970-01-01T00:00:00Z");
        assert_eq!(to_rfc3339(-1), "1969-12-31T23:59:59.999Z");
    }

    #[test]
    fn parses_offsets_and_fractions() {
        let utc = parse_rfc3339("2026-03-29T01:00:00Z").unwrap();
        assert_eq!(parse_rfc3339("2026-03-29T03:00:00+02:00"), Some(utc));
        assert_eq!(parse_rfc3339("2026-03-28T20:00:00-05:00"), Some(utc));
        assert_eq!(parse_rfc3339("2026-03-29t01:00:00.5z"), Some(utc + 500));
        assert_eq!(
            parse_rfc3339("2026-03-29 01:00:00.123456Z"),
            Some(utc + 123)
        );
    }

    #[test]
    fn rejects_malformed_input() {
        for bad in [
            "",
            "2026-02-29T00:00:00Z",
            "2026-13-01T00:00:00Z",
            "2026-01-01T24:00:00Z",
            "2026-01-01T00:00:60Z",
            "2026-01-01T00:00:00",
            "2026-01-01T00:00:00.Z",
            "2026-01-01T00:00:00+0100",
            "2026-01-01T00:00:00Zjunk",
            "２026-01-01T00:00:00Z",
        ] {
            assert_eq!(parse_rfc3339(bad), None, "{bad}");
        }
    }

    #[test]
    fn civil_round_trip_and_weekdays() {
        for days in -800_000..800_000 {
            let (y, m, d) = civil_from_days(days);
            assert_eq!(days_from_civil(y, m, d), days);
        }
        assert_eq!(weekday_from_days(0), 3); // Thursday
        assert_eq!(weekday_from_days(days_from_civil(2026, 11, 25)), 2); // Wednesday
    }
}
