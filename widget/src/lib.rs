//! presenza-widget: the visitor widget. A launcher button and a panel that
//! show, at a glance and live, whether someone is there, and the visitor's
//! conversation with the agents; Rust compiled to Wasm (wasm-bindgen +
//! js-sys) plus a tiny JS loader.
//!
//! # Layout
//!
//! Like wasm-bindgen's todomvc example, controller / view / store:
//!
//! - `loader.js` (next to `src/`): the script the owner's snippet inserts.
//!   Feature-detects Wasm, loads the glue and the Wasm, calls [`boot`], then
//!   replaces the `presenza` queue stub with a function that calls
//!   [`command`]. Without Wasm (or with a CSP forbidding it) it shows a plain
//!   link to the hosted chat page instead. Never throws into the page.
//! - [`controller`]: the app: commands, events, WebSocket, timers.
//! - [`store`]: the model: live status and look, read from JSON payloads.
//! - [`view`]: the Shadow DOM: template, stylesheet, in-place updates.
//! - [`i18n`]: texts in nine languages, language choice, plurals and local
//!   times through `Intl`.
//! - [`js`]: the bridge to JS (a dozen generic, non-throwing imports) and
//!   byte-level string helpers.
//! - [`chat`]: the panel and the conversation (header, log, composer,
//!   offline form, outbox, visitor identity, notifications). A second Wasm
//!   module built from this crate with `--features chat` (`chat.js` +
//!   `chat.wasm`), imported by the launcher on the visitor's first intent
//!   (pointer over or focus on the launcher), when the panel opens, or
//!   when the visitor has a conversation. `widget/chat.js` is its entry.
//!
//! # Size
//!
//! Budget: loader + glue + Wasm + widget-config ≤ 15 KB gzip fetched
//! before the launcher is idle, 45 KB for everything (with the chat
//! module). So: no
//! serde, no `core::fmt`, generic reflection calls instead of one web-sys
//! binding per DOM method, one closure for every callback, a 1 KB
//! allocator, and a `no_std` release build (`--no-default-features`; the
//! default `std` feature is for tests and native tooling) whose panic
//! handler is a bare `unreachable`. Rules (statuses, message and contact
//! validation) come from `presenza-rules` without its features (`no_std`);
//! rule errors are shown by their `code()`, never formatted.
//!
//! # Public API (through the `presenza` function only)
//!
//! `init {site, group, language, texts, theme, visitor, sound}`, `group`,
//! `language`, `chat:open`, `chat:close`, `chat:toggle`, `widget:hide`,
//! `widget:show`, `on`/`off` (`status`, `open`, `close`, `message`), `texts
//! {key: text}`, `theme` (`'auto'|'light'|'dark'` or `{theme, accent_color,
//! position, offset_x, offset_y}`), `visitor {name, email}`, `sound
//! true|false`. Anything else is ignored.

#![cfg_attr(not(feature = "std"), no_std)]

extern crate alloc;

use core::cell::RefCell;

#[cfg(launcher)]
use wasm_bindgen::prelude::*;

// `cfg(launcher)` / `cfg(chat_module)`: see build.rs.
#[cfg(chat_module)]
pub mod chat;
#[cfg(launcher)]
pub mod controller;
pub mod i18n;
pub mod js;
#[cfg(launcher)]
pub mod store;
#[cfg(launcher)]
pub mod view;

#[cfg(test)]
mod tests;
#[cfg(test)]
mod tests_chat;

#[cfg(launcher)]
use controller::App;

#[cfg(all(target_arch = "wasm32", not(feature = "std")))]
#[panic_handler]
fn panic(_: &core::panic::PanicInfo) -> ! {
    core::arch::wasm32::unreachable()
}

// A 1 KB free-list allocator instead of dlmalloc (about 7 KB of Wasm).
// SAFETY: the widget runs on the page's one thread (no Wasm threads).
#[cfg(target_arch = "wasm32")]
#[global_allocator]
#[allow(unsafe_code)]
static ALLOCATOR: lol_alloc::AssumeSingleThreaded<lol_alloc::FreeListAllocator> =
    unsafe { lol_alloc::AssumeSingleThreaded::new(lol_alloc::FreeListAllocator::new()) };

/// A global for the page's single thread.
struct Global<T>(RefCell<T>);

// SAFETY: Wasm on a web page runs on one thread and this module is never
// shared with workers; on native targets (tooling only) nothing runs.
#[allow(unsafe_code)]
unsafe impl<T> Sync for Global<T> {}

#[cfg(launcher)]
static APP: Global<Option<App>> = Global(RefCell::new(None));

/// The app's hook for deferred commands (set at boot).
#[cfg(launcher)]
static DEFER: Global<JsValue> = Global(RefCell::new(JsValue::UNDEFINED));

/// Runs `f` on the app if it exists and is free.
#[cfg(launcher)]
pub(crate) fn with(f: &mut dyn FnMut(&mut App)) {
    if let Ok(mut guard) = APP.0.try_borrow_mut() {
        if let Some(app) = guard.as_mut() {
            f(app);
        }
    }
}

/// Starts the widget. `base` is the URL of the widget's files (the
/// loader's folder; the edge's API is at its origin), `site`/`group` the
/// loader's `data-site`/`data-group`, and `bind(kind)` returns a JS
/// function that calls [`on`]`(kind, arg)` (the loader's `k => v => on(k,
/// v)`: JS callbacks made that way cost no closure glue). `pre` is what the
/// loader started while the Wasm loaded, for `site`/`group`: `{u: the
/// widget-config URL, c: its answer (a promise of its JSON), i: `base =>
/// import(base + 'chat.js')` (the chat module), v: the visitor's id if
/// they wrote before}`.
/// Runs the commands queued in `window.presenza.q`, in order, then
/// starts (using the loader's answer when it asked for the same).
#[cfg(launcher)]
#[wasm_bindgen]
pub fn boot(base: JsValue, site: JsValue, group: JsValue, bind: JsValue, pre: JsValue) {
    {
        let Ok(mut guard) = APP.0.try_borrow_mut() else {
            return;
        };
        if guard.is_some() {
            return;
        }
        let app = App::new(
            base.as_string().unwrap_or_default(),
            site.as_string(),
            group.as_string(),
            &bind,
            pre,
        );
        if let Ok(mut d) = DEFER.0.try_borrow_mut() {
            *d = app.command_hook();
        }
        *guard = Some(app);
    }
    let queue = js::get(&js::g("presenza"), "q");
    let n = js::get(&queue, "length").as_f64().unwrap_or(0.0) as u32;
    for i in 0..n {
        let args = js::get_v(&queue, &JsValue::from(i));
        command(
            js::get(&args, "0"),
            js::get(&args, "1"),
            js::get(&args, "2"),
        );
    }
    if n > 0 {
        // No queue (nothing was queued) is the common case: setting its
        // length would throw, and an exception costs a stack trace at boot.
        js::set(&queue, "length", &JsValue::from(0));
    }
    with(&mut App::start);
}

/// A callback from JS (socket, timer, UI event...): see [`boot`].
#[cfg(launcher)]
#[wasm_bindgen]
pub fn on(kind: u32, arg: JsValue) {
    with(&mut |app: &mut App| app.on(kind, arg.clone()));
}

/// One `presenza(name, a, b)` call from the page. When the app is busy
/// (a page handler called back synchronously, e.g. on focus), the call is
/// deferred to a microtask, keeping the order.
#[cfg(launcher)]
#[wasm_bindgen]
pub fn command(name: JsValue, a: JsValue, b: JsValue) {
    let Some(n) = name.as_string() else { return };
    if APP.0.try_borrow_mut().is_err() {
        // [name, a, b] (push's extra `undefined` lands at index 3, unread).
        let args = js::json("[]");
        js::call(&args, "push", &name, &a);
        js::call1(&args, "push", &b);
        if let Ok(hook) = DEFER.0.try_borrow() {
            controller::later(&hook, &args);
        }
        return;
    }
    with(&mut |app: &mut App| app.command(&n, a.clone(), b.clone()));
}
