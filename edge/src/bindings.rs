//! Runtime APIs that workers-rs 0.8.7 does not bind (or binds less cheaply).

use crate::store::StoreError;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

// The fan-out loop runs in JS: one call from Wasm per broadcast instead of
// one per socket, and the text crosses the boundary once. Counting too: the
// sockets never cross into Wasm (workers-rs would wrap each one).
#[wasm_bindgen(inline_js = "export function broadcast_js(state, tag, text) {
  let n = 0;
  for (const ws of state.getWebSockets(tag)) {
    try { ws.send(text); n++; } catch (e) { /* closing or closed */ }
  }
  return n;
}
export function count_js(state, tag) {
  return state.getWebSockets(tag).length;
}")]
extern "C" {
    fn broadcast_js(state: &JsValue, tag: &str, text: &str) -> u32;
    fn count_js(state: &JsValue, tag: &str) -> u32;
}

/// How many hibernatable sockets are tagged `tag`.
pub fn count_tag(state: &worker::State, tag: &str) -> usize {
    count_js(state.as_raw().as_ref(), tag) as usize
}

/// Rejects a received e-mail. In production `setReject` is a synchronous
/// method; in the local run (wrangler dev) it is an RPC stub back to the
/// caller, which must be taken before the mail's stream is read and whose
/// answer must be awaited before the handler ends, or the mail counts as
/// accepted.
pub struct EmailRejecter {
    message: worker::ForwardableEmailMessage,
    set_reject: Option<js_sys::Function>,
}

impl EmailRejecter {
    /// Takes the method now, before anything reads the mail.
    pub fn of(message: &worker::ForwardableEmailMessage) -> Self {
        // `typeof`, not `instanceof Function`: a stub is a callable proxy.
        let set_reject = js_sys::Reflect::get(message, &JsValue::from_str("setReject"))
            .ok()
            .filter(JsValue::is_function)
            .map(JsCast::unchecked_into::<js_sys::Function>);
        EmailRejecter {
            message: message.clone(),
            set_reject,
        }
    }

    pub async fn reject(&self, reason: &str) {
        let answer = match &self.set_reject {
            // `Reflect.apply`, not `f.call(…)`: on a stub, `call` is a
            // remote method's name.
            Some(f) => js_sys::Reflect::apply(
                f,
                &self.message,
                &js_sys::Array::of1(&JsValue::from_str(reason)),
            ),
            None => {
                self.message.set_reject(reason);
                return;
            }
        };
        match answer {
            // `Promise.resolve` adopts the stub's thenable, and is done at
            // once for production's `undefined`.
            Ok(answer) => {
                let _ =
                    wasm_bindgen_futures::JsFuture::from(js_sys::Promise::resolve(&answer)).await;
            }
            Err(_) => self.message.set_reject(reason),
        }
    }
}

/// A text var (`[vars]`, `--var`), trimmed; `None` when unset or empty.
pub fn text_var(env: &worker::Env, name: &str) -> Option<String> {
    env.var(name)
        .ok()
        .map(|v| v.to_string().trim().to_string())
        .filter(|v| !v.is_empty())
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

// Conversations: a synchronous SQLite transaction around a Rust closure, and
// the push of a visitor's message to that visitor's authenticated sockets
// (the attachment test runs in JS, so sockets cross into Wasm not at all).
#[wasm_bindgen(inline_js = "export function transaction_sync_js(state, f) {
  let refused = false;
  try {
    state.storage.transactionSync(() => {
      if (!f()) { refused = true; throw new Error('rolled back'); }
    });
  } catch (e) {
    if (!refused) throw e;
  }
  return !refused;
}
export function send_to_visitor_js(state, tag, untagged, visitor, key, skip, text) {
  let n = 0;
  for (const t of [tag, untagged]) {
    for (const ws of state.getWebSockets(t)) {
      let a;
      try { a = ws.deserializeAttachment(); } catch (e) { continue; }
      if (!a || a.kind !== 'visitor' || a.visitor !== visitor || a.key !== key) continue;
      if (skip !== undefined && skip !== null && a.sid === skip) continue;
      try { ws.send(text); n++; } catch (e) { /* closing or closed */ }
    }
  }
  return n;
}")]
extern "C" {
    #[wasm_bindgen(catch)]
    fn transaction_sync_js(state: &JsValue, f: &mut dyn FnMut() -> bool) -> Result<bool, JsValue>;

    fn send_to_visitor_js(
        state: &JsValue,
        tag: &str,
        untagged: &str,
        visitor: &str,
        key: &str,
        skip: Option<String>,
        text: &str,
    ) -> u32;
}

/// Runs `f` in one SQLite transaction (`storage.transactionSync`): every
/// write it made is committed together, or none if it returns `Err`.
pub fn transaction<T, E: From<StoreError>>(
    state: &worker::State,
    f: impl FnOnce() -> Result<T, E>,
) -> Result<T, E> {
    let mut f = Some(f);
    let mut out: Option<Result<T, E>> = None;
    let mut run = || -> bool {
        match f.take() {
            Some(f) => {
                let result = f();
                let ok = result.is_ok();
                out = Some(result);
                ok
            }
            None => false,
        }
    };
    let committed = transaction_sync_js(state.as_raw().as_ref(), &mut run);
    match (committed, out) {
        (Ok(true), Some(result)) => result,
        (_, Some(Err(e))) => Err(e),
        (Err(js), _) => Err(StoreError::Transaction(format!("{js:?}")).into()),
        _ => Err(StoreError::Transaction("did not run".into()).into()),
    }
}

/// Sends `text` to the sockets of `tag` and of `untagged` (the visitor
/// sockets opened without a visitor id) whose attachment names `visitor`
/// with secret hash `key`, except socket `skip`.
pub fn send_to_visitor(
    state: &worker::State,
    tag: &str,
    untagged: &str,
    visitor: &str,
    key: &str,
    skip: Option<&str>,
    text: &str,
) -> usize {
    send_to_visitor_js(
        state.as_raw().as_ref(),
        tag,
        untagged,
        visitor,
        key,
        skip.map(str::to_string),
        text,
    ) as usize
}
