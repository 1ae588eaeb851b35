//! Agents' sessions (`sessions`): each device socket and each HTTP session
//! with its last sign of life. A session counts for its agent until its
//! last sign of life is a grace period old.

use super::{Store, R};
use presenza_protocol::{AgentId, DeviceId, SessionId};
use serde::{Deserialize, Serialize};

/// How a session keeps itself alive.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum SessionKind {
    /// A device socket: its pings (answered by the runtime) are read when
    /// the object wakes.
    #[serde(rename = "ws")]
    Device,
    /// HTTP calls (`X-Presenza-Session`): heartbeats and status changes.
    #[serde(rename = "http")]
    Http,
}

impl SessionKind {
    fn as_str(self) -> &'static str {
        match self {
            SessionKind::Device => "ws",
            SessionKind::Http => "http",
        }
    }
}

#[derive(Clone, Debug, Deserialize)]
pub struct SessionRow {
    pub agent_id: AgentId,
    pub session_id: SessionId,
    pub kind: SessionKind,
    pub last_seen_ms: i64,
    pub created_ms: i64,
    /// The signed-in device whose credential opened it (`None`: the agent
    /// token itself).
    pub device_id: Option<DeviceId>,
}

const SESSION_COLS: &str = "agent_id, session_id, kind, last_seen_ms, created_ms, device_id";

impl Store {
    pub fn sessions(&self) -> R<Vec<SessionRow>> {
        self.rows(&format!("SELECT {SESSION_COLS} FROM sessions"), vec![])
    }

    /// One agent's sessions of a kind.
    pub fn sessions_of(&self, agent: &AgentId, kind: SessionKind) -> R<Vec<SessionRow>> {
        self.rows(
            &format!("SELECT {SESSION_COLS} FROM sessions WHERE agent_id = ? AND kind = ?"),
            vec![agent.as_str().into(), kind.as_str().into()],
        )
    }

    pub fn session_count(&self, agent: &AgentId, kind: SessionKind) -> R<usize> {
        self.count(
            "SELECT COUNT(*) AS n FROM sessions WHERE agent_id = ? AND kind = ?",
            vec![agent.as_str().into(), kind.as_str().into()],
        )
    }

    pub fn session_exists(&self, agent: &AgentId, session: &SessionId) -> R<bool> {
        self.count(
            "SELECT COUNT(*) AS n FROM sessions WHERE agent_id = ? AND session_id = ?",
            vec![agent.as_str().into(), session.as_str().into()],
        )
        .map(|n| n > 0)
    }

    /// Creates the session or moves its last sign of life forward (and
    /// records the device it is now used from).
    pub fn touch_session(
        &self,
        agent: &AgentId,
        session: &SessionId,
        kind: SessionKind,
        device: Option<&DeviceId>,
        seen: i64,
    ) -> R<()> {
        self.run(
            "INSERT INTO sessions (agent_id, session_id, kind, last_seen_ms, created_ms, device_id)
             VALUES (?, ?, ?, ?, ?, ?)
             ON CONFLICT(agent_id, session_id) DO UPDATE SET
               last_seen_ms = MAX(last_seen_ms, excluded.last_seen_ms),
               device_id = COALESCE(excluded.device_id, device_id)",
            vec![
                agent.as_str().into(),
                session.as_str().into(),
                kind.as_str().into(),
                seen.into(),
                seen.into(),
                device.map(DeviceId::as_str).into(),
            ],
        )
        .map(|_| ())
    }

    /// Deletes the sessions opened by one device; their ids.
    pub fn delete_device_sessions(&self, agent: &AgentId, device: &DeviceId) -> R<Vec<SessionId>> {
        #[derive(Deserialize)]
        struct Id {
            session_id: SessionId,
        }
        let ids: Vec<Id> = self.rows(
            "SELECT session_id FROM sessions WHERE agent_id = ? AND device_id = ?",
            vec![agent.as_str().into(), device.as_str().into()],
        )?;
        self.run(
            "DELETE FROM sessions WHERE agent_id = ? AND device_id = ?",
            vec![agent.as_str().into(), device.as_str().into()],
        )?;
        Ok(ids.into_iter().map(|i| i.session_id).collect())
    }

    /// Moves an existing session's last sign of life forward (never
    /// creates); returns whether it did.
    pub fn bump_session(&self, agent: &AgentId, session: &SessionId, seen: i64) -> R<bool> {
        self.run(
            "UPDATE sessions SET last_seen_ms = ? WHERE agent_id = ? AND session_id = ? AND last_seen_ms < ?",
            vec![
                seen.into(),
                agent.as_str().into(),
                session.as_str().into(),
                seen.into(),
            ],
        )
        .map(|n| n > 0)
    }

    pub fn delete_session(&self, agent: &AgentId, session: &SessionId) -> R<bool> {
        self.run(
            "DELETE FROM sessions WHERE agent_id = ? AND session_id = ?",
            vec![agent.as_str().into(), session.as_str().into()],
        )
        .map(|n| n > 0)
    }

    pub fn delete_sessions_of(&self, agent: &AgentId) -> R<()> {
        self.run(
            "DELETE FROM sessions WHERE agent_id = ?",
            vec![agent.as_str().into()],
        )
        .map(|_| ())
    }
}
