//! The owner's settings patch (`PUT settings`), validated as a whole before
//! anything is stored: a rejected update changes nothing.

use crate::cors;
use crate::domain::hours;
use crate::domain::text::{check_text, display_name, invalid};
use crate::error::ApiError;
use crate::retention::RETENTION_DAYS;
use presenza_protocol::body::{AlertsPatch, EmailPatch, LimitsPatch, SettingsBody, WidgetPatch};
use presenza_protocol::limits::{
    ALERT_MINUTES, HISTORY_DAYS, MAX_ALLOWED_ORIGINS, MAX_VISITOR_LIMIT, MAX_WIDGET_OFFSET,
    MAX_WIDGET_TEXTS, MAX_WIDGET_TEXT_CHARS,
};
use presenza_protocol::view::{AlertSettings, EmailSettings, VisitorLimits, Widget, WidgetTexts};
use presenza_protocol::widget;
use presenza_rules::{GracePeriod, HoursMode};

/// What to store; `None` keeps the stored value.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SettingsChange {
    pub name: Option<String>,
    pub grace: Option<GracePeriod>,
    /// Normalised, without duplicates.
    pub origins: Option<Vec<String>>,
    /// The whole widget with the patch applied.
    pub widget: Option<Widget>,
    /// The mode of the site's working hours.
    pub hours_mode: Option<HoursMode>,
    /// The visitor limits with the patch applied.
    pub limits: Option<VisitorLimits>,
    pub retention_days: Option<u32>,
    pub history_days: Option<u32>,
    /// The e-mail settings with the patch applied.
    pub email: Option<EmailSettings>,
    /// The alert settings with the patch applied.
    pub alerts: Option<AlertSettings>,
}

/// The stored settings a patch applies to (its parts that are patched
/// field by field).
pub struct Current<'a> {
    pub widget: &'a Widget,
    pub limits: &'a VisitorLimits,
    pub email: &'a EmailSettings,
    pub alerts: &'a AlertSettings,
}

impl SettingsChange {
    /// Validates `body` against the stored settings it patches.
    pub fn parse(body: SettingsBody, current: &Current<'_>) -> Result<SettingsChange, ApiError> {
        let Current {
            widget,
            limits,
            email,
            alerts,
        } = *current;
        let name = body
            .name
            .as_deref()
            .map(|n| display_name("name", n))
            .transpose()?;
        let grace = body
            .grace_period_secs
            .map(|secs| GracePeriod::new(secs).map_err(|e| ApiError::from_rule(&e)))
            .transpose()?;
        let origins = body.allowed_origins.map(allowed_origins).transpose()?;
        let hours_mode = body
            .working_hours_mode
            .as_deref()
            .map(|m| hours::mode("working_hours_mode", m))
            .transpose()?;
        let widget = match body.widget {
            Some(patch) => {
                let mut w = widget.clone();
                apply_widget_patch(&mut w, patch)?;
                Some(w)
            }
            None => None,
        };
        let limits = body
            .limits
            .map(|patch| apply_limits_patch(*limits, patch))
            .transpose()?;
        let retention_days = body
            .retention_days
            .map(|days| days_in("retention_days", days, &RETENTION_DAYS))
            .transpose()?;
        let history_days = body
            .history_days
            .map(|days| days_in("history_days", days, &HISTORY_DAYS))
            .transpose()?;
        let email = body
            .email
            .map(|patch| apply_email_patch(email.clone(), patch))
            .transpose()?;
        let alerts = body
            .alerts
            .map(|patch| apply_alerts_patch(alerts.clone(), patch))
            .transpose()?;
        Ok(SettingsChange {
            name,
            grace,
            origins,
            widget,
            hours_mode,
            limits,
            retention_days,
            history_days,
            email,
            alerts,
        })
    }
}

/// Applies an alerts patch: each threshold [`ALERT_MINUTES`] or off, the
/// address one that looks like an e-mail address.
fn apply_alerts_patch(
    mut alerts: AlertSettings,
    patch: AlertsPatch,
) -> Result<AlertSettings, ApiError> {
    for (field, value, slot) in [
        (
            "alerts.offline_minutes",
            patch.offline_minutes,
            &mut alerts.offline_minutes,
        ),
        (
            "alerts.wait_minutes",
            patch.wait_minutes,
            &mut alerts.wait_minutes,
        ),
    ] {
        if let Some(minutes) = value {
            if minutes.is_some_and(|m| !ALERT_MINUTES.contains(&m)) {
                return Err(invalid(
                    field,
                    format!(
                        "must be {}..={} minutes, or null (off)",
                        ALERT_MINUTES.start(),
                        ALERT_MINUTES.end()
                    ),
                ));
            }
            *slot = minutes;
        }
    }
    if let Some(address) = patch.address {
        alerts.address = address
            .as_deref()
            .map(|a| {
                crate::domain::agent::email_address(a)
                    .map_err(|_| invalid("alerts.address", "expected an e-mail address, or null"))
            })
            .transpose()?;
    }
    Ok(alerts)
}

/// A number of days within `range`.
fn days_in(
    field: &str,
    days: u32,
    range: &core::ops::RangeInclusive<u32>,
) -> Result<u32, ApiError> {
    if range.contains(&days) {
        Ok(days)
    } else {
        Err(invalid(
            field,
            format!("must be {}..={} days", range.start(), range.end()),
        ))
    }
}

/// Applies an e-mail patch; the notification address must look like one.
fn apply_email_patch(
    mut email: EmailSettings,
    patch: EmailPatch,
) -> Result<EmailSettings, ApiError> {
    if let Some(on) = patch.enabled {
        email.enabled = on;
    }
    if let Some(address) = patch.notify_address {
        email.notify_address = address
            .as_deref()
            .map(crate::domain::agent::email_address)
            .transpose()?;
    }
    Ok(email)
}

fn allowed_origins(list: Vec<String>) -> Result<Vec<String>, ApiError> {
    if list.len() > MAX_ALLOWED_ORIGINS {
        return Err(ApiError::bad_request(
            "too_many_origins",
            format!("at most {MAX_ALLOWED_ORIGINS} allowed origins"),
        ));
    }
    let mut out: Vec<String> = Vec::new();
    for o in &list {
        let o =
            cors::normalize_origin(o).map_err(|m| ApiError::bad_request("invalid_origin", m))?;
        if !out.contains(&o) {
            out.push(o);
        }
    }
    Ok(out)
}

/// Applies a widget patch, field by field, refusing any invalid value.
pub fn apply_widget_patch(w: &mut Widget, patch: WidgetPatch) -> Result<(), ApiError> {
    if let Some(title) = patch.title {
        w.title = match title {
            Some(t) => Some(display_name("widget.title", &t)?),
            None => None,
        };
    }
    if let Some(c) = patch.accent_color {
        let ok =
            c.len() == 7 && c.starts_with('#') && c.bytes().skip(1).all(|b| b.is_ascii_hexdigit());
        if !ok {
            return Err(invalid("widget.accent_color", "expected #rrggbb"));
        }
        w.accent_color = c.to_ascii_lowercase();
    }
    if let Some(p) = patch.position {
        if p != "left" && p != "right" {
            return Err(invalid("widget.position", "expected \"left\" or \"right\""));
        }
        w.position = p;
    }
    for (field, value, slot) in [
        ("widget.offset_x", patch.offset_x, &mut w.offset_x),
        ("widget.offset_y", patch.offset_y, &mut w.offset_y),
    ] {
        if let Some(v) = value {
            if v > MAX_WIDGET_OFFSET {
                return Err(invalid(field, format!("must be 0..={MAX_WIDGET_OFFSET}")));
            }
            *slot = v;
        }
    }
    if let Some(lang) = patch.language {
        let lang = lang.filter(|l| l != "auto");
        if lang.as_deref().is_some_and(|l| !is_language_tag(l)) {
            return Err(invalid(
                "widget.language",
                "expected a language tag like \"en\" or \"it-IT\"",
            ));
        }
        w.language = lang;
    }
    if let Some(mut texts) = patch.texts {
        check_texts(&texts)?;
        // A language without overrides is no language at all.
        texts.0.retain(|_, t| !t.is_empty());
        w.texts = texts;
    }
    if let Some(t) = patch.theme {
        if !matches!(t.as_str(), "auto" | "light" | "dark") {
            return Err(invalid(
                "widget.theme",
                "expected \"auto\", \"light\" or \"dark\"",
            ));
        }
        w.theme = t;
    }
    Ok(())
}

/// Applies a limits patch; each limit is 1 to [`MAX_VISITOR_LIMIT`].
fn apply_limits_patch(
    mut limits: VisitorLimits,
    patch: LimitsPatch,
) -> Result<VisitorLimits, ApiError> {
    for (field, value, slot) in [
        (
            "limits.sockets_per_address",
            patch.sockets_per_address,
            &mut limits.sockets_per_address,
        ),
        (
            "limits.conversations_per_address",
            patch.conversations_per_address,
            &mut limits.conversations_per_address,
        ),
        (
            "limits.conversations_per_minute",
            patch.conversations_per_minute,
            &mut limits.conversations_per_minute,
        ),
    ] {
        if let Some(v) = value {
            if !(1..=MAX_VISITOR_LIMIT).contains(&v) {
                return Err(invalid(field, format!("must be 1..={MAX_VISITOR_LIMIT}")));
            }
            *slot = v;
        }
    }
    Ok(limits)
}

/// Text overrides: per language of the widget (or `*`, every language),
/// each key one of the widget's texts, each text one line or more of at
/// most [`MAX_WIDGET_TEXT_CHARS`]. A key the widget does not have would
/// change nothing on any page: it is refused, naming the keys there are.
fn check_texts(texts: &WidgetTexts) -> Result<(), ApiError> {
    for (lang, map) in &texts.0 {
        if !widget::is_text_language(lang) {
            return Err(invalid(
                "widget.texts",
                format!(
                    "`{}` is not a language of the widget: use \"{}\" (every language) or one of {}",
                    shorten(lang),
                    widget::ALL_LANGUAGES,
                    widget::LANGUAGES.join(", ")
                ),
            ));
        }
        let field = format!("widget.texts.{lang}");
        if map.len() > MAX_WIDGET_TEXTS {
            return Err(invalid(&field, format!("at most {MAX_WIDGET_TEXTS} texts")));
        }
        for (key, text) in map {
            if !widget::is_text_key(key) {
                let keys: Vec<&str> = widget::LAUNCHER_TEXT_KEYS
                    .iter()
                    .chain(widget::CHAT_TEXT_KEYS.iter())
                    .copied()
                    .collect();
                return Err(invalid(
                    &field,
                    format!(
                        "`{}` is not a text of the widget; its texts are {}",
                        shorten(key),
                        keys.join(", ")
                    ),
                ));
            }
            check_text(&format!("{field}.{key}"), text, MAX_WIDGET_TEXT_CHARS, true)?;
        }
    }
    Ok(())
}

/// At most 40 characters of what a client sent, for an error message.
fn shorten(s: &str) -> String {
    s.chars().take(40).collect()
}

fn is_language_tag(s: &str) -> bool {
    let mut parts = s.split('-');
    let first_ok = parts
        .next()
        .is_some_and(|p| (2..=3).contains(&p.len()) && p.bytes().all(|b| b.is_ascii_alphabetic()));
    s.len() <= 35
        && first_ok
        && parts.all(|p| (2..=8).contains(&p.len()) && p.bytes().all(|b| b.is_ascii_alphanumeric()))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The stored settings of a new site.
    fn defaults() -> Current<'static> {
        static WIDGET: std::sync::OnceLock<Widget> = std::sync::OnceLock::new();
        static EMAIL: std::sync::OnceLock<EmailSettings> = std::sync::OnceLock::new();
        static ALERTS: std::sync::OnceLock<AlertSettings> = std::sync::OnceLock::new();
        static LIMITS: std::sync::OnceLock<VisitorLimits> = std::sync::OnceLock::new();
        Current {
            widget: WIDGET.get_or_init(Widget::default),
            limits: LIMITS.get_or_init(VisitorLimits::default),
            email: EMAIL.get_or_init(EmailSettings::default),
            alerts: ALERTS.get_or_init(AlertSettings::default),
        }
    }

    #[test]
    fn alert_thresholds_are_minutes_or_off() {
        let parse = |json: &str| {
            let body: SettingsBody = serde_json::from_str(json).unwrap();
            SettingsChange::parse(body, &defaults())
        };
        let change =
            parse(r#"{"alerts":{"offline_minutes":null,"address":"boss@shop.example"}}"#).unwrap();
        assert_eq!(
            change.alerts,
            Some(AlertSettings {
                offline_minutes: None,
                wait_minutes: AlertSettings::default().wait_minutes,
                address: Some("boss@shop.example".into()),
            })
        );
        assert_eq!(
            parse(r#"{"alerts":{"wait_minutes":1440}}"#)
                .unwrap()
                .alerts
                .and_then(|a| a.wait_minutes),
            Some(1440)
        );
        for (bad, field) in [
            (
                r#"{"alerts":{"offline_minutes":0}}"#,
                "alerts.offline_minutes",
            ),
            (r#"{"alerts":{"wait_minutes":1441}}"#, "alerts.wait_minutes"),
            (
                r#"{"alerts":{"address":"not an address"}}"#,
                "alerts.address",
            ),
        ] {
            let e = parse(bad).unwrap_err();
            assert_eq!((e.status(), e.code()), (400, "invalid_field"), "{bad}");
            assert!(e.to_string().contains(field), "{bad}: {e}");
        }
        assert!(serde_json::from_str::<SettingsBody>(r#"{"alerts":{"x":1}}"#).is_err());
    }

    #[test]
    fn widget_patch() {
        let mut w = Widget::default();
        let patch: WidgetPatch = serde_json::from_str(
            r##"{"title":"Chat with us","accent_color":"#FF0000","position":"left","offset_x":0,"language":"it-IT","texts":{"it":{"online":"Siamo qui"},"*":{"busy":"Busy"},"de":{}},"theme":"dark"}"##,
        )
        .unwrap();
        apply_widget_patch(&mut w, patch).unwrap();
        assert_eq!(w.texts.get("it", "online"), Some("Siamo qui"));
        assert_eq!(w.texts.get("hu", "busy"), Some("Busy"));
        assert!(
            !w.texts.0.contains_key("de"),
            "an empty language is dropped"
        );
        // The flat shape of earlier clients: every language.
        let flat: WidgetPatch =
            serde_json::from_str(r#"{"texts":{"offline":"Napište nám"}}"#).unwrap();
        apply_widget_patch(&mut w, flat).unwrap();
        assert_eq!(w.texts.get("cs", "offline"), Some("Napište nám"));
        assert_eq!(
            w.texts.get("it", "online"),
            None,
            "texts are replaced as a whole"
        );
        assert_eq!(w.accent_color, "#ff0000");
        assert_eq!(w.offset_x, 0);
        assert_eq!(w.offset_y, 20);
        assert_eq!(w.title.as_deref(), Some("Chat with us"));
        apply_widget_patch(&mut w, serde_json::from_str(r#"{"title":null}"#).unwrap()).unwrap();
        assert_eq!(w.title, None);
        for bad in [
            r#"{"accent_color":"red"}"#,
            r#"{"position":"top"}"#,
            r#"{"offset_y":201}"#,
            r#"{"language":"english!"}"#,
            r#"{"theme":"pink"}"#,
            r#"{"texts":{"":"x"}}"#,
            r#"{"texts":{"write":"Message box"}}"#,
            r#"{"texts":{"xx":{"online":"x"}}}"#,
            r#"{"texts":{"it":{"online":"a\u0000b"}}}"#,
        ] {
            let patch: WidgetPatch = serde_json::from_str(bad).unwrap();
            assert!(
                apply_widget_patch(&mut Widget::default(), patch).is_err(),
                "{bad}"
            );
        }
    }

    #[test]
    fn a_bad_field_refuses_the_whole_patch() {
        let body: SettingsBody = serde_json::from_str(
            r#"{"name":"Shop","allowed_origins":["https://Shop.example/","https://shop.example"],"grace_period_secs":30}"#,
        )
        .unwrap();
        let change = SettingsChange::parse(body, &defaults()).unwrap();
        assert_eq!(
            change.origins,
            Some(vec!["https://shop.example".to_string()])
        );
        assert_eq!(change.grace.map(GracePeriod::secs), Some(30));
        let body: SettingsBody =
            serde_json::from_str(r#"{"name":"Shop","grace_period_secs":5}"#).unwrap();
        assert_eq!(
            SettingsChange::parse(body, &defaults())
                .unwrap_err()
                .status(),
            400
        );
        let body: SettingsBody =
            serde_json::from_str(r#"{"allowed_origins":["shop.example"]}"#).unwrap();
        assert_eq!(
            SettingsChange::parse(body, &defaults()).unwrap_err().code(),
            "invalid_origin"
        );
        let body: SettingsBody =
            serde_json::from_str(r#"{"limits":{"conversations_per_address":3}}"#).unwrap();
        let change = SettingsChange::parse(body, &defaults()).unwrap();
        let limits = change.limits.unwrap();
        assert_eq!(limits.conversations_per_address, 3);
        assert_eq!(
            limits.sockets_per_address,
            VisitorLimits::default().sockets_per_address
        );
        for bad in [
            r#"{"limits":{"sockets_per_address":0}}"#,
            r#"{"limits":{"x":1}}"#,
        ] {
            let parsed = serde_json::from_str::<SettingsBody>(bad);
            let refused = match parsed {
                Ok(body) => SettingsChange::parse(body, &defaults()).is_err(),
                Err(_) => true,
            };
            assert!(refused, "{bad}");
        }
    }

    #[test]
    fn history_days_are_1_to_365() {
        let parse = |json: &str| {
            let body: SettingsBody = serde_json::from_str(json).unwrap();
            SettingsChange::parse(body, &defaults())
        };
        assert_eq!(
            parse(r#"{"history_days":1}"#).unwrap().history_days,
            Some(1)
        );
        assert_eq!(
            parse(r#"{"history_days":365}"#).unwrap().history_days,
            Some(365)
        );
        assert_eq!(parse(r#"{}"#).unwrap().history_days, None);
        for bad in [
            r#"{"history_days":0}"#,
            r#"{"name":"x","history_days":366}"#,
        ] {
            let e = parse(bad).unwrap_err();
            assert_eq!((e.status(), e.code()), (400, "invalid_field"), "{bad}");
        }
    }

    #[test]
    fn the_working_hours_mode_is_switch_or_gate() {
        let body: SettingsBody = serde_json::from_str(r#"{"working_hours_mode":"gate"}"#).unwrap();
        let change = SettingsChange::parse(body, &defaults()).unwrap();
        assert_eq!(change.hours_mode, Some(HoursMode::Gate));
        let body: SettingsBody =
            serde_json::from_str(r#"{"name":"Shop","working_hours_mode":"never"}"#).unwrap();
        let error = SettingsChange::parse(body, &defaults()).unwrap_err();
        assert_eq!((error.status(), error.code()), (400, "invalid_field"));
    }
}
