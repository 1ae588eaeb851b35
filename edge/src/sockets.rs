//! Hibernatable sockets: their tags and attachments, and the broadcast of a
//! payload to every socket of a tag.
//!
//! Tags (set when a socket is accepted, readable after hibernation):
//! - visitor widgets: `visitor` + `aud:site` or `aud:g:<group>` + `vis:<id>`
//!   when opened with `?visitor=<id>`, else `vis:-` (the conversation
//!   messages of a visitor are pushed to sockets of these two tags whose
//!   attachment proves that visitor's secret);
//! - agent devices: `agents` + `agent:<id>` + `session:<agent>:<session>`.

use serde::{Deserialize, Serialize};

pub const VISITORS: &str = "visitor";
pub const AGENTS: &str = "agents";
/// Most visitor sockets per site (the runtime allows 32,768 sockets in all).
pub const MAX_VISITOR_SOCKETS: usize = 30_000;
/// Most agent device sockets per site: with the visitors' share this stays
/// under the runtime's 32,768 hibernatable sockets per object.
pub const MAX_DEVICE_SOCKETS: usize = 2_700;
/// Most connected devices per agent.
pub const MAX_DEVICES_PER_AGENT: usize = 20;
/// Most HTTP sessions (distinct `X-Presenza-Session` ids) per agent.
pub const MAX_HTTP_SESSIONS_PER_AGENT: usize = 20;
/// Largest text frame accepted from a device or a widget (a 2,000-character
/// message fits whatever its script).
pub const MAX_SOCKET_MESSAGE: usize = 16 * 1024;
/// The visitor tag of widget sockets opened without `?visitor=`.
pub const VISITOR_UNTAGGED: &str = "vis:-";

/// Close codes sent by the server.
pub const CLOSE_NORMAL: u16 = 1000;
pub const CLOSE_SESSION_EXPIRED: u16 = 4000;
pub const CLOSE_REVOKED: u16 = 4001;
pub const CLOSE_GROUP_DELETED: u16 = 4004;

pub fn audience_tag(group: Option<&str>) -> String {
    match group {
        None => "aud:site".to_string(),
        Some(g) => format!("aud:g:{g}"),
    }
}

pub fn agent_tag(agent: &str) -> String {
    format!("agent:{agent}")
}

/// The tag of a visitor's sockets opened with `?visitor=<id>`.
pub fn visitor_tag(visitor: &str) -> String {
    format!("vis:{visitor}")
}

pub fn session_tag(agent: &str, session: &str) -> String {
    format!("session:{agent}:{session}")
}

/// Key of an audience in the `last_broadcast` table.
pub fn audience_key(group: Option<&str>) -> String {
    audience_tag(group)
}

/// Key of an agent in the `last_broadcast` table.
pub fn agent_key(agent: &str) -> String {
    agent_tag(agent)
}

/// What a socket is, stored with it (survives hibernation).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Attachment {
    Visitor {
        group: Option<String>,
        /// The visitor authenticated by an `auth` frame.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        visitor: Option<String>,
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
        tagged: Option<String>,
    },
    Agent {
        agent: String,
        session: String,
    },
}

/// Entries whose value differs from (or is missing in) `previous`.
pub fn changed<'a>(
    previous: &std::collections::HashMap<String, String>,
    next: &'a [(String, String)],
) -> Vec<&'a (String, String)> {
    next.iter()
        .filter(|(k, v)| previous.get(k) != Some(v))
        .collect()
}

#[cfg(target_arch = "wasm32")]
pub use runtime::*;

#[cfg(target_arch = "wasm32")]
mod runtime {
    use super::*;
    use crate::bindings;
    use worker::{State, WebSocket};

    /// Sends the same text to every socket of `tag`; returns how many got it.
    pub fn broadcast(state: &State, tag: &str, text: &str) -> usize {
        bindings::broadcast_tag(state, tag, text)
    }

    pub fn close_tag(state: &State, tag: &str, code: u16, reason: &str) {
        for ws in state.get_websockets_with_tag(tag) {
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
    use std::collections::HashMap;

    #[test]
    fn tags() {
        assert_eq!(audience_tag(None), "aud:site");
        assert_eq!(audience_tag(Some("sales")), "aud:g:sales");
        assert_eq!(session_tag("giulia", "ws_1"), "session:giulia:ws_1");
    }

    #[test]
    fn diffing() {
        let prev: HashMap<String, String> = [
            ("a".to_string(), "1".to_string()),
            ("b".to_string(), "2".to_string()),
        ]
        .into();
        let next = vec![
            ("a".to_string(), "1".to_string()),
            ("b".to_string(), "3".to_string()),
            ("c".to_string(), "1".to_string()),
        ];
        let keys: Vec<&str> = changed(&prev, &next)
            .iter()
            .map(|(k, _)| k.as_str())
            .collect();
        assert_eq!(keys, vec!["b", "c"]);
    }

    #[test]
    fn attachments_round_trip() {
        let a = Attachment::Agent {
            agent: "giulia".into(),
            session: "ws_1".into(),
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
                tagged: None
            }
        );
        assert_eq!(visitor_tag("abc"), "vis:abc");
    }
}
