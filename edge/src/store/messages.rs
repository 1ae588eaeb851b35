//! Messages (`messages`): one row per message, keyed by conversation and
//! seq, unique per conversation and client key.

use super::{seq_i64, Store, R};
use crate::domain::message::ClientKey;
use presenza_protocol::{AgentId, ConversationId, VisitorId};
use presenza_rules::{MessageKind, Sender};
use serde::Deserialize;

#[derive(Clone, Debug, Deserialize)]
pub struct MessageRow {
    pub seq: i64,
    pub client_id: String,
    pub sender: Sender,
    /// The agent of an agent's message (kept after the agent is deleted).
    pub agent_id: Option<AgentId>,
    pub agent_name: Option<String>,
    pub text: String,
    pub at: i64,
    /// A system message's kind; `None` for the others.
    #[serde(default)]
    pub kind: Option<MessageKind>,
    /// The name an `assigned` / `transferred` system message is about.
    #[serde(default)]
    pub subject: Option<String>,
    /// The version of its agent's picture now (read, never stored with
    /// the message: a new picture shows on every message of the agent).
    #[serde(default)]
    pub agent_picture: Option<String>,
}

const MESSAGE_COLS: &str = "seq, client_id, sender, agent_id, agent_name, text, at, kind, subject,
    (SELECT version FROM agent_pictures p WHERE p.agent_id = messages.agent_id) AS agent_picture";

/// The messages that decide who a widget's header shows (the widget's own
/// rule, `widget/src/chat`): the latest of them is an agent's message
/// (that agent), an `assigned` note (the assignee) or a `transferred` one
/// (nobody, until one of the group replies).
pub(super) const HEADER_MESSAGE: &str = "(sender = 'agent' OR kind IN ('assigned', 'transferred'))";

impl Store {
    /// The latest message that decides who the conversation's header shows
    /// (see [`HEADER_MESSAGE`]); `None` before any.
    pub fn header_message(&self, conversation: &ConversationId) -> R<Option<MessageRow>> {
        self.first(
            &format!(
                "SELECT {MESSAGE_COLS} FROM messages WHERE conversation_id = ? AND {HEADER_MESSAGE}
                 ORDER BY seq DESC LIMIT 1"
            ),
            vec![conversation.as_str().into()],
        )
    }

    pub fn message_by_key(
        &self,
        conversation: &ConversationId,
        key: &ClientKey<'_>,
    ) -> R<Option<MessageRow>> {
        self.first(
            &format!(
                "SELECT {MESSAGE_COLS} FROM messages WHERE conversation_id = ? AND client_key = ?"
            ),
            vec![conversation.as_str().into(), key.stored().into()],
        )
    }

    /// A visitor's message with this client key in any of their
    /// conversations (client ids are random per message, so a match is a
    /// retry, even of a message sent before its conversation was closed):
    /// the conversation id and the message.
    pub fn visitor_message_by_key(
        &self,
        visitor: &VisitorId,
        key: &ClientKey<'_>,
    ) -> R<Option<(ConversationId, MessageRow)>> {
        #[derive(Deserialize)]
        struct Row {
            conversation_id: ConversationId,
            seq: i64,
            client_id: String,
            sender: Sender,
            agent_id: Option<AgentId>,
            agent_name: Option<String>,
            text: String,
            at: i64,
            kind: Option<MessageKind>,
        }
        let row: Option<Row> = self.first(
            "SELECT m.conversation_id, m.seq, m.client_id, m.sender, m.agent_id, m.agent_name,
                    m.text, m.at, m.kind
             FROM conversations c JOIN messages m ON m.conversation_id = c.id
             WHERE c.visitor_id = ? AND m.client_key = ?
             ORDER BY c.created_at DESC LIMIT 1",
            vec![visitor.as_str().into(), key.stored().into()],
        )?;
        Ok(row.map(|r| {
            let message = MessageRow {
                seq: r.seq,
                client_id: r.client_id,
                sender: r.sender,
                agent_id: r.agent_id,
                agent_name: r.agent_name,
                text: r.text,
                at: r.at,
                kind: r.kind,
                subject: None,
                agent_picture: None,
            };
            (r.conversation_id, message)
        }))
    }

    /// At most `limit` messages after seq `after`, in order.
    pub fn messages_after(
        &self,
        conversation: &ConversationId,
        after: u64,
        limit: usize,
    ) -> R<Vec<MessageRow>> {
        self.rows(
            &format!(
                "SELECT {MESSAGE_COLS} FROM messages WHERE conversation_id = ? AND seq > ?
                 ORDER BY seq LIMIT ?"
            ),
            vec![
                conversation.as_str().into(),
                seq_i64(after).into(),
                i64::try_from(limit).unwrap_or(i64::MAX).into(),
            ],
        )
    }

    pub fn insert_message(
        &self,
        conversation: &ConversationId,
        key: &ClientKey<'_>,
        m: &MessageRow,
    ) -> R<()> {
        self.run(
            "INSERT INTO messages (conversation_id, seq, client_key, client_id, sender, agent_id,
             agent_name, text, at, kind, subject) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            vec![
                conversation.as_str().into(),
                m.seq.into(),
                key.stored().into(),
                m.client_id.as_str().into(),
                m.sender.as_str().into(),
                m.agent_id.as_ref().map(AgentId::as_str).into(),
                m.agent_name.as_deref().into(),
                m.text.as_str().into(),
                m.at.into(),
                m.kind.map(MessageKind::as_str).into(),
                m.subject.as_deref().into(),
            ],
        )
        .map(|_| ())
    }

    /// Visitor messages with a seq above `read_seq`.
    pub fn visitor_messages_after(&self, conversation: &ConversationId, read_seq: u64) -> R<u64> {
        self.count(
            "SELECT COUNT(*) AS n FROM messages WHERE conversation_id = ? AND sender = ? AND seq > ?",
            vec![
                conversation.as_str().into(),
                Sender::Visitor.as_str().into(),
                seq_i64(read_seq).into(),
            ],
        )
        .map(|n| n as u64)
    }
}
