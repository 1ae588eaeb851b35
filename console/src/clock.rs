//! Local wall-clock formatting for the agent ("tomorrow 09:00"), and "back
//! at" instants worded as the widget words them ([`back`]). Instants stay Unix milliseconds everywhere else; only the
//! browser's time zone is used here, through `Date`.

use js_sys::Date;
use wasm_bindgen::JsValue;

use presenza_rules::wording::{back_form, BackForm};
use presenza_rules::UnixMillis;

/// The widget's English texts: "back at" reads in the console exactly as in
/// an English widget (the wording rule is `presenza_rules::wording`).
const WIDGET_EN: &str = include_str!("../../widget/i18n/en.json");

const WEEKDAYS: [&str; 7] = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];
const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

/// The names of a schedule's weekday keys (`presenza_rules`' `WEEKDAYS`,
/// Monday first).
pub const DAY_NAMES: [&str; 7] = [
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
    "Sunday",
];

/// The name of a schedule's weekday key (`mon` → "Monday").
pub fn day_name(key: &str) -> Option<&'static str> {
    presenza_rules::schedule_spec::WEEKDAYS
        .iter()
        .position(|k| *k == key)
        .map(|i| DAY_NAMES[i])
}

/// "HH:MM" as this browser's time inputs show it ("5:00 PM" or "17:00").
pub fn time_of_day(hhmm: &str) -> String {
    let Some((h, m)) = hhmm.split_once(':') else {
        return hhmm.to_owned();
    };
    let (Ok(h), Ok(m)) = (h.parse::<u32>(), m.parse::<u32>()) else {
        return hhmm.to_owned();
    };
    let d = Date::new_with_year_month_day_hr_min(2000, 0, 1, h as i32, m as i32);
    let options = js_sys::JSON::parse(r#"{"hour":"numeric","minute":"2-digit"}"#)
        .unwrap_or(JsValue::UNDEFINED);
    d.to_locale_time_string_with_options(&browser_language(), &options)
        .into()
}

/// "25 December 2026" for a schedule's `YYYY-MM-DD` (as given if not one).
pub fn date_name(ymd: &str) -> String {
    let parts: Vec<u32> = ymd.split('-').filter_map(|p| p.parse().ok()).collect();
    let [y, mo, d] = parts[..] else {
        return ymd.to_owned();
    };
    let date = Date::new_with_year_month_day(y, mo as i32 - 1, d as i32);
    let options = js_sys::JSON::parse(r#"{"day":"numeric","month":"long","year":"numeric"}"#)
        .unwrap_or(JsValue::UNDEFINED);
    date.to_locale_date_string(&browser_language(), &options)
        .into()
}

/// The browser's language, which its time inputs follow.
fn browser_language() -> String {
    web_sys::window()
        .and_then(|w| w.navigator().language())
        .unwrap_or_else(|| "en".to_owned())
}

/// Resolves after `ms` milliseconds (a timer, for `Controller::spawn`).
pub async fn sleep(ms: u32) {
    let promise = js_sys::Promise::new(&mut |resolve, _| {
        if let Some(w) = web_sys::window() {
            let _ = w.set_timeout_with_callback_and_timeout_and_arguments_0(
                &resolve,
                i32::try_from(ms).unwrap_or(i32::MAX),
            );
        }
    });
    let _ = wasm_bindgen_futures::JsFuture::from(promise).await;
}

pub fn now() -> UnixMillis {
    Date::now() as UnixMillis
}

fn date(ms: UnixMillis) -> Date {
    Date::new(&JsValue::from_f64(ms as f64))
}

/// "14:30" in the browser's time zone.
pub fn hhmm(ms: UnixMillis) -> String {
    let d = date(ms);
    format!("{:02}:{:02}", d.get_hours(), d.get_minutes())
}

/// Local midnight `days` calendar days after the day holding `ms` (a day
/// across a DST change is 23 or 25 hours long).
pub fn local_midnight(ms: UnixMillis, days: i32) -> UnixMillis {
    let d = date(ms);
    Date::new_with_year_month_day(
        d.get_full_year(),
        d.get_month() as i32,
        d.get_date() as i32 + days,
    )
    .get_time() as UnixMillis
}

/// "YYYY-MM-DD" of the local day holding `ms` (a date input's value).
pub fn ymd(ms: UnixMillis) -> String {
    let d = date(ms);
    format!(
        "{:04}-{:02}-{:02}",
        d.get_full_year(),
        d.get_month() + 1,
        d.get_date()
    )
}

/// Local midnight of "YYYY-MM-DD"; `None` for anything else.
pub fn parse_ymd(text: &str) -> Option<UnixMillis> {
    let mut parts = text.trim().splitn(3, '-');
    let y: u32 = parts.next()?.parse().ok()?;
    let m: i32 = parts.next()?.parse().ok()?;
    let d: i32 = parts.next()?.parse().ok()?;
    if !(1970..=9999).contains(&y) || !(1..=12).contains(&m) || !(1..=31).contains(&d) {
        return None;
    }
    Some(Date::new_with_year_month_day(y, m - 1, d).get_time() as UnixMillis)
}

/// "Mon 1 Dec" of the local day holding `ms`.
pub fn day_label(ms: UnixMillis) -> String {
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let d = date(ms);
    format!(
        "{} {} {}",
        WEEKDAYS[d.get_day() as usize % 7],
        d.get_date(),
        MONTHS[d.get_month() as usize % 12]
    )
}

/// The Availability page's period: the seven local days up to `end_day`
/// (its local midnight) included, or up to now.
pub fn week(end_day: Option<UnixMillis>, now: UnixMillis) -> (UnixMillis, UnixMillis) {
    match end_day {
        Some(day) => (local_midnight(day, -6), local_midnight(day, 1)),
        None => (local_midnight(now, -6), now),
    }
}

/// Local midnight of the day holding `ms`.
fn day_start(ms: UnixMillis) -> f64 {
    let d = date(ms);
    d.set_hours(0);
    d.set_minutes(0);
    d.set_seconds(0);
    d.set_milliseconds(0);
    d.get_time()
}

/// A short local description of an instant relative to now: "14:30",
/// "tomorrow 09:00" / "yesterday 18:02", "Mon 09:00" within a week either
/// way, else "25 Dec 09:00".
pub fn when(ms: UnixMillis, now: UnixMillis) -> String {
    let days = ((day_start(ms) - day_start(now)) / 86_400_000.0).round() as i64;
    let time = hhmm(ms);
    let d = date(ms);
    match days {
        0 => time,
        1 => format!("tomorrow {time}"),
        -1 => format!("yesterday {time}"),
        2..=6 | -6..=-2 => format!("{} {time}", WEEKDAYS[d.get_day() as usize % 7]),
        _ => format!(
            "{} {} {time}",
            d.get_date(),
            MONTHS[d.get_month() as usize % 12]
        ),
    }
}

/// One of the widget's English texts (empty if missing).
fn widget_text(key: &str) -> String {
    serde_json::from_str::<std::collections::BTreeMap<String, String>>(WIDGET_EN)
        .ok()
        .and_then(|mut texts| texts.remove(key))
        .unwrap_or_default()
}

/// `back_in`'s English form for `n` (`one|few|many|other`).
fn minutes_text(template: &str, n: u32) -> String {
    let forms: Vec<&str> = template.split('|').collect();
    let form = if n == 1 { forms.first() } else { forms.get(3) }
        .filter(|f| !f.is_empty())
        .or(forms.first())
        .copied()
        .unwrap_or_default();
    form.replace("{n}", &n.to_string())
}

/// "back at 9:00 AM", "back Saturday 8:00 AM", "back 25 December 9:00 AM"
/// or, when `relative` and within the hour, "back in 10 minutes"; empty
/// once passed. The widget's words and rule, in English.
pub fn back(at: UnixMillis, now: UnixMillis, relative: bool) -> String {
    let d = date(at);
    let same_day = d.to_date_string() == date(now).to_date_string();
    let options = |json: &str| js_sys::JSON::parse(json).unwrap_or(JsValue::UNDEFINED);
    let day = match back_form(at, now, same_day, relative) {
        BackForm::Passed => return String::new(),
        BackForm::InMinutes(n) => return minutes_text(&widget_text("back_in"), n),
        BackForm::Today => None,
        BackForm::Weekday => Some(options(r#"{"weekday":"long"}"#)),
        BackForm::Date => Some(options(r#"{"day":"numeric","month":"long"}"#)),
    };
    let time: String = d
        .to_locale_time_string_with_options(
            "en",
            &options(r#"{"hour":"numeric","minute":"2-digit"}"#),
        )
        .into();
    match day {
        None => widget_text("back_at").replace("{t}", &time),
        Some(o) => {
            let day: String = d.to_locale_date_string("en", &o).into();
            widget_text("back_day")
                .replace("{t}", &time)
                .replace("{d}", &day)
        }
    }
}

/// The next instant (after now) at which the local clock shows `hh:mm`:
/// today if still ahead, else tomorrow. None if `text` is not "HH:MM".
pub fn next_time_of_day(text: &str, now: UnixMillis) -> Option<UnixMillis> {
    let (h, m) = text.trim().split_once(':')?;
    let (h, m): (u32, u32) = (h.parse().ok()?, m.get(..2)?.parse().ok()?);
    if h > 23 || m > 59 {
        return None;
    }
    let d = date(now);
    d.set_hours(h);
    d.set_minutes(m);
    d.set_seconds(0);
    d.set_milliseconds(0);
    if d.get_time() <= now as f64 {
        d.set_date(d.get_date() + 1);
    }
    Some(d.get_time() as UnixMillis)
}

/// The browser's IANA time zone ("Europe/Rome"), if it says.
pub fn local_time_zone() -> Option<String> {
    let options = js_sys::Intl::DateTimeFormat::default().resolved_options();
    js_sys::Reflect::get(&options, &"timeZone".into())
        .ok()?
        .as_string()
}

/// Every IANA zone the browser knows (`Intl.supportedValuesOf`), with UTC.
pub fn time_zones() -> Vec<String> {
    let intl =
        js_sys::Reflect::get(&js_sys::global(), &"Intl".into()).unwrap_or(JsValue::UNDEFINED);
    let supported = js_sys::Reflect::get(&intl, &"supportedValuesOf".into())
        .map(|f| f.is_function())
        .unwrap_or(false);
    let mut zones: Vec<String> = if supported {
        js_sys::Intl::supported_values_of(js_sys::Intl::SupportedValuesKey::TimeZone)
            .iter()
            .filter_map(|z| z.as_string())
            .collect()
    } else {
        Vec::new()
    };
    if !zones.iter().any(|z| z == "UTC") {
        zones.push("UTC".into());
    }
    zones
}

#[cfg(test)]
mod tests {
    use super::{minutes_text, widget_text};

    #[test]
    fn the_widgets_english_words() {
        assert_eq!(widget_text("back_at"), "back at {t}");
        let t = widget_text("back_in");
        assert_eq!(minutes_text(&t, 1), "back in 1 minute");
        assert_eq!(minutes_text(&t, 10), "back in 10 minutes");
        assert_eq!(minutes_text("{n} min", 3), "{n} min".replace("{n}", "3"));
    }
}
