//! Runtime APIs that workers-rs 0.8.7 does not bind (or binds less cheaply).

use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

// The fan-out loop runs in JS: one call from Wasm per broadcast instead of
// one per socket, and the text crosses the boundary once.
#[wasm_bindgen(inline_js = "export function broadcast_js(state, tag, text) {
  let n = 0;
  for (const ws of state.getWebSockets(tag)) {
    try { ws.send(text); n++; } catch (e) { /* closing or closed */ }
  }
  return n;
}")]
extern "C" {
    fn broadcast_js(state: &JsValue, tag: &str, text: &str) -> u32;
}

/// Sends `text` to every hibernatable socket tagged `tag`; returns how many
/// took it.
pub fn broadcast_tag(state: &worker::State, tag: &str, text: &str) -> usize {
    broadcast_js(state.as_raw().as_ref(), tag, text) as usize
}

#[wasm_bindgen]
extern "C" {
    /// The raw `DurableObjectState`, for methods worker-sys lacks.
    type RawState;

    /// When the runtime last answered this socket's `ping` by itself
    /// (auto-response): a `Date`, or `null` if it never did.
    #[wasm_bindgen(method, catch, js_name = getWebSocketAutoResponseTimestamp)]
    fn get_web_socket_auto_response_timestamp(
        this: &RawState,
        ws: &web_sys::WebSocket,
    ) -> Result<JsValue, JsValue>;

    #[wasm_bindgen(js_namespace = crypto, js_name = getRandomValues)]
    fn get_random_values(buf: &mut [u8]);
}

/// Milliseconds since the epoch of the socket's last auto-answered ping.
pub fn auto_response_ms(state: &worker::State, ws: &worker::WebSocket) -> Option<i64> {
    let raw: &RawState = state.as_raw().unchecked_ref();
    let value = raw
        .get_web_socket_auto_response_timestamp(ws.as_ref())
        .ok()?;
    let date = value.dyn_into::<js_sys::Date>().ok()?;
    let ms = date.get_time();
    ms.is_finite().then_some(ms as i64)
}

/// Cryptographically secure random bytes (`crypto.getRandomValues`).
pub fn random_bytes<const N: usize>() -> [u8; N] {
    let mut buf = [0u8; N];
    get_random_values(&mut buf);
    buf
}

pub fn now_ms() -> i64 {
    js_sys::Date::now() as i64
}
