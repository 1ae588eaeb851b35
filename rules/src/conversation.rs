//! The pure rules of conversations (issue 6), shared by the edge, the widget
//! and the console: message and contact validation, the per-sender rate
//! window, inbox order and counters, the busy auto-reply, when a visitor
//! must leave contact details, and closing / reopening (the list order of
//! closed conversations, when a reopen conflicts, what a reply to a closed one
//! does). Who sees a conversation is
//! [`agent_serves`](crate::presence::agent_serves).
//!
//! No I/O and no clock: every function takes `now` or the stored values.

use alloc::borrow::ToOwned;
use alloc::string::String;
use alloc::vec::Vec;
use core::cmp::Ordering;

use crate::error::RuleError;
use crate::evaluate::AudienceStatus;
use crate::status::Status;
use crate::time::UnixMillis;

/// At most this many characters (Unicode scalar values) in a message, once
/// trimmed.
pub const MAX_MESSAGE_CHARS: usize = 2000;
/// At most this many characters in a client id.
pub const MAX_CLIENT_ID_LEN: usize = 64;
/// At most this many characters in a visitor's name, once trimmed.
pub const MAX_NAME_CHARS: usize = 80;
/// At most this many characters in an e-mail address, once trimmed.
pub const MAX_EMAIL_CHARS: usize = 254;
/// The automatic reply when the busy agents left no message.
pub const DEFAULT_BUSY_REPLY: &str = "We're busy right now and will be back soon.";

/// Who wrote a message; the wire names are `"visitor"`, `"agent"` and
/// `"system"` (the automatic busy reply).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[cfg_attr(
    feature = "serde",
    derive(serde::Serialize, serde::Deserialize),
    serde(rename_all = "lowercase")
)]
pub enum Sender {
    /// The visitor on the site.
    Visitor,
    /// An agent (a reply).
    Agent,
    /// Presenza itself: the automatic busy reply. Not an agent reply.
    System,
}

impl Sender {
    /// The wire name: `"visitor"`, `"agent"` or `"system"`.
    pub fn as_str(self) -> &'static str {
        match self {
            Sender::Visitor => "visitor",
            Sender::Agent => "agent",
            Sender::System => "system",
        }
    }

    /// Parses a wire name (exact, lowercase); `None` for anything else.
    pub fn parse(s: &str) -> Option<Sender> {
        match s {
            "visitor" => Some(Sender::Visitor),
            "agent" => Some(Sender::Agent),
            "system" => Some(Sender::System),
            _ => None,
        }
    }
}

impl core::fmt::Display for Sender {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What a system message is, for clients to show it without reading its
/// text; the wire names are `"auto_reply"`, `"closed"`, `"assigned"` and
/// `"transferred"` (a message's `kind`, `null` for visitor and agent
/// messages).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[cfg_attr(
    feature = "serde",
    derive(serde::Serialize, serde::Deserialize),
    serde(rename_all = "snake_case")
)]
pub enum MessageKind {
    /// The automatic busy reply ([`busy_auto_reply`]).
    AutoReply,
    /// The note a close adds ([`closed_message`]).
    Closed,
    /// An agent was assigned: "Giulia joined the conversation."
    /// ([`assigned_message`]; the message's `subject` is their name).
    Assigned,
    /// The conversation went to a group: "You've been transferred to
    /// Sales." ([`transferred_message`]; `subject` is the group's name).
    Transferred,
}

impl MessageKind {
    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            MessageKind::AutoReply => "auto_reply",
            MessageKind::Closed => "closed",
            MessageKind::Assigned => "assigned",
            MessageKind::Transferred => "transferred",
        }
    }

    /// Parses a wire name (exact); `None` for anything else (a kind this
    /// client does not know yet).
    pub fn parse(s: &str) -> Option<MessageKind> {
        match s {
            "auto_reply" => Some(MessageKind::AutoReply),
            "closed" => Some(MessageKind::Closed),
            "assigned" => Some(MessageKind::Assigned),
            "transferred" => Some(MessageKind::Transferred),
            _ => None,
        }
    }
}

// --- Validation --------------------------------------------------------------

/// The text of a message, trimmed: 1..=[`MAX_MESSAGE_CHARS`] characters
/// (counted as Unicode scalar values, not bytes) and no control characters
/// other than `\n` and `\t` (a `\r` inside the text is rejected; clients
/// send `\n` line breaks). Checked in this order: [`RuleError::EmptyMessage`],
/// [`RuleError::MessageTooLong`], [`RuleError::InvalidCharacter`].
pub fn validate_text(text: &str) -> Result<&str, RuleError> {
    let text = text.trim();
    if text.is_empty() {
        return Err(RuleError::EmptyMessage);
    }
    if text.chars().nth(MAX_MESSAGE_CHARS).is_some() {
        return Err(RuleError::MessageTooLong(text.chars().count()));
    }
    match text
        .chars()
        .find(|&c| c.is_control() && c != '\n' && c != '\t')
    {
        Some(c) => Err(RuleError::InvalidCharacter(c)),
        None => Ok(text),
    }
}

/// A sender-chosen message id: 1..=[`MAX_CLIENT_ID_LEN`] characters
/// `[A-Za-z0-9_-]`, not trimmed; else [`RuleError::InvalidClientId`].
pub fn validate_client_id(s: &str) -> Result<(), RuleError> {
    let valid = (1..=MAX_CLIENT_ID_LEN).contains(&s.len())
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
    if valid {
        Ok(())
    } else {
        Err(RuleError::InvalidClientId(excerpt(s)))
    }
}

/// A visitor's name, trimmed: 1..=[`MAX_NAME_CHARS`] characters without
/// control or invisible format characters ([`is_invisible_format`]); else
/// [`RuleError::InvalidName`].
pub fn validate_name(name: &str) -> Result<&str, RuleError> {
    let name = name.trim();
    let valid = !name.is_empty()
        && name.chars().nth(MAX_NAME_CHARS).is_none()
        && !name
            .chars()
            .any(|c| c.is_control() || is_invisible_format(c));
    if valid {
        Ok(name)
    } else {
        Err(RuleError::InvalidName(excerpt(name)))
    }
}

/// Whether `c` changes how text around it is shown without showing itself:
/// bidirectional embeddings, overrides and isolates (U+202E can make a name
/// read backwards in another person's screen), marks, and zero-width
/// characters. Names never need them; message texts may (emoji sequences
/// join with U+200D), so only names refuse them.
pub fn is_invisible_format(c: char) -> bool {
    matches!(
        c,
        '\u{061C}'
            | '\u{180E}'
            | '\u{200B}'..='\u{200F}'
            | '\u{202A}'..='\u{202E}'
            | '\u{2060}'..='\u{2064}'
            | '\u{2066}'..='\u{206F}'
            | '\u{FEFF}'
    )
}

/// A visitor's e-mail address, trimmed, checked pragmatically (not RFC 5322):
/// `local@domain.tld`, at most [`MAX_EMAIL_CHARS`] characters, no
/// whitespace, control characters or any of `<>()[]\,;:"`, exactly one `@`,
/// a local part without leading, trailing or doubled dots, and a domain of
/// at least two non-empty dot-separated labels none of which starts or ends
/// with `-`, the last one at least two characters and not all digits.
/// Non-ASCII letters are allowed (internationalised addresses). Else
/// [`RuleError::InvalidEmail`].
pub fn validate_email(email: &str) -> Result<&str, RuleError> {
    let email = email.trim();
    if plausible_email(email) {
        Ok(email)
    } else {
        Err(RuleError::InvalidEmail(excerpt(email)))
    }
}

fn plausible_email(email: &str) -> bool {
    const FORBIDDEN: &[char] = &['<', '>', '(', ')', '[', ']', '\\', ',', ';', ':', '"'];
    if email.chars().nth(MAX_EMAIL_CHARS).is_some()
        || email
            .chars()
            .any(|c| c.is_whitespace() || c.is_control() || FORBIDDEN.contains(&c))
    {
        return false;
    }
    let Some((local, domain)) = email.split_once('@') else {
        return false;
    };
    if local.is_empty()
        || local.starts_with('.')
        || local.ends_with('.')
        || local.contains("..")
        || domain.contains('@')
    {
        return false;
    }
    let labels: Vec<&str> = domain.split('.').collect();
    let Some(tld) = labels.last().filter(|_| labels.len() >= 2) else {
        return false;
    };
    labels
        .iter()
        .all(|label| !label.is_empty() && !label.starts_with('-') && !label.ends_with('-'))
        && tld.chars().nth(1).is_some()
        && !tld.bytes().all(|b| b.is_ascii_digit())
}

/// A visitor's contact details, validated.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Contact {
    /// Trimmed, 1..=80 characters.
    pub name: String,
    /// Trimmed, a plausible address (see [`validate_email`]).
    pub email: String,
}

/// The contact details a left message needs: both a name and an e-mail.
/// Either one missing or blank → [`RuleError::ContactRequired`]; then the
/// name is checked ([`validate_name`]), then the e-mail
/// ([`validate_email`]). When contact is optional, the edge checks whatever
/// was given with those two.
pub fn validate_contact(name: Option<&str>, email: Option<&str>) -> Result<Contact, RuleError> {
    let blank = |value: &&str| value.trim().is_empty();
    let (Some(name), Some(email)) = (name.filter(|v| !blank(v)), email.filter(|v| !blank(v)))
    else {
        return Err(RuleError::ContactRequired);
    };
    Ok(Contact {
        name: validate_name(name)?.to_owned(),
        email: validate_email(email)?.to_owned(),
    })
}

/// At most 64 characters of an offending value, for an error message.
fn excerpt(s: &str) -> String {
    match s.char_indices().nth(64) {
        Some((end, _)) => {
            // Not `format!`: the widget's no_std build stays free of core::fmt.
            let mut out = String::from(&s[..end]);
            out.push('…');
            out
        }
        None => s.to_owned(),
    }
}

// --- Rate limiting -----------------------------------------------------------

/// How many messages a sender may write per window.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct RateLimit {
    /// Messages accepted per window.
    pub limit: u32,
    /// The window length in milliseconds.
    pub window_ms: i64,
}

impl RateLimit {
    /// A visitor: 10 messages per 60 s.
    pub const VISITOR: RateLimit = RateLimit {
        limit: 10,
        window_ms: 60_000,
    };
    /// An agent: 120 messages per 60 s (only against runaway clients).
    pub const AGENT: RateLimit = RateLimit {
        limit: 120,
        window_ms: 60_000,
    };
}

/// How long until the next message is accepted, in milliseconds (≥ 1).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct RetryAfterMs(pub i64);

impl RetryAfterMs {
    /// Whole seconds, rounded up and at least 1: the `Retry-After` header.
    pub fn secs(self) -> i64 {
        self.0.max(1).saturating_add(999) / 1000
    }
}

impl From<RetryAfterMs> for RuleError {
    fn from(retry: RetryAfterMs) -> RuleError {
        RuleError::RateLimited {
            retry_after_ms: retry.0,
        }
    }
}

/// A sender's fixed rate window, persisted by the edge (per visitor and
/// site, or per agent). `RateWindow::default()` = nothing sent yet.
///
/// A window opens with the first accepted message after the previous one
/// ended (not on clock boundaries) and accepts `limit` messages; so any
/// `window_ms` span holds at most `2 × limit` accepted messages, and any
/// window at most `limit`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct RateWindow {
    /// When the current window opened.
    pub window_start: UnixMillis,
    /// Messages accepted in it (0 = no window open).
    pub count: u32,
}

impl RateWindow {
    /// One more message at `now`: `Ok` with the window to persist, or `Err`
    /// with the wait until the window ends (nothing to persist: a rejected
    /// message does not count). The window is current while
    /// `window_start <= now < window_start + window_ms`; a clock that went
    /// back before `window_start` opens a new one. `limit == 0` rejects
    /// everything (retry after `window_ms`).
    pub fn check(
        &self,
        limit: u32,
        window_ms: i64,
        now: UnixMillis,
    ) -> Result<RateWindow, RetryAfterMs> {
        let current = self.count > 0
            && now >= self.window_start
            && now.saturating_sub(self.window_start) < window_ms;
        if limit == 0 {
            return Err(RetryAfterMs(window_ms.max(1)));
        }
        if !current {
            return Ok(RateWindow {
                window_start: now,
                count: 1,
            });
        }
        if self.count < limit {
            return Ok(RateWindow {
                window_start: self.window_start,
                count: self.count + 1,
            });
        }
        let ends = self.window_start.saturating_add(window_ms);
        Err(RetryAfterMs(ends.saturating_sub(now).max(1)))
    }
}

// --- Inbox ---------------------------------------------------------------------

/// What the edge knows about a conversation for one agent's inbox; every
/// field is a column or one indexed count in SQLite.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct ConversationSummary {
    /// The conversation id.
    pub id: String,
    /// When the first message arrived.
    pub created_at: UnixMillis,
    /// When the last message (of anyone) arrived.
    pub updated_at: UnixMillis,
    /// Seq of the visitor's last message; 0 = none.
    pub last_visitor_seq: u64,
    /// Seq of the last agent reply; 0 = none. System messages (the busy
    /// auto-reply) are not replies and do not count.
    pub last_agent_seq: u64,
    /// This agent's read mark (see [`advance_read_mark`]); 0 = nothing read.
    pub read_seq: u64,
    /// Visitor messages with `seq > read_seq`:
    /// `SELECT count(*) … WHERE sender = 'visitor' AND seq > :read_seq`.
    pub visitor_messages_after_read: u64,
}

impl ConversationSummary {
    /// The visitor's last message has no agent reply after it.
    pub fn waiting(&self) -> bool {
        self.last_visitor_seq > self.last_agent_seq
    }

    /// Visitor messages this agent has not read: those with a seq above the
    /// read mark (0 whenever the read mark is at or past the visitor's last
    /// message, whatever the count says).
    pub fn unread(&self) -> u64 {
        if self.read_seq >= self.last_visitor_seq {
            0
        } else {
            self.visitor_messages_after_read
        }
    }

    /// The key the inbox is sorted by.
    pub fn inbox_key(&self) -> InboxKey<'_> {
        InboxKey {
            waiting: self.waiting(),
            updated_at: self.updated_at,
            id: &self.id,
        }
    }
}

/// What the inbox order looks at; the console builds it from the wire
/// summary (`waiting`, `updated_at`, `id`). Ordered as the inbox lists:
/// waiting first, then most recently updated first, then by id.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct InboxKey<'a> {
    /// The visitor waits for a reply.
    pub waiting: bool,
    /// When the last message arrived.
    pub updated_at: UnixMillis,
    /// The conversation id (the tie-break).
    pub id: &'a str,
}

impl Ord for InboxKey<'_> {
    fn cmp(&self, other: &Self) -> Ordering {
        other
            .waiting
            .cmp(&self.waiting)
            .then_with(|| other.updated_at.cmp(&self.updated_at))
            .then_with(|| self.id.cmp(other.id))
    }
}

impl PartialOrd for InboxKey<'_> {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

/// The inbox order (`Less` = listed first): waiting first, then most
/// recently updated first, then by id. A total order; use with `sort_by`.
pub fn inbox_order(a: &ConversationSummary, b: &ConversationSummary) -> Ordering {
    a.inbox_key().cmp(&b.inbox_key())
}

/// The new read mark when an agent marks `requested` as read: never moves
/// back and never past the conversation's last seq.
pub fn advance_read_mark(current: u64, requested: u64, last_seq: u64) -> u64 {
    current.max(requested.min(last_seq))
}

// --- Replies and contact -------------------------------------------------------

/// The automatic reply to a visitor's message: the busy message (or
/// [`DEFAULT_BUSY_REPLY`] when there is none or it is blank) when the
/// conversation's audience is busy and no auto-reply was sent in this
/// conversation yet; `None` otherwise.
pub fn busy_auto_reply(audience: &AudienceStatus, already_sent: bool) -> Option<String> {
    if audience.status != Status::Busy || already_sent {
        return None;
    }
    let text = audience
        .message
        .as_deref()
        .map(str::trim)
        .filter(|m| !m.is_empty())
        .unwrap_or(DEFAULT_BUSY_REPLY);
    Some(text.to_owned())
}

/// Whether a visitor writing to this audience must leave a name and an
/// e-mail ([`validate_contact`]): only when it is offline (for any reason,
/// outside hours included) and the message is a left message. Online and
/// busy audiences need none, including during the grace period, when an
/// agent who just left still counts.
pub fn needs_contact(audience: &AudienceStatus) -> bool {
    audience.status == Status::Offline
}

// --- Closing and reopening -------------------------------------------------------

/// Whether a conversation is in the open inbox or was closed (resolved) by
/// an agent; the wire names are `"open"` and `"closed"`. A conversation
/// starts open (the default).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
#[cfg_attr(
    feature = "serde",
    derive(serde::Serialize, serde::Deserialize),
    serde(rename_all = "snake_case")
)]
pub enum ConversationState {
    /// In the inbox; the visitor's messages go to it.
    #[default]
    Open,
    /// Dealt with: kept with its messages, out of the open inbox; the
    /// visitor's next message starts a new conversation.
    Closed,
}

impl ConversationState {
    /// The wire name: `"open"` or `"closed"`.
    pub fn as_str(self) -> &'static str {
        match self {
            ConversationState::Open => "open",
            ConversationState::Closed => "closed",
        }
    }

    /// Parses a wire name (exact); `None` for anything else.
    pub fn parse(s: &str) -> Option<ConversationState> {
        match s {
            "open" => Some(ConversationState::Open),
            "closed" => Some(ConversationState::Closed),
            _ => None,
        }
    }
}

/// Which conversations a list shows (`?state=`); `open` by default.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
#[cfg_attr(
    feature = "serde",
    derive(serde::Serialize, serde::Deserialize),
    serde(rename_all = "snake_case")
)]
pub enum StateFilter {
    /// Open conversations only (the inbox).
    #[default]
    Open,
    /// Closed conversations only.
    Closed,
    /// Open ones (in inbox order), then closed ones.
    All,
}

impl StateFilter {
    /// Parses `open`, `closed` or `all` (exact); `None` for anything else.
    pub fn parse(s: &str) -> Option<StateFilter> {
        match s {
            "open" => Some(StateFilter::Open),
            "closed" => Some(StateFilter::Closed),
            "all" => Some(StateFilter::All),
            _ => None,
        }
    }

    /// Whether a conversation in `state` is listed.
    pub fn includes(self, state: ConversationState) -> bool {
        match self {
            StateFilter::Open => state == ConversationState::Open,
            StateFilter::Closed => state == ConversationState::Closed,
            StateFilter::All => true,
        }
    }
}

/// Which assignees a list shows (`?assigned=`): any (the default), the
/// listing agent's ("assigned to me"), or nobody's ("unassigned").
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
#[cfg_attr(
    feature = "serde",
    derive(serde::Serialize, serde::Deserialize),
    serde(rename_all = "snake_case")
)]
pub enum AssignedFilter {
    /// Every conversation.
    #[default]
    Any,
    /// Those assigned to the listing agent.
    Me,
    /// Those assigned to nobody.
    Nobody,
}

impl AssignedFilter {
    /// The wire name: `any`, `me` or `none`.
    pub fn as_str(self) -> &'static str {
        match self {
            AssignedFilter::Any => "any",
            AssignedFilter::Me => "me",
            AssignedFilter::Nobody => "none",
        }
    }

    /// Parses `any`, `me` or `none` (exact); `None` for anything else.
    pub fn parse(s: &str) -> Option<AssignedFilter> {
        match s {
            "any" => Some(AssignedFilter::Any),
            "me" => Some(AssignedFilter::Me),
            "none" => Some(AssignedFilter::Nobody),
            _ => None,
        }
    }
}

/// Whether a conversation waits for an agent: only an open one whose
/// visitor wrote last ([`ConversationSummary::waiting`]). A closed
/// conversation never waits (nor counts in `conversations_waiting`).
pub fn waits(state: ConversationState, summary: &ConversationSummary) -> bool {
    state == ConversationState::Open && summary.waiting()
}

/// Where a conversation sits in a list (`?state=all` and pages): every open
/// one first, in [`InboxKey`] order; then the closed ones, most recently
/// closed first, then by id. A total order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ListKey<'a> {
    /// An open conversation and its inbox key.
    Open(InboxKey<'a>),
    /// A closed conversation: when it was closed, and its id.
    Closed {
        /// When it was closed.
        closed_at: UnixMillis,
        /// The conversation id (the tie-break).
        id: &'a str,
    },
}

impl Ord for ListKey<'_> {
    fn cmp(&self, other: &Self) -> Ordering {
        match (self, other) {
            (ListKey::Open(a), ListKey::Open(b)) => a.cmp(b),
            (ListKey::Open(_), ListKey::Closed { .. }) => Ordering::Less,
            (ListKey::Closed { .. }, ListKey::Open(_)) => Ordering::Greater,
            (
                ListKey::Closed {
                    closed_at: a,
                    id: ia,
                },
                ListKey::Closed {
                    closed_at: b,
                    id: ib,
                },
            ) => b.cmp(a).then_with(|| ia.cmp(ib)),
        }
    }
}

impl PartialOrd for ListKey<'_> {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

/// What closing a conversation does.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum CloseOutcome {
    /// Close it and add the closing system message.
    Close,
    /// Already closed: nothing changes, nothing is added (idempotent).
    AlreadyClosed,
}

/// Closing a conversation in `state`.
pub fn close_outcome(state: ConversationState) -> CloseOutcome {
    match state {
        ConversationState::Open => CloseOutcome::Close,
        ConversationState::Closed => CloseOutcome::AlreadyClosed,
    }
}

/// What reopening a conversation does.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ReopenOutcome {
    /// Reopen it (no message is added).
    Reopen,
    /// Already open: nothing changes.
    AlreadyOpen,
    /// Its visitor started another conversation since, which is open: a
    /// visitor has at most one open conversation per site, so this one
    /// stays closed (`409 conversation_conflict`).
    Conflict,
}

/// Reopening a conversation in `state`, when its visitor has (`true`) or
/// has not another open conversation.
pub fn reopen_outcome(state: ConversationState, visitor_has_other_open: bool) -> ReopenOutcome {
    match state {
        ConversationState::Open => ReopenOutcome::AlreadyOpen,
        ConversationState::Closed if visitor_has_other_open => ReopenOutcome::Conflict,
        ConversationState::Closed => ReopenOutcome::Reopen,
    }
}

/// What an agent's reply to a conversation does first.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ReplyOutcome {
    /// Open: the reply is stored as usual.
    Reply,
    /// Closed, and its visitor has no other open conversation: reopen it
    /// (as [`ReopenOutcome::Reopen`]) and store the reply, together.
    ReopenAndReply,
    /// Closed, and its visitor has another open conversation: the reply is
    /// refused and nothing is stored (`409 conversation_conflict`).
    Conflict,
}

/// An agent replying to a conversation in `state`, when its visitor has
/// (`true`) or has not another open conversation: a reply to a closed
/// conversation reopens it exactly when [`reopen_outcome`] would.
pub fn reply_outcome(state: ConversationState, visitor_has_other_open: bool) -> ReplyOutcome {
    match reopen_outcome(state, visitor_has_other_open) {
        ReopenOutcome::AlreadyOpen => ReplyOutcome::Reply,
        ReopenOutcome::Reopen => ReplyOutcome::ReopenAndReply,
        ReopenOutcome::Conflict => ReplyOutcome::Conflict,
    }
}

/// The system message that closing adds: `Conversation closed by {name}.`
pub fn closed_message(agent_name: &str) -> String {
    let mut text = String::from("Conversation closed by ");
    text.push_str(agent_name.trim());
    text.push('.');
    text
}

// --- Assigning and transferring ---------------------------------------------------

/// Who a conversation is with: its group (`None`: the whole site; who sees
/// it is [`agent_serves`](crate::presence::agent_serves) of it) and the
/// agent assigned to it (`None`: nobody yet).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Assignment<'a> {
    /// The audience the conversation belongs to.
    pub group: Option<&'a str>,
    /// The agent serving it.
    pub agent: Option<&'a str>,
}

/// What an agent asks of a conversation's assignment: each part `None`
/// leaves that part as it is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct AssignRequest<'a> {
    /// Transfer to this group.
    pub group: Option<&'a str>,
    /// `Some(Some(id))`: assign to this agent; `Some(None)`: unassign.
    pub agent: Option<Option<&'a str>>,
}

/// Why an assignment is refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum AssignRefusal {
    /// Neither a group nor an agent was asked for.
    Empty,
    /// A closed conversation is dealt with: reopen it first.
    Closed,
    /// The agent does not serve the conversation's group (after the
    /// transfer, if one is asked for): they could not see it.
    NotServing,
}

/// What an assignment does: the new assignment, and what the visitor is
/// told (a transfer first, then who joined; nothing for an unassign or a
/// request that changes nothing, so asking twice tells them once).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct AssignPlan<'a> {
    /// The assignment after it.
    pub to: Assignment<'a>,
    /// The group changed: add [`transferred_message`].
    pub transferred: bool,
    /// An agent was newly assigned: add [`assigned_message`].
    pub joined: bool,
}

impl AssignPlan<'_> {
    /// Nothing changes.
    pub fn unchanged(&self) -> bool {
        !self.transferred && !self.joined
    }
}

/// Assigning a conversation in `state`, with assignment `from`, as
/// `request` asks; `target_serves` says whether the requested agent serves
/// the group the conversation will have (`agent_serves` of it; ignored
/// without an agent). A transfer to another group without an agent leaves
/// the conversation unassigned in that group (its agents pick it up); a
/// transfer and an agent together assign that agent in the new group.
pub fn assign_plan<'a>(
    state: ConversationState,
    from: Assignment<'a>,
    request: AssignRequest<'a>,
    target_serves: bool,
) -> Result<AssignPlan<'a>, AssignRefusal> {
    if request.group.is_none() && request.agent.is_none() {
        return Err(AssignRefusal::Empty);
    }
    if state == ConversationState::Closed {
        return Err(AssignRefusal::Closed);
    }
    let group = request.group.or(from.group);
    let transferred = group != from.group;
    let agent = match request.agent {
        Some(Some(_)) if !target_serves => return Err(AssignRefusal::NotServing),
        Some(agent) => agent,
        None if transferred => None,
        None => from.agent,
    };
    let joined = agent.is_some() && (transferred || agent != from.agent);
    Ok(AssignPlan {
        to: Assignment { group, agent },
        transferred,
        joined,
    })
}

/// The system message of an assignment: `{name} joined the conversation.`
pub fn assigned_message(agent_name: &str) -> String {
    let mut text = String::from(agent_name.trim());
    text.push_str(" joined the conversation.");
    text
}

/// The system message of a transfer: `You've been transferred to {group}.`
pub fn transferred_message(group_name: &str) -> String {
    let mut text = String::from("You've been transferred to ");
    text.push_str(group_name.trim());
    text.push('.');
    text
}

#[cfg(test)]
mod assign_tests {
    use super::*;

    const OPEN: ConversationState = ConversationState::Open;

    fn at<'a>(group: Option<&'a str>, agent: Option<&'a str>) -> Assignment<'a> {
        Assignment { group, agent }
    }

    fn ask<'a>(group: Option<&'a str>, agent: Option<Option<&'a str>>) -> AssignRequest<'a> {
        AssignRequest { group, agent }
    }

    #[test]
    fn assign_an_agent_once() {
        let plan = assign_plan(OPEN, at(None, None), ask(None, Some(Some("ann"))), true).unwrap();
        assert_eq!(plan.to, at(None, Some("ann")));
        assert!(plan.joined && !plan.transferred);
        // Asked again: nothing changes, the visitor is not told twice.
        let again = assign_plan(OPEN, plan.to, ask(None, Some(Some("ann"))), true).unwrap();
        assert!(again.unchanged());
        // Another agent joins.
        let bob = assign_plan(OPEN, plan.to, ask(None, Some(Some("bob"))), true).unwrap();
        assert!(bob.joined);
        assert_eq!(bob.to.agent, Some("bob"));
    }

    #[test]
    fn unassign_tells_nobody() {
        let plan = assign_plan(OPEN, at(None, Some("ann")), ask(None, Some(None)), true).unwrap();
        assert_eq!(plan.to, at(None, None));
        assert!(plan.unchanged());
    }

    #[test]
    fn transfer_leaves_it_unassigned_in_the_group() {
        let from = at(Some("support"), Some("ann"));
        let plan = assign_plan(OPEN, from, ask(Some("sales"), None), false).unwrap();
        assert_eq!(plan.to, at(Some("sales"), None));
        assert!(plan.transferred && !plan.joined);
        // To the group it is in: nothing.
        let same = assign_plan(OPEN, from, ask(Some("support"), None), false).unwrap();
        assert!(same.unchanged());
        assert_eq!(same.to, from);
    }

    #[test]
    fn transfer_with_an_agent() {
        let from = at(None, Some("ann"));
        let plan = assign_plan(OPEN, from, ask(Some("sales"), Some(Some("ann"))), true).unwrap();
        assert_eq!(plan.to, at(Some("sales"), Some("ann")));
        assert!(plan.transferred && plan.joined);
    }

    #[test]
    fn refusals() {
        let from = at(None, None);
        assert_eq!(
            assign_plan(OPEN, from, ask(None, None), true),
            Err(AssignRefusal::Empty)
        );
        assert_eq!(
            assign_plan(
                ConversationState::Closed,
                from,
                ask(None, Some(Some("ann"))),
                true
            ),
            Err(AssignRefusal::Closed)
        );
        assert_eq!(
            assign_plan(OPEN, from, ask(Some("sales"), Some(Some("ann"))), false),
            Err(AssignRefusal::NotServing)
        );
        // Unassigning needs nobody to serve anything.
        assert!(assign_plan(OPEN, from, ask(Some("sales"), Some(None)), false).is_ok());
    }

    #[test]
    fn texts() {
        assert_eq!(
            assigned_message(" Giulia "),
            "Giulia joined the conversation."
        );
        assert_eq!(
            transferred_message("Sales"),
            "You've been transferred to Sales."
        );
        for k in [MessageKind::Assigned, MessageKind::Transferred] {
            assert_eq!(MessageKind::parse(k.as_str()), Some(k));
        }
    }
}

#[cfg(test)]
mod close_tests {
    use super::*;

    fn open<'a>(waiting: bool, updated_at: UnixMillis, id: &'a str) -> ListKey<'a> {
        ListKey::Open(InboxKey {
            waiting,
            updated_at,
            id,
        })
    }

    #[test]
    fn states_and_filters() {
        for s in [ConversationState::Open, ConversationState::Closed] {
            assert_eq!(ConversationState::parse(s.as_str()), Some(s));
        }
        assert_eq!(ConversationState::parse("Open"), None);
        assert_eq!(ConversationState::default(), ConversationState::Open);
        assert_eq!(StateFilter::default(), StateFilter::Open);
        assert_eq!(StateFilter::parse("all"), Some(StateFilter::All));
        assert_eq!(StateFilter::parse(""), None);
        assert!(StateFilter::Open.includes(ConversationState::Open));
        assert!(!StateFilter::Open.includes(ConversationState::Closed));
        assert!(!StateFilter::Closed.includes(ConversationState::Open));
        assert!(StateFilter::All.includes(ConversationState::Closed));
    }

    #[test]
    fn list_order() {
        let mut keys = [
            ListKey::Closed {
                closed_at: 5,
                id: "b",
            },
            open(false, 9, "x"),
            ListKey::Closed {
                closed_at: 7,
                id: "c",
            },
            open(true, 1, "y"),
            ListKey::Closed {
                closed_at: 5,
                id: "a",
            },
        ];
        keys.sort();
        assert_eq!(
            keys,
            [
                open(true, 1, "y"),
                open(false, 9, "x"),
                ListKey::Closed {
                    closed_at: 7,
                    id: "c"
                },
                ListKey::Closed {
                    closed_at: 5,
                    id: "a"
                },
                ListKey::Closed {
                    closed_at: 5,
                    id: "b"
                },
            ]
        );
    }

    #[test]
    fn message_kinds() {
        for k in [MessageKind::AutoReply, MessageKind::Closed] {
            assert_eq!(MessageKind::parse(k.as_str()), Some(k));
        }
        assert_eq!(MessageKind::AutoReply.as_str(), "auto_reply");
        assert_eq!(MessageKind::parse("Closed"), None);
        assert_eq!(MessageKind::parse(""), None);
    }

    #[test]
    fn reply_to_closed() {
        assert_eq!(
            reply_outcome(ConversationState::Open, false),
            ReplyOutcome::Reply
        );
        // An open conversation is the visitor's only open one; whatever the
        // flag says, the reply just goes in.
        assert_eq!(
            reply_outcome(ConversationState::Open, true),
            ReplyOutcome::Reply
        );
        assert_eq!(
            reply_outcome(ConversationState::Closed, false),
            ReplyOutcome::ReopenAndReply
        );
        assert_eq!(
            reply_outcome(ConversationState::Closed, true),
            ReplyOutcome::Conflict
        );
    }

    #[test]
    fn close_and_reopen() {
        assert_eq!(close_outcome(ConversationState::Open), CloseOutcome::Close);
        assert_eq!(
            close_outcome(ConversationState::Closed),
            CloseOutcome::AlreadyClosed
        );
        assert_eq!(
            reopen_outcome(ConversationState::Open, true),
            ReopenOutcome::AlreadyOpen
        );
        assert_eq!(
            reopen_outcome(ConversationState::Closed, true),
            ReopenOutcome::Conflict
        );
        assert_eq!(
            reopen_outcome(ConversationState::Closed, false),
            ReopenOutcome::Reopen
        );
        assert_eq!(closed_message(" Giulia "), "Conversation closed by Giulia.");
        let waiting = ConversationSummary {
            last_visitor_seq: 2,
            last_agent_seq: 1,
            ..Default::default()
        };
        assert!(waits(ConversationState::Open, &waiting));
        assert!(!waits(ConversationState::Closed, &waiting));
    }
}
