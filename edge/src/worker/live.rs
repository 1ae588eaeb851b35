//! `GET live`: a widget's socket goes to a relay of its site near the
//! visitor (see `relaying`), never to the site's object: the region from
//! the visitor's continent (`request.cf`), the first shard of that region
//! with room. Each isolate remembers the shard that last had room, so a
//! full relay is asked once per isolate, not once per socket.
//!
//! `VISITOR_SOCKETS = "site"` keeps them on the site's object instead (the
//! single-object figures in `cargo xtask bench` are measured so).

use super::forward;
use crate::error::ApiError;
use crate::objects;
use crate::relay::{RELAY_FULL_HEADER, RELAY_HEADER};
use crate::relaying::{Region, RelayName};
use crate::route::{Forwarded, FORWARDED_HEADER};
use std::cell::RefCell;
use std::collections::HashMap;
use worker::{Env, Headers, Request, RequestInit, Response};

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

pub async fn open(env: &Env, req: Request, forwarded: Forwarded) -> Result<Response, ApiError> {
    if on_site(env) {
        return forward(env, req, None, forwarded).await;
    }
    let region = Region::of_continent(req.cf().and_then(|cf| cf.continent()).as_deref());
    let site = forwarded.site.clone();
    let key = (site.to_string(), region);
    let first = OPEN_SHARD.with(|s| s.borrow().get(&key).copied().unwrap_or(0));
    let mut relay = RelayName {
        site,
        region,
        shard: first,
    };
    loop {
        let resp = objects::relay(env, &relay)?
            .fetch_with_request(relay_request(&req, &forwarded, &relay)?)
            .await?;
        if resp.status_code() != 503 || !is_full(&resp) {
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
        }
        relay = relay.next_shard().ok_or_else(|| {
            ApiError::too_many_connections("this site has too many live visitors in this region")
        })?;
    }
}

fn is_full(resp: &Response) -> bool {
    resp.headers()
        .get(RELAY_FULL_HEADER)
        .ok()
        .flatten()
        .is_some()
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
        if !name.eq_ignore_ascii_case(FORWARDED_HEADER) && !name.eq_ignore_ascii_case(RELAY_HEADER)
        {
            headers.append(&name, &value)?;
        }
    }
    headers.set(FORWARDED_HEADER, &forwarded.encode())?;
    headers.set(RELAY_HEADER, &relay.object_name())?;
    let mut init = RequestInit::new();
    init.with_headers(headers);
    Ok(Request::new_with_init(req.url()?.as_str(), &init)?)
}
