//! What the owner's checklist reads and the widget's first visits write
//! (`meta` keys, no table of its own): where a widget was first and last
//! seen, whether the owner does without working hours, the agent the owner
//! answers chats as, and whether any chat was answered.

use super::{MetaKey, Store, R};
use presenza_protocol::AgentId;
use serde::{Deserialize, Serialize};

/// A page a widget was seen on (`meta` JSON).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Seen {
    pub origin: String,
    pub page: String,
    pub at_ms: i64,
}

impl Store {
    /// Stores where a widget was seen: as the latest, and as the first too
    /// when `first`.
    pub fn record_widget_seen(&self, seen: &Seen, first: bool) -> R<()> {
        let json =
            serde_json::to_string(seen).map_err(|e| super::StoreError::Sql(e.to_string()))?;
        if first {
            self.meta_set(MetaKey::WidgetFirstSeen, &json)?;
        }
        self.meta_set(MetaKey::WidgetLastSeen, &json)
    }

    pub fn hours_declined(&self) -> R<bool> {
        Ok(self.meta_get(MetaKey::HoursDeclined)?.as_deref() == Some("1"))
    }

    pub fn set_hours_declined(&self, declined: bool) -> R<()> {
        if declined {
            self.meta_set(MetaKey::HoursDeclined, "1")
        } else {
            self.meta_delete(MetaKey::HoursDeclined)
        }
    }

    /// The agent the owner answers chats as; `None`: the owner answers none.
    pub fn set_owner_agent(&self, agent: Option<&AgentId>) -> R<()> {
        match agent {
            Some(a) => self.meta_set(MetaKey::OwnerAgent, a.as_str()),
            None => self.meta_delete(MetaKey::OwnerAgent),
        }
    }

    /// Whether an agent ever replied to a visitor (the automatic busy reply
    /// is a system message, not a reply).
    pub fn chat_answered(&self) -> R<bool> {
        Ok(self.count(
            "SELECT COUNT(*) AS n FROM (SELECT 1 FROM messages WHERE sender = 'agent' LIMIT 1)",
            vec![],
        )? > 0)
    }

    fn meta_delete(&self, key: MetaKey) -> R<()> {
        self.run("DELETE FROM meta WHERE key = ?", vec![key.as_str().into()])
            .map(|_| ())
    }
}
