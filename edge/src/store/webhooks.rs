//! Webhook deliveries waiting (`webhook_queue`: one row per delivery and
//! endpoint, sent in `seq` order per endpoint) and each endpoint's last
//! attempt (`webhook_results`). The alarm sends what is due
//! (`site::webhooks`).

use super::{Store, R};
use serde::Deserialize;

/// A delivery waiting.
#[derive(Clone, Debug, Deserialize)]
pub struct WebhookRow {
    pub seq: i64,
    pub endpoint: String,
    pub delivery: String,
    pub event: String,
    pub body: String,
    pub due_at: i64,
    pub attempts: i64,
}

/// An endpoint's last attempt.
#[derive(Clone, Debug, Deserialize)]
pub struct WebhookResultRow {
    pub endpoint: String,
    pub at: i64,
    pub ok: i64,
    pub status: Option<i64>,
    pub error: Option<String>,
}

/// A delivery to queue.
pub struct NewDelivery<'a> {
    pub endpoint: &'a str,
    pub delivery: &'a str,
    pub event: &'a str,
    pub body: &'a str,
}

impl Store {
    pub fn enqueue_webhook(&self, d: &NewDelivery<'_>, due_at: i64) -> R<()> {
        self.run(
            "INSERT INTO webhook_queue (endpoint, delivery, event, body, due_at)
             VALUES (?, ?, ?, ?, ?)",
            vec![
                d.endpoint.into(),
                d.delivery.into(),
                d.event.into(),
                d.body.into(),
                due_at.into(),
            ],
        )
        .map(|_| ())
    }

    /// Each endpoint's oldest delivery (the only one that may be sent).
    pub fn webhook_heads(&self) -> R<Vec<WebhookRow>> {
        self.rows(
            "SELECT q.seq, q.endpoint, q.delivery, q.event, q.body, q.due_at, q.attempts
             FROM webhook_queue q
             JOIN (SELECT endpoint, MIN(seq) AS seq FROM webhook_queue GROUP BY endpoint) h
               ON q.seq = h.seq
             ORDER BY q.seq",
            vec![],
        )
    }

    /// When the next head is due.
    pub fn next_webhook_due(&self) -> R<Option<i64>> {
        Ok(self.webhook_heads()?.into_iter().map(|r| r.due_at).min())
    }

    pub fn delete_webhook(&self, seq: i64) -> R<()> {
        self.run("DELETE FROM webhook_queue WHERE seq = ?", vec![seq.into()])
            .map(|_| ())
    }

    /// A failed attempt: the next at `due_at`.
    pub fn retry_webhook(&self, seq: i64, due_at: i64) -> R<()> {
        self.run(
            "UPDATE webhook_queue SET due_at = ?, attempts = attempts + 1 WHERE seq = ?",
            vec![due_at.into(), seq.into()],
        )
        .map(|_| ())
    }

    /// The deliveries waiting per endpoint.
    pub fn webhook_pending(&self, endpoint: &str) -> R<usize> {
        self.count(
            "SELECT COUNT(*) AS n FROM webhook_queue WHERE endpoint = ?",
            vec![endpoint.into()],
        )
    }

    /// Endpoints no longer registered lose their queue and last result.
    pub fn forget_webhooks_except(&self, keep: &[String]) -> R<()> {
        let json =
            serde_json::to_string(keep).map_err(|e| super::StoreError::Sql(e.to_string()))?;
        for table in ["webhook_queue", "webhook_results"] {
            self.run(
                &format!(
                    "DELETE FROM {table} WHERE endpoint NOT IN (SELECT value FROM json_each(?))"
                ),
                vec![json.clone().into()],
            )?;
        }
        Ok(())
    }

    pub fn set_webhook_result(
        &self,
        endpoint: &str,
        at: i64,
        ok: bool,
        status: Option<u16>,
        error: Option<&str>,
    ) -> R<()> {
        self.run(
            "INSERT OR REPLACE INTO webhook_results (endpoint, at, ok, status, error)
             VALUES (?, ?, ?, ?, ?)",
            vec![
                endpoint.into(),
                at.into(),
                i64::from(ok).into(),
                status.map(i64::from).into(),
                error.map(str::to_owned).into(),
            ],
        )
        .map(|_| ())
    }

    pub fn webhook_results(&self) -> R<Vec<WebhookResultRow>> {
        self.rows(
            "SELECT endpoint, at, ok, status, error FROM webhook_results",
            vec![],
        )
    }
}
