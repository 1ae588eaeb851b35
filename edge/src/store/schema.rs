//! The tables, and the migrations of stores made by earlier versions. Every
//! statement is `CREATE … IF NOT EXISTS`, safe to run on every start.

use super::{Store, R};
use serde::Deserialize;

/// 2: conversations (visitors, conversations, messages, reads, agent_rates).
/// 3: conversations can be closed and reopened (state, closed_at,
/// closed_by_*; a visitor may have several, at most one open): a schema-2
/// table is rebuilt on start ([`MIGRATE_V2`]), nothing is lost; messages
/// gain `kind` (schema 2's system messages become `auto_reply`).
/// 4: conversations carry their list key as generated columns (`k_*`), and
/// lists, pages and counts read indexes on it: their cost no longer grows
/// with the site's history ([`MIGRATE_LIST_KEY`]).
/// 5: working hours have a mode (issue 17): `meta.working_hours_mode`,
/// `schedules.mode`, `agents.set_by` ([`Store::migrate_hours`]: a site
/// stored before keeps acting as a gate, written so).
/// 6: signed-in devices: a session's device, when an agent's last session
/// ended and the agent's e-mail address ([`MIGRATE_DEVICES`]).
/// 7: the audiences' status history (issue 15): `status_history`, and
/// conversations indexed by their start (`conversations_by_start`) for the
/// insights of a period ([`MIGRATE_HISTORY`]: new table and index only; a
/// store made before begins its history with its next change).
/// 8: webhooks (issue 15): `webhook_queue`, `webhook_results` (new tables
/// only, made by [`SCHEMA`] on start).
/// 9: alerts (issue 15): `alert_episodes` (new table, made by [`SCHEMA`]),
/// and `mail_queue.note`, what an alert e-mail says ([`MIGRATE_ALERTS`]).
/// 10: assignment (issue 14): conversations carry their assignee
/// (`assignee_id`, `assignee_name`, indexed for the inbox's "assigned to
/// me" / "unassigned"), messages the name a system message is about
/// (`subject`) ([`MIGRATE_ASSIGN_CONVERSATIONS`]: columns added, nothing rewritten; every
/// conversation stored before is unassigned).
/// 11: agents' pictures (issue 14): `agent_pictures` (a new table only, made
/// by [`SCHEMA`] on start; agents' and messages' queries read it, so it
/// must exist before the first of them).
/// 12: working hours as they were (issue 15): `hours_versions`, each
/// save or removal of a scope's hours from its instant on; a store made
/// before starts with its hours of then in force since 0
/// ([`MIGRATE_HOURS_VERSIONS`]).
pub const SCHEMA_VERSION: i64 = 12;

/// The list key of a conversation: its place in the rules' list order
/// (`ListKey`), as three ascending values: closed last, waiting first, most
/// recent first (then by id). Virtual generated columns, computed by SQLite
/// on read (no write can forget them) and indexed (`conversations_list*`).
macro_rules! k_closed {
    () => {
        "k_closed INTEGER GENERATED ALWAYS AS (state = 'closed') VIRTUAL"
    };
}
macro_rules! k_wait {
    () => {
        "k_wait INTEGER GENERATED ALWAYS AS
          (-(state = 'open' AND last_visitor_seq > last_agent_seq)) VIRTUAL"
    };
}
macro_rules! k_time {
    () => {
        "k_time INTEGER GENERATED ALWAYS AS
          (-(CASE WHEN state = 'open' THEN updated_at ELSE COALESCE(closed_at, 0) END)) VIRTUAL"
    };
}

/// The columns of `conversations`, written once for the table and for the
/// schema-2 rebuild ([`MIGRATE_V2`]).
macro_rules! conversation_columns {
    () => {
        concat!(
            "id TEXT PRIMARY KEY, visitor_id TEXT NOT NULL, grp TEXT,
            created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL,
            last_seq INTEGER NOT NULL DEFAULT 0, last_visitor_seq INTEGER NOT NULL DEFAULT 0,
            last_agent_seq INTEGER NOT NULL DEFAULT 0, busy_reply_sent INTEGER NOT NULL DEFAULT 0,
            state TEXT NOT NULL DEFAULT 'open', closed_at INTEGER, closed_by_id TEXT,
            closed_by_name TEXT, assignee_id TEXT, assignee_name TEXT, ",
            k_closed!(),
            ", ",
            k_wait!(),
            ", ",
            k_time!()
        )
    };
}

const SCHEMA: &[&str] = &[
    // Site settings and identity: see `MetaKey`.
    "CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
    "CREATE TABLE IF NOT EXISTS groups (id TEXT PRIMARY KEY, name TEXT NOT NULL, created_ms INTEGER NOT NULL)",
    // groups: JSON array of group ids; status: the chosen `Status`, set_by
    // who chose it (`ChosenBy`: 'manual', or 'working_hours' when a switch
    // schedule's choice was kept before its configuration changed).
    "CREATE TABLE IF NOT EXISTS agents (
        id TEXT PRIMARY KEY, name TEXT NOT NULL, groups TEXT NOT NULL,
        token_hash TEXT NOT NULL UNIQUE, status TEXT NOT NULL, message TEXT,
        back_at_ms INTEGER, set_at_ms INTEGER NOT NULL, created_ms INTEGER NOT NULL,
        set_by TEXT NOT NULL, left_ms INTEGER, email TEXT)",
    // scope: `Scope` ("site" or "g:<group>"); spec: the ScheduleSpec JSON;
    // mode: a group's own hours' `HoursMode`; NULL for the site's, whose
    // mode is `meta.working_hours_mode`.
    "CREATE TABLE IF NOT EXISTS schedules (scope TEXT PRIMARY KEY, spec TEXT NOT NULL, mode TEXT)",
    // kind: `SessionKind` ('ws': a device socket; 'http': heartbeats / status calls).
    "CREATE TABLE IF NOT EXISTS sessions (
        agent_id TEXT NOT NULL, session_id TEXT NOT NULL, kind TEXT NOT NULL,
        last_seen_ms INTEGER NOT NULL, created_ms INTEGER NOT NULL, device_id TEXT,
        PRIMARY KEY (agent_id, session_id))",
    "CREATE TABLE IF NOT EXISTS devices (
        id TEXT PRIMARY KEY, agent_id TEXT NOT NULL, name TEXT NOT NULL,
        token_hash TEXT NOT NULL UNIQUE, created_ms INTEGER NOT NULL,
        last_used_ms INTEGER NOT NULL)",
    "CREATE INDEX IF NOT EXISTS devices_by_agent ON devices (agent_id, last_used_ms)",
    // conversation_id: the conversation an e-mail is about, or for an
    // alert its episode (`store::mail`); note: what an alert e-mail says.
    "CREATE TABLE IF NOT EXISTS mail_queue (
        kind TEXT NOT NULL, conversation_id TEXT NOT NULL, due_at INTEGER NOT NULL,
        after_seq INTEGER NOT NULL DEFAULT 0, note TEXT,
        PRIMARY KEY (kind, conversation_id))",
    "CREATE INDEX IF NOT EXISTS mail_queue_due ON mail_queue (due_at)",
    "CREATE TABLE IF NOT EXISTS mail_optout (address TEXT PRIMARY KEY, at INTEGER NOT NULL)",
    // What each audience / agent was last told (`fanout::BroadcastKey` and
    // its fingerprint), so a wake after hibernation never re-sends an
    // unchanged status.
    "CREATE TABLE IF NOT EXISTS last_broadcast (key TEXT PRIMARY KEY, payload TEXT NOT NULL)",
    // Diagnostics (`tally::Counters`): stored alongside other writes, not per event.
    "CREATE TABLE IF NOT EXISTS counters (name TEXT PRIMARY KEY, value INTEGER NOT NULL)",
    // Conversations. secret_hash: SHA-256 (hex) of the visitor's secret;
    // name/email: the contact details given last; rate_*: the rules'
    // RateWindow.
    "CREATE TABLE IF NOT EXISTS visitors (
        id TEXT PRIMARY KEY, secret_hash TEXT NOT NULL, name TEXT, email TEXT,
        created_at INTEGER NOT NULL,
        rate_window_start INTEGER NOT NULL DEFAULT 0, rate_count INTEGER NOT NULL DEFAULT 0)",
    // Where a visitor who wrote is and what they use (`domain::context`),
    // one row per visitor, gone with the visitor.
    "CREATE TABLE IF NOT EXISTS visitor_context (
        visitor_id TEXT PRIMARY KEY, page TEXT, wrote_from TEXT, referrer TEXT,
        browser TEXT, os TEXT, country TEXT, city TEXT, time_zone TEXT, at INTEGER NOT NULL)",
    // A visitor's conversations: at most one open (the partial unique index);
    // closing one (state 'closed', closed_* set) lets the visitor's next
    // message start another. grp fixed by its first message (NULL: the
    // whole site) or a transfer; assignee_*: the agent assigned (NULL:
    // nobody). last_*_seq: 0 = none; system messages are neither.
    concat!(
        "CREATE TABLE IF NOT EXISTS conversations (",
        conversation_columns!(),
        ")"
    ),
    // The inbox in list order: the whole site's, and one group's.
    "CREATE INDEX IF NOT EXISTS conversations_list ON conversations (k_closed, k_wait, k_time, id)",
    "CREATE INDEX IF NOT EXISTS conversations_list_by_group
        ON conversations (grp, k_closed, k_wait, k_time, id)",
    // Superseded by the two above.
    "DROP INDEX IF EXISTS conversations_by_update",
    "DROP INDEX IF EXISTS conversations_by_group",
    "CREATE INDEX IF NOT EXISTS conversations_by_visitor ON conversations (visitor_id, state)",
    "CREATE UNIQUE INDEX IF NOT EXISTS conversations_open_visitor ON conversations (visitor_id)
        WHERE state = 'open'",
    CONVERSATIONS_BY_ASSIGNEE,
    // client_key: `domain::message::ClientKey` (the client id qualified by
    // its sender), so each sender's retries are idempotent. kind: a system
    // message's `MessageKind`; NULL for visitor and agent messages; subject:
    // the name an `assigned` / `transferred` one is about. A
    // message is never lost once acknowledged: it is inserted (with its
    // conversation's new counters) in one transaction before any answer or
    // push, and UNIQUE(conversation_id, client_key) keeps a retried client
    // id from ever becoming a second row.
    "CREATE TABLE IF NOT EXISTS messages (
        conversation_id TEXT NOT NULL, seq INTEGER NOT NULL,
        client_key TEXT NOT NULL, client_id TEXT NOT NULL,
        sender TEXT NOT NULL, agent_id TEXT, agent_name TEXT,
        text TEXT NOT NULL, at INTEGER NOT NULL, kind TEXT, subject TEXT,
        PRIMARY KEY (conversation_id, seq), UNIQUE (conversation_id, client_key))",
    "CREATE TABLE IF NOT EXISTS reads (
        conversation_id TEXT NOT NULL, agent_id TEXT NOT NULL, read_seq INTEGER NOT NULL,
        PRIMARY KEY (conversation_id, agent_id))",
    "CREATE TABLE IF NOT EXISTS agent_rates (
        agent_id TEXT PRIMARY KEY, window_start INTEGER NOT NULL, count INTEGER NOT NULL)",
    // What visitors have started lately, per client address (`key`: the
    // address hashed with the site id, never the address itself) and for
    // the whole site (`key` = 'site'): the rules' RateWindow.
    "CREATE TABLE IF NOT EXISTS address_windows (
        key TEXT PRIMARY KEY, window_start INTEGER NOT NULL, count INTEGER NOT NULL)",
    // Relays holding this site's widget sockets (`relaying`): the snapshot
    // version each acknowledged, and where visitors' conversation sockets
    // on relays are.
    "CREATE TABLE IF NOT EXISTS relays (
        name TEXT PRIMARY KEY, acked INTEGER NOT NULL, registered_ms INTEGER NOT NULL,
        sockets INTEGER NOT NULL DEFAULT 0)",
    "CREATE TABLE IF NOT EXISTS visitor_routes (
        visitor_id TEXT NOT NULL, relay TEXT NOT NULL, PRIMARY KEY (visitor_id, relay))",
    STATUS_HISTORY,
    CONVERSATIONS_BY_START,
    HOURS_VERSIONS,
    // Webhook deliveries waiting, per endpoint in `seq` order
    // (`store::webhooks`), and each endpoint's last attempt.
    "CREATE TABLE IF NOT EXISTS webhook_queue (
        seq INTEGER PRIMARY KEY AUTOINCREMENT, endpoint TEXT NOT NULL, delivery TEXT NOT NULL,
        event TEXT NOT NULL, body TEXT NOT NULL, due_at INTEGER NOT NULL,
        attempts INTEGER NOT NULL DEFAULT 0)",
    "CREATE INDEX IF NOT EXISTS webhook_queue_by_endpoint ON webhook_queue (endpoint, seq)",
    "CREATE TABLE IF NOT EXISTS webhook_results (
        endpoint TEXT PRIMARY KEY, at INTEGER NOT NULL, ok INTEGER NOT NULL,
        status INTEGER, error TEXT)",
    // Alert episodes open now (`store::alerts`): subject 'site', 'g:<group>'
    // or 'c:<conversation>'; since: when its condition began to hold.
    "CREATE TABLE IF NOT EXISTS alert_episodes (
        subject TEXT PRIMARY KEY, since INTEGER NOT NULL, opened_at INTEGER NOT NULL)",
    // An agent's picture (`store::pictures`): content_type one of
    // `PictureKind`, version its content hash, bytes as uploaded.
    "CREATE TABLE IF NOT EXISTS agent_pictures (
        agent_id TEXT PRIMARY KEY, content_type TEXT NOT NULL, version TEXT NOT NULL,
        bytes BLOB NOT NULL, updated_ms INTEGER NOT NULL)",
];

/// Each audience's status changes (`store::history`): aud '' for the
/// whole site, else the group id; status, reason and cause as codes
/// (`history::codes`); agent: the agent whose doing it was. One row per
/// audience and millisecond, clustered by audience and time (a period is
/// one range of the primary key).
const STATUS_HISTORY: &str = "CREATE TABLE IF NOT EXISTS status_history (
        aud TEXT NOT NULL, at INTEGER NOT NULL, status INTEGER NOT NULL,
        reason INTEGER NOT NULL, cause INTEGER, agent TEXT,
        PRIMARY KEY (aud, at)) WITHOUT ROWID";
/// An agent's assigned conversations (and the unassigned ones, NULL) in
/// list order: the inbox's `?assigned=`.
const CONVERSATIONS_BY_ASSIGNEE: &str = "CREATE INDEX IF NOT EXISTS conversations_by_assignee
        ON conversations (assignee_id, k_closed, k_wait, k_time, id)";
/// Each scope's working hours from an instant on (`store::hours_versions`):
/// scope as in `schedules`, spec the `ScheduleSpec` JSON (NULL: none).
const HOURS_VERSIONS: &str = "CREATE TABLE IF NOT EXISTS hours_versions (
        scope TEXT NOT NULL, at INTEGER NOT NULL, spec TEXT,
        PRIMARY KEY (scope, at)) WITHOUT ROWID";
/// Conversations started in a period (insights).
const CONVERSATIONS_BY_START: &str =
    "CREATE INDEX IF NOT EXISTS conversations_by_start ON conversations (created_at)";

/// Schema 2 → 3: schema 2 allowed one conversation per visitor
/// (`visitor_id … UNIQUE`) and had no state. SQLite cannot drop a UNIQUE
/// constraint, so the table is rebuilt: every row copied as an open
/// conversation, within the same synchronous event (one implicit
/// transaction). Messages, reads and visitors are separate tables and are
/// not touched. Runs before [`SCHEMA`] (whose indexes need `state`).
const MIGRATE_V2: &[&str] = &[
    "DROP TABLE IF EXISTS conversations_v3",
    concat!(
        "CREATE TABLE conversations_v3 (",
        conversation_columns!(),
        ")"
    ),
    "INSERT INTO conversations_v3 (id, visitor_id, grp, created_at, updated_at, last_seq,
        last_visitor_seq, last_agent_seq, busy_reply_sent, state)
     SELECT id, visitor_id, grp, created_at, updated_at, last_seq, last_visitor_seq,
        last_agent_seq, busy_reply_sent, 'open' FROM conversations",
    "DROP TABLE conversations",
    "ALTER TABLE conversations_v3 RENAME TO conversations",
];

/// Schema 2 → 3, messages: schema 2 had no `kind`; its only system
/// messages were busy auto-replies (`sender = 'system'`). A store made by
/// an early schema 3 may hold close notes too (client key `s:closed:…`).
const MIGRATE_MESSAGES: &[&str] = &[
    "ALTER TABLE messages ADD COLUMN kind TEXT",
    "UPDATE messages SET kind = CASE WHEN client_key LIKE 's:closed:%' THEN 'closed'
        ELSE 'auto_reply' END WHERE sender = 'system' AND kind IS NULL",
];

/// Schema 3 → 4: the list key columns, added to the table as it is
/// (virtual generated columns need no rewrite of the rows).
const MIGRATE_LIST_KEY: &[&str] = &[
    concat!("ALTER TABLE conversations ADD COLUMN ", k_closed!()),
    concat!("ALTER TABLE conversations ADD COLUMN ", k_wait!()),
    concat!("ALTER TABLE conversations ADD COLUMN ", k_time!()),
];

/// Schema 4 → 5, working hours' modes (issue 17). Before them, hours were a
/// gate and every status was chosen by hand: existing group schedules are
/// written `gate`, every agent's status `manual`. (The site's own mode,
/// `meta.working_hours_mode`, is written by [`Store::migrate_hours`].)
const MIGRATE_HOURS_SCHEDULES: &[&str] = &[
    "ALTER TABLE schedules ADD COLUMN mode TEXT",
    "UPDATE schedules SET mode = 'gate' WHERE scope <> 'site' AND mode IS NULL",
];
const MIGRATE_HOURS_AGENTS: &[&str] =
    &["ALTER TABLE agents ADD COLUMN set_by TEXT NOT NULL DEFAULT 'manual'"];

/// Schema 5 → 6: the device of a session (signed-in devices), when an
/// agent's last session ended (the team view's "offline since") and the
/// agent's e-mail address.
const MIGRATE_DEVICES: &[&str] = &[
    "ALTER TABLE sessions ADD COLUMN device_id TEXT",
    "ALTER TABLE agents ADD COLUMN left_ms INTEGER",
    "ALTER TABLE agents ADD COLUMN email TEXT",
];

/// Schema 6 → 7: the status history and the conversations' start index
/// (issue 15). Nothing is rewritten; the history of a site stored before
/// begins with its next change of status.
const MIGRATE_HISTORY: &[&str] = &[STATUS_HISTORY, CONVERSATIONS_BY_START];

/// Schema 8 → 9: queued e-mails carry what an alert e-mail says (NULL for
/// the others).
const MIGRATE_ALERTS: &[&str] = &["ALTER TABLE mail_queue ADD COLUMN note TEXT"];
/// Schema 8/9 → 10: assignment (issue 14). The columns are added to the
/// tables as they are (NULL: unassigned, no subject); the index follows
/// from [`SCHEMA`].
const MIGRATE_ASSIGN_CONVERSATIONS: &[&str] = &[
    "ALTER TABLE conversations ADD COLUMN assignee_id TEXT",
    "ALTER TABLE conversations ADD COLUMN assignee_name TEXT",
];
const MIGRATE_ASSIGN_MESSAGES: &[&str] = &["ALTER TABLE messages ADD COLUMN subject TEXT"];
/// Schema 8 → 12: the hours' versions. What a store holds now is all it
/// knows of its hours: in force since 0 (the insights of every past day
/// use them, as they did before).
const MIGRATE_HOURS_VERSIONS: &[&str] = &[
    HOURS_VERSIONS,
    "INSERT OR IGNORE INTO hours_versions (scope, at, spec) SELECT scope, 0, spec FROM schedules",
];

impl Store {
    /// Whether this object holds a site (never creates anything).
    pub fn has_schema(&self) -> R<bool> {
        self.count(
            "SELECT COUNT(*) AS n FROM sqlite_master WHERE type = 'table' AND name = 'meta'",
            vec![],
        )
        .map(|n| n > 0)
    }

    /// Brings the store to [`SCHEMA_VERSION`]; safe on every start.
    pub fn migrate(&self) -> R<()> {
        self.migrate_conversations()?;
        self.migrate_sessions()?;
        self.migrate_history()?;
        self.migrate_alerts()?;
        self.migrate_assign()?;
        self.migrate_hours_versions()?;
        self.exec_all(SCHEMA)?;
        self.migrate_hours()?;
        self.meta_set(super::MetaKey::SchemaVersion, &SCHEMA_VERSION.to_string())
    }

    /// Working hours' modes for a store made before them (see
    /// [`MIGRATE_HOURS_SCHEDULES`]); no-op for a new site or a migrated
    /// one. A site stored before them keeps acting as it did: its mode is
    /// written `gate`, never left to a default. (A new site is created
    /// after this runs, with no site id yet, and gets its mode from
    /// `init_site`.)
    fn migrate_hours(&self) -> R<()> {
        if let Some(sql) = self.table_sql("schedules")? {
            if !sql.contains(" mode ") {
                self.exec_all(MIGRATE_HOURS_SCHEDULES)?;
                self.wrote.set(true);
            }
        }
        if let Some(sql) = self.table_sql("agents")? {
            if !sql.contains("set_by") {
                self.exec_all(MIGRATE_HOURS_AGENTS)?;
                self.wrote.set(true);
            }
        }
        if self.meta_get(super::MetaKey::SiteId)?.is_some()
            && self.meta_get(super::MetaKey::WorkingHoursMode)?.is_none()
        {
            self.meta_set(
                super::MetaKey::WorkingHoursMode,
                presenza_rules::HoursMode::Gate.as_str(),
            )?;
        }
        Ok(())
    }

    /// The `CREATE TABLE` statement of table `name`, if it exists.
    fn table_sql(&self, name: &str) -> R<Option<String>> {
        #[derive(Deserialize)]
        struct Sql {
            sql: Option<String>,
        }
        let row: Option<Sql> = self.first(
            "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?",
            vec![name.into()],
        )?;
        Ok(row.and_then(|r| r.sql))
    }

    /// Rebuilds a schema-2 conversations table (see [`MIGRATE_V2`]); no-op
    /// for a new site or a migrated one.
    fn migrate_conversations(&self) -> R<()> {
        let Some(sql) = self.table_sql("conversations")? else {
            return Ok(());
        };
        if !sql.contains("closed_at") {
            self.exec_all(MIGRATE_V2)?;
            self.wrote.set(true);
        } else if !sql.contains("k_closed") {
            self.exec_all(MIGRATE_LIST_KEY)?;
            self.wrote.set(true);
        }
        self.migrate_messages()
    }

    /// Adds the schema-6 columns to a store made before them (see
    /// [`MIGRATE_DEVICES`]); no-op for a new site or a migrated one.
    fn migrate_sessions(&self) -> R<()> {
        let Some(sql) = self.table_sql("sessions")? else {
            return Ok(());
        };
        if sql.contains("device_id") {
            return Ok(());
        }
        self.exec_all(MIGRATE_DEVICES)?;
        self.wrote.set(true);
        Ok(())
    }

    /// Adds the schema-7 history to a store made before it (see
    /// [`MIGRATE_HISTORY`]); no-op for a new site or a migrated one (a new
    /// site gets it from [`SCHEMA`]).
    fn migrate_history(&self) -> R<()> {
        if self.table_sql("conversations")?.is_none() || self.table_sql("status_history")?.is_some()
        {
            return Ok(());
        }
        self.exec_all(MIGRATE_HISTORY)?;
        self.wrote.set(true);
        Ok(())
    }

    /// Adds the schema-9 `note` to a mail queue without it (see
    /// [`MIGRATE_ALERTS`]); no-op for a new site or a migrated one.
    fn migrate_alerts(&self) -> R<()> {
        let Some(sql) = self.table_sql("mail_queue")? else {
            return Ok(());
        };
        if sql.contains(" note ") {
            return Ok(());
        }
        self.exec_all(MIGRATE_ALERTS)?;
        self.wrote.set(true);
        Ok(())
    }

    /// Adds the schema-12 hours' versions to a store made before them (see
    /// [`MIGRATE_HOURS_VERSIONS`]); no-op for a new site (it gets the table
    /// from [`SCHEMA`]) or a migrated one.
    fn migrate_hours_versions(&self) -> R<()> {
        if self.table_sql("schedules")?.is_none() || self.table_sql("hours_versions")?.is_some() {
            return Ok(());
        }
        self.exec_all(MIGRATE_HOURS_VERSIONS)?;
        self.wrote.set(true);
        Ok(())
    }

    /// Adds the schema-10 columns to a store made before them (see
    /// [`MIGRATE_ASSIGN_CONVERSATIONS`]); no-op for a new site or a
    /// migrated one. Runs before [`SCHEMA`], whose index needs them.
    fn migrate_assign(&self) -> R<()> {
        if let Some(sql) = self.table_sql("conversations")? {
            if !sql.contains("assignee_id") {
                self.exec_all(MIGRATE_ASSIGN_CONVERSATIONS)?;
                self.wrote.set(true);
            }
        }
        if let Some(sql) = self.table_sql("messages")? {
            if !sql.contains(" subject ") {
                self.exec_all(MIGRATE_ASSIGN_MESSAGES)?;
                self.wrote.set(true);
            }
        }
        Ok(())
    }

    /// Adds `kind` to a messages table without it (see
    /// [`MIGRATE_MESSAGES`]); no-op for a new site or a migrated one.
    fn migrate_messages(&self) -> R<()> {
        let Some(sql) = self.table_sql("messages")? else {
            return Ok(());
        };
        if sql.contains(" kind ") {
            return Ok(());
        }
        self.exec_all(MIGRATE_MESSAGES)?;
        self.wrote.set(true);
        Ok(())
    }
}
