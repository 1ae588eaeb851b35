//! `GET status?group=`: what an audience's visitors are told, with the
//! status version as its ETag (304 on match) and one second of public
//! caching. The Worker answers lookups from the Cache API of its location
//! and, on a miss, asks the visitor's relay (or, with widgets on the site,
//! this object through `internal/status`), which answer the same payload.

use crate::error::ApiError;
use crate::respond;
use crate::site::call::Call;
use crate::site::config::Config;
use crate::site::presence::{Change, Snapshot};
use crate::site::state::Site;
use presenza_protocol::frame;
use presenza_protocol::GroupId;
use worker::Response;

pub async fn get(
    site: &Site,
    cfg: &Config,
    call: &Call<'_>,
    group: Option<&GroupId>,
) -> Result<Response, ApiError> {
    cfg.check_group(group)?;
    let snap = site.settle(Change::Read, call.now).await?;
    let (payload, _) = payload(&snap, group)?;
    let etag = format!("\"{}\"", site.store.published()?.0);
    Ok(respond::status_response(
        payload,
        &etag,
        &call.cors,
        call.header("If-None-Match").as_deref(),
    )?)
}

/// An audience's status as JSON, and when it may change by itself.
pub fn payload(
    snap: &Snapshot,
    group: Option<&GroupId>,
) -> Result<(String, Option<i64>), ApiError> {
    let status = snap
        .audience(group)
        .ok_or_else(|| ApiError::unknown_group(group.map_or("", GroupId::as_str)))?;
    Ok((
        frame::to_text(status),
        status.next_change.map(|t| t.millis()),
    ))
}
