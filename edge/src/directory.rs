//! `DirectoryObject`: the platform's list of sites, one object for the
//! whole deployment (`DIRECTORY`, name `sites`). Only the Worker's platform
//! admin calls reach it (`POST /v1/sites` adds, `PUT` renames, `DELETE`
//! removes, `GET /v1/sites` lists), and a site's object when its owner
//! renames it. A site keeps everything of its own in its own object; this
//! holds only its id, name and creation time. Sites made before the
//! directory existed are not in it (no object can list the others).

use crate::error::ApiError;
use crate::objects;
use crate::respond;
use presenza_protocol::view::{SiteListView, SiteSummary};
use presenza_protocol::SiteId;
use serde::{Deserialize, Serialize};
use worker::{durable_object, DurableObject, Env, Request, Response, SqlStorage, State};

/// The one directory's object name.
pub const DIRECTORY_NAME: &str = "sites";

/// The most sites one list answers (newest first).
const MAX_LISTED: usize = 1000;

/// An entry, as the Worker and the sites send it.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Entry {
    pub site_id: SiteId,
    pub name: Option<String>,
    #[serde(default)]
    pub created_ms: i64,
}

#[durable_object]
pub struct DirectoryObject {
    sql: SqlStorage,
}

#[derive(Deserialize)]
struct Row {
    site_id: String,
    name: Option<String>,
    created_ms: i64,
}

impl DurableObject for DirectoryObject {
    fn new(state: State, _env: Env) -> Self {
        DirectoryObject {
            sql: state.storage().sql(),
        }
    }

    async fn fetch(&self, mut req: Request) -> worker::Result<Response> {
        let url = req.url()?;
        let result = match url.path().strip_prefix("/internal/") {
            Some("add") => match objects::read::<Entry>(&mut req).await {
                Ok(e) => self.add(&e),
                Err(e) => Err(e),
            },
            Some("rename") => match objects::read::<Entry>(&mut req).await {
                Ok(e) => self.rename(&e),
                Err(e) => Err(e),
            },
            Some("remove") => match objects::read::<Entry>(&mut req).await {
                Ok(e) => self.remove(&e.site_id),
                Err(e) => Err(e),
            },
            Some("list") => self.list(),
            _ => Err(ApiError::route_not_found()),
        };
        result.or_else(|e| respond::error(&e, &[]))
    }
}

impl DirectoryObject {
    fn table(&self) -> Result<(), ApiError> {
        self.sql.exec(
            "CREATE TABLE IF NOT EXISTS sites (
                site_id TEXT PRIMARY KEY, name TEXT, created_ms INTEGER NOT NULL)",
            None,
        )?;
        Ok(())
    }

    fn add(&self, e: &Entry) -> Result<Response, ApiError> {
        self.table()?;
        self.sql.exec(
            "INSERT INTO sites (site_id, name, created_ms) VALUES (?, ?, ?)
             ON CONFLICT(site_id) DO UPDATE SET name = excluded.name",
            Some(vec![
                e.site_id.as_str().into(),
                e.name.clone().into(),
                e.created_ms.into(),
            ]),
        )?;
        respond::json(200, &serde_json::json!({}))
    }

    /// A site's new name; a site the directory does not hold stays out.
    fn rename(&self, e: &Entry) -> Result<Response, ApiError> {
        self.table()?;
        self.sql.exec(
            "UPDATE sites SET name = ? WHERE site_id = ?",
            Some(vec![e.name.clone().into(), e.site_id.as_str().into()]),
        )?;
        respond::json(200, &serde_json::json!({}))
    }

    fn remove(&self, site: &SiteId) -> Result<Response, ApiError> {
        self.table()?;
        self.sql.exec(
            "DELETE FROM sites WHERE site_id = ?",
            Some(vec![site.as_str().into()]),
        )?;
        respond::json(200, &serde_json::json!({}))
    }

    fn list(&self) -> Result<Response, ApiError> {
        self.table()?;
        let rows: Vec<Row> = self
            .sql
            .exec(
                &format!(
                    "SELECT site_id, name, created_ms FROM sites
                     ORDER BY created_ms DESC, site_id LIMIT {MAX_LISTED}"
                ),
                None,
            )?
            .to_array()?;
        let sites = rows
            .into_iter()
            .filter_map(|r| {
                Some(SiteSummary {
                    site_id: SiteId::parse(&r.site_id)?,
                    name: r.name,
                    created_at: r.created_ms.into(),
                })
            })
            .collect();
        respond::json(200, &SiteListView { sites })
    }
}
