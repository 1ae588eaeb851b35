//! The device session: one WebSocket per signed-in agent tab. It keeps the
//! device alive (a text "ping" every P seconds, answered "pong" by the edge
//! without waking the site), delivers the edge's events, and reconnects with
//! exponential backoff and jitter so a restarted edge is not stampeded.

use std::cell::{Cell, RefCell};
use std::rc::{Rc, Weak};

use presenza_protocol::frame::{close, DeviceEvent, OwnerEvent, PING, PONG};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{CloseEvent, MessageEvent, WebSocket};

use crate::msg::LiveEvent;

/// The event of a text frame from the edge. None for the runtime's answer
/// to a ping and for text that is no frame; a frame newer than this
/// console is `DeviceEvent::Unknown` (the edge may be newer: ignored).
pub fn decode(text: &str) -> Option<DeviceEvent> {
    if text == PONG {
        return None;
    }
    serde_json::from_str(text).ok()
}

/// What a frame tells the controller: a device frame, or the owner's team
/// (the team socket's only frame, which a device never receives).
pub fn incoming(text: &str) -> Option<LiveEvent> {
    match decode(text)? {
        DeviceEvent::Unknown => match serde_json::from_str(text).ok()? {
            OwnerEvent::Team { agents } => Some(LiveEvent::Team(agents)),
            OwnerEvent::Unknown => None,
        },
        event => Some(LiveEvent::Message(Box::new(event))),
    }
}

/// The longest wait between two attempts.
const MAX_BACKOFF_MS: f64 = 30_000.0;

/// Delay before reconnect attempt number `failures` (0-based): 1 s, 2 s, 4 s…
/// capped at 30 s, each scaled by a random factor in [0.5, 1) (`jitter` in
/// [0, 1)) so that many consoles cut off together do not come back together.
pub fn backoff_ms(failures: u32, jitter: f64) -> u32 {
    let base = (1000.0 * f64::from(1u32 << failures.min(5))).min(MAX_BACKOFF_MS);
    (base * (0.5 + 0.5 * jitter.clamp(0.0, 1.0))) as u32
}

type Handler = Closure<dyn FnMut(JsValue)>;

struct Socket {
    ws: WebSocket,
    // Kept alive as long as the socket; dropped (and detached) with it.
    _handlers: [Handler; 3],
}

struct Inner {
    url: String,
    /// Offered subprotocols; they carry the token, which browsers cannot
    /// put in a header (and which must stay out of URLs and their logs).
    protocols: js_sys::Array,
    on_event: Box<dyn Fn(LiveEvent)>,
    socket: RefCell<Option<Socket>>,
    /// Sockets whose handlers may still be running (a handler must not drop
    /// its own closure); freed at the next connect.
    retired: RefCell<Vec<Socket>>,
    open: Cell<bool>,
    ping_ms: Cell<u32>,
    ping_timer: Cell<Option<i32>>,
    ping_tick: RefCell<Option<Closure<dyn FnMut()>>>,
    retry_timer: Cell<Option<i32>>,
    failures: Cell<u32>,
    /// When the edge last said anything (ms, `Date.now()`).
    last_heard: Cell<f64>,
    stopped: Cell<bool>,
}

/// A live device session; dropping it closes the socket for good.
pub struct Live(Rc<Inner>);

impl Live {
    /// Connects to `url` (ws:// or wss://) and keeps reconnecting until
    /// [`Live::stop`].
    pub fn start(
        url: String,
        protocols: &[String],
        ping_secs: u32,
        on_event: impl Fn(LiveEvent) + 'static,
    ) -> Live {
        let inner = Rc::new(Inner {
            url,
            protocols: protocols.iter().map(|p| JsValue::from_str(p)).collect(),
            on_event: Box::new(on_event),
            socket: RefCell::new(None),
            retired: RefCell::new(Vec::new()),
            open: Cell::new(false),
            ping_ms: Cell::new(ping_secs.max(1) * 1000),
            ping_timer: Cell::new(None),
            ping_tick: RefCell::new(None),
            retry_timer: Cell::new(None),
            failures: Cell::new(0),
            last_heard: Cell::new(js_sys::Date::now()),
            stopped: Cell::new(false),
        });
        connect(&inner);
        Live(inner)
    }

    pub fn is_open(&self) -> bool {
        self.0.open.get()
    }

    /// Adopts the edge's ping interval (from `hello`).
    pub fn set_ping_interval(&self, secs: u32) {
        let ms = secs.clamp(1, 3600) * 1000;
        if ms != self.0.ping_ms.get() {
            self.0.ping_ms.set(ms);
            if self.0.open.get() {
                start_ping(&self.0);
            }
        }
    }

    /// The edge accepted this session: the next failure starts from 1 s again.
    pub fn reset_backoff(&self) {
        self.0.failures.set(0);
    }

    /// Sends a text frame; false when not connected.
    pub fn send(&self, text: &str) -> bool {
        self.0.open.get()
            && self
                .0
                .socket
                .borrow()
                .as_ref()
                .is_some_and(|s| s.ws.send_with_str(text).is_ok())
    }

    /// Tries again right away (network back, tab visible again).
    pub fn reconnect_now(&self) {
        let inner = &self.0;
        if inner.stopped.get() || inner.open.get() || inner.retry_timer.get().is_none() {
            return;
        }
        clear_retry(inner);
        connect(inner);
    }

    /// Closes the socket and never reconnects.
    pub fn stop(&self) {
        let inner = &self.0;
        inner.stopped.set(true);
        clear_retry(inner);
        stop_ping(inner);
        inner.open.set(false);
        retire(inner, Some(close::NORMAL));
    }
}

impl Drop for Live {
    fn drop(&mut self) {
        self.stop();
    }
}

fn connect(inner: &Rc<Inner>) {
    if inner.stopped.get() {
        return;
    }
    inner.retired.borrow_mut().clear();
    let ws = match WebSocket::new_with_str_sequence(&inner.url, &inner.protocols) {
        Ok(ws) => ws,
        Err(_) => {
            // A malformed URL never gets better, but keep the same path as a
            // failed connection so the page shows "reconnecting".
            closed(inner, 1006, String::new());
            return;
        }
    };
    let weak = Rc::downgrade(inner);
    let on_open = handler(&weak, |inner, _| {
        inner.open.set(true);
        inner.last_heard.set(js_sys::Date::now());
        start_ping(&inner);
        (inner.on_event)(LiveEvent::Open);
    });
    let on_message = handler(&weak, |inner, event| {
        inner.last_heard.set(js_sys::Date::now());
        let Some(text) = event
            .dyn_ref::<MessageEvent>()
            .and_then(|m| m.data().as_string())
        else {
            return;
        };
        if let Some(event) = incoming(&text) {
            (inner.on_event)(event);
        }
    });
    let on_close = handler(&weak, |inner, event| {
        let (code, reason) = event
            .dyn_ref::<CloseEvent>()
            .map(|c| (c.code(), c.reason()))
            .unwrap_or((1006, String::new()));
        retire(&inner, None);
        closed(&inner, code, reason);
    });
    ws.set_onopen(Some(on_open.as_ref().unchecked_ref()));
    ws.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
    ws.set_onclose(Some(on_close.as_ref().unchecked_ref()));
    retire(inner, Some(close::NORMAL));
    inner.socket.replace(Some(Socket {
        ws,
        _handlers: [on_open, on_message, on_close],
    }));
}

/// Detaches the current socket, closes it (when `close_code` is given) and
/// parks it until its handlers can no longer be running.
fn retire(inner: &Inner, close_code: Option<u16>) {
    let Some(socket) = inner.socket.borrow_mut().take() else {
        return;
    };
    detach(&socket.ws);
    if let Some(code) = close_code {
        let _ = socket.ws.close_with_code(code);
    }
    inner.retired.borrow_mut().push(socket);
}

fn handler(weak: &Weak<Inner>, f: impl Fn(Rc<Inner>, JsValue) + 'static) -> Handler {
    let weak = weak.clone();
    Closure::new(move |event: JsValue| {
        if let Some(inner) = weak.upgrade() {
            f(inner, event);
        }
    })
}

fn detach(ws: &WebSocket) {
    ws.set_onopen(None);
    ws.set_onmessage(None);
    ws.set_onclose(None);
}

/// The socket is gone: tell the controller and schedule the next attempt.
fn closed(inner: &Rc<Inner>, code: u16, reason: String) {
    inner.open.set(false);
    stop_ping(inner);
    let retry_in_ms = if inner.stopped.get() {
        None
    } else {
        let failures = inner.failures.get();
        inner.failures.set(failures.saturating_add(1));
        let delay = backoff_ms(failures, js_sys::Math::random());
        schedule_retry(inner, delay);
        Some(delay)
    };
    (inner.on_event)(LiveEvent::Closed {
        code,
        reason,
        retry_in_ms,
    });
}

fn schedule_retry(inner: &Rc<Inner>, delay_ms: u32) {
    clear_retry(inner);
    let weak = Rc::downgrade(inner);
    // once_into_js frees itself after running; a cleared timer leaks one
    // small closure, which is rare (reconnect_now, stop).
    let tick = Closure::once_into_js(move || {
        if let Some(inner) = weak.upgrade() {
            inner.retry_timer.set(None);
            connect(&inner);
        }
    });
    if let Some(window) = web_sys::window() {
        let id = window
            .set_timeout_with_callback_and_timeout_and_arguments_0(
                tick.unchecked_ref(),
                delay_ms as i32,
            )
            .ok();
        inner.retry_timer.set(id);
    }
}

fn clear_retry(inner: &Inner) {
    if let (Some(id), Some(window)) = (inner.retry_timer.take(), web_sys::window()) {
        window.clear_timeout_with_handle(id);
    }
}

fn start_ping(inner: &Rc<Inner>) {
    stop_ping(inner);
    let weak = Rc::downgrade(inner);
    let tick = Closure::<dyn FnMut()>::new(move || {
        let Some(inner) = weak.upgrade() else { return };
        let ping_ms = f64::from(inner.ping_ms.get());
        // Nothing heard for 2.5 pings: the connection is dead without a
        // close frame (sleeping laptop, lost Wi-Fi). Drop it and retry now
        // instead of waiting for TCP to notice.
        if js_sys::Date::now() - inner.last_heard.get() > 2.5 * ping_ms {
            retire(&inner, Some(close::SESSION_EXPIRED));
            closed(&inner, 1006, "no answer to pings".into());
            return;
        }
        if let Some(socket) = inner.socket.borrow().as_ref() {
            let _ = socket.ws.send_with_str(PING);
        };
    });
    if let Some(window) = web_sys::window() {
        let id = window
            .set_interval_with_callback_and_timeout_and_arguments_0(
                tick.as_ref().unchecked_ref(),
                inner.ping_ms.get() as i32,
            )
            .ok();
        inner.ping_timer.set(id);
    }
    inner.ping_tick.replace(Some(tick));
}

fn stop_ping(inner: &Inner) {
    if let (Some(id), Some(window)) = (inner.ping_timer.take(), web_sys::window()) {
        window.clear_interval_with_handle(id);
    }
}

#[cfg(test)]
mod tests {
    use super::{backoff_ms, decode};
    use presenza_protocol::frame::{Ack, DeviceEvent, ErrorFrame};
    use presenza_rules::Status;
    use serde_json::{json, Value};

    fn frame(v: Value) -> DeviceEvent {
        decode(&v.to_string()).expect("a frame")
    }

    #[test]
    fn hello_decodes_and_tolerates_extras() {
        let msg = frame(json!({
            "type": "hello", "session": "ws_0123456789abcdef",
            "agent": {"id": "ann", "name": "Ann", "groups": ["sales"], "status": "busy",
                      "manual_status": "busy", "message": "Lunch",
                      "back_at": "2026-11-25T13:00:00Z", "sessions": 1,
                      "created_at": "2026-11-01T09:00:00Z", "extra": 1},
            "grace_period_secs": 120, "ping_interval_secs": 30,
            "site": {"status": "offline", "reason": "no_agents"},
            "groups": {"sales": {"status": "busy", "reason": "all_busy", "message": "Lunch"}}
        }));
        let DeviceEvent::Hello(hello) = msg else {
            panic!("not hello");
        };
        let agent = hello.agent;
        assert_eq!(agent.manual_status, Status::Busy);
        assert!(agent.back_at.is_some());
        assert_eq!(hello.ping_interval_secs, 30);
        assert_eq!(hello.groups["sales"].status, Status::Busy);
    }

    #[test]
    fn team_frames_are_the_owners() {
        let text = r#"{"type":"team","agents":[]}"#;
        assert!(matches!(
            super::incoming(text),
            Some(crate::msg::LiveEvent::Team(a)) if a.is_empty()
        ));
        assert!(super::incoming(r#"{"type":"later"}"#).is_none());
    }

    #[test]
    fn unknown_messages_are_other() {
        let msg = frame(json!({"type": "later", "x": 1}));
        assert!(matches!(msg, DeviceEvent::Unknown));
        // The runtime's answer to a ping, and text that is no frame.
        assert_eq!(decode("pong"), None);
        assert_eq!(decode("{"), None);
    }

    #[test]
    fn acks_errors_and_read_marks_decode() {
        let ack = frame(json!({
            "type": "ack", "client_id": "r_1", "seq": 4, "conversation_id": "c1"
        }));
        assert!(matches!(ack, DeviceEvent::Ack(Ack { seq: 4, .. })));
        let err = frame(json!({
            "type": "error", "client_id": "r_2", "conversation_id": "c1",
            "error": {"code": "rate_limited", "message": "slow down", "retry_after_secs": 3}
        }));
        let DeviceEvent::Error(ErrorFrame {
            client_id, error, ..
        }) = err
        else {
            panic!("not an error");
        };
        assert_eq!(client_id.as_deref(), Some("r_2"));
        assert_eq!(error.code, "rate_limited");
        let bare = frame(json!({"type": "error", "error": {"code": "x", "message": "no"}}));
        assert!(matches!(
            bare,
            DeviceEvent::Error(ErrorFrame {
                client_id: None,
                ..
            })
        ));
        let read = frame(json!({
            "type": "read", "conversation_id": "c1", "seq": 9, "unread": 0
        }));
        assert!(matches!(
            read,
            DeviceEvent::Read {
                seq: 9,
                unread: 0,
                ..
            }
        ));
    }

    #[test]
    fn backoff_grows_caps_and_jitters() {
        assert_eq!(backoff_ms(0, 0.0), 500);
        assert_eq!(backoff_ms(0, 1.0), 1000);
        assert_eq!(backoff_ms(3, 1.0), 8000);
        assert_eq!(backoff_ms(10, 1.0), 30_000);
        assert_eq!(backoff_ms(u32::MAX, 0.0), 15_000);
    }
}
