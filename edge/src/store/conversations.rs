//! Conversations (`conversations`) and the inbox query.

use super::{int_bool, seq, Store, R};
use crate::domain::cursor::ListCursor;
use crate::store::MessageRow;
use presenza_protocol::{AgentId, ConversationId, GroupId, VisitorId};
use presenza_rules::{ConversationState, ConversationSummary, MessageKind, Sender, StateFilter};
use serde::Deserialize;
use worker::SqlStorageValue as V;

#[derive(Clone, Debug, Deserialize)]
pub struct ConversationRow {
    pub id: ConversationId,
    pub visitor_id: VisitorId,
    /// Fixed by its first message; `None`: the whole site.
    pub grp: Option<GroupId>,
    pub created_at: i64,
    pub updated_at: i64,
    pub last_seq: i64,
    pub last_visitor_seq: i64,
    pub last_agent_seq: i64,
    #[serde(deserialize_with = "int_bool")]
    pub busy_reply_sent: bool,
    pub state: ConversationState,
    pub closed_at: Option<i64>,
    pub closed_by_id: Option<AgentId>,
    pub closed_by_name: Option<String>,
}

impl ConversationRow {
    pub fn new(id: ConversationId, visitor_id: VisitorId, grp: Option<GroupId>, now: i64) -> Self {
        ConversationRow {
            id,
            visitor_id,
            grp,
            created_at: now,
            updated_at: now,
            last_seq: 0,
            last_visitor_seq: 0,
            last_agent_seq: 0,
            busy_reply_sent: false,
            state: ConversationState::Open,
            closed_at: None,
            closed_by_id: None,
            closed_by_name: None,
        }
    }

    /// Reopened (not yet saved).
    pub fn reopen(&mut self) {
        self.state = ConversationState::Open;
        self.closed_at = None;
        self.closed_by_id = None;
        self.closed_by_name = None;
    }

    /// The rules' view of this conversation for one agent.
    pub fn counters(&self, read_seq: u64, visitor_messages_after_read: u64) -> ConversationSummary {
        ConversationSummary {
            id: self.id.to_string(),
            created_at: self.created_at,
            updated_at: self.updated_at,
            last_visitor_seq: seq(self.last_visitor_seq),
            last_agent_seq: seq(self.last_agent_seq),
            read_seq,
            visitor_messages_after_read,
        }
    }
}

/// A conversation as listed for one agent, with its visitor, its last
/// message and this agent's read counters. The conversation columns repeat
/// [`ConversationRow`]'s on purpose: rows arrive through serde-wasm-bindgen,
/// where `#[serde(flatten)]` buffers numbers as f64 and then fails on the
/// i64 fields; [`InboxRow::conversation`] converts.
#[derive(Clone, Debug, Deserialize)]
pub struct InboxRow {
    pub id: ConversationId,
    pub visitor_id: VisitorId,
    pub grp: Option<GroupId>,
    pub created_at: i64,
    pub updated_at: i64,
    pub last_seq: i64,
    pub last_visitor_seq: i64,
    pub last_agent_seq: i64,
    pub state: ConversationState,
    pub closed_at: Option<i64>,
    pub closed_by_id: Option<AgentId>,
    pub closed_by_name: Option<String>,
    pub visitor_name: Option<String>,
    pub visitor_email: Option<String>,
    pub read_seq: i64,
    pub after_read: i64,
    pub m_seq: Option<i64>,
    pub m_client_id: Option<String>,
    pub m_sender: Option<Sender>,
    pub m_agent_id: Option<AgentId>,
    pub m_agent_name: Option<String>,
    pub m_text: Option<String>,
    pub m_at: Option<i64>,
    #[serde(default)]
    pub m_kind: Option<MessageKind>,
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
            busy_reply_sent: false,
            state: self.state,
            closed_at: self.closed_at,
            closed_by_id: self.closed_by_id.clone(),
            closed_by_name: self.closed_by_name.clone(),
        }
    }

    /// The rules' view of this conversation for the listing agent.
    pub fn counters(&self) -> ConversationSummary {
        self.conversation()
            .counters(seq(self.read_seq), seq(self.after_read))
    }

    pub fn last_message(&self) -> Option<MessageRow> {
        Some(MessageRow {
            seq: self.m_seq?,
            client_id: self.m_client_id.clone()?,
            sender: self.m_sender?,
            agent_id: self.m_agent_id.clone(),
            agent_name: self.m_agent_name.clone(),
            text: self.m_text.clone()?,
            at: self.m_at?,
            kind: self.m_kind,
        })
    }
}

/// What [`Store::inbox`] lists: the served groups (plus conversations
/// without a group when `none`), as seen by `agent`.
#[derive(Clone, Copy)]
pub struct InboxQuery<'a> {
    pub agent: &'a AgentId,
    pub groups: &'a [GroupId],
    pub none: bool,
    pub filter: StateFilter,
    pub after: Option<&'a ListCursor>,
    pub limit: Option<usize>,
    pub waiting_only: bool,
}

const CONVERSATION_COLS: &str = "id, visitor_id, grp, created_at, updated_at, last_seq, \
     last_visitor_seq, last_agent_seq, busy_reply_sent, state, closed_at, closed_by_id, \
     closed_by_name";

impl Store {
    pub fn conversation(&self, id: &ConversationId) -> R<Option<ConversationRow>> {
        self.first(
            &format!("SELECT {CONVERSATION_COLS} FROM conversations WHERE id = ?"),
            vec![id.as_str().into()],
        )
    }

    /// The visitor's open conversation (at most one).
    pub fn open_conversation_of_visitor(&self, visitor: &VisitorId) -> R<Option<ConversationRow>> {
        self.first(
            &format!(
                "SELECT {CONVERSATION_COLS} FROM conversations WHERE visitor_id = ? AND state = 'open'
                 LIMIT 1"
            ),
            vec![visitor.as_str().into()],
        )
    }

    /// Whether the visitor has an open conversation other than `id`.
    pub fn visitor_has_other_open(&self, visitor: &VisitorId, id: &ConversationId) -> R<bool> {
        Ok(self
            .open_conversation_of_visitor(visitor)?
            .is_some_and(|c| c.id != *id))
    }

    /// The visitor's latest conversation: the open one, else the most
    /// recently closed one.
    pub fn latest_conversation_of_visitor(
        &self,
        visitor: &VisitorId,
    ) -> R<Option<ConversationRow>> {
        self.first(
            &format!(
                "SELECT {CONVERSATION_COLS} FROM conversations WHERE visitor_id = ?
                 ORDER BY (state = 'open') DESC, closed_at DESC, created_at DESC, id DESC LIMIT 1"
            ),
            vec![visitor.as_str().into()],
        )
    }

    /// Stores a conversation's state (close or reopen).
    pub fn save_conversation_state(&self, c: &ConversationRow) -> R<()> {
        self.run(
            "UPDATE conversations SET state = ?, closed_at = ?, closed_by_id = ?, closed_by_name = ?
             WHERE id = ?",
            vec![
                c.state.as_str().into(),
                c.closed_at.into(),
                c.closed_by_id.as_ref().map(AgentId::as_str).into(),
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
                c.grp.as_ref().map(GroupId::as_str).into(),
                c.created_at.into(),
                c.updated_at.into(),
                c.last_seq.into(),
                c.last_visitor_seq.into(),
                c.last_agent_seq.into(),
                i64::from(c.busy_reply_sent).into(),
                c.state.as_str().into(),
                c.closed_at.into(),
                c.closed_by_id.as_ref().map(AgentId::as_str).into(),
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
                i64::from(c.busy_reply_sent).into(),
                c.id.as_str().into(),
            ],
        )
        .map(|_| ())
    }

    /// The distinct groups of all conversations (`None`: the whole site).
    pub fn conversation_groups(&self) -> R<Vec<Option<GroupId>>> {
        #[derive(Deserialize)]
        struct Row {
            grp: Option<GroupId>,
        }
        let rows: Vec<Row> = self.rows("SELECT DISTINCT grp FROM conversations", vec![])?;
        Ok(rows.into_iter().map(|r| r.grp).collect())
    }

    /// Conversations in `groups`, or without a group when `none`, as seen by
    /// `agent`, in list order (the rules' `ListKey`, which the caller
    /// applies again): open ones waiting first, then most recently updated
    /// first, then by id; then closed ones most recently closed first, then
    /// by id. `filter` picks the states; `after` starts after a key (a page
    /// cursor); at most `limit`. `waiting_only` keeps the open
    /// conversations whose visitor wrote last.
    pub fn inbox(&self, q: &InboxQuery<'_>) -> R<Vec<InboxRow>> {
        let InboxQuery {
            agent,
            groups,
            none,
            filter,
            after,
            limit,
            waiting_only,
        } = *q;
        let groups_json =
            serde_json::to_string(groups).map_err(|e| super::StoreError::Sql(e.to_string()))?;
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
                agent.as_str().into(),
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
}
