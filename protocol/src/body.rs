//! Request bodies, as clients send them. Every body is a JSON object;
//! unknown fields are refused. Fields whose bad values the edge answers with
//! an error code of its own (`invalid_status`, `unknown_group`,
//! `invalid_field`...) stay raw strings here and are parsed by the edge into
//! its domain types; so a body decodes whenever its JSON is well formed.

use alloc::collections::BTreeMap;
use alloc::string::String;
use alloc::vec::Vec;

use presenza_rules::{HoursMode, Status};
use serde::{Deserialize, Deserializer, Serialize};

use crate::time::Timestamp;
use crate::view::WidgetTexts;

/// `POST /v1/sites` (platform admin).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CreateSiteBody {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// `switch` (what a new site gets when absent) or `gate`: how the
    /// site's working hours act (see `WorkingHoursBody::mode`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub working_hours_mode: Option<String>,
}

/// `PUT groups/{id}`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GroupBody {
    pub name: String,
}

/// `PUT agents/{id}`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AgentBody {
    pub name: String,
    /// Group ids; an agent in no group serves every group.
    #[serde(default)]
    pub groups: Vec<String>,
    /// Where messages left while nobody was online reach the agent (absent
    /// or `null`: none).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
}

/// `PUT agents/me/status`, and the device frame `status` (with `type`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StatusBody {
    /// `online`, `busy` or `offline`.
    pub status: String,
    /// Shown to visitors while busy.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    /// When the agent expects to be back (RFC 3339), shown while busy.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub back_at: Option<String>,
}

impl StatusBody {
    pub fn new(status: Status, message: Option<String>, back_at: Option<Timestamp>) -> Self {
        StatusBody {
            status: status.as_str().into(),
            message,
            back_at: back_at.map(|t| t.to_string()),
        }
    }
}

/// `POST agents/me/devices`: signs this device in (with the agent token);
/// the answer carries the device's own credential, shown once.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DeviceBody {
    /// How the agent recognises the device in its list ("Firefox on
    /// Android"): a display name (1 to `MAX_DISPLAY_NAME_CHARS`, one line).
    pub name: String,
}

/// `PUT settings`: a partial update; absent fields stay unchanged.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SettingsBody {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub grace_period_secs: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub allowed_origins: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub widget: Option<WidgetPatch>,
    /// `switch` or `gate`: the mode of the site's working hours, and of a
    /// group's own hours saved without a mode.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub working_hours_mode: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limits: Option<LimitsPatch>,
    /// Days a closed conversation is kept, 1 to 3,650.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retention_days: Option<u32>,
    /// Days the status history is kept, 1 to 365.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub history_days: Option<u32>,
    /// E-mail: absent fields stay unchanged.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<EmailPatch>,
    /// Alerts: absent fields stay unchanged.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub alerts: Option<AlertsPatch>,
}

/// The alerts part of `PUT settings` (`AlertSettings`): each threshold in
/// whole minutes (`ALERT_MINUTES`) or `null` (off); `address` `null` sends
/// alerts to the e-mail settings' `notify_address`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AlertsPatch {
    #[serde(
        default,
        deserialize_with = "nullable",
        skip_serializing_if = "Option::is_none"
    )]
    pub offline_minutes: Option<Option<u32>>,
    #[serde(
        default,
        deserialize_with = "nullable",
        skip_serializing_if = "Option::is_none"
    )]
    pub wait_minutes: Option<Option<u32>>,
    #[serde(
        default,
        deserialize_with = "nullable",
        skip_serializing_if = "Option::is_none"
    )]
    pub address: Option<Option<String>>,
}

/// The e-mail part of `PUT settings` (`EmailSettings`).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EmailPatch {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub enabled: Option<bool>,
    /// `null` clears it.
    #[serde(
        default,
        deserialize_with = "nullable",
        skip_serializing_if = "Option::is_none"
    )]
    pub notify_address: Option<Option<String>>,
}

/// `PUT saved-replies`: the whole list.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SavedRepliesBody {
    pub replies: Vec<SavedReplyBody>,
}

/// One saved reply as the owner sends it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SavedReplyBody {
    pub shortcut: String,
    pub text: String,
}

/// `POST visitor/transcript`: the visitor's latest conversation by e-mail,
/// to the address given (kept as theirs) or the one they gave before.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TranscriptBody {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
}

/// The limits part of `PUT settings` (`VisitorLimits`): absent fields stay
/// unchanged; each 1 to `MAX_VISITOR_LIMIT`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LimitsPatch {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sockets_per_address: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub conversations_per_address: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub conversations_per_minute: Option<u32>,
}

/// `PUT working-hours` and `PUT groups/{id}/working-hours`: a schedule
/// (the fields of [`ScheduleSpec`]) and how it acts.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WorkingHoursBody {
    /// `switch`: each opening and closing changes the status of the agents
    /// the schedule covers, and a manual change after one wins until the
    /// next; `gate`: outside hours the audience is offline whatever the
    /// agents do. Absent: the schedule keeps its mode (a new one takes the
    /// site's `working_hours_mode`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mode: Option<String>,
    pub timezone: String,
    #[serde(default)]
    pub weekly: BTreeMap<String, Vec<[String; 2]>>,
    #[serde(default)]
    pub exceptions: Vec<ExceptionSpec>,
}

impl WorkingHoursBody {
    /// A schedule and, optionally, its mode.
    pub fn new(spec: ScheduleSpec, mode: Option<HoursMode>) -> Self {
        WorkingHoursBody {
            mode: mode.map(|m| m.as_str().into()),
            timezone: spec.timezone,
            weekly: spec.weekly,
            exceptions: spec.exceptions,
        }
    }

    /// The schedule, without its mode.
    pub fn spec(&self) -> ScheduleSpec {
        ScheduleSpec {
            timezone: self.timezone.clone(),
            weekly: self.weekly.clone(),
            exceptions: self.exceptions.clone(),
        }
    }
}

/// The widget part of `PUT settings`: absent fields stay unchanged.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WidgetPatch {
    /// `null` clears it.
    #[serde(
        default,
        deserialize_with = "nullable",
        skip_serializing_if = "Option::is_none"
    )]
    pub title: Option<Option<String>>,
    /// `#rrggbb`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub accent_color: Option<String>,
    /// `left` or `right`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub position: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub offset_x: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub offset_y: Option<u32>,
    /// A language tag; `null` or `"auto"`: the visitor's browser decides.
    #[serde(
        default,
        deserialize_with = "nullable",
        skip_serializing_if = "Option::is_none"
    )]
    pub language: Option<Option<String>>,
    /// Replaces every text override: `{lang: {key: text}}` (`"*"`: every
    /// language); the flat `{key: text}` of earlier clients means every
    /// language.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub texts: Option<WidgetTexts>,
    /// `auto`, `light` or `dark`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub theme: Option<String>,
}

/// Distinguishes an absent field (`None`) from an explicit `null`
/// (`Some(None)`).
fn nullable<'de, D, T>(deserializer: D) -> Result<Option<Option<T>>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    Option::<T>::deserialize(deserializer).map(Some)
}

/// `POST visitor/messages`, and the visitor frame `send` (with `type`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VisitorMessageBody {
    pub client_id: String,
    pub text: String,
    /// The group the first message of a conversation is for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub group: Option<String>,
    /// Contact details (required while the audience is offline).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// Where the widget is (the page the message is written from), as the
    /// socket's `send` says it.
    #[serde(
        default,
        deserialize_with = "crate::frame::page_context",
        skip_serializing_if = "Option::is_none"
    )]
    pub context: Option<crate::frame::PageContext>,
}

/// `POST conversations/{id}/messages`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReplyBody {
    pub client_id: String,
    pub text: String,
}

/// `POST conversations/{id}/assign`: `{"agent": id}` assigns an agent
/// who serves the conversation, `{"agent": null}` unassigns it,
/// `{"group": id}` transfers it to a group (unassigned there), both
/// transfer it and assign an agent of that group.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AssignBody {
    /// Absent: the assignee is left as it is (but a transfer clears it);
    /// `null`: unassign.
    #[serde(
        default,
        deserialize_with = "nullable",
        skip_serializing_if = "Option::is_none"
    )]
    pub agent: Option<Option<String>>,
    /// Absent or `null`: the conversation stays in its group.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub group: Option<String>,
}

/// `POST conversations/{id}/read`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReadBody {
    pub seq: u64,
}

pub use presenza_rules::{ExceptionSpec, ScheduleSpec};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_visitor_message_names_its_page_as_an_object_or_not_at_all() {
        let parse = |s: &str| serde_json::from_str::<VisitorMessageBody>(s);
        let body = parse(
            r#"{"client_id":"c","text":"t","context":{"page":"https://a.example/","tz":null}}"#,
        )
        .unwrap();
        let context = body.context.unwrap();
        assert_eq!(context.page.as_deref(), Some("https://a.example/"));
        assert_eq!(context.tz, None);
        assert_eq!(
            parse(r#"{"client_id":"c","text":"t","context":null}"#)
                .unwrap()
                .context,
            None
        );
        assert_eq!(
            parse(r#"{"client_id":"c","text":"t"}"#).unwrap().context,
            None
        );
        for bad in [
            r#"[null,null]"#,
            r#""x""#,
            "5",
            r#"{"page":"p","cookie":1}"#,
        ] {
            let text = format!(r#"{{"client_id":"c","text":"t","context":{bad}}}"#);
            assert!(parse(&text).is_err(), "{bad}");
        }
    }

    #[test]
    fn partial_updates_send_only_what_is_set() {
        let body = SettingsBody {
            widget: Some(WidgetPatch {
                title: Some(None),
                language: Some(Some("auto".into())),
                ..WidgetPatch::default()
            }),
            ..SettingsBody::default()
        };
        assert_eq!(
            serde_json::to_string(&body).unwrap(),
            r#"{"widget":{"title":null,"language":"auto"}}"#
        );
        let back: SettingsBody = serde_json::from_str(r#"{"widget":{"title":null}}"#).unwrap();
        assert_eq!(back.widget.unwrap().title, Some(None));
        assert!(serde_json::from_str::<SettingsBody>(r#"{"nope":1}"#).is_err());
    }

    #[test]
    fn working_hours_bodies() {
        let spec = ScheduleSpec {
            timezone: "Europe/Rome".into(),
            ..ScheduleSpec::default()
        };
        let body = WorkingHoursBody::new(spec.clone(), Some(HoursMode::Switch));
        assert_eq!(
            serde_json::to_string(&body).unwrap(),
            r#"{"mode":"switch","timezone":"Europe/Rome","weekly":{},"exceptions":[]}"#
        );
        assert_eq!(body.spec(), spec);
        let back: WorkingHoursBody = serde_json::from_str(r#"{"timezone":"UTC"}"#).unwrap();
        assert_eq!(back.mode, None);
        assert!(
            serde_json::from_str::<WorkingHoursBody>(r#"{"timezone":"UTC","nope":1}"#).is_err()
        );
    }

    #[test]
    fn status_bodies() {
        let b = StatusBody::new(Status::Busy, Some("Lunch".into()), Some(Timestamp(0)));
        assert_eq!(
            serde_json::to_string(&b).unwrap(),
            r#"{"status":"busy","message":"Lunch","back_at":"1970-01-01T00:00:00Z"}"#
        );
        let b = StatusBody::new(Status::Online, None, None);
        assert_eq!(serde_json::to_string(&b).unwrap(), r#"{"status":"online"}"#);
    }
}

/// `PUT onboarding`: the owner's answers to the checklist.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OnboardingBody {
    /// The site does without working hours (its checklist step is done).
    pub working_hours_declined: bool,
}

/// `PUT /v1/sites/{site}` (platform admin): the site's name, as its owner
/// sees it.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RenameSiteBody {
    pub name: String,
}

/// `PUT webhooks`: the whole list of endpoints.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WebhooksBody {
    pub endpoints: Vec<WebhookBody>,
}

/// One endpoint as the owner sends it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WebhookBody {
    /// An `https://` (or `http://`) URL.
    pub url: String,
    /// What it receives; at least one.
    pub events: Vec<crate::view::WebhookEvent>,
    /// `json` (the default) or `slack` (`{"text": ...}`).
    #[serde(default)]
    pub format: crate::view::WebhookFormat,
}
