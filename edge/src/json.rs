//! Request bodies: every body is a JSON object of a protocol type
//! (`presenza_protocol::body`), sent as `application/json`, at most
//! `MAX_BODY_BYTES`. Decoding errors become precise 400s
//! ([`ApiError::from_json`]).

use crate::error::ApiError;
use presenza_protocol::limits::MAX_BODY_BYTES;
use serde::de::DeserializeOwned;

/// Whether a `Content-Type` header says JSON (`application/json`, any params).
pub fn is_json_content_type(header: Option<&str>) -> bool {
    header
        .and_then(|h| h.split(';').next())
        .map(|m| m.trim().eq_ignore_ascii_case("application/json"))
        .unwrap_or(false)
}

/// Parses a request body that must be a JSON object; size and content type
/// are checked by the caller.
pub fn parse_body<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    parse_object(bytes, &[])
}

/// Like [`parse_body`]; the members named in `nested` must be objects (or
/// arrays of objects) when present. serde would otherwise also accept a
/// struct written as an array of its fields.
pub fn parse_object<T: DeserializeOwned>(bytes: &[u8], nested: &[&str]) -> Result<T, ApiError> {
    if bytes.len() > MAX_BODY_BYTES {
        return Err(ApiError::PayloadTooLarge);
    }
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Err(ApiError::bad_request(
            "invalid_json",
            "the body is empty; send a JSON object",
        ));
    }
    let value: serde_json::Value =
        serde_json::from_slice(bytes).map_err(|e| ApiError::from_json(&e))?;
    let Some(object) = value.as_object() else {
        return Err(ApiError::bad_request(
            "invalid_type",
            "the body must be a JSON object",
        ));
    };
    for key in nested {
        let ok = match object.get(*key) {
            Some(serde_json::Value::Array(items)) => items.iter().all(serde_json::Value::is_object),
            // Strings, numbers...: serde reports the precise type error.
            _ => true,
        };
        if !ok {
            return Err(ApiError::bad_request(
                "invalid_type",
                format!("`{key}` must be an object (or a list of objects)"),
            ));
        }
    }
    serde_json::from_value(value).map_err(|e| ApiError::from_json(&e))
}

#[cfg(test)]
mod tests {
    use super::*;
    use presenza_protocol::body::{AgentBody, SettingsBody};

    #[test]
    fn content_types() {
        assert!(is_json_content_type(Some("application/json")));
        assert!(is_json_content_type(Some(
            "Application/JSON; charset=utf-8"
        )));
        assert!(!is_json_content_type(Some("text/plain")));
        assert!(!is_json_content_type(None));
    }

    #[test]
    fn bodies() {
        let b: AgentBody = parse_body(br#"{"name":"Giulia","groups":["sales"]}"#).unwrap();
        assert_eq!(b.groups, vec!["sales"]);
        assert_eq!(
            parse_body::<AgentBody>(b"").unwrap_err().code(),
            "invalid_json"
        );
        assert_eq!(parse_body::<AgentBody>(b"[1]").unwrap_err().status(), 400);
        assert_eq!(
            parse_body::<SettingsBody>(b"[]").unwrap_err().code(),
            "invalid_type"
        );
        assert_eq!(
            parse_body::<SettingsBody>(b"\"x\"").unwrap_err().code(),
            "invalid_type"
        );
        assert!(parse_object::<SettingsBody>(br#"{"widget":["Chat"]}"#, &["widget"]).is_err());
        assert!(
            parse_object::<SettingsBody>(br#"{"widget":{"title":"Chat"}}"#, &["widget"]).is_ok()
        );
        assert_eq!(
            parse_body::<AgentBody>(br#"{"name":"a","x":1}"#)
                .unwrap_err()
                .code(),
            "unknown_field"
        );
        assert_eq!(
            parse_body::<AgentBody>(br#"{"name":5}"#)
                .unwrap_err()
                .code(),
            "invalid_type"
        );
        let big = vec![b' '; MAX_BODY_BYTES + 1];
        assert_eq!(parse_body::<AgentBody>(&big).unwrap_err().status(), 413);
        let s: SettingsBody = parse_body(br#"{"widget":{"theme":"dark"}}"#).unwrap();
        assert!(s.grace_period_secs.is_none());
        assert!(parse_body::<SettingsBody>(br#"{"grace_period_secs":-1}"#).is_err());
        assert!(parse_body::<SettingsBody>(br#"{"grace_period_secs":1e99}"#).is_err());
    }
}
