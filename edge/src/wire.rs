//! JSON shapes of the API: request bodies (strict: unknown fields are
//! rejected) and response / socket payloads, plus their validation.

use crate::error::{ApiError, MAX_BODY_BYTES};
use presenza_rules::{time, AudienceStatus, GracePeriod, Status, UnixMillis};
use serde::{de::DeserializeOwned, Deserialize, Serialize};
use std::collections::BTreeMap;

pub const MAX_NAME_CHARS: usize = 80;
pub const MAX_MESSAGE_CHARS: usize = 200;
pub const MAX_GROUPS_PER_AGENT: usize = 100;
pub const MAX_WIDGET_TEXTS: usize = 50;
pub const MAX_WIDGET_TEXT_CHARS: usize = 200;
pub const MAX_WIDGET_OFFSET: u32 = 200;

// ---------------------------------------------------------------- requests

/// Whether a `Content-Type` header says JSON (`application/json`, any params).
pub fn is_json_content_type(header: Option<&str>) -> bool {
    header
        .and_then(|h| h.split(';').next())
        .map(|m| m.trim().eq_ignore_ascii_case("application/json"))
        .unwrap_or(false)
}

/// Parses a request body that must be a JSON object; size and content type
/// are checked by the caller.
pub fn parse_body<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    parse_object(bytes, &[])
}

/// Like [`parse_body`]; the members named in `nested` must be objects (or
/// arrays of objects) when present. serde would otherwise also accept a
/// struct written as an array of its fields.
pub fn parse_object<T: DeserializeOwned>(bytes: &[u8], nested: &[&str]) -> Result<T, ApiError> {
    if bytes.len() > MAX_BODY_BYTES {
        return Err(ApiError::PayloadTooLarge);
    }
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Err(ApiError::bad_request(
            "invalid_json",
            "the body is empty; send a JSON object",
        ));
    }
    let value: serde_json::Value =
        serde_json::from_slice(bytes).map_err(|e| ApiError::from_json(&e))?;
    let Some(object) = value.as_object() else {
        return Err(ApiError::bad_request(
            "invalid_type",
            "the body must be a JSON object",
        ));
    };
    for key in nested {
        let ok = match object.get(*key) {
            Some(serde_json::Value::Array(items)) => items.iter().all(serde_json::Value::is_object),
            Some(serde_json::Value::Object(_) | serde_json::Value::Null) | None => true,
            // Strings, numbers...: serde reports the precise type error.
            Some(_) => true,
        };
        if !ok {
            return Err(ApiError::bad_request(
                "invalid_type",
                format!("`{key}` must be an object (or a list of objects)"),
            ));
        }
    }
    serde_json::from_value(value).map_err(|e| ApiError::from_json(&e))
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CreateSiteBody {
    #[serde(default)]
    pub name: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GroupBody {
    pub name: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AgentBody {
    pub name: String,
    #[serde(default)]
    pub groups: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StatusBody {
    pub status: String,
    #[serde(default)]
    pub message: Option<String>,
    /// When the agent expects to be back (RFC 3339), shown to visitors while busy.
    #[serde(default)]
    pub back_at: Option<String>,
}

/// Partial update of the settings: absent fields stay unchanged.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SettingsBody {
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub grace_period_secs: Option<u32>,
    #[serde(default)]
    pub allowed_origins: Option<Vec<String>>,
    #[serde(default)]
    pub widget: Option<WidgetPatch>,
}

/// Partial update of the widget settings: absent fields stay unchanged.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WidgetPatch {
    /// `null` clears it.
    #[serde(default, deserialize_with = "nullable")]
    pub title: Option<Option<String>>,
    #[serde(default)]
    pub accent_color: Option<String>,
    #[serde(default)]
    pub position: Option<String>,
    #[serde(default)]
    pub offset_x: Option<u32>,
    #[serde(default)]
    pub offset_y: Option<u32>,
    #[serde(default, deserialize_with = "nullable")]
    pub language: Option<Option<String>>,
    #[serde(default)]
    pub texts: Option<BTreeMap<String, String>>,
    #[serde(default)]
    pub theme: Option<String>,
}

/// Distinguishes an absent field (`None`) from an explicit `null` (`Some(None)`).
fn nullable<'de, D, T>(deserializer: D) -> Result<Option<Option<T>>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: Deserialize<'de>,
{
    Option::<T>::deserialize(deserializer).map(Some)
}

/// The widget's look, served publicly at `/widget-config`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Widget {
    /// Heading shown by the widget (≤ 80 characters); `null`: the widget's default.
    pub title: Option<String>,
    pub accent_color: String,
    pub position: String,
    pub offset_x: u32,
    pub offset_y: u32,
    pub language: Option<String>,
    pub texts: BTreeMap<String, String>,
    pub theme: String,
}

impl Default for Widget {
    fn default() -> Self {
        Widget {
            title: None,
            accent_color: "#2563eb".to_string(),
            position: "right".to_string(),
            offset_x: 20,
            offset_y: 20,
            language: None,
            texts: BTreeMap::new(),
            theme: "auto".to_string(),
        }
    }
}

fn invalid(field: &str, why: impl std::fmt::Display) -> ApiError {
    ApiError::bad_request("invalid_field", format!("`{field}`: {why}"))
}

impl Widget {
    /// Applies a validated patch.
    pub fn apply(&mut self, patch: WidgetPatch) -> Result<(), ApiError> {
        if let Some(title) = patch.title {
            self.title = match title {
                Some(t) => Some(check_name("widget.title", &t)?),
                None => None,
            };
        }
        if let Some(c) = patch.accent_color {
            let ok = c.len() == 7
                && c.starts_with('#')
                && c.bytes().skip(1).all(|b| b.is_ascii_hexdigit());
            if !ok {
                return Err(invalid("widget.accent_color", "expected #rrggbb"));
            }
            self.accent_color = c.to_ascii_lowercase();
        }
        if let Some(p) = patch.position {
            if p != "left" && p != "right" {
                return Err(invalid("widget.position", "expected \"left\" or \"right\""));
            }
            self.position = p;
        }
        for (field, value, slot) in [
            ("widget.offset_x", patch.offset_x, &mut self.offset_x),
            ("widget.offset_y", patch.offset_y, &mut self.offset_y),
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
            self.language = lang;
        }
        if let Some(texts) = patch.texts {
            if texts.len() > MAX_WIDGET_TEXTS {
                return Err(invalid(
                    "widget.texts",
                    format!("at most {MAX_WIDGET_TEXTS} entries"),
                ));
            }
            for (k, v) in &texts {
                let key_ok = !k.is_empty()
                    && k.len() <= 40
                    && k.bytes()
                        .all(|b| b.is_ascii_alphanumeric() || b"_.-".contains(&b));
                if !key_ok {
                    return Err(invalid(
                        "widget.texts",
                        "keys are 1 to 40 characters a-z 0-9 _ . -",
                    ));
                }
                check_text(&format!("widget.texts.{k}"), v, MAX_WIDGET_TEXT_CHARS, true)?;
            }
            self.texts = texts;
        }
        if let Some(t) = patch.theme {
            if !matches!(t.as_str(), "auto" | "light" | "dark") {
                return Err(invalid(
                    "widget.theme",
                    "expected \"auto\", \"light\" or \"dark\"",
                ));
            }
            self.theme = t;
        }
        Ok(())
    }
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

/// Checks a free text field: length in characters and no control characters.
pub fn check_text(
    field: &str,
    value: &str,
    max_chars: usize,
    allow_empty: bool,
) -> Result<(), ApiError> {
    let n = value.chars().count();
    if n > max_chars {
        return Err(ApiError::bad_request(
            "field_too_long",
            format!("`{field}` is longer than {max_chars} characters"),
        ));
    }
    if !allow_empty && value.trim().is_empty() {
        return Err(invalid(field, "must not be empty"));
    }
    if value.chars().any(|c| c.is_control() && c != '\n') {
        return Err(invalid(field, "must not contain control characters"));
    }
    Ok(())
}

pub fn check_name(field: &str, value: &str) -> Result<String, ApiError> {
    check_text(field, value, MAX_NAME_CHARS, false)?;
    if value.contains('\n') {
        return Err(invalid(field, "must be a single line"));
    }
    Ok(value.trim().to_string())
}

pub fn check_grace(secs: u32) -> Result<GracePeriod, ApiError> {
    GracePeriod::new(secs).map_err(|e| ApiError::from_rule(&e))
}

/// A manual status as validated from a request or socket message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ManualInput {
    pub status: Status,
    pub message: Option<String>,
    pub back_at: Option<UnixMillis>,
}

pub fn check_status(
    status: &str,
    message: Option<String>,
    back_at: Option<String>,
) -> Result<ManualInput, ApiError> {
    let status = Status::parse(status).ok_or_else(|| {
        ApiError::bad_request(
            "invalid_status",
            "`status` must be \"online\", \"busy\" or \"offline\"",
        )
    })?;
    let message = match message {
        Some(m) => {
            check_text("message", &m, MAX_MESSAGE_CHARS, true)?;
            let m = m.trim().to_string();
            (!m.is_empty()).then_some(m)
        }
        None => None,
    };
    let back_at = match back_at {
        Some(s) => Some(time::parse_rfc3339(&s).ok_or_else(|| {
            invalid(
                "back_at",
                "expected an RFC 3339 date-time such as 2026-11-25T14:30:00Z",
            )
        })?),
        None => None,
    };
    Ok(ManualInput {
        status,
        message,
        back_at,
    })
}

/// Validates an agent's group list: syntax, duplicates removed, count.
/// Whether the groups exist is checked against the site by the caller.
pub fn check_group_list(groups: Vec<String>) -> Result<Vec<String>, ApiError> {
    if groups.len() > MAX_GROUPS_PER_AGENT {
        return Err(invalid(
            "groups",
            format!("at most {MAX_GROUPS_PER_AGENT} groups"),
        ));
    }
    let mut out: Vec<String> = Vec::with_capacity(groups.len());
    for g in groups {
        if !crate::routes::is_entity_id(&g) {
            let shown: String = g.chars().take(60).collect();
            return Err(ApiError::bad_request(
                "unknown_group",
                format!("no group `{shown}` on this site"),
            ));
        }
        if !out.contains(&g) {
            out.push(g);
        }
    }
    out.sort();
    Ok(out)
}

/// A message from an agent's device over its socket.
#[derive(Debug, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum DeviceMessage {
    Status {
        status: String,
        #[serde(default)]
        message: Option<String>,
        #[serde(default)]
        back_at: Option<String>,
    },
    SignOut {},
    Heartbeat {},
    /// A reply in a conversation this agent serves (conversations API).
    Reply {
        conversation_id: String,
        client_id: String,
        text: String,
    },
}

// ---------------------------------------------------------------- responses

fn rfc(ms: Option<UnixMillis>) -> Option<String> {
    ms.map(time::to_rfc3339)
}

/// Status answer for visitors (GET /status, /live frames, agent `audience` frames).
#[derive(Debug, Serialize)]
pub struct StatusPayload<'a> {
    pub status: &'static str,
    pub reason: &'static str,
    pub message: Option<&'a str>,
    pub back_at: Option<String>,
    pub next_change: Option<String>,
    pub group: Option<&'a str>,
}

impl<'a> StatusPayload<'a> {
    pub fn new(group: Option<&'a str>, s: &'a AudienceStatus) -> Self {
        StatusPayload {
            status: s.status.as_str(),
            reason: s.reason.as_str(),
            message: s.message.as_deref(),
            back_at: rfc(s.back_at),
            next_change: rfc(s.next_change),
            group,
        }
    }

    pub fn to_json(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }
}

/// What must change for an audience status to be pushed again: everything
/// but `next_change`, which moves with every heartbeat and is only a hint.
pub fn status_key(s: &AudienceStatus) -> String {
    format!(
        "{}|{}|{}|{}",
        s.status.as_str(),
        s.reason.as_str(),
        s.back_at.map(|b| b.to_string()).unwrap_or_default(),
        s.message.as_deref().unwrap_or_default()
    )
}

/// An agent as shown to the owner and to the agent itself (never its token
/// hash; the token only once, when created or rotated).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct AgentView {
    pub id: String,
    pub name: String,
    pub groups: Vec<String>,
    /// Effective status: the manual one while a session is alive, else offline.
    pub status: &'static str,
    /// The status the agent chose.
    pub manual_status: &'static str,
    pub message: Option<String>,
    pub back_at: Option<String>,
    /// Live sessions (devices and HTTP sessions inside the grace period).
    pub sessions: usize,
    pub created_at: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub token: Option<String>,
}

impl AgentView {
    /// What must change for an agent's devices to be told again.
    pub fn sync_key(&self) -> String {
        format!(
            "{}|{}|{}|{}",
            self.status,
            self.manual_status,
            self.back_at.as_deref().unwrap_or_default(),
            self.message.as_deref().unwrap_or_default()
        )
    }
}

pub fn back_at_rfc(ms: Option<UnixMillis>) -> Option<String> {
    rfc(ms)
}

/// How often a device should send `ping`: a quarter of the grace period,
/// between 2 and 25 seconds.
pub fn ping_interval_secs(grace: GracePeriod) -> u32 {
    (grace.secs() / 4).clamp(2, 25)
}

#[cfg(test)]
mod tests {
    use super::*;
    use presenza_rules::Reason;

    #[test]
    fn content_types() {
        assert!(is_json_content_type(Some("application/json")));
        assert!(is_json_content_type(Some(
            "Application/JSON; charset=utf-8"
        )));
        assert!(!is_json_content_type(Some("text/plain")));
        assert!(!is_json_content_type(None));
    }

    #[test]
    fn bodies() {
        let b: AgentBody = parse_body(br#"{"name":"Giulia","groups":["sales"]}"#).unwrap();
        assert_eq!(b.groups, vec!["sales"]);
        assert_eq!(
            parse_body::<AgentBody>(b"").unwrap_err().code(),
            "invalid_json"
        );
        assert_eq!(parse_body::<AgentBody>(b"[1]").unwrap_err().status(), 400);
        assert_eq!(
            parse_body::<SettingsBody>(b"[]").unwrap_err().code(),
            "invalid_type"
        );
        assert_eq!(
            parse_body::<SettingsBody>(b"\"x\"").unwrap_err().code(),
            "invalid_type"
        );
        assert!(parse_object::<SettingsBody>(br#"{"widget":["Chat"]}"#, &["widget"]).is_err());
        assert!(
            parse_object::<SettingsBody>(br#"{"widget":{"title":"Chat"}}"#, &["widget"]).is_ok()
        );
        assert_eq!(
            parse_body::<AgentBody>(br#"{"name":"a","x":1}"#)
                .unwrap_err()
                .code(),
            "unknown_field"
        );
        assert_eq!(
            parse_body::<AgentBody>(br#"{"name":5}"#)
                .unwrap_err()
                .code(),
            "invalid_type"
        );
        let big = vec![b' '; MAX_BODY_BYTES + 1];
        assert_eq!(parse_body::<AgentBody>(&big).unwrap_err().status(), 413);
        let s: SettingsBody = parse_body(br#"{"widget":{"theme":"dark"}}"#).unwrap();
        assert!(s.grace_period_secs.is_none());
        assert!(parse_body::<SettingsBody>(br#"{"grace_period_secs":-1}"#).is_err());
        assert!(parse_body::<SettingsBody>(br#"{"grace_period_secs":1e99}"#).is_err());
    }

    #[test]
    fn device_messages() {
        let m: DeviceMessage =
            serde_json::from_str(r#"{"type":"status","status":"busy","message":"x"}"#).unwrap();
        assert!(matches!(m, DeviceMessage::Status { .. }));
        let m: DeviceMessage = serde_json::from_str(r#"{"type":"sign_out"}"#).unwrap();
        assert!(matches!(m, DeviceMessage::SignOut {}));
        assert!(serde_json::from_str::<DeviceMessage>(r#"{"type":"sign_out","x":1}"#).is_err());
        assert!(serde_json::from_str::<DeviceMessage>(r#"{"type":"nope"}"#).is_err());
        let m: DeviceMessage = serde_json::from_str(
            r#"{"type":"reply","conversation_id":"c_1","client_id":"a1","text":"hi"}"#,
        )
        .unwrap();
        assert!(matches!(m, DeviceMessage::Reply { .. }));
    }

    #[test]
    fn names_and_statuses() {
        assert_eq!(check_name("name", "  Giulia ").unwrap(), "Giulia");
        assert!(check_name("name", "").is_err());
        assert!(check_name("name", &"é".repeat(80)).is_ok());
        assert_eq!(
            check_name("name", &"é".repeat(81)).unwrap_err().code(),
            "field_too_long"
        );
        assert!(check_name("name", "a\u{0}b").is_err());
        let s = check_status("busy", Some("back in 10 minutes".into()), None).unwrap();
        assert_eq!(s.status, Status::Busy);
        assert_eq!(
            check_status("away", None, None).unwrap_err().code(),
            "invalid_status"
        );
        assert!(check_status("busy", Some("x".repeat(201)), None).is_err());
        assert_eq!(
            check_status("online", Some("  ".into()), None)
                .unwrap()
                .message,
            None
        );
        assert!(check_status("busy", None, Some("tomorrow".into())).is_err());
    }

    #[test]
    fn group_lists() {
        assert_eq!(
            check_group_list(vec!["b".into(), "a".into(), "b".into()]).unwrap(),
            vec!["a", "b"]
        );
        assert_eq!(
            check_group_list(vec!["A".into()]).unwrap_err().code(),
            "unknown_group"
        );
    }

    #[test]
    fn widget_patch() {
        let mut w = Widget::default();
        let patch: WidgetPatch = serde_json::from_str(
            r##"{"title":"Chat with us","accent_color":"#FF0000","position":"left","offset_x":0,"language":"it-IT","texts":{"online":"Siamo qui"},"theme":"dark"}"##,
        )
        .unwrap();
        w.apply(patch).unwrap();
        assert_eq!(w.accent_color, "#ff0000");
        assert_eq!(w.offset_x, 0);
        assert_eq!(w.offset_y, 20);
        assert_eq!(w.title.as_deref(), Some("Chat with us"));
        w.apply(serde_json::from_str(r#"{"title":null}"#).unwrap())
            .unwrap();
        assert_eq!(w.title, None);
        for bad in [
            r#"{"accent_color":"red"}"#,
            r#"{"position":"top"}"#,
            r#"{"offset_y":201}"#,
            r#"{"language":"english!"}"#,
            r#"{"theme":"pink"}"#,
            r#"{"texts":{"":"x"}}"#,
        ] {
            let patch: WidgetPatch = serde_json::from_str(bad).unwrap();
            assert!(Widget::default().apply(patch).is_err(), "{bad}");
        }
    }

    #[test]
    fn payloads() {
        let s = AudienceStatus {
            status: Status::Busy,
            reason: Reason::AllBusy,
            message: Some("back soon".into()),
            back_at: None,
            next_change: Some(0),
        };
        let json = StatusPayload::new(Some("sales"), &s).to_json();
        assert_eq!(
            json,
            r#"{"status":"busy","reason":"all_busy","message":"back soon","back_at":null,"next_change":"1970-01-01T00:00:00Z","group":"sales"}"#
        );
        let mut t = s.clone();
        t.next_change = Some(5000);
        assert_eq!(status_key(&s), status_key(&t));
        t.message = None;
        assert_ne!(status_key(&s), status_key(&t));
        assert_eq!(ping_interval_secs(GracePeriod::DEFAULT), 25);
        assert_eq!(ping_interval_secs(GracePeriod::new(10).unwrap()), 2);
        assert_eq!(ping_interval_secs(GracePeriod::new(40).unwrap()), 10);
    }
}
