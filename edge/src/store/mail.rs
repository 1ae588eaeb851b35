//! E-mail waiting to be sent (`mail_queue`) and the addresses that asked
//! for none (`mail_optout`). The alarm sends what is due; one row per kind
//! and conversation, so what piles up before it is due goes out as one
//! e-mail (an agent's replies to a visitor who has left). An alert's row
//! is about its episode instead (a key made of its subject and `since`,
//! so queuing it again is a no-op), and carries what the e-mail says: the
//! episode is gone by the time a "back to normal" is sent.

use super::{Store, R};
use presenza_protocol::ConversationId;
use serde::Deserialize;

/// What an e-mail is about.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MailKind {
    /// A message left while nobody was online: to the agents who serve the
    /// conversation and the site's notification address.
    Left,
    /// An agent's replies to a visitor who has left: to the visitor.
    Reply,
    /// The conversation, asked for by its visitor.
    Transcript,
    /// An alert opened: to the owner's alert address (`site::alerts`).
    AlertOpened,
    /// Back to normal: to the owner's alert address.
    AlertClosed,
}

impl MailKind {
    fn as_str(self) -> &'static str {
        match self {
            MailKind::Left => "left",
            MailKind::Reply => "reply",
            MailKind::Transcript => "transcript",
            MailKind::AlertOpened => "alert_opened",
            MailKind::AlertClosed => "alert_closed",
        }
    }
}

#[derive(Clone, Debug, Deserialize)]
pub struct MailRow {
    pub kind: MailKind,
    /// The conversation's id; an alert's episode key.
    pub about: String,
    pub due_at: i64,
    /// Messages after this seq are the news (`left`, `reply`).
    pub after_seq: u64,
    /// What an alert e-mail says (`site::alerts::Note` JSON).
    pub note: Option<String>,
}

impl Store {
    /// Queues an e-mail unless one of that kind for that conversation is
    /// waiting already (that one then carries this news too).
    pub fn enqueue_mail(
        &self,
        kind: MailKind,
        conversation: &ConversationId,
        due_at: i64,
        after_seq: u64,
    ) -> R<()> {
        self.run(
            "INSERT OR IGNORE INTO mail_queue (kind, conversation_id, due_at, after_seq)
             VALUES (?, ?, ?, ?)",
            vec![
                kind.as_str().into(),
                conversation.as_str().into(),
                due_at.into(),
                (after_seq as i64).into(),
            ],
        )
        .map(|_| ())
    }

    /// Queues an alert's e-mail (`about`: its episode key) unless it is
    /// queued already.
    pub fn enqueue_note_mail(&self, kind: MailKind, about: &str, due_at: i64, note: &str) -> R<()> {
        self.run(
            "INSERT OR IGNORE INTO mail_queue (kind, conversation_id, due_at, after_seq, note)
             VALUES (?, ?, ?, 0, ?)",
            vec![
                kind.as_str().into(),
                about.into(),
                due_at.into(),
                note.into(),
            ],
        )
        .map(|_| ())
    }

    /// The e-mails due at `now`, oldest first.
    pub fn due_mails(&self, now: i64, limit: usize) -> R<Vec<MailRow>> {
        self.rows(
            "SELECT kind, conversation_id AS about, due_at, after_seq, note FROM mail_queue
             WHERE due_at <= ? ORDER BY due_at LIMIT ?",
            vec![now.into(), (limit as i64).into()],
        )
    }

    /// When the next e-mail is due.
    pub fn next_mail_due(&self) -> R<Option<i64>> {
        #[derive(Deserialize)]
        struct Next {
            at: Option<i64>,
        }
        let row: Option<Next> = self.first("SELECT MIN(due_at) AS at FROM mail_queue", vec![])?;
        Ok(row.and_then(|r| r.at))
    }

    /// A failed send is tried again at `due_at`.
    pub fn delay_mail(&self, kind: MailKind, about: &str, due_at: i64) -> R<()> {
        self.run(
            "UPDATE mail_queue SET due_at = ? WHERE kind = ? AND conversation_id = ?",
            vec![due_at.into(), kind.as_str().into(), about.into()],
        )
        .map(|_| ())
    }

    pub fn delete_mail(&self, kind: MailKind, about: &str) -> R<()> {
        self.run(
            "DELETE FROM mail_queue WHERE kind = ? AND conversation_id = ?",
            vec![kind.as_str().into(), about.into()],
        )
        .map(|_| ())
    }

    /// `address` asked for no more e-mail from this site.
    pub fn opt_out(&self, address: &str, now: i64) -> R<()> {
        self.run(
            "INSERT OR IGNORE INTO mail_optout (address, at) VALUES (?, ?)",
            vec![address.to_lowercase().into(), now.into()],
        )
        .map(|_| ())
    }

    pub fn opted_out(&self, address: &str) -> R<bool> {
        self.count(
            "SELECT COUNT(*) AS n FROM mail_optout WHERE address = ?",
            vec![address.to_lowercase().into()],
        )
        .map(|n| n > 0)
    }
}
