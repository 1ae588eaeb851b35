//! Diagnostic counters (`counters`, see `tally::Counters`).

use super::{Store, R};
use serde::Deserialize;
use std::collections::HashMap;
use worker::SqlStorageValue as V;

impl Store {
    /// Adds counts to counters, in one statement.
    pub fn add_counters(&self, counts: &[(&str, i64)]) -> R<()> {
        if counts.is_empty() {
            return Ok(());
        }
        let rows = vec!["(?, ?)"; counts.len()].join(", ");
        let bind = counts
            .iter()
            .flat_map(|(name, n)| [V::from(*name), V::from(*n)])
            .collect();
        self.run(
            &format!(
                "INSERT INTO counters (name, value) VALUES {rows} ON CONFLICT(name) DO UPDATE SET value = value + excluded.value"
            ),
            bind,
        )
        .map(|_| ())
    }

    pub fn counters(&self) -> R<HashMap<String, i64>> {
        #[derive(Deserialize)]
        struct Row {
            name: String,
            value: i64,
        }
        let rows: Vec<Row> = self.rows("SELECT name, value FROM counters", vec![])?;
        Ok(rows.into_iter().map(|r| (r.name, r.value)).collect())
    }
}
