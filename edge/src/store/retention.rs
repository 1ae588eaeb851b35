//! Deleting what a site no longer keeps: closed conversations past their
//! retention (with their messages and read marks), visitors left without a
//! conversation, and one visitor's whole data on the owner's request.

use super::{Store, R};
use presenza_protocol::{ConversationId, VisitorId};
use serde::Deserialize;

#[derive(Deserialize)]
struct Owned {
    id: ConversationId,
    visitor_id: VisitorId,
}

impl Store {
    /// Deletes up to `limit` conversations closed before `cutoff`, oldest
    /// first (an index range on the list key), and their visitors once they
    /// have none left; returns how many conversations went.
    pub fn delete_closed_before(&self, cutoff: i64, limit: usize) -> R<usize> {
        // k_time = -closed_at for a closed conversation (see `schema`).
        let rows: Vec<Owned> = self.rows(
            "SELECT id, visitor_id FROM conversations
             WHERE k_closed = 1 AND k_wait = 0 AND k_time > ?
             ORDER BY k_time DESC LIMIT ?",
            vec![
                (-cutoff).into(),
                i64::try_from(limit).unwrap_or(i64::MAX).into(),
            ],
        )?;
        for row in &rows {
            self.delete_conversation(&row.id)?;
            if !self.visitor_has_conversations(&row.visitor_id)? {
                for table in ["visitor_context WHERE visitor_id", "visitors WHERE id"] {
                    self.run(
                        &format!("DELETE FROM {table} = ?"),
                        vec![row.visitor_id.as_str().into()],
                    )?;
                }
            }
        }
        Ok(rows.len())
    }

    /// Deletes a visitor and everything they wrote or received: their
    /// conversations, messages and the agents' read marks of them. Returns
    /// whether there was such a visitor, and their conversations.
    pub fn erase_visitor(&self, visitor: &VisitorId) -> R<Option<Vec<ConversationId>>> {
        if self.visitor(visitor)?.is_none() {
            return Ok(None);
        }
        let rows: Vec<Owned> = self.rows(
            "SELECT id, visitor_id FROM conversations WHERE visitor_id = ?",
            vec![visitor.as_str().into()],
        )?;
        for row in &rows {
            self.delete_conversation(&row.id)?;
        }
        for table in ["visitor_context WHERE visitor_id", "visitors WHERE id"] {
            self.run(
                &format!("DELETE FROM {table} = ?"),
                vec![visitor.as_str().into()],
            )?;
        }
        Ok(Some(rows.into_iter().map(|r| r.id).collect()))
    }

    fn delete_conversation(&self, id: &ConversationId) -> R<()> {
        for table in ["messages", "reads"] {
            self.run(
                &format!("DELETE FROM {table} WHERE conversation_id = ?"),
                vec![id.as_str().into()],
            )?;
        }
        self.run(
            "DELETE FROM conversations WHERE id = ?",
            vec![id.as_str().into()],
        )
        .map(|_| ())
    }

    fn visitor_has_conversations(&self, visitor: &VisitorId) -> R<bool> {
        self.count(
            "SELECT COUNT(*) AS n FROM conversations WHERE visitor_id = ?",
            vec![visitor.as_str().into()],
        )
        .map(|n| n > 0)
    }
}
