//! The Worker's per-isolate caches (best effort): a site's visitor status
//! for up to [`STATUS_TTL_MS`] (never past its own next change), and its
//! allowed origins for pre-flights. Most status lookups never reach the
//! site's object; a forwarded write drops the site's entries.

use super::stub;
use crate::auth;
use crate::bindings::now_ms;
use crate::cors::{self, Decision};
use crate::error::ApiError;
use crate::request::header;
use crate::respond;
use crate::site::{ORIGINS_HEADER, VALID_UNTIL_HEADER};
use presenza_protocol::{GroupId, SiteId};
use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;
use worker::{Env, Request, Response};

/// How long the Worker reuses a site's status without asking the object
/// (never past the status's own next change).
const STATUS_TTL_MS: i64 = 1000;
/// How long the Worker reuses a site's allowed origins for pre-flights.
const ORIGINS_TTL_MS: i64 = 5000;
const CACHE_MAX_ENTRIES: usize = 10_000;

struct CachedStatus {
    payload: Rc<str>,
    etag: Rc<str>,
    origins: Rc<Vec<String>>,
    expires_ms: i64,
}

/// Allowed origins of a site and when to ask again.
type CachedOrigins = (Rc<Vec<String>>, i64);

thread_local! {
    /// (site, group) → status.
    static STATUS: RefCell<HashMap<(SiteId, Option<GroupId>), CachedStatus>> =
        RefCell::new(HashMap::new());
    /// site → allowed origins.
    static ORIGINS: RefCell<HashMap<SiteId, CachedOrigins>> = RefCell::new(HashMap::new());
}

/// Inserts into a bounded map (cleared when full: entries are cheap to
/// fetch again).
fn insert<K: std::hash::Hash + Eq, V>(map: &mut HashMap<K, V>, key: K, value: V) {
    if map.len() > CACHE_MAX_ENTRIES {
        map.clear();
    }
    map.insert(key, value);
}

/// A write reached the site: its statuses and origins are asked again.
pub fn forget_site(site: &SiteId) {
    STATUS.with(|c| c.borrow_mut().retain(|(s, _), _| s != site));
    ORIGINS.with(|c| c.borrow_mut().remove(site));
}

/// A site's allowed origins (404 for a site that does not exist).
pub async fn allowed_origins(env: &Env, site: &SiteId) -> Result<Rc<Vec<String>>, ApiError> {
    let now = now_ms();
    let cached = ORIGINS.with(|c| {
        c.borrow()
            .get(site)
            .filter(|(_, exp)| now < *exp)
            .map(|(o, _)| o.clone())
    });
    if let Some(origins) = cached {
        return Ok(origins);
    }
    let mut resp = stub(env, site)?
        .fetch_with_str("https://site/internal/origins")
        .await?;
    if resp.status_code() == 404 {
        return Err(ApiError::site_not_found());
    }
    let origins = Rc::new(resp.json::<Vec<String>>().await?);
    ORIGINS.with(|c| {
        insert(
            &mut c.borrow_mut(),
            site.clone(),
            (origins.clone(), now + ORIGINS_TTL_MS),
        );
    });
    Ok(origins)
}

/// `GET status`: from the isolate's cache when fresh, else from the object.
pub async fn status(
    env: &Env,
    site: &SiteId,
    group: Option<&GroupId>,
    req: &Request,
    origin: Option<&str>,
    own_origin: &str,
) -> Result<Response, ApiError> {
    let key = (site.clone(), group.cloned());
    let now = now_ms();
    let hit = STATUS.with(|c| {
        c.borrow()
            .get(&key)
            .filter(|e| now < e.expires_ms)
            .map(|e| (e.payload.clone(), e.etag.clone(), e.origins.clone()))
    });
    let (payload, etag, origins) = match hit {
        Some(hit) => hit,
        None => {
            let url = match group {
                Some(g) => format!("https://site/internal/status?group={g}"),
                None => "https://site/internal/status".to_string(),
            };
            let mut resp = stub(env, site)?.fetch_with_str(&url).await?;
            let code = resp.status_code();
            let origins_header = resp.headers().get(ORIGINS_HEADER)?;
            let valid_until = resp
                .headers()
                .get(VALID_UNTIL_HEADER)?
                .and_then(|v| v.parse::<i64>().ok());
            let body = resp.text().await?;
            if code != 200 {
                // An error from the object (unknown site or group).
                let any = cors::decide(origin, own_origin, None);
                return Ok(respond::json_text(code, body, &any.site_headers())?);
            }
            let origins: Vec<String> = origins_header
                .and_then(|h| serde_json::from_str(&h).ok())
                .unwrap_or_default();
            let payload: Rc<str> = body.into();
            let etag: Rc<str> = auth::etag(payload.as_bytes()).into();
            let origins = Rc::new(origins);
            let expires_ms =
                valid_until.map_or(now + STATUS_TTL_MS, |t| t.min(now + STATUS_TTL_MS));
            STATUS.with(|c| {
                insert(
                    &mut c.borrow_mut(),
                    key,
                    CachedStatus {
                        payload: payload.clone(),
                        etag: etag.clone(),
                        origins: origins.clone(),
                        expires_ms,
                    },
                );
            });
            (payload, etag, origins)
        }
    };
    let decision: Decision = cors::decide(origin, own_origin, Some(&origins));
    Ok(respond::status_response(
        payload.to_string(),
        &etag,
        &decision,
        header(req, "If-None-Match").as_deref(),
    )?)
}
