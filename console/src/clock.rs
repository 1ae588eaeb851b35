//! Local wall-clock formatting for the agent ("back at 14:30", "tomorrow
//! 09:00"). Instants stay Unix milliseconds everywhere else; only the
//! browser's time zone is used here, through `Date`.

use js_sys::Date;
use wasm_bindgen::JsValue;

use presenza_rules::UnixMillis;

const WEEKDAYS: [&str; 7] = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];
const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

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
