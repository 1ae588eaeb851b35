//! Open alert episodes (`alert_episodes`, `site::alerts`): one row per
//! subject whose episode is open, with the `since` of the condition it was
//! opened for. Opening inserts the row and closing deletes it, each only
//! once (the caller queues the owner's e-mail and webhooks only when the
//! row changed), so an alarm run twice tells nobody twice. The waiting
//! conversations' first unanswered messages are read here too.

use super::{int_bool, Store, R};
use presenza_protocol::{ConversationId, GroupId};
use presenza_rules::Sender;
use serde::Deserialize;

/// An open episode.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
pub struct EpisodeRow {
    /// `site`, `g:<group>` or `c:<conversation>` (`site::alerts::Subject`).
    pub subject: String,
    pub since: i64,
    pub opened_at: i64,
}

/// An open conversation whose visitor waits for a reply: since their first
/// message after the last agent reply.
#[derive(Clone, Debug, Deserialize)]
pub struct WaitingRow {
    pub id: ConversationId,
    pub grp: Option<GroupId>,
    /// `None` only if its messages are gone (erased meanwhile).
    pub since: Option<i64>,
    /// Whether an agent ever replied (a first reply is awaited if not).
    #[serde(deserialize_with = "int_bool")]
    pub replied: bool,
}

impl Store {
    /// Every open episode.
    pub fn open_episodes(&self) -> R<Vec<EpisodeRow>> {
        self.rows(
            "SELECT subject, since, opened_at FROM alert_episodes ORDER BY subject",
            vec![],
        )
    }

    /// Opens an episode; `false` if one is open for `subject` already.
    pub fn open_episode(&self, subject: &str, since: i64, now: i64) -> R<bool> {
        self.run(
            "INSERT OR IGNORE INTO alert_episodes (subject, since, opened_at) VALUES (?, ?, ?)",
            vec![subject.into(), since.into(), now.into()],
        )
        .map(|n| n > 0)
    }

    /// Closes `subject`'s episode; `false` if none was open.
    pub fn close_episode(&self, subject: &str) -> R<bool> {
        self.run(
            "DELETE FROM alert_episodes WHERE subject = ?",
            vec![subject.into()],
        )
        .map(|n| n > 0)
    }

    /// Whether `subject` has an open episode.
    pub fn episode_open(&self, subject: &str) -> R<bool> {
        self.count(
            "SELECT COUNT(*) AS n FROM alert_episodes WHERE subject = ?",
            vec![subject.into()],
        )
        .map(|n| n > 0)
    }

    /// The open conversations waiting for an agent's reply, longest wait
    /// first, at most `max` (read through the inbox's list index: waiting
    /// is its second key).
    pub fn waiting_conversations(&self, max: usize) -> R<Vec<WaitingRow>> {
        self.rows(
            "SELECT c.id, c.grp, c.last_agent_seq > 0 AS replied,
               (SELECT MIN(m.at) FROM messages m WHERE m.conversation_id = c.id
                  AND m.seq > c.last_agent_seq AND m.sender = ?) AS since
             FROM conversations c WHERE c.k_closed = 0 AND c.k_wait = -1
             ORDER BY since LIMIT ?",
            vec![
                Sender::Visitor.as_str().into(),
                i64::try_from(max).unwrap_or(i64::MAX).into(),
            ],
        )
    }

    /// One conversation's wait, if it waits.
    pub fn waiting_conversation(&self, id: &ConversationId) -> R<Option<WaitingRow>> {
        self.first(
            "SELECT c.id, c.grp, c.last_agent_seq > 0 AS replied,
               (SELECT MIN(m.at) FROM messages m WHERE m.conversation_id = c.id
                  AND m.seq > c.last_agent_seq AND m.sender = ?) AS since
             FROM conversations c WHERE c.id = ? AND c.k_closed = 0 AND c.k_wait = -1",
            vec![Sender::Visitor.as_str().into(), id.as_str().into()],
        )
    }
}
