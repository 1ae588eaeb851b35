//! What the API answers: one type per JSON shape, serialized by the edge and
//! decoded by the console (and the tests). Field order is the wire order.
//!
//! One file per part of the API; every type is re-exported here.

use alloc::collections::BTreeMap;
use alloc::string::String;
use alloc::vec::Vec;

use presenza_rules::{
    AudienceStatus, ChosenBy, ConversationState, ConversationSummary, ExceptionSpec, HoursMode,
    MessageKind, Reason, ScheduleSpec, Sender, Status, Switch, UnixMillis,
};
use serde::{Deserialize, Deserializer, Serialize};

use crate::id::{AgentId, ConversationId, DeviceId, GroupId, SessionId, SiteId, VisitorId};
use crate::time::{self, Timestamp};
use crate::widget::ALL_LANGUAGES;

mod conversations;
mod history;
mod onboarding;
mod owner;
mod presence;
mod webhooks;

pub use conversations::*;
pub use history::*;
pub use onboarding::*;
pub use owner::*;
pub use presence::*;
pub use webhooks::*;

fn open() -> ConversationState {
    ConversationState::Open
}

fn gate() -> HoursMode {
    HoursMode::Gate
}

fn by_hand() -> ChosenBy {
    ChosenBy::Manual
}

/// Who chose a status; anything this client does not know reads as manual.
fn chosen_by_or_manual<'de, D: Deserializer<'de>>(d: D) -> Result<ChosenBy, D::Error> {
    let name = Option::<String>::deserialize(d)?;
    Ok(match name.as_deref() {
        Some("working_hours") => ChosenBy::WorkingHours,
        _ => ChosenBy::Manual,
    })
}

/// A status name; anything this client does not know reads as offline.
fn status_or_offline<'de, D: Deserializer<'de>>(d: D) -> Result<Status, D::Error> {
    let name = Option::<String>::deserialize(d)?;
    Ok(name
        .as_deref()
        .and_then(Status::parse)
        .unwrap_or(Status::Offline))
}

/// A message kind; one this client does not know yet reads as none.
fn known_kind<'de, D: Deserializer<'de>>(d: D) -> Result<Option<MessageKind>, D::Error> {
    let name = Option::<String>::deserialize(d)?;
    Ok(name.as_deref().and_then(MessageKind::parse))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn giulia() -> AgentRef {
        AgentRef {
            id: AgentId::parse("giulia").unwrap(),
            name: "Giulia".into(),
            picture: None,
        }
    }

    #[test]
    fn audience_views() {
        let s = AudienceStatus {
            status: Status::Busy,
            reason: Reason::AllBusy,
            message: Some("back soon".into()),
            back_at: None,
            next_change: Some(0),
        };
        let sales = GroupId::parse("sales").unwrap();
        assert_eq!(
            serde_json::to_string(&AudienceView::new(Some(&sales), &s)).unwrap(),
            r#"{"status":"busy","reason":"all_busy","message":"back soon","back_at":null,"next_change":"1970-01-01T00:00:00Z","group":"sales"}"#
        );
        // A status from a newer edge reads as offline, as an agent's does.
        let later: AudienceView =
            serde_json::from_value(json!({"status": "away", "reason": "no_agents"})).unwrap();
        assert_eq!((later.status, later.group), (Status::Offline, None));
        let back: AudienceView = serde_json::from_str(
            &serde_json::to_string(&AudienceView::new(Some(&sales), &s)).unwrap(),
        )
        .unwrap();
        assert_eq!(back.status, Status::Busy);
    }

    #[test]
    fn messages() {
        let m = MessageView::new(
            7,
            "c_1".into(),
            Sender::Agent,
            Some(giulia()),
            "<b>hi</b>".into(),
            0,
            // Only system messages have a kind.
            Some(MessageKind::Closed),
        );
        assert_eq!(
            serde_json::to_value(&m).unwrap(),
            json!({"seq":7,"client_id":"c_1","from":"agent",
                "agent":{"id":"giulia","name":"Giulia"},"text":"<b>hi</b>","at":"1970-01-01T00:00:00Z",
                "kind":null})
        );
        let m = MessageView::new(
            1,
            "c_1".into(),
            Sender::Visitor,
            Some(giulia()),
            "x".into(),
            0,
            None,
        );
        assert_eq!(serde_json::to_value(&m).unwrap()["agent"], json!(null));
        for kind in [MessageKind::AutoReply, MessageKind::Closed] {
            let m = MessageView::new(
                2,
                "s".into(),
                Sender::System,
                None,
                "x".into(),
                0,
                Some(kind),
            );
            assert_eq!(serde_json::to_value(&m).unwrap()["kind"], kind.as_str());
        }
        // A kind from a newer edge reads as none.
        let later: MessageView = serde_json::from_value(json!({"seq":1,"client_id":"s",
            "from":"system","agent":null,"text":"x","at":"1970-01-01T00:00:00Z","kind":"later"}))
        .unwrap();
        assert_eq!(later.kind, None);
    }

    #[test]
    fn conversations() {
        let counters = ConversationSummary {
            id: "c_1".into(),
            created_at: 0,
            updated_at: 1000,
            last_visitor_seq: 3,
            last_agent_seq: 2,
            read_seq: 1,
            visitor_messages_after_read: 2,
        };
        let visitor = VisitorView {
            id: VisitorId::parse("AAAAAAAAAAAAAAAAAAAAAA").unwrap(),
            name: None,
            email: None,
        };
        let id = ConversationId::parse("c_1").unwrap();
        let open = ConversationView::new(
            id.clone(),
            &counters,
            GroupId::parse("sales"),
            visitor.clone(),
            None,
            3,
            &Closing::OPEN,
        );
        assert!(open.waiting);
        assert_eq!(open.unread, 2);
        let v = serde_json::to_value(&open).unwrap();
        assert_eq!(v["state"], "open");
        assert_eq!(v["updated_at"], "1970-01-01T00:00:01Z");
        assert_eq!(v["closed_by"], json!(null));
        let closed = ConversationView::new(
            id,
            &counters,
            None,
            visitor,
            None,
            3,
            &Closing {
                state: ConversationState::Closed,
                closed_at: Some(2000),
                closed_by: Some(giulia()),
            },
        );
        let v = serde_json::to_value(&closed).unwrap();
        assert_eq!(v["state"], "closed");
        assert_eq!(v["waiting"], false);
        assert_eq!(v["closed_at"], "1970-01-01T00:00:02Z");
        assert_eq!(v["closed_by"], json!({"id": "giulia", "name": "Giulia"}));
        // Decoded back, it is the same value; without a state (an older
        // edge) it is open.
        let mut back: ConversationView = serde_json::from_value(v.clone()).unwrap();
        assert_eq!(back, closed);
        let mut old = v;
        old.as_object_mut().unwrap().remove("state");
        back = serde_json::from_value(old).unwrap();
        assert_eq!(back.state, ConversationState::Open);
    }

    #[test]
    fn agents() {
        let a = AgentView {
            id: AgentId::parse("giulia").unwrap(),
            name: " ".into(),
            groups: vec![GroupId::parse("sales").unwrap()],
            status: Status::Offline,
            manual_status: Status::Busy,
            message: None,
            back_at: None,
            email: None,
            set_by: ChosenBy::Manual,
            set_at: None,
            next_switch: None,
            sessions: 0,
            devices: 0,
            since: None,
            created_at: Timestamp(0),
            picture: None,
            token: None,
        };
        let v = serde_json::to_value(&a).unwrap();
        assert!(
            v.get("token").is_none(),
            "no token unless created or rotated"
        );
        assert_eq!(a.display_name(), "giulia");
        let mut odd = v;
        odd["status"] = json!("away");
        let back: AgentView = serde_json::from_value(odd).unwrap();
        assert_eq!(
            back.status,
            Status::Offline,
            "an unknown status reads as offline"
        );
    }

    #[test]
    fn agents_chosen_by_working_hours() {
        let a = AgentView {
            id: AgentId::parse("giulia").unwrap(),
            name: "Giulia".into(),
            groups: vec![],
            status: Status::Offline,
            manual_status: Status::Offline,
            message: None,
            back_at: None,
            email: None,
            set_by: ChosenBy::WorkingHours,
            set_at: Some(Timestamp(1_000)),
            next_switch: Some(SwitchView::from(Switch {
                at: 2_000,
                status: Status::Online,
            })),
            sessions: 1,
            devices: 1,
            since: None,
            created_at: Timestamp(0),
            picture: None,
            token: None,
        };
        let v = serde_json::to_value(&a).unwrap();
        assert_eq!(v["set_by"], "working_hours");
        assert_eq!(v["set_at"], "1970-01-01T00:00:01Z");
        assert_eq!(
            v["next_switch"],
            json!({"at": "1970-01-01T00:00:02Z", "status": "online"})
        );
        assert_eq!(serde_json::from_value::<AgentView>(v.clone()).unwrap(), a);
        // From an edge older than working hours' switch mode, or newer.
        let mut older = v.clone();
        for key in ["set_by", "set_at", "next_switch"] {
            older.as_object_mut().unwrap().remove(key);
        }
        let back: AgentView = serde_json::from_value(older).unwrap();
        assert_eq!((back.set_by, back.next_switch), (ChosenBy::Manual, None));
        let mut newer = v;
        newer["set_by"] = json!("schedule_v2");
        let back: AgentView = serde_json::from_value(newer).unwrap();
        assert_eq!(back.set_by, ChosenBy::Manual);
    }

    #[test]
    fn working_hours_views() {
        let spec = ScheduleSpec {
            timezone: "UTC".into(),
            ..ScheduleSpec::default()
        };
        let v = WorkingHoursView::new(&spec, HoursMode::Gate);
        assert_eq!(
            serde_json::to_string(&v).unwrap(),
            r#"{"mode":"gate","timezone":"UTC","weekly":{},"exceptions":[]}"#
        );
        assert_eq!(v.spec(), spec);
    }

    #[test]
    fn widget_defaults() {
        let w: Widget = serde_json::from_str("{}").unwrap();
        assert_eq!(w, Widget::default());
        assert_eq!(w.accent_color, "#2563eb");
    }

    #[test]
    fn widget_texts_by_language_and_the_flat_shape_of_earlier_settings() {
        let w: Widget = serde_json::from_value(json!({"texts": {
            "*": {"online": "Hi"}, "it": {"online": "Ciao", "busy": "Un attimo"}}}))
        .unwrap();
        assert_eq!(w.texts.get("it", "online"), Some("Ciao"));
        assert_eq!(w.texts.get("de", "online"), Some("Hi"));
        assert_eq!(w.texts.get("de", "busy"), None);
        assert_eq!(w.texts.len(), 3);
        // Stored before languages: every language, as it applied then.
        let old: Widget =
            serde_json::from_value(json!({"texts": {"offline": "Napište nám", "online": "Ahoj"}}))
                .unwrap();
        assert_eq!(
            serde_json::to_value(&old.texts).unwrap(),
            json!({"*": {"offline": "Napište nám", "online": "Ahoj"}})
        );
        assert_eq!(old.texts.get("cs", "offline"), Some("Napište nám"));
        // Written back in the new shape, it reads the same.
        let again: Widget = serde_json::from_value(serde_json::to_value(&old).unwrap()).unwrap();
        assert_eq!(again, old);
        assert!(serde_json::from_value::<Widget>(json!({"texts": {"it": 3}})).is_err());
    }

    #[test]
    fn widget_config_carries_the_status() {
        let config = WidgetConfigView {
            widget: Widget::default(),
            status: Some(AudienceView::new(
                None,
                &AudienceStatus {
                    status: Status::Online,
                    reason: Reason::AgentsOnline,
                    message: None,
                    back_at: None,
                    next_change: None,
                },
            )),
        };
        let v = serde_json::to_value(&config).unwrap();
        assert_eq!(v["status"]["status"], "online");
        assert_eq!(v["widget"]["texts"], json!({}));
        // An older edge's answer has no status.
        let old: WidgetConfigView = serde_json::from_value(json!({"widget": {}})).unwrap();
        assert_eq!(old.status, None);
    }
}
