//! How a "back at" instant is worded, the one rule the widget and the
//! console share: a passed instant says nothing (it is stale), within the
//! hour and when relative "back in N minutes", later today "back at
//! {time}", within the coming week "back {weekday} {time}", else "back {day
//! month} {time}". The texts themselves are the widget's (`back_at`,
//! `back_day`, `back_in` in its language files; the console reads the
//! English file), the time and day names the browser's `Intl`.

use crate::time::UnixMillis;

/// Which wording an instant takes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BackForm {
    /// Passed (or now): show nothing.
    Passed,
    /// "back in N minutes" (N rounded up, at least 1).
    InMinutes(u32),
    /// "back at {time}": later the same local day.
    Today,
    /// "back {weekday} {time}": within the coming 6½ days.
    Weekday,
    /// "back {day month} {time}": later than that.
    Date,
}

/// Up to this far ahead a relative wording counts minutes.
pub const RELATIVE_MS: i64 = 3_600_000;
/// Up to this far ahead the weekday alone names the day (6½ days: a
/// weekday never names the same day a week ahead).
pub const WEEKDAY_MS: i64 = 561_600_000;

/// The wording of `at` seen at `now`; `same_local_day` says whether both
/// fall on one day of the reader's calendar (the caller's time zone),
/// `relative` whether "in N minutes" may be used (a busy agent's return;
/// an opening time reads as a time).
pub fn back_form(
    at: UnixMillis,
    now: UnixMillis,
    same_local_day: bool,
    relative: bool,
) -> BackForm {
    let ms = at - now;
    if ms <= 0 {
        BackForm::Passed
    } else if relative && ms <= RELATIVE_MS {
        // Whole minutes, rounded up.
        BackForm::InMinutes(((ms + 59_999) / 60_000) as u32)
    } else if same_local_day {
        BackForm::Today
    } else if ms < WEEKDAY_MS {
        BackForm::Weekday
    } else {
        BackForm::Date
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forms() {
        let now = 1_000_000_000_000;
        assert_eq!(back_form(now - 1, now, true, true), BackForm::Passed);
        assert_eq!(back_form(now, now, true, true), BackForm::Passed);
        assert_eq!(back_form(now + 1, now, true, true), BackForm::InMinutes(1));
        assert_eq!(
            back_form(now + 90_000, now, true, true),
            BackForm::InMinutes(2)
        );
        assert_eq!(
            back_form(now + RELATIVE_MS, now, true, true),
            BackForm::InMinutes(60)
        );
        assert_eq!(back_form(now + 90_000, now, true, false), BackForm::Today);
        assert_eq!(
            back_form(now + RELATIVE_MS + 1, now, true, true),
            BackForm::Today
        );
        assert_eq!(
            back_form(now + 2 * RELATIVE_MS, now, false, true),
            BackForm::Weekday
        );
        assert_eq!(
            back_form(now + WEEKDAY_MS - 1, now, false, false),
            BackForm::Weekday
        );
        assert_eq!(
            back_form(now + WEEKDAY_MS, now, false, false),
            BackForm::Date
        );
    }
}
