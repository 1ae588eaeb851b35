//! A relay's storage: one small key-value table, so that what it holds
//! survives its eviction (its sockets survive hibernation): its name, the
//! latest snapshot and the edge's own origin.

use crate::error::ApiError;
use serde::Deserialize;
use worker::SqlStorage;

/// A key of the `relay` table.
#[derive(Clone, Copy, Debug)]
pub enum Key {
    /// The relay's object name (`RelayName`): learned from the first call.
    Name,
    /// The latest `Snapshot` (JSON).
    Snapshot,
    /// The edge's origin, always allowed beside the site's origins.
    OwnOrigin,
}

impl Key {
    fn as_str(self) -> &'static str {
        match self {
            Key::Name => "name",
            Key::Snapshot => "snapshot",
            Key::OwnOrigin => "own_origin",
        }
    }
}

pub struct RelayStore {
    sql: SqlStorage,
}

impl RelayStore {
    pub fn new(sql: SqlStorage) -> Self {
        RelayStore { sql }
    }

    fn table(&self) -> Result<(), ApiError> {
        self.sql.exec(
            "CREATE TABLE IF NOT EXISTS relay (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
            None,
        )?;
        Ok(())
    }

    pub fn get(&self, key: Key) -> Result<Option<String>, ApiError> {
        #[derive(Deserialize)]
        struct Row {
            value: String,
        }
        self.table()?;
        let rows: Vec<Row> = self
            .sql
            .exec(
                "SELECT value FROM relay WHERE key = ?",
                Some(vec![key.as_str().into()]),
            )?
            .to_array()?;
        Ok(rows.into_iter().next().map(|r| r.value))
    }

    pub fn set(&self, key: Key, value: &str) -> Result<(), ApiError> {
        self.table()?;
        self.sql.exec(
            "INSERT INTO relay (key, value) VALUES (?, ?)
             ON CONFLICT(key) DO UPDATE SET value = excluded.value",
            Some(vec![key.as_str().into(), value.into()]),
        )?;
        Ok(())
    }
}
