//! Conversation storage: visitors, conversations, messages, agents' read
//! marks and agents' rate windows.
//!
//! A message is never lost once acknowledged: it is inserted (with its
//! conversation's new counters) in one transaction before any answer or
//! push, and `UNIQUE(conversation_id, client_key)` keeps a retried client id
//! from ever becoming a second row.

use super::{Store, R};
use crate::conversations::ListCursor;
use presenza_rules::{ConversationState, ConversationSummary, RateWindow, StateFilter};
use serde::Deserialize;
use std::collections::HashMap;
use worker::SqlStorageValue as V;

/// The columns of `conversations`, written once for the table and for the
/// schema-2 rebuild ([`MIGRATE_V2`]).
macro_rules! conversation_columns {
    () => {
        "id TEXT PRIMARY KEY, visitor_id TEXT NOT NULL, grp TEXT,
        created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL,
        last_seq INTEGER NOT NULL DEFAULT 0, last_visitor_seq INTEGER NOT NULL DEFAULT 0,
        last_agent_seq INTEGER NOT NULL DEFAULT 0, busy_reply_sent INTEGER NOT NULL DEFAULT 0,
        state TEXT NOT NULL DEFAULT 'open', closed_at INTEGER, closed_by_id TEXT,
        closed_by_name TEXT"
    };
}

/// Tables and indexes (`CREATE … IF NOT EXISTS`, run on every start).
pub(super) const SCHEMA: &[&str] = &[
    // secret_hash: SHA-256 (hex) of the visitor's secret; name/email: the
    // contact details given last; rate_*: the rules' RateWindow.
    "CREATE TABLE IF NOT EXISTS visitors (
        id TEXT PRIMARY KEY, secret_hash TEXT NOT NULL, name TEXT, email TEXT,
        created_at INTEGER NOT NULL,
        rate_window_start INTEGER NOT NULL DEFAULT 0, rate_count INTEGER NOT NULL DEFAULT 0)",
    // A visitor's conversations: at most one open (the partial unique index);
    // closing one (state 'closed', closed_* set) lets the visitor's next
    // message start another. grp fixed by its first message (NULL: the
    // whole site). last_*_seq: 0 = none; system messages are neither.
    concat!(
        "CREATE TABLE IF NOT EXISTS conversations (",
        conversation_columns!(),
        ")"
    ),
    "CREATE INDEX IF NOT EXISTS conversations_by_update ON conversations (updated_at DESC, id)",
    "CREATE INDEX IF NOT EXISTS conversations_by_group ON conversations (grp)",
    "CREATE INDEX IF NOT EXISTS conversations_by_visitor ON conversations (visitor_id, state)",
    "CREATE UNIQUE INDEX IF NOT EXISTS conversations_open_visitor ON conversations (visitor_id)
        WHERE state = 'open'",
    // client_key: the client id qualified by its sender (`v:<id>`,
    // `a:<agent>:<id>`, `s:busy`, `s:closed:<seq>`), so each sender's retries
    // are idempotent. kind: a system message's `MessageKind` (`auto_reply`,
    // `closed`); NULL for visitor and agent messages.
    "CREATE TABLE IF NOT EXISTS messages (
        conversation_id TEXT NOT NULL, seq INTEGER NOT NULL,
        client_key TEXT NOT NULL, client_id TEXT NOT NULL,
        sender TEXT NOT NULL, agent_id TEXT, agent_name TEXT,
        text TEXT NOT NULL, at INTEGER NOT NULL, kind TEXT,
        PRIMARY KEY (conversation_id, seq), UNIQUE (conversation_id, client_key))",
    "CREATE TABLE IF NOT EXISTS reads (
        conversation_id TEXT NOT NULL, agent_id TEXT NOT NULL, read_seq INTEGER NOT NULL,
        PRIMARY KEY (conversation_id, agent_id))",
    "CREATE TABLE IF NOT EXISTS agent_rates (
        agent_id TEXT PRIMARY KEY, window_start INTEGER NOT NULL, count INTEGER NOT NULL)",
];

/// Schema 2 → 3: schema 2 allowed one conversation per visitor
/// (`visitor_id … UNIQUE`) and had no state. SQLite cannot drop a UNIQUE
/// constraint, so the table is rebuilt: every row copied as an open
/// conversation, within the same synchronous event (one implicit
/// transaction). Messages, reads and visitors are separate tables and are
/// not touched. Runs before [`SCHEMA`] (whose indexes need `state`).
const MIGRATE_V2: &[&str] = &[
    "DROP TABLE IF EXISTS conversations_v3",
    concat!(
        "CREATE TABLE conversations_v3 (",
        conversation_columns!(),
        ")"
    ),
    "INSERT INTO conversations_v3 (id, visitor_id, grp, created_at, updated_at, last_seq,
        last_visitor_seq, last_agent_seq, busy_reply_sent, state)
     SELECT id, visitor_id, grp, created_at, updated_at, last_seq, last_visitor_seq,
        last_agent_seq, busy_reply_sent, 'open' FROM conversations",
    "DROP TABLE conversations",
    "ALTER TABLE conversations_v3 RENAME TO conversations",
];

/// Schema 2 → 3, messages: schema 2 had no `kind`; its only system
/// messages were busy auto-replies (`sender = 'system'`). A store made by
/// an early schema 3 may hold close notes too (client key `s:closed:…`).
const MIGRATE_MESSAGES: &[&str] = &[
    "ALTER TABLE messages ADD COLUMN kind TEXT",
    "UPDATE messages SET kind = CASE WHEN client_key LIKE 's:closed:%' THEN 'closed'
        ELSE 'auto_reply' END WHERE sender = 'system' AND kind IS NULL",
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
    /// `open` or `closed` (`ConversationState`).
    pub state: String,
    pub closed_at: Option<i64>,
    pub closed_by_id: Option<String>,
    pub closed_by_name: Option<String>,
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
            state: ConversationState::Open.as_str().to_string(),
            closed_at: None,
            closed_by_id: None,
            closed_by_name: None,
        }
    }

    /// The stored state (anything unknown reads as open).
    pub fn state(&self) -> ConversationState {
        ConversationState::parse(&self.state).unwrap_or(ConversationState::Open)
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
    /// A system message's kind (`MessageKind`); None for the others.
    #[serde(default)]
    pub kind: Option<String>,
}

/// A conversation as listed for one agent, with its visitor, its last
/// message and this agent's read counters. The conversation columns repeat
/// [`ConversationRow`]'s on purpose: rows arrive through serde-wasm-bindgen,
/// where `#[serde(flatten)]` buffers numbers as f64 and then fails on the
/// i64 fields; [`InboxRow::conversation`] converts.
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
    pub state: String,
    pub closed_at: Option<i64>,
    pub closed_by_id: Option<String>,
    pub closed_by_name: Option<String>,
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
    #[serde(default)]
    pub m_kind: Option<String>,
}

impl InboxRow {
    /// Its conversation columns as a [`ConversationRow`], so the state, the
    /// counters and the closing are read the same way for both.
    pub fn conversation(&self) -> ConversationRow {
        ConversationRow {
            id: self.id.clone(),
            visitor_id: self.visitor_id.clone(),
            grp: self.grp.clone(),
            created_at: self.created_at,
            updated_at: self.updated_at,
            last_seq: self.last_seq,
            last_visitor_seq: self.last_visitor_seq,
            last_agent_seq: self.last_agent_seq,
            busy_reply_sent: 0,
            state: self.state.clone(),
            closed_at: self.closed_at,
            closed_by_id: self.closed_by_id.clone(),
            closed_by_name: self.closed_by_name.clone(),
        }
    }

    /// The rules' view of this conversation for the listing agent.
    pub fn counters(&self) -> ConversationSummary {
        use crate::conversations::seq;
        self.conversation()
            .counters(seq(self.read_seq), seq(self.after_read))
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
            kind: self.m_kind.clone(),
        })
    }
}

/// What [`Store::inbox`] lists: the served groups (`groups_json`, a JSON
/// array, plus conversations without a group when `none`), as seen by
/// `agent`.
#[derive(Clone, Copy)]
pub struct InboxQuery<'a> {
    pub agent: &'a str,
    pub groups_json: &'a str,
    pub none: bool,
    pub filter: StateFilter,
    pub after: Option<&'a ListCursor>,
    pub limit: Option<usize>,
    pub waiting_only: bool,
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
     last_visitor_seq, last_agent_seq, busy_reply_sent, state, closed_at, closed_by_id, \
     closed_by_name";
const MESSAGE_COLS: &str = "seq, client_id, sender, agent_id, agent_name, text, at, kind";

impl Store {
    /// The `CREATE TABLE` statement of table `name`, if it exists.
    fn table_sql(&self, name: &str) -> R<Option<String>> {
        #[derive(Deserialize)]
        struct Sql {
            sql: Option<String>,
        }
        let rows: Vec<Sql> = self.rows(
            "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?",
            vec![name.into()],
        )?;
        Ok(rows.into_iter().next().and_then(|r| r.sql))
    }

    /// Rebuilds a schema-2 conversations table (see [`MIGRATE_V2`]); no-op
    /// for a new site or a migrated one.
    pub(super) fn migrate_conversations(&self) -> R<()> {
        let Some(sql) = self.table_sql("conversations")? else {
            return Ok(());
        };
        if !sql.contains("closed_at") {
            for statement in MIGRATE_V2 {
                self.sql.exec(statement, None)?;
            }
            self.wrote.set(true);
        }
        self.migrate_messages()
    }

    /// Adds `kind` to a messages table without it (see
    /// [`MIGRATE_MESSAGES`]); no-op for a new site or a migrated one.
    fn migrate_messages(&self) -> R<()> {
        let Some(sql) = self.table_sql("messages")? else {
            return Ok(());
        };
        if sql.contains(" kind ") {
            return Ok(());
        }
        for statement in MIGRATE_MESSAGES {
            self.sql.exec(statement, None)?;
        }
        self.wrote.set(true);
        Ok(())
    }

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

    /// The visitor's open conversation (at most one).
    pub fn open_conversation_of_visitor(&self, visitor: &str) -> R<Option<ConversationRow>> {
        let rows: Vec<ConversationRow> = self.rows(
            &format!(
                "SELECT {CONVERSATION_COLS} FROM conversations WHERE visitor_id = ? AND state = 'open'
                 LIMIT 1"
            ),
            vec![visitor.into()],
        )?;
        Ok(rows.into_iter().next())
    }

    /// The visitor's latest conversation: the open one, else the most
    /// recently closed one.
    pub fn latest_conversation_of_visitor(&self, visitor: &str) -> R<Option<ConversationRow>> {
        let rows: Vec<ConversationRow> = self.rows(
            &format!(
                "SELECT {CONVERSATION_COLS} FROM conversations WHERE visitor_id = ?
                 ORDER BY (state = 'open') DESC, closed_at DESC, created_at DESC, id DESC LIMIT 1"
            ),
            vec![visitor.into()],
        )?;
        Ok(rows.into_iter().next())
    }

    /// Stores a conversation's state (close or reopen).
    pub fn save_conversation_state(&self, c: &ConversationRow) -> R<()> {
        self.run(
            "UPDATE conversations SET state = ?, closed_at = ?, closed_by_id = ?, closed_by_name = ?
             WHERE id = ?",
            vec![
                c.state.as_str().into(),
                c.closed_at.into(),
                c.closed_by_id.as_deref().into(),
                c.closed_by_name.as_deref().into(),
                c.id.as_str().into(),
            ],
        )
        .map(|_| ())
    }

    pub fn insert_conversation(&self, c: &ConversationRow) -> R<()> {
        self.run(
            &format!(
                "INSERT INTO conversations ({CONVERSATION_COLS})
                 VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
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
                c.state.as_str().into(),
                c.closed_at.into(),
                c.closed_by_id.as_deref().into(),
                c.closed_by_name.as_deref().into(),
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
    /// without a group when `none`, as seen by `agent`, in list order (the
    /// rules' `ListKey`, which the caller applies again): open ones waiting
    /// first, then most recently updated first, then by id; then closed
    /// ones most recently closed first, then by id. `filter` picks the
    /// states; `after` starts after a key (a page cursor); at most `limit`.
    /// `waiting_only` keeps the open conversations whose visitor wrote last.
    pub fn inbox(&self, q: &InboxQuery<'_>) -> R<Vec<InboxRow>> {
        let InboxQuery {
            agent,
            groups_json,
            none,
            filter,
            after,
            limit,
            waiting_only,
        } = *q;
        let limit = limit.map_or(-1, |l| i64::try_from(l).unwrap_or(i64::MAX));
        let (want_open, want_closed) = match filter {
            StateFilter::Open => (1, 0),
            StateFilter::Closed => (0, 1),
            StateFilter::All => (1, 1),
        };
        let (has_after, a_closed, a_waiting, a_time, a_id) = match after {
            Some(a) => (
                1,
                i64::from(a.closed),
                i64::from(a.waiting),
                a.time,
                a.id.as_str(),
            ),
            None => (0, 0, 0, 0, ""),
        };
        // k_*: the list key, ascending: closed, -waiting, -time, id.
        self.rows(
            "SELECT * FROM (
               SELECT c.id, c.visitor_id, c.grp, c.created_at, c.updated_at, c.last_seq,
                    c.last_visitor_seq, c.last_agent_seq, c.state, c.closed_at, c.closed_by_id,
                    c.closed_by_name,
                    v.name AS visitor_name, v.email AS visitor_email,
                    COALESCE(r.read_seq, 0) AS read_seq,
                    (SELECT COUNT(*) FROM messages x WHERE x.conversation_id = c.id
                       AND x.sender = 'visitor' AND x.seq > COALESCE(r.read_seq, 0)) AS after_read,
                    m.seq AS m_seq, m.client_id AS m_client_id, m.sender AS m_sender,
                    m.agent_id AS m_agent_id, m.agent_name AS m_agent_name, m.text AS m_text,
                    m.at AS m_at, m.kind AS m_kind,
                    (c.state = 'closed') AS k_closed,
                    (c.state = 'open' AND c.last_visitor_seq > c.last_agent_seq) AS k_waiting,
                    (CASE WHEN c.state = 'open' THEN c.updated_at ELSE COALESCE(c.closed_at, 0) END)
                      AS k_time
               FROM conversations c
               LEFT JOIN visitors v ON v.id = c.visitor_id
               LEFT JOIN reads r ON r.conversation_id = c.id AND r.agent_id = ?
               LEFT JOIN messages m ON m.conversation_id = c.id AND m.seq = c.last_seq
               WHERE (c.grp IN (SELECT value FROM json_each(?)) OR (? = 1 AND c.grp IS NULL))
                 AND ((c.state = 'open' AND ? = 1) OR (c.state = 'closed' AND ? = 1))
                 AND (? = 0 OR (c.state = 'open' AND c.last_visitor_seq > c.last_agent_seq))
             )
             WHERE ? = 0 OR (k_closed, -k_waiting, -k_time, id) > (?, ?, ?, ?)
             ORDER BY k_closed ASC, k_waiting DESC, k_time DESC, id ASC
             LIMIT ?",
            vec![
                agent.into(),
                groups_json.into(),
                i64::from(none).into(),
                V::from(want_open),
                V::from(want_closed),
                i64::from(waiting_only).into(),
                V::from(has_after),
                V::from(a_closed),
                V::from(-a_waiting),
                V::from(-a_time),
                a_id.into(),
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

    /// A visitor's message with this client key in any of their
    /// conversations (client ids are random per message, so a match is a
    /// retry, even of a message sent before its conversation was closed):
    /// the conversation id and the message.
    pub fn visitor_message_by_key(
        &self,
        visitor: &str,
        key: &str,
    ) -> R<Option<(String, MessageRow)>> {
        #[derive(Deserialize)]
        struct Row {
            conversation_id: String,
            seq: i64,
            client_id: String,
            sender: String,
            agent_id: Option<String>,
            agent_name: Option<String>,
            text: String,
            at: i64,
            kind: Option<String>,
        }
        let rows: Vec<Row> = self.rows(
            "SELECT m.conversation_id, m.seq, m.client_id, m.sender, m.agent_id, m.agent_name,
                    m.text, m.at, m.kind
             FROM conversations c JOIN messages m ON m.conversation_id = c.id
             WHERE c.visitor_id = ? AND m.client_key = ?
             ORDER BY c.created_at DESC LIMIT 1",
            vec![visitor.into(), key.into()],
        )?;
        Ok(rows.into_iter().next().map(|r| {
            let message = MessageRow {
                seq: r.seq,
                client_id: r.client_id,
                sender: r.sender,
                agent_id: r.agent_id,
                agent_name: r.agent_name,
                text: r.text,
                at: r.at,
                kind: r.kind,
            };
            (r.conversation_id, message)
        }))
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
             agent_name, text, at, kind) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
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
                m.kind.as_deref().into(),
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
