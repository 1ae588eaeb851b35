//! Conversations: messages, visitors and their context, pages, assignment.

use super::*;

/// `{"id","name"}` of an agent who wrote or closed something.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AgentRef {
    pub id: AgentId,
    pub name: String,
    /// The agent's picture now (see `AgentView::picture`); absent without
    /// one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub picture: Option<String>,
}

/// `GET conversations/{id}/assign`: who a conversation may go to.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AssignChoices {
    /// The agents who serve it (assignable as it is), by name.
    pub agents: Vec<Assignable>,
    /// The site's groups (a transfer), by name.
    pub groups: Vec<GroupRef>,
}

/// An agent a conversation may be assigned to, with their status now.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Assignable {
    pub id: AgentId,
    pub name: String,
    #[serde(deserialize_with = "status_or_offline")]
    pub status: Status,
}

/// `{"id","name"}` of a group.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct GroupRef {
    pub id: GroupId,
    pub name: String,
}

/// A message.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MessageView {
    pub seq: u64,
    pub client_id: String,
    pub from: Sender,
    /// The agent of an agent's message; `null` otherwise.
    pub agent: Option<AgentRef>,
    /// Plain text, exactly as stored: clients render it as text, never HTML.
    pub text: String,
    pub at: Timestamp,
    /// A system message's kind; `null` for visitor and agent messages and
    /// for a kind this client does not know yet.
    #[serde(default, deserialize_with = "known_kind")]
    pub kind: Option<MessageKind>,
    /// Who or what a system message names, for clients to word it in
    /// their language: the agent who joined (`assigned`), the group the
    /// conversation went to (`transferred`). Absent otherwise.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subject: Option<String>,
}

impl MessageView {
    /// A message; `agent` is kept only for an agent's message, `kind` only
    /// for a system message.
    pub fn new(
        seq: u64,
        client_id: String,
        from: Sender,
        agent: Option<AgentRef>,
        text: String,
        at: UnixMillis,
        kind: Option<MessageKind>,
    ) -> Self {
        MessageView {
            seq,
            client_id,
            from,
            agent: agent.filter(|_| from == Sender::Agent),
            text,
            at: Timestamp(at),
            kind: kind.filter(|_| from == Sender::System),
            subject: None,
        }
    }

    /// With the name a system message is about (kept only for one).
    pub fn about(mut self, subject: Option<String>) -> Self {
        self.subject = subject.filter(|_| self.from == Sender::System);
        self
    }
}

/// The visitor of a conversation.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct VisitorView {
    pub id: VisitorId,
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub email: Option<String>,
}

/// One conversation as one agent sees it (its unread count).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConversationView {
    pub id: ConversationId,
    /// Its group, fixed by its first message or a transfer; `null`: the
    /// whole site.
    pub group: Option<GroupId>,
    pub visitor: VisitorView,
    #[serde(default)]
    pub last_message: Option<MessageView>,
    pub last_seq: u64,
    /// Visitor messages after this agent's read mark.
    pub unread: u64,
    /// Open, and the visitor wrote last.
    pub waiting: bool,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    /// `open` or `closed` (an edge older than closing sent none: open).
    #[serde(default = "open")]
    pub state: ConversationState,
    #[serde(default)]
    pub closed_at: Option<Timestamp>,
    #[serde(default)]
    pub closed_by: Option<AgentRef>,
    /// The agent it is assigned to (`POST conversations/{id}/assign`);
    /// absent: nobody.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub assignee: Option<AgentRef>,
}

/// Whether a conversation is closed, when and by whom.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Closing {
    pub state: ConversationState,
    pub closed_at: Option<UnixMillis>,
    pub closed_by: Option<AgentRef>,
}

impl Closing {
    pub const OPEN: Closing = Closing {
        state: ConversationState::Open,
        closed_at: None,
        closed_by: None,
    };
}

impl ConversationView {
    /// `counters` is the rules' view of it for this agent (waiting, unread).
    pub fn new(
        id: ConversationId,
        counters: &ConversationSummary,
        group: Option<GroupId>,
        visitor: VisitorView,
        last_message: Option<MessageView>,
        last_seq: u64,
        closing: &Closing,
    ) -> Self {
        ConversationView {
            id,
            group,
            visitor,
            last_message,
            last_seq,
            unread: counters.unread(),
            waiting: presenza_rules::waits(closing.state, counters),
            created_at: Timestamp(counters.created_at),
            updated_at: Timestamp(counters.updated_at),
            state: closing.state,
            closed_at: time::opt(closing.closed_at),
            closed_by: closing.closed_by.clone(),
            assignee: None,
        }
    }

    /// With the agent it is assigned to.
    pub fn assigned(mut self, assignee: Option<AgentRef>) -> Self {
        self.assignee = assignee;
        self
    }
}

/// `GET conversations`: a page in the rules' list order.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConversationPage {
    pub conversations: Vec<ConversationView>,
    /// Where the next page starts (`?cursor=`); `null` on the last page.
    #[serde(default)]
    pub next_cursor: Option<String>,
    pub has_more: bool,
}

/// `GET conversations/{id}/messages`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MessagePage {
    pub messages: Vec<MessageView>,
    pub has_more: bool,
    /// The visitor's context, as the edge last recorded it (absent: none).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub context: Option<VisitorContext>,
}

/// Where a visitor is and what they use, recorded by the edge from their
/// widget's socket (the request: browser and OS from `User-Agent`, country
/// and city from the platform's request data) and its `auth` and `send`
/// frames (the page, the referrer, the time zone). Anonymous input: each
/// field is validated and cut to its limit (`limits::MAX_CONTEXT_*`), and
/// absent when unknown or invalid.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct VisitorContext {
    /// The page their widget is on now (the latest `auth`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub page: Option<String>,
    /// The page of their latest message.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub wrote_from: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub referrer: Option<String>,
    /// "Chrome 131", "Firefox 133", "Safari 18"...
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub browser: Option<String>,
    /// "Windows", "macOS", "iOS 17", "Android 14", "Linux"...
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub os: Option<String>,
    /// ISO 3166-1 alpha-2.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub country: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub city: Option<String>,
    /// IANA, from the widget's `Intl` (their local time).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub time_zone: Option<String>,
    /// When it was last recorded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub at: Option<Timestamp>,
}

/// What a visitor reads (`GET visitor/messages`, the `messages` frame):
/// their latest conversation and a page of its messages.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct VisitorThread {
    pub conversation_id: Option<ConversationId>,
    #[serde(default)]
    pub state: Option<ConversationState>,
    pub messages: Vec<MessageView>,
    pub has_more: bool,
    /// The agent the conversation's header shows now: the author of its
    /// latest agent message, or the agent assigned after it (with their
    /// picture now); absent: nobody yet, or nobody since a transfer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub agent: Option<AgentRef>,
    /// The visitor may ask for this conversation by e-mail
    /// (`POST visitor/transcript`: the site sends e-mail); absent: no.
    #[serde(default, skip_serializing_if = "core::ops::Not::not")]
    pub transcript: bool,
}

/// `POST visitor/messages`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct VisitorMessageSent {
    pub conversation_id: ConversationId,
    pub message: MessageView,
}

/// `POST conversations/{id}/messages`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReplySent {
    pub message: MessageView,
}

/// `POST conversations/{id}/close` and `/reopen`, and the device frame
/// `conversation`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConversationEnvelope {
    pub conversation: ConversationView,
}
