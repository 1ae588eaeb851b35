//! Owner pages: site settings (grace period, allowed origins, the widget's
//! look and texts, limits and retention) and the embed snippet ready to
//! copy.

use std::collections::BTreeMap;

use presenza_protocol::body::{AlertsPatch, EmailPatch, SettingsBody, WidgetPatch};
use presenza_protocol::limits::{
    ALERT_MINUTES, DEFAULT_OFFLINE_ALERT_MINUTES, DEFAULT_WAIT_ALERT_MINUTES, MAX_WIDGET_OFFSET,
    MAX_WIDGET_TEXT_CHARS,
};
use presenza_protocol::view::{AlertSettings, WidgetTexts};
use presenza_protocol::widget;
use presenza_rules::GracePeriod;

use super::dom::{closest, el, field, find, find_all, value_of, El};
use super::owner::{loading, note};
use crate::store::Store;

/// What each of the widget's texts is for (every key of
/// `presenza_protocol::widget`, in its order): the texts an owner may
/// change, for every language or for one.
const TEXT_HINTS: [(&str, &str); 47] = [
    ("online", "Button, agents online"),
    ("busy", "Button, all busy (when they left no message)"),
    ("offline", "Button, nobody there"),
    ("status_online", "Status word, online"),
    ("status_busy", "Status word, busy"),
    ("status_offline", "Status word, offline"),
    ("back_at", "Return time today; {t} = time"),
    ("back_day", "Return on another day; {d} = day, {t} = time"),
    (
        "back_in",
        "Return within the hour; plural forms one|few|many|other, {n} = minutes",
    ),
    ("close", "Close button"),
    ("intro_online", "Greeting, online"),
    ("intro_busy", "Greeting, busy"),
    ("intro_offline", "Greeting, offline"),
    ("log_label", "Name of the conversation (screen readers)"),
    ("msg_label", "Name of the message box (screen readers)"),
    ("msg_placeholder", "Message box placeholder"),
    ("send", "Send button (screen readers)"),
    ("you", "The visitor's messages (screen readers)"),
    ("agent", "An agent without a name"),
    ("auto_reply", "Label of the automatic reply"),
    (
        "busy_reply",
        "Automatic reply while busy, when the agents left no message",
    ),
    ("new_messages", "Marker above the first unread message"),
    ("sending", "A message on its way"),
    ("chars_left", "Characters left; plural forms, {n}"),
    ("chars_over", "Characters too many; plural forms, {n}"),
    ("unread", "Unread count (screen readers); plural forms, {n}"),
    (
        "new_reply",
        "Announcement and tab title of a reply; {name} = agent",
    ),
    ("typing", "An agent is typing; {name} = agent"),
    ("name", "Offline form: name"),
    ("email", "Offline form: e-mail"),
    ("message", "Offline form: message"),
    ("send_form", "Offline form: send button"),
    ("sent", "Offline form: thanks; {name}, {email}"),
    ("closed", "Note of a closed conversation"),
    ("err_empty_message", "Error: empty message"),
    (
        "err_message_too_long",
        "Error: message too long; {n} = limit",
    ),
    (
        "err_invalid_character",
        "Error: a character that cannot be sent",
    ),
    ("err_invalid_name", "Error: name"),
    ("err_invalid_email", "Error: e-mail"),
    (
        "err_contact_required",
        "Error: offline, name and e-mail needed",
    ),
    (
        "err_rate_limited",
        "Error: too fast; plural forms, {n} = seconds",
    ),
    ("err_send", "Error: not sent yet"),
    ("joined", "Note: an agent was assigned; {name} = agent"),
    (
        "transferred",
        "Note: transferred to a group; {name} = group",
    ),
    ("transcript", "Link: e-mail me this conversation"),
    ("transcript_sent", "Conversation e-mailed; {email}"),
    ("err_transcript", "Error: conversation not e-mailed"),
];

/// The widget's own texts of a language (`widget/i18n/{code}.json` and
/// `widget/i18n/chat/{code}.json`, built in): the placeholders of the
/// texts form, so an owner sees what they replace.
fn widget_texts(lang: &str) -> BTreeMap<String, String> {
    let files: &[(&str, &str, &str)] = &[
        (
            "en",
            include_str!("../../../widget/i18n/en.json"),
            include_str!("../../../widget/i18n/chat/en.json"),
        ),
        (
            "it",
            include_str!("../../../widget/i18n/it.json"),
            include_str!("../../../widget/i18n/chat/it.json"),
        ),
        (
            "cs",
            include_str!("../../../widget/i18n/cs.json"),
            include_str!("../../../widget/i18n/chat/cs.json"),
        ),
        (
            "sk",
            include_str!("../../../widget/i18n/sk.json"),
            include_str!("../../../widget/i18n/chat/sk.json"),
        ),
        (
            "de",
            include_str!("../../../widget/i18n/de.json"),
            include_str!("../../../widget/i18n/chat/de.json"),
        ),
        (
            "es",
            include_str!("../../../widget/i18n/es.json"),
            include_str!("../../../widget/i18n/chat/es.json"),
        ),
        (
            "fr",
            include_str!("../../../widget/i18n/fr.json"),
            include_str!("../../../widget/i18n/chat/fr.json"),
        ),
        (
            "pl",
            include_str!("../../../widget/i18n/pl.json"),
            include_str!("../../../widget/i18n/chat/pl.json"),
        ),
        (
            "hu",
            include_str!("../../../widget/i18n/hu.json"),
            include_str!("../../../widget/i18n/chat/hu.json"),
        ),
    ];
    let (_, launcher, chat) = files
        .iter()
        .find(|(code, ..)| *code == lang)
        .unwrap_or(&files[0]);
    let mut texts: BTreeMap<String, String> = serde_json::from_str(launcher).unwrap_or_default();
    texts.extend(serde_json::from_str::<BTreeMap<String, String>>(chat).unwrap_or_default());
    texts
}

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

/// The texts form's language choice: every language, or one.
fn text_languages() -> Vec<(&'static str, String)> {
    let mut out = vec![(widget::ALL_LANGUAGES, "Every language".to_owned())];
    out.extend(
        LANGUAGES
            .iter()
            .map(|(tag, name)| (*tag, format!("{name} ({tag})"))),
    );
    out
}

/// One text of one language: its key, what it is for, and an input whose
/// placeholder is the widget's own text (English for every language).
fn text_row(lang: &str, key: &str, hint: &str, default: &str, value: &str) -> El {
    let id = format!(
        "text-{}-{key}",
        if lang == widget::ALL_LANGUAGES {
            "all"
        } else {
            lang
        }
    );
    el("div")
        .class("text-row")
        .data("lang", lang)
        .data("key", key)
        .flag("hidden", lang != widget::ALL_LANGUAGES)
        .child(
            el("label")
                .attr("for", &id)
                .child(el("code").text(key))
                .child(el("span").class("muted").class("small").text(hint)),
        )
        .child(
            el("input")
                .attr("id", &id)
                .attr("name", "text-value")
                .maxlength(MAX_WIDGET_TEXT_CHARS)
                .attr("placeholder", default)
                .value(value),
        )
}

/// Every text of every language (one language shown at a time: the form
/// is the draft, so switching keeps what was typed), and the overrides the
/// settings hold that are no text of the widget (they change nothing and
/// are dropped when the form is saved).
fn texts_section(texts: &WidgetTexts) -> Vec<El> {
    let mut rows = Vec::new();
    for (lang, _) in text_languages() {
        let defaults = widget_texts(if lang == widget::ALL_LANGUAGES {
            "en"
        } else {
            lang
        });
        for (key, hint) in TEXT_HINTS {
            let value = texts
                .0
                .get(lang)
                .and_then(|t| t.get(key))
                .map_or("", String::as_str);
            let default = defaults.get(key).map_or("", String::as_str);
            rows.push(text_row(lang, key, hint, default, value));
        }
    }
    let unknown: Vec<String> = texts
        .0
        .iter()
        .flat_map(|(lang, t)| {
            t.keys()
                .filter(move |k| !widget::is_text_language(lang) || !widget::is_text_key(k))
                .map(move |k| format!("{lang}: {k}"))
        })
        .collect();
    vec![
        el("h3").text("Texts"),
        el("p").class("muted").class("small").text(
            "Change any text of the widget, for every language at once or for one language (a \
             language's own text wins). Leave a text empty to use the widget's own, in the visitor's \
             language. Open widgets show a change at once.",
        ),
        el("label").class("scope").text("Texts for ").child(
            el("select")
                .attr("name", "text-lang")
                .action("text-lang")
                .children(
                    text_languages()
                        .into_iter()
                        .map(|(tag, name)| el("option").attr("value", tag).text(&name)),
                )
                .value(widget::ALL_LANGUAGES),
        ),
        el("div").attr("id", "texts").class("texts").children(rows),
    ]
    .into_iter()
    .chain((!unknown.is_empty()).then(|| {
        el("p").class("muted").class("small").text(&format!(
            "Not texts of the widget (they change nothing and go when you save): {}",
            unknown.join(", ")
        ))
    }))
    .collect()
}

/// One alert: on or off, and after how many minutes.
fn threshold(name: &str, label: &str, minutes: &str, value: Option<u32>, default: u32) -> El {
    el("div")
        .class("form-grid")
        .child(
            el("label")
                .class("check")
                .child(
                    el("input")
                        .attr("type", "checkbox")
                        .attr("name", &format!("{name}-on"))
                        .flag("checked", value.is_some()),
                )
                .child(el("span").text(label)),
        )
        .child(el("label").text(minutes).child(number(
            &format!("{name}-minutes"),
            i64::from(value.unwrap_or(default)),
            i64::from(*ALERT_MINUTES.start()),
            i64::from(*ALERT_MINUTES.end()),
        )))
}

/// The alerts: the two thresholds, each with its switch, and the address.
fn alerts_card(alerts: &AlertSettings, notify: Option<&str>) -> El {
    el("section")
        .class("card")
        .attr("aria-labelledby", "alerts-title")
        .child(el("h2").attr("id", "alerts-title").text("Alerts"))
        .child(el("p").class("muted").class("small").text(
            "Hear while it happens, by e-mail (when e-mail is on) and by webhook: once when it \
             starts, once when it is back to normal. Only inside working hours.",
        ))
        .child(threshold(
            "offline",
            "The site or a group is offline",
            "Offline for (minutes)",
            alerts.offline_minutes,
            DEFAULT_OFFLINE_ALERT_MINUTES,
        ))
        .child(threshold(
            "wait",
            "A visitor waits for a reply",
            "Waiting for (minutes)",
            alerts.wait_minutes,
            DEFAULT_WAIT_ALERT_MINUTES,
        ))
        .child(
            el("label").text("Send alerts to").child(
                el("input")
                    .attr("type", "email")
                    .attr("name", "alert-address")
                    .attr("autocomplete", "off")
                    .attr("placeholder", notify.unwrap_or("owner@example.com"))
                    .value(alerts.address.as_deref().unwrap_or("")),
            ),
        )
        .child(
            el("p")
                .class("muted")
                .class("small")
                .text("Empty: the address under E-mail."),
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
    let accent = if w.accent_color.is_empty() {
        widget::DEFAULT_ACCENT
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
            .child(alerts_card(&s.alerts, s.email.notify_address.as_deref()))
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
                    .children(texts_section(&w.texts)),
            )
            .child(super::limits::card(store, s))
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

/// Shows the texts of one language (`*`: every language) and hides the
/// others'.
pub fn show_text_language(lang: &str) {
    if let Some(texts) = super::dom::by_id("texts") {
        for row in find_all(&texts, ".text-row") {
            let shown = row.get_attribute("data-lang").as_deref() == Some(lang);
            let _ = row.toggle_attribute_with_force("hidden", !shown);
        }
    }
}

/// The settings as the form shows them, as the body of `PUT settings`.
pub fn read(form: &web_sys::Element) -> SettingsBody {
    let mut texts = WidgetTexts::default();
    for row in find_all(form, ".text-row") {
        let lang = row.get_attribute("data-lang").unwrap_or_default();
        let key = row.get_attribute("data-key").unwrap_or_default();
        let value = field(&row, "text-value").trim().to_owned();
        if !value.is_empty() {
            texts.0.entry(lang).or_default().insert(key, value);
        }
    }
    let checked = |name: &str| {
        find_all(form, &format!("input[name=\"{name}\"]"))
            .first()
            .is_some_and(super::dom::checked)
    };
    body(
        &|name| match name {
            "email-enabled" | "offline-on" | "wait-on" => {
                if checked(name) { "on" } else { "" }.to_owned()
            }
            _ => field(form, name),
        },
        texts,
    )
}

/// The body of `PUT settings` from the form's fields (`field` reads one by
/// name) and its texts. It sets everything the form shows, and leaves the
/// rest (the site's name, the widget's title) as it is.
pub fn body(field: &dyn Fn(&str) -> String, texts: WidgetTexts) -> SettingsBody {
    let num = |name: &str| field(name).trim().parse::<i64>().ok();
    let offset = |name: &str| {
        num(name)
            .unwrap_or(0)
            .clamp(0, i64::from(MAX_WIDGET_OFFSET)) as u32
    };
    let chosen = |name: &str| Some(field(name)).filter(|v| !v.is_empty());
    // Off, or the minutes within the range (the input enforces it too).
    let alert_minutes = |name: &str| {
        (field(&format!("{name}-on")) == "on").then(|| {
            let n = num(&format!("{name}-minutes")).unwrap_or(i64::from(*ALERT_MINUTES.start()));
            n.clamp(
                i64::from(*ALERT_MINUTES.start()),
                i64::from(*ALERT_MINUTES.end()),
            ) as u32
        })
    };
    let (limits, retention_days, history_days) = super::limits::read(field);
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
        // Set with the working hours (their page), not here.
        working_hours_mode: None,
        limits: Some(limits),
        retention_days: Some(retention_days),
        history_days: Some(history_days),
        email: Some(EmailPatch {
            enabled: Some(field("email-enabled") == "on"),
            notify_address: Some(Some(field("notify").trim().to_owned()).filter(|a| !a.is_empty())),
        }),
        alerts: Some(AlertsPatch {
            offline_minutes: Some(alert_minutes("offline")),
            wait_minutes: Some(alert_minutes("wait")),
            address: Some(Some(field("alert-address").trim().to_owned()).filter(|a| !a.is_empty())),
        }),
    }
}

/// Keeps the hex code next to the colour picker in step.
pub fn colour_changed(input: &web_sys::Element) {
    if let Some(code) = closest(input, ".colour").and_then(|c| find(&c, "code")) {
        code.set_text_content(Some(&value_of(input)));
    }
}

pub use presenza_protocol::embed::snippet;

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
        let s = body(&form(""), WidgetTexts::default());
        assert_eq!(
            serde_json::to_value(&s).unwrap()["widget"]["language"],
            "auto"
        );
        let s = body(&form("cs"), WidgetTexts::default());
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
                "offline-on" => "on",
                "offline-minutes" => "99999",
                "sockets_per_address" => "50",
                "conversations_per_address" => "20",
                "conversations_per_minute" => "120",
                "retention_days" => "30",
                "history_days" => "90",
                _ => "",
            }
            .to_owned()
        };
        let texts = WidgetTexts(BTreeMap::from([(
            "it".to_owned(),
            BTreeMap::from([("online".to_owned(), "Ciao".to_owned())]),
        )]));
        assert_eq!(
            serde_json::to_value(body(&fields, texts)).unwrap(),
            json!({"grace_period_secs": 90,
                "allowed_origins": ["https://shop.example.com", "https://b.example"],
                "widget": {"accent_color": "#ff0000", "offset_x": 200, "offset_y": 0,
                    "language": "auto", "texts": {"it": {"online": "Ciao"}}},
                "email": {"enabled": true, "notify_address": "owner@shop.example"},
                "alerts": {"offline_minutes": 1440, "wait_minutes": null, "address": null},
                "limits": {"sockets_per_address": 50, "conversations_per_address": 20,
                    "conversations_per_minute": 120},
                "retention_days": 30, "history_days": 90})
        );
    }

    #[test]
    fn every_text_of_the_widget_has_a_hint_and_defaults_in_every_language() {
        let keys: Vec<&str> = widget::LAUNCHER_TEXT_KEYS
            .iter()
            .chain(widget::CHAT_TEXT_KEYS.iter())
            .copied()
            .collect();
        assert_eq!(
            TEXT_HINTS.iter().map(|(k, _)| *k).collect::<Vec<_>>(),
            keys,
            "one hint per text, in the widget's order"
        );
        for lang in widget::LANGUAGES {
            let texts = widget_texts(lang);
            for k in &keys {
                assert!(texts.get(*k).is_some_and(|t| !t.is_empty()), "{lang}: {k}");
            }
            assert_eq!(texts.len(), keys.len(), "{lang}: no other keys");
        }
        assert_eq!(
            widget::LANGUAGES.to_vec(),
            LANGUAGES.iter().map(|(tag, _)| *tag).collect::<Vec<_>>()
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
        // The widget's README shows the same code (with its own comments).
        let code = block.split("  // Optional").next().unwrap_or_default();
        assert!(
            include_str!("../../../widget/README.md").contains(code),
            "widget/README.md's snippet differs from README's"
        );
        let grouped = snippet("http://127.0.0.1:8787", "s_1", Some("sales"));
        assert!(grouped.contains("})(window, document, 'http://127.0.0.1:8787', 's_1');"));
        assert!(
            grouped.contains("\n  presenza('group', 'sales');\n</script>"),
            "{grouped}"
        );
        assert!(snippet("o", "a'b</script>", None)
            .contains("(window, document, 'o', 'a\\'b\\x3c/script>');"));
    }
}
