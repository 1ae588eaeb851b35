//! Ids, parsed once. A value of one of these types is valid by
//! construction: [`parse`](AgentId::parse) checks the syntax, and JSON
//! decoding goes through the same check, so code holding an `AgentId`
//! never checks it again.
//!
//! Every id is made of URL-safe characters, so paths and queries are
//! matched without percent-decoding: anything else is simply not an id.

use alloc::borrow::ToOwned;
use alloc::string::String;
use core::borrow::Borrow;
use core::fmt;

use crate::limits::{
    CONVERSATION_ID_LEN, DEVICE_ID_HEX_DIGITS, MAX_ENTITY_ID_LEN, MAX_SESSION_ID_LEN,
    SITE_ID_HEX_DIGITS, VISITOR_ID_LEN,
};

/// The reserved agent id of the calling agent (`/agents/me`).
pub const ME: &str = "me";

/// An id that failed its syntax check: what it was meant to be.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct InvalidId(pub &'static str);

impl fmt::Display for InvalidId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "not a valid {} id", self.0)
    }
}

macro_rules! id_type {
    ($(#[$doc:meta])* $name:ident, $what:literal, $check:expr) => {
        $(#[$doc])*
        #[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub struct $name(String);

        impl $name {
            /// The id if `s` is one; `None` otherwise.
            pub fn parse(s: &str) -> Option<Self> {
                let check: fn(&str) -> bool = $check;
                check(s).then(|| $name(s.to_owned()))
            }

            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl TryFrom<String> for $name {
            type Error = InvalidId;

            fn try_from(s: String) -> Result<Self, InvalidId> {
                let check: fn(&str) -> bool = $check;
                if check(&s) {
                    Ok($name(s))
                } else {
                    Err(InvalidId($what))
                }
            }
        }

        impl From<$name> for String {
            fn from(id: $name) -> String {
                id.0
            }
        }

        impl AsRef<str> for $name {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }

        /// Maps and sets keyed by id are looked up with a `&str`.
        impl Borrow<str> for $name {
            fn borrow(&self) -> &str {
                &self.0
            }
        }

        impl PartialEq<str> for $name {
            fn eq(&self, other: &str) -> bool {
                self.0 == other
            }
        }

        impl PartialEq<&str> for $name {
            fn eq(&self, other: &&str) -> bool {
                self.0 == *other
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        #[cfg(feature = "serde")]
        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(&self.0)
            }
        }

        #[cfg(feature = "serde")]
        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let s = String::deserialize(d)?;
                $name::try_from(s).map_err(serde::de::Error::custom)
            }
        }
    };
}

id_type!(
    /// A site: `s_` and 32 lowercase hex digits (16 random bytes).
    SiteId,
    "site",
    |s| {
        s.len() == 2 + SITE_ID_HEX_DIGITS
            && s.starts_with("s_")
            && s.bytes().skip(2).all(is_lower_hex)
    }
);

id_type!(
    /// An agent, chosen by the owner: `[a-z0-9][a-z0-9_-]{0,39}`, not `me`.
    AgentId,
    "agent",
    |s| is_entity_id(s) && s != ME
);

id_type!(
    /// A group of agents, chosen by the owner: `[a-z0-9][a-z0-9_-]{0,39}`.
    GroupId,
    "group",
    is_entity_id
);

id_type!(
    /// A conversation: `[A-Za-z0-9_-]{1,64}` (the edge makes `c_` and 32
    /// hex digits).
    ConversationId,
    "conversation",
    |s| CONVERSATION_ID_LEN.contains(&s.len()) && is_base64url(s)
);

id_type!(
    /// A visitor, made by the widget: base64url, 16 to 64 characters (the
    /// widget makes 22: 16 random bytes).
    VisitorId,
    "visitor",
    |s| VISITOR_ID_LEN.contains(&s.len()) && is_base64url(s)
);

id_type!(
    /// An agent's session: a device socket's (`ws_` and 16 hex digits, made
    /// by the edge) or an HTTP session's (chosen by the client with
    /// `X-Presenza-Session`): `[A-Za-z0-9_-]{1,64}`.
    SessionId,
    "session",
    |s| !s.is_empty() && s.len() <= MAX_SESSION_ID_LEN && is_base64url(s)
);

id_type!(
    /// A signed-in device of an agent (its device credential): `d_` and 16
    /// lowercase hex digits (8 random bytes), made by the edge.
    DeviceId,
    "device",
    |s| {
        s.len() == 2 + DEVICE_ID_HEX_DIGITS
            && s.starts_with("d_")
            && s.bytes().skip(2).all(is_lower_hex)
    }
);

impl DeviceId {
    /// A new device id from 8 random bytes.
    pub fn from_random(random: &[u8; 8]) -> DeviceId {
        DeviceId(alloc::format!("d_{}", hex(random)))
    }
}

impl SiteId {
    /// A new site id from 16 random bytes.
    pub fn from_random(random: &[u8; 16]) -> SiteId {
        SiteId(alloc::format!("s_{}", hex(random)))
    }
}

impl ConversationId {
    /// A new conversation id from 16 random bytes.
    pub fn from_random(random: &[u8; 16]) -> ConversationId {
        ConversationId(alloc::format!("c_{}", hex(random)))
    }
}

impl SessionId {
    /// A new device session id from 8 random bytes.
    pub fn device_from_random(random: &[u8; 8]) -> SessionId {
        SessionId(alloc::format!("ws_{}", hex(random)))
    }

    /// The session of agent calls made without `X-Presenza-Session`.
    pub fn default_http() -> SessionId {
        SessionId(crate::http::DEFAULT_HTTP_SESSION.to_owned())
    }
}

/// Lowercase hex of `bytes` (ids and tokens print random bytes this way).
pub fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        out.push(DIGITS[usize::from(b >> 4)] as char);
        out.push(DIGITS[usize::from(b & 15)] as char);
    }
    out
}

fn is_lower_hex(b: u8) -> bool {
    b.is_ascii_digit() || (b'a'..=b'f').contains(&b)
}

/// `[a-z0-9][a-z0-9_-]{0,39}`: agent and group ids.
fn is_entity_id(s: &str) -> bool {
    let bytes = s.as_bytes();
    !bytes.is_empty()
        && bytes.len() <= MAX_ENTITY_ID_LEN
        && (bytes[0].is_ascii_lowercase() || bytes[0].is_ascii_digit())
        && bytes
            .iter()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || *b == b'_' || *b == b'-')
}

/// `[A-Za-z0-9_-]*`.
pub fn is_base64url(s: &str) -> bool {
    s.bytes()
        .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

#[cfg(test)]
mod tests {
    use super::*;

    const S: &str = "s_0123456789abcdef0123456789abcdef";

    #[test]
    fn site_ids() {
        assert!(SiteId::parse(S).is_some());
        assert!(SiteId::parse("s_0123456789ABCDEF0123456789abcdef").is_none());
        assert!(SiteId::parse("s_0123").is_none());
        let made = SiteId::from_random(&[0xab; 16]);
        assert_eq!(SiteId::parse(made.as_str()), Some(made));
    }

    #[test]
    fn agent_and_group_ids() {
        assert!(GroupId::parse("sales").is_some());
        assert!(GroupId::parse("0-a_b").is_some());
        assert!(GroupId::parse("-a").is_none());
        assert!(GroupId::parse("Sales").is_none());
        assert!(GroupId::parse("").is_none());
        assert!(GroupId::parse(&"a".repeat(41)).is_none());
        assert!(GroupId::parse(&"a".repeat(40)).is_some());
        assert!(GroupId::parse("me").is_some());
        assert!(AgentId::parse("me").is_none());
        assert!(AgentId::parse("giulia").is_some());
    }

    #[test]
    fn other_ids() {
        assert!(SessionId::parse("Phone-1_x").is_some());
        assert!(SessionId::parse("a b").is_none());
        assert!(SessionId::parse(&"a".repeat(65)).is_none());
        let device = SessionId::device_from_random(&[1; 8]);
        assert_eq!(device.as_str(), "ws_0101010101010101");
        assert!(SessionId::parse(device.as_str()).is_some());
        assert!(VisitorId::parse("AAAAAAAAAAAAAAAAAAAAAA").is_some());
        assert!(VisitorId::parse("short").is_none());
        assert!(ConversationId::parse("c_1").is_some());
        assert!(ConversationId::parse("a/b").is_none());
        let c = ConversationId::from_random(&[1; 16]);
        assert!(ConversationId::parse(c.as_str()).is_some());
        assert_eq!(hex(&[0, 255, 16]), "00ff10");
    }

    #[test]
    fn json_decoding_checks_the_syntax() {
        let ok: GroupId = serde_json::from_str(r#""sales""#).unwrap();
        assert_eq!(ok, "sales");
        assert_eq!(serde_json::to_string(&ok).unwrap(), r#""sales""#);
        let err = serde_json::from_str::<GroupId>(r#""Sales""#).unwrap_err();
        assert!(err.to_string().contains("not a valid group id"), "{err}");
        let map: alloc::collections::BTreeMap<GroupId, u8> =
            [(GroupId::parse("a").unwrap(), 1)].into();
        assert_eq!(map.get("a"), Some(&1));
    }
}
