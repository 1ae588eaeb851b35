//! Building HTTP responses (JSON bodies, errors, extra headers).

use crate::error::ApiError;
use worker::{Headers, Response};

pub type Extra = Vec<(&'static str, String)>;

pub fn json(
    status: u16,
    body: String,
    extra: &[(&'static str, String)],
) -> worker::Result<Response> {
    let headers = Headers::new();
    headers.set("Content-Type", "application/json; charset=utf-8")?;
    headers.set("Cache-Control", "no-store")?;
    // Bodies carry visitor-written text: never let a browser sniff it as HTML.
    headers.set("X-Content-Type-Options", "nosniff")?;
    for (name, value) in extra {
        headers.set(name, value)?;
    }
    Ok(Response::from_bytes(body.into_bytes())?
        .with_status(status)
        .with_headers(headers))
}

pub fn json_value(status: u16, value: &serde_json::Value) -> Result<Response, ApiError> {
    Ok(json(status, value.to_string(), &[])?)
}

pub fn empty(status: u16, extra: &[(&'static str, String)]) -> worker::Result<Response> {
    let headers = Headers::new();
    for (name, value) in extra {
        headers.set(name, value)?;
    }
    Ok(Response::empty()?.with_status(status).with_headers(headers))
}

/// The JSON error response; internal errors are logged here.
pub fn error(err: &ApiError, extra: &[(&'static str, String)]) -> worker::Result<Response> {
    if let ApiError::Internal(detail) = err {
        worker::console_error!("internal error: {detail}");
    }
    let mut headers: Extra = err.headers();
    headers.extend(extra.iter().cloned());
    json(err.status(), err.body(), &headers)
}

/// Adds headers to a response built elsewhere.
pub fn with_headers(mut resp: Response, extra: &[(&'static str, String)]) -> Response {
    for (name, value) in extra {
        // Setting a header only fails on an immutable (forwarded) response;
        // those are rebuilt by the caller when headers must be added.
        let _ = resp.headers_mut().set(name, value);
    }
    resp
}

/// A visitor status answer: ETag, short public caching, CORS, 304 on match.
pub fn status_response(
    payload: String,
    etag: &str,
    decision: &crate::cors::Decision,
    if_none_match: Option<&str>,
) -> worker::Result<Response> {
    let mut headers: Extra = decision.headers();
    headers.push(("ETag", etag.to_string()));
    headers.push(("Cache-Control", "public, max-age=1".to_string()));
    if crate::auth::etag_matches(if_none_match, etag) {
        return empty(304, &headers);
    }
    json(200, payload, &headers)
}
