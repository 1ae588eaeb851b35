//! What each audience and each agent's devices were last told
//! (`last_broadcast`): `fanout::BroadcastKey` → fingerprint.

use super::{Store, StoreError, R};
use crate::fanout::{BroadcastKey, Sent};
use serde::Deserialize;

impl Store {
    pub fn broadcasts(&self) -> R<Sent> {
        #[derive(Deserialize)]
        struct Row {
            key: String,
            payload: String,
        }
        let rows: Vec<Row> = self.rows("SELECT key, payload FROM last_broadcast", vec![])?;
        rows.into_iter()
            .map(|r| match BroadcastKey::parse(&r.key) {
                Some(key) => Ok((key, r.payload)),
                None => Err(StoreError::BadValue {
                    what: "broadcast key",
                    detail: r.key,
                }),
            })
            .collect()
    }

    pub fn save_broadcast(&self, key: &BroadcastKey, fingerprint: &str) -> R<()> {
        self.run(
            "INSERT INTO last_broadcast (key, payload) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET payload = excluded.payload",
            vec![key.stored().into(), fingerprint.into()],
        )
        .map(|_| ())
    }

    pub fn delete_broadcast(&self, key: &BroadcastKey) -> R<()> {
        self.run(
            "DELETE FROM last_broadcast WHERE key = ?",
            vec![key.stored().into()],
        )
        .map(|_| ())
    }
}
