//! Hibernatable sockets: their tags and attachments (pure), and sending to
//! every socket of a tag (Wasm).
//!
//! Tags, set when a socket is accepted and readable after hibernation:
//! - visitor widgets: [`Tag::Visitors`], their audience
//!   ([`Tag::Audience`]), and [`Tag::Visitor`] when opened with
//!   `?visitor=<id>`, else [`Tag::UntaggedVisitor`] (a visitor's
//!   conversation messages go to sockets of these two tags whose attachment
//!   proves that visitor's secret);
//! - agent devices: [`Tag::Devices`], [`Tag::Agent`] and [`Tag::Session`];
//! - the owner's team sockets: [`Tag::Owners`].

use crate::budget::Limits;
use presenza_protocol::{AgentId, GroupId, SessionId, VisitorId};
use serde::{Deserialize, Serialize};

/// A socket tag.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Tag<'a> {
    /// Every visitor socket.
    Visitors,
    /// Every device socket.
    Devices,
    /// The visitor sockets of an audience: a group, or the whole site.
    Audience(Option<&'a GroupId>),
    /// One agent's devices.
    Agent(&'a AgentId),
    /// One device session.
    Session(&'a AgentId, &'a SessionId),
    /// Visitor sockets opened with `?visitor=<id>`.
    Visitor(&'a VisitorId),
    /// Visitor sockets opened without `?visitor=`.
    UntaggedVisitor,
    /// Visitor sockets from one client address (its hashed key).
    Address(&'a str),
    /// The owner's team sockets.
    Owners,
}

impl Tag<'_> {
    /// The tag's text, as the runtime stores it.
    pub fn name(&self) -> String {
        match self {
            Tag::Visitors => "visitor".to_string(),
            Tag::Devices => "agents".to_string(),
            Tag::Audience(None) => "aud:site".to_string(),
            Tag::Audience(Some(g)) => format!("aud:g:{g}"),
            Tag::Agent(a) => format!("agent:{a}"),
            Tag::Session(a, s) => format!("session:{a}:{s}"),
            Tag::Visitor(v) => format!("vis:{v}"),
            Tag::UntaggedVisitor => "vis:-".to_string(),
            Tag::Address(key) => format!("ip:{key}"),
            Tag::Owners => "owners".to_string(),
        }
    }
}

/// What a socket is, stored with it (survives hibernation). The field names
/// are read by the visitor push in JS (`bindings::send_to_visitor`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Attachment {
    Visitor {
        group: Option<GroupId>,
        /// The visitor authenticated by an `auth` frame.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        visitor: Option<VisitorId>,
        /// SHA-256 (hex) of that visitor's secret: a push needs it to match
        /// the stored one (a socket that claimed an id before the visitor
        /// first wrote, with another secret, never receives anything).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        key: Option<String>,
        /// This socket's id (skipped when its own message is pushed).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        sid: Option<String>,
        /// The visitor id given as `?visitor=` (the socket's `vis:` tag).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        tagged: Option<VisitorId>,
        /// The page's origin (`Origin`), checked again when the site's
        /// allowed origins narrow.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        origin: Option<String>,
        /// The client address's key (`ClientAddress::key`), for the limits
        /// of what one address may start.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        address: Option<String>,
    },
    Agent {
        agent: AgentId,
        session: SessionId,
    },
    /// The owner's team socket (reads nothing but `ping`).
    Owner {
        /// Its own id (its budget's key).
        sid: String,
    },
}

impl Attachment {
    /// The key of this socket's budget ([`crate::budget`]) and its limits.
    pub fn budget(&self) -> (String, Limits) {
        match self {
            Attachment::Visitor { sid, .. } => (
                format!("v:{}", sid.as_deref().unwrap_or("-")),
                Limits::VISITOR,
            ),
            Attachment::Agent { agent, session } => {
                (format!("d:{agent}:{session}"), Limits::DEVICE)
            }
            Attachment::Owner { sid } => (format!("o:{sid}"), Limits::DEVICE),
        }
    }
}

#[cfg(target_arch = "wasm32")]
pub use runtime::*;

#[cfg(target_arch = "wasm32")]
mod runtime {
    use super::*;
    use crate::bindings;
    use crate::error::ApiError;
    use presenza_protocol::frame::{error_text, ErrorFrame};
    use worker::{State, WebSocket};

    /// Refuses something a socket sent: an error frame, naming the message
    /// (client id) and conversation it refuses when known.
    pub fn refuse(
        ws: &WebSocket,
        err: &ApiError,
        client_id: Option<String>,
        conversation_id: Option<String>,
    ) {
        let _ = ws.send_with_str(error_text(ErrorFrame {
            error: err.error_object(),
            client_id,
            conversation_id,
        }));
    }

    /// The sockets of a tag.
    pub fn with_tag(state: &State, tag: Tag<'_>) -> Vec<WebSocket> {
        state.get_websockets_with_tag(&tag.name())
    }

    /// How many sockets have a tag (counting wakes every hibernated socket
    /// of it: see `tally::VisitorGauge`).
    pub fn count(state: &State, tag: Tag<'_>) -> usize {
        with_tag(state, tag).len()
    }

    /// Sends the same text to every socket of `tag`; returns how many got it.
    pub fn broadcast(state: &State, tag: Tag<'_>, text: &str) -> usize {
        bindings::broadcast_tag(state, &tag.name(), text)
    }

    /// Closes every socket of `tag` with `code`.
    pub fn close_tag(state: &State, tag: Tag<'_>, code: u16, reason: &str) {
        for ws in with_tag(state, tag) {
            let _ = ws.close(Some(code), Some(reason));
        }
    }

    pub fn attachment(ws: &WebSocket) -> Option<Attachment> {
        ws.deserialize_attachment::<Attachment>().ok().flatten()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tags() {
        let sales = GroupId::parse("sales").unwrap();
        let giulia = AgentId::parse("giulia").unwrap();
        let ws = SessionId::parse("ws_1").unwrap();
        let v = VisitorId::parse("AAAAAAAAAAAAAAAAAAAAAA").unwrap();
        assert_eq!(Tag::Audience(None).name(), "aud:site");
        assert_eq!(Tag::Audience(Some(&sales)).name(), "aud:g:sales");
        assert_eq!(Tag::Session(&giulia, &ws).name(), "session:giulia:ws_1");
        assert_eq!(Tag::Agent(&giulia).name(), "agent:giulia");
        assert_eq!(Tag::Visitor(&v).name(), "vis:AAAAAAAAAAAAAAAAAAAAAA");
        assert_eq!(Tag::UntaggedVisitor.name(), "vis:-");
        assert_eq!(Tag::Visitors.name(), "visitor");
        assert_eq!(Tag::Devices.name(), "agents");
        assert_eq!(Tag::Owners.name(), "owners");
    }

    #[test]
    fn attachments_round_trip() {
        let a = Attachment::Agent {
            agent: AgentId::parse("giulia").unwrap(),
            session: SessionId::parse("ws_1").unwrap(),
        };
        let json = serde_json::to_string(&a).unwrap();
        assert_eq!(
            json,
            r#"{"kind":"agent","agent":"giulia","session":"ws_1"}"#
        );
        assert_eq!(serde_json::from_str::<Attachment>(&json).unwrap(), a);
        // Sockets accepted before conversations existed still read back.
        let old: Attachment = serde_json::from_str(r#"{"kind":"visitor","group":null}"#).unwrap();
        assert_eq!(
            old,
            Attachment::Visitor {
                group: None,
                visitor: None,
                key: None,
                sid: None,
                tagged: None,
                origin: None,
                address: None,
            }
        );
    }
}
