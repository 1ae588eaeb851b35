//! Visitors who wrote (`visitors`): their secret's hash, the contact details
//! they gave last and their rate window.

use super::{Store, R};
use presenza_protocol::VisitorId;
use presenza_rules::RateWindow;
use serde::Deserialize;

#[derive(Clone, Debug, Deserialize)]
pub struct VisitorRow {
    pub id: VisitorId,
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

impl Store {
    pub fn visitor(&self, id: &VisitorId) -> R<Option<VisitorRow>> {
        self.first(
            "SELECT id, secret_hash, name, email, created_at, rate_window_start, rate_count
             FROM visitors WHERE id = ?",
            vec![id.as_str().into()],
        )
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
    /// The visitor's e-mail address (a transcript asked to another one).
    pub fn set_visitor_email(&self, id: &VisitorId, email: &str) -> R<()> {
        self.run(
            "UPDATE visitors SET email = ? WHERE id = ?",
            vec![email.into(), id.as_str().into()],
        )
        .map(|_| ())
    }

    pub fn update_visitor(
        &self,
        id: &VisitorId,
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
                id.as_str().into(),
            ],
        )
        .map(|_| ())
    }
}
