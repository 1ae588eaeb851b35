//! The audiences' status history (`status_history`): one row per change of
//! an audience's status or reason (never per evaluation), keyed by audience
//! and instant, so a period of one audience is one index range. Status,
//! reason and cause are stored as small integer codes
//! ([`crate::history::codes`]) to keep a row a few dozen bytes.

use super::{Store, StoreError, R};
use crate::history::{codes, Recorded};
use presenza_protocol::{AgentId, GroupId};
use serde::Deserialize;

/// The stored audience: `''` for the whole site, else the group id.
fn audience_key(group: Option<&GroupId>) -> &str {
    group.map_or("", GroupId::as_str)
}

#[derive(Deserialize)]
struct Row {
    at: i64,
    status: i64,
    reason: i64,
    cause: Option<i64>,
    agent: Option<String>,
}

impl Row {
    fn decode(self) -> R<Recorded> {
        let bad = |what: &'static str, code: i64| StoreError::BadValue {
            what,
            detail: code.to_string(),
        };
        Ok(Recorded {
            at: self.at,
            status: codes::status(self.status).ok_or_else(|| bad("history status", self.status))?,
            reason: codes::reason(self.reason).ok_or_else(|| bad("history reason", self.reason))?,
            cause: match self.cause {
                None => None,
                Some(c) => Some(codes::cause(c).ok_or_else(|| bad("history cause", c))?),
            },
            agent: match self.agent {
                None => None,
                Some(a) => Some(AgentId::parse(&a).ok_or(StoreError::BadValue {
                    what: "history agent",
                    detail: a,
                })?),
            },
        })
    }
}

const COLS: &str = "at, status, reason, cause, agent";

fn limit(n: usize) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

impl Store {
    /// Records a change of `group`'s audience (the site's: `None`). Two
    /// changes at the same millisecond keep the later one.
    pub fn record_change(&self, group: Option<&GroupId>, change: &Recorded) -> R<()> {
        self.run(
            "INSERT INTO status_history (aud, at, status, reason, cause, agent)
             VALUES (?, ?, ?, ?, ?, ?)
             ON CONFLICT(aud, at) DO UPDATE SET status = excluded.status,
               reason = excluded.reason, cause = excluded.cause, agent = excluded.agent",
            vec![
                audience_key(group).into(),
                change.at.into(),
                codes::status_code(change.status).into(),
                codes::reason_code(change.reason).into(),
                change.cause.map(codes::cause_code).into(),
                change.agent.as_ref().map(|a| a.to_string()).into(),
            ],
        )
        .map(|_| ())
    }

    /// The last change recorded for an audience (no bound: an `i64::MAX`
    /// crosses into JS as an unsafe integer and workerd logs a warning).
    pub fn last_change(&self, group: Option<&GroupId>) -> R<Option<Recorded>> {
        let row: Option<Row> = self.first(
            &format!("SELECT {COLS} FROM status_history WHERE aud = ? ORDER BY at DESC LIMIT 1"),
            vec![audience_key(group).into()],
        )?;
        row.map(Row::decode).transpose()
    }

    /// The last change of an audience at or before `at`.
    pub fn change_at_or_before(&self, group: Option<&GroupId>, at: i64) -> R<Option<Recorded>> {
        let row: Option<Row> = self.first(
            &format!(
                "SELECT {COLS} FROM status_history WHERE aud = ? AND at <= ?
                 ORDER BY at DESC LIMIT 1"
            ),
            vec![audience_key(group).into(), at.into()],
        )?;
        row.map(Row::decode).transpose()
    }

    /// The changes of an audience in `[from, to)`, oldest first, at most
    /// `max`.
    pub fn changes_between(
        &self,
        group: Option<&GroupId>,
        from: i64,
        to: i64,
        max: usize,
    ) -> R<Vec<Recorded>> {
        let rows: Vec<Row> = self.rows(
            &format!(
                "SELECT {COLS} FROM status_history WHERE aud = ? AND at >= ? AND at < ?
                 ORDER BY at LIMIT ?"
            ),
            vec![
                audience_key(group).into(),
                from.into(),
                to.into(),
                limit(max).into(),
            ],
        )?;
        rows.into_iter().map(Row::decode).collect()
    }

    /// The audiences with a history: `''` and group ids, including groups
    /// deleted since (an index skip-scan: one seek per audience).
    fn history_audiences(&self) -> R<Vec<String>> {
        #[derive(Deserialize)]
        struct Aud {
            aud: String,
        }
        let rows: Vec<Aud> = self.rows(
            "WITH RECURSIVE a(aud) AS (
               SELECT (SELECT aud FROM status_history ORDER BY aud LIMIT 1)
               UNION ALL
               SELECT (SELECT aud FROM status_history WHERE aud > a.aud ORDER BY aud LIMIT 1)
               FROM a WHERE a.aud IS NOT NULL)
             SELECT aud FROM a WHERE aud IS NOT NULL",
            vec![],
        )?;
        Ok(rows.into_iter().map(|r| r.aud).collect())
    }

    /// Deletes history older than `cutoff`, at most `budget` rows: of an
    /// audience the site still has, the last change before the cutoff stays
    /// (the status in force then); of a deleted group, everything before
    /// it goes. `is_current(aud)` says which. Returns the rows deleted.
    pub fn delete_history_before(
        &self,
        cutoff: i64,
        budget: usize,
        is_current: impl Fn(&str) -> bool,
    ) -> R<usize> {
        #[derive(Deserialize)]
        struct At {
            at: Option<i64>,
        }
        let mut deleted = 0;
        for aud in self.history_audiences()? {
            if deleted >= budget {
                break;
            }
            let below = if is_current(&aud) {
                // The last change before the cutoff stays.
                let keep: Option<At> = self.first(
                    "SELECT MAX(at) AS at FROM status_history WHERE aud = ? AND at < ?",
                    vec![aud.as_str().into(), cutoff.into()],
                )?;
                match keep.and_then(|k| k.at) {
                    Some(at) => at,
                    None => continue,
                }
            } else {
                cutoff
            };
            // At most the rest of the budget: the oldest rows up to `bound`.
            let room = budget - deleted;
            let bound: Option<At> = self.first(
                "SELECT at FROM status_history WHERE aud = ? AND at < ?
                 ORDER BY at LIMIT 1 OFFSET ?",
                vec![aud.as_str().into(), below.into(), limit(room - 1).into()],
            )?;
            let (op, until) = match bound.and_then(|b| b.at) {
                Some(at) => ("<=", at),
                None => ("<", below),
            };
            deleted += self.run(
                &format!("DELETE FROM status_history WHERE aud = ? AND at {op} ?"),
                vec![aud.as_str().into(), until.into()],
            )?;
        }
        Ok(deleted)
    }
}
