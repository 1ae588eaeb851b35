//! `internal/status?group=`: a status lookup the Worker's cache missed in
//! this region, answered from the snapshot the relay holds (publishes keep
//! it current while the relay holds widgets; without widgets it asks the
//! site when its snapshot is older than [`LOOKUP_FRESH_MS`]).

use super::socket::RELAY_HEADER;
use super::state::Relay;
use crate::bindings::now_ms;
use crate::error::ApiError;
use crate::objects;
use crate::relaying::{RelayName, LOOKUP_FRESH_MS};
use crate::request::header;
use crate::respond;
use crate::route;
use presenza_protocol::GroupId;
use worker::{Request, Response, Url};

pub async fn status(relay: &Relay, req: &Request, url: &Url) -> Result<Response, ApiError> {
    let name = header(req, RELAY_HEADER)
        .and_then(|n| RelayName::parse(&n))
        .ok_or_else(ApiError::route_not_found)?;
    relay.name(Some(&name))?;
    let group = match route::query_param(url.query(), "group").filter(|g| !g.is_empty()) {
        Some(g) => Some(GroupId::parse(g).ok_or_else(|| ApiError::unknown_group(g))?),
        None => None,
    };
    if relay.stale_for_lookup(now_ms(), LOOKUP_FRESH_MS)? {
        if let Err(refused) = relay.sync().await? {
            return Ok(refused);
        }
    }
    let snapshot = relay.snapshot()?;
    let audience = snapshot
        .status(group.as_ref())
        .ok_or_else(|| ApiError::unknown_group(group.as_ref().map_or("", GroupId::as_str)))?;
    Ok(respond::json_text(
        200,
        audience.body.clone(),
        &objects::status_headers(snapshot.version, &snapshot.origins, snapshot.next_change),
    )?)
}
