//! Webhooks, the pure part: the owner's endpoints validated (`PUT
//! webhooks`), what a delivery's body says, how it is signed, and when a
//! failed delivery is tried again. The runtime part (queue, alarm, fetch)
//! is `site::webhooks`.
//!
//! **Signature.** Every delivery carries `Presenza-Signature:
//! t=<ms>,v1=<hex>`, where `<hex>` is the HMAC-SHA256, keyed with the
//! site's webhook secret, of `<ms>.<body>` (the instant the attempt was
//! made, a dot, the body's bytes as sent). `Presenza-Delivery` carries the
//! delivery's id (the same on every retry of it) and `Presenza-Event` the
//! event.
//!
//! **Order and retries.** Each endpoint has its own queue; only its oldest
//! delivery is attempted, so a receiver sees them in the order they
//! happened. A 2xx answer deletes the delivery (never sent again); any other
//! answer or a network error keeps it and tries again after
//! [`backoff_ms`], up to [`MAX_ATTEMPTS`] attempts (then it is dropped and
//! the next one goes).

use crate::domain::text::invalid;
use crate::error::ApiError;
use crate::mail::unsubscribe::hmac;
use presenza_protocol::body::WebhooksBody;
use presenza_protocol::id::hex;
use presenza_protocol::limits::{MAX_WEBHOOKS, MAX_WEBHOOK_URL_LEN};
use presenza_protocol::view::{WebhookEndpoint, WebhookEvent, WebhookFormat};
use sha2::{Digest, Sha256};

/// The signature header.
pub const SIGNATURE_HEADER: &str = "Presenza-Signature";
/// The delivery id header (stable across retries: receivers may dedupe).
pub const DELIVERY_HEADER: &str = "Presenza-Delivery";
/// The event header.
pub const EVENT_HEADER: &str = "Presenza-Event";
/// Attempts of one delivery before it is dropped.
pub const MAX_ATTEMPTS: u32 = 12;
/// The first retry's wait; each further one doubles, up to [`MAX_BACKOFF_MS`].
pub const FIRST_BACKOFF_MS: i64 = 10_000;
pub const MAX_BACKOFF_MS: i64 = 3_600_000;
/// The longest error text kept as an endpoint's last result.
pub const MAX_ERROR_LEN: usize = 200;

/// An endpoint's id: the first 16 hex digits of its URL's SHA-256, so the
/// same URL keeps its queue and last result across `PUT webhooks`.
pub fn endpoint_id(url: &str) -> String {
    hex(&Sha256::digest(url.as_bytes())[..8])
}

/// Validates the whole list: at most [`MAX_WEBHOOKS`], each URL `https://`
/// or `http://` with a host, no spaces, at most [`MAX_WEBHOOK_URL_LEN`]
/// bytes and each once, at least one event (each once).
pub fn parse(body: WebhooksBody) -> Result<Vec<WebhookEndpoint>, ApiError> {
    if body.endpoints.len() > MAX_WEBHOOKS {
        return Err(invalid(
            "endpoints",
            format!("at most {MAX_WEBHOOKS} webhook endpoints"),
        ));
    }
    let mut out: Vec<WebhookEndpoint> = Vec::with_capacity(body.endpoints.len());
    for (i, e) in body.endpoints.into_iter().enumerate() {
        let url = e.url;
        if let Err(why) = check_url(&url) {
            return Err(invalid(&format!("endpoints[{i}].url"), why));
        }
        if out.iter().any(|o| o.url == url) {
            return Err(invalid(
                &format!("endpoints[{i}].url"),
                "this URL is registered twice",
            ));
        }
        if e.events.is_empty() {
            return Err(invalid(
                &format!("endpoints[{i}].events"),
                "at least one event",
            ));
        }
        let mut events = e.events;
        events.sort();
        events.dedup();
        out.push(WebhookEndpoint {
            id: endpoint_id(&url),
            url,
            events,
            format: e.format,
        });
    }
    Ok(out)
}

fn check_url(url: &str) -> Result<(), &'static str> {
    if url.len() > MAX_WEBHOOK_URL_LEN {
        return Err("too long");
    }
    let rest = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"))
        .ok_or("an https:// or http:// URL")?;
    if url.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err("no spaces or control characters");
    }
    let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
    let host = authority.rsplit('@').next().unwrap_or("");
    let host_only = host
        .strip_prefix('[')
        .map(|h| h.split(']').next().unwrap_or(""))
        .unwrap_or_else(|| host.split(':').next().unwrap_or(""));
    if host_only.is_empty() {
        return Err("a URL with a host");
    }
    if let Some(port) = host.rsplit_once("]:").map(|(_, p)| p).or_else(|| {
        (!host.starts_with('['))
            .then(|| host.split_once(':').map(|(_, p)| p))
            .flatten()
    }) {
        if port.parse::<u16>().map_or(true, |p| p == 0) {
            return Err("a port from 1 to 65535");
        }
    }
    Ok(())
}

/// The signature header's value for `body` sent at `at_ms`.
pub fn signature(secret: &str, at_ms: i64, body: &str) -> String {
    let mut message = Vec::with_capacity(body.len() + 16);
    message.extend_from_slice(at_ms.to_string().as_bytes());
    message.push(b'.');
    message.extend_from_slice(body.as_bytes());
    format!("t={at_ms},v1={}", hex(&hmac(secret.as_bytes(), &message)))
}

/// The wait before attempt `attempts + 1`, after `attempts` failed ones.
pub fn backoff_ms(attempts: u32) -> i64 {
    let doublings = attempts.saturating_sub(1).min(20);
    (FIRST_BACKOFF_MS << doublings).min(MAX_BACKOFF_MS)
}

/// The body sent for `event` (its `data` as JSON) in `format`; `text` is
/// the human sentence (Slack's `text`).
pub fn body(
    format: WebhookFormat,
    delivery: &str,
    event: WebhookEvent,
    site: &str,
    at_ms: i64,
    data: &serde_json::Value,
    text: &str,
) -> String {
    let value = match format {
        WebhookFormat::Json => serde_json::json!({
            "id": delivery,
            "event": event.as_str(),
            "site": site,
            "at": at_ms,
            "data": data,
        }),
        WebhookFormat::Slack => serde_json::json!({ "text": text }),
    };
    value.to_string()
}

/// An error text as kept: at most [`MAX_ERROR_LEN`] characters.
pub fn short_error(e: &str) -> String {
    e.chars().take(MAX_ERROR_LEN).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use presenza_protocol::body::WebhookBody;

    fn one(url: &str) -> WebhooksBody {
        WebhooksBody {
            endpoints: vec![WebhookBody {
                url: url.into(),
                events: vec![WebhookEvent::StatusChanged],
                format: WebhookFormat::Json,
            }],
        }
    }

    #[test]
    fn urls_are_checked() {
        for good in [
            "https://example.com/hook",
            "http://127.0.0.1:8080/x?y=1",
            "https://[::1]:443/",
            "https://user@example.com",
        ] {
            assert!(parse(one(good)).is_ok(), "{good}");
        }
        for bad in [
            "",
            "ftp://example.com",
            "https://",
            "https:///path",
            "https://exa mple.com",
            "https://example.com:0/",
            "https://example.com:99999/",
            "https://example.com:x/",
            "javascript:alert(1)",
        ] {
            assert!(parse(one(bad)).is_err(), "{bad}");
        }
        let long = format!("https://example.com/{}", "a".repeat(MAX_WEBHOOK_URL_LEN));
        assert!(parse(one(&long)).is_err());
    }

    #[test]
    fn the_list_is_limited_and_urls_are_unique() {
        let mut body = one("https://example.com/a");
        body.endpoints.push(body.endpoints[0].clone());
        assert!(parse(body.clone()).is_err());
        body.endpoints[1].url = "https://example.com/b".into();
        let parsed = parse(body.clone()).unwrap();
        assert_ne!(parsed[0].id, parsed[1].id);
        assert_eq!(parsed[0].id, endpoint_id("https://example.com/a"));
        while body.endpoints.len() <= MAX_WEBHOOKS {
            let n = body.endpoints.len();
            let mut e = body.endpoints[0].clone();
            e.url = format!("https://example.com/{n}");
            body.endpoints.push(e);
        }
        assert!(parse(body).is_err());
        let mut none = one("https://example.com");
        none.endpoints[0].events.clear();
        assert!(parse(none).is_err());
    }

    #[test]
    fn signatures_are_hmac_sha256_of_instant_dot_body() {
        let sig = signature("key", 1000, "{}");
        assert_eq!(sig, format!("t=1000,v1={}", hex(&hmac(b"key", b"1000.{}"))));
        assert_ne!(sig, signature("other", 1000, "{}"));
    }

    #[test]
    fn backoff_doubles_up_to_an_hour() {
        assert_eq!(backoff_ms(1), FIRST_BACKOFF_MS);
        assert_eq!(backoff_ms(2), 2 * FIRST_BACKOFF_MS);
        assert_eq!(backoff_ms(30), MAX_BACKOFF_MS);
    }

    #[test]
    fn slack_bodies_are_text_only() {
        let data = serde_json::json!({"a": 1});
        let b = body(
            WebhookFormat::Slack,
            "d1",
            WebhookEvent::StatusChanged,
            "s",
            5,
            &data,
            "hello",
        );
        assert_eq!(b, r#"{"text":"hello"}"#);
        let j: serde_json::Value = serde_json::from_str(&body(
            WebhookFormat::Json,
            "d1",
            WebhookEvent::StatusChanged,
            "s",
            5,
            &data,
            "hello",
        ))
        .unwrap();
        assert_eq!(j["event"], "status_changed");
        assert_eq!(j["data"]["a"], 1);
    }
}
