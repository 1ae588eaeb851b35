//! Conversations (`conversations`) and the inbox query.

use super::messages::HEADER_MESSAGE;
use super::{int_bool, seq, Store, R};
use crate::domain::cursor::ListCursor;
use crate::store::MessageRow;
use presenza_protocol::{AgentId, ConversationId, GroupId, VisitorId};
use presenza_rules::{
    AssignedFilter, ConversationState, ConversationSummary, MessageKind, Sender, StateFilter,
};
use serde::Deserialize;
use worker::SqlStorageValue as V;

#[derive(Clone, Debug, Deserialize)]
pub struct ConversationRow {
    pub id: ConversationId,
    pub visitor_id: VisitorId,
    /// Fixed by its first message (or a transfer); `None`: the whole site.
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
    /// The agent it is assigned to (kept after the agent is deleted).
    #[serde(default)]
    pub assignee_id: Option<AgentId>,
    #[serde(default)]
    pub assignee_name: Option<String>,
    /// The version of the assignee's picture now (read, never stored).
    #[serde(default)]
    pub assignee_picture: Option<String>,
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
            assignee_id: None,
            assignee_name: None,
            assignee_picture: None,
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
    #[serde(default)]
    pub assignee_id: Option<AgentId>,
    #[serde(default)]
    pub assignee_name: Option<String>,
    #[serde(default)]
    pub assignee_picture: Option<String>,
    /// The list key (see `schema`): the order of the merge of several
    /// groups' pages.
    pub k_closed: i64,
    pub k_wait: i64,
    pub k_time: i64,
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
    #[serde(default)]
    pub m_subject: Option<String>,
    pub m_picture: Option<String>,
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
            assignee_id: self.assignee_id.clone(),
            assignee_name: self.assignee_name.clone(),
            assignee_picture: self.assignee_picture.clone(),
        }
    }

    fn stored_key(&self) -> (i64, i64, i64, &str) {
        (self.k_closed, self.k_wait, self.k_time, self.id.as_str())
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
            subject: self.m_subject.clone(),
            agent_picture: self.m_picture.clone(),
        })
    }
}

/// Which conversations an agent serves: all of them (an agent in no
/// group), or those of its groups.
#[derive(Clone, Copy, Debug)]
pub enum Served<'a> {
    All,
    Groups(&'a [GroupId]),
}

/// What [`Store::inbox`] lists: the served conversations in `filter`'s
/// states (and `assigned`'s assignees), as seen by `agent`, after `after`
/// (a page cursor), at most `limit`.
#[derive(Clone, Copy)]
pub struct InboxQuery<'a> {
    pub agent: &'a AgentId,
    pub served: Served<'a>,
    pub filter: StateFilter,
    pub assigned: AssignedFilter,
    pub after: Option<&'a ListCursor>,
    pub limit: usize,
}

/// The stored columns of a conversation.
macro_rules! conversation_cols {
    () => {
        "id, visitor_id, grp, created_at, updated_at, last_seq, \
         last_visitor_seq, last_agent_seq, busy_reply_sent, state, closed_at, closed_by_id, \
         closed_by_name, assignee_id, assignee_name"
    };
}
const CONVERSATION_COLS: &str = conversation_cols!();
/// A conversation as read: its columns, and its assignee's picture now.
const CONVERSATION_READ: &str = concat!(
    conversation_cols!(),
    ", (SELECT version FROM agent_pictures p WHERE p.agent_id = conversations.assignee_id) \
     AS assignee_picture"
);

impl Store {
    pub fn conversation(&self, id: &ConversationId) -> R<Option<ConversationRow>> {
        self.first(
            &format!("SELECT {CONVERSATION_READ} FROM conversations WHERE id = ?"),
            vec![id.as_str().into()],
        )
    }

    /// The conversations whose id starts with `prefix` (a reply address
    /// names one by its first digits; an index range, not a scan).
    pub fn conversations_with_prefix(&self, prefix: &str, limit: usize) -> R<Vec<ConversationRow>> {
        // Every id with the prefix sorts between it and the prefix followed
        // by the highest character an id may hold.
        self.rows(
            &format!(
                "SELECT {CONVERSATION_COLS} FROM conversations WHERE id >= ? AND id < ? LIMIT ?"
            ),
            vec![
                prefix.into(),
                format!("{prefix}\u{7f}").into(),
                (limit as i64).into(),
            ],
        )
    }

    /// The visitor's open conversation (at most one).
    pub fn open_conversation_of_visitor(&self, visitor: &VisitorId) -> R<Option<ConversationRow>> {
        self.first(
            &format!(
                "SELECT {CONVERSATION_READ} FROM conversations WHERE visitor_id = ? AND state = 'open'
                 LIMIT 1"
            ),
            vec![visitor.as_str().into()],
        )
    }

    /// The open conversations whose widget shows `agent` in its header (see
    /// [`HEADER_MESSAGE`]), with their visitors. A scan of the open
    /// conversations: for rare changes (a new picture), not for every
    /// message.
    pub fn open_conversations_headed_by(
        &self,
        agent: &AgentId,
    ) -> R<Vec<(ConversationId, VisitorId)>> {
        #[derive(Deserialize)]
        struct Row {
            id: ConversationId,
            visitor_id: VisitorId,
        }
        let rows: Vec<Row> = self.rows(
            &format!(
                "SELECT c.id, c.visitor_id FROM conversations c
                 JOIN messages m ON m.conversation_id = c.id AND m.seq = (
                     SELECT MAX(seq) FROM messages
                     WHERE conversation_id = c.id AND {HEADER_MESSAGE})
                 WHERE c.state = 'open'
                   AND ((m.sender = 'agent' AND m.agent_id = ?1)
                     OR (m.kind = 'assigned' AND c.assignee_id = ?1))"
            ),
            vec![agent.as_str().into()],
        )?;
        Ok(rows.into_iter().map(|r| (r.id, r.visitor_id)).collect())
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
                "SELECT {CONVERSATION_READ} FROM conversations WHERE visitor_id = ?
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
                 VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
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
                c.assignee_id.as_ref().map(AgentId::as_str).into(),
                c.assignee_name.as_deref().into(),
            ],
        )
        .map(|_| ())
    }

    /// Stores a conversation's group and assignee (an assignment or a
    /// transfer).
    pub fn save_assignment(&self, c: &ConversationRow) -> R<()> {
        self.run(
            "UPDATE conversations SET grp = ?, assignee_id = ?, assignee_name = ? WHERE id = ?",
            vec![
                c.grp.as_ref().map(GroupId::as_str).into(),
                c.assignee_id.as_ref().map(AgentId::as_str).into(),
                c.assignee_name.as_deref().into(),
                c.id.as_str().into(),
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

    /// Open conversations whose visitor wrote last, served as `served`
    /// says (an index count per group, whatever the history).
    pub fn waiting_count(&self, served: Served<'_>) -> R<usize> {
        const WAITING: &str =
            "SELECT COUNT(*) AS n FROM conversations WHERE k_closed = 0 AND k_wait = -1";
        match served {
            Served::All => self.count(WAITING, vec![]),
            Served::Groups(groups) => groups.iter().try_fold(0, |n, g| {
                Ok(n + self.count(&format!("{WAITING} AND grp = ?"), vec![g.as_str().into()])?)
            }),
        }
    }

    /// A page of the inbox in list order (the rules' `ListKey`, which the
    /// caller applies again): open conversations waiting first, then most
    /// recently updated first, then by id; then closed ones most recently
    /// closed first, then by id. Each part (open, closed) is one index range
    /// per served group (merged), starting at the cursor, so a page's cost
    /// does not grow with the site's history.
    pub fn inbox(&self, q: &InboxQuery<'_>) -> R<Vec<InboxRow>> {
        let parts: &[i64] = match q.filter {
            StateFilter::Open => &[0],
            StateFilter::Closed => &[1],
            StateFilter::All => &[0, 1],
        };
        let mut rows = Vec::new();
        for &closed in parts {
            let need = q.limit.saturating_sub(rows.len());
            if need == 0 {
                break;
            }
            // The cursor is in one part: the parts before it are done, the
            // ones after it start at their beginning.
            let after = match q.after {
                Some(c) if i64::from(c.closed) > closed => continue,
                Some(c) if i64::from(c.closed) == closed => {
                    Some((-i64::from(c.waiting), -c.time, c.id.as_str()))
                }
                _ => None,
            };
            let mut part = match q.served {
                Served::All => self.inbox_range(q, None, closed, after, need)?,
                Served::Groups(groups) => {
                    let mut all = Vec::new();
                    for g in groups {
                        all.extend(self.inbox_range(q, Some(g), closed, after, need)?);
                    }
                    all.sort_by(|a, b| a.stored_key().cmp(&b.stored_key()));
                    all
                }
            };
            part.truncate(need);
            rows.extend(part);
        }
        Ok(rows)
    }

    /// One index range of [`Store::inbox`]: the open (`closed` = 0) or
    /// closed conversations of the whole site or of one group, after a key
    /// (`k_wait`, `k_time`, id) if given, of `q.assigned`'s assignees.
    fn inbox_range(
        &self,
        q: &InboxQuery<'_>,
        grp: Option<&GroupId>,
        closed: i64,
        after: Option<(i64, i64, &str)>,
        limit: usize,
    ) -> R<Vec<InboxRow>> {
        let mut bind: Vec<V> = Vec::new();
        let mut filter = String::new();
        if let Some(g) = grp {
            filter.push_str("grp = ? AND ");
            bind.push(g.as_str().into());
        }
        match q.assigned {
            AssignedFilter::Any => {}
            AssignedFilter::Me => {
                filter.push_str("assignee_id = ? AND ");
                bind.push(q.agent.as_str().into());
            }
            AssignedFilter::Nobody => filter.push_str("assignee_id IS NULL AND "),
        }
        filter.push_str("k_closed = ?");
        bind.push(V::from(closed));
        if let Some((wait, time, id)) = after {
            filter.push_str(" AND (k_wait, k_time, id) > (?, ?, ?)");
            bind.extend([V::from(wait), V::from(time), id.into()]);
        }
        bind.push(i64::try_from(limit).unwrap_or(i64::MAX).into());
        bind.push(q.agent.as_str().into());
        self.rows(
            &format!(
                "WITH page AS (
                   SELECT id, k_closed, k_wait, k_time FROM conversations WHERE {filter}
                   ORDER BY k_wait, k_time, id LIMIT ?)
                 SELECT c.id, c.visitor_id, c.grp, c.created_at, c.updated_at, c.last_seq,
                      c.last_visitor_seq, c.last_agent_seq, c.state, c.closed_at, c.closed_by_id,
                      c.closed_by_name, c.assignee_id, c.assignee_name,
                      (SELECT version FROM agent_pictures p WHERE p.agent_id = c.assignee_id) AS assignee_picture,
                      page.k_closed, page.k_wait, page.k_time,
                      v.name AS visitor_name, v.email AS visitor_email,
                      COALESCE(r.read_seq, 0) AS read_seq,
                      (SELECT COUNT(*) FROM messages x WHERE x.conversation_id = c.id
                         AND x.sender = 'visitor' AND x.seq > COALESCE(r.read_seq, 0)) AS after_read,
                      m.seq AS m_seq, m.client_id AS m_client_id, m.sender AS m_sender,
                      m.agent_id AS m_agent_id, m.agent_name AS m_agent_name, m.text AS m_text,
                      m.at AS m_at, m.kind AS m_kind, m.subject AS m_subject,
                      (SELECT version FROM agent_pictures p WHERE p.agent_id = m.agent_id) AS m_picture
                 FROM page
                 JOIN conversations c ON c.id = page.id
                 LEFT JOIN visitors v ON v.id = c.visitor_id
                 LEFT JOIN reads r ON r.conversation_id = c.id AND r.agent_id = ?
                 LEFT JOIN messages m ON m.conversation_id = c.id AND m.seq = c.last_seq
                 ORDER BY page.k_wait, page.k_time, page.id"
            ),
            bind,
        )
    }
}

/// A conversation started in a period, with its first agent reply
/// (insights).
#[derive(Clone, Debug, Deserialize)]
pub struct StartedRow {
    pub id: ConversationId,
    pub grp: Option<GroupId>,
    pub created_at: i64,
    pub reply_at: Option<i64>,
    pub reply_agent: Option<AgentId>,
}

impl Store {
    /// Conversations started in `[from, to)` (of `group` only, when given),
    /// oldest first, at most `max`: a range of `conversations_by_start`,
    /// and for each answered one the first agent message (a range of the
    /// messages' primary key; busy auto-replies are not agents').
    pub fn started_between(
        &self,
        from: i64,
        to: i64,
        group: Option<&GroupId>,
        max: usize,
    ) -> R<Vec<StartedRow>> {
        let first_reply = |col: &str| {
            format!(
                "CASE WHEN c.last_agent_seq > 0 THEN (SELECT m.{col} FROM messages m
                   WHERE m.conversation_id = c.id AND m.sender = 'agent'
                   ORDER BY m.seq LIMIT 1) END"
            )
        };
        let filter = if group.is_some() { "AND c.grp = ?" } else { "" };
        let mut bind: Vec<V> = vec![from.into(), to.into()];
        if let Some(g) = group {
            bind.push(g.as_str().into());
        }
        bind.push(i64::try_from(max).unwrap_or(i64::MAX).into());
        self.rows(
            &format!(
                "SELECT c.id, c.grp, c.created_at, {} AS reply_at, {} AS reply_agent
                 FROM conversations c INDEXED BY conversations_by_start
                 WHERE c.created_at >= ? AND c.created_at < ? {filter}
                 ORDER BY c.created_at LIMIT ?",
                first_reply("at"),
                first_reply("agent_id")
            ),
            bind,
        )
    }
}
