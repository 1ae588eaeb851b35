//! The site's SQLite storage (Durable Object SQL API, synchronous): schema
//! and typed queries. Everything that must survive a restart lives here;
//! the object's memory only holds caches rebuilt from these tables.

mod conversations;

pub use conversations::{ConversationRow, InboxQuery, MessageRow, VisitorRow};
use serde::de::DeserializeOwned;
use serde::Deserialize;
use std::cell::Cell;
use std::collections::HashMap;
use worker::{SqlStorage, SqlStorageValue as V};

/// 2: conversations (visitors, conversations, messages, reads, agent_rates).
/// 3: conversations can be closed and reopened (state, closed_at,
/// closed_by_*; a visitor may have several, at most one open): a schema-2
/// table is rebuilt on start (`migrate_conversations`), nothing is lost;
/// messages gain `kind` (schema 2's system messages become `auto_reply`).
pub const SCHEMA_VERSION: i64 = 3;

/// `CREATE TABLE IF NOT EXISTS`: safe to run on every start.
const SCHEMA: &[&str] = &[
    // Site settings and identity: site_id, owner_key_hash, name, created_ms,
    // grace_period_secs, allowed_origins (JSON), widget (JSON), schema_version,
    // visitor_sockets_bound (see `tally::VisitorGauge`).
    "CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
    "CREATE TABLE IF NOT EXISTS groups (id TEXT PRIMARY KEY, name TEXT NOT NULL, created_ms INTEGER NOT NULL)",
    "CREATE TABLE IF NOT EXISTS agents (
        id TEXT PRIMARY KEY, name TEXT NOT NULL, groups TEXT NOT NULL,
        token_hash TEXT NOT NULL UNIQUE, status TEXT NOT NULL, message TEXT,
        back_at_ms INTEGER, set_at_ms INTEGER NOT NULL, created_ms INTEGER NOT NULL)",
    // scope: "site" or "g:<group>"; spec: the ScheduleSpec JSON.
    "CREATE TABLE IF NOT EXISTS schedules (scope TEXT PRIMARY KEY, spec TEXT NOT NULL)",
    // kind: 'ws' (a device socket) or 'http' (heartbeats / status calls).
    "CREATE TABLE IF NOT EXISTS sessions (
        agent_id TEXT NOT NULL, session_id TEXT NOT NULL, kind TEXT NOT NULL,
        last_seen_ms INTEGER NOT NULL, created_ms INTEGER NOT NULL,
        PRIMARY KEY (agent_id, session_id))",
    // What each audience / agent was last told, so a wake after hibernation
    // never re-sends an unchanged status.
    "CREATE TABLE IF NOT EXISTS last_broadcast (key TEXT PRIMARY KEY, payload TEXT NOT NULL)",
    // Diagnostics (`tally::Counters`): stored alongside other writes, not per event.
    "CREATE TABLE IF NOT EXISTS counters (name TEXT PRIMARY KEY, value INTEGER NOT NULL)",
];

/// The `meta` key of the stored visitor socket bound.
const VISITOR_BOUND: &str = "visitor_sockets_bound";

#[derive(Clone, Debug, Deserialize)]
pub struct AgentRow {
    pub id: String,
    pub name: String,
    /// JSON array of group ids.
    pub groups: String,
    pub token_hash: String,
    pub status: String,
    pub message: Option<String>,
    pub back_at_ms: Option<i64>,
    pub set_at_ms: i64,
    pub created_ms: i64,
}

impl AgentRow {
    pub fn group_list(&self) -> Vec<String> {
        serde_json::from_str(&self.groups).unwrap_or_default()
    }
}

#[derive(Clone, Debug, Deserialize)]
pub struct GroupRow {
    pub id: String,
    pub name: String,
}

#[derive(Clone, Debug, Deserialize)]
pub struct SessionRow {
    pub agent_id: String,
    pub session_id: String,
    pub kind: String,
    pub last_seen_ms: i64,
}

#[derive(Deserialize)]
struct Count {
    n: i64,
}

#[derive(Deserialize)]
struct KeyValue {
    key: String,
    value: String,
}

#[derive(Deserialize)]
struct NameValue {
    name: String,
    value: i64,
}

#[derive(Deserialize)]
struct Payload {
    key: String,
    payload: String,
}

pub struct Store {
    sql: SqlStorage,
    /// A statement wrote rows since [`Store::take_wrote`] last ran.
    wrote: Cell<bool>,
}

type R<T> = worker::Result<T>;

impl Store {
    pub fn new(sql: SqlStorage) -> Self {
        Store {
            sql,
            wrote: Cell::new(false),
        }
    }

    /// Whether anything was written since the last call (the event will
    /// commit anyway), and forgets it.
    pub fn take_wrote(&self) -> bool {
        self.wrote.replace(false)
    }

    fn rows<T: DeserializeOwned>(&self, query: &str, bind: Vec<V>) -> R<Vec<T>> {
        self.sql.exec(query, Some(bind))?.to_array()
    }

    fn run(&self, query: &str, bind: Vec<V>) -> R<usize> {
        let n = self.sql.exec(query, Some(bind))?.rows_written();
        if n > 0 {
            self.wrote.set(true);
        }
        Ok(n)
    }

    fn count(&self, query: &str, bind: Vec<V>) -> R<usize> {
        let rows: Vec<Count> = self.rows(query, bind)?;
        Ok(rows.first().map(|c| c.n.max(0) as usize).unwrap_or(0))
    }

    /// Whether this object holds a site (never creates anything).
    pub fn has_schema(&self) -> R<bool> {
        self.count(
            "SELECT COUNT(*) AS n FROM sqlite_master WHERE type = 'table' AND name = 'meta'",
            vec![],
        )
        .map(|n| n > 0)
    }

    pub fn migrate(&self) -> R<()> {
        self.migrate_conversations()?;
        for statement in SCHEMA.iter().chain(conversations::SCHEMA) {
            self.sql.exec(statement, None)?;
        }
        self.meta_set("schema_version", &SCHEMA_VERSION.to_string())
    }

    // ------------------------------------------------------------ meta

    pub fn meta_all(&self) -> R<HashMap<String, String>> {
        let rows: Vec<KeyValue> = self.rows("SELECT key, value FROM meta", vec![])?;
        Ok(rows.into_iter().map(|kv| (kv.key, kv.value)).collect())
    }

    fn meta_get(&self, key: &str) -> R<Option<String>> {
        #[derive(Deserialize)]
        struct Row {
            value: String,
        }
        let rows: Vec<Row> = self.rows("SELECT value FROM meta WHERE key = ?", vec![key.into()])?;
        Ok(rows.into_iter().next().map(|r| r.value))
    }

    /// The stored visitor socket bound (`None`: never stored).
    pub fn visitor_bound(&self) -> R<Option<usize>> {
        Ok(self.meta_get(VISITOR_BOUND)?.and_then(|v| v.parse().ok()))
    }

    pub fn set_visitor_bound(&self, bound: usize) -> R<()> {
        self.meta_set(VISITOR_BOUND, &bound.to_string())
    }

    pub fn meta_set(&self, key: &str, value: &str) -> R<()> {
        self.run(
            "INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
            vec![key.into(), value.into()],
        )
        .map(|_| ())
    }

    // ------------------------------------------------------------ groups

    pub fn groups(&self) -> R<Vec<GroupRow>> {
        self.rows("SELECT id, name FROM groups ORDER BY id", vec![])
    }

    /// Returns whether the group was created (false: renamed).
    pub fn upsert_group(&self, id: &str, name: &str, now: i64) -> R<bool> {
        let existed = self.count(
            "SELECT COUNT(*) AS n FROM groups WHERE id = ?",
            vec![id.into()],
        )? > 0;
        self.run(
            "INSERT INTO groups (id, name, created_ms) VALUES (?, ?, ?) ON CONFLICT(id) DO UPDATE SET name = excluded.name",
            vec![id.into(), name.into(), now.into()],
        )?;
        Ok(!existed)
    }

    pub fn delete_group(&self, id: &str) -> R<bool> {
        let n = self.run("DELETE FROM groups WHERE id = ?", vec![id.into()])?;
        self.run(
            "DELETE FROM schedules WHERE scope = ?",
            vec![format!("g:{id}").into()],
        )?;
        Ok(n > 0)
    }

    // ------------------------------------------------------------ agents

    const AGENT_COLS: &'static str =
        "id, name, groups, token_hash, status, message, back_at_ms, set_at_ms, created_ms";

    pub fn agents(&self) -> R<Vec<AgentRow>> {
        self.rows(
            &format!("SELECT {} FROM agents ORDER BY id", Self::AGENT_COLS),
            vec![],
        )
    }

    pub fn agent(&self, id: &str) -> R<Option<AgentRow>> {
        let rows: Vec<AgentRow> = self.rows(
            &format!("SELECT {} FROM agents WHERE id = ?", Self::AGENT_COLS),
            vec![id.into()],
        )?;
        Ok(rows.into_iter().next())
    }

    pub fn agent_by_token_hash(&self, hash: &str) -> R<Option<AgentRow>> {
        let rows: Vec<AgentRow> = self.rows(
            &format!(
                "SELECT {} FROM agents WHERE token_hash = ?",
                Self::AGENT_COLS
            ),
            vec![hash.into()],
        )?;
        Ok(rows.into_iter().next())
    }

    pub fn agent_count(&self) -> R<usize> {
        self.count("SELECT COUNT(*) AS n FROM agents", vec![])
    }

    pub fn insert_agent(
        &self,
        id: &str,
        name: &str,
        groups: &[String],
        token_hash: &str,
        now: i64,
    ) -> R<()> {
        let groups = serde_json::to_string(groups).unwrap_or_else(|_| "[]".into());
        self.run(
            "INSERT INTO agents (id, name, groups, token_hash, status, message, back_at_ms, set_at_ms, created_ms)
             VALUES (?, ?, ?, ?, 'online', NULL, NULL, ?, ?)",
            vec![id.into(), name.into(), groups.into(), token_hash.into(), now.into(), now.into()],
        )
        .map(|_| ())
    }

    pub fn update_agent(&self, id: &str, name: &str, groups: &[String]) -> R<()> {
        let groups = serde_json::to_string(groups).unwrap_or_else(|_| "[]".into());
        self.run(
            "UPDATE agents SET name = ?, groups = ? WHERE id = ?",
            vec![name.into(), groups.into(), id.into()],
        )
        .map(|_| ())
    }

    pub fn set_agent_groups(&self, id: &str, groups: &[String]) -> R<()> {
        let groups = serde_json::to_string(groups).unwrap_or_else(|_| "[]".into());
        self.run(
            "UPDATE agents SET groups = ? WHERE id = ?",
            vec![groups.into(), id.into()],
        )
        .map(|_| ())
    }

    pub fn set_token_hash(&self, id: &str, hash: &str) -> R<()> {
        self.run(
            "UPDATE agents SET token_hash = ? WHERE id = ?",
            vec![hash.into(), id.into()],
        )
        .map(|_| ())
    }

    pub fn set_manual(
        &self,
        id: &str,
        status: &str,
        message: Option<&str>,
        back_at: Option<i64>,
        now: i64,
    ) -> R<()> {
        self.run(
            "UPDATE agents SET status = ?, message = ?, back_at_ms = ?, set_at_ms = ? WHERE id = ?",
            vec![
                status.into(),
                message.into(),
                back_at.into(),
                now.into(),
                id.into(),
            ],
        )
        .map(|_| ())
    }

    pub fn delete_agent(&self, id: &str) -> R<bool> {
        self.run("DELETE FROM sessions WHERE agent_id = ?", vec![id.into()])?;
        self.forget_agent_conversations(id)?;
        self.run(
            "DELETE FROM last_broadcast WHERE key = ?",
            vec![format!("agent:{id}").into()],
        )?;
        Ok(self.run("DELETE FROM agents WHERE id = ?", vec![id.into()])? > 0)
    }

    // ------------------------------------------------------------ schedules

    pub fn schedules(&self) -> R<Vec<(String, String)>> {
        #[derive(Deserialize)]
        struct Row {
            scope: String,
            spec: String,
        }
        let rows: Vec<Row> = self.rows("SELECT scope, spec FROM schedules", vec![])?;
        Ok(rows.into_iter().map(|r| (r.scope, r.spec)).collect())
    }

    pub fn put_schedule(&self, scope: &str, spec: &str) -> R<()> {
        self.run(
            "INSERT INTO schedules (scope, spec) VALUES (?, ?) ON CONFLICT(scope) DO UPDATE SET spec = excluded.spec",
            vec![scope.into(), spec.into()],
        )
        .map(|_| ())
    }

    pub fn delete_schedule(&self, scope: &str) -> R<()> {
        self.run("DELETE FROM schedules WHERE scope = ?", vec![scope.into()])
            .map(|_| ())
    }

    // ------------------------------------------------------------ sessions

    pub fn sessions(&self) -> R<Vec<SessionRow>> {
        self.rows(
            "SELECT agent_id, session_id, kind, last_seen_ms FROM sessions",
            vec![],
        )
    }

    pub fn session_count(&self, agent: &str, kind: &str) -> R<usize> {
        self.count(
            "SELECT COUNT(*) AS n FROM sessions WHERE agent_id = ? AND kind = ?",
            vec![agent.into(), kind.into()],
        )
    }

    pub fn session_exists(&self, agent: &str, session: &str) -> R<bool> {
        self.count(
            "SELECT COUNT(*) AS n FROM sessions WHERE agent_id = ? AND session_id = ?",
            vec![agent.into(), session.into()],
        )
        .map(|n| n > 0)
    }

    /// Creates the session or moves its last sign of life forward.
    pub fn touch_session(&self, agent: &str, session: &str, kind: &str, seen: i64) -> R<()> {
        self.run(
            "INSERT INTO sessions (agent_id, session_id, kind, last_seen_ms, created_ms) VALUES (?, ?, ?, ?, ?)
             ON CONFLICT(agent_id, session_id) DO UPDATE SET last_seen_ms = MAX(last_seen_ms, excluded.last_seen_ms)",
            vec![agent.into(), session.into(), kind.into(), seen.into(), seen.into()],
        )
        .map(|_| ())
    }

    /// Moves an existing session's last sign of life forward (never
    /// creates); returns whether it did.
    pub fn bump_session(&self, agent: &str, session: &str, seen: i64) -> R<bool> {
        self.run(
            "UPDATE sessions SET last_seen_ms = ? WHERE agent_id = ? AND session_id = ? AND last_seen_ms < ?",
            vec![seen.into(), agent.into(), session.into(), seen.into()],
        )
        .map(|n| n > 0)
    }

    pub fn delete_session(&self, agent: &str, session: &str) -> R<bool> {
        self.run(
            "DELETE FROM sessions WHERE agent_id = ? AND session_id = ?",
            vec![agent.into(), session.into()],
        )
        .map(|n| n > 0)
    }

    // ------------------------------------------------------------ broadcasts

    pub fn broadcasts(&self) -> R<HashMap<String, String>> {
        let rows: Vec<Payload> = self.rows("SELECT key, payload FROM last_broadcast", vec![])?;
        Ok(rows.into_iter().map(|p| (p.key, p.payload)).collect())
    }

    pub fn save_broadcast(&self, key: &str, payload: &str) -> R<()> {
        self.run(
            "INSERT INTO last_broadcast (key, payload) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET payload = excluded.payload",
            vec![key.into(), payload.into()],
        )
        .map(|_| ())
    }

    pub fn delete_broadcast(&self, key: &str) -> R<()> {
        self.run("DELETE FROM last_broadcast WHERE key = ?", vec![key.into()])
            .map(|_| ())
    }

    // ------------------------------------------------------------ counters

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
        let rows: Vec<NameValue> = self.rows("SELECT name, value FROM counters", vec![])?;
        Ok(rows.into_iter().map(|r| (r.name, r.value)).collect())
    }
}
