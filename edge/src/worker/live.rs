//! `GET live` (and the status lookups the cache misses): a widget's socket
//! goes to a relay of its site near the
//! visitor (see `relaying`), never to the site's object: the region from
//! the visitor's continent (`request.cf`), the first shard of that region
//! with room: a full relay names the region's first shard with room (from
//! the counts relays report to the site), so a socket makes two hops at
//! most in the usual case. Each isolate remembers the shard that last had
//! room, so a full relay is asked once per isolate, not once per socket.
//!
//! `VISITOR_SOCKETS = "site"` keeps them on the site's object instead (the
//! single-object figures in `cargo xtask bench` are measured so).

use super::forward;
use crate::domain::context::{self, GEO_HEADER};
use crate::error::ApiError;
use crate::objects;
use crate::relay::{RELAY_FULL_HEADER, RELAY_HEADER};
use crate::relaying::{Region, RelayName, MAX_SHARDS};
use crate::route::{Forwarded, FORWARDED_HEADER};
use presenza_protocol::{GroupId, SiteId};
use std::cell::RefCell;
use std::collections::HashMap;
use worker::{Env, Headers, Request, RequestInit, Response};

/// Relays one widget socket may be offered to before it is refused.
const MAX_HOPS: usize = 16;

thread_local! {
    /// (site, region) → the shard that last had room.
    static OPEN_SHARD: RefCell<HashMap<(String, Region), u16>> = RefCell::new(HashMap::new());
}

/// Whether widget sockets stay on the site's object (`VISITOR_SOCKETS`).
fn on_site(env: &Env) -> bool {
    env.var("VISITOR_SOCKETS")
        .map(|v| v.to_string().trim() == "site")
        .unwrap_or(false)
}

/// The visitor's region, from their continent (`Local` without one).
/// `request.cf`'s country and city for the socket's holder (empty when
/// the platform gave none: locally `wrangler dev` may give none).
pub fn geo(req: &Request) -> String {
    let cf = req.cf();
    context::geo_header(
        cf.as_ref().and_then(|c| c.country()).as_deref(),
        cf.as_ref().and_then(|c| c.city()).as_deref(),
    )
}

fn region(req: &Request) -> Region {
    Region::of_continent(req.cf().and_then(|cf| cf.continent()).as_deref())
}

/// A status lookup the cache missed: the region's first relay answers it
/// from its snapshot (or the site's object, with `VISITOR_SOCKETS=site`).
pub async fn status_origin(
    env: &Env,
    req: &Request,
    site: &SiteId,
    group: Option<&GroupId>,
) -> Result<Response, ApiError> {
    let query = group.map(|g| format!("?group={g}")).unwrap_or_default();
    if on_site(env) {
        let url = format!("https://site/internal/status{query}");
        return Ok(objects::site(env, site)?.fetch_with_str(&url).await?);
    }
    let relay = RelayName {
        site: site.clone(),
        region: region(req),
        shard: 0,
    };
    let headers = Headers::new();
    headers.set(RELAY_HEADER, &relay.object_name())?;
    let mut init = RequestInit::new();
    init.with_headers(headers);
    let lookup = Request::new_with_init(&format!("https://relay/internal/status{query}"), &init)?;
    Ok(objects::relay(env, &relay)?
        .fetch_with_request(lookup)
        .await?)
}

pub async fn open(env: &Env, req: Request, forwarded: Forwarded) -> Result<Response, ApiError> {
    if on_site(env) {
        return forward(env, req, None, forwarded).await;
    }
    let region = region(&req);
    let site = forwarded.site.clone();
    let key = (site.to_string(), region);
    let first = OPEN_SHARD.with(|s| s.borrow().get(&key).copied().unwrap_or(0));
    let mut relay = RelayName {
        site,
        region,
        shard: first,
    };
    let mut tried = vec![first];
    loop {
        let resp = objects::relay(env, &relay)?
            .fetch_with_request(relay_request(&req, &forwarded, &relay)?)
            .await?;
        let Some(next) = full_next(&resp) else {
            if relay.shard != first {
                OPEN_SHARD.with(|s| {
                    let mut s = s.borrow_mut();
                    if s.len() > 10_000 {
                        s.clear();
                    }
                    s.insert(key, relay.shard);
                });
            }
            return Ok(resp);
        };
        // A full relay names the shard to try (lower than this one when
        // widgets left since this isolate moved on); never one tried.
        let shard = next
            .filter(|s| !tried.contains(s))
            .or_else(|| Some(relay.shard + 1).filter(|s| !tried.contains(s)))
            .filter(|s| *s < MAX_SHARDS && tried.len() < MAX_HOPS);
        let Some(shard) = shard else {
            return Err(ApiError::too_many_connections(
                "this site has too many live visitors in this region",
            ));
        };
        tried.push(shard);
        relay.shard = shard;
    }
}

/// A full relay's answer: the shard it says to try (`Some(None)`: none).
fn full_next(resp: &Response) -> Option<Option<u16>> {
    if resp.status_code() != 503 {
        return None;
    }
    let next = resp.headers().get(RELAY_FULL_HEADER).ok().flatten()?;
    Some(next.trim().parse().ok())
}

/// The widget's request for `relay`: its headers (Origin, the client's
/// address, the WebSocket handshake) and the parsed operation.
fn relay_request(
    req: &Request,
    forwarded: &Forwarded,
    relay: &RelayName,
) -> Result<Request, ApiError> {
    let headers = Headers::new();
    for (name, value) in req.headers().entries() {
        if !name.eq_ignore_ascii_case(FORWARDED_HEADER)
            && !name.eq_ignore_ascii_case(RELAY_HEADER)
            && !name.eq_ignore_ascii_case(GEO_HEADER)
        {
            headers.append(&name, &value)?;
        }
    }
    headers.set(FORWARDED_HEADER, &forwarded.encode())?;
    headers.set(RELAY_HEADER, &relay.object_name())?;
    headers.set(GEO_HEADER, &geo(req))?;
    let mut init = RequestInit::new();
    init.with_headers(headers);
    Ok(Request::new_with_init(req.url()?.as_str(), &init)?)
}
