//! A request body in the Worker, always read to its end (kept only up to
//! the limit): answering before the client finished sending breaks
//! `wrangler dev`'s proxy for the following requests, and the object must
//! never be handed an unread client stream. A body that ends early (the
//! client went away, or sent less than its `Content-Length`) is refused,
//! never handed on as if complete.

use crate::error::ApiError;
use crate::request::header;
use crate::route::SiteOp;
use futures_util::StreamExt;
use presenza_protocol::limits::MAX_BODY_BYTES;
use worker::Request;

pub struct Drained {
    bytes: Vec<u8>,
    too_large: bool,
    truncated: bool,
}

impl Drained {
    /// 413 when the body was over the limit of a JSON body.
    pub fn check(&self) -> Result<(), ApiError> {
        self.check_within(MAX_BODY_BYTES)
    }

    /// 413 when the body was over the limit of `op`.
    pub fn check_for(&self, op: &SiteOp) -> Result<(), ApiError> {
        self.check_within(op.body_limit())
    }

    fn check_within(&self, limit: usize) -> Result<(), ApiError> {
        if self.truncated {
            return Err(ApiError::bad_request(
                "truncated_body",
                "the body ended before its end (less than its Content-Length, or the \
                 connection broke): send it again",
            ));
        }
        if self.too_large {
            return Err(match limit {
                MAX_BODY_BYTES => ApiError::PayloadTooLarge,
                _ => crate::domain::picture::too_large(),
            });
        }
        Ok(())
    }

    pub fn bytes(&self) -> &[u8] {
        &self.bytes
    }

    /// Nothing but whitespace (and complete, within the limit).
    pub fn is_blank(&self) -> bool {
        !self.too_large && !self.truncated && self.bytes.iter().all(u8::is_ascii_whitespace)
    }
}

/// `method` as the runtime received it (any method but GET and HEAD may
/// carry a body, QUERY included).
fn has_body(req: &Request, method: &str) -> bool {
    (method != "GET" && method != "HEAD")
        || header(req, "Content-Length").is_some_and(|l| l.trim() != "0")
        || header(req, "Transfer-Encoding").is_some()
}

/// The body, if the request may have one, kept up to `limit` bytes.
pub async fn read_if_any(req: &mut Request, method: &str, limit: usize) -> Option<Drained> {
    if !has_body(req, method) {
        return None;
    }
    let declared: Option<usize> = header(req, "Content-Length").and_then(|l| l.trim().parse().ok());
    let mut out = Drained {
        bytes: Vec::new(),
        too_large: false,
        truncated: false,
    };
    let Ok(mut stream) = req.stream() else {
        out.truncated = declared.is_some_and(|n| n > 0);
        return Some(out);
    };
    let mut received = 0usize;
    while let Some(chunk) = stream.next().await {
        let Ok(chunk) = chunk else {
            out.truncated = true;
            break;
        };
        received += chunk.len();
        if out.too_large {
            continue;
        }
        if out.bytes.len() + chunk.len() > limit {
            out.too_large = true;
            out.bytes = Vec::new();
        } else {
            out.bytes.extend_from_slice(&chunk);
        }
    }
    if declared.is_some_and(|n| received < n) {
        out.truncated = true;
    }
    Some(out)
}
