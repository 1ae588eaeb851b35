//! Owner pages: site settings (grace period, allowed origins, the widget's
//! look and texts) and the embed snippet ready to copy.

use std::collections::BTreeMap;

use presenza_protocol::body::{EmailPatch, SettingsBody, WidgetPatch};
use presenza_protocol::limits::{
    MAX_WIDGET_OFFSET, MAX_WIDGET_TEXT_CHARS, MAX_WIDGET_TEXT_KEY_LEN,
};
use presenza_rules::GracePeriod;

use super::dom::{closest, el, field, find, find_all, value_of, El};
use super::owner::{loading, note};
use crate::store::Store;

/// The texts the widget lets owners override (its `i18n::KEYS`), with what
/// they are for and the widget's English default as the placeholder. Keys
/// the settings already hold are listed too, and any key can be added.
const KNOWN_TEXTS: [(&str, &str, &str); 14] = [
    ("online", "Button, agents online", "Chat with us"),
    ("busy", "Button, all busy", "We're busy"),
    ("offline", "Button, nobody there", "Leave us a message"),
    ("status_online", "Status word", "Online"),
    ("status_busy", "Status word", "Busy"),
    ("status_offline", "Status word", "Offline"),
    ("back_at", "{t} = time", "back at {t}"),
    ("back_day", "{d} = day, {t} = time", "back {d} {t}"),
    (
        "back_in",
        "Plural forms one|few|many|other",
        "back in {n} minute|||back in {n} minutes",
    ),
    ("close", "Close button", "Close chat"),
    (
        "intro_online",
        "Greeting, online",
        "Hi! Ask us anything, we're here to help.",
    ),
    (
        "intro_busy",
        "Greeting, busy",
        "We're a little busy right now, but we'll get to you soon.",
    ),
    (
        "intro_offline",
        "Greeting, offline",
        "Nobody's here right now. Leave us a message and we'll get back to you.",
    ),
    ("write", "Message box", "Write us a message"),
];

fn number(name: &str, value: i64, min: i64, max: i64) -> El {
    el("input")
        .attr("type", "number")
        .attr("name", name)
        .attr("min", &min.to_string())
        .attr("max", &max.to_string())
        .attr("step", "1")
        .attr("inputmode", "numeric")
        .value(&value.to_string())
}

fn select(name: &str, value: &str, options: &[(&str, &str)]) -> El {
    el("select")
        .attr("name", name)
        .children(
            options
                .iter()
                .map(|(v, label)| el("option").attr("value", v).text(label)),
        )
        .value(value)
}

/// The languages the widget speaks (its `i18n::LANGS`), by their own names.
const LANGUAGES: [(&str, &str); 9] = [
    ("en", "English"),
    ("it", "Italiano"),
    ("cs", "Čeština"),
    ("sk", "Slovenčina"),
    ("de", "Deutsch"),
    ("es", "Español"),
    ("fr", "Français"),
    ("pl", "Polski"),
    ("hu", "Magyar"),
];

/// The language choice of a stored language: "auto" (the visitor's
/// browser decides) for none, else its tag.
fn language_value(stored: Option<&str>) -> &str {
    match stored.map(str::trim) {
        None | Some("") => "auto",
        Some(tag) => tag,
    }
}

/// "Automatic" (the value "auto": the visitor's browser language), the
/// widget's languages, and the stored tag when it is another one.
fn language_select(stored: Option<&str>) -> El {
    let value = language_value(stored);
    let other = (value != "auto" && !LANGUAGES.iter().any(|(tag, _)| *tag == value))
        .then(|| el("option").attr("value", value).text(value));
    el("select")
        .attr("name", "language")
        .child(
            el("option")
                .attr("value", "auto")
                .text("Automatic (visitor's browser)"),
        )
        .children(LANGUAGES.iter().map(|(tag, name)| {
            el("option")
                .attr("value", tag)
                .text(&format!("{name} ({tag})"))
        }))
        .child_if(other)
        .value(value)
}

fn text_row(key: &str, hint: Option<(&str, &str)>, value: &str) -> El {
    let id = format!("text-{key}");
    let (hint, default) = hint.unzip();
    el("div")
        .class("text-row")
        .data("key", key)
        .child(
            el("label")
                .attr("for", &id)
                .child(el("code").text(key))
                .child_if(hint.map(|h| el("span").class("muted").class("small").text(h))),
        )
        .child(
            el("input")
                .attr("id", &id)
                .attr("name", "text-value")
                .maxlength(MAX_WIDGET_TEXT_CHARS)
                .attr("placeholder", default.unwrap_or(""))
                .value(value),
        )
}

fn custom_text_row() -> El {
    el("div")
        .class("text-row")
        .class("custom")
        .child(
            el("input")
                .attr("name", "text-key")
                .attr("placeholder", "key")
                .attr("aria-label", "Text key")
                .attr("spellcheck", "false")
                .maxlength(MAX_WIDGET_TEXT_KEY_LEN),
        )
        .child(
            el("input")
                .attr("name", "text-value")
                .attr("aria-label", "Text")
                .maxlength(MAX_WIDGET_TEXT_CHARS),
        )
}

pub fn settings_page(store: &Store) -> Vec<El> {
    let mut parts = Vec::new();
    parts.extend(note(store, "page"));
    let Some(s) = &store.owner.settings else {
        parts.push(loading());
        return parts;
    };
    let w = &s.widget;
    // Known keys in the widget's order, then any others the settings hold.
    let mut keys: Vec<(&str, Option<(&str, &str)>)> = KNOWN_TEXTS
        .iter()
        .map(|(k, h, d)| (*k, Some((*h, *d))))
        .collect();
    for k in w.texts.keys() {
        if !keys.iter().any(|(known, _)| known == k) {
            keys.push((k.as_str(), None));
        }
    }
    let texts = keys
        .iter()
        .map(|(k, hint)| text_row(k, *hint, w.texts.get(*k).map(String::as_str).unwrap_or("")));
    let accent = if w.accent_color.is_empty() {
        "#2563eb"
    } else {
        &w.accent_color
    };
    parts.push(
        el("form")
            .attr("id", "settings-form")
            .class("settings")
            .action("settings")
            .child(
                el("section")
                    .class("card")
                    .child(el("h2").text("E-mail"))
                    .child(el("p").class("muted").class("small").text(
                        "Messages left while nobody is online reach the agents who serve them (those \
                         with an e-mail address) and the address below; replies reach visitors who \
                         have left; visitors may ask for a transcript. Every e-mail has an \
                         unsubscribe link.",
                    ))
                    .child(
                        el("label")
                            .class("check")
                            .child(
                                el("input")
                                    .attr("type", "checkbox")
                                    .attr("name", "email-enabled")
                                    .flag("checked", s.email.enabled),
                            )
                            .child(el("span").text("Send e-mail")),
                    )
                    .child(
                        el("label").text("Also notify (optional)").child(
                            el("input")
                                .attr("type", "email")
                                .attr("name", "notify")
                                .attr("autocomplete", "off")
                                .attr("placeholder", "owner@example.com")
                                .value(s.email.notify_address.as_deref().unwrap_or("")),
                        ),
                    ),
            )
            .child(
                el("section")
                    .class("card")
                    .child(el("h2").text("Presence"))
                    .child(
                        el("label")
                            .text("Grace period (seconds)")
                            .child(number(
                                "grace",
                                i64::from(s.grace_period_secs),
                                i64::from(GracePeriod::MIN_SECS),
                                i64::from(GracePeriod::MAX_SECS),
                            )),
                    )
                    .child(el("p").class("muted").class("small").text(&format!(
                        "How long an agent still counts after their last device went quiet (closed lid, lost \
                         network). Signing out ends it at once. {} to {}.",
                        GracePeriod::MIN_SECS,
                        GracePeriod::MAX_SECS
                    ))),
            )
            .child(
                el("section")
                    .class("card")
                    .child(el("h2").text("Allowed origins"))
                    .child(
                        el("label")
                            .text("Sites that may show the widget, one per line")
                            .child(
                                el("textarea")
                                    .attr("name", "origins")
                                    .attr("rows", "4")
                                    .attr("spellcheck", "false")
                                    .attr("placeholder", "https://www.example.com")
                                    .value(&s.allowed_origins.join("\n")),
                            ),
                    )
                    .child(el("p").class("muted").class("small").text(
                        "Scheme and host, with the port if not the default (https://shop.example.com). \
                         Leave empty to let any site show it.",
                    )),
            )
            .child(
                el("section")
                    .class("card")
                    .child(el("h2").text("Widget"))
                    .child(
                        el("div")
                            .class("form-grid")
                            .child(
                                el("label").text("Accent colour").child(
                                    el("span")
                                        .class("colour")
                                        .child(el("input").attr("type", "color").attr("name", "accent").value(accent))
                                        .child(el("code").class("small").text(accent)),
                                ),
                            )
                            .child(el("label").text("Theme").child(select(
                                "theme",
                                if w.theme.is_empty() { "auto" } else { &w.theme },
                                &[("auto", "Follow the visitor's system"), ("light", "Light"), ("dark", "Dark")],
                            )))
                            .child(el("label").text("Position").child(select(
                                "position",
                                if w.position.is_empty() { "right" } else { &w.position },
                                &[("right", "Bottom right"), ("left", "Bottom left")],
                            )))
                            .child(el("label").text("Language").child(language_select(w.language.as_deref())))
                            .child(el("label").text("Horizontal offset (px)").child(number("offset_x", i64::from(w.offset_x), 0, i64::from(MAX_WIDGET_OFFSET))))
                            .child(el("label").text("Vertical offset (px)").child(number("offset_y", i64::from(w.offset_y), 0, i64::from(MAX_WIDGET_OFFSET)))),
                    )
                    .child(el("h3").text("Texts"))
                    .child(el("p").class("muted").class("small").text("Leave a text empty to use the widget's own, in the visitor's language."))
                    .child(el("div").attr("id", "texts").class("texts").children(texts))
                    .child(el("button").attr("type", "button").class("link").action("add-text").text("+ Add a text")),
            )
            .child(
                el("div")
                    .class("actions")
                    .class("sticky")
                    .child(el("button").attr("type", "submit").class("primary").text("Save settings"))
                    .child_if(note(store, "settings")),
            ),
    );
    parts
}

/// A new empty key/text row (no state: the form is the draft).
pub fn add_text_row() {
    if let Some(texts) = super::dom::by_id("texts") {
        let row = custom_text_row().build();
        let _ = texts.append_child(&row);
        if let Some(input) = find(&row, "input") {
            super::dom::focus(&input);
        }
    }
}

/// The settings as the form shows them, as the body of `PUT settings`.
pub fn read(form: &web_sys::Element) -> SettingsBody {
    let mut texts = BTreeMap::new();
    for row in find_all(form, ".text-row") {
        let key = row
            .get_attribute("data-key")
            .unwrap_or_else(|| field(&row, "text-key"))
            .trim()
            .to_owned();
        let value = field(&row, "text-value").trim().to_owned();
        if !key.is_empty() && !value.is_empty() {
            texts.insert(key, value);
        }
    }
    let email_on = find_all(form, "input[name=\"email-enabled\"]")
        .first()
        .is_some_and(super::dom::checked);
    body(
        &|name| match name {
            "email-enabled" => if email_on { "on" } else { "" }.to_owned(),
            _ => field(form, name),
        },
        texts,
    )
}

/// The body of `PUT settings` from the form's fields (`field` reads one by
/// name) and its texts. It sets everything the form shows, and leaves the
/// rest (the site's name, the widget's title) as it is.
pub fn body(field: &dyn Fn(&str) -> String, texts: BTreeMap<String, String>) -> SettingsBody {
    let num = |name: &str| field(name).trim().parse::<i64>().ok();
    let offset = |name: &str| {
        num(name)
            .unwrap_or(0)
            .clamp(0, i64::from(MAX_WIDGET_OFFSET)) as u32
    };
    let chosen = |name: &str| Some(field(name)).filter(|v| !v.is_empty());
    SettingsBody {
        name: None,
        grace_period_secs: Some(num("grace").map_or(0, |n| n.clamp(0, i64::from(u32::MAX)) as u32)),
        allowed_origins: Some(
            field("origins")
                .lines()
                .map(|l| l.trim().trim_end_matches('/').to_owned())
                .filter(|l| !l.is_empty())
                .collect(),
        ),
        widget: Some(WidgetPatch {
            title: None,
            accent_color: chosen("accent"),
            position: chosen("position"),
            offset_x: Some(offset("offset_x")),
            offset_y: Some(offset("offset_y")),
            // "auto" (or nothing chosen): the visitor's browser language,
            // sent as "auto" since an absent field leaves it as it was.
            language: Some(Some(match field("language").trim() {
                "" => "auto".to_owned(),
                tag => tag.to_owned(),
            })),
            texts: Some(texts),
            theme: chosen("theme"),
        }),
        limits: None,
        retention_days: None,
        email: Some(EmailPatch {
            enabled: Some(field("email-enabled") == "on"),
            notify_address: Some(Some(field("notify").trim().to_owned()).filter(|a| !a.is_empty())),
        }),
    }
}

/// Keeps the hex code next to the colour picker in step.
pub fn colour_changed(input: &web_sys::Element) {
    if let Some(code) = closest(input, ".colour").and_then(|c| find(&c, "code")) {
        code.set_text_content(Some(&value_of(input)));
    }
}

/// The embed snippet for this site (and group): README's "Embedding the
/// widget" block, with this edge and site filled in (a test holds the two
/// together). A chosen group replaces the optional calls' comment with the
/// call that picks it.
pub fn snippet(origin: &str, site: &str, group: Option<&str>) -> String {
    let calls = match group {
        Some(g) => format!("  presenza('group', '{}');\n", js_escape(g)),
        None => "  // Optional, any time; calls made before the widget loads are kept and run in order:\n  \
                 // presenza('group', 'sales'); presenza('language', 'cs'); presenza('on', 'status', fn);\n"
            .to_owned(),
    };
    format!(
        "<script>\n  (function (w, d, s) {{\n    w.presenza = w.presenza || function () {{ \
         (w.presenza.q = w.presenza.q || []).push(arguments); }};\n    \
         s = d.createElement('script'); s.async = true;\n    \
         s.src = '{}/widget/loader.js'; s.dataset.site = '{}';\n    \
         d.head.appendChild(s);\n  }})(window, document);\n{calls}</script>",
        js_escape(origin),
        js_escape(site)
    )
}

/// Text safe inside a single-quoted JS string in an inline script.
fn js_escape(s: &str) -> String {
    s.replace('\\', "\\\\")
        .replace('\'', "\\'")
        .replace('<', "\\x3c")
}

pub fn embed_page(store: &Store) -> Vec<El> {
    let mut parts = Vec::new();
    parts.extend(note(store, "page"));
    let groups = store.owner.groups.as_deref().unwrap_or(&[]);
    let group = store.owner.embed_group.as_deref();
    let code = snippet(&store.origin, store.site(), group);
    let mut card = el("section")
        .class("card")
        .child(el("h2").text("Add the widget to your site"))
        .child(el("p").text("Paste this just before </body> on every page where visitors should see whether you are available."));
    if !groups.is_empty() {
        card = card.child(
            el("label")
                .class("scope")
                .text("Show the availability of ")
                .child(
                    el("select")
                        .attr("name", "embed-group")
                        .action("embed-group")
                        .child(el("option").attr("value", "").text("the whole site"))
                        .children(groups.iter().map(|g| {
                            el("option").attr("value", g.id.as_str()).text(&format!(
                                "group {}",
                                if g.name.is_empty() {
                                    g.id.as_str()
                                } else {
                                    &g.name
                                }
                            ))
                        }))
                        .value(group.unwrap_or("")),
                ),
        );
    }
    card = card
        .child(
            el("pre")
                .class("snippet")
                .child(el("code").attr("id", "embed-snippet").text(&code)),
        )
        .child(
            el("div").class("actions").child(
                el("button")
                    .attr("type", "button")
                    .class("primary")
                    .action("copy")
                    .data("copy", "#embed-snippet")
                    .text("Copy snippet"),
            ),
        );
    parts.push(card);
    let origins = match &store.owner.settings {
        None => loading(),
        Some(s) if s.allowed_origins.is_empty() => el("p").class("muted").text(
            "No allowed origins are set: any site may show your widget. List your site's address in \
             Settings to keep it to your pages.",
        ),
        Some(s) => el("div")
            .child(el("p").text("The widget answers pages on:"))
            .child(el("ul").class("origins").children(s.allowed_origins.iter().map(|o| el("li").child(el("code").text(o))))),
    };
    parts.push(
        el("section")
            .class("card")
            .child(el("h2").text("Allowed origins"))
            .child(origins)
            .child(
                el("a")
                    .attr("href", "#settings")
                    .text("Change them in Settings"),
            ),
    );
    parts
}

#[cfg(test)]
mod tests {
    use super::*;
    use presenza_protocol::view::SettingsView;
    use serde_json::json;

    #[test]
    fn automatic_language_is_sent_as_auto() {
        let form = |language: &'static str| {
            move |name: &str| {
                if name == "language" {
                    language.to_owned()
                } else {
                    String::new()
                }
            }
        };
        let s = body(&form(""), BTreeMap::new());
        assert_eq!(
            serde_json::to_value(&s).unwrap()["widget"]["language"],
            "auto"
        );
        let s = body(&form("cs"), BTreeMap::new());
        assert_eq!(
            serde_json::to_value(&s).unwrap()["widget"]["language"],
            "cs"
        );
        let back: SettingsView = serde_json::from_value(json!({
            "site_id": "s_0123456789abcdef0123456789abcdef", "name": null,
            "grace_period_secs": 120, "allowed_origins": [], "created_at": "2026-11-25T12:00:00Z",
            "widget": {"language": null}
        }))
        .expect("settings");
        assert_eq!(language_value(back.widget.language.as_deref()), "auto");
    }

    #[test]
    fn the_form_sets_what_it_shows() {
        let fields = |name: &str| {
            match name {
                "grace" => "90",
                "origins" => " https://shop.example.com/ \n\nhttps://b.example",
                "accent" => "#ff0000",
                "offset_x" => "999",
                "offset_y" => "x",
                "language" => "auto",
                "email-enabled" => "on",
                "notify" => " owner@shop.example ",
                _ => "",
            }
            .to_owned()
        };
        let texts = BTreeMap::from([("online".to_owned(), "Hi".to_owned())]);
        assert_eq!(
            serde_json::to_value(body(&fields, texts)).unwrap(),
            json!({"grace_period_secs": 90,
                "allowed_origins": ["https://shop.example.com", "https://b.example"],
                "widget": {"accent_color": "#ff0000", "offset_x": 200, "offset_y": 0,
                    "language": "auto", "texts": {"online": "Hi"}},
                "email": {"enabled": true, "notify_address": "owner@shop.example"}})
        );
    }

    #[test]
    fn the_snippet_is_the_readmes() {
        let readme = include_str!("../../../README.md");
        let section = readme
            .split("## Embedding the widget")
            .nth(1)
            .expect("README has the embedding section");
        let block = section
            .split("```html\n")
            .nth(1)
            .and_then(|b| b.split("\n```").next())
            .expect("an html block");
        assert_eq!(snippet("https://EDGE", "SITE_ID", None), block);
        let grouped = snippet("http://127.0.0.1:8787", "s_1", Some("sales"));
        assert!(grouped
            .contains("s.src = 'http://127.0.0.1:8787/widget/loader.js'; s.dataset.site = 's_1';"));
        assert!(
            grouped.contains("\n  presenza('group', 'sales');\n</script>"),
            "{grouped}"
        );
        assert!(
            snippet("o", "a'b</script>", None).contains("s.dataset.site = 'a\\'b\\x3c/script>'")
        );
    }
}
