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

use crate::error::ApiError;
use presenza_rules::{time, ConversationSummary, RuleError, Sender, UnixMillis};
use serde::{Deserialize, Serialize};

/// Most conversations one `GET /conversations` lists (the most relevant
/// first: waiting, then most recent).
pub const MAX_LISTED_CONVERSATIONS: usize = 200;
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
}

impl MessageView {
    pub fn new(
        seq: u64,
        client_id: &str,
        from: Sender,
        agent: Option<AgentRef>,
        text: &str,
        at: UnixMillis,
    ) -> Self {
        MessageView {
            seq,
            client_id: client_id.to_string(),
            from: from.as_str(),
            agent: if from == Sender::Agent { agent } else { None },
            text: text.to_string(),
            at: time::to_rfc3339(at),
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
}

impl SummaryView {
    /// `counters` holds the rules' view (waiting, unread) for this agent.
    pub fn new(
        counters: &ConversationSummary,
        group: Option<String>,
        visitor: VisitorView,
        last_message: Option<MessageView>,
        last_seq: u64,
    ) -> Self {
        SummaryView {
            id: counters.id.clone(),
            group,
            visitor,
            last_message,
            last_seq,
            unread: counters.unread(),
            waiting: counters.waiting(),
            created_at: time::to_rfc3339(counters.created_at),
            updated_at: time::to_rfc3339(counters.updated_at),
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
    use crate::store::{AgentRow, ConversationRow, MessageRow, VisitorRow};
    use presenza_rules::{
        advance_read_mark, agent_serves, busy_auto_reply, needs_contact, AudienceStatus, RateLimit,
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
        MessageView::new(seq(row.seq), &row.client_id, from, agent, &row.text, row.at)
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

        /// The visitor's conversation id and its messages after `after`.
        fn visitor_page(
            &self,
            cred: &VisitorCredential,
            after: u64,
        ) -> Result<(Option<String>, Vec<MessageRow>, bool), ApiError> {
            let Some(visitor) = self.visitor_for(cred)? else {
                return Ok((None, Vec::new(), false));
            };
            let Some(conv) = self.store.conversation_of_visitor(&visitor.id)? else {
                return Ok((None, Vec::new(), false));
            };
            let (rows, more) = self.page(&conv.id, after)?;
            Ok((Some(conv.id), rows, more))
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
            let (conversation_id, rows, more) = self.visitor_page(&cred, after)?;
            respond::json_value(
                200,
                &json!({
                    "conversation_id": conversation_id,
                    "messages": views(&rows),
                    "has_more": more,
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
            let conv = match &visitor {
                Some(v) => self.store.conversation_of_visitor(&v.id)?,
                None => None,
            };
            let key = visitor_client_key(&input.client_id);
            if let (Some(v), Some(c)) = (&visitor, &conv) {
                if let Some(message) = self.store.message_by_key(&c.id, &key)? {
                    return Ok(Stored {
                        conversation: c.clone(),
                        visitor: v.clone(),
                        message,
                        created: false,
                        automatic: Vec::new(),
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
                    let (conversation_id, rows, more) = self.visitor_page(&cred, after)?;
                    ws.serialize_attachment(Attachment::Visitor {
                        group,
                        visitor: Some(cred.id),
                        key: Some(cred.secret_hash),
                        sid,
                        tagged,
                    })?;
                    let frame = json!({
                        "type": "messages",
                        "conversation_id": conversation_id,
                        "messages": views(&rows),
                        "has_more": more,
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
            let rows = self.store.inbox(&me.id, &groups, none, None, true)?;
            Ok(rows.iter().filter(|r| r.counters().waiting()).count())
        }

        /// GET /conversations
        pub(crate) fn list_conversations(
            &self,
            cfg: &Config,
            me: &AgentRow,
        ) -> Result<Response, ApiError> {
            let (groups, none) = self.served_filter(cfg, me)?;
            let rows = self.store.inbox(
                &me.id,
                &groups,
                none,
                Some(MAX_LISTED_CONVERSATIONS + 1),
                false,
            )?;
            let more = rows.len() > MAX_LISTED_CONVERSATIONS;
            let mut items: Vec<(ConversationSummary, SummaryView)> = rows
                .into_iter()
                .take(MAX_LISTED_CONVERSATIONS)
                .map(|r| {
                    let counters = r.counters();
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
                    );
                    (counters, view)
                })
                .collect();
            // SQL picked them in this order already; the rules decide it.
            items.sort_by(|a, b| presenza_rules::inbox_order(&a.0, &b.0));
            let list: Vec<SummaryView> = items.into_iter().map(|(_, v)| v).collect();
            respond::json_value(200, &json!({"conversations": list, "has_more": more}))
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
                });
            }
            let window = self
                .store
                .agent_rate(&me.id)?
                .check(RateLimit::AGENT.limit, RateLimit::AGENT.window_ms, now)
                .map_err(|retry| rule_error(retry.into()))?;
            let read = self.store.read_seq(&conv.id, &me.id)?;
            bindings::transaction(&self.state, || {
                let mut conv = conv.clone();
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

        /// A new reply moved its agent's read mark to it: tell that agent's
        /// devices (nothing for an idempotent retry).
        fn push_reply_read(&self, agent: &str, stored: &Stored) -> Result<(), ApiError> {
            if !stored.created {
                return Ok(());
            }
            self.push_read(agent, &stored.conversation.id, seq(stored.message.seq))
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
            if self.state.get_websockets_with_tag(AGENTS).is_empty() {
                return Ok(());
            }
            let cfg = self.config()?;
            let reads = self.store.reads_of(&conv.id)?;
            let mut after_read: HashMap<i64, u64> = HashMap::new();
            let visitor_view = VisitorView {
                id: visitor.id.clone(),
                name: visitor.name.clone(),
                email: visitor.email.clone(),
            };
            for agent in self.store.agents()? {
                if !agent_serves(&agent.group_list(), &cfg.site.groups, conv.grp.as_deref()) {
                    continue;
                }
                let tag = sockets::agent_tag(&agent.id);
                let devices = self.state.get_websockets_with_tag(&tag);
                if devices.is_empty() {
                    continue;
                }
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
                for (row, is_origin) in &messages {
                    let summary = SummaryView::new(
                        &counters,
                        conv.grp.clone(),
                        visitor_view.clone(),
                        Some(message_view(row)),
                        seq(conv.last_seq),
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
        );
        let v = serde_json::to_value(&m).unwrap();
        assert_eq!(
            v,
            serde_json::json!({"seq":7,"client_id":"c_1","from":"agent",
                "agent":{"id":"giulia","name":"Giulia"},"text":"<b>hi</b>","at":"1970-01-01T00:00:00Z"})
        );
        let m = MessageView::new(1, "c_1", Sender::Visitor, None, "x", 0);
        assert_eq!(
            serde_json::to_value(&m).unwrap()["agent"],
            serde_json::Value::Null
        );
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
        );
        assert!(s.waiting);
        assert_eq!(s.unread, 2);
        assert_eq!(s.updated_at, "1970-01-01T00:00:01Z");
        assert_eq!(seq(-1), 0);
        assert_eq!(seq_i64(u64::MAX), MAX_SEQ as i64);
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
