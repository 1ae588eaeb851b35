//! Reading a request (Wasm): headers, and a body read to its end before
//! anything else.

use crate::domain::picture::Picture;
use crate::error::ApiError;
use crate::json;
use presenza_protocol::limits::MAX_BODY_BYTES;
use serde::de::DeserializeOwned;
use worker::Request;

/// A header's value, if present and readable.
pub fn header(req: &Request, name: &str) -> Option<String> {
    req.headers().get(name).ok().flatten()
}

/// Whether the request asks for a WebSocket.
pub fn is_upgrade(req: &Request) -> bool {
    header(req, "Upgrade").is_some_and(|v| v.eq_ignore_ascii_case("websocket"))
}

/// A request body, read before anything else: the object must consume what
/// the Worker streams to it even when it answers with an error.
#[derive(Default)]
pub struct Body {
    bytes: Vec<u8>,
    content_type: Option<String>,
    unreadable: bool,
}

impl Body {
    /// Reads the body of an operation that has one; an empty body otherwise.
    pub async fn read(req: &mut Request, has_body: bool) -> Body {
        if !has_body {
            return Body::default();
        }
        let content_type = header(req, "Content-Type");
        let (bytes, unreadable) = match req.bytes().await {
            Ok(b) => (b, false),
            Err(_) => (Vec::new(), true),
        };
        Body {
            bytes,
            content_type,
            unreadable,
        }
    }

    /// The JSON body: 413 beyond the limit, 415 unless application/json.
    pub fn json<T: DeserializeOwned>(&self) -> Result<T, ApiError> {
        self.json_with(&[])
    }

    /// The body as an agent's picture (see [`Picture::parse`]).
    pub fn picture(&self) -> Result<Picture, ApiError> {
        if self.unreadable {
            return Err(ApiError::bad_request(
                "invalid_body",
                "the body could not be read",
            ));
        }
        Picture::parse(self.content_type.as_deref(), self.bytes.clone())
    }

    /// See [`json::parse_object`]: the members in `nested` must be objects.
    pub fn json_with<T: DeserializeOwned>(&self, nested: &[&str]) -> Result<T, ApiError> {
        if self.bytes.len() > MAX_BODY_BYTES {
            return Err(ApiError::PayloadTooLarge);
        }
        if self.unreadable {
            return Err(ApiError::bad_request(
                "invalid_body",
                "the body could not be read",
            ));
        }
        if !json::is_json_content_type(self.content_type.as_deref()) {
            return Err(ApiError::UnsupportedMediaType);
        }
        json::parse_object(&self.bytes, nested)
    }
}
