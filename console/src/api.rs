//! The HTTP side of the `/v1` API: one `fetch` wrapper that decodes every
//! answer into the presenza-protocol type the caller asks for, or into an
//! [`ApiError`] carrying the server's own message, so the views can show it
//! inline as it is. Request bodies are protocol types too.

use std::fmt;

use presenza_protocol::error::ErrorBody;
use presenza_protocol::http::SESSION_HEADER;
use serde::de::DeserializeOwned;
use serde::Serialize;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{Request, RequestInit, Response};

use crate::msg::{ApiError, ApiResult};

/// How a call fails: cannot reach the server, an answer that is not what
/// the protocol says, a refusal (the edge's error body).
impl ApiError {
    fn network() -> Self {
        ApiError {
            status: 0,
            code: "network".into(),
            message: "The server could not be reached. Check your connection and try again.".into(),
            at: None,
        }
    }

    pub fn bad_answer(detail: impl fmt::Display) -> Self {
        ApiError {
            status: 0,
            code: "bad_answer".into(),
            message: format!("Unexpected answer from the server ({detail})."),
            at: None,
        }
    }

    /// A refused call: the edge's error body (protocol `ErrorBody`), else
    /// words for the status (a proxy's page, an empty answer).
    fn from_answer(status: u16, status_text: &str, body: &str) -> Self {
        let error = serde_json::from_str::<ErrorBody>(body)
            .ok()
            .map(|b| b.error);
        let message = error
            .as_ref()
            .map(|e| e.message.trim())
            .filter(|m| !m.is_empty())
            .map(str::to_owned)
            .unwrap_or_else(|| match status {
                401 => "This token is not valid for this site.".into(),
                403 => "This token is not allowed to do that.".into(),
                404 => "Not found.".into(),
                _ if status_text.is_empty() => format!("The server answered {status}."),
                _ => format!("The server answered {status} {status_text}."),
            });
        let at = error.as_ref().and_then(|e| e.at.clone());
        let code = error.map_or_else(|| "http".to_owned(), |e| e.code);
        ApiError {
            status,
            code,
            message,
            at,
        }
    }
}

/// A client for one site with one bearer token (agent token or owner key).
#[derive(Clone, Debug)]
pub struct Api {
    /// `https://host/v1/sites/{site}`.
    base: String,
    token: String,
    /// The device session id, sent with agent calls.
    session: Option<String>,
}

impl Api {
    pub fn new(origin: &str, site: &str, token: &str, session: Option<String>) -> Self {
        Api {
            base: format!("{origin}/v1/sites/{}", encode(site)),
            token: token.to_owned(),
            session,
        }
    }

    /// `GET path`, its answer as `T`.
    pub async fn get<T: DeserializeOwned>(&self, path: &str) -> ApiResult<T> {
        self.call("GET", path, None).await
    }

    /// `PUT path` with a JSON body, its answer as `T`.
    pub async fn put<T: DeserializeOwned>(
        &self,
        path: &str,
        body: &impl Serialize,
    ) -> ApiResult<T> {
        self.call("PUT", path, Some(Payload::Json(json(body))))
            .await
    }

    /// `POST path` with a JSON body, its answer as `T`.
    pub async fn post<T: DeserializeOwned>(
        &self,
        path: &str,
        body: &impl Serialize,
    ) -> ApiResult<T> {
        self.call("POST", path, Some(Payload::Json(json(body))))
            .await
    }

    /// `POST path` without a body, its answer as `T`.
    pub async fn post_empty<T: DeserializeOwned>(&self, path: &str) -> ApiResult<T> {
        self.call("POST", path, None).await
    }

    /// `PUT path` with a picture (its type is the blob's), its answer as `T`.
    pub async fn put_blob<T: DeserializeOwned>(
        &self,
        path: &str,
        blob: &web_sys::Blob,
    ) -> ApiResult<T> {
        self.call("PUT", path, Some(Payload::Blob(blob))).await
    }

    /// `DELETE path` (answered `204 No Content`).
    pub async fn delete(&self, path: &str) -> ApiResult<()> {
        self.call("DELETE", path, None).await
    }

    /// `path` is relative to the site (`/agents/me`); ids in it must already
    /// be encoded with [`encode`].
    async fn call<T: DeserializeOwned>(
        &self,
        method: &str,
        path: &str,
        body: Option<Payload<'_>>,
    ) -> ApiResult<T> {
        decode(&self.fetch(method, path, body).await?)
    }

    /// The call itself, not generic: one copy of the fetch code in the
    /// Wasm for every answer type (a generic one costs ~2 KB gzip each).
    async fn fetch(
        &self,
        method: &str,
        path: &str,
        body: Option<Payload<'_>>,
    ) -> ApiResult<String> {
        let request = self
            .request(method, path, body, false)
            .map_err(|_| ApiError::network())?;
        let window = web_sys::window().ok_or_else(ApiError::network)?;
        let response: Response = JsFuture::from(window.fetch_with_request(&request))
            .await
            .map_err(|_| ApiError::network())?
            .dyn_into()
            .map_err(|_| ApiError::network())?;
        let status = response.status();
        let text = match response.text() {
            Ok(promise) => JsFuture::from(promise)
                .await
                .ok()
                .and_then(|t| t.as_string())
                .unwrap_or_default(),
            Err(_) => String::new(),
        };
        if response.ok() {
            Ok(text)
        } else {
            Err(ApiError::from_answer(
                status,
                &response.status_text(),
                &text,
            ))
        }
    }

    /// Fires a request that survives the page being closed (sign-out on
    /// unload); its answer is not awaited.
    pub fn send_beacon(&self, method: &str, path: &str) {
        if let (Ok(request), Some(window)) =
            (self.request(method, path, None, true), web_sys::window())
        {
            let _ = window.fetch_with_request(&request);
        }
    }

    fn request(
        &self,
        method: &str,
        path: &str,
        body: Option<Payload<'_>>,
        keepalive: bool,
    ) -> Result<Request, JsValue> {
        let init = RequestInit::new();
        init.set_method(method);
        if keepalive {
            // Not in web-sys' RequestInit yet; lets the request outlive the page.
            js_sys::Reflect::set(&init, &"keepalive".into(), &JsValue::TRUE)?;
        }
        let headers = web_sys::Headers::new()?;
        headers.set("Authorization", &format!("Bearer {}", self.token))?;
        if let Some(session) = &self.session {
            headers.set(SESSION_HEADER, session)?;
        }
        match body {
            Some(Payload::Json(text)) => {
                headers.set("Content-Type", "application/json")?;
                init.set_body(&JsValue::from_str(&text));
            }
            Some(Payload::Blob(blob)) => {
                headers.set("Content-Type", &blob.type_())?;
                init.set_body(blob);
            }
            None => {}
        }
        init.set_headers(&headers);
        Request::new_with_str_and_init(&format!("{}{path}", self.base), &init)
    }
}

/// A request body: JSON, or a picture.
enum Payload<'a> {
    Json(String),
    Blob(&'a web_sys::Blob),
}

/// A request body's JSON. The protocol's bodies cannot fail to serialize
/// (string map keys, no floats).
fn json(body: &impl Serialize) -> String {
    serde_json::to_string(body).unwrap_or_default()
}

/// An answer's body as `T`; an empty body (`204 No Content`) reads as
/// `null`, so `()` and `Option<T>` take it.
fn decode<T: DeserializeOwned>(text: &str) -> ApiResult<T> {
    let text = if text.trim().is_empty() { "null" } else { text };
    serde_json::from_str(text).map_err(ApiError::bad_answer)
}

/// Percent-encodes one path segment or query value.
pub fn encode(segment: &str) -> String {
    String::from(js_sys::encode_uri_component(segment))
}

#[cfg(test)]
mod tests {
    use super::*;
    use presenza_protocol::view::{GroupList, MeView};
    use serde_json::json;

    #[test]
    fn answers_decode_into_the_asked_type() {
        assert_eq!(decode::<()>(""), Ok(()));
        assert_eq!(decode::<Option<GroupList>>(" "), Ok(None));
        let groups: GroupList =
            decode(r#"{"groups":[{"id":"sales","name":"Sales","has_working_hours":false}]}"#)
                .unwrap();
        assert_eq!(groups.groups[0].id, "sales");
        let e = decode::<GroupList>("[]").unwrap_err();
        assert_eq!((e.status, e.code.as_str()), (0, "bad_answer"));
    }

    #[test]
    fn lists_bare_or_wrapped() {
        // The edge wraps its lists (`{"groups": [..]}`); a bare list is not
        // what the protocol says.
        let wrapped: GroupList = decode(
            &json!({"groups": [{"id": "a", "name": "A", "has_working_hours": false}]}).to_string(),
        )
        .expect("wrapped");
        assert_eq!(wrapped.groups[0].id, "a");
        assert_eq!(wrapped.groups[0].name, "A");
        assert!(decode::<GroupList>(
            &json!([{"id": "a", "name": "A", "has_working_hours": false}]).to_string()
        )
        .is_err());
        let me: MeView = decode(
            &json!({"agent": {"id": "x", "name": "X", "groups": [], "status": "online",
                "manual_status": "online", "sessions": 1, "created_at": "2026-11-25T12:00:00Z"},
                "grace_period_secs": 120})
            .to_string(),
        )
        .expect("agent");
        assert_eq!(me.agent.id, "x");
    }

    #[test]
    fn errors_carry_the_edges_words() {
        let e = ApiError::from_answer(
            429,
            "Too Many Requests",
            r#"{"error":{"code":"rate_limited","message":"Slow down.","retry_after_secs":3}}"#,
        );
        assert_eq!(
            (e.status, e.code.as_str(), e.message.as_str()),
            (429, "rate_limited", "Slow down.")
        );
        let e = ApiError::from_answer(401, "Unauthorized", "");
        assert!(e.is_auth());
        assert_eq!(e.code, "http");
        assert_eq!(e.message, "This token is not valid for this site.");
        let e = ApiError::from_answer(502, "Bad Gateway", "<html>");
        assert_eq!(e.message, "The server answered 502 Bad Gateway.");
        assert_eq!(
            ApiError::from_answer(500, "", "").message,
            "The server answered 500."
        );
    }
}
