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
use crate::domain::context::Client;
use crate::error::ApiError;
use presenza_protocol::frame::VisitorCommand;
use presenza_protocol::limits::MAX_SOCKET_FRAME_BYTES;
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
    Visitor(VisitorSocket),
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

/// A widget's socket, on the site's object or on a relay (`relaying`): the
/// same attachment and tags in both, so a visitor's frames are handled and
/// pushed the same way wherever the socket lives.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct VisitorSocket {
    pub group: Option<GroupId>,
    /// The visitor authenticated by an `auth` frame.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub visitor: Option<VisitorId>,
    /// SHA-256 (hex) of that visitor's secret: a push needs it to match
    /// the stored one (a socket that claimed an id before the visitor
    /// first wrote, with another secret, never receives anything).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key: Option<String>,
    /// This socket's id (skipped when its own message is pushed).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sid: Option<String>,
    /// The visitor id given as `?visitor=` (the socket's `vis:` tag).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tagged: Option<VisitorId>,
    /// The page's origin (`Origin`), checked again when the site's
    /// allowed origins narrow.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub origin: Option<String>,
    /// The client address's key (`ClientAddress::key`), for the limits
    /// of what one address may start.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub address: Option<String>,
    /// What the opening request said of the client (browser, OS, country,
    /// city).
    #[serde(default)]
    pub client: Client,
}

impl VisitorSocket {
    /// The key of this socket's budget.
    pub fn budget_key(&self) -> String {
        format!("v:{}", self.sid.as_deref().unwrap_or("-"))
    }
}

/// Parses a widget's frame (a relay refuses a frame that does not parse
/// without calling the site).
pub fn visitor_command(text: &str) -> Result<VisitorCommand, ApiError> {
    if text.len() > MAX_SOCKET_FRAME_BYTES {
        return Err(ApiError::PayloadTooLarge);
    }
    serde_json::from_str(text).map_err(|e| ApiError::from_json(&e))
}

impl Attachment {
    /// The key of this socket's budget ([`crate::budget`]) and its limits.
    pub fn budget(&self) -> (String, Limits) {
        match self {
            Attachment::Visitor(v) => (v.budget_key(), Limits::VISITOR),
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
    use crate::cors;
    use presenza_protocol::frame::{close, error_text, ErrorFrame};
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
        bindings::count_tag(state, &tag.name())
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

    /// A visitor socket's attachment.
    pub fn visitor(ws: &WebSocket) -> Option<VisitorSocket> {
        match attachment(ws)? {
            Attachment::Visitor(v) => Some(v),
            Attachment::Agent { .. } | Attachment::Owner { .. } => None,
        }
    }

    /// One visitor's widgets here: opened for them (`?visitor=`), or
    /// authenticated as them.
    pub fn of_visitor(state: &State, id: &VisitorId) -> Vec<WebSocket> {
        let mut theirs = with_tag(state, Tag::Visitor(id));
        theirs.extend(
            with_tag(state, Tag::UntaggedVisitor)
                .into_iter()
                .filter(|ws| visitor(ws).is_some_and(|v| v.visitor.as_ref() == Some(id))),
        );
        theirs
    }

    /// Closes one visitor's widgets (their data was erased).
    pub fn close_visitor(state: &State, id: &VisitorId) {
        for ws in of_visitor(state, id) {
            let _ = ws.close(Some(close::NORMAL), Some("visitor data erased"));
        }
    }

    /// Closes the visitor sockets opened from an origin `origins` no longer
    /// allows (`own_origin`, the edge's, always is); whether any closed.
    /// Origins change rarely, so every visitor socket is looked at.
    pub fn close_disallowed_origins(state: &State, origins: &[String], own_origin: &str) -> bool {
        let mut closed = false;
        for ws in with_tag(state, Tag::Visitors) {
            let Some(origin) = visitor(&ws).and_then(|v| v.origin) else {
                continue;
            };
            if !cors::decide(Some(&origin), own_origin, Some(origins)).allowed() {
                let _ = ws.close(Some(close::POLICY), Some("origin no longer allowed"));
                closed = true;
            }
        }
        closed
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
        assert_eq!(old, Attachment::Visitor(VisitorSocket::default()));
    }
}
