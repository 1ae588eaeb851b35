//! Building HTTP responses (Wasm): JSON bodies of protocol types, errors,
//! extra headers.

use crate::error::ApiError;
use serde::Serialize;
use worker::{Headers, Response};

pub type Extra = Vec<(&'static str, String)>;

/// A JSON response with its text already written.
pub fn json_text(
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

/// A JSON response of a protocol type.
pub fn json<T: Serialize>(status: u16, value: &T) -> Result<Response, ApiError> {
    let body = serde_json::to_string(value).map_err(|e| ApiError::internal(e.to_string()))?;
    Ok(json_text(status, body, &[])?)
}

/// A CSV download (`text/csv`), named `filename`.
pub fn csv(body: String, filename: &str) -> Result<Response, ApiError> {
    let headers = Headers::new();
    headers.set("Content-Type", "text/csv; charset=utf-8")?;
    headers.set(
        "Content-Disposition",
        &format!("attachment; filename=\"{filename}\""),
    )?;
    headers.set("Cache-Control", "no-store")?;
    headers.set("X-Content-Type-Options", "nosniff")?;
    Ok(Response::from_bytes(body.into_bytes())?
        .with_status(200)
        .with_headers(headers))
}

pub fn empty(status: u16, extra: &[(&'static str, String)]) -> worker::Result<Response> {
    let headers = Headers::new();
    for (name, value) in extra {
        headers.set(name, value)?;
    }
    Ok(Response::empty()?.with_status(status).with_headers(headers))
}

/// 204 No Content.
pub fn no_content() -> Result<Response, ApiError> {
    Ok(empty(204, &[])?)
}

/// The JSON error response; internal errors are logged here.
pub fn error(err: &ApiError, extra: &[(&'static str, String)]) -> worker::Result<Response> {
    if let ApiError::Internal(detail) = err {
        worker::console_error!("internal error: {detail}");
    }
    let mut headers: Extra = err.headers();
    headers.extend(extra.iter().cloned());
    json_text(err.status(), err.body(), &headers)
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
    let mut headers: Extra = decision.site_headers();
    headers.push(("ETag", etag.to_string()));
    headers.push(("Cache-Control", "public, max-age=1".to_string()));
    if crate::auth::etag_matches(if_none_match, etag) {
        return empty(304, &headers);
    }
    json_text(200, payload, &headers)
}

/// An alarm's outcome for the runtime: a failed run is an error, so the
/// runtime runs the alarm again (with backoff).
pub fn alarm_outcome(object: &str, result: Result<(), ApiError>) -> worker::Result<Response> {
    match result {
        Ok(()) => Response::ok(""),
        Err(e) => {
            worker::console_error!("{object} alarm: {e}; the runtime retries it");
            Err(worker::Error::RustError(e.to_string()))
        }
    }
}
