//! Agents' read marks (`reads`) and agents' rate windows (`agent_rates`).

use super::{seq, Store, R};
use presenza_protocol::{AgentId, ConversationId};
use presenza_rules::RateWindow;
use serde::Deserialize;
use std::collections::HashMap;

#[derive(Deserialize)]
struct ReadRow {
    agent_id: AgentId,
    read_seq: i64,
}

impl Store {
    pub fn read_seq(&self, conversation: &ConversationId, agent: &AgentId) -> R<u64> {
        let row: Option<ReadRow> = self.first(
            "SELECT agent_id, read_seq FROM reads WHERE conversation_id = ? AND agent_id = ?",
            vec![conversation.as_str().into(), agent.as_str().into()],
        )?;
        Ok(row.map_or(0, |r| seq(r.read_seq)))
    }

    /// Every agent's read mark in a conversation.
    pub fn reads_of(&self, conversation: &ConversationId) -> R<HashMap<AgentId, u64>> {
        let rows: Vec<ReadRow> = self.rows(
            "SELECT agent_id, read_seq FROM reads WHERE conversation_id = ?",
            vec![conversation.as_str().into()],
        )?;
        Ok(rows
            .into_iter()
            .map(|r| (r.agent_id, seq(r.read_seq)))
            .collect())
    }

    pub fn set_read_seq(&self, conversation: &ConversationId, agent: &AgentId, read: u64) -> R<()> {
        self.run(
            "INSERT INTO reads (conversation_id, agent_id, read_seq) VALUES (?, ?, ?)
             ON CONFLICT(conversation_id, agent_id) DO UPDATE SET read_seq = excluded.read_seq",
            vec![
                conversation.as_str().into(),
                agent.as_str().into(),
                super::seq_i64(read).into(),
            ],
        )
        .map(|_| ())
    }

    pub fn agent_rate(&self, agent: &AgentId) -> R<RateWindow> {
        #[derive(Deserialize)]
        struct Row {
            window_start: i64,
            count: i64,
        }
        let row: Option<Row> = self.first(
            "SELECT window_start, count FROM agent_rates WHERE agent_id = ?",
            vec![agent.as_str().into()],
        )?;
        Ok(row.map_or_else(RateWindow::default, |r| RateWindow {
            window_start: r.window_start,
            count: u32::try_from(r.count).unwrap_or(0),
        }))
    }

    pub fn set_agent_rate(&self, agent: &AgentId, window: RateWindow) -> R<()> {
        self.run(
            "INSERT INTO agent_rates (agent_id, window_start, count) VALUES (?, ?, ?)
             ON CONFLICT(agent_id) DO UPDATE SET window_start = excluded.window_start, count = excluded.count",
            vec![
                agent.as_str().into(),
                window.window_start.into(),
                i64::from(window.count).into(),
            ],
        )
        .map(|_| ())
    }

    /// Forgets an agent's read marks and rate window (its replies stay).
    pub fn forget_agent_conversations(&self, agent: &AgentId) -> R<()> {
        self.run(
            "DELETE FROM reads WHERE agent_id = ?",
            vec![agent.as_str().into()],
        )?;
        self.run(
            "DELETE FROM agent_rates WHERE agent_id = ?",
            vec![agent.as_str().into()],
        )
        .map(|_| ())
    }
}
