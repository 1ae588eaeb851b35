//! Every socket frame, both ways, on both sockets, and the close codes.
//!
//! Two sockets:
//! - the **device socket** (`GET agents/me/session`), one per signed-in
//!   agent device: [`DeviceCommand`] in, [`DeviceEvent`] out;
//! - the **visitor socket** (`GET live`), one per widget:
//!   [`VisitorCommand`] in, [`VisitorEvent`] out. A visitor status frame is
//!   the bare [`AudienceView`](crate::view::AudienceView) (no `type`), as
//!   `GET status` answers it; every other frame has a `type`.
//!
//! Typing indicators go both ways and are never stored: a widget's
//! `typing` reaches the devices of the agents serving its visitor's open
//! conversation ([`DeviceEvent::Typing`]); a device's `typing` reaches that
//! conversation's visitor's widgets ([`VisitorFrame::Typing`], with the
//! agent's name). Senders throttle them and receivers expire them
//! (`limits::TYPING_EVERY_MS`, `limits::TYPING_EXPIRES_MS`).
//!
//! Both sockets also carry the text [`PING`], answered [`PONG`] by the
//! runtime itself without waking the site's object.

/// The heartbeat text a client sends.
pub const PING: &str = "ping";
/// The runtime's answer to [`PING`].
pub const PONG: &str = "pong";

/// Close codes the edge sends.
pub mod close {
    /// Signed out, or the closing handshake of a socket the client closed.
    pub const NORMAL: u16 = 1000;
    /// No ping within the grace period, or the session ended meanwhile.
    pub const SESSION_EXPIRED: u16 = 4000;
    /// The agent was deleted or its token rotated.
    pub const REVOKED: u16 = 4001;
    /// The group the visitor socket watched was deleted.
    pub const GROUP_DELETED: u16 = 4004;
    /// The socket sent more than its budget (frames, bytes or `auth`
    /// attempts), or its page's origin is no longer allowed.
    pub const POLICY: u16 = 1008;

    /// The reason sent with [`NORMAL`] when a device's session ended
    /// because it signed out (by HTTP or its `sign_out` frame): the
    /// console tells it from the closing handshake of a socket it closed.
    pub const SIGNED_OUT_REASON: &str = "signed out";

    #[cfg(test)]
    mod tests {
        #[test]
        fn reasons_fit_a_close_frame() {
            // A close frame's reason is at most 123 bytes of UTF-8.
            assert!(super::SIGNED_OUT_REASON.len() <= 123);
            assert_eq!(super::SIGNED_OUT_REASON, "signed out");
        }
    }
}

#[cfg(feature = "serde")]
pub use json::*;

#[cfg(feature = "serde")]
mod json {
    use alloc::collections::BTreeMap;
    use alloc::string::String;
    use alloc::vec::Vec;

    use presenza_rules::GracePeriod;
    use serde::{Deserialize, Serialize};

    use crate::error::ErrorObject;
    use crate::id::{ConversationId, GroupId, SessionId};
    use crate::view::{
        AgentRef, AgentView, AudienceView, ConversationView, MessageView, SavedReplies, SavedReply,
        VisitorContext, VisitorThread, Widget,
    };

    /// How often a device should send [`PING`](super::PING): a quarter of
    /// the grace period, between 2 and 25 seconds.
    pub fn ping_interval_secs(grace: GracePeriod) -> u32 {
        (grace.secs() / 4).clamp(2, 25)
    }

    // ------------------------------------------------------------ device

    /// What a device sends (besides `ping`).
    #[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
    #[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
    pub enum DeviceCommand {
        /// Online / busy / offline by hand (the fields of `StatusBody`).
        Status {
            status: String,
            #[serde(default, skip_serializing_if = "Option::is_none")]
            message: Option<String>,
            #[serde(default, skip_serializing_if = "Option::is_none")]
            back_at: Option<String>,
        },
        /// Ends this device's session.
        SignOut {},
        /// A sign of life (a `ping` is cheaper: it never wakes the site).
        Heartbeat {},
        /// A reply in a conversation this agent serves.
        Reply {
            conversation_id: String,
            client_id: String,
            text: String,
        },
        /// The agent is typing a reply in a conversation this agent serves
        /// (`false`: stopped). Never stored; told to that conversation's
        /// visitor.
        Typing {
            conversation_id: String,
            typing: bool,
        },
    }

    /// What the edge sends a device.
    #[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
    #[serde(tag = "type", rename_all = "snake_case")]
    pub enum DeviceEvent {
        /// The first frame: this device's session, the agent, and every
        /// audience's status.
        Hello(Hello),
        /// This agent's status changed (on any device, or by the grace period
        /// or the owner).
        AgentStatus { agent: AgentView },
        /// What an audience's visitors are told changed.
        Audience {
            group: Option<GroupId>,
            status: AudienceView,
        },
        /// This device's session ended on its own request.
        SignedOut,
        /// A new message in a conversation this agent serves.
        Message {
            conversation: ConversationView,
            message: MessageView,
        },
        /// A reply this device sent is stored as `seq`.
        Ack(Ack),
        /// A conversation this agent serves was closed, reopened, assigned
        /// or transferred to it.
        Conversation { conversation: ConversationView },
        /// A conversation this agent served was transferred to a group it
        /// does not serve: out of its inbox.
        Transferred { conversation_id: ConversationId },
        /// Conversations were erased (the owner erased their visitor's data):
        /// forget them.
        Erased {
            conversation_ids: Vec<ConversationId>,
        },
        /// This agent's read mark of a conversation moved (on any device);
        /// `unread` is what is left after it.
        Read {
            conversation_id: ConversationId,
            seq: u64,
            unread: u64,
        },
        /// Something this device sent was refused.
        Error(ErrorFrame),
        /// The owner changed the saved replies.
        SavedReplies(SavedReplies),
        /// The visitor of an open conversation this agent serves is on
        /// another page (or wrote from one): their context now.
        Visitor {
            conversation_id: ConversationId,
            context: VisitorContext,
        },
        /// The visitor of a conversation this agent serves is typing
        /// (`false`: stopped); expired by the console after
        /// `limits::TYPING_EXPIRES_MS` without another.
        Typing {
            conversation_id: ConversationId,
            typing: bool,
        },
        /// A frame newer than this client (decoding only).
        #[serde(other)]
        Unknown,
    }

    /// The `hello` frame.
    #[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
    pub struct Hello {
        pub session: SessionId,
        pub agent: AgentView,
        pub grace_period_secs: u32,
        pub ping_interval_secs: u32,
        /// The whole site's audience.
        pub site: AudienceView,
        /// Every group's audience.
        pub groups: BTreeMap<GroupId, AudienceView>,
        /// Open conversations this agent serves whose visitor wrote last.
        #[serde(default)]
        pub conversations_waiting: usize,
        /// Every group's name, for showing audiences by name.
        #[serde(default)]
        pub group_names: BTreeMap<GroupId, String>,
        /// The site's name, when the owner gave one.
        #[serde(default)]
        pub site_name: Option<String>,
        /// The owner's saved replies.
        #[serde(default)]
        pub saved_replies: Vec<SavedReply>,
    }

    // ------------------------------------------------------------ owner

    /// What the edge sends the owner's team socket (`GET team`): the whole
    /// team when it opens and again whenever an agent's view changes
    /// (status, devices, name, groups; an agent added or removed). Nothing
    /// is read from the socket but `ping`.
    #[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
    #[serde(tag = "type", rename_all = "snake_case")]
    pub enum OwnerEvent {
        Team {
            agents: Vec<AgentView>,
        },
        /// A frame newer than this client (decoding only).
        #[serde(other)]
        Unknown,
    }

    // ------------------------------------------------------------ visitor

    /// What a widget sends (besides `ping`).
    #[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
    #[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
    pub enum VisitorCommand {
        /// Proves the visitor (`<visitor_id>.<visitor_secret>`) and asks for
        /// the messages after `after`.
        Auth {
            visitor: String,
            #[serde(default)]
            after: u64,
            /// Where the widget is (recorded for a visitor who wrote).
            #[serde(
                default,
                deserialize_with = "page_context",
                skip_serializing_if = "Option::is_none"
            )]
            context: Option<PageContext>,
        },
        /// A message (the fields of `VisitorMessageBody`).
        Send {
            client_id: String,
            text: String,
            #[serde(default, skip_serializing_if = "Option::is_none")]
            group: Option<String>,
            #[serde(default, skip_serializing_if = "Option::is_none")]
            name: Option<String>,
            #[serde(default, skip_serializing_if = "Option::is_none")]
            email: Option<String>,
            /// Where the widget is (the page the message is written from).
            #[serde(
                default,
                deserialize_with = "page_context",
                skip_serializing_if = "Option::is_none"
            )]
            context: Option<PageContext>,
        },
        /// The visitor is typing in their open conversation (`false`:
        /// stopped). Needs `auth` first; never stored; told to the devices
        /// of the agents serving that conversation.
        Typing { typing: bool },
    }

    /// A [`PageContext`] field: an object or null, never the array serde
    /// would also read a struct from (`[page, referrer, tz]`), which the
    /// documented shape does not allow.
    pub fn page_context<'de, D: serde::Deserializer<'de>>(
        d: D,
    ) -> Result<Option<PageContext>, D::Error> {
        struct ObjectOrNull;
        impl<'de> serde::de::Visitor<'de> for ObjectOrNull {
            type Value = Option<PageContext>;
            fn expecting(&self, f: &mut core::fmt::Formatter) -> core::fmt::Result {
                f.write_str("an object or null")
            }
            fn visit_unit<E: serde::de::Error>(self) -> Result<Self::Value, E> {
                Ok(None)
            }
            fn visit_none<E: serde::de::Error>(self) -> Result<Self::Value, E> {
                Ok(None)
            }
            fn visit_some<D2: serde::Deserializer<'de>>(
                self,
                d: D2,
            ) -> Result<Self::Value, D2::Error> {
                d.deserialize_map(self)
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                map: A,
            ) -> Result<Self::Value, A::Error> {
                PageContext::deserialize(serde::de::value::MapAccessDeserializer::new(map))
                    .map(Some)
            }
        }
        d.deserialize_option(ObjectOrNull)
    }

    /// What a widget says of its page in `auth` and `send`: anonymous input,
    /// validated and cut by the edge (`view::VisitorContext`).
    #[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
    #[serde(deny_unknown_fields)]
    pub struct PageContext {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub page: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub referrer: Option<String>,
        /// IANA time zone (`Intl.DateTimeFormat().resolvedOptions().timeZone`).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub tz: Option<String>,
    }

    /// What the edge sends a widget: its audience's status (bare), or a
    /// conversation frame.
    #[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
    #[serde(untagged)]
    pub enum VisitorEvent {
        Status(AudienceView),
        Frame(VisitorFrame),
    }

    /// A visitor socket's conversation frames.
    #[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
    #[serde(tag = "type", rename_all = "snake_case")]
    pub enum VisitorFrame {
        /// The answer to `auth`: the latest conversation and its messages.
        Messages(VisitorThread),
        /// A new message in the visitor's conversation (from an agent, the
        /// edge, or the visitor's other tabs).
        Message {
            conversation_id: ConversationId,
            message: MessageView,
        },
        /// A message this socket sent is stored as `seq`.
        Ack(Ack),
        /// An agent closed the conversation.
        Closed { conversation_id: ConversationId },
        /// An agent reopened it.
        Reopened { conversation_id: ConversationId },
        /// Something this socket sent was refused.
        Error(ErrorFrame),
        /// The owner changed the widget's settings (look, language,
        /// texts): open widgets show them without a reload.
        Widget { widget: Widget },
        /// An agent is typing a reply in the visitor's conversation
        /// (`false`: stopped); `agent` is their name. Expired by the widget
        /// after `limits::TYPING_EXPIRES_MS` without another.
        Typing {
            conversation_id: ConversationId,
            agent: String,
            typing: bool,
        },
        /// The agent serving the visitor's open conversation (the author of
        /// its latest agent message) changed their picture: the panel's
        /// header shows `agent` now, without waiting for their next message.
        Agent {
            conversation_id: ConversationId,
            agent: AgentRef,
        },
    }

    /// A message a socket sent is stored.
    #[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
    pub struct Ack {
        pub client_id: String,
        pub seq: u64,
        pub conversation_id: ConversationId,
    }

    /// A refusal, naming the message it refuses when it can.
    #[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
    pub struct ErrorFrame {
        pub error: ErrorObject,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub client_id: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub conversation_id: Option<String>,
    }

    /// The text of an error frame: the same on both sockets.
    pub fn error_text(frame: ErrorFrame) -> String {
        to_text(&DeviceEvent::Error(frame))
    }

    /// A frame's text. Writing these types cannot fail (string map keys, no
    /// floats), so there is no error to handle.
    pub fn to_text<T: Serialize>(frame: &T) -> String {
        serde_json::to_string(frame).unwrap_or_default()
    }

    #[cfg(test)]
    mod tests {
        use super::*;
        use crate::id::AgentId;
        use crate::time::Timestamp;
        use presenza_rules::{Reason, Sender, Status};
        use serde_json::json;

        fn audience(group: Option<&str>) -> AudienceView {
            AudienceView {
                status: Status::Online,
                reason: Reason::AgentsOnline,
                message: None,
                back_at: None,
                next_change: None,
                group: group.and_then(GroupId::parse),
            }
        }

        fn agent() -> AgentView {
            AgentView {
                id: AgentId::parse("ann").unwrap(),
                name: "Ann".into(),
                groups: vec![],
                status: Status::Online,
                manual_status: Status::Online,
                message: None,
                back_at: None,
                email: None,
                set_by: presenza_rules::ChosenBy::Manual,
                set_at: None,
                next_switch: None,
                sessions: 1,
                devices: 1,
                since: None,
                created_at: Timestamp(0),
                picture: None,
                token: None,
            }
        }

        fn conversation_id() -> ConversationId {
            ConversationId::parse("c_1").unwrap()
        }

        #[test]
        fn device_events_on_the_wire() {
            let hello = DeviceEvent::Hello(Hello {
                session: SessionId::parse("ws_1").unwrap(),
                agent: agent(),
                grace_period_secs: 120,
                ping_interval_secs: 25,
                site: audience(None),
                groups: [(GroupId::parse("sales").unwrap(), audience(Some("sales")))].into(),
                conversations_waiting: 2,
                group_names: BTreeMap::new(),
                site_name: None,
                saved_replies: Vec::new(),
            });
            let text = to_text(&hello);
            assert!(
                text.starts_with(r#"{"type":"hello","session":"ws_1","agent":{"id":"ann","#),
                "{text}"
            );
            assert!(
                text.ends_with(
                    r#""conversations_waiting":2,"group_names":{},"site_name":null,"saved_replies":[]}"#
                ),
                "{text}"
            );
            assert_eq!(serde_json::from_str::<DeviceEvent>(&text).unwrap(), hello);

            let frame = DeviceEvent::Audience {
                group: None,
                status: audience(None),
            };
            assert_eq!(
                to_text(&frame),
                r#"{"type":"audience","group":null,"status":{"status":"online","reason":"agents_online","message":null,"back_at":null,"next_change":null,"group":null}}"#
            );
            assert_eq!(to_text(&DeviceEvent::SignedOut), r#"{"type":"signed_out"}"#);
            let read = DeviceEvent::Read {
                conversation_id: conversation_id(),
                seq: 7,
                unread: 0,
            };
            assert_eq!(
                serde_json::to_value(&read).unwrap(),
                json!({"type": "read", "conversation_id": "c_1", "seq": 7, "unread": 0})
            );
            let error = DeviceEvent::Error(ErrorFrame {
                error: ErrorObject {
                    code: "rate_limited".into(),
                    message: "slow down".into(),
                    retry_after_secs: Some(3),
                    at: None,
                },
                client_id: Some("r_2".into()),
                conversation_id: None,
            });
            assert_eq!(
                to_text(&error),
                r#"{"type":"error","error":{"code":"rate_limited","message":"slow down","retry_after_secs":3},"client_id":"r_2"}"#
            );
            // An error frame is the same on both sockets.
            let ErrorFrame {
                error,
                client_id,
                conversation_id,
            } = match &error {
                DeviceEvent::Error(f) => f.clone(),
                _ => unreachable!(),
            };
            let frame = ErrorFrame {
                error,
                client_id,
                conversation_id,
            };
            assert_eq!(
                error_text(frame.clone()),
                to_text(&VisitorFrame::Error(frame))
            );
            // A frame newer than the client is not an error.
            let later: DeviceEvent = serde_json::from_str(r#"{"type":"later","x":1}"#).unwrap();
            assert_eq!(later, DeviceEvent::Unknown);
        }

        #[test]
        fn device_commands() {
            let status: DeviceCommand =
                serde_json::from_str(r#"{"type":"status","status":"busy","message":"x"}"#).unwrap();
            assert!(matches!(status, DeviceCommand::Status { .. }));
            assert_eq!(
                serde_json::from_str::<DeviceCommand>(r#"{"type":"sign_out"}"#).unwrap(),
                DeviceCommand::SignOut {}
            );
            assert!(serde_json::from_str::<DeviceCommand>(r#"{"type":"sign_out","x":1}"#).is_err());
            assert!(serde_json::from_str::<DeviceCommand>(r#"{"type":"nope"}"#).is_err());
            let reply = DeviceCommand::Reply {
                conversation_id: "c_1".into(),
                client_id: "a1".into(),
                text: "hi".into(),
            };
            assert_eq!(
                to_text(&reply),
                r#"{"type":"reply","conversation_id":"c_1","client_id":"a1","text":"hi"}"#
            );
        }

        #[test]
        fn visitor_frames_on_the_wire() {
            // A status frame is the bare status, as GET status answers it.
            let status = VisitorEvent::Status(audience(Some("sales")));
            let text = to_text(&status);
            assert!(text.starts_with(r#"{"status":"online","#), "{text}");
            assert_eq!(serde_json::from_str::<VisitorEvent>(&text).unwrap(), status);

            let thread = VisitorEvent::Frame(VisitorFrame::Messages(VisitorThread::default()));
            assert_eq!(
                to_text(&thread),
                r#"{"type":"messages","conversation_id":null,"state":null,"messages":[],"has_more":false}"#
            );
            let ack = VisitorFrame::Ack(Ack {
                client_id: "c_9".into(),
                seq: 1,
                conversation_id: conversation_id(),
            });
            assert_eq!(
                to_text(&ack),
                r#"{"type":"ack","client_id":"c_9","seq":1,"conversation_id":"c_1"}"#
            );
            let widget = VisitorEvent::Frame(VisitorFrame::Widget {
                widget: Widget::default(),
            });
            let text = to_text(&widget);
            assert!(text.starts_with(r#"{"type":"widget","widget":{"title":null,"#));
            assert_eq!(serde_json::from_str::<VisitorEvent>(&text).unwrap(), widget);
            let closed = VisitorFrame::Closed {
                conversation_id: conversation_id(),
            };
            assert_eq!(
                to_text(&closed),
                r#"{"type":"closed","conversation_id":"c_1"}"#
            );
            let message = VisitorEvent::Frame(VisitorFrame::Message {
                conversation_id: conversation_id(),
                message: crate::view::MessageView::new(
                    1,
                    "c_9".into(),
                    Sender::Visitor,
                    None,
                    "hi".into(),
                    0,
                    None,
                ),
            });
            let text = to_text(&message);
            assert!(text
                .starts_with(r#"{"type":"message","conversation_id":"c_1","message":{"seq":1,"#));
            assert_eq!(
                serde_json::from_str::<VisitorEvent>(&text).unwrap(),
                message
            );
        }

        #[test]
        fn visitor_commands() {
            let auth: VisitorCommand = serde_json::from_str(
                r#"{"type":"auth","visitor":"AAAAAAAAAAAAAAAAAAAAAA.BBBB","after":3}"#,
            )
            .unwrap();
            assert!(matches!(auth, VisitorCommand::Auth { after: 3, .. }));
            let send: VisitorCommand = serde_json::from_str(
                r#"{"type":"send","client_id":"c_1","text":"hi","group":null}"#,
            )
            .unwrap();
            assert!(matches!(send, VisitorCommand::Send { .. }));
            assert!(
                serde_json::from_str::<VisitorCommand>(r#"{"type":"send","text":"hi"}"#).is_err()
            );
        }

        #[test]
        fn typing_frames_on_the_wire() {
            let from_widget: VisitorCommand =
                serde_json::from_str(r#"{"type":"typing","typing":true}"#).unwrap();
            assert_eq!(from_widget, VisitorCommand::Typing { typing: true });
            assert!(serde_json::from_str::<VisitorCommand>(r#"{"type":"typing"}"#).is_err());
            assert!(serde_json::from_str::<VisitorCommand>(
                r#"{"type":"typing","typing":true,"conversation_id":"c_1"}"#
            )
            .is_err());
            let from_device: DeviceCommand =
                serde_json::from_str(r#"{"type":"typing","conversation_id":"c_1","typing":false}"#)
                    .unwrap();
            assert_eq!(
                from_device,
                DeviceCommand::Typing {
                    conversation_id: "c_1".into(),
                    typing: false
                }
            );
            let to_device = DeviceEvent::Typing {
                conversation_id: conversation_id(),
                typing: true,
            };
            let text = to_text(&to_device);
            assert_eq!(
                text,
                r#"{"type":"typing","conversation_id":"c_1","typing":true}"#
            );
            assert_eq!(
                serde_json::from_str::<DeviceEvent>(&text).unwrap(),
                to_device
            );
            let to_widget = VisitorEvent::Frame(VisitorFrame::Typing {
                conversation_id: conversation_id(),
                agent: "Giulia".into(),
                typing: true,
            });
            let text = to_text(&to_widget);
            assert_eq!(
                text,
                r#"{"type":"typing","conversation_id":"c_1","agent":"Giulia","typing":true}"#
            );
            assert_eq!(
                serde_json::from_str::<VisitorEvent>(&text).unwrap(),
                to_widget
            );
        }

        #[test]
        fn ping_intervals() {
            assert_eq!(ping_interval_secs(GracePeriod::DEFAULT), 25);
            assert_eq!(ping_interval_secs(GracePeriod::new(10).unwrap()), 2);
            assert_eq!(ping_interval_secs(GracePeriod::new(40).unwrap()), 10);
        }
    }
}
