//! Agents' pictures (`agent_pictures`): one row per agent with a picture,
//! its bytes as uploaded (at most `limits::MAX_PICTURE_BYTES`, far below
//! SQLite's 2 MB row limit), its type and version. Agents' and messages'
//! rows read the version with a subquery (`picture`, `agent_picture`), so
//! no other table changes with a picture.

use super::{Store, StoreError, R};
use crate::domain::picture::{Picture, PictureKind};
use presenza_protocol::AgentId;
use worker::SqlStorageValue as V;

/// A stored picture, ready to serve.
pub struct PictureRow {
    pub kind: PictureKind,
    pub version: String,
    pub bytes: Vec<u8>,
}

impl Store {
    /// Sets `agent`'s picture (replacing any).
    pub fn put_picture(&self, agent: &AgentId, picture: &Picture, now: i64) -> R<()> {
        self.run(
            "INSERT INTO agent_pictures (agent_id, content_type, version, bytes, updated_ms)
             VALUES (?, ?, ?, ?, ?)
             ON CONFLICT (agent_id) DO UPDATE SET content_type = excluded.content_type,
               version = excluded.version, bytes = excluded.bytes, updated_ms = excluded.updated_ms",
            vec![
                agent.as_str().into(),
                picture.kind.content_type().into(),
                picture.version.as_str().into(),
                V::Blob(picture.bytes.clone()),
                now.into(),
            ],
        )
        .map(|_| ())
    }

    /// Removes `agent`'s picture; whether it had one.
    pub fn delete_picture(&self, agent: &AgentId) -> R<bool> {
        self.run(
            "DELETE FROM agent_pictures WHERE agent_id = ?",
            vec![agent.as_str().into()],
        )
        .map(|n| n > 0)
    }

    /// `agent`'s picture, if it has one.
    pub fn picture(&self, agent: &AgentId) -> R<Option<PictureRow>> {
        let cursor = self.sql.exec(
            "SELECT content_type, version, bytes FROM agent_pictures WHERE agent_id = ?",
            Some(vec![agent.as_str().into()]),
        )?;
        // Raw values: a BLOB column decodes to its bytes only this way.
        let Some(row) = cursor.raw().next() else {
            return Ok(None);
        };
        match row?.as_slice() {
            [V::String(content_type), V::String(version), V::Blob(bytes)] => Ok(Some(PictureRow {
                kind: PictureKind::stored(content_type).ok_or_else(|| bad(content_type))?,
                version: version.clone(),
                bytes: bytes.clone(),
            })),
            other => Err(bad(&format!("{other:?}"))),
        }
    }
}

fn bad(detail: &str) -> StoreError {
    StoreError::BadValue {
        what: "picture",
        detail: detail.chars().take(80).collect(),
    }
}
