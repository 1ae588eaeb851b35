//! Signed-in devices (`devices`): an agent signs a device in once with its
//! token and the device keeps a credential of its own, stored here only as
//! its hash. Each can be revoked alone (by the agent or the owner); rotating
//! the agent token or deleting the agent revokes them all.

use super::{Store, R};
use presenza_protocol::limits::DEVICE_LAST_USE_STEP_MS;
use presenza_protocol::{AgentId, DeviceId};
use serde::Deserialize;

#[derive(Clone, Debug, Deserialize)]
pub struct DeviceRow {
    pub id: DeviceId,
    pub agent_id: AgentId,
    pub name: String,
    pub token_hash: String,
    pub created_ms: i64,
    /// Its last authenticated call (written at most every
    /// `DEVICE_LAST_USE_STEP_MS`).
    pub last_used_ms: i64,
}

const DEVICE_COLS: &str = "id, agent_id, name, token_hash, created_ms, last_used_ms";

impl Store {
    pub fn device_by_token_hash(&self, hash: &str) -> R<Option<DeviceRow>> {
        self.first(
            &format!("SELECT {DEVICE_COLS} FROM devices WHERE token_hash = ?"),
            vec![hash.into()],
        )
    }

    /// One agent's devices, most recently used first.
    pub fn devices_of(&self, agent: &AgentId) -> R<Vec<DeviceRow>> {
        self.rows(
            &format!(
                "SELECT {DEVICE_COLS} FROM devices WHERE agent_id = ? ORDER BY last_used_ms DESC, id"
            ),
            vec![agent.as_str().into()],
        )
    }

    pub fn insert_device(
        &self,
        id: &DeviceId,
        agent: &AgentId,
        name: &str,
        token_hash: &str,
        now: i64,
    ) -> R<()> {
        self.run(
            "INSERT INTO devices (id, agent_id, name, token_hash, created_ms, last_used_ms)
             VALUES (?, ?, ?, ?, ?, ?)",
            vec![
                id.as_str().into(),
                agent.as_str().into(),
                name.into(),
                token_hash.into(),
                now.into(),
                now.into(),
            ],
        )
        .map(|_| ())
    }

    /// Records a use of the device, at most one write per step.
    pub fn device_used(&self, row: &DeviceRow, now: i64) -> R<()> {
        if now - row.last_used_ms < DEVICE_LAST_USE_STEP_MS {
            return Ok(());
        }
        self.run(
            "UPDATE devices SET last_used_ms = ? WHERE id = ?",
            vec![now.into(), row.id.as_str().into()],
        )
        .map(|_| ())
    }

    /// Deletes one of `agent`'s devices; whether it existed.
    pub fn delete_device(&self, agent: &AgentId, id: &DeviceId) -> R<bool> {
        Ok(self.run(
            "DELETE FROM devices WHERE agent_id = ? AND id = ?",
            vec![agent.as_str().into(), id.as_str().into()],
        )? > 0)
    }

    pub fn delete_devices_of(&self, agent: &AgentId) -> R<()> {
        self.run(
            "DELETE FROM devices WHERE agent_id = ?",
            vec![agent.as_str().into()],
        )
        .map(|_| ())
    }
}
