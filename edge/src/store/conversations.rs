//! Conversation storage: visitors, conversations, messages, agents' read
//! marks and agents' rate windows.
//!
//! A message is never lost once acknowledged: it is inserted (with its
//! conversation's new counters) in one transaction before any answer or
//! push, and `UNIQUE(conversation_id, client_key)` keeps a retried client id
//! from ever becoming a second row.

use super::{Store, R};
use presenza_rules::{ConversationSummary, RateWindow};
use serde::Deserialize;
use std::collections::HashMap;

/// Tables and indexes (`CREATE … IF NOT EXISTS`, run on every start).
pub(super) const SCHEMA: &[&str] = &[
    // secret_hash: SHA-256 (hex) of the visitor's secret; name/email: the
    // contact details given last; rate_*: the rules' RateWindow.
    "CREATE TABLE IF NOT EXISTS visitors (
        id TEXT PRIMARY KEY, secret_hash TEXT NOT NULL, name TEXT, email TEXT,
        created_at INTEGER NOT NULL,
        rate_window_start INTEGER NOT NULL DEFAULT 0, rate_count INTEGER NOT NULL DEFAULT 0)",
    // One conversation per visitor; grp fixed by its first message (NULL:
    // the whole site). last_*_seq: 0 = none; system messages are neither.
    "CREATE TABLE IF NOT EXISTS conversations (
        id TEXT PRIMARY KEY, visitor_id TEXT NOT NULL UNIQUE, grp TEXT,
        created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL,
        last_seq INTEGER NOT NULL DEFAULT 0, last_visitor_seq INTEGER NOT NULL DEFAULT 0,
        last_agent_seq INTEGER NOT NULL DEFAULT 0, busy_reply_sent INTEGER NOT NULL DEFAULT 0)",
    "CREATE INDEX IF NOT EXISTS conversations_by_update ON conversations (updated_at DESC, id)",
    "CREATE INDEX IF NOT EXISTS conversations_by_group ON conversations (grp)",
    // client_key: the client id qualified by its sender (`v:<id>`,
    // `a:<agent>:<id>`, `s:busy`), so each sender's retries are idempotent.
    "CREATE TABLE IF NOT EXISTS messages (
        conversation_id TEXT NOT NULL, seq INTEGER NOT NULL,
        client_key TEXT NOT NULL, client_id TEXT NOT NULL,
        sender TEXT NOT NULL, agent_id TEXT, agent_name TEXT,
        text TEXT NOT NULL, at INTEGER NOT NULL,
        PRIMARY KEY (conversation_id, seq), UNIQUE (conversation_id, client_key))",
    "CREATE TABLE IF NOT EXISTS reads (
        conversation_id TEXT NOT NULL, agent_id TEXT NOT NULL, read_seq INTEGER NOT NULL,
        PRIMARY KEY (conversation_id, agent_id))",
    "CREATE TABLE IF NOT EXISTS agent_rates (
        agent_id TEXT PRIMARY KEY, window_start INTEGER NOT NULL, count INTEGER NOT NULL)",
];

#[derive(Clone, Debug, Deserialize)]
pub struct VisitorRow {
    pub id: String,
    pub secret_hash: String,
    pub name: Option<String>,
    pub email: Option<String>,
    pub created_at: i64,
    pub rate_window_start: i64,
    pub rate_count: i64,
}

impl VisitorRow {
    pub fn rate_window(&self) -> RateWindow {
        RateWindow {
            window_start: self.rate_window_start,
            count: u32::try_from(self.rate_count).unwrap_or(0),
        }
    }
}

#[derive(Clone, Debug, Deserialize)]
pub struct ConversationRow {
    pub id: String,
    pub visitor_id: String,
    pub grp: Option<String>,
    pub created_at: i64,
    pub updated_at: i64,
    pub last_seq: i64,
    pub last_visitor_seq: i64,
    pub last_agent_seq: i64,
    pub busy_reply_sent: i64,
}

impl ConversationRow {
    pub fn new(id: String, visitor_id: String, grp: Option<String>, now: i64) -> Self {
        ConversationRow {
            id,
            visitor_id,
            grp,
            created_at: now,
            updated_at: now,
            last_seq: 0,
            last_visitor_seq: 0,
            last_agent_seq: 0,
            busy_reply_sent: 0,
        }
    }

    /// The rules' view of this conversation for one agent.
    pub fn counters(&self, read_seq: u64, visitor_messages_after_read: u64) -> ConversationSummary {
        ConversationSummary {
            id: self.id.clone(),
            created_at: self.created_at,
            updated_at: self.updated_at,
            last_visitor_seq: crate::conversations::seq(self.last_visitor_seq),
            last_agent_seq: crate::conversations::seq(self.last_agent_seq),
            read_seq,
            visitor_messages_after_read,
        }
    }
}

#[derive(Clone, Debug, Deserialize)]
pub struct MessageRow {
    pub seq: i64,
    pub client_id: String,
    pub sender: String,
    pub agent_id: Option<String>,
    pub agent_name: Option<String>,
    pub text: String,
    pub at: i64,
}

/// A conversation as listed for one agent, with its visitor, its last
/// message and this agent's read counters.
#[derive(Clone, Debug, Deserialize)]
pub struct InboxRow {
    pub id: String,
    pub visitor_id: String,
    pub grp: Option<String>,
    pub created_at: i64,
    pub updated_at: i64,
    pub last_seq: i64,
    pub last_visitor_seq: i64,
    pub last_agent_seq: i64,
    pub visitor_name: Option<String>,
    pub visitor_email: Option<String>,
    pub read_seq: i64,
    pub after_read: i64,
    pub m_seq: Option<i64>,
    pub m_client_id: Option<String>,
    pub m_sender: Option<String>,
    pub m_agent_id: Option<String>,
    pub m_agent_name: Option<String>,
    pub m_text: Option<String>,
    pub m_at: Option<i64>,
}

impl InboxRow {
    pub fn counters(&self) -> ConversationSummary {
        use crate::conversations::seq;
        ConversationSummary {
            id: self.id.clone(),
            created_at: self.created_at,
            updated_at: self.updated_at,
            last_visitor_seq: seq(self.last_visitor_seq),
            last_agent_seq: seq(self.last_agent_seq),
            read_seq: seq(self.read_seq),
            visitor_messages_after_read: seq(self.after_read),
        }
    }

    pub fn last_message(&self) -> Option<MessageRow> {
        Some(MessageRow {
            seq: self.m_seq?,
            client_id: self.m_client_id.clone()?,
            sender: self.m_sender.clone()?,
            agent_id: self.m_agent_id.clone(),
            agent_name: self.m_agent_name.clone(),
            text: self.m_text.clone()?,
            at: self.m_at?,
        })
    }
}

#[derive(Deserialize)]
struct ReadRow {
    agent_id: String,
    read_seq: i64,
}

#[derive(Deserialize)]
struct GroupValue {
    grp: Option<String>,
}

#[derive(Deserialize)]
struct RateRow {
    window_start: i64,
    count: i64,
}

const CONVERSATION_COLS: &str = "id, visitor_id, grp, created_at, updated_at, last_seq, \
     last_visitor_seq, last_agent_seq, busy_reply_sent";
const MESSAGE_COLS: &str = "seq, client_id, sender, agent_id, agent_name, text, at";

impl Store {
    // ------------------------------------------------------------ visitors

    pub fn visitor(&self, id: &str) -> R<Option<VisitorRow>> {
        let rows: Vec<VisitorRow> = self.rows(
            "SELECT id, secret_hash, name, email, created_at, rate_window_start, rate_count
             FROM visitors WHERE id = ?",
            vec![id.into()],
        )?;
        Ok(rows.into_iter().next())
    }

    pub fn insert_visitor(&self, v: &VisitorRow) -> R<()> {
        self.run(
            "INSERT INTO visitors (id, secret_hash, name, email, created_at, rate_window_start, rate_count)
             VALUES (?, ?, ?, ?, ?, ?, ?)",
            vec![
                v.id.as_str().into(),
                v.secret_hash.as_str().into(),
                v.name.as_deref().into(),
                v.email.as_deref().into(),
                v.created_at.into(),
                v.rate_window_start.into(),
                v.rate_count.into(),
            ],
        )
        .map(|_| ())
    }

    /// New contact details (`None` keeps the stored ones) and rate window.
    pub fn update_visitor(
        &self,
        id: &str,
        name: Option<&str>,
        email: Option<&str>,
        window: RateWindow,
    ) -> R<()> {
        self.run(
            "UPDATE visitors SET name = COALESCE(?, name), email = COALESCE(?, email),
             rate_window_start = ?, rate_count = ? WHERE id = ?",
            vec![
                name.into(),
                email.into(),
                window.window_start.into(),
                i64::from(window.count).into(),
                id.into(),
            ],
        )
        .map(|_| ())
    }

    // ------------------------------------------------------------ conversations

    pub fn conversation(&self, id: &str) -> R<Option<ConversationRow>> {
        let rows: Vec<ConversationRow> = self.rows(
            &format!("SELECT {CONVERSATION_COLS} FROM conversations WHERE id = ?"),
            vec![id.into()],
        )?;
        Ok(rows.into_iter().next())
    }

    pub fn conversation_of_visitor(&self, visitor: &str) -> R<Option<ConversationRow>> {
        let rows: Vec<ConversationRow> = self.rows(
            &format!("SELECT {CONVERSATION_COLS} FROM conversations WHERE visitor_id = ?"),
            vec![visitor.into()],
        )?;
        Ok(rows.into_iter().next())
    }

    pub fn insert_conversation(&self, c: &ConversationRow) -> R<()> {
        self.run(
            &format!(
                "INSERT INTO conversations ({CONVERSATION_COLS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"
            ),
            vec![
                c.id.as_str().into(),
                c.visitor_id.as_str().into(),
                c.grp.as_deref().into(),
                c.created_at.into(),
                c.updated_at.into(),
                c.last_seq.into(),
                c.last_visitor_seq.into(),
                c.last_agent_seq.into(),
                c.busy_reply_sent.into(),
            ],
        )
        .map(|_| ())
    }

    /// Stores a conversation's counters after new messages.
    pub fn save_conversation(&self, c: &ConversationRow) -> R<()> {
        self.run(
            "UPDATE conversations SET updated_at = ?, last_seq = ?, last_visitor_seq = ?,
             last_agent_seq = ?, busy_reply_sent = ? WHERE id = ?",
            vec![
                c.updated_at.into(),
                c.last_seq.into(),
                c.last_visitor_seq.into(),
                c.last_agent_seq.into(),
                c.busy_reply_sent.into(),
                c.id.as_str().into(),
            ],
        )
        .map(|_| ())
    }

    /// The distinct `grp` values of all conversations (NULL included).
    pub fn conversation_groups(&self) -> R<Vec<Option<String>>> {
        let rows: Vec<GroupValue> = self.rows("SELECT DISTINCT grp FROM conversations", vec![])?;
        Ok(rows.into_iter().map(|r| r.grp).collect())
    }

    /// Conversations whose group is in `groups_json` (a JSON array), or
    /// without a group when `none`, as seen by `agent`: waiting first, then
    /// most recent first, then by id (the rules' inbox order, which the
    /// caller applies again), at most `limit`. `waiting_only` keeps the
    /// conversations whose visitor wrote last.
    pub fn inbox(
        &self,
        agent: &str,
        groups_json: &str,
        none: bool,
        limit: Option<usize>,
        waiting_only: bool,
    ) -> R<Vec<InboxRow>> {
        let limit = limit.map_or(-1, |l| i64::try_from(l).unwrap_or(i64::MAX));
        self.rows(
            "SELECT c.id, c.visitor_id, c.grp, c.created_at, c.updated_at, c.last_seq,
                    c.last_visitor_seq, c.last_agent_seq,
                    v.name AS visitor_name, v.email AS visitor_email,
                    COALESCE(r.read_seq, 0) AS read_seq,
                    (SELECT COUNT(*) FROM messages x WHERE x.conversation_id = c.id
                       AND x.sender = 'visitor' AND x.seq > COALESCE(r.read_seq, 0)) AS after_read,
                    m.seq AS m_seq, m.client_id AS m_client_id, m.sender AS m_sender,
                    m.agent_id AS m_agent_id, m.agent_name AS m_agent_name, m.text AS m_text,
                    m.at AS m_at
             FROM conversations c
             LEFT JOIN visitors v ON v.id = c.visitor_id
             LEFT JOIN reads r ON r.conversation_id = c.id AND r.agent_id = ?
             LEFT JOIN messages m ON m.conversation_id = c.id AND m.seq = c.last_seq
             WHERE (c.grp IN (SELECT value FROM json_each(?)) OR (? = 1 AND c.grp IS NULL))
               AND (? = 0 OR c.last_visitor_seq > c.last_agent_seq)
             ORDER BY (c.last_visitor_seq > c.last_agent_seq) DESC, c.updated_at DESC, c.id ASC
             LIMIT ?",
            vec![
                agent.into(),
                groups_json.into(),
                i64::from(none).into(),
                i64::from(waiting_only).into(),
                limit.into(),
            ],
        )
    }

    // ------------------------------------------------------------ messages

    pub fn message_by_key(&self, conversation: &str, key: &str) -> R<Option<MessageRow>> {
        let rows: Vec<MessageRow> = self.rows(
            &format!(
                "SELECT {MESSAGE_COLS} FROM messages WHERE conversation_id = ? AND client_key = ?"
            ),
            vec![conversation.into(), key.into()],
        )?;
        Ok(rows.into_iter().next())
    }

    pub fn messages_after(
        &self,
        conversation: &str,
        after: i64,
        limit: usize,
    ) -> R<Vec<MessageRow>> {
        self.rows(
            &format!(
                "SELECT {MESSAGE_COLS} FROM messages WHERE conversation_id = ? AND seq > ?
                 ORDER BY seq LIMIT ?"
            ),
            vec![
                conversation.into(),
                after.into(),
                i64::try_from(limit).unwrap_or(i64::MAX).into(),
            ],
        )
    }

    pub fn insert_message(&self, conversation: &str, key: &str, m: &MessageRow) -> R<()> {
        self.run(
            "INSERT INTO messages (conversation_id, seq, client_key, client_id, sender, agent_id,
             agent_name, text, at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            vec![
                conversation.into(),
                m.seq.into(),
                key.into(),
                m.client_id.as_str().into(),
                m.sender.as_str().into(),
                m.agent_id.as_deref().into(),
                m.agent_name.as_deref().into(),
                m.text.as_str().into(),
                m.at.into(),
            ],
        )
        .map(|_| ())
    }

    /// Visitor messages with a seq above `read_seq`.
    pub fn visitor_messages_after(&self, conversation: &str, read_seq: i64) -> R<u64> {
        self.count(
            "SELECT COUNT(*) AS n FROM messages WHERE conversation_id = ? AND sender = 'visitor' AND seq > ?",
            vec![conversation.into(), read_seq.into()],
        )
        .map(|n| n as u64)
    }

    // ------------------------------------------------------------ read marks

    pub fn read_seq(&self, conversation: &str, agent: &str) -> R<u64> {
        let rows: Vec<ReadRow> = self.rows(
            "SELECT agent_id, read_seq FROM reads WHERE conversation_id = ? AND agent_id = ?",
            vec![conversation.into(), agent.into()],
        )?;
        Ok(rows
            .first()
            .map_or(0, |r| crate::conversations::seq(r.read_seq)))
    }

    /// Every agent's read mark in a conversation.
    pub fn reads_of(&self, conversation: &str) -> R<HashMap<String, i64>> {
        let rows: Vec<ReadRow> = self.rows(
            "SELECT agent_id, read_seq FROM reads WHERE conversation_id = ?",
            vec![conversation.into()],
        )?;
        Ok(rows.into_iter().map(|r| (r.agent_id, r.read_seq)).collect())
    }

    pub fn set_read_seq(&self, conversation: &str, agent: &str, read_seq: i64) -> R<()> {
        self.run(
            "INSERT INTO reads (conversation_id, agent_id, read_seq) VALUES (?, ?, ?)
             ON CONFLICT(conversation_id, agent_id) DO UPDATE SET read_seq = excluded.read_seq",
            vec![conversation.into(), agent.into(), read_seq.into()],
        )
        .map(|_| ())
    }

    // ------------------------------------------------------------ agent rates

    pub fn agent_rate(&self, agent: &str) -> R<RateWindow> {
        let rows: Vec<RateRow> = self.rows(
            "SELECT window_start, count FROM agent_rates WHERE agent_id = ?",
            vec![agent.into()],
        )?;
        Ok(rows
            .first()
            .map_or_else(RateWindow::default, |r| RateWindow {
                window_start: r.window_start,
                count: u32::try_from(r.count).unwrap_or(0),
            }))
    }

    pub fn set_agent_rate(&self, agent: &str, window: RateWindow) -> R<()> {
        self.run(
            "INSERT INTO agent_rates (agent_id, window_start, count) VALUES (?, ?, ?)
             ON CONFLICT(agent_id) DO UPDATE SET window_start = excluded.window_start, count = excluded.count",
            vec![
                agent.into(),
                window.window_start.into(),
                i64::from(window.count).into(),
            ],
        )
        .map(|_| ())
    }

    /// Forgets an agent's read marks and rate window (its replies stay).
    pub fn forget_agent_conversations(&self, agent: &str) -> R<()> {
        self.run("DELETE FROM reads WHERE agent_id = ?", vec![agent.into()])?;
        self.run(
            "DELETE FROM agent_rates WHERE agent_id = ?",
            vec![agent.into()],
        )
        .map(|_| ())
    }
}
