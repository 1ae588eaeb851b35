//! Conversations (issue 6; contract: `docs/conversations-api.md`): visitor
//! credentials, request bodies and socket frames, the JSON views of messages
//! and inbox summaries, and (Wasm only) the handlers of the site object that
//! store messages and deliver them live.
//!
//! Every rule (validation, rate window, who serves a conversation, inbox
//! counters and order, busy auto-reply, when contact details are required)
//! comes from `presenza-rules`; this module only applies them.
//!
//! Delivery: a message is a row in the site's SQLite (written in one
//! transaction with its conversation's counters) before anyone is told about
//! it. Then it is pushed to the visitor's authenticated `/live` sockets and
//! to the device sockets of every agent who serves the conversation. A
//! client id makes retries idempotent (per sender: the visitor, each agent).
//!
//! Closing (an agent resolves a conversation) adds a system message and
//! moves the conversation out of the open inbox; the visitor's next message
//! starts a new one. Lists come in pages of the rules' list order, with an
//! opaque keyset cursor ([`ListCursor`]).

use crate::error::ApiError;
use presenza_rules::{
    time, ConversationState, ConversationSummary, InboxKey, ListKey, MessageKind, RuleError,
    Sender, UnixMillis,
};
use serde::{Deserialize, Serialize};

/// Most conversations one `GET /conversations` page lists (`?limit=`).
pub const MAX_LISTED_CONVERSATIONS: usize = 200;
/// Conversations per page without `?limit=`.
pub const DEFAULT_LISTED_CONVERSATIONS: usize = 100;
/// The client id of the system message closing a conversation.
pub const CLOSED_CLIENT_ID: &str = "system_closed";
/// Most messages one page (`GET …/messages`, the socket's `messages` frame)
/// carries; `has_more` says to ask again with `after` = the last seq.
pub const MAX_PAGE_MESSAGES: usize = 500;
/// Largest sequence number accepted in `after` (the largest integer
/// JavaScript and SQLite bindings carry exactly).
pub const MAX_SEQ: u64 = 9_007_199_254_740_991;
/// The widget's visitor id: 22 characters of base64url (16 random bytes);
/// 16 to 64 are accepted.
pub const VISITOR_ID_LEN: core::ops::RangeInclusive<usize> = 16..=64;
/// The widget's visitor secret: 43 characters of base64url (32 random
/// bytes); 43 to 128 are accepted (never fewer than 256 bits).
pub const VISITOR_SECRET_LEN: core::ops::RangeInclusive<usize> = 43..=128;
/// The header carrying `<visitor_id>.<visitor_secret>`.
pub const VISITOR_HEADER: &str = "X-Presenza-Visitor";
/// The client id shown for the automatic busy reply.
pub const BUSY_REPLY_CLIENT_ID: &str = "system_busy_reply";

fn is_base64url(s: &str) -> bool {
    s.bytes()
        .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// A visitor id as the widget creates it (see [`VISITOR_ID_LEN`]).
pub fn is_visitor_id(s: &str) -> bool {
    VISITOR_ID_LEN.contains(&s.len()) && is_base64url(s)
}

/// A conversation id in a path: `[A-Za-z0-9_-]{1,64}` (the edge makes
/// `c_` + 32 hex digits).
pub fn is_conversation_id(s: &str) -> bool {
    (1..=64).contains(&s.len()) && is_base64url(s)
}

/// A new conversation id from 16 random bytes.
pub fn make_conversation_id(random: &[u8; 16]) -> String {
    format!("c_{}", crate::auth::hex(random))
}

/// A random id for a visitor socket (its attachment), so a sender's own
/// socket can be skipped when its message is pushed to its other tabs.
pub fn make_socket_id(random: &[u8; 8]) -> String {
    crate::auth::hex(random)
}

pub fn invalid_visitor() -> ApiError {
    ApiError::bad_request(
        "invalid_visitor",
        "send the visitor credential `<visitor_id>.<visitor_secret>` (base64url: a 22-character id \
         and a 43-character secret) in X-Presenza-Visitor, or in the socket's auth frame",
    )
}

pub fn visitor_forbidden() -> ApiError {
    ApiError::forbidden(
        "visitor_forbidden",
        "this visitor id belongs to someone else (wrong secret)",
    )
}

pub fn conversation_conflict() -> ApiError {
    ApiError::conflict(
        "conversation_conflict",
        "this visitor has started another conversation since, which is open; \
         close that one first",
    )
}

pub fn conversation_not_found() -> ApiError {
    ApiError::not_found("conversation_not_found", "no such conversation")
}

/// Rules errors of a message (validation, contact, rate) as API errors.
pub fn rule_error(err: RuleError) -> ApiError {
    ApiError::from_rule(&err)
}

/// A visitor's proof of identity: the id and the SHA-256 (hex) of the
/// secret, which is all the edge ever stores or keeps on a socket.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VisitorCredential {
    pub id: String,
    pub secret_hash: String,
}

/// Parses `<visitor_id>.<visitor_secret>` (header or auth frame); missing or
/// malformed → 400 `invalid_visitor`.
pub fn parse_visitor_credential(value: Option<&str>) -> Result<VisitorCredential, ApiError> {
    let value = value.map(str::trim).ok_or_else(invalid_visitor)?;
    let (id, secret) = value.split_once('.').ok_or_else(invalid_visitor)?;
    if !is_visitor_id(id) || !VISITOR_SECRET_LEN.contains(&secret.len()) || !is_base64url(secret) {
        return Err(invalid_visitor());
    }
    Ok(VisitorCredential {
        id: id.to_string(),
        secret_hash: crate::auth::sha256_hex(secret.as_bytes()),
    })
}

/// Whether a presented credential matches the stored hash (constant time).
pub fn secret_hash_matches(presented: &VisitorCredential, stored_hash: &str) -> bool {
    crate::auth::constant_time_eq(presented.secret_hash.as_bytes(), stored_hash.as_bytes())
}

// ---------------------------------------------------------------- idempotency

/// Client ids are unique per conversation *and sender*: the visitor's `c_1`
/// and an agent's `c_1` are different messages. The stored key says whose.
pub fn visitor_client_key(client_id: &str) -> String {
    format!("v:{client_id}")
}

pub fn agent_client_key(agent: &str, client_id: &str) -> String {
    format!("a:{agent}:{client_id}")
}

/// The busy auto-reply's key: at most one per conversation.
pub const BUSY_REPLY_KEY: &str = "s:busy";

/// The key of the system message of a close that got `seq` (a conversation
/// may be closed, reopened and closed again).
pub fn closed_key(seq: u64) -> String {
    format!("s:closed:{seq}")
}

// ---------------------------------------------------------------- list pages

/// Where the next page of `GET /conversations` starts: after the last
/// listed conversation's list key (the rules' [`ListKey`]). On the wire an
/// opaque string: `o1.`/`o0.` (open, waiting or not) + `updated_at` ms, or
/// `c.` + `closed_at` ms; then `.` and the conversation id.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ListCursor {
    pub closed: bool,
    /// Open and waiting (always false when closed).
    pub waiting: bool,
    /// `updated_at` (open) or `closed_at` (closed), Unix ms.
    pub time: i64,
    pub id: String,
}

impl ListCursor {
    pub fn of(key: &ListKey<'_>) -> Self {
        match key {
            ListKey::Open(k) => ListCursor {
                closed: false,
                waiting: k.waiting,
                time: k.updated_at,
                id: k.id.to_string(),
            },
            ListKey::Closed { closed_at, id } => ListCursor {
                closed: true,
                waiting: false,
                time: *closed_at,
                id: id.to_string(),
            },
        }
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
        if time.is_empty() || !time.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        let time: i64 = time.parse().ok()?;
        if !is_conversation_id(id) {
            return None;
        }
        Some(ListCursor {
            closed,
            waiting,
            time,
            id: id.to_string(),
        })
    }
}

// ---------------------------------------------------------------- requests

/// POST /visitor/messages, and the socket's `send` frame (without `type`).
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VisitorMessageBody {
    pub client_id: String,
    pub text: String,
    #[serde(default)]
    pub group: Option<String>,
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub email: Option<String>,
}

/// POST /conversations/{id}/messages.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReplyBody {
    pub client_id: String,
    pub text: String,
}

/// POST /conversations/{id}/read.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReadBody {
    pub seq: u64,
}

/// What a visitor may send on `/live` (besides the text `ping`).
#[derive(Clone, Debug, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum VisitorFrame {
    Auth {
        visitor: String,
        #[serde(default)]
        after: u64,
    },
    Send {
        client_id: String,
        text: String,
        #[serde(default)]
        group: Option<String>,
        #[serde(default)]
        name: Option<String>,
        #[serde(default)]
        email: Option<String>,
    },
}

/// The `client_id` of a frame that could not be parsed, if it has one, so
/// the error frame still names the message it refuses.
pub fn frame_client_id(text: &str) -> Option<String> {
    let value: serde_json::Value = serde_json::from_str(text).ok()?;
    let id = value.get("client_id")?.as_str()?;
    Some(
        id.chars()
            .take(presenza_rules::conversation::MAX_CLIENT_ID_LEN)
            .collect(),
    )
}

/// Validates a message's client id and text (trimmed text returned).
pub fn check_message(client_id: &str, text: &str) -> Result<String, ApiError> {
    presenza_rules::validate_client_id(client_id).map_err(rule_error)?;
    Ok(presenza_rules::validate_text(text)
        .map_err(rule_error)?
        .to_string())
}

/// Contact details to store with a visitor message: `(name, email)`, `None`
/// = keep what is stored. When `required` (the audience is offline:
/// `needs_contact`), the given values, else the stored ones, must make a
/// valid contact (`validate_contact`); otherwise only what was given is
/// checked (blank counts as not given).
pub fn contact_for(
    required: bool,
    given_name: Option<&str>,
    given_email: Option<&str>,
    stored_name: Option<&str>,
    stored_email: Option<&str>,
) -> Result<(Option<String>, Option<String>), ApiError> {
    fn given(v: Option<&str>) -> Option<&str> {
        v.filter(|s| !s.trim().is_empty())
    }
    let (name, email) = (given(given_name), given(given_email));
    if required {
        let contact =
            presenza_rules::validate_contact(name.or(stored_name), email.or(stored_email))
                .map_err(rule_error)?;
        return Ok((Some(contact.name), Some(contact.email)));
    }
    let name = name
        .map(presenza_rules::validate_name)
        .transpose()
        .map_err(rule_error)?;
    let email = email
        .map(presenza_rules::validate_email)
        .transpose()
        .map_err(rule_error)?;
    Ok((name.map(str::to_string), email.map(str::to_string)))
}

// ---------------------------------------------------------------- responses

/// `{"id","name"}` of the agent who wrote a reply.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct AgentRef {
    pub id: String,
    pub name: String,
}

/// The message object of the API.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct MessageView {
    pub seq: u64,
    pub client_id: String,
    pub from: &'static str,
    pub agent: Option<AgentRef>,
    /// Plain text, exactly as stored: clients render it as text, never HTML.
    pub text: String,
    pub at: String,
    /// A system message's kind (`auto_reply`, `closed`); null for visitor
    /// and agent messages.
    pub kind: Option<&'static str>,
}

impl MessageView {
    pub fn new(
        seq: u64,
        client_id: &str,
        from: Sender,
        agent: Option<AgentRef>,
        text: &str,
        at: UnixMillis,
        kind: Option<MessageKind>,
    ) -> Self {
        MessageView {
            seq,
            client_id: client_id.to_string(),
            from: from.as_str(),
            agent: if from == Sender::Agent { agent } else { None },
            text: text.to_string(),
            at: time::to_rfc3339(at),
            kind: kind
                .filter(|_| from == Sender::System)
                .map(MessageKind::as_str),
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct VisitorView {
    pub id: String,
    pub name: Option<String>,
    pub email: Option<String>,
}

/// One conversation as one agent sees it in the inbox.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct SummaryView {
    pub id: String,
    pub group: Option<String>,
    pub visitor: VisitorView,
    pub last_message: Option<MessageView>,
    pub last_seq: u64,
    pub unread: u64,
    pub waiting: bool,
    pub created_at: String,
    pub updated_at: String,
    pub state: &'static str,
    pub closed_at: Option<String>,
    pub closed_by: Option<AgentRef>,
}

/// Whether a conversation is open, and who closed it when.
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

    /// From the stored columns (an unknown state reads as open; an open
    /// conversation has no closing details).
    pub fn from_columns(
        state: &str,
        closed_at: Option<i64>,
        closed_by_id: Option<&str>,
        closed_by_name: Option<&str>,
    ) -> Self {
        match ConversationState::parse(state) {
            Some(ConversationState::Closed) => Closing {
                state: ConversationState::Closed,
                closed_at: Some(closed_at.unwrap_or(0)),
                closed_by: closed_by_id.map(|id| AgentRef {
                    id: id.to_string(),
                    name: closed_by_name.unwrap_or(id).to_string(),
                }),
            },
            _ => Closing::OPEN,
        }
    }

    /// Where the conversation sits in a list (the rules' order).
    pub fn list_key<'a>(&self, counters: &'a ConversationSummary) -> ListKey<'a> {
        match self.state {
            ConversationState::Open => ListKey::Open(InboxKey {
                waiting: counters.waiting(),
                updated_at: counters.updated_at,
                id: &counters.id,
            }),
            ConversationState::Closed => ListKey::Closed {
                closed_at: self.closed_at.unwrap_or(0),
                id: &counters.id,
            },
        }
    }
}

impl SummaryView {
    /// `counters` holds the rules' view (waiting, unread) for this agent.
    pub fn new(
        counters: &ConversationSummary,
        group: Option<String>,
        visitor: VisitorView,
        last_message: Option<MessageView>,
        last_seq: u64,
        closing: &Closing,
    ) -> Self {
        SummaryView {
            id: counters.id.clone(),
            group,
            visitor,
            last_message,
            last_seq,
            unread: counters.unread(),
            waiting: presenza_rules::waits(closing.state, counters),
            created_at: time::to_rfc3339(counters.created_at),
            updated_at: time::to_rfc3339(counters.updated_at),
            state: closing.state.as_str(),
            closed_at: closing.closed_at.map(time::to_rfc3339),
            closed_by: closing.closed_by.clone(),
        }
    }
}

/// A non-negative sequence number from a SQLite integer.
pub fn seq(value: i64) -> u64 {
    u64::try_from(value).unwrap_or(0)
}

/// A sequence number for a SQLite binding.
pub fn seq_i64(value: u64) -> i64 {
    i64::try_from(value.min(MAX_SEQ)).unwrap_or(i64::MAX)
}

/// The device frame telling an agent's devices that its read mark of a
/// conversation moved (POST read, or a reply of that agent): `unread` is
/// what is left after the mark (0 when read to the end), so a second
/// device clears its count without asking.
pub fn read_frame(conversation_id: &str, seq: u64, unread: u64) -> String {
    serde_json::json!({
        "type": "read",
        "conversation_id": conversation_id,
        "seq": seq,
        "unread": unread,
    })
    .to_string()
}

#[cfg(target_arch = "wasm32")]
mod runtime {
    use super::*;
    use crate::bindings::{self, now_ms};
    use crate::cors::Decision;
    use crate::respond;
    use crate::site_object::{Body, Config, SiteObject};
    use crate::sockets::{self, Attachment, AGENTS};
    use crate::store::{AgentRow, ConversationRow, InboxQuery, MessageRow, VisitorRow};
    use presenza_rules::{
        advance_read_mark, agent_serves, busy_auto_reply, close_outcome, closed_message,
        needs_contact, reopen_outcome, reply_outcome, AudienceStatus, CloseOutcome, RateLimit,
        ReopenOutcome, ReplyOutcome, StateFilter,
    };
    use serde_json::{json, Value};
    use std::collections::HashMap;
    use worker::{Request, Response, WebSocket};

    /// What storing a message produced.
    pub(crate) struct Stored {
        pub conversation: ConversationRow,
        pub visitor: VisitorRow,
        /// The message sent (or, for a retry, the one stored before).
        pub message: MessageRow,
        /// false: an idempotent retry; nothing new was stored or pushed.
        pub created: bool,
        /// Messages the edge added after it (the busy auto-reply).
        pub automatic: Vec<MessageRow>,
        /// An agent's reply reopened the closed conversation (stored in the
        /// same transaction); everyone is told before the message.
        pub reopened: bool,
    }

    /// What a visitor reads: their latest conversation's id and state, and
    /// a page of its messages.
    #[derive(Default)]
    struct VisitorPage {
        conversation_id: Option<String>,
        state: Option<&'static str>,
        rows: Vec<MessageRow>,
        more: bool,
    }

    /// The socket a message came from, which gets an `ack` instead of the
    /// pushed copy.
    #[derive(Clone, Copy)]
    pub(crate) enum Origin<'a> {
        Http,
        VisitorSocket(&'a str),
        Device { agent: &'a str, session: &'a str },
    }

    fn message_view(row: &MessageRow) -> MessageView {
        let from = Sender::parse(&row.sender).unwrap_or(Sender::System);
        let agent = match (&row.agent_id, &row.agent_name) {
            (Some(id), name) => Some(AgentRef {
                id: id.clone(),
                name: name.clone().unwrap_or_else(|| id.clone()),
            }),
            _ => None,
        };
        let kind = row.kind.as_deref().and_then(MessageKind::parse);
        MessageView::new(
            seq(row.seq),
            &row.client_id,
            from,
            agent,
            &row.text,
            row.at,
            kind,
        )
    }

    fn closing_of(conv: &ConversationRow) -> Closing {
        Closing::from_columns(
            &conv.state,
            conv.closed_at,
            conv.closed_by_id.as_deref(),
            conv.closed_by_name.as_deref(),
        )
    }

    /// A closed conversation's row, reopened (not yet saved).
    fn set_open(conv: &mut ConversationRow) {
        conv.state = ConversationState::Open.as_str().to_string();
        conv.closed_at = None;
        conv.closed_by_id = None;
        conv.closed_by_name = None;
    }

    fn visitor_view(visitor: &VisitorRow) -> VisitorView {
        VisitorView {
            id: visitor.id.clone(),
            name: visitor.name.clone(),
            email: visitor.email.clone(),
        }
    }

    fn views(rows: &[MessageRow]) -> Vec<MessageView> {
        rows.iter().map(message_view).collect()
    }

    fn header(req: &Request, name: &str) -> Option<String> {
        req.headers().get(name).ok().flatten()
    }

    fn origin_check(decision: &Decision) -> Result<(), ApiError> {
        if decision.allowed() {
            Ok(())
        } else {
            Err(ApiError::forbidden(
                "origin_not_allowed",
                "this site does not allow widgets on this origin",
            ))
        }
    }

    /// The group a conversation is evaluated and served as: its own, or the
    /// whole site once that group is deleted (rules: `audience(None)`).
    fn audience<'a>(
        snap_eval: &'a presenza_rules::Evaluation,
        group: Option<&str>,
    ) -> Result<&'a AudienceStatus, ApiError> {
        snap_eval
            .audience(group)
            .or_else(|_| snap_eval.audience(None))
            .map_err(|e| ApiError::internal(e.to_string()))
    }

    impl SiteObject {
        // -------------------------------------------------------- visitors

        /// The stored visitor for a credential: `Ok(None)` for an id never
        /// written with (nothing to read yet); 403 for a wrong secret.
        fn visitor_for(&self, cred: &VisitorCredential) -> Result<Option<VisitorRow>, ApiError> {
            match self.store.visitor(&cred.id)? {
                Some(row) if secret_hash_matches(cred, &row.secret_hash) => Ok(Some(row)),
                Some(_) => Err(visitor_forbidden()),
                None => Ok(None),
            }
        }

        /// The visitor's latest conversation (the open one, else the most
        /// recently closed one) and its messages after `after`.
        fn visitor_page(
            &self,
            cred: &VisitorCredential,
            after: u64,
        ) -> Result<VisitorPage, ApiError> {
            let Some(visitor) = self.visitor_for(cred)? else {
                return Ok(VisitorPage::default());
            };
            let Some(conv) = self.store.latest_conversation_of_visitor(&visitor.id)? else {
                return Ok(VisitorPage::default());
            };
            let (rows, more) = self.page(&conv.id, after)?;
            Ok(VisitorPage {
                state: Some(conv.state().as_str()),
                conversation_id: Some(conv.id),
                rows,
                more,
            })
        }

        fn page(
            &self,
            conversation: &str,
            after: u64,
        ) -> Result<(Vec<MessageRow>, bool), ApiError> {
            let mut rows =
                self.store
                    .messages_after(conversation, seq_i64(after), MAX_PAGE_MESSAGES + 1)?;
            let more = rows.len() > MAX_PAGE_MESSAGES;
            rows.truncate(MAX_PAGE_MESSAGES);
            Ok((rows, more))
        }

        /// GET /visitor/messages?after=SEQ
        pub(crate) fn visitor_messages_http(
            &self,
            req: &Request,
            decision: &Decision,
            after: u64,
        ) -> Result<Response, ApiError> {
            origin_check(decision)?;
            let cred = parse_visitor_credential(header(req, VISITOR_HEADER).as_deref())?;
            let page = self.visitor_page(&cred, after)?;
            respond::json_value(
                200,
                &json!({
                    "conversation_id": page.conversation_id,
                    "state": page.state,
                    "messages": views(&page.rows),
                    "has_more": page.more,
                }),
            )
        }

        /// POST /visitor/messages
        pub(crate) async fn visitor_send_http(
            &self,
            req: &Request,
            decision: &Decision,
            body: &Body,
            now: i64,
        ) -> Result<Response, ApiError> {
            origin_check(decision)?;
            let cred = parse_visitor_credential(header(req, VISITOR_HEADER).as_deref())?;
            let input: VisitorMessageBody = body.json()?;
            let stored = self.visitor_send(&cred, input, now).await?;
            self.deliver(&stored, Origin::Http)?;
            respond::json_value(
                if stored.created { 201 } else { 200 },
                &json!({
                    "conversation_id": stored.conversation.id,
                    "message": message_view(&stored.message),
                }),
            )
        }

        /// A visitor message, from HTTP or the socket: validated, rate
        /// limited, stored with its conversation (created on first use) and
        /// the busy auto-reply when due. Not yet delivered.
        pub(crate) async fn visitor_send(
            &self,
            cred: &VisitorCredential,
            input: VisitorMessageBody,
            now: i64,
        ) -> Result<Stored, ApiError> {
            // The only await: everything below runs without interruption.
            let snap = self.settle(now).await?;
            let cfg = self.config()?;
            let text = check_message(&input.client_id, &input.text)?;
            let visitor = self.visitor_for(cred)?;
            // A new message goes to the visitor's open conversation, or
            // starts a new one; a retry is found in any of their
            // conversations (one closed since included).
            let conv = match &visitor {
                Some(v) => self.store.open_conversation_of_visitor(&v.id)?,
                None => None,
            };
            let key = visitor_client_key(&input.client_id);
            if let Some(v) = &visitor {
                if let Some((cid, message)) = self.store.visitor_message_by_key(&v.id, &key)? {
                    let c = match &conv {
                        Some(c) if c.id == cid => c.clone(),
                        _ => self
                            .store
                            .conversation(&cid)?
                            .ok_or_else(conversation_not_found)?,
                    };
                    return Ok(Stored {
                        conversation: c,
                        visitor: v.clone(),
                        message,
                        created: false,
                        automatic: Vec::new(),
                        reopened: false,
                    });
                }
            }
            // The group is fixed by the conversation's first message.
            let group = match &conv {
                Some(c) => c.grp.clone(),
                None => match input.group.as_deref().filter(|g| !g.is_empty()) {
                    Some(g) if cfg.groups.contains_key(g) => Some(g.to_string()),
                    Some(g) => {
                        let shown: String = g.chars().take(60).collect();
                        return Err(ApiError::bad_request(
                            "unknown_group",
                            format!("no group `{shown}` on this site"),
                        ));
                    }
                    None => None,
                },
            };
            let status = audience(&snap.eval, group.as_deref())?;
            let (name, email) = contact_for(
                needs_contact(status),
                input.name.as_deref(),
                input.email.as_deref(),
                visitor.as_ref().and_then(|v| v.name.as_deref()),
                visitor.as_ref().and_then(|v| v.email.as_deref()),
            )?;
            let window = visitor
                .as_ref()
                .map(VisitorRow::rate_window)
                .unwrap_or_default();
            let window = window
                .check(RateLimit::VISITOR.limit, RateLimit::VISITOR.window_ms, now)
                .map_err(|retry| rule_error(retry.into()))?;
            let auto_reply = busy_auto_reply(
                status,
                conv.as_ref().is_some_and(|c| c.busy_reply_sent != 0),
            );

            bindings::transaction(&self.state, || {
                let visitor = match &visitor {
                    Some(v) => {
                        self.store.update_visitor(
                            &v.id,
                            name.as_deref(),
                            email.as_deref(),
                            window,
                        )?;
                        VisitorRow {
                            name: name.clone().or_else(|| v.name.clone()),
                            email: email.clone().or_else(|| v.email.clone()),
                            rate_window_start: window.window_start,
                            rate_count: i64::from(window.count),
                            ..v.clone()
                        }
                    }
                    None => {
                        let row = VisitorRow {
                            id: cred.id.clone(),
                            secret_hash: cred.secret_hash.clone(),
                            name: name.clone(),
                            email: email.clone(),
                            created_at: now,
                            rate_window_start: window.window_start,
                            rate_count: i64::from(window.count),
                        };
                        self.store.insert_visitor(&row)?;
                        row
                    }
                };
                let mut conv = match &conv {
                    Some(c) => c.clone(),
                    None => {
                        let row = ConversationRow::new(
                            make_conversation_id(&bindings::random_bytes()),
                            visitor.id.clone(),
                            group.clone(),
                            now,
                        );
                        self.store.insert_conversation(&row)?;
                        row
                    }
                };
                conv.last_seq += 1;
                conv.last_visitor_seq = conv.last_seq;
                conv.updated_at = now;
                let message = MessageRow {
                    seq: conv.last_seq,
                    client_id: input.client_id.clone(),
                    sender: Sender::Visitor.as_str().to_string(),
                    agent_id: None,
                    agent_name: None,
                    text: text.clone(),
                    at: now,
                    kind: None,
                };
                self.store.insert_message(&conv.id, &key, &message)?;
                let mut automatic = Vec::new();
                if let Some(reply) = &auto_reply {
                    conv.last_seq += 1;
                    conv.busy_reply_sent = 1;
                    let row = MessageRow {
                        seq: conv.last_seq,
                        client_id: BUSY_REPLY_CLIENT_ID.to_string(),
                        sender: Sender::System.as_str().to_string(),
                        agent_id: None,
                        agent_name: None,
                        text: reply.clone(),
                        at: now,
                        kind: Some(MessageKind::AutoReply.as_str().to_string()),
                    };
                    self.store.insert_message(&conv.id, BUSY_REPLY_KEY, &row)?;
                    automatic.push(row);
                }
                self.store.save_conversation(&conv)?;
                Ok(Stored {
                    conversation: conv,
                    visitor,
                    message,
                    created: true,
                    automatic,
                    reopened: false,
                })
            })
        }

        /// A text frame from a visitor's `/live` socket.
        pub(crate) async fn visitor_socket_message(
            &self,
            ws: &WebSocket,
            attachment: Attachment,
            text: &str,
        ) {
            if text.trim() == "ping" {
                let _ = ws.send_with_str("pong");
                return;
            }
            if let Err(e) = self.visitor_frame(ws, attachment, text).await {
                send_error(ws, &e, frame_client_id(text).as_deref(), None);
            }
        }

        async fn visitor_frame(
            &self,
            ws: &WebSocket,
            attachment: Attachment,
            text: &str,
        ) -> Result<(), ApiError> {
            let Attachment::Visitor {
                group,
                visitor,
                key,
                sid,
                tagged,
            } = attachment
            else {
                return Ok(());
            };
            if text.len() > sockets::MAX_SOCKET_MESSAGE {
                return Err(ApiError::PayloadTooLarge);
            }
            let frame: VisitorFrame =
                serde_json::from_str(text).map_err(|e| ApiError::from_json(&e))?;
            match frame {
                VisitorFrame::Auth {
                    visitor: credential,
                    after,
                } => {
                    let cred = parse_visitor_credential(Some(&credential))?;
                    if tagged.as_deref().is_some_and(|t| t != cred.id) {
                        return Err(ApiError::bad_request(
                            "invalid_visitor",
                            "this socket was opened for another visitor (?visitor=)",
                        ));
                    }
                    let page = self.visitor_page(&cred, after)?;
                    ws.serialize_attachment(Attachment::Visitor {
                        group,
                        visitor: Some(cred.id),
                        key: Some(cred.secret_hash),
                        sid,
                        tagged,
                    })?;
                    let frame = json!({
                        "type": "messages",
                        "conversation_id": page.conversation_id,
                        "state": page.state,
                        "messages": views(&page.rows),
                        "has_more": page.more,
                    });
                    ws.send_with_str(frame.to_string())?;
                }
                VisitorFrame::Send {
                    client_id: cid,
                    text,
                    group,
                    name,
                    email,
                } => {
                    let (Some(id), Some(secret_hash)) = (visitor, key) else {
                        return Err(ApiError::bad_request(
                            "invalid_visitor",
                            "authenticate first: {\"type\":\"auth\",\"visitor\":\"<id>.<secret>\"}",
                        ));
                    };
                    let cred = VisitorCredential { id, secret_hash };
                    let input = VisitorMessageBody {
                        client_id: cid,
                        text,
                        group,
                        name,
                        email,
                    };
                    let stored = self.visitor_send(&cred, input, now_ms()).await?;
                    let ack = json!({
                        "type": "ack",
                        "client_id": stored.message.client_id,
                        "seq": seq(stored.message.seq),
                        "conversation_id": stored.conversation.id,
                    });
                    ws.send_with_str(ack.to_string())?;
                    let origin = match sid.as_deref() {
                        Some(s) => Origin::VisitorSocket(s),
                        None => Origin::Http,
                    };
                    if let Err(e) = self.deliver(&stored, origin) {
                        worker::console_error!("deliver: {e}");
                    }
                }
            }
            Ok(())
        }

        // -------------------------------------------------------- agents

        /// The conversation if this agent serves it; 404 otherwise (its
        /// existence is not revealed).
        fn served_conversation(
            &self,
            cfg: &Config,
            me: &AgentRow,
            id: &str,
        ) -> Result<ConversationRow, ApiError> {
            match self.store.conversation(id)? {
                Some(c) if agent_serves(&me.group_list(), &cfg.site.groups, c.grp.as_deref()) => {
                    Ok(c)
                }
                _ => Err(conversation_not_found()),
            }
        }

        /// The stored group values this agent serves, as (groups JSON, whether
        /// conversations without a group are served): every decision is
        /// `agent_serves`.
        fn served_filter(&self, cfg: &Config, me: &AgentRow) -> Result<(String, bool), ApiError> {
            let groups = me.group_list();
            let mut served: Vec<String> = Vec::new();
            let mut none = false;
            for grp in self.store.conversation_groups()? {
                if agent_serves(&groups, &cfg.site.groups, grp.as_deref()) {
                    match grp {
                        Some(g) => served.push(g),
                        None => none = true,
                    }
                }
            }
            let json = serde_json::to_string(&served).unwrap_or_else(|_| "[]".into());
            Ok((json, none))
        }

        /// Conversations this agent serves that wait for a reply (the device
        /// hello's `conversations_waiting`).
        pub(crate) fn conversations_waiting(
            &self,
            cfg: &Config,
            me: &AgentRow,
        ) -> Result<usize, ApiError> {
            let (groups, none) = self.served_filter(cfg, me)?;
            let rows = self.store.inbox(&InboxQuery {
                agent: &me.id,
                groups_json: &groups,
                none,
                filter: StateFilter::Open,
                after: None,
                limit: None,
                waiting_only: true,
            })?;
            Ok(rows
                .iter()
                .filter(|r| presenza_rules::waits(r.conversation().state(), &r.counters()))
                .count())
        }

        /// GET /conversations?state=&limit=&cursor=
        pub(crate) fn list_conversations(
            &self,
            cfg: &Config,
            me: &AgentRow,
            state: StateFilter,
            limit: usize,
            cursor: Option<&ListCursor>,
        ) -> Result<Response, ApiError> {
            let limit = limit.clamp(1, MAX_LISTED_CONVERSATIONS);
            let (groups, none) = self.served_filter(cfg, me)?;
            let rows = self.store.inbox(&InboxQuery {
                agent: &me.id,
                groups_json: &groups,
                none,
                filter: state,
                after: cursor,
                limit: Some(limit + 1),
                waiting_only: false,
            })?;
            let more = rows.len() > limit;
            let mut items: Vec<(ConversationSummary, Closing, SummaryView)> = rows
                .into_iter()
                .take(limit)
                .map(|r| {
                    let counters = r.counters();
                    let closing = closing_of(&r.conversation());
                    let view = SummaryView::new(
                        &counters,
                        r.grp.clone(),
                        VisitorView {
                            id: r.visitor_id.clone(),
                            name: r.visitor_name.clone(),
                            email: r.visitor_email.clone(),
                        },
                        r.last_message().as_ref().map(message_view),
                        seq(r.last_seq),
                        &closing,
                    );
                    (counters, closing, view)
                })
                .collect();
            // SQL picked them in this order already; the rules decide it.
            items.sort_by(|a, b| a.1.list_key(&a.0).cmp(&b.1.list_key(&b.0)));
            let next_cursor = if more {
                items.last().map(|(counters, closing, _)| {
                    ListCursor::of(&closing.list_key(counters)).encode()
                })
            } else {
                None
            };
            let list: Vec<SummaryView> = items.into_iter().map(|(_, _, v)| v).collect();
            respond::json_value(
                200,
                &json!({"conversations": list, "next_cursor": next_cursor, "has_more": more}),
            )
        }

        /// GET /conversations/{id}/messages?after=SEQ
        pub(crate) fn conversation_messages(
            &self,
            cfg: &Config,
            me: &AgentRow,
            id: &str,
            after: u64,
        ) -> Result<Response, ApiError> {
            let conv = self.served_conversation(cfg, me, id)?;
            let (rows, more) = self.page(&conv.id, after)?;
            respond::json_value(200, &json!({"messages": views(&rows), "has_more": more}))
        }

        /// POST /conversations/{id}/messages
        pub(crate) fn reply_http(
            &self,
            cfg: &Config,
            me: &AgentRow,
            id: &str,
            body: &Body,
            now: i64,
        ) -> Result<Response, ApiError> {
            let input: ReplyBody = body.json()?;
            let stored = self.agent_reply(cfg, me, id, &input.client_id, &input.text, now)?;
            self.push_reopened(cfg, &stored);
            self.deliver(&stored, Origin::Http)?;
            self.push_reply_read(&me.id, &stored)?;
            respond::json_value(
                if stored.created { 201 } else { 200 },
                &json!({"message": message_view(&stored.message)}),
            )
        }

        /// An agent's reply (HTTP or device socket), stored; not yet
        /// delivered. The reply also marks the conversation read up to it
        /// for this agent.
        pub(crate) fn agent_reply(
            &self,
            cfg: &Config,
            me: &AgentRow,
            id: &str,
            client_id: &str,
            text: &str,
            now: i64,
        ) -> Result<Stored, ApiError> {
            let text = check_message(client_id, text)?;
            let conv = self.served_conversation(cfg, me, id)?;
            let visitor = self
                .store
                .visitor(&conv.visitor_id)?
                .ok_or_else(|| ApiError::internal("conversation without visitor"))?;
            let key = agent_client_key(&me.id, client_id);
            if let Some(message) = self.store.message_by_key(&conv.id, &key)? {
                return Ok(Stored {
                    conversation: conv,
                    visitor,
                    message,
                    created: false,
                    automatic: Vec::new(),
                    reopened: false,
                });
            }
            let other_open = conv.state() == ConversationState::Closed
                && self
                    .store
                    .open_conversation_of_visitor(&conv.visitor_id)?
                    .is_some_and(|c| c.id != conv.id);
            let reopen = match reply_outcome(conv.state(), other_open) {
                ReplyOutcome::Reply => false,
                ReplyOutcome::ReopenAndReply => true,
                ReplyOutcome::Conflict => return Err(conversation_conflict()),
            };
            let window = self
                .store
                .agent_rate(&me.id)?
                .check(RateLimit::AGENT.limit, RateLimit::AGENT.window_ms, now)
                .map_err(|retry| rule_error(retry.into()))?;
            let read = self.store.read_seq(&conv.id, &me.id)?;
            bindings::transaction(&self.state, || {
                let mut conv = conv.clone();
                if reopen {
                    set_open(&mut conv);
                    self.store.save_conversation_state(&conv)?;
                }
                conv.last_seq += 1;
                conv.last_agent_seq = conv.last_seq;
                conv.updated_at = now;
                let message = MessageRow {
                    seq: conv.last_seq,
                    client_id: client_id.to_string(),
                    sender: Sender::Agent.as_str().to_string(),
                    agent_id: Some(me.id.clone()),
                    agent_name: Some(me.name.clone()),
                    text: text.clone(),
                    at: now,
                    kind: None,
                };
                self.store.insert_message(&conv.id, &key, &message)?;
                self.store.save_conversation(&conv)?;
                self.store.set_agent_rate(&me.id, window)?;
                let last = seq(conv.last_seq);
                let mark = advance_read_mark(read, last, last);
                self.store.set_read_seq(&conv.id, &me.id, seq_i64(mark))?;
                Ok(Stored {
                    conversation: conv,
                    visitor: visitor.clone(),
                    message,
                    created: true,
                    automatic: Vec::new(),
                    reopened: reopen,
                })
            })
        }

        /// POST /conversations/{id}/read
        pub(crate) fn mark_read(
            &self,
            cfg: &Config,
            me: &AgentRow,
            id: &str,
            body: &Body,
        ) -> Result<Response, ApiError> {
            let input: ReadBody = body.json()?;
            let conv = self.served_conversation(cfg, me, id)?;
            let current = self.store.read_seq(&conv.id, &me.id)?;
            let mark = advance_read_mark(current, input.seq, seq(conv.last_seq));
            if mark != current {
                self.store.set_read_seq(&conv.id, &me.id, seq_i64(mark))?;
                self.push_read(&me.id, &conv.id, mark)?;
            }
            Ok(respond::empty(204, &[])?)
        }

        /// Tells every device of `agent` its read mark of a conversation is
        /// now `mark` (frame: [`read_frame`]).
        fn push_read(&self, agent: &str, conversation: &str, mark: u64) -> Result<(), ApiError> {
            let tag = sockets::agent_tag(agent);
            if self.state.get_websockets_with_tag(&tag).is_empty() {
                return Ok(());
            }
            let unread = self
                .store
                .visitor_messages_after(conversation, seq_i64(mark))?;
            sockets::broadcast(&self.state, &tag, &read_frame(conversation, mark, unread));
            Ok(())
        }

        /// A `reply` frame from a device: ack or error frame (with the
        /// client id) to that device, the reply pushed to everyone else.
        pub(crate) fn device_reply(
            &self,
            ws: &WebSocket,
            agent: &str,
            session: &str,
            conversation_id: &str,
            client_id: &str,
            text: &str,
        ) {
            let result = (|| {
                let cfg = self.config()?;
                let me = self
                    .store
                    .agent(agent)?
                    .ok_or_else(ApiError::invalid_token)?;
                self.agent_reply(&cfg, &me, conversation_id, client_id, text, now_ms())
            })();
            match result {
                Ok(stored) => {
                    let ack = json!({
                        "type": "ack",
                        "client_id": stored.message.client_id,
                        "seq": seq(stored.message.seq),
                        "conversation_id": stored.conversation.id,
                    });
                    let _ = ws.send_with_str(ack.to_string());
                    if let Ok(cfg) = self.config() {
                        self.push_reopened(&cfg, &stored);
                    }
                    if let Err(e) = self.deliver(&stored, Origin::Device { agent, session }) {
                        worker::console_error!("deliver: {e}");
                    }
                    if let Err(e) = self.push_reply_read(agent, &stored) {
                        worker::console_error!("read mark: {e}");
                    }
                }
                Err(e) => send_error(ws, &e, Some(client_id), Some(conversation_id)),
            }
        }

        /// A reply that reopened its conversation: the `reopened` and
        /// `conversation` frames go out before the message itself.
        fn push_reopened(&self, cfg: &Config, stored: &Stored) {
            if stored.reopened {
                self.push_state(cfg, &stored.conversation, &stored.visitor, "reopened");
            }
        }

        /// A new reply moved its agent's read mark to it: tell that agent's
        /// devices (nothing for an idempotent retry).
        fn push_reply_read(&self, agent: &str, stored: &Stored) -> Result<(), ApiError> {
            if !stored.created {
                return Ok(());
            }
            self.push_read(agent, &stored.conversation.id, seq(stored.message.seq))
        }

        // -------------------------------------------------------- close / reopen

        /// One conversation as `agent` sees it (its read mark, unread count).
        fn summary_for(
            &self,
            conv: &ConversationRow,
            visitor: &VisitorRow,
            agent: &str,
        ) -> Result<SummaryView, ApiError> {
            let read = self.store.read_seq(&conv.id, agent)?;
            let after_read = self.store.visitor_messages_after(&conv.id, seq_i64(read))?;
            let last = self
                .store
                .messages_after(&conv.id, conv.last_seq.saturating_sub(1), 1)?;
            Ok(SummaryView::new(
                &conv.counters(read, after_read),
                conv.grp.clone(),
                visitor_view(visitor),
                last.first().map(message_view),
                seq(conv.last_seq),
                &closing_of(conv),
            ))
        }

        fn visitor_of(&self, conv: &ConversationRow) -> Result<VisitorRow, ApiError> {
            self.store
                .visitor(&conv.visitor_id)?
                .ok_or_else(|| ApiError::internal("conversation without visitor"))
        }

        fn conversation_response(
            &self,
            conv: &ConversationRow,
            visitor: &VisitorRow,
            me: &AgentRow,
        ) -> Result<Response, ApiError> {
            let summary = self.summary_for(conv, visitor, &me.id)?;
            respond::json_value(200, &json!({"conversation": summary}))
        }

        /// POST /conversations/{id}/close: closes it with a system message
        /// (idempotent: a closed conversation stays as it is).
        pub(crate) fn close_conversation(
            &self,
            cfg: &Config,
            me: &AgentRow,
            id: &str,
            now: i64,
        ) -> Result<Response, ApiError> {
            let conv = self.served_conversation(cfg, me, id)?;
            let visitor = self.visitor_of(&conv)?;
            if close_outcome(conv.state()) == CloseOutcome::AlreadyClosed {
                return self.conversation_response(&conv, &visitor, me);
            }
            let stored = bindings::transaction(&self.state, || {
                let mut conv = conv.clone();
                conv.last_seq += 1;
                conv.updated_at = now;
                conv.state = ConversationState::Closed.as_str().to_string();
                conv.closed_at = Some(now);
                conv.closed_by_id = Some(me.id.clone());
                conv.closed_by_name = Some(me.name.clone());
                let message = MessageRow {
                    seq: conv.last_seq,
                    client_id: CLOSED_CLIENT_ID.to_string(),
                    sender: Sender::System.as_str().to_string(),
                    agent_id: None,
                    agent_name: None,
                    text: closed_message(&me.name),
                    at: now,
                    kind: Some(MessageKind::Closed.as_str().to_string()),
                };
                self.store
                    .insert_message(&conv.id, &closed_key(seq(conv.last_seq)), &message)?;
                self.store.save_conversation(&conv)?;
                self.store.save_conversation_state(&conv)?;
                Ok(Stored {
                    conversation: conv,
                    visitor: visitor.clone(),
                    message,
                    created: true,
                    automatic: Vec::new(),
                    reopened: false,
                })
            })?;
            // Stored: what follows only tells others.
            if let Err(e) = self.deliver(&stored, Origin::Http) {
                worker::console_error!("deliver: {e}");
            }
            self.push_state(cfg, &stored.conversation, &stored.visitor, "closed");
            self.conversation_response(&stored.conversation, &stored.visitor, me)
        }

        /// POST /conversations/{id}/reopen: 409 when the visitor has another
        /// open conversation; an open one stays as it is.
        pub(crate) fn reopen_conversation(
            &self,
            cfg: &Config,
            me: &AgentRow,
            id: &str,
        ) -> Result<Response, ApiError> {
            let mut conv = self.served_conversation(cfg, me, id)?;
            let visitor = self.visitor_of(&conv)?;
            let other_open = self
                .store
                .open_conversation_of_visitor(&conv.visitor_id)?
                .is_some_and(|c| c.id != conv.id);
            match reopen_outcome(conv.state(), other_open) {
                ReopenOutcome::AlreadyOpen => self.conversation_response(&conv, &visitor, me),
                ReopenOutcome::Conflict => Err(conversation_conflict()),
                ReopenOutcome::Reopen => {
                    set_open(&mut conv);
                    self.store.save_conversation_state(&conv)?;
                    self.push_state(cfg, &conv, &visitor, "reopened");
                    self.conversation_response(&conv, &visitor, me)
                }
            }
        }

        /// The agents who serve `conv` and have a device connected, each with
        /// its device tag and sockets (none when no device is connected).
        fn serving_devices(
            &self,
            cfg: &Config,
            conv: &ConversationRow,
        ) -> Result<Vec<(AgentRow, String, Vec<WebSocket>)>, ApiError> {
            if self.state.get_websockets_with_tag(AGENTS).is_empty() {
                return Ok(Vec::new());
            }
            let mut serving = Vec::new();
            for agent in self.store.agents()? {
                if !agent_serves(&agent.group_list(), &cfg.site.groups, conv.grp.as_deref()) {
                    continue;
                }
                let tag = sockets::agent_tag(&agent.id);
                let devices = self.state.get_websockets_with_tag(&tag);
                if !devices.is_empty() {
                    serving.push((agent, tag, devices));
                }
            }
            Ok(serving)
        }

        /// After a close or reopen: `{"type":"conversation"}` to every device
        /// of every agent who serves it, `{"type": kind}` ("closed" /
        /// "reopened") to the visitor's authenticated sockets. Best effort:
        /// the change is stored already.
        fn push_state(
            &self,
            cfg: &Config,
            conv: &ConversationRow,
            visitor: &VisitorRow,
            kind: &str,
        ) {
            let frame = json!({"type": kind, "conversation_id": conv.id}).to_string();
            bindings::send_to_visitor(
                &self.state,
                &sockets::visitor_tag(&visitor.id),
                &visitor.id,
                &visitor.secret_hash,
                None,
                &frame,
            );
            let serving = match self.serving_devices(cfg, conv) {
                Ok(s) => s,
                Err(e) => {
                    worker::console_error!("agents: {e}");
                    return;
                }
            };
            for (agent, tag, _) in serving {
                match self.summary_for(conv, visitor, &agent.id) {
                    Ok(summary) => {
                        let frame =
                            json!({"type": "conversation", "conversation": summary}).to_string();
                        sockets::broadcast(&self.state, &tag, &frame);
                    }
                    Err(e) => worker::console_error!("summary: {e}"),
                }
            }
        }

        // -------------------------------------------------------- delivery

        /// Pushes a stored message (and the automatic ones after it) to the
        /// visitor's authenticated sockets and to the devices of every agent
        /// serving the conversation; the socket it came from gets an ack
        /// instead. Nothing is pushed for an idempotent retry.
        pub(crate) fn deliver(&self, stored: &Stored, origin: Origin<'_>) -> Result<(), ApiError> {
            if !stored.created {
                return Ok(());
            }
            let conv = &stored.conversation;
            let visitor = &stored.visitor;
            let mut messages: Vec<(&MessageRow, bool)> = vec![(&stored.message, true)];
            messages.extend(stored.automatic.iter().map(|m| (m, false)));

            // The visitor's tabs.
            for (row, is_origin) in &messages {
                let skip = match origin {
                    Origin::VisitorSocket(sid) if *is_origin => Some(sid),
                    _ => None,
                };
                let frame = json!({
                    "type": "message",
                    "conversation_id": conv.id,
                    "message": message_view(row),
                })
                .to_string();
                bindings::send_to_visitor(
                    &self.state,
                    &sockets::visitor_tag(&visitor.id),
                    &visitor.id,
                    &visitor.secret_hash,
                    skip,
                    &frame,
                );
            }

            // The agents who serve it (those with a device connected).
            let cfg = self.config()?;
            let serving = self.serving_devices(&cfg, conv)?;
            if serving.is_empty() {
                return Ok(());
            }
            let reads = self.store.reads_of(&conv.id)?;
            let mut after_read: HashMap<i64, u64> = HashMap::new();
            let visitor_view = VisitorView {
                id: visitor.id.clone(),
                name: visitor.name.clone(),
                email: visitor.email.clone(),
            };
            for (agent, tag, devices) in serving {
                let read = reads.get(&agent.id).copied().unwrap_or(0);
                let count = match after_read.get(&read) {
                    Some(n) => *n,
                    None => {
                        let n = self.store.visitor_messages_after(&conv.id, read)?;
                        after_read.insert(read, n);
                        n
                    }
                };
                let counters = conv.counters(seq(read), count);
                let closing = closing_of(conv);
                for (row, is_origin) in &messages {
                    let summary = SummaryView::new(
                        &counters,
                        conv.grp.clone(),
                        visitor_view.clone(),
                        Some(message_view(row)),
                        seq(conv.last_seq),
                        &closing,
                    );
                    let frame = json!({
                        "type": "message",
                        "conversation": summary,
                        "message": message_view(row),
                    })
                    .to_string();
                    match origin {
                        Origin::Device {
                            agent: a,
                            session: s,
                        } if *is_origin && a == agent.id => {
                            for ws in &devices {
                                let own = matches!(
                                    sockets::attachment(ws),
                                    Some(Attachment::Agent { session, .. }) if session == s
                                );
                                if !own {
                                    let _ = ws.send_with_str(&frame);
                                }
                            }
                        }
                        _ => {
                            sockets::broadcast(&self.state, &tag, &frame);
                        }
                    }
                }
            }
            Ok(())
        }
    }

    /// An error frame answering a conversation frame.
    fn send_error(
        ws: &WebSocket,
        err: &ApiError,
        client_id: Option<&str>,
        conversation_id: Option<&str>,
    ) {
        let mut frame = json!({"type": "error", "error": err.error_object()});
        if let Some(c) = client_id {
            frame["client_id"] = Value::from(c);
        }
        if let Some(c) = conversation_id {
            frame["conversation_id"] = Value::from(c);
        }
        let _ = ws.send_with_str(frame.to_string());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ID: &str = "AAAAAAAAAAAAAAAAAAAAAA";
    const SECRET: &str = "BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB";

    #[test]
    fn credentials() {
        let c = parse_visitor_credential(Some(&format!("{ID}.{SECRET}"))).unwrap();
        assert_eq!(c.id, ID);
        assert_eq!(c.secret_hash, crate::auth::sha256_hex(SECRET.as_bytes()));
        assert!(secret_hash_matches(
            &c,
            &crate::auth::sha256_hex(SECRET.as_bytes())
        ));
        assert!(!secret_hash_matches(&c, &crate::auth::sha256_hex(b"other")));
        for bad in [
            None,
            Some(""),
            Some(ID),
            Some("a.b"),
            Some(&format!("{ID}.short")),
            Some(&format!("{ID}.{SECRET}=")),
            Some(&format!("{ID}!.{SECRET}")),
            Some(&format!(".{SECRET}")),
        ] {
            let e = parse_visitor_credential(bad).unwrap_err();
            assert_eq!((e.status(), e.code()), (400, "invalid_visitor"), "{bad:?}");
        }
        assert_eq!(visitor_forbidden().status(), 403);
        assert_eq!(conversation_not_found().status(), 404);
        assert!(is_visitor_id(ID));
        assert!(!is_visitor_id("short"));
        assert!(is_conversation_id(&make_conversation_id(&[1; 16])));
        assert!(!is_conversation_id("a/b"));
    }

    #[test]
    fn client_keys_are_per_sender() {
        assert_ne!(visitor_client_key("c_1"), agent_client_key("giulia", "c_1"));
        assert_ne!(
            agent_client_key("giulia", "c_1"),
            agent_client_key("marco", "c_1")
        );
        // No client id can collide with the auto-reply's key.
        assert!(presenza_rules::validate_client_id(BUSY_REPLY_KEY).is_err());
    }

    #[test]
    fn messages_and_contact() {
        assert_eq!(check_message("c_1", "  hi \n").unwrap(), "hi");
        assert_eq!(
            check_message("c 1", "hi").unwrap_err().code(),
            "invalid_client_id"
        );
        assert_eq!(
            check_message("c_1", "   ").unwrap_err().code(),
            "empty_message"
        );
        assert_eq!(
            check_message("c_1", &"x".repeat(2001)).unwrap_err().code(),
            "message_too_long"
        );
        let html = "<script>alert(1)</script>";
        assert_eq!(check_message("c_1", html).unwrap(), html);

        let e = contact_for(true, None, None, None, None).unwrap_err();
        assert_eq!((e.status(), e.code()), (400, "contact_required"));
        assert_eq!(
            contact_for(true, Some("Ann"), Some("nope"), None, None)
                .unwrap_err()
                .code(),
            "invalid_email"
        );
        assert_eq!(
            contact_for(true, Some(" Ann "), Some("ann@example.com"), None, None).unwrap(),
            (Some("Ann".into()), Some("ann@example.com".into()))
        );
        // Stored contact details count when none are given.
        assert_eq!(
            contact_for(true, None, None, Some("Ann"), Some("ann@example.com")).unwrap(),
            (Some("Ann".into()), Some("ann@example.com".into()))
        );
        // Optional: blank is "not given", invalid given values are refused.
        assert_eq!(
            contact_for(false, Some(" "), None, None, None).unwrap(),
            (None, None)
        );
        assert_eq!(
            contact_for(false, None, Some("x@"), None, None)
                .unwrap_err()
                .code(),
            "invalid_email"
        );
    }

    #[test]
    fn frames() {
        let f: VisitorFrame = serde_json::from_str(&format!(
            r#"{{"type":"auth","visitor":"{ID}.{SECRET}","after":3}}"#
        ))
        .unwrap();
        assert!(matches!(f, VisitorFrame::Auth { after: 3, .. }));
        let f: VisitorFrame =
            serde_json::from_str(r#"{"type":"send","client_id":"c_1","text":"hi","group":null}"#)
                .unwrap();
        assert!(matches!(f, VisitorFrame::Send { .. }));
        assert!(serde_json::from_str::<VisitorFrame>(r#"{"type":"send","text":"hi"}"#).is_err());
        assert_eq!(
            frame_client_id(r#"{"type":"send","client_id":"c_9","text":5}"#).as_deref(),
            Some("c_9")
        );
        assert_eq!(frame_client_id("{nope"), None);
    }

    #[test]
    fn views() {
        let m = MessageView::new(
            7,
            "c_1",
            Sender::Agent,
            Some(AgentRef {
                id: "giulia".into(),
                name: "Giulia".into(),
            }),
            "<b>hi</b>",
            0,
            // Only system messages have a kind.
            Some(MessageKind::Closed),
        );
        let v = serde_json::to_value(&m).unwrap();
        assert_eq!(
            v,
            serde_json::json!({"seq":7,"client_id":"c_1","from":"agent",
                "agent":{"id":"giulia","name":"Giulia"},"text":"<b>hi</b>","at":"1970-01-01T00:00:00Z",
                "kind":null})
        );
        let m = MessageView::new(1, "c_1", Sender::Visitor, None, "x", 0, None);
        assert_eq!(
            serde_json::to_value(&m).unwrap()["agent"],
            serde_json::Value::Null
        );
        for kind in [MessageKind::AutoReply, MessageKind::Closed] {
            let m = MessageView::new(2, "s", Sender::System, None, "x", 0, Some(kind));
            assert_eq!(serde_json::to_value(&m).unwrap()["kind"], kind.as_str());
        }
        let counters = ConversationSummary {
            id: "c_1".into(),
            created_at: 0,
            updated_at: 1000,
            last_visitor_seq: 3,
            last_agent_seq: 2,
            read_seq: 1,
            visitor_messages_after_read: 2,
        };
        let s = SummaryView::new(
            &counters,
            Some("sales".into()),
            VisitorView {
                id: ID.into(),
                name: None,
                email: None,
            },
            None,
            3,
            &Closing::OPEN,
        );
        assert!(s.waiting);
        assert_eq!(s.state, "open");
        let closed = Closing::from_columns("closed", Some(2000), Some("giulia"), Some("Giulia"));
        let c = SummaryView::new(
            &counters,
            None,
            VisitorView {
                id: ID.into(),
                name: None,
                email: None,
            },
            None,
            3,
            &closed,
        );
        let v = serde_json::to_value(&c).unwrap();
        assert_eq!(v["state"], "closed");
        assert_eq!(v["waiting"], false);
        assert_eq!(v["closed_at"], "1970-01-01T00:00:02Z");
        assert_eq!(
            v["closed_by"],
            serde_json::json!({"id": "giulia", "name": "Giulia"})
        );
        assert_eq!(
            serde_json::to_value(&s).unwrap()["closed_by"],
            serde_json::Value::Null
        );
        assert_eq!(s.unread, 2);
        assert_eq!(s.updated_at, "1970-01-01T00:00:01Z");
        assert_eq!(seq(-1), 0);
        assert_eq!(seq_i64(u64::MAX), MAX_SEQ as i64);
    }

    #[test]
    fn cursors() {
        for c in [
            ListCursor {
                closed: false,
                waiting: true,
                time: 1_732_550_000_000,
                id: "c_0123".into(),
            },
            ListCursor {
                closed: false,
                waiting: false,
                time: 0,
                id: "c_x-y".into(),
            },
            ListCursor {
                closed: true,
                waiting: false,
                time: 7,
                id: "c_1".into(),
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
        ] {
            assert_eq!(ListCursor::parse(bad), None, "{bad}");
        }
        assert_eq!(closed_key(4), "s:closed:4");
        assert_eq!(conversation_conflict().status(), 409);
    }

    #[test]
    fn read_frames() {
        let v: serde_json::Value = serde_json::from_str(&read_frame("c_1", 7, 0)).unwrap();
        assert_eq!(
            v,
            serde_json::json!({"type": "read", "conversation_id": "c_1", "seq": 7, "unread": 0})
        );
    }
}
