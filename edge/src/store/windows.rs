//! Rate windows of what visitors start (`address_windows`): new
//! conversations per client address, and for the whole site.

use super::{Store, R};
use presenza_rules::RateWindow;
use serde::Deserialize;

/// Whose window.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WindowKey<'a> {
    /// One client address (its hashed key, `ClientAddress::key`).
    Address(&'a str),
    /// The whole site.
    Site,
}

impl WindowKey<'_> {
    fn stored(&self) -> String {
        match self {
            WindowKey::Address(key) => format!("a:{key}"),
            WindowKey::Site => "site".to_string(),
        }
    }
}

impl Store {
    pub fn window(&self, key: WindowKey<'_>) -> R<RateWindow> {
        #[derive(Deserialize)]
        struct Row {
            window_start: i64,
            count: i64,
        }
        let row: Option<Row> = self.first(
            "SELECT window_start, count FROM address_windows WHERE key = ?",
            vec![key.stored().into()],
        )?;
        Ok(row.map_or_else(RateWindow::default, |r| RateWindow {
            window_start: r.window_start,
            count: u32::try_from(r.count).unwrap_or(u32::MAX),
        }))
    }

    pub fn set_window(&self, key: WindowKey<'_>, window: RateWindow) -> R<()> {
        self.run(
            "INSERT INTO address_windows (key, window_start, count) VALUES (?, ?, ?)
             ON CONFLICT(key) DO UPDATE SET window_start = excluded.window_start, count = excluded.count",
            vec![
                key.stored().into(),
                window.window_start.into(),
                i64::from(window.count).into(),
            ],
        )
        .map(|_| ())
    }

    /// Forgets windows that opened before `before` (they count nothing).
    pub fn delete_windows_before(&self, before: i64) -> R<usize> {
        self.run(
            "DELETE FROM address_windows WHERE window_start < ?",
            vec![before.into()],
        )
    }
}
