//! The site's SQLite storage (Durable Object SQL API, synchronous): schema,
//! migrations and typed queries, one file per table family. Everything that
//! must survive a restart lives here; the object's memory only holds caches
//! rebuilt from these tables.
//!
//! Rows carry typed values (`AgentId`, `Status`, `Sender`, `SessionKind`...)
//! decoded by serde: a stored value this version cannot read is a
//! [`StoreError::BadValue`] that surfaces (a 500 and a log line), never a
//! silent default that would turn into a wrong answer.

mod agents;
mod alerts;
mod broadcasts;
mod context;
mod conversations;
mod counters;
mod devices;
mod groups;
mod history;
mod hours_versions;
mod mail;
mod messages;
mod meta;
mod onboarding;
mod pictures;
mod reads;
mod relays;
mod retention;
mod schema;
mod sessions;
mod visitors;
mod webhooks;
mod windows;

pub use agents::AgentRow;
pub use alerts::{EpisodeRow, WaitingRow};
pub use conversations::{ConversationRow, InboxQuery, Served};
pub use devices::DeviceRow;
pub use groups::Scope;
pub use mail::{MailKind, MailRow};
pub use messages::MessageRow;
pub use meta::{MetaKey, SiteMeta};
pub use onboarding::Seen;
pub use sessions::{SessionKind, SessionRow};
pub use visitors::VisitorRow;
pub use webhooks::{NewDelivery, WebhookRow};
pub use windows::WindowKey;

use crate::domain::message::{seq, seq_i64};

use serde::de::DeserializeOwned;
use serde::{Deserialize, Deserializer};
use std::cell::Cell;
use std::fmt;
use worker::{SqlStorage, SqlStorageValue as V};

/// Why storage failed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum StoreError {
    /// SQLite refused a statement.
    Sql(String),
    /// A stored value this version cannot read.
    BadValue { what: &'static str, detail: String },
    /// A transaction did not commit.
    Transaction(String),
}

impl fmt::Display for StoreError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StoreError::Sql(e) => write!(f, "storage: {e}"),
            StoreError::BadValue { what, detail } => {
                write!(
                    f,
                    "storage holds a {what} this version cannot read: {detail}"
                )
            }
            StoreError::Transaction(e) => write!(f, "transaction failed: {e}"),
        }
    }
}

impl std::error::Error for StoreError {}

impl From<worker::Error> for StoreError {
    fn from(err: worker::Error) -> Self {
        match err {
            // A row that does not decode into its typed struct.
            worker::Error::SerdeWasmBindgenError(e) => StoreError::BadValue {
                what: "row",
                detail: e.to_string(),
            },
            other => StoreError::Sql(other.to_string()),
        }
    }
}

pub type R<T> = Result<T, StoreError>;

pub struct Store {
    sql: SqlStorage,
    /// A statement wrote rows since [`Store::take_wrote`] last ran.
    wrote: Cell<bool>,
}

impl Store {
    /// The size of the database, in bytes (`GET stats`, benchmarks).
    pub fn database_bytes(&self) -> u64 {
        u64::try_from(self.sql.database_size()).unwrap_or(u64::MAX)
    }

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
        Ok(self.sql.exec(query, Some(bind))?.to_array()?)
    }

    fn first<T: DeserializeOwned>(&self, query: &str, bind: Vec<V>) -> R<Option<T>> {
        Ok(self.rows(query, bind)?.into_iter().next())
    }

    fn run(&self, query: &str, bind: Vec<V>) -> R<usize> {
        let n = self.sql.exec(query, Some(bind))?.rows_written();
        if n > 0 {
            self.wrote.set(true);
        }
        Ok(n)
    }

    fn count(&self, query: &str, bind: Vec<V>) -> R<usize> {
        #[derive(Deserialize)]
        struct Count {
            n: i64,
        }
        let rows: Vec<Count> = self.rows(query, bind)?;
        Ok(rows.first().map(|c| c.n.max(0) as usize).unwrap_or(0))
    }

    /// Runs statements without bindings (schema changes).
    fn exec_all(&self, statements: &[&str]) -> R<()> {
        for statement in statements {
            self.sql.exec(statement, None)?;
        }
        Ok(())
    }
}

/// A column holding JSON text (`agents.groups`).
fn json_text<'de, D: Deserializer<'de>, T: DeserializeOwned>(d: D) -> Result<T, D::Error> {
    let text = String::deserialize(d)?;
    serde_json::from_str(&text).map_err(serde::de::Error::custom)
}

/// An INTEGER column used as a flag.
fn int_bool<'de, D: Deserializer<'de>>(d: D) -> Result<bool, D::Error> {
    Ok(i64::deserialize(d)? != 0)
}

/// Storage failures are internal errors at the HTTP boundary (logged, never
/// shown to clients).
impl From<StoreError> for crate::error::ApiError {
    fn from(err: StoreError) -> Self {
        crate::error::ApiError::internal(err.to_string())
    }
}
