//! Conversations of the agent's inbox, shaped like the conversations API
//! (docs/conversations-api.md): summaries with `unread` and `waiting`,
//! messages numbered by `seq`.
//!
//! What is wired now: the device socket's `{"type":"message"}` frames feed
//! [`Inbox::receive`] (title and notification included). Left for the
//! conversation API step: loading the list (`GET conversations`) and older
//! messages, sending replies and read marks (see `Msg::Reply` in the
//! controller). Until the edge sends conversations the inbox shows its
//! empty state.

use crate::wire::Millis;

#[derive(Clone, Debug, PartialEq)]
pub enum Author {
    Visitor,
    Agent {
        id: String,
        name: String,
    },
    /// The automatic busy reply.
    System,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Message {
    pub seq: u64,
    pub client_id: String,
    pub author: Author,
    pub text: String,
    pub at: Millis,
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct Visitor {
    pub id: String,
    pub name: Option<String>,
    pub email: Option<String>,
}

/// A conversation as its summary describes it, plus the messages seen.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Conversation {
    pub id: String,
    pub group: Option<String>,
    pub visitor: Visitor,
    /// Oldest first, by `seq`.
    pub messages: Vec<Message>,
    /// Visitor messages after this agent's read mark.
    pub unread: u32,
    /// The visitor's last message has no agent reply yet (offline messages
    /// included): these come first.
    pub waiting: bool,
    pub updated_at: Millis,
}

impl Conversation {
    /// The visitor's name, or a short stable placeholder.
    pub fn title(&self) -> String {
        match self.visitor.name.as_deref().map(str::trim) {
            Some(name) if !name.is_empty() => name.to_owned(),
            _ => {
                let short: String = self.visitor.id.chars().take(4).collect();
                format!("Visitor {short}")
            }
        }
    }

    pub fn last_at(&self) -> Millis {
        self.messages
            .last()
            .map_or(self.updated_at, |m| m.at.max(self.updated_at))
    }

    pub fn preview(&self) -> &str {
        self.messages.last().map_or("", |m| m.text.as_str())
    }
}

#[derive(Debug, Default)]
pub struct Inbox {
    conversations: Vec<Conversation>,
    selected: Option<String>,
    /// A problem to show under the reply box.
    pub reply_error: Option<String>,
    /// The reply being written, kept across redraws.
    pub draft: String,
}

impl Inbox {
    /// Waiting first, then the most recent activity.
    pub fn ordered(&self) -> Vec<&Conversation> {
        let mut list: Vec<&Conversation> = self.conversations.iter().collect();
        list.sort_by(|a, b| {
            b.waiting
                .cmp(&a.waiting)
                .then(b.last_at().cmp(&a.last_at()))
                .then(a.id.cmp(&b.id))
        });
        list
    }

    pub fn is_empty(&self) -> bool {
        self.conversations.is_empty()
    }

    pub fn unread(&self) -> u32 {
        self.conversations.iter().map(|c| c.unread).sum()
    }

    pub fn selected(&self) -> Option<&Conversation> {
        let id = self.selected.as_deref()?;
        self.conversations.iter().find(|c| c.id == id)
    }

    /// Opens a conversation and marks it read (locally; the read mark for
    /// the edge comes with the conversation API step).
    pub fn select(&mut self, id: &str) {
        self.reply_error = None;
        self.draft.clear();
        if let Some(c) = self.conversations.iter_mut().find(|c| c.id == id) {
            c.unread = 0;
            self.selected = Some(c.id.clone());
        }
    }

    /// Back to the list (phone layout).
    pub fn deselect(&mut self) {
        self.selected = None;
    }

    /// Takes a new message and its conversation's summary. `looking`: the
    /// agent sees this tab, so an open conversation stays read. Returns
    /// true for a new visitor message the agent should be told of.
    pub fn receive(&mut self, summary: Conversation, message: Message, looking: bool) -> bool {
        let open = looking && self.selected.as_deref() == Some(summary.id.as_str());
        let index = match self.conversations.iter().position(|c| c.id == summary.id) {
            Some(i) => i,
            None => {
                self.conversations.push(Conversation {
                    messages: Vec::new(),
                    ..summary.clone()
                });
                self.conversations.len() - 1
            }
        };
        let c = &mut self.conversations[index];
        c.group = summary.group;
        c.visitor = summary.visitor;
        c.waiting = summary.waiting;
        c.updated_at = c.updated_at.max(summary.updated_at);
        c.unread = if open { 0 } else { summary.unread };
        if c.messages.iter().any(|m| m.seq == message.seq) {
            return false;
        }
        let from_visitor = message.author == Author::Visitor;
        let at = c.messages.partition_point(|m| m.seq < message.seq);
        c.messages.insert(at, message);
        from_visitor
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn conv(id: &str, waiting: bool, unread: u32) -> Conversation {
        Conversation {
            id: id.into(),
            visitor: Visitor {
                id: format!("v{id}xyz"),
                ..Visitor::default()
            },
            unread,
            waiting,
            ..Conversation::default()
        }
    }

    fn msg(seq: u64, at: Millis) -> Message {
        Message {
            seq,
            client_id: format!("c{seq}"),
            author: Author::Visitor,
            text: "hi".into(),
            at,
        }
    }

    #[test]
    fn waiting_first_then_recent_and_unread() {
        let mut inbox = Inbox::default();
        assert!(inbox.receive(conv("a", false, 1), msg(1, 10), true));
        assert!(inbox.receive(conv("b", true, 1), msg(1, 5), true));
        assert!(inbox.receive(conv("c", false, 1), msg(1, 20), true));
        assert!(
            !inbox.receive(conv("c", false, 1), msg(1, 20), true),
            "duplicates ignored"
        );
        let order: Vec<&str> = inbox.ordered().iter().map(|c| c.id.as_str()).collect();
        assert_eq!(order, ["b", "c", "a"]);
        assert_eq!(inbox.unread(), 3);
        inbox.select("c");
        assert_eq!(inbox.unread(), 2);
        inbox.receive(conv("c", false, 1), msg(2, 30), true);
        assert_eq!(inbox.unread(), 2, "the open conversation stays read");
        inbox.receive(conv("c", false, 2), msg(3, 40), false);
        assert_eq!(inbox.unread(), 4, "a hidden tab counts it");
        assert_eq!(
            inbox.selected().map(Conversation::title),
            Some("Visitor vcxy".into())
        );
    }

    #[test]
    fn messages_stay_in_seq_order() {
        let mut inbox = Inbox::default();
        inbox.receive(conv("a", false, 0), msg(2, 20), true);
        inbox.receive(conv("a", false, 0), msg(1, 10), true);
        let seqs: Vec<u64> = inbox.ordered()[0].messages.iter().map(|m| m.seq).collect();
        assert_eq!(seqs, [1, 2]);
    }
}
