//! Where the next page of `GET /conversations` starts: after the last
//! listed conversation's list key (the rules' [`ListKey`]). On the wire an
//! opaque string: `o1.`/`o0.` (open, waiting or not) + `updated_at` ms, or
//! `c.` + `closed_at` ms; then `.` and the conversation id. The time has at
//! most 18 digits (any Unix ms time has 13 until the year 2286), so that the
//! syntax alone, as the OpenAPI pattern says it, decides what is accepted.

use presenza_protocol::ConversationId;
use presenza_rules::ListKey;
use serde::{Deserialize, Serialize};

/// Every number of this many digits fits an `i64`.
const MAX_TIME_DIGITS: usize = 18;

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ListCursor {
    pub closed: bool,
    /// Open and waiting (always false when closed).
    pub waiting: bool,
    /// `updated_at` (open) or `closed_at` (closed), Unix ms.
    pub time: i64,
    pub id: ConversationId,
}

impl ListCursor {
    /// The cursor after `key`; `None` if the key's id is not a conversation
    /// id (keys are made from stored conversations, whose ids are).
    pub fn of(key: &ListKey<'_>) -> Option<Self> {
        let (closed, waiting, time, id) = match key {
            ListKey::Open(k) => (false, k.waiting, k.updated_at, k.id),
            ListKey::Closed { closed_at, id } => (true, false, *closed_at, *id),
        };
        Some(ListCursor {
            closed,
            waiting,
            time,
            id: ConversationId::parse(id)?,
        })
    }

    pub fn encode(&self) -> String {
        let kind = match (self.closed, self.waiting) {
            (true, _) => "c",
            (false, true) => "o1",
            (false, false) => "o0",
        };
        format!("{kind}.{}.{}", self.time, self.id)
    }

    /// Parses [`ListCursor::encode`]'s output; `None` for anything else.
    pub fn parse(s: &str) -> Option<Self> {
        let mut parts = s.splitn(3, '.');
        let (kind, time, id) = (parts.next()?, parts.next()?, parts.next()?);
        let (closed, waiting) = match kind {
            "c" => (true, false),
            "o1" => (false, true),
            "o0" => (false, false),
            _ => return None,
        };
        if time.is_empty()
            || time.len() > MAX_TIME_DIGITS
            || !time.bytes().all(|b| b.is_ascii_digit())
        {
            return None;
        }
        let time: i64 = time.parse().ok()?;
        Some(ListCursor {
            closed,
            waiting,
            time,
            id: ConversationId::parse(id)?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn id(s: &str) -> ConversationId {
        ConversationId::parse(s).unwrap()
    }

    #[test]
    fn cursors() {
        for c in [
            ListCursor {
                closed: false,
                waiting: true,
                time: 1_732_550_000_000,
                id: id("c_0123"),
            },
            ListCursor {
                closed: false,
                waiting: false,
                time: 0,
                id: id("c_x-y"),
            },
            ListCursor {
                closed: true,
                waiting: false,
                time: 7,
                id: id("c_1"),
            },
        ] {
            assert_eq!(ListCursor::parse(&c.encode()), Some(c));
        }
        for bad in [
            "",
            "c",
            "c.1",
            "c..c_1",
            "c.-1.c_1",
            "c.+1.c_1",
            "x.1.c_1",
            "o1.1.",
            "o1.1.a.b",
            "c.99999999999999999999.c_1",
            "c.1000000000000000000.c_1",
        ] {
            assert_eq!(ListCursor::parse(bad), None, "{bad}");
        }
        assert!(ListCursor::parse("c.999999999999999999.c_1").is_some());
    }
}
