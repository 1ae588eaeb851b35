//! Agents (`agents`): who they are, their groups, their token hash and
//! their manual status.

use super::{json_text, Store, StoreError, R};
use crate::domain::agent::AgentInput;
use crate::domain::manual::ManualInput;
use crate::fanout::BroadcastKey;
use presenza_protocol::{AgentId, GroupId};
use presenza_rules::{ChosenBy, ManualStatus, Status};
use serde::Deserialize;

#[derive(Clone, Debug, Deserialize)]
pub struct AgentRow {
    pub id: AgentId,
    pub name: String,
    #[serde(deserialize_with = "json_text")]
    pub groups: Vec<GroupId>,
    pub token_hash: String,
    /// The manual status.
    pub status: Status,
    pub message: Option<String>,
    pub back_at_ms: Option<i64>,
    pub set_at_ms: i64,
    pub created_ms: i64,
    /// Who chose `status`: the agent, or working hours (a switch
    /// schedule's choice kept before its configuration changed).
    pub set_by: ChosenBy,
    /// When its last session ended (expired or signed out), if it has.
    #[serde(default)]
    pub left_ms: Option<i64>,
    /// Where messages left while nobody was online reach it.
    #[serde(default)]
    pub email: Option<String>,
    /// The version of its picture (`agent_pictures`), if it has one.
    #[serde(default)]
    pub picture: Option<String>,
}

impl AgentRow {
    /// The stored status as the rules read it.
    pub fn manual(&self) -> ManualStatus {
        ManualStatus {
            status: self.status,
            message: self.message.clone(),
            back_at: self.back_at_ms,
            set_at: self.set_at_ms,
        }
    }
}

const AGENT_COLS: &str = "id, name, groups, token_hash, status, message, back_at_ms, set_at_ms, created_ms, set_by, left_ms, email,
    (SELECT version FROM agent_pictures p WHERE p.agent_id = agents.id) AS picture";

fn groups_json(groups: &[GroupId]) -> R<String> {
    serde_json::to_string(groups).map_err(|e| StoreError::Sql(e.to_string()))
}

impl Store {
    pub fn agents(&self) -> R<Vec<AgentRow>> {
        self.rows(
            &format!("SELECT {AGENT_COLS} FROM agents ORDER BY id"),
            vec![],
        )
    }

    pub fn agent(&self, id: &AgentId) -> R<Option<AgentRow>> {
        self.first(
            &format!("SELECT {AGENT_COLS} FROM agents WHERE id = ?"),
            vec![id.as_str().into()],
        )
    }

    pub fn agent_by_token_hash(&self, hash: &str) -> R<Option<AgentRow>> {
        self.first(
            &format!("SELECT {AGENT_COLS} FROM agents WHERE token_hash = ?"),
            vec![hash.into()],
        )
    }

    pub fn agent_count(&self) -> R<usize> {
        self.count("SELECT COUNT(*) AS n FROM agents", vec![])
    }

    /// A new agent, online by choice (it counts once a session is alive).
    pub fn insert_agent(
        &self,
        id: &AgentId,
        input: &AgentInput,
        token_hash: &str,
        now: i64,
    ) -> R<()> {
        self.run(
            "INSERT INTO agents (id, name, groups, token_hash, status, message, back_at_ms, set_at_ms, created_ms, set_by, email)
             VALUES (?, ?, ?, ?, ?, NULL, NULL, ?, ?, 'manual', ?)",
            vec![
                id.as_str().into(),
                input.name.as_str().into(),
                groups_json(&input.groups)?.into(),
                token_hash.into(),
                Status::Online.as_str().into(),
                now.into(),
                now.into(),
                input.email.as_deref().into(),
            ],
        )
        .map(|_| ())
    }

    pub fn update_agent(&self, id: &AgentId, input: &AgentInput) -> R<()> {
        self.run(
            "UPDATE agents SET name = ?, groups = ?, email = ? WHERE id = ?",
            vec![
                input.name.as_str().into(),
                groups_json(&input.groups)?.into(),
                input.email.as_deref().into(),
                id.as_str().into(),
            ],
        )
        .map(|_| ())
    }

    pub fn set_agent_groups(&self, id: &AgentId, groups: &[GroupId]) -> R<()> {
        self.run(
            "UPDATE agents SET groups = ? WHERE id = ?",
            vec![groups_json(groups)?.into(), id.as_str().into()],
        )
        .map(|_| ())
    }

    pub fn set_token_hash(&self, id: &AgentId, hash: &str) -> R<()> {
        self.run(
            "UPDATE agents SET token_hash = ? WHERE id = ?",
            vec![hash.into(), id.as_str().into()],
        )
        .map(|_| ())
    }

    /// The agent's manual status, chosen at `now`.
    pub fn set_manual(&self, id: &AgentId, input: &ManualInput, now: i64) -> R<()> {
        self.run(
            "UPDATE agents SET status = ?, message = ?, back_at_ms = ?, set_at_ms = ?, set_by = 'manual' WHERE id = ?",
            vec![
                input.status.as_str().into(),
                input.message.as_deref().into(),
                input.back_at.into(),
                now.into(),
                id.as_str().into(),
            ],
        )
        .map(|_| ())
    }

    /// Records that one of the agent's sessions ended at `at` (the team
    /// view's "offline since" once it was the last).
    pub fn set_left(&self, id: &AgentId, at: i64) -> R<()> {
        self.run(
            "UPDATE agents SET left_ms = MAX(COALESCE(left_ms, 0), ?) WHERE id = ?",
            vec![at.into(), id.as_str().into()],
        )
        .map(|_| ())
    }

    /// Keeps the status working hours chose for an agent at boundary `at`
    /// (switch mode), before the hours configuration changes.
    pub fn set_chosen_by_hours(&self, id: &AgentId, status: Status, at: i64) -> R<()> {
        self.run(
            "UPDATE agents SET status = ?, message = NULL, back_at_ms = NULL, set_at_ms = ?, set_by = 'working_hours' WHERE id = ?",
            vec![status.as_str().into(), at.into(), id.as_str().into()],
        )
        .map(|_| ())
    }

    /// Deletes an agent with its sessions, read marks, rate window and what
    /// its devices were last told (its replies stay).
    pub fn delete_agent(&self, id: &AgentId) -> R<bool> {
        self.delete_sessions_of(id)?;
        self.delete_devices_of(id)?;
        self.forget_agent_conversations(id)?;
        self.delete_broadcast(&BroadcastKey::Agent(id.clone()))?;
        self.delete_picture(id)?;
        Ok(self.run("DELETE FROM agents WHERE id = ?", vec![id.as_str().into()])? > 0)
    }
}
