//! Typing indicators, both ways, in memory only (never stored, never
//! persisted): which visitors are typing, until when, and when this agent
//! last told a visitor it is typing (the throttle of its own frames).
//!
//! - A visitor's `typing` frame shows "… is typing" on their conversation
//!   until a stop, their next message, or [`TYPING_EXPIRES_MS`] without a
//!   new frame (a closed tab never sends its stop).
//! - While the agent writes a reply, one `typing: true` per
//!   [`TYPING_EVERY_MS`]; `typing: false` when the box is emptied or left
//!   (or the agent moves to another conversation). A sent reply needs no
//!   stop: the widget drops the indicator when the reply arrives.

use std::collections::BTreeMap;

use presenza_protocol::limits::{TYPING_EVERY_MS, TYPING_EXPIRES_MS};
use presenza_rules::UnixMillis;

/// A typing frame this console should send: the conversation, and whether
/// the agent is typing (false: stopped).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Tell {
    pub conversation: String,
    pub typing: bool,
}

#[derive(Debug, Default)]
pub struct Typing {
    /// Conversations whose visitor is typing, until when.
    visitors: BTreeMap<String, UnixMillis>,
    /// The conversation this agent last said it types in, and when.
    sent: Option<(String, UnixMillis)>,
}

impl Typing {
    /// A visitor's `typing` frame.
    pub fn visitor(&mut self, conversation: &str, typing: bool, now: UnixMillis) {
        if typing {
            self.visitors.insert(
                conversation.to_owned(),
                now + UnixMillis::from(TYPING_EXPIRES_MS),
            );
        } else {
            self.visitors.remove(conversation);
        }
    }

    /// A message from the visitor: they stopped typing it.
    pub fn visitor_wrote(&mut self, conversation: &str) {
        self.visitors.remove(conversation);
    }

    /// Whether the visitor of `conversation` is typing now.
    pub fn is_typing(&self, conversation: &str, now: UnixMillis) -> bool {
        self.visitors
            .get(conversation)
            .is_some_and(|until| *until > now)
    }

    /// Drops the indicators that ran out; whether any did.
    pub fn expire(&mut self, now: UnixMillis) -> bool {
        let before = self.visitors.len();
        self.visitors.retain(|_, until| *until > now);
        self.visitors.len() != before
    }

    /// The reply box of `conversation` changed (`empty`: nothing in it
    /// now): the frames to send, at most one `typing: true` per
    /// [`TYPING_EVERY_MS`].
    pub fn drafting(&mut self, conversation: &str, empty: bool, now: UnixMillis) -> Vec<Tell> {
        let mut tell = Vec::new();
        if let Some((other, _)) = &self.sent {
            if empty || other != conversation {
                tell.push(Tell {
                    conversation: other.clone(),
                    typing: false,
                });
                self.sent = None;
            }
        }
        if empty {
            return tell;
        }
        let due = match &self.sent {
            Some((_, at)) => now - at >= UnixMillis::from(TYPING_EVERY_MS),
            None => true,
        };
        if due {
            self.sent = Some((conversation.to_owned(), now));
            tell.push(Tell {
                conversation: conversation.to_owned(),
                typing: true,
            });
        }
        tell
    }

    /// The box was left: a stop, if the agent was said to be typing.
    pub fn left(&mut self) -> Option<Tell> {
        self.sent.take().map(|(conversation, _)| Tell {
            conversation,
            typing: false,
        })
    }

    /// A reply was sent: the next keystroke says "typing" again at once
    /// (no stop: the reply itself ends the indicator).
    pub fn replied(&mut self) {
        self.sent = None;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const T: UnixMillis = 1_000_000;

    fn tell(c: &str, typing: bool) -> Tell {
        Tell {
            conversation: c.into(),
            typing,
        }
    }

    #[test]
    fn a_visitor_types_then_stops_writes_or_goes_quiet() {
        let mut t = Typing::default();
        t.visitor("a", true, T);
        assert!(t.is_typing("a", T + 1) && !t.is_typing("b", T));
        t.visitor("a", false, T + 10);
        assert!(!t.is_typing("a", T + 10), "a stop ends it");
        t.visitor("a", true, T);
        t.visitor_wrote("a");
        assert!(!t.is_typing("a", T), "their message ends it");
        t.visitor("a", true, T);
        t.visitor("b", true, T + 3_000);
        let expires = T + UnixMillis::from(TYPING_EXPIRES_MS);
        assert!(t.is_typing("a", expires - 1));
        assert!(!t.is_typing("a", expires), "no new frame: it runs out");
        assert!(t.expire(expires));
        assert!(!t.expire(expires), "once");
        assert!(t.is_typing("b", expires), "the other one is fresher");
    }

    #[test]
    fn the_agent_says_it_types_at_most_every_few_seconds() {
        let mut t = Typing::default();
        assert_eq!(t.drafting("a", false, T), [tell("a", true)]);
        assert_eq!(t.drafting("a", false, T + 100), []);
        let every = UnixMillis::from(TYPING_EVERY_MS);
        assert_eq!(t.drafting("a", false, T + every - 1), []);
        assert_eq!(t.drafting("a", false, T + every), [tell("a", true)]);
        // Emptied: a stop, once.
        assert_eq!(t.drafting("a", true, T + every + 1), [tell("a", false)]);
        assert_eq!(t.drafting("a", true, T + every + 2), []);
        // Another conversation: a stop for the first, then typing.
        t.drafting("a", false, T + 2 * every);
        assert_eq!(
            t.drafting("b", false, T + 2 * every + 1),
            [tell("a", false), tell("b", true)]
        );
        assert_eq!(t.left(), Some(tell("b", false)));
        assert_eq!(t.left(), None, "left once");
        t.drafting("b", false, T + 3 * every);
        t.replied();
        assert_eq!(t.left(), None, "a reply needs no stop");
        assert_eq!(t.drafting("b", false, T + 3 * every + 1), [tell("b", true)]);
    }
}
