//! Texts, the language choice, and the few things that need `Intl`: plural
//! forms and local times.
//!
//! Texts live in `widget/i18n/{code}.json` (`{key: text}`). English is
//! built into the Wasm; the build copies the others to
//! `www/widget/i18n/`, and the widget fetches only the one it shows (about
//! 300 bytes, instead of 1.5 KB gzip for all of them in the Wasm).
//!
//! Lookup order for every key: the page's `presenza('texts', {...})`, the
//! site's `texts` for the visitor's language, the site's `texts` for every
//! language (`"*"`), the language's file, English. `back_in` holds
//! the plural forms `one|few|many|other` (an empty form falls back to
//! `other`); `{n}` is a number of minutes, `{t}` a local time and `{d}` a
//! weekday or a date.

use alloc::string::String;
use presenza_rules::wording::{back_form, BackForm};
use wasm_bindgen::JsValue;

use crate::js;

/// Supported languages (primary subtags), two letters each: the
/// protocol's `widget::LANGUAGES`, packed (a test checks they agree).
pub const LANGS: &str = "enitcsskdeesfrplhu";

/// English, built in (the fallback for every key).
pub const EN: &str = include_str!("../i18n/en.json");

/// The code of language `idx` (`"en"`...).
pub fn code(idx: usize) -> &'static str {
    LANGS.get(idx * 2..idx * 2 + 2).unwrap_or("en")
}

/// The index in [`LANGS`] of a language tag such as `cs-CZ` or `EN_gb`.
pub fn lang_index(tag: &str) -> Option<usize> {
    let b = tag.as_bytes();
    if b.len() < 2 || (b.len() > 2 && b[2] != b'-' && b[2] != b'_') {
        return None;
    }
    let (x, y) = (b[0].to_ascii_lowercase(), b[1].to_ascii_lowercase());
    LANGS
        .as_bytes()
        .chunks(2)
        .position(|c| c[0] == x && c[1] == y)
}

/// The chosen language: its index and the BCP 47 tag given to `Intl` (a
/// browser tag such as `en-GB` when one matches, for local formats).
#[derive(Clone, Debug, PartialEq)]
pub struct Lang {
    pub idx: usize,
    pub tag: String,
}

impl Lang {
    /// Picks from the page's command, then the site's setting, then
    /// `navigator.languages`, then `<html lang>`; English otherwise.
    pub fn pick(command: Option<&str>, site: Option<&str>) -> Lang {
        let nav = js::get(&js::g("navigator"), "languages");
        let mut idx = command
            .and_then(lang_index)
            .or_else(|| site.and_then(lang_index));
        // The first browser tag of the chosen language (browser tags are
        // well formed; `<html lang>` may not be, and Intl throws on those).
        let mut tag = None;
        let mut i = 0u32;
        while let Some(t) = js::get_v(&nav, &JsValue::from(i)).as_string() {
            let li = lang_index(&t);
            if idx.is_none() {
                idx = li;
            }
            if tag.is_none() && li.is_some() && li == idx {
                tag = Some(t);
            }
            i += 1;
        }
        let html = js::get(&js::get(&js::g("document"), "documentElement"), "lang").as_string();
        let idx = idx
            .or_else(|| html.as_deref().and_then(lang_index))
            .unwrap_or(0);
        Lang {
            idx,
            tag: tag.unwrap_or_else(|| code(idx).into()),
        }
    }
}

/// Layers of `{key: text}` objects, searched in order.
pub struct Texts<'a> {
    pub layers: [&'a JsValue; 5],
    pub tag: &'a str,
}

impl Texts<'_> {
    /// The text for `key` as a JS string (`""` when none). A missing layer
    /// (undefined) is skipped: `js::get` would read a global instead.
    pub fn js(&self, key: &str) -> JsValue {
        for layer in self.layers {
            let t = js::get(layer, key);
            if t.is_string() && layer.is_object() {
                return t;
            }
        }
        JsValue::from_str("")
    }

    /// The plural form of `key` (`one|few|many|other`) for `n`, with `{n}`
    /// replaced: an empty or missing form falls back to `other`, then to
    /// the first.
    pub fn plural(&self, key: &str, n: u32) -> JsValue {
        let n = JsValue::from(n);
        let rules = js::make(&js::g("Intl"), "PluralRules", &JsValue::from_str(self.tag));
        let i = match js::call1(&rules, "select", &n).as_string().as_deref() {
            Some("one") => "0",
            Some("few") => "1",
            Some("many") => "2",
            _ => "3",
        };
        let forms = js::call1(&self.js(key), "split", &"|".into());
        let form = [i, "3", "0"]
            .into_iter()
            .map(|k| js::get(&forms, k))
            .find(JsValue::is_truthy)
            .unwrap_or(js::U);
        js::call(&form, "replace", &"{n}".into(), &n)
    }

    /// "back at 09:00", "back Monday 09:00" (another day, in the visitor's
    /// time zone) or, when `relative` and within the hour, "back in 10
    /// minutes" with the language's plural form. Empty when in the past.
    /// Which of these is `presenza_rules::wording` (the console words its
    /// instants by the same rule). Works on JS strings (`split`,
    /// `replace`): Rust-side formatting would cost the widget a kilobyte of
    /// Wasm.
    pub fn back(&self, at: f64, relative: bool) -> JsValue {
        let now = js::now();
        // Not a time at all (NaN).
        if at.is_nan() {
            return JsValue::from_str("");
        }
        let tag = JsValue::from_str(self.tag);
        let replace = |text: &JsValue, key: &str, value: &JsValue| {
            js::call(text, "replace", &JsValue::from_str(key), value)
        };
        let date = js::make(&js::G, "Date", &JsValue::from_f64(at));
        let today = js::call0(
            &js::make(&js::G, "Date", &JsValue::from_f64(now)),
            "toDateString",
        );
        let same_day = js::call0(&date, "toDateString") == today;
        let opts = match back_form(at as i64, now as i64, same_day, relative) {
            BackForm::Passed => return JsValue::from_str(""),
            BackForm::InMinutes(n) => return self.plural("back_in", n),
            BackForm::Today => None,
            BackForm::Weekday => Some(r#"{"weekday":"long"}"#),
            BackForm::Date => Some(r#"{"day":"numeric","month":"long"}"#),
        };
        let time = js::call(
            &date,
            "toLocaleTimeString",
            &tag,
            &js::json(r#"{"hour":"numeric","minute":"2-digit"}"#),
        );
        let Some(opts) = opts else {
            return replace(&self.js("back_at"), "{t}", &time);
        };
        let day = js::call(&date, "toLocaleDateString", &tag, &js::json(opts));
        replace(&replace(&self.js("back_day"), "{t}", &time), "{d}", &day)
    }
}
