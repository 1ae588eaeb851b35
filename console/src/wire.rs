//! JSON shapes of the `/v1` API and of the device WebSocket, as the edge
//! sends them. Decoding is lenient on purpose: a missing optional field or a
//! status the console does not know must never break the page, so every
//! field has a default and statuses/times go through tolerant parsers.

use std::collections::BTreeMap;

use presenza_rules::{MessageKind, Status};
use serde::{Deserialize, Deserializer};
use serde_json::Value;

use crate::store::inbox;

/// Milliseconds since the Unix epoch (UTC), as in `presenza_rules::time`.
pub type Millis = i64;

/// An agent as the edge describes it (`GET agents`, `agents/me`, the socket).
#[derive(Clone, Debug, Default, Deserialize, PartialEq)]
pub struct AgentInfo {
    #[serde(default)]
    pub id: String,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub groups: Vec<String>,
    /// The agent's own choice (online / busy / offline).
    #[serde(default, rename = "manual_status", deserialize_with = "status_opt")]
    pub manual: Option<Status>,
    /// What the agent counts as right now: the choice while one of its
    /// devices is alive, else offline.
    #[serde(default, rename = "status", deserialize_with = "status_opt")]
    pub effective: Option<Status>,
    #[serde(default)]
    pub message: Option<String>,
    #[serde(default, deserialize_with = "time_opt")]
    pub back_at: Option<Millis>,
    /// Live sessions (devices) of the agent.
    #[serde(default)]
    pub sessions: Option<u32>,
    /// Only in the answer that created the agent or rotated its token.
    #[serde(default)]
    pub token: Option<String>,
}

impl AgentInfo {
    /// The status the agent chose (what its menu shows).
    pub fn chosen(&self) -> Status {
        self.manual.or(self.effective).unwrap_or(Status::Offline)
    }

    pub fn display_name(&self) -> &str {
        if self.name.trim().is_empty() {
            &self.id
        } else {
            &self.name
        }
    }
}

/// What visitors of the site (or of one group) are told.
#[derive(Clone, Debug, Deserialize, PartialEq)]
pub struct Audience {
    #[serde(default = "offline", deserialize_with = "status_or_offline")]
    pub status: Status,
    #[serde(default)]
    pub reason: Option<String>,
    #[serde(default)]
    pub message: Option<String>,
    #[serde(default, deserialize_with = "time_opt")]
    pub back_at: Option<Millis>,
    #[serde(default, deserialize_with = "time_opt")]
    pub next_change: Option<Millis>,
}

/// A message from the edge on the device socket.
#[derive(Clone, Debug, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ServerMsg {
    Hello {
        agent: AgentInfo,
        #[serde(default)]
        grace_period_secs: Option<u32>,
        #[serde(default)]
        ping_interval_secs: Option<u32>,
        #[serde(default)]
        site: Option<Audience>,
        #[serde(default)]
        groups: BTreeMap<String, Audience>,
    },
    AgentStatus {
        agent: AgentInfo,
    },
    Audience {
        #[serde(default)]
        group: Option<String>,
        status: Audience,
    },
    /// The answer to something this device sent that the edge refused; a
    /// refused reply names its client id.
    Error {
        #[serde(default)]
        client_id: Option<String>,
        #[serde(default)]
        error: Option<ErrorWire>,
    },
    /// This device's session ended on its own request.
    SignedOut,
    /// A new message in a conversation this agent serves.
    Message {
        conversation: ConversationWire,
        message: MessageWire,
    },
    /// A reply this device sent is stored as `seq`.
    Ack {
        client_id: String,
        seq: u64,
    },
    /// A conversation was closed or reopened (by any agent who serves it).
    Conversation {
        conversation: ConversationWire,
    },
    /// This agent's read mark of a conversation moved (on any device).
    Read {
        conversation_id: String,
        seq: u64,
        #[serde(default)]
        unread: u32,
    },
    /// Anything newer than this console.
    #[serde(other)]
    Other,
}

/// `{"code", "message"}` of an error frame or answer.
#[derive(Clone, Debug, Default, Deserialize)]
pub struct ErrorWire {
    #[serde(default)]
    pub code: String,
    #[serde(default)]
    pub message: String,
}

/// A conversation summary (docs/conversations-api.md).
#[derive(Clone, Debug, Default, Deserialize)]
pub struct ConversationWire {
    #[serde(default)]
    pub id: String,
    #[serde(default)]
    pub group: Option<String>,
    #[serde(default)]
    pub visitor: VisitorWire,
    #[serde(default)]
    pub last_message: Option<MessageWire>,
    #[serde(default)]
    pub last_seq: u64,
    #[serde(default)]
    pub unread: u32,
    #[serde(default)]
    pub waiting: bool,
    #[serde(default, deserialize_with = "time_opt")]
    pub created_at: Option<Millis>,
    #[serde(default, deserialize_with = "time_opt")]
    pub updated_at: Option<Millis>,
    /// "open" or "closed"; absent (an older edge): open.
    #[serde(default, deserialize_with = "string_or_empty")]
    pub state: String,
    #[serde(default, deserialize_with = "time_opt")]
    pub closed_at: Option<Millis>,
    #[serde(default)]
    pub closed_by: Option<Group>,
}

#[derive(Clone, Debug, Default, Deserialize)]
pub struct VisitorWire {
    #[serde(default)]
    pub id: String,
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub email: Option<String>,
}

#[derive(Clone, Debug, Default, Deserialize)]
pub struct MessageWire {
    #[serde(default)]
    pub seq: u64,
    #[serde(default)]
    pub client_id: String,
    /// "visitor", "agent" or "system".
    #[serde(default)]
    pub from: String,
    #[serde(default)]
    pub agent: Option<Group>,
    #[serde(default)]
    pub text: String,
    #[serde(default, deserialize_with = "time_opt")]
    pub at: Option<Millis>,
    /// A system message's kind: "auto_reply", "closed" (null otherwise).
    #[serde(default)]
    pub kind: Option<String>,
}

impl ConversationWire {
    pub fn into_store(self) -> inbox::Conversation {
        let last_message = self.last_message.map(MessageWire::into_store);
        inbox::Conversation {
            id: self.id,
            group: self.group.filter(|g| !g.is_empty()),
            visitor: inbox::Visitor {
                id: self.visitor.id,
                name: self.visitor.name,
                email: self.visitor.email,
            },
            messages: Vec::new(),
            last_seq: self
                .last_seq
                .max(last_message.as_ref().map_or(0, |m| m.seq)),
            last_message,
            unread: self.unread,
            waiting: self.waiting,
            created_at: self.created_at.unwrap_or(0),
            updated_at: self.updated_at.unwrap_or(0),
            state: if self.state == "closed" {
                inbox::State::Closed
            } else {
                inbox::State::Open
            },
            closed_at: self.closed_at,
            closed_by: self.closed_by.map(|a| {
                if a.name.trim().is_empty() {
                    a.id
                } else {
                    a.name
                }
            }),
            read_sent: 0,
            loading: false,
            fresh: false,
        }
    }
}

impl MessageWire {
    pub fn into_store(self) -> inbox::Message {
        let author = match (self.from.as_str(), self.agent) {
            ("visitor", _) => inbox::Author::Visitor,
            ("agent", Some(a)) => inbox::Author::Agent {
                id: a.id,
                name: a.name,
            },
            ("agent", None) => inbox::Author::Agent {
                id: String::new(),
                name: "Agent".into(),
            },
            _ => inbox::Author::System(self.kind.as_deref().and_then(MessageKind::parse)),
        };
        inbox::Message {
            seq: self.seq,
            client_id: self.client_id,
            author,
            text: self.text,
            at: self.at.unwrap_or(0),
        }
    }
}

/// `{"id", "name"}` of an agent who wrote or closed something.
#[derive(Clone, Debug, Default, Deserialize, PartialEq)]
pub struct Group {
    #[serde(default)]
    pub id: String,
    #[serde(default)]
    pub name: String,
}

/// A list the edge may send bare (`[..]`) or wrapped (`{"agents": [..]}`).
pub fn list<T: for<'de> Deserialize<'de>>(value: Value, key: &str) -> Result<Vec<T>, String> {
    let items = match value {
        Value::Array(items) => items,
        Value::Object(mut map) => match map.remove(key) {
            Some(Value::Array(items)) => items,
            _ => return Err(format!("the answer has no \"{key}\" list")),
        },
        _ => return Err(format!("the answer has no \"{key}\" list")),
    };
    Ok(items
        .into_iter()
        .filter_map(|item| serde_json::from_value(item).ok())
        .collect())
}

/// A list the edge pages (`{"conversations": [..], "has_more": bool}`).
pub fn page<T: for<'de> Deserialize<'de>>(
    value: Value,
    key: &str,
) -> Result<(Vec<T>, bool), String> {
    let more = value
        .get("has_more")
        .and_then(Value::as_bool)
        .unwrap_or(false);
    Ok((list(value, key)?, more))
}

/// A list the edge pages with a cursor (`{"conversations": [..],
/// "next_cursor": "…"|null}`); no `next_cursor` (an older edge): no more.
pub fn cursor_page<T: for<'de> Deserialize<'de>>(
    value: Value,
    key: &str,
) -> Result<(Vec<T>, Option<String>), String> {
    let next = value
        .get("next_cursor")
        .and_then(Value::as_str)
        .filter(|c| !c.is_empty())
        .map(str::to_owned);
    Ok((list(value, key)?, next))
}

/// An object the edge may send bare or wrapped (`{"agent": {..}}`).
pub fn object<T: for<'de> Deserialize<'de>>(value: Value, key: &str) -> Result<T, String> {
    let inner = match value {
        Value::Object(mut map) if map.get(key).is_some_and(Value::is_object) => {
            map.remove(key).unwrap_or_default()
        }
        other => other,
    };
    serde_json::from_value(inner).map_err(|e| format!("unexpected answer from the server: {e}"))
}

fn status_opt<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Status>, D::Error> {
    let value = Value::deserialize(d)?;
    Ok(match &value {
        Value::String(s) => Status::parse(s),
        // Tolerate `{"status": {"status": "busy", ..}}`.
        Value::Object(map) => map
            .get("status")
            .and_then(Value::as_str)
            .and_then(Status::parse),
        _ => None,
    })
}

fn offline() -> Status {
    Status::Offline
}

fn status_or_offline<'de, D: Deserializer<'de>>(d: D) -> Result<Status, D::Error> {
    Ok(status_opt(d)?.unwrap_or(Status::Offline))
}

fn string_or_empty<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    Ok(Option::<String>::deserialize(d)?.unwrap_or_default())
}

/// RFC 3339 text or Unix milliseconds.
fn time_opt<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Millis>, D::Error> {
    let value = Value::deserialize(d)?;
    Ok(match value {
        Value::String(s) => presenza_rules::time::parse_rfc3339(&s),
        Value::Number(n) => n.as_i64(),
        _ => None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use presenza_protocol::view::GroupView;
    use serde_json::json;

    #[test]
    fn system_messages_by_kind() {
        let author = |kind: Value| {
            let m: MessageWire = serde_json::from_value(json!({
                "seq": 2, "client_id": "s", "from": "system", "agent": null,
                "text": "Conversation closed by Ann.", "kind": kind
            }))
            .unwrap();
            m.into_store().author
        };
        assert_eq!(
            author(json!("closed")),
            inbox::Author::System(Some(MessageKind::Closed))
        );
        assert_eq!(
            author(json!("auto_reply")),
            inbox::Author::System(Some(MessageKind::AutoReply))
        );
        assert_eq!(author(json!(null)), inbox::Author::System(None));
        assert_eq!(author(json!("later")), inbox::Author::System(None));
    }

    #[test]
    fn hello_decodes_and_tolerates_extras() {
        let msg: ServerMsg = serde_json::from_value(json!({
            "type": "hello",
            "agent": {"id": "ann", "name": "Ann", "groups": ["sales"], "status": "busy",
                      "manual_status": "busy", "message": "Lunch",
                      "back_at": "2026-11-25T13:00:00Z", "extra": 1},
            "grace_period_secs": 120, "ping_interval_secs": 30,
            "site": {"status": "offline", "reason": "no_agents"},
            "groups": {"sales": {"status": "busy", "reason": "all_busy", "message": "Lunch"}}
        }))
        .expect("hello");
        let ServerMsg::Hello {
            agent,
            groups,
            ping_interval_secs,
            ..
        } = msg
        else {
            panic!("not hello");
        };
        assert_eq!(agent.chosen(), Status::Busy);
        assert!(agent.back_at.is_some());
        assert_eq!(ping_interval_secs, Some(30));
        assert_eq!(groups["sales"].status, Status::Busy);
    }

    #[test]
    fn unknown_messages_are_other() {
        let msg: ServerMsg =
            serde_json::from_value(json!({"type": "typing", "x": 1})).expect("other");
        assert!(matches!(msg, ServerMsg::Other));
    }

    #[test]
    fn conversation_messages_decode() {
        let msg: ServerMsg = serde_json::from_value(json!({
            "type": "message",
            "conversation": {"id": "c1", "group": null, "visitor": {"id": "v123", "name": "Eva", "email": null},
                             "last_seq": 3, "unread": 2, "waiting": true, "updated_at": "2026-11-25T12:00:00Z"},
            "message": {"seq": 3, "client_id": "c_x", "from": "visitor", "agent": null, "text": "Hello?",
                        "at": "2026-11-25T12:00:00Z"}
        }))
        .expect("message");
        let ServerMsg::Message {
            conversation,
            message,
        } = msg
        else {
            panic!("not a message");
        };
        let c = conversation.into_store();
        let m = message.into_store();
        assert_eq!(
            (c.title(), c.unread, c.waiting),
            ("Eva".to_string(), 2, true)
        );
        assert_eq!(
            (m.seq, m.author, m.text.as_str()),
            (3, inbox::Author::Visitor, "Hello?")
        );
    }

    #[test]
    fn acks_errors_and_read_marks_decode() {
        let ack: ServerMsg = serde_json::from_value(json!({
            "type": "ack", "client_id": "r_1", "seq": 4, "conversation_id": "c1"
        }))
        .expect("ack");
        assert!(matches!(ack, ServerMsg::Ack { seq: 4, .. }));
        let err: ServerMsg = serde_json::from_value(json!({
            "type": "error", "client_id": "r_2", "conversation_id": "c1",
            "error": {"code": "rate_limited", "message": "slow down", "retry_after_secs": 3}
        }))
        .expect("error");
        let ServerMsg::Error {
            client_id, error, ..
        } = err
        else {
            panic!("not an error");
        };
        assert_eq!(client_id.as_deref(), Some("r_2"));
        assert_eq!(error.map(|e| e.code).as_deref(), Some("rate_limited"));
        let bare: ServerMsg =
            serde_json::from_value(json!({"type": "error", "error": {"code": "x"}})).expect("bare");
        assert!(matches!(
            bare,
            ServerMsg::Error {
                client_id: None,
                ..
            }
        ));
        let read: ServerMsg = serde_json::from_value(json!({
            "type": "read", "conversation_id": "c1", "seq": 9, "unread": 0
        }))
        .expect("read");
        assert!(matches!(
            read,
            ServerMsg::Read {
                seq: 9,
                unread: 0,
                ..
            }
        ));
    }

    #[test]
    fn conversation_lists_page() {
        let (list, more): (Vec<ConversationWire>, bool) = page(
            json!({"conversations": [{
                "id": "c1", "group": "sales", "visitor": {"id": "v1", "name": null, "email": "a@b.co"},
                "last_message": {"seq": 2, "client_id": "k", "from": "agent", "agent": {"id": "ann", "name": "Ann"},
                                 "text": "Hi", "at": "2026-11-25T12:00:00Z"},
                "last_seq": 2, "unread": 0, "waiting": false,
                "created_at": "2026-11-25T11:00:00Z", "updated_at": "2026-11-25T12:00:00Z"
            }], "has_more": true}),
            "conversations",
        )
        .expect("page");
        assert!(more);
        let c = list[0].clone().into_store();
        assert_eq!(c.title(), "a@b.co");
        assert_eq!(c.group.as_deref(), Some("sales"));
        assert_eq!(c.latest().map(|m| m.text.as_str()), Some("Hi"));
        assert!(c.created_at > 0 && c.updated_at > c.created_at);
    }

    #[test]
    fn lists_bare_or_wrapped() {
        let bare: Vec<GroupView> = list(
            json!([{"id": "a", "name": "A", "has_working_hours": false}]),
            "groups",
        )
        .expect("bare");
        let wrapped: Vec<GroupView> = list(
            json!({"groups": [{"id": "a", "name": "A", "has_working_hours": false}]}),
            "groups",
        )
        .expect("wrapped");
        assert_eq!(bare, wrapped);
        let agent: AgentInfo =
            object(json!({"agent": {"id": "x"}, "token": "t"}), "agent").expect("agent");
        assert_eq!(agent.id, "x");
    }

    #[test]
    fn closed_conversations_and_cursors_decode() {
        let msg: ServerMsg = serde_json::from_value(json!({
            "type": "conversation",
            "conversation": {"id": "c1", "visitor": {"id": "v1"}, "last_seq": 4, "state": "closed",
                             "closed_at": "2026-11-25T12:00:00Z", "closed_by": {"id": "ann", "name": "Ann"}}
        }))
        .expect("conversation");
        let ServerMsg::Conversation { conversation } = msg else {
            panic!("not a conversation frame");
        };
        let c = conversation.into_store();
        assert!(c.is_closed());
        assert_eq!(c.closed_by.as_deref(), Some("Ann"));
        assert!(c.closed_at.is_some());
        // An older edge: no state (open), no cursor (no more pages).
        let (list, next): (Vec<ConversationWire>, _) =
            cursor_page(json!({"conversations": [{"id": "c2"}]}), "conversations").expect("page");
        assert!(!list[0].clone().into_store().is_closed());
        assert_eq!(next, None);
        let (_, next): (Vec<ConversationWire>, _) = cursor_page(
            json!({"conversations": [], "next_cursor": "abc"}),
            "conversations",
        )
        .expect("page");
        assert_eq!(next.as_deref(), Some("abc"));
    }
}
