//! Conversations of the agent's inbox, shaped like the conversations API
//! (docs/conversations-api.md): summaries with `unread` and `waiting`,
//! messages numbered by `seq`, plus this agent's outbox.
//!
//! Sources, merged here without ever going back in time:
//! - `GET conversations?state=open|closed&limit=100` (sign-in, every
//!   (re)connect, a tab shown): [`Inbox::set_list`], and its further pages
//!   ("Load more", by `next_cursor`): [`Inbox::add_list_page`];
//! - the device socket's `message` frames: [`Inbox::receive`], its
//!   `conversation` frames (closed or reopened, on any device; also the
//!   answer to this console's own close or reopen): [`Inbox::changed`], and
//!   its `read` frames (another device of the agent read): [`Inbox::apply_read`];
//! - `GET conversations/{id}/messages?after=N` pages: [`Inbox::add_page`].
//!
//! A summary's `last_seq` is its version: an older summary (a list that
//! left the edge before a newer frame arrived) never overwrites a newer
//! one. Unread counts only go down without a new message (read marks never
//! move back), so with equal versions the smaller count wins. A reopen adds
//! no message, so a summary's state (open or closed) is taken with an equal
//! version only from a frame or from a list asked for after the last frame.
//!
//! The inbox shows one tab, open or closed conversations; both kinds are
//! kept, so a close moves a conversation from one tab to the other at once.
//!
//! Replies go through the [`Outgoing`] outbox until the edge acknowledges
//! them with their seq; the outbox survives a reload (sessionStorage) and
//! is sent again after a reconnect with the same client ids (idempotent).
//!
//! The edge's answers and frames carry presenza-protocol views
//! (`ConversationView`, `MessageView`); the store keeps its own model of
//! them ([`Conversation`], [`Message`]) and converts here (`From`).

use std::cmp::Ordering;
use std::collections::BTreeSet;

use presenza_protocol::view::{AssignChoices, ConversationPage, ConversationView, MessageView};
use presenza_rules::{
    AssignedFilter, ConversationState, InboxKey, MessageKind, Sender, UnixMillis,
};
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq)]
pub enum Author {
    Visitor,
    Agent {
        id: String,
        name: String,
        /// Their picture's version, when they have one.
        picture: Option<String>,
    },
    /// Presenza itself: the automatic busy reply or the note of a close,
    /// by the message's `kind` (None: a kind this console does not know).
    System(Option<MessageKind>),
}

#[derive(Clone, Debug, PartialEq)]
pub struct Message {
    pub seq: u64,
    pub client_id: String,
    pub author: Author,
    pub text: String,
    pub at: UnixMillis,
}

/// The agent a conversation is assigned to.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Assignee {
    pub id: String,
    pub name: String,
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
    /// Oldest first, by `seq`; possibly with gaps until loaded.
    pub messages: Vec<Message>,
    /// The summary's last message (the preview before anything is loaded).
    pub last_message: Option<Message>,
    /// The summary's version: the conversation's last seq when it was sent.
    pub last_seq: u64,
    /// Visitor messages after this agent's read mark.
    pub unread: u64,
    /// The visitor's last message has no agent reply yet (offline messages
    /// included): these come first.
    pub waiting: bool,
    pub created_at: UnixMillis,
    pub updated_at: UnixMillis,
    /// Open (in the inbox) or closed (dealt with).
    pub state: ConversationState,
    pub closed_at: Option<UnixMillis>,
    /// The name of the agent who closed it.
    pub closed_by: Option<String>,
    /// The agent it is assigned to.
    pub assignee: Option<Assignee>,
    /// The highest read mark this console sent or was told of.
    pub read_sent: u64,
    /// A page of messages is on its way.
    pub loading: bool,
    /// A frame told of it since the last list request left: a list that
    /// does not have it yet must not drop it.
    pub fresh: bool,
}

fn trimmed(s: Option<&str>) -> Option<&str> {
    s.map(str::trim).filter(|s| !s.is_empty())
}

impl Conversation {
    /// The visitor's name, else e-mail, else a short stable placeholder.
    pub fn title(&self) -> String {
        if let Some(name) = trimmed(self.visitor.name.as_deref()) {
            return name.to_owned();
        }
        if let Some(email) = trimmed(self.visitor.email.as_deref()) {
            return email.to_owned();
        }
        let short: String = self.visitor.id.chars().take(4).collect();
        format!("Visitor {short}")
    }

    /// The e-mail, when the title is the name (else it says nothing new).
    pub fn email(&self) -> Option<&str> {
        trimmed(self.visitor.name.as_deref())?;
        trimmed(self.visitor.email.as_deref())
    }

    /// The newest message known (loaded or from the summary).
    pub fn latest(&self) -> Option<&Message> {
        match (self.messages.last(), self.last_message.as_ref()) {
            (Some(a), Some(b)) => Some(if b.seq > a.seq { b } else { a }),
            (a, b) => a.or(b),
        }
    }

    pub fn last_at(&self) -> UnixMillis {
        self.latest()
            .map_or(self.updated_at, |m| m.at.max(self.updated_at))
    }

    /// The newest seq known of.
    pub fn newest_seq(&self) -> u64 {
        self.latest().map_or(0, |m| m.seq).max(self.last_seq)
    }

    /// Every message up to this seq is here (1, 2, … without a gap).
    pub fn synced(&self) -> u64 {
        let mut n = 0;
        for m in &self.messages {
            if m.seq == n + 1 {
                n += 1;
            } else if m.seq > n {
                break;
            }
        }
        n
    }

    /// Messages are missing: the history is not loaded or has a gap.
    pub fn incomplete(&self) -> bool {
        self.synced() < self.newest_seq()
    }

    /// The inbox order's key, as the edge sorts (presenza-rules).
    pub fn key(&self) -> InboxKey<'_> {
        InboxKey {
            waiting: self.waiting,
            updated_at: self.last_at(),
            id: &self.id,
        }
    }

    /// Adds or replaces a message (the edge's copy wins over a local one).
    fn upsert(&mut self, message: Message) -> bool {
        let at = self.messages.partition_point(|m| m.seq < message.seq);
        let new = self.messages.get(at).is_none_or(|m| m.seq != message.seq);
        self.updated_at = self.updated_at.max(message.at);
        self.last_seq = self.last_seq.max(message.seq);
        if new {
            self.messages.insert(at, message);
        } else {
            self.messages[at] = message;
        }
        new
    }

    pub fn is_closed(&self) -> bool {
        self.state == ConversationState::Closed
    }

    /// Takes the summary's state (open or closed, by whom, when).
    fn take_state(&mut self, summary: &Conversation) {
        self.state = summary.state;
        self.closed_at = summary.closed_at;
        self.closed_by.clone_from(&summary.closed_by);
    }

    /// Takes what a summary says, unless it is older than what is known.
    /// Its state (closed or open) is taken when the summary is newer, or
    /// when `current` says it is as new as anything known (a reopen adds
    /// no message, so the version alone cannot tell).
    fn absorb(&mut self, summary: Conversation, current: bool) {
        if current || summary.last_seq > self.last_seq {
            self.take_state(&summary);
        }
        // An unassign adds no message: a summary as new as anything known
        // carries the assignee.
        if current || summary.last_seq >= self.last_seq {
            self.assignee.clone_from(&summary.assignee);
        }
        self.group = summary.group;
        self.visitor = summary.visitor;
        if summary.created_at > 0 {
            self.created_at = summary.created_at;
        }
        match summary.last_seq.cmp(&self.last_seq) {
            Ordering::Greater => {
                self.last_seq = summary.last_seq;
                self.unread = summary.unread;
                self.waiting = summary.waiting;
                self.updated_at = self.updated_at.max(summary.updated_at);
                if summary.last_message.is_some() {
                    self.last_message = summary.last_message;
                }
            }
            Ordering::Equal => {
                if current {
                    // A close or reopen changes `waiting` without a message.
                    self.waiting = summary.waiting;
                }
                self.unread = self.unread.min(summary.unread);
                self.updated_at = self.updated_at.max(summary.updated_at);
                if self.last_message.is_none() {
                    self.last_message = summary.last_message;
                }
            }
            Ordering::Less => {}
        }
    }
}

/// A message as the edge describes it.
impl From<MessageView> for Message {
    fn from(m: MessageView) -> Message {
        let author = match (m.from, m.agent) {
            (Sender::Visitor, _) => Author::Visitor,
            (Sender::Agent, Some(a)) => Author::Agent {
                id: a.id.into(),
                name: a.name,
                picture: a.picture,
            },
            (Sender::Agent, None) => Author::Agent {
                id: String::new(),
                name: "Agent".into(),
                picture: None,
            },
            (Sender::System, _) => Author::System(m.kind),
        };
        Message {
            seq: m.seq,
            client_id: m.client_id,
            author,
            text: m.text,
            at: m.at.millis(),
        }
    }
}

/// A conversation's summary as the edge describes it (a list, a frame, the
/// answer to a close or reopen), before any of its messages is loaded.
impl From<ConversationView> for Conversation {
    fn from(c: ConversationView) -> Conversation {
        let last_message = c.last_message.map(Message::from);
        Conversation {
            id: c.id.into(),
            group: c.group.map(Into::into),
            visitor: Visitor {
                id: c.visitor.id.into(),
                name: c.visitor.name,
                email: c.visitor.email,
            },
            messages: Vec::new(),
            last_seq: c.last_seq.max(last_message.as_ref().map_or(0, |m| m.seq)),
            last_message,
            unread: c.unread,
            waiting: c.waiting,
            created_at: c.created_at.millis(),
            updated_at: c.updated_at.millis(),
            state: c.state,
            closed_at: c.closed_at.map(|t| t.millis()),
            closed_by: c.closed_by.map(|a| {
                if a.name.trim().is_empty() {
                    a.id.into()
                } else {
                    a.name
                }
            }),
            assignee: c.assignee.map(|a| Assignee {
                id: a.id.into(),
                name: a.name,
            }),
            read_sent: 0,
            loading: false,
            fresh: false,
        }
    }
}

/// A page of `GET conversations` as the store takes it: the summaries and
/// the cursor of the next page (None on the last one).
pub fn list_page(page: ConversationPage) -> (Vec<Conversation>, Option<String>) {
    let next = page.next_cursor.filter(|c| !c.is_empty());
    (
        page.conversations
            .into_iter()
            .map(Conversation::from)
            .collect(),
        next,
    )
}

/// A reply of this agent the edge has not acknowledged yet.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Outgoing {
    pub conversation: String,
    pub client_id: String,
    pub text: String,
    pub at: UnixMillis,
    /// Why the edge refused it (shown with Retry / Discard); None while
    /// it is on its way.
    #[serde(default)]
    pub failed: Option<String>,
}

#[derive(Debug, Default)]
pub struct Inbox {
    conversations: Vec<Conversation>,
    selected: Option<String>,
    /// The signed-in agent's id: its own messages acknowledge its outbox.
    pub me: String,
    /// The tab shown: open or closed conversations.
    pub tab: ConversationState,
    /// The tab whose list arrived (None: none yet, or another tab's).
    pub listed: Option<ConversationState>,
    /// The cursor of the shown tab's next page (None: no more).
    pub next_cursor: Option<String>,
    /// A further page is on its way.
    pub more_loading: bool,
    /// Why closing or reopening the open conversation failed.
    pub state_error: Option<String>,
    /// The conversation being closed or reopened right now.
    pub state_pending: Option<String>,
    /// Why the list could not be loaded.
    pub load_error: Option<String>,
    /// A list request is on its way / another one is wanted after it.
    pub list_loading: bool,
    pub list_again: bool,
    /// A problem to show under the reply box.
    pub reply_error: Option<String>,
    /// The reply being written, kept across redraws.
    pub draft: String,
    /// Replies waiting for the edge, oldest first.
    pub outbox: Vec<Outgoing>,
    /// Client ids being posted over HTTP right now.
    pub posting: BTreeSet<String>,
    /// Which assignees the list shows: all, this agent's, nobody's.
    pub assigned: AssignedFilter,
    /// Who the open conversation may go to (its id, the edge's answer).
    pub choices: Option<(String, AssignChoices)>,
    /// The conversation being assigned right now, and why it failed.
    pub assign_pending: Option<String>,
    pub assign_error: Option<String>,
}

impl Inbox {
    pub fn new(me: &str, outbox: Vec<Outgoing>) -> Self {
        Inbox {
            me: me.to_owned(),
            outbox,
            ..Inbox::default()
        }
    }

    /// The shown tab's conversations in the edge's order: open ones
    /// waiting first, then the most recent activity (presenza-rules'
    /// order); closed ones most recently closed first.
    pub fn ordered(&self) -> Vec<&Conversation> {
        let mut list: Vec<&Conversation> = self
            .conversations
            .iter()
            .filter(|c| c.state == self.tab && self.shows_assignee(c))
            .collect();
        match self.tab {
            ConversationState::Open => list.sort_by(|a, b| a.key().cmp(&b.key())),
            ConversationState::Closed => list.sort_by(|a, b| {
                b.closed_at
                    .unwrap_or(0)
                    .cmp(&a.closed_at.unwrap_or(0))
                    .then_with(|| a.key().cmp(&b.key()))
            }),
        }
        list
    }

    /// Whether the assignee filter lets `c` through.
    fn shows_assignee(&self, c: &Conversation) -> bool {
        match self.assigned {
            AssignedFilter::Any => true,
            AssignedFilter::Me => c.assignee.as_ref().is_some_and(|a| a.id == self.me),
            AssignedFilter::Nobody => c.assignee.is_none(),
        }
    }

    /// Whether `c` is assigned to this agent.
    pub fn is_mine(&self, c: &Conversation) -> bool {
        c.assignee.as_ref().is_some_and(|a| a.id == self.me)
    }

    /// The shown tab lists nothing.
    pub fn is_empty(&self) -> bool {
        !self.conversations.iter().any(|c| c.state == self.tab)
    }

    /// The shown tab's list arrived.
    pub fn loaded(&self) -> bool {
        self.listed == Some(self.tab)
    }

    /// Shows the open or the closed conversations; true when it changed
    /// (the list of that tab is the controller's to ask for).
    pub fn show_tab(&mut self, tab: ConversationState) -> bool {
        if self.tab == tab {
            return false;
        }
        self.tab = tab;
        self.next_cursor = None;
        self.more_loading = false;
        self.load_error = None;
        true
    }

    /// Unread visitor messages of open conversations.
    pub fn unread(&self) -> u64 {
        self.conversations
            .iter()
            .filter(|c| !c.is_closed())
            .map(|c| c.unread)
            .sum()
    }

    pub fn get(&self, id: &str) -> Option<&Conversation> {
        self.conversations.iter().find(|c| c.id == id)
    }

    fn get_mut(&mut self, id: &str) -> Option<&mut Conversation> {
        self.conversations.iter_mut().find(|c| c.id == id)
    }

    pub fn selected(&self) -> Option<&Conversation> {
        self.get(self.selected.as_deref()?)
    }

    pub fn selected_id(&self) -> Option<&str> {
        self.selected().map(|c| c.id.as_str())
    }

    /// Opens a conversation (its messages and read mark are the
    /// controller's to ask for).
    pub fn select(&mut self, id: &str) -> bool {
        if self.get(id).is_none() {
            return false;
        }
        if self.selected.as_deref() != Some(id) {
            self.reply_error = None;
            self.draft.clear();
        }
        self.selected = Some(id.to_owned());
        true
    }

    /// Back to the list (phone layout).
    pub fn deselect(&mut self) {
        self.selected = None;
        self.reply_error = None;
    }

    /// Forgets a conversation the agent no longer serves (404).
    pub fn forget(&mut self, id: &str) {
        self.conversations.retain(|c| c.id != id);
        self.outbox.retain(|o| o.conversation != id);
        if self.selected.as_deref() == Some(id) {
            self.deselect();
        }
    }

    /// A list request leaves: what frames bring from now on is newer.
    pub fn list_requested(&mut self) {
        for c in &mut self.conversations {
            c.fresh = false;
        }
    }

    /// The first page of the edge's list of one state (`GET
    /// conversations?state=…`): it decides which conversations of that
    /// state are listed (except those frames brought after it was asked
    /// for); what is known of each is merged. Further
    /// pages are for "Load more". Conversations of the other state stay.
    pub fn set_list(
        &mut self,
        state: ConversationState,
        summaries: Vec<Conversation>,
        next: Option<String>,
    ) {
        let mut old = std::mem::take(&mut self.conversations);
        for summary in summaries {
            let c = match old.iter().position(|c| c.id == summary.id) {
                Some(i) => {
                    let mut c = old.swap_remove(i);
                    let current = !c.fresh;
                    c.absorb(summary, current);
                    c
                }
                None => summary,
            };
            self.conversations.push(c);
        }
        self.conversations
            .extend(old.into_iter().filter(|c| c.fresh || c.state != state));
        let listed: BTreeSet<&str> = self.conversations.iter().map(|c| c.id.as_str()).collect();
        // Replies to conversations no longer served cannot be sent.
        self.outbox
            .retain(|o| listed.contains(o.conversation.as_str()));
        if state == self.tab {
            self.listed = Some(state);
            self.next_cursor = next;
            self.load_error = None;
        }
        if self.selected().is_none() {
            self.selected = None;
        }
    }

    /// A further page of the shown tab's list ("Load more"): added to
    /// what is listed.
    pub fn add_list_page(
        &mut self,
        state: ConversationState,
        summaries: Vec<Conversation>,
        next: Option<String>,
    ) {
        for summary in summaries {
            match self.get_mut(&summary.id) {
                Some(c) => {
                    let current = !c.fresh;
                    c.absorb(summary, current);
                }
                None => self.conversations.push(summary),
            }
        }
        if state == self.tab {
            self.next_cursor = next;
        }
    }

    /// A conversation was closed or reopened (a device frame or the
    /// answer to this console's own request): its summary is current.
    pub fn changed(&mut self, summary: Conversation) {
        match self.get_mut(&summary.id) {
            Some(c) => {
                c.absorb(summary, true);
                c.fresh = true;
            }
            None => {
                let mut c = summary;
                c.fresh = true;
                self.conversations.push(c);
            }
        }
    }

    /// Conversations erased with their visitor's data: gone, and no longer
    /// selected.
    pub fn erase(&mut self, ids: &[String]) {
        self.conversations.retain(|c| !ids.contains(&c.id));
        if self.selected.as_ref().is_some_and(|s| ids.contains(s)) {
            self.selected = None;
        }
    }

    /// A new message and its conversation's summary (device socket).
    /// Returns true when it is new (not seen before).
    pub fn receive(&mut self, summary: Conversation, message: Message) -> bool {
        let id = summary.id.clone();
        let c = match self.get_mut(&id) {
            Some(c) => {
                c.absorb(summary, false);
                c
            }
            None => {
                self.conversations.push(summary);
                let last = self.conversations.len() - 1;
                &mut self.conversations[last]
            }
        };
        c.fresh = true;
        let new = c.upsert(message.clone());
        self.settle(&id, &message);
        new
    }

    /// A page of messages (`GET …/messages`).
    pub fn add_page(&mut self, id: &str, messages: Vec<Message>) {
        for m in messages {
            if let Some(c) = self.get_mut(id) {
                c.upsert(m.clone());
            }
            self.settle(id, &m);
        }
    }

    /// A stored reply of this agent clears its outbox entry.
    fn settle(&mut self, id: &str, message: &Message) {
        if matches!(&message.author, Author::Agent { id: a, .. } if *a == self.me) {
            self.outbox
                .retain(|o| !(o.conversation == id && o.client_id == message.client_id));
        }
    }

    /// Another device of this agent (or this one) moved the read mark.
    pub fn apply_read(&mut self, id: &str, seq: u64, unread: u64) {
        if let Some(c) = self.get_mut(id) {
            if seq >= c.read_sent {
                c.read_sent = seq;
                c.unread = unread;
            }
        }
    }

    /// Marks the open conversation read: Some((id, seq)) when the edge
    /// should be told (it counted something unread).
    pub fn read_selected(&mut self) -> Option<(String, u64)> {
        let id = self.selected.clone()?;
        let c = self.get_mut(&id)?;
        let had = c.unread > 0;
        c.unread = 0;
        let seq = c.newest_seq();
        c.read_sent = c.read_sent.max(seq);
        (had && seq > 0).then_some((id, seq))
    }

    pub fn set_loading(&mut self, id: &str, loading: bool) {
        if let Some(c) = self.get_mut(id) {
            c.loading = loading;
        }
    }

    // ------------------------------------------------------------ outbox

    pub fn queue(&mut self, reply: Outgoing) {
        self.outbox.push(reply);
    }

    /// Replies of one conversation still in the outbox.
    pub fn outgoing<'a>(&'a self, id: &'a str) -> impl Iterator<Item = &'a Outgoing> {
        self.outbox.iter().filter(move |o| o.conversation == id)
    }

    /// Replies to send (not refused), oldest first.
    pub fn unsent(&self) -> Vec<Outgoing> {
        self.outbox
            .iter()
            .filter(|o| o.failed.is_none())
            .cloned()
            .collect()
    }

    /// The edge stored a reply of this agent (`name`, with `picture`) as
    /// `seq` (socket ack).
    pub fn ack(
        &mut self,
        client_id: &str,
        seq: u64,
        (name, picture): (&str, Option<&str>),
        at: UnixMillis,
    ) -> bool {
        let Some(o) = self.outbox.iter().find(|o| o.client_id == client_id) else {
            return false;
        };
        let conversation = o.conversation.clone();
        let message = Message {
            seq,
            client_id: o.client_id.clone(),
            author: Author::Agent {
                id: self.me.clone(),
                name: name.to_owned(),
                picture: picture.map(str::to_owned),
            },
            text: o.text.clone(),
            at,
        };
        self.stored_reply(&conversation, message);
        true
    }

    /// A reply of this agent, as stored by the edge (ack or HTTP answer):
    /// it leaves the outbox, answers the visitor and moves this agent's
    /// read mark.
    pub fn stored_reply(&mut self, id: &str, message: Message) {
        let seq = message.seq;
        if let Some(c) = self.get_mut(id) {
            let newest = seq >= c.newest_seq();
            c.upsert(message.clone());
            if newest {
                c.waiting = false;
                c.unread = 0;
            }
            c.read_sent = c.read_sent.max(seq);
        }
        self.settle(id, &message);
    }

    /// The edge refused a reply.
    pub fn fail(&mut self, client_id: &str, reason: &str) -> bool {
        match self.outbox.iter_mut().find(|o| o.client_id == client_id) {
            Some(o) => {
                o.failed = Some(reason.to_owned());
                true
            }
            None => false,
        }
    }

    /// Sends a refused reply again: the entry, back in the unsent ones.
    pub fn retry(&mut self, client_id: &str) -> Option<Outgoing> {
        let o = self.outbox.iter_mut().find(|o| o.client_id == client_id)?;
        o.failed = None;
        Some(o.clone())
    }

    pub fn discard(&mut self, client_id: &str) {
        self.outbox.retain(|o| o.client_id != client_id);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use presenza_protocol::frame::DeviceEvent;
    use serde_json::{json, Value};

    fn conv(id: &str, waiting: bool, unread: u64, last_seq: u64) -> Conversation {
        Conversation {
            id: id.into(),
            visitor: Visitor {
                id: format!("v{id}xyz"),
                ..Visitor::default()
            },
            unread,
            waiting,
            last_seq,
            ..Conversation::default()
        }
    }

    fn msg(seq: u64, at: UnixMillis) -> Message {
        Message {
            seq,
            client_id: format!("c{seq}"),
            author: Author::Visitor,
            text: "hi".into(),
            at,
        }
    }

    fn mine(seq: u64, client_id: &str) -> Message {
        Message {
            seq,
            client_id: client_id.into(),
            author: Author::Agent {
                id: "ann".into(),
                name: "Ann".into(),
                picture: None,
            },
            text: "reply".into(),
            at: 50,
        }
    }

    fn ids(inbox: &Inbox) -> Vec<&str> {
        inbox.ordered().iter().map(|c| c.id.as_str()).collect()
    }

    #[test]
    fn waiting_first_then_recent_and_unread() {
        let mut inbox = Inbox::new("ann", Vec::new());
        assert!(inbox.receive(conv("a", false, 1, 1), msg(1, 10)));
        assert!(inbox.receive(conv("b", true, 1, 1), msg(1, 5)));
        assert!(inbox.receive(conv("c", false, 1, 1), msg(1, 20)));
        assert!(
            !inbox.receive(conv("c", false, 1, 1), msg(1, 20)),
            "duplicates ignored"
        );
        assert_eq!(ids(&inbox), ["b", "c", "a"]);
        assert_eq!(inbox.unread(), 3);
        assert!(inbox.select("c"));
        assert_eq!(inbox.read_selected(), Some(("c".into(), 1)));
        assert_eq!(inbox.unread(), 2);
        assert_eq!(inbox.read_selected(), None, "told once");
        assert_eq!(
            inbox.selected().map(Conversation::title),
            Some("Visitor vcxy".into())
        );
    }

    #[test]
    fn titles_prefer_name_then_email() {
        let mut c = conv("a", false, 0, 0);
        c.visitor.email = Some("eva@example.com".into());
        assert_eq!((c.title().as_str(), c.email()), ("eva@example.com", None));
        c.visitor.name = Some(" Eva ".into());
        assert_eq!(
            (c.title().as_str(), c.email()),
            ("Eva", Some("eva@example.com"))
        );
    }

    #[test]
    fn messages_stay_in_seq_order_and_gaps_are_seen() {
        let mut inbox = Inbox::new("ann", Vec::new());
        inbox.receive(conv("a", false, 0, 3), msg(3, 30));
        let c = inbox.get("a").unwrap();
        assert_eq!((c.synced(), c.newest_seq(), c.incomplete()), (0, 3, true));
        inbox.add_page("a", vec![msg(1, 10), msg(2, 20), msg(3, 30)]);
        let c = inbox.get("a").unwrap();
        let seqs: Vec<u64> = c.messages.iter().map(|m| m.seq).collect();
        assert_eq!(seqs, [1, 2, 3]);
        assert!(!c.incomplete());
    }

    #[test]
    fn an_older_list_never_undoes_a_newer_frame() {
        let mut inbox = Inbox::new("ann", Vec::new());
        inbox.receive(conv("a", true, 2, 2), msg(2, 20));
        // A list that left the edge before message 2.
        let mut stale = conv("a", true, 1, 1);
        stale.updated_at = 10;
        inbox.set_list(
            ConversationState::Open,
            vec![stale, conv("b", false, 0, 4)],
            None,
        );
        let a = inbox.get("a").unwrap();
        assert_eq!((a.unread, a.last_seq, a.waiting), (2, 2, true));
        // Same version, fewer unread (read elsewhere meanwhile): fewer wins.
        inbox.set_list(ConversationState::Open, vec![conv("a", true, 0, 2)], None);
        assert_eq!(inbox.get("a").unwrap().unread, 0);
        assert!(inbox.get("b").is_none(), "the list decides what is listed");
        assert_eq!(inbox.get("a").unwrap().messages.len(), 1, "messages kept");
    }

    #[test]
    fn a_list_asked_for_before_a_new_conversation_keeps_it() {
        let mut inbox = Inbox::new("ann", Vec::new());
        inbox.receive(conv("a", false, 0, 1), msg(1, 10));
        inbox.list_requested();
        inbox.receive(conv("b", true, 1, 1), msg(1, 20));
        inbox.set_list(ConversationState::Open, vec![conv("a", false, 0, 1)], None);
        assert_eq!(ids(&inbox), ["b", "a"]);
        // Once a list asked for later still lacks it, it goes.
        inbox.list_requested();
        inbox.set_list(ConversationState::Open, vec![conv("a", false, 0, 1)], None);
        assert_eq!(ids(&inbox), ["a"]);
    }

    #[test]
    fn read_marks_from_other_devices() {
        let mut inbox = Inbox::new("ann", Vec::new());
        inbox.receive(conv("a", true, 3, 3), msg(3, 30));
        inbox.apply_read("a", 3, 0);
        assert_eq!(inbox.unread(), 0);
        inbox.apply_read("a", 2, 1);
        assert_eq!(inbox.unread(), 0, "an older mark is ignored");
    }

    #[test]
    fn outbox_acks_failures_and_retries() {
        let mut inbox = Inbox::new("ann", Vec::new());
        inbox.receive(conv("a", true, 1, 1), msg(1, 10));
        let out = |id: &str| Outgoing {
            conversation: "a".into(),
            client_id: id.into(),
            text: "reply".into(),
            at: 40,
            failed: None,
        };
        inbox.queue(out("r1"));
        inbox.queue(out("r2"));
        inbox.queue(out("r3"));
        assert_eq!(inbox.outgoing("a").count(), 3);
        assert!(inbox.ack("r1", 2, ("Ann", None), 45));
        assert!(!inbox.ack("r1", 2, ("Ann", None), 45), "acked once");
        let a = inbox.get("a").unwrap();
        assert_eq!((a.waiting, a.unread, a.newest_seq()), (false, 0, 2));
        assert!(matches!(&a.messages[1].author, Author::Agent { id, .. } if id == "ann"));
        // The stored copy arrives by another way (HTTP answer, catch-up).
        inbox.add_page("a", vec![mine(3, "r2")]);
        assert_eq!(inbox.unsent().len(), 1);
        assert!(inbox.fail("r3", "Too many messages"));
        assert!(inbox.unsent().is_empty());
        assert_eq!(inbox.retry("r3").map(|o| o.failed), Some(None));
        assert_eq!(inbox.unsent().len(), 1);
        inbox.discard("r3");
        assert!(inbox.outbox.is_empty());
        // Another agent's message with the same client id settles nothing.
        inbox.queue(out("r4"));
        let mut theirs = mine(4, "r4");
        theirs.author = Author::Agent {
            id: "bob".into(),
            name: "Bob".into(),
            picture: None,
        };
        inbox.add_page("a", vec![theirs]);
        assert_eq!(inbox.outbox.len(), 1);
    }

    #[test]
    fn forgetting_the_open_conversation_closes_it() {
        let mut inbox = Inbox::new("ann", Vec::new());
        inbox.receive(conv("a", true, 1, 1), msg(1, 10));
        inbox.select("a");
        inbox.forget("a");
        assert!(inbox.selected().is_none() && inbox.is_empty());
    }

    fn closed(id: &str, last_seq: u64, at: UnixMillis) -> Conversation {
        Conversation {
            state: ConversationState::Closed,
            closed_at: Some(at),
            closed_by: Some("Ann".into()),
            ..conv(id, false, 0, last_seq)
        }
    }

    #[test]
    fn tabs_list_open_or_closed_and_a_close_moves_it() {
        let mut inbox = Inbox::new("ann", Vec::new());
        inbox.set_list(
            ConversationState::Open,
            vec![conv("a", true, 1, 1), conv("b", false, 0, 2)],
            Some("next".into()),
        );
        assert!(inbox.loaded());
        assert_eq!(ids(&inbox), ["a", "b"]);
        assert_eq!(inbox.next_cursor.as_deref(), Some("next"));
        inbox.select("a");
        // Closed (here or on another device): it leaves the open tab, stays
        // open in the pane, and its unread no longer counts.
        inbox.changed(closed("a", 2, 100));
        assert_eq!(ids(&inbox), ["b"]);
        assert_eq!(inbox.unread(), 0);
        assert_eq!(inbox.selected_id(), Some("a"));
        assert!(inbox.selected().unwrap().is_closed());
        // The closed tab: its list is not loaded yet, the frame's is shown.
        assert!(inbox.show_tab(ConversationState::Closed));
        assert!(!inbox.show_tab(ConversationState::Closed));
        assert!(!inbox.loaded() && inbox.next_cursor.is_none());
        assert_eq!(ids(&inbox), ["a"]);
        inbox.list_requested();
        inbox.set_list(
            ConversationState::Closed,
            vec![closed("c", 3, 50), closed("a", 2, 100)],
            None,
        );
        assert_eq!(ids(&inbox), ["a", "c"], "most recently closed first");
        // Reopened (no message added: same version, the frame wins).
        inbox.changed(conv("a", true, 0, 2));
        assert!(inbox.get("a").unwrap().waiting);
        assert_eq!(ids(&inbox), ["c"]);
        assert!(inbox.show_tab(ConversationState::Open));
        assert_eq!(ids(&inbox), ["a", "b"]);
        // A list that left before the reopen does not close it again...
        inbox.set_list(ConversationState::Closed, vec![closed("a", 2, 100)], None);
        assert!(!inbox.get("a").unwrap().is_closed());
        // ...but a list asked for after it is current.
        inbox.list_requested();
        inbox.set_list(ConversationState::Closed, vec![closed("a", 2, 100)], None);
        assert!(inbox.get("a").unwrap().is_closed());
    }

    #[test]
    fn further_pages_add_to_the_list() {
        let mut inbox = Inbox::new("ann", Vec::new());
        inbox.set_list(
            ConversationState::Open,
            vec![conv("a", false, 0, 1)],
            Some("p2".into()),
        );
        inbox.add_list_page(ConversationState::Open, vec![conv("b", false, 0, 1)], None);
        assert_eq!(inbox.ordered().len(), 2);
        assert!(inbox.next_cursor.is_none());
        // The other tab's page leaves the shown tab's cursor alone.
        inbox.set_list(
            ConversationState::Open,
            vec![conv("a", false, 0, 1)],
            Some("p2".into()),
        );
        inbox.add_list_page(ConversationState::Closed, vec![closed("z", 1, 5)], None);
        assert_eq!(inbox.next_cursor.as_deref(), Some("p2"));
        assert_eq!(ids(&inbox), ["a"]);
    }

    #[test]
    fn a_message_frame_of_a_newer_version_carries_the_state() {
        let mut inbox = Inbox::new("ann", Vec::new());
        inbox.receive(conv("a", true, 1, 1), msg(1, 10));
        // The closing system message arrives with its closed summary.
        let note = Message {
            author: Author::System(Some(MessageKind::Closed)),
            ..msg(2, 20)
        };
        inbox.receive(closed("a", 2, 20), note);
        assert!(inbox.get("a").unwrap().is_closed());
        assert!(inbox.is_empty(), "not in the open tab");
    }

    // ------------------------------------------------------------ from the
    // protocol's views (answers and device frames)

    #[test]
    fn system_messages_by_kind() {
        let author = |kind: Value| {
            let m: MessageView = serde_json::from_value(json!({
                "seq": 2, "client_id": "s", "from": "system", "agent": null,
                "text": "Conversation closed by Ann.", "at": "2026-11-25T12:00:00Z", "kind": kind
            }))
            .unwrap();
            Message::from(m).author
        };
        assert_eq!(
            author(json!("closed")),
            Author::System(Some(MessageKind::Closed))
        );
        assert_eq!(
            author(json!("auto_reply")),
            Author::System(Some(MessageKind::AutoReply))
        );
        assert_eq!(author(json!(null)), Author::System(None));
        assert_eq!(author(json!("later")), Author::System(None));
    }

    #[test]
    fn conversation_messages_decode() {
        let msg: DeviceEvent = serde_json::from_value(json!({
            "type": "message",
            "conversation": {"id": "c1", "group": null,
                             "visitor": {"id": "v123AAAAAAAAAAAAAAAAAA", "name": "Eva", "email": null},
                             "last_seq": 3, "unread": 2, "waiting": true,
                             "created_at": "2026-11-25T11:59:00Z", "updated_at": "2026-11-25T12:00:00Z"},
            "message": {"seq": 3, "client_id": "c_x", "from": "visitor", "agent": null, "text": "Hello?",
                        "at": "2026-11-25T12:00:00Z"}
        }))
        .expect("message");
        let DeviceEvent::Message {
            conversation,
            message,
        } = msg
        else {
            panic!("not a message");
        };
        let c = Conversation::from(conversation);
        let m = Message::from(message);
        assert_eq!(
            (c.title(), c.unread, c.waiting),
            ("Eva".to_string(), 2, true)
        );
        assert_eq!(
            (m.seq, m.author, m.text.as_str()),
            (3, Author::Visitor, "Hello?")
        );
    }

    #[test]
    fn conversation_lists_page() {
        let page: ConversationPage = serde_json::from_value(json!({"conversations": [{
                "id": "c1", "group": "sales",
                "visitor": {"id": "v1AAAAAAAAAAAAAAAAAAAA", "name": null, "email": "a@b.co"},
                "last_message": {"seq": 2, "client_id": "k", "from": "agent", "agent": {"id": "ann", "name": "Ann"},
                                 "text": "Hi", "at": "2026-11-25T12:00:00Z"},
                "last_seq": 2, "unread": 0, "waiting": false,
                "created_at": "2026-11-25T11:00:00Z", "updated_at": "2026-11-25T12:00:00Z"
            }], "has_more": true}))
        .expect("page");
        let more = page.has_more;
        let (list, _) = list_page(page);
        assert!(more);
        let c = list[0].clone();
        assert_eq!(c.title(), "a@b.co");
        assert_eq!(c.group.as_deref(), Some("sales"));
        assert_eq!(c.latest().map(|m| m.text.as_str()), Some("Hi"));
        assert!(c.created_at > 0 && c.updated_at > c.created_at);
    }

    /// A conversation as the edge describes it, with `extra` fields set.
    fn summary(id: &str, extra: Value) -> Value {
        let mut v = json!({"id": id, "group": null, "visitor": {"id": "v1AAAAAAAAAAAAAAAAAAAA"},
            "last_seq": 4, "unread": 0, "waiting": false,
            "created_at": "2026-11-25T11:00:00Z", "updated_at": "2026-11-25T12:00:00Z"});
        if let (Some(v), Value::Object(extra)) = (v.as_object_mut(), extra) {
            v.extend(extra);
        }
        v
    }

    #[test]
    fn closed_conversations_and_cursors_decode() {
        let msg: DeviceEvent = serde_json::from_value(json!({
            "type": "conversation",
            "conversation": summary("c1", json!({"state": "closed",
                "closed_at": "2026-11-25T12:00:00Z", "closed_by": {"id": "ann", "name": "Ann"}}))
        }))
        .expect("conversation");
        let DeviceEvent::Conversation { conversation } = msg else {
            panic!("not a conversation frame");
        };
        let c = Conversation::from(conversation);
        assert!(c.is_closed());
        assert_eq!(c.closed_by.as_deref(), Some("Ann"));
        assert!(c.closed_at.is_some());
        // An older edge: no state (open), no cursor (no more pages).
        let page: ConversationPage = serde_json::from_value(
            json!({"conversations": [summary("c2", json!({}))], "has_more": false}),
        )
        .expect("page");
        let (list, next) = list_page(page);
        assert!(!list[0].clone().is_closed());
        assert_eq!(next, None);
        let page: ConversationPage = serde_json::from_value(
            json!({"conversations": [], "next_cursor": "abc", "has_more": true}),
        )
        .expect("page");
        let (_, next) = list_page(page);
        assert_eq!(next.as_deref(), Some("abc"));
    }

    #[test]
    fn assignees_filter_the_list_and_follow_the_frames() {
        let view = |id: &str, extra: Value| -> Conversation {
            let v: ConversationView = serde_json::from_value(summary(id, extra)).expect("view");
            v.into()
        };
        let mut inbox = Inbox::new("ann", Vec::new());
        inbox.set_list(
            ConversationState::Open,
            vec![
                view("c1", json!({"assignee": {"id": "ann", "name": "Ann"}})),
                view("c2", json!({"assignee": {"id": "bob", "name": "Bob"}})),
                view("c3", json!({})),
            ],
            None,
        );
        let shown = |inbox: &Inbox| -> Vec<String> {
            inbox.ordered().iter().map(|c| c.id.clone()).collect()
        };
        assert_eq!(shown(&inbox).len(), 3);
        inbox.assigned = AssignedFilter::Me;
        assert_eq!(shown(&inbox), ["c1"]);
        inbox.assigned = AssignedFilter::Nobody;
        assert_eq!(shown(&inbox), ["c3"]);
        // Unassigned (no message, the same version): the frame is current.
        inbox.changed(view("c1", json!({})));
        assert_eq!(shown(&inbox), ["c1", "c3"]);
        // Assigned to Ann on another device, with its note (seq 5).
        let note: MessageView =
            serde_json::from_value(json!({"seq": 5, "client_id": "system_assigned",
            "from": "system", "agent": null, "text": "Ann joined the conversation.",
            "at": "2026-11-25T12:00:00Z", "kind": "assigned", "subject": "Ann"}))
            .expect("note");
        inbox.receive(
            view(
                "c3",
                json!({"last_seq": 5, "assignee": {"id": "ann", "name": "Ann"}}),
            ),
            note.into(),
        );
        inbox.assigned = AssignedFilter::Me;
        assert_eq!(shown(&inbox), ["c3"]);
        assert!(inbox.get("c3").is_some_and(|c| inbox.is_mine(c)));
        // An older list never takes it back.
        inbox.set_list(ConversationState::Open, vec![view("c3", json!({}))], None);
        assert!(inbox.get("c3").is_some_and(|c| inbox.is_mine(c)));
    }

    #[test]
    fn views_convert_into_the_store() {
        let view: ConversationView = serde_json::from_value(summary(
            "c9",
            json!({"group": "sales", "unread": 2, "waiting": true, "last_seq": 1,
                "visitor": {"id": "AAAAAAAAAAAAAAAAAAAAAA", "name": null, "email": null},
                "last_message": {"seq": 3, "client_id": "k", "from": "agent", "agent": null,
                    "text": "Hi", "at": "2026-11-25T12:30:00Z", "kind": null},
                "state": "closed", "closed_at": "2026-11-25T13:00:00Z",
                "closed_by": {"id": "bob", "name": " "}}),
        ))
        .expect("conversation");
        let c = Conversation::from(view);
        assert_eq!(c.id, "c9");
        assert_eq!(c.group.as_deref(), Some("sales"));
        assert_eq!(c.visitor.id, "AAAAAAAAAAAAAAAAAAAAAA");
        assert_eq!(c.title(), "Visitor AAAA");
        assert_eq!((c.unread, c.waiting), (2, true));
        // The version is at least the last message's seq.
        assert_eq!(c.last_seq, 3);
        assert!(c.messages.is_empty());
        let last = c.last_message.as_ref().expect("last message");
        assert_eq!(
            last.author,
            Author::Agent {
                id: String::new(),
                name: "Agent".into(),
                picture: None
            }
        );
        assert_eq!(last.at, 1_795_609_800_000);
        assert_eq!(c.created_at, 1_795_604_400_000);
        assert_eq!(c.updated_at, 1_795_608_000_000);
        assert_eq!(c.state, ConversationState::Closed);
        assert_eq!(c.closed_at, Some(1_795_611_600_000));
        // A closer without a name is named by their id.
        assert_eq!(c.closed_by.as_deref(), Some("bob"));
        assert_eq!((c.read_sent, c.loading, c.fresh), (0, false, false));

        let m: MessageView = serde_json::from_value(json!({"seq": 5, "client_id": "r_1",
            "from": "agent", "agent": {"id": "ann", "name": "Ann", "picture": "0123456789abcdef"}, "text": "Done",
            "at": "2026-11-25T12:00:00Z", "kind": null}))
        .expect("message");
        let m = Message::from(m);
        assert_eq!(
            (m.seq, m.client_id.as_str(), m.text.as_str()),
            (5, "r_1", "Done")
        );
        assert_eq!(
            m.author,
            Author::Agent {
                id: "ann".into(),
                name: "Ann".into(),
                picture: Some("0123456789abcdef".into())
            }
        );
        // A list page's empty cursor means no more pages.
        let page = ConversationPage {
            conversations: vec![],
            next_cursor: Some(String::new()),
            has_more: false,
        };
        assert_eq!(list_page(page).1, None);
    }
}
