//! The Worker's caches (best effort): a site's visitor status in the Cache
//! API of each location for up to [`EDGE_TTL_SECS`] (never past its own
//! next change), so most lookups are answered where the visitor is; an
//! agent's picture at its versioned URL, the same way; and a site's
//! allowed origins for pre-flights, per isolate. A forwarded write drops
//! the site's entries here.

use super::{forward, live, shield, stub};
use crate::auth;
use crate::bindings::now_ms;
use crate::cors::{self, Decision};
use crate::domain::picture::{served_headers, IMMUTABLE};
use crate::error::ApiError;
use crate::objects::{
    self, STATUS_ORIGINS_HEADER, STATUS_VALID_UNTIL_HEADER, STATUS_VERSION_HEADER,
};
use crate::request::header;
use crate::respond;
use crate::route::{Forwarded, SiteOp, VisitorOp};
use presenza_protocol::{GroupId, SiteId};
use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;
use worker::{Cache, Env, Headers, Request, Response};

/// How long a location reuses a status without asking again (never past
/// the status's own next change): the worst-case staleness of a lookup, on
/// top of the relay's own (README, "How fresh is a status lookup").
pub const EDGE_TTL_SECS: i64 = 3;
/// Says whether a status answer came from this location's cache.
const CACHE_STATE_HEADER: &str = "X-Presenza-Cache";
/// How long the Worker reuses a site's allowed origins for pre-flights.
const ORIGINS_TTL_MS: i64 = 5000;
const CACHE_MAX_ENTRIES: usize = 10_000;

/// Allowed origins of a site and when to ask again.
type CachedOrigins = (Rc<Vec<String>>, i64);

thread_local! {
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

/// A write reached the site: its origins are asked again.
pub fn forget_site(site: &SiteId) {
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

/// `GET status`: from the Cache API of the location the Worker runs in
/// when fresh, else from the relay of the visitor's region (or the site's
/// object, with `VISITOR_SOCKETS=site`), then cached there for at most
/// [`EDGE_TTL_SECS`] and never past the answer's own next change. The
/// ETag is the status version.
pub async fn status(
    env: &Env,
    site: &SiteId,
    group: Option<&GroupId>,
    req: &Request,
    origin: Option<&str>,
    own_origin: &str,
) -> Result<Response, ApiError> {
    let key = status_key(own_origin, site, group);
    let cache = Cache::default();
    let cached = match cache.get(key.as_str(), false).await {
        Ok(Some(resp)) => Some(Lookup::read(resp).await?),
        Ok(None) => None,
        Err(e) => {
            worker::console_error!("status cache: {e}");
            None
        }
    };
    let hit = cached.is_some();
    let lookup = match cached {
        Some(lookup) => lookup,
        None => {
            let mut resp = live::status_origin(env, req, site, group).await?;
            if resp.status_code() != 200 {
                // An error (unknown site or group), as the object said it.
                let body = resp.text().await?;
                let any = cors::decide(origin, own_origin, None);
                return Ok(respond::json_text(
                    resp.status_code(),
                    body,
                    &any.site_headers(),
                )?);
            }
            let lookup = Lookup::read(resp).await?;
            if let Some(entry) = lookup.for_cache(now_ms())? {
                if let Err(e) = cache.put(key.as_str(), entry).await {
                    worker::console_error!("status cache: {e}");
                }
            }
            lookup
        }
    };
    let decision: Decision = cors::decide(origin, own_origin, Some(&lookup.origins));
    let resp = respond::status_response(
        lookup.body,
        &format!("\"{}\"", lookup.version),
        &decision,
        header(req, "If-None-Match").as_deref(),
    )?;
    // Whether this location's cache answered (benchmarks count hits).
    let cache_state = if hit { "hit" } else { "miss" };
    Ok(respond::with_headers(
        resp,
        &[(CACHE_STATE_HEADER, cache_state.to_string())],
    ))
}

/// A write went through this location: its cached site-wide status is
/// dropped (other locations' and groups' entries expire by themselves).
pub async fn forget_status(own_origin: &str, site: &SiteId) {
    let key = status_key(own_origin, site, None);
    let _ = Cache::default().delete(key.as_str(), false).await;
}

fn status_key(own_origin: &str, site: &SiteId, group: Option<&GroupId>) -> String {
    match group {
        Some(g) => format!("{own_origin}/v1/sites/{site}/status?group={g}"),
        None => format!("{own_origin}/v1/sites/{site}/status"),
    }
}

/// An audience's status as the relay (or the site) answered it.
struct Lookup {
    body: String,
    version: u64,
    origins: Vec<String>,
    valid_until: Option<i64>,
}

impl Lookup {
    async fn read(mut resp: Response) -> Result<Lookup, ApiError> {
        let headers = resp.headers();
        let get = |name| headers.get(name).ok().flatten();
        let version = get(STATUS_VERSION_HEADER)
            .and_then(|v| v.parse().ok())
            .unwrap_or(0);
        let origins = get(STATUS_ORIGINS_HEADER)
            .and_then(|h| serde_json::from_str(&h).ok())
            .unwrap_or_default();
        let valid_until = get(STATUS_VALID_UNTIL_HEADER).and_then(|v| v.parse().ok());
        Ok(Lookup {
            body: resp.text().await?,
            version,
            origins,
            valid_until,
        })
    }

    /// The entry to cache, if the answer stays valid a whole second.
    fn for_cache(&self, now: i64) -> Result<Option<Response>, ApiError> {
        let secs = self.valid_until.map_or(EDGE_TTL_SECS, |t| {
            ((t - now) / 1000).clamp(0, EDGE_TTL_SECS)
        });
        if secs < 1 {
            return Ok(None);
        }
        let mut headers = objects::status_headers(self.version, &self.origins, self.valid_until);
        headers.push(("Cache-Control", format!("public, max-age={secs}")));
        Ok(Some(respond::json_text(200, self.body.clone(), &headers)?))
    }
}

/// How long a location keeps an agent's picture: a changed picture is a
/// new version (a miss here) and a write through this location drops the
/// old one at once; elsewhere the old version's URL may show the old
/// picture this long (README, "Agents' pictures").
const PICTURE_TTL_SECS: u32 = 600;

/// `GET agents/{id}/picture?v=`: the picture at its versioned URL never
/// changes, so this location's Cache API answers it after one miss, and
/// a page of 100,000 widgets showing an agent's picture costs the site's
/// object one request per location and version, not one per visitor.
/// Kept by agent (not by URL) with its version: an old version's URL is a
/// miss the object answers (the current picture, `no-cache`), as without
/// the cache. CORS headers are the site's, decided per request.
pub async fn picture(
    env: &Env,
    req: Request,
    forwarded: Forwarded,
    origin: Option<&str>,
    own_origin: &str,
) -> Result<Response, ApiError> {
    let SiteOp::Visitor(VisitorOp::Picture {
        agent,
        version: Some(version),
    }) = &forwarded.op
    else {
        // The Worker routes only a versioned picture here.
        return Err(ApiError::route_not_found());
    };
    let key = picture_key(own_origin, &forwarded.site, agent.as_str());
    let etag = format!("\"{version}\"");
    let cache = Cache::default();
    let cached = match cache.get(key.as_str(), false).await {
        Ok(found) => found,
        Err(e) => {
            worker::console_error!("picture cache: {e}");
            None
        }
    };
    if let Some(mut hit) = cached {
        let kind = hit.headers().get("Content-Type").ok().flatten();
        let same = hit.headers().get("ETag").ok().flatten().as_deref() == Some(etag.as_str());
        if let (true, Some(kind)) = (same, kind) {
            let bytes = hit.bytes().await?;
            let origins = allowed_origins(env, &forwarded.site).await?;
            let decision = cors::decide(origin, own_origin, Some(&origins));
            let mut headers = served_headers(&etag, IMMUTABLE);
            headers.extend(decision.site_headers());
            headers.push((CACHE_STATE_HEADER, "hit".to_string()));
            if auth::etag_matches(header(&req, "If-None-Match").as_deref(), &etag) {
                return Ok(respond::empty(304, &headers)?);
            }
            headers.push(("Content-Type", kind));
            return Ok(respond::with_headers(
                Response::from_bytes(bytes)?.with_status(200),
                &headers,
            ));
        }
    }
    shield::admit(env, &forwarded.site, &forwarded.op, &req).await?;
    let mut resp = forward(env, req, None, forwarded).await?;
    let answered = resp.headers().get("ETag").ok().flatten();
    let kind = resp.headers().get("Content-Type").ok().flatten();
    let (200, Some(answered), Some(kind)) = (resp.status_code(), answered, kind) else {
        return Ok(resp);
    };
    if answered != etag {
        // An old version's URL: the current picture, revalidated.
        return Ok(resp);
    }
    let bytes = resp.bytes().await?;
    let mut kept = served_headers(&etag, &format!("public, max-age={PICTURE_TTL_SECS}"));
    kept.push(("Content-Type", kind));
    let entry = respond::with_headers(Response::from_bytes(bytes.clone())?, &kept);
    if let Err(e) = cache.put(key.as_str(), entry).await {
        worker::console_error!("picture cache: {e}");
    }
    // The object's answer as it was (its headers are immutable here).
    let headers = Headers::new();
    for (name, value) in resp.headers().entries() {
        headers.set(&name, &value)?;
    }
    headers.set(CACHE_STATE_HEADER, "miss")?;
    Ok(Response::from_bytes(bytes)?.with_headers(headers))
}

/// A picture changed through this location: its cached copy goes.
pub async fn forget_picture(own_origin: &str, site: &SiteId, agent: &str) {
    let key = picture_key(own_origin, site, agent);
    let _ = Cache::default().delete(key.as_str(), false).await;
}

fn picture_key(own_origin: &str, site: &SiteId, agent: &str) -> String {
    format!("{own_origin}/v1/sites/{site}/agents/{agent}/picture")
}
