//! `GET agents/{id}/picture?v=`: an agent's picture, public (widgets on any
//! allowed origin show it in an `<img>`). Its URL carries its version
//! (`http::agent_picture_path`), so the answer to the current version is
//! cached for good, and a new picture is a new URL that shows at once;
//! without `v` (or with an old one) the current picture is answered with
//! `no-cache` (revalidated by its ETag: 304). 404 `picture_not_found`
//! for an agent without one (clients show initials).

use crate::auth::etag_matches;
use crate::domain::picture::{served_headers, IMMUTABLE, REVALIDATE};
use crate::error::ApiError;
use crate::respond;
use crate::site::call::Call;
use crate::site::state::Site;
use presenza_protocol::AgentId;
use worker::{Headers, Response};

pub fn get(
    site: &Site,
    call: &Call<'_>,
    agent: &AgentId,
    version: Option<&str>,
) -> Result<Response, ApiError> {
    let picture = site.store.picture(agent)?.ok_or_else(|| {
        ApiError::not_found(
            "picture_not_found",
            format!("agent `{agent}` has no picture on this site"),
        )
    })?;
    let etag = format!("\"{}\"", picture.version);
    let cache = if version == Some(picture.version.as_str()) {
        IMMUTABLE
    } else {
        REVALIDATE
    };
    let headers = Headers::new();
    for (name, value) in served_headers(&etag, cache) {
        headers.set(name, &value)?;
    }
    if etag_matches(call.header("If-None-Match").as_deref(), &etag) {
        return Ok(respond::empty(304, &[])?.with_headers(headers));
    }
    headers.set("Content-Type", picture.kind.content_type())?;
    Ok(Response::from_bytes(picture.bytes)?
        .with_status(200)
        .with_headers(headers))
}
