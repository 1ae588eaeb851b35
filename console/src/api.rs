//! The HTTP side of the `/v1` API: one `fetch` wrapper that turns every
//! answer into JSON or an [`ApiError`] carrying the server's own message, so
//! the views can show it inline as it is.

use std::fmt;

use presenza_protocol::http::SESSION_HEADER;
use serde_json::Value;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{Request, RequestInit, Response};

/// A failed call: the HTTP status (0 when the server could not be reached)
/// and the `{"error": {"code", "message"}}` the edge answered with.
#[derive(Clone, Debug, PartialEq)]
pub struct ApiError {
    pub status: u16,
    pub code: String,
    pub message: String,
}

impl ApiError {
    fn network() -> Self {
        ApiError {
            status: 0,
            code: "network".into(),
            message: "The server could not be reached. Check your connection and try again.".into(),
        }
    }

    pub fn bad_answer(detail: impl fmt::Display) -> Self {
        ApiError {
            status: 0,
            code: "bad_answer".into(),
            message: format!("Unexpected answer from the server ({detail})."),
        }
    }

    /// The token is unknown, revoked or not allowed here.
    pub fn is_auth(&self) -> bool {
        matches!(self.status, 401 | 403)
    }

    fn from_answer(status: u16, status_text: &str, body: &Value) -> Self {
        let error = body.get("error");
        // Both `{"error": {"code", "message"}}` and `{"error": "text"}`.
        let message = error
            .and_then(|e| e.get("message").or(Some(e)))
            .and_then(Value::as_str)
            .or_else(|| body.get("message").and_then(Value::as_str))
            .map(str::to_owned)
            .unwrap_or_else(|| match status {
                401 => "This token is not valid for this site.".into(),
                403 => "This token is not allowed to do that.".into(),
                404 => "Not found.".into(),
                _ if status_text.is_empty() => format!("The server answered {status}."),
                _ => format!("The server answered {status} {status_text}."),
            });
        let code = error
            .and_then(|e| e.get("code"))
            .and_then(Value::as_str)
            .unwrap_or("http")
            .to_owned();
        ApiError {
            status,
            code,
            message,
        }
    }
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

pub type ApiResult<T> = Result<T, ApiError>;

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

    pub async fn get(&self, path: &str) -> ApiResult<Value> {
        self.send("GET", path, None).await
    }

    pub async fn put(&self, path: &str, body: &Value) -> ApiResult<Value> {
        self.send("PUT", path, Some(body)).await
    }

    pub async fn post(&self, path: &str, body: Option<&Value>) -> ApiResult<Value> {
        self.send("POST", path, body).await
    }

    pub async fn delete(&self, path: &str) -> ApiResult<Value> {
        self.send("DELETE", path, None).await
    }

    /// `path` is relative to the site (`/agents/me`); ids in it must already
    /// be encoded with [`encode`].
    pub async fn send(&self, method: &str, path: &str, body: Option<&Value>) -> ApiResult<Value> {
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
        let body = if text.trim().is_empty() {
            Value::Null
        } else {
            serde_json::from_str(&text).unwrap_or(Value::String(text))
        };
        if response.ok() {
            Ok(body)
        } else {
            Err(ApiError::from_answer(
                status,
                &response.status_text(),
                &body,
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
        body: Option<&Value>,
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
        if let Some(body) = body {
            headers.set("Content-Type", "application/json")?;
            init.set_body(&JsValue::from_str(&body.to_string()));
        }
        init.set_headers(&headers);
        Request::new_with_str_and_init(&format!("{}{path}", self.base), &init)
    }
}

/// Percent-encodes one path segment or query value.
pub fn encode(segment: &str) -> String {
    String::from(js_sys::encode_uri_component(segment))
}
