//! The site's relays (`relays`): each registered relay, the snapshot
//! version it acknowledged and its sockets; and where each visitor's
//! authenticated widget sockets on relays are (`visitor_routes`), so their
//! conversation's frames reach them.

use super::{MetaKey, Store, StoreError, R};
use crate::relaying::RelayName;
use presenza_protocol::VisitorId;
use serde::Deserialize;

#[derive(Clone, Debug)]
pub struct RelayRow {
    pub name: RelayName,
    /// The snapshot version it acknowledged last.
    pub acked: u64,
    /// Its open sockets, as it last said.
    pub sockets: u64,
}

fn bad_name(name: String) -> StoreError {
    StoreError::BadValue {
        what: "relay name",
        detail: name,
    }
}

fn int(v: u64) -> i64 {
    i64::try_from(v).unwrap_or(i64::MAX)
}

impl Store {
    fn meta_text(&self, key: &str) -> R<Option<String>> {
        #[derive(Deserialize)]
        struct Row {
            value: String,
        }
        let row: Option<Row> =
            self.first("SELECT value FROM meta WHERE key = ?", vec![key.into()])?;
        Ok(row.map(|r| r.value))
    }

    /// The last snapshot version published (0: never) and its content key.
    pub fn published(&self) -> R<(u64, Option<String>)> {
        let version = match self.meta_text("publish_version")? {
            None => 0,
            Some(v) => v.parse().map_err(|_| StoreError::BadValue {
                what: "publish_version",
                detail: v,
            })?,
        };
        Ok((version, self.meta_text("publish_key")?))
    }

    pub fn set_published(&self, version: u64, key: &str) -> R<()> {
        self.meta_set(MetaKey::PublishVersion, &version.to_string())?;
        self.meta_set(MetaKey::PublishKey, key)
    }

    pub fn relays(&self) -> R<Vec<RelayRow>> {
        #[derive(Deserialize)]
        struct Row {
            name: String,
            acked: i64,
            sockets: i64,
        }
        let rows: Vec<Row> = self.rows(
            "SELECT name, acked, sockets FROM relays ORDER BY name",
            vec![],
        )?;
        rows.into_iter()
            .map(|r| {
                Ok(RelayRow {
                    name: RelayName::parse(&r.name).ok_or_else(|| bad_name(r.name.clone()))?,
                    acked: u64::try_from(r.acked).unwrap_or(0),
                    sockets: u64::try_from(r.sockets).unwrap_or(0),
                })
            })
            .collect()
    }

    /// A relay registered (again) with `sockets` open.
    pub fn register_relay(&self, relay: &RelayName, sockets: u64, now: i64) -> R<()> {
        self.run(
            "INSERT INTO relays (name, acked, registered_ms, sockets) VALUES (?, 0, ?, ?)
             ON CONFLICT(name) DO UPDATE SET sockets = excluded.sockets",
            vec![relay.object_name().into(), now.into(), int(sockets).into()],
        )
        .map(|_| ())
    }

    /// A relay left (no sockets): nothing is sent to it any more.
    pub fn deregister_relay(&self, relay: &RelayName) -> R<()> {
        self.run(
            "DELETE FROM relays WHERE name = ?",
            vec![relay.object_name().into()],
        )?;
        self.run(
            "DELETE FROM visitor_routes WHERE relay = ?",
            vec![relay.object_name().into()],
        )
        .map(|_| ())
    }

    /// A relay acknowledged `version` (never moves back) with `sockets`
    /// open.
    pub fn relay_acked(&self, relay: &RelayName, version: u64, sockets: u64) -> R<()> {
        self.run(
            "UPDATE relays SET acked = MAX(acked, ?), sockets = ? WHERE name = ?",
            vec![
                int(version).into(),
                int(sockets).into(),
                relay.object_name().into(),
            ],
        )
        .map(|_| ())
    }

    /// The relays where `visitor` has an authenticated socket.
    pub fn visitor_routes(&self, visitor: &VisitorId) -> R<Vec<RelayName>> {
        #[derive(Deserialize)]
        struct Row {
            relay: String,
        }
        let rows: Vec<Row> = self.rows(
            "SELECT relay FROM visitor_routes WHERE visitor_id = ?",
            vec![visitor.as_str().into()],
        )?;
        rows.into_iter()
            .map(|r| RelayName::parse(&r.relay).ok_or_else(|| bad_name(r.relay)))
            .collect()
    }

    pub fn add_visitor_route(&self, visitor: &VisitorId, relay: &RelayName) -> R<()> {
        self.run(
            "INSERT INTO visitor_routes (visitor_id, relay) VALUES (?, ?) ON CONFLICT DO NOTHING",
            vec![visitor.as_str().into(), relay.object_name().into()],
        )
        .map(|_| ())
    }

    /// The visitor's data was erased.
    pub fn forget_visitor_routes(&self, visitor: &VisitorId) -> R<()> {
        self.run(
            "DELETE FROM visitor_routes WHERE visitor_id = ?",
            vec![visitor.as_str().into()],
        )
        .map(|_| ())
    }

    /// The relay no longer holds a socket of `visitor`.
    pub fn remove_visitor_route(&self, visitor: &VisitorId, relay: &RelayName) -> R<()> {
        self.run(
            "DELETE FROM visitor_routes WHERE visitor_id = ? AND relay = ?",
            vec![visitor.as_str().into(), relay.object_name().into()],
        )
        .map(|_| ())
    }
}
