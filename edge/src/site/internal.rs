//! Calls from the Worker only (`https://site/internal/…`; the Worker never
//! forwards a public URL here): creating the site, the visitor status for
//! its cache, and the allowed origins for pre-flights; and the calls of the
//! site's relays (`relaying`): registering and syncing, leaving, and a
//! widget's forwarded frame; and a reply by e-mail (`mail_in`).

use crate::error::ApiError;
use crate::objects;
use crate::relaying::{ForwardedFrame, Registration};
use crate::request::Body;
use crate::respond;
use crate::route;
use crate::site::presence::Change;
use crate::site::state::Site;
use crate::site::visitor::{self, status};
use crate::tally::Counter;
use presenza_protocol::frame::close;
use presenza_protocol::{GroupId, SiteId};
use presenza_rules::{GracePeriod, HoursMode};
use serde::{Deserialize, Serialize};
use worker::{Request, Response, Url};

/// The internal call that deletes the site (the platform admin's).
pub const DELETE_SITE: &str = "delete";

/// The internal call that names the site (the platform admin's; a
/// `directory::Entry` in, a `SiteSummary` out).
pub const RENAME_SITE: &str = "rename";

/// `init`: what the Worker sends to create a site.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Init {
    pub site_id: SiteId,
    pub owner_key_hash: String,
    pub name: Option<String>,
    pub grace_period_secs: u32,
    pub working_hours_mode: HoursMode,
}

pub async fn serve(
    site: &Site,
    name: &str,
    req: &mut Request,
    url: &Url,
) -> Result<Response, ApiError> {
    match name {
        "init" => init(
            site,
            &Body::read(req, true).await,
            crate::bindings::now_ms(),
        ),
        "status" => {
            let cfg = site.config()?;
            let group = match route::query_param(url.query(), "group").filter(|g| !g.is_empty()) {
                Some(g) => Some(GroupId::parse(g).ok_or_else(|| ApiError::unknown_group(g))?),
                None => None,
            };
            let snap = site.settle(Change::Read, crate::bindings::now_ms()).await?;
            let (payload, next_change) = status::payload(&snap, group.as_ref())?;
            let (version, _) = site.store.published()?;
            Ok(respond::json_text(
                200,
                payload,
                &objects::status_headers(version, &cfg.origins, next_change),
            )?)
        }
        "origins" => respond::json(200, &site.config()?.origins),
        "relay-sync" => {
            let reg: Registration = objects::read(req).await?;
            site.tallies.bump(Counter::RelaySyncs);
            respond::json(200, &site.relays.sync(site, reg).await?)
        }
        "relay-leave" => {
            let reg: Registration = objects::read(req).await?;
            site.relays.leave(site, &reg)?;
            respond::json(200, &serde_json::json!({}))
        }
        "relay-frame" => {
            let fwd: ForwardedFrame = objects::read(req).await?;
            site.tallies.bump(Counter::RelayFrames);
            let now = crate::bindings::now_ms();
            respond::json(200, &visitor::socket::forwarded(site, fwd, now).await?)
        }
        crate::site::mail_in::MAIL_IN => {
            let mail: crate::site::mail_in::MailIn = objects::read(req).await?;
            let now = crate::bindings::now_ms();
            respond::json(200, &crate::site::mail_in::receive(site, mail, now).await?)
        }
        DELETE_SITE => delete(site).await,
        RENAME_SITE => {
            let entry: crate::directory::Entry = objects::read(req).await?;
            let cfg = site.config()?;
            if let Some(name) = &entry.name {
                site.store.meta_set(crate::store::MetaKey::Name, name)?;
                site.config_changed();
            }
            respond::json(
                200,
                &presenza_protocol::view::SiteSummary {
                    site_id: cfg.site_id.clone(),
                    name: entry.name,
                    created_at: cfg.created_ms.into(),
                },
            )
        }
        _ => Err(ApiError::route_not_found()),
    }
}

/// Deletes the site: every socket closed, the alarm and all storage gone;
/// the object then holds no site (404 to everything).
async fn delete(site: &Site) -> Result<Response, ApiError> {
    site.config()?;
    site.relays.site_deleted(site).await?;
    for ws in site.state.get_websockets() {
        let _ = ws.close(Some(close::NORMAL), Some("site deleted"));
    }
    let storage = site.state.storage();
    storage.delete_alarm().await?;
    storage.delete_all().await?;
    site.deleted();
    respond::no_content()
}

/// Creates the site: its tables and its identity.
fn init(site: &Site, body: &Body, now: i64) -> Result<Response, ApiError> {
    let init: Init = body.json()?;
    if site.load_config()?.is_some() {
        return Err(ApiError::conflict(
            "site_exists",
            "this site already exists",
        ));
    }
    let grace = GracePeriod::new(init.grace_period_secs).unwrap_or(GracePeriod::DEFAULT);
    site.store.migrate()?;
    site.store.init_site(
        &init.site_id,
        &init.owner_key_hash,
        init.name.as_deref(),
        grace,
        init.working_hours_mode,
        now,
    )?;
    site.created();
    respond::json(
        201,
        &Created {
            site_id: init.site_id,
        },
    )
}

#[derive(Serialize)]
struct Created {
    site_id: SiteId,
}
