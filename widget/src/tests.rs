//! Browser tests (wasm-bindgen-test in headless Chromium): rendering, the
//! command queue, live updates, keyboard use, reconnection and set-up
//! mistakes, against a fake edge: a fake `WebSocket` class and a fake
//! `fetch` serving the widget config and the language files. The chat
//! module (which brings the panel) is this crate's own, handed to the
//! launcher by a fake `pre.i`. Its tests are in `tests_chat.rs` (same
//! fakes).
//!
//! Every answer and frame the fake edge sends is built from the edge's own
//! types (`presenza_protocol`, `frame::to_text`): a frame changed on the
//! edge's side fails here.

use js_sys::{Array, Date, Function, Object, Promise, Reflect};
use presenza_protocol::frame::{self, close, VisitorEvent, VisitorFrame};
use presenza_protocol::time::Timestamp;
use presenza_protocol::view::{AudienceView, Widget, WidgetConfigView};
use presenza_protocol::widget::{CHAT_TEXT_KEYS, LANGUAGES, LAUNCHER_TEXT_KEYS};
use presenza_rules::{Reason, Status};
use wasm_bindgen::closure::Closure;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;
use wasm_bindgen_test::*;
use web_sys::{Element, HtmlElement, ShadowRoot};

use crate::controller::{backoff, reconnect_delay, T_HIDDEN};
use crate::store::{hex, on_color};
use crate::{boot, command, with, APP};

wasm_bindgen_test_configure!(run_in_browser);

#[wasm_bindgen(inline_js = r#"
export function install_fake(routes) {
  const f = window.__fake || (window.__fake = {});
  f.sockets = []; f.fetches = []; f.routes = routes;
  // Handlers (`onmessage`, `onclose`: the launcher's) and listeners (the
  // chat module's) both hear every event.
  window.WebSocket = class extends EventTarget {
    constructor(url) { super(); this.url = url; this.sent = []; this.closed = false; this.readyState = 0; f.sockets.push(this); }
    send(d) { if (this.readyState !== 1) throw new Error('not open'); this.sent.push(d); }
    close() { this.closed = true; this.readyState = 3; }
    fire(type, init) {
      const h = this['on' + type];
      if (h) h.call(this, new MessageEvent(type, init));
      this.dispatchEvent(new MessageEvent(type, init));
    }
  };
  // A route is `{key: body}` (matched at the end of the URL, query
  // included first, then without it), or `{key: {__status, body}}`.
  window.fetch = async (url, init) => {
    url = String(url);
    f.fetches.push(url);
    f.init = init ? { url, method: init.method, headers: init.headers, body: init.body } : null;
    const keys = Object.keys(f.routes);
    const key = keys.find(k => url.endsWith(k)) ?? keys.find(k => url.split('?')[0].endsWith(k));
    if (key === undefined) return new Response('no', { status: 404 });
    const r = f.routes[key];
    const [status, body] = r && r.__status ? [r.__status, r.body] : [200, r];
    return new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });
  };
  f.warnings = [];
  console.warn = (...a) => f.warnings.push(a.join(' '));
}
export function warnings() { return window.__fake.warnings; }
export function route(key, body, status) { window.__fake.routes[key] = status ? { __status: status, body } : body; }
export function sockets() { return window.__fake.sockets; }
export function fetches() { return window.__fake.fetches; }
export function last_init() { return window.__fake.init; }
export function push(sock, data) { sock.fire('message', { data }); }
export function open_socket(sock) { sock.readyState = 1; sock.fire('open', {}); }
export function drop_socket(sock) { sock.readyState = 3; sock.fire('close', {}); }
export function close_socket(sock, code) { sock.readyState = 3; const e = new Event('close'); e.code = code; const h = sock.onclose; if (h) h.call(sock, e); sock.dispatchEvent(e); }
export function hover(el) { el.dispatchEvent(new PointerEvent('pointerover', { bubbles: true, composed: true })); }
export function sleep(ms) { return new Promise(r => setTimeout(r, ms)); }
export function next_frame() { return new Promise(r => requestAnimationFrame(() => r())); }
export function stub(cmds) {
  const p = window.presenza = function () { (p.q = p.q || []).push(arguments); };
  for (const c of cmds) p.apply(null, c);
  return p;
}
export function recorder() {
  const calls = [];
  const f = function (x) { calls.push(x === undefined ? null : x); };
  f.calls = calls;
  return f;
}
export function shadow() {
  const h = document.querySelectorAll('presenza-widget');
  return h.length === 1 ? h[0].shadowRoot : null;
}
export function key(el, k) { el.dispatchEvent(new KeyboardEvent('keydown', { key: k, bubbles: true, composed: true })); }
export function set_hidden(h) {
  Object.defineProperty(document, 'hidden', { configurable: true, get: () => h });
  document.dispatchEvent(new Event('visibilitychange'));
}
export function reentrant() {
  return function (s) { if (s.status === 'busy') window.presenza_cmd('chat:open'); throw new Error('page bug'); };
}
export function json_of(p) { return p.then(r => r.json()); }
export function set_languages(list) {
  Object.defineProperty(navigator, 'languages', { configurable: true, get: () => list });
}
export function sheet_text(root) {
  return root.adoptedStyleSheets.map(s => [...s.cssRules].map(r => r.cssText).join('\n')).join('\n');
}
"#)]
extern "C" {
    fn install_fake(routes: &JsValue);
    fn sockets() -> Array;
    fn fetches() -> Array;
    pub(crate) fn push(sock: &JsValue, data: &str);
    pub(crate) fn open_socket(sock: &JsValue);
    pub(crate) fn drop_socket(sock: &JsValue);
    fn sleep(ms: u32) -> Promise;
    fn next_frame() -> Promise;
    pub(crate) fn stub(cmds: JsValue) -> Function;
    pub(crate) fn recorder() -> Function;
    pub(crate) fn shadow() -> Option<ShadowRoot>;
    pub(crate) fn key(el: &Element, k: &str);
    pub(crate) fn set_hidden(h: bool);
    fn sheet_text(root: &ShadowRoot) -> String;
    fn reentrant() -> Function;
    fn set_languages(list: JsValue);
    fn json_of(response: &JsValue) -> JsValue;
    fn warnings() -> Array;
    pub(crate) fn route(key: &str, body: &JsValue, status: u16);
    /// The URL, method, headers and body of the last `fetch` with options.
    pub(crate) fn last_init() -> JsValue;
    fn close_socket(sock: &JsValue, code: u16);
    pub(crate) fn hover(el: &Element);
}

pub(crate) const BASE: &str = "http://edge.test/widget/";

pub(crate) fn js(s: &str) -> JsValue {
    js_sys::JSON::parse(s).unwrap()
}

pub(crate) async fn wait(ms: u32) {
    JsFuture::from(sleep(ms)).await.unwrap();
}

/// Waits until the config is in and the launcher's first frame is out:
/// the first socket opens then (`App::connect_after_frame`).
pub(crate) async fn framed() {
    wait(10).await;
    JsFuture::from(next_frame()).await.unwrap();
    wait(1).await;
}

/// The loader's binder: `k => v => on(k, v)`.
pub(crate) fn binder() -> JsValue {
    Closure::<dyn Fn(u32) -> JsValue>::new(|k: u32| {
        Closure::<dyn Fn(JsValue)>::new(move |v: JsValue| crate::on(k, v)).into_js_value()
    })
    .into_js_value()
}

/// The chat module's entry as the launcher gets it: `pre.i(base)` resolves
/// to `{c: cx => chat(cx, bind, base)}`; with `visitor`, as the loader
/// hands over a returning visitor's id.
pub(crate) fn chat_pre(visitor: Option<&str>) -> JsValue {
    let entry = Closure::<dyn Fn(JsValue)>::new(|cx: JsValue| {
        let bind = Closure::<dyn Fn(u32) -> JsValue>::new(|k: u32| {
            Closure::<dyn Fn(JsValue)>::new(move |v: JsValue| crate::chat::chat_on(k, v))
                .into_js_value()
        })
        .into_js_value();
        crate::chat::chat(cx, bind, BASE.into());
    })
    .into_js_value();
    let module = Object::new();
    Reflect::set(&module, &"c".into(), &entry).unwrap();
    let module: JsValue = module.into();
    let load =
        Closure::<dyn Fn(JsValue) -> Promise>::new(move |_base: JsValue| Promise::resolve(&module))
            .into_js_value();
    let pre = Object::new();
    Reflect::set(&pre, &"i".into(), &load).unwrap();
    if let Some(v) = visitor {
        Reflect::set(&pre, &"v".into(), &v.into()).unwrap();
    }
    pre.into()
}

/// A widget-config answer as the edge writes it: the widget's settings
/// (defaults changed by `edit`), without a status (as an edge older than
/// that field; the first status then comes from the socket).
pub(crate) fn config(edit: impl FnOnce(&mut Widget)) -> String {
    let mut widget = Widget::default();
    edit(&mut widget);
    frame::to_text(&WidgetConfigView {
        widget,
        status: None,
    })
}

/// The same with the audience's status, as the edge answers now.
fn config_with(status: AudienceView, edit: impl FnOnce(&mut Widget)) -> String {
    let mut widget = Widget::default();
    edit(&mut widget);
    frame::to_text(&WidgetConfigView {
        widget,
        status: Some(status),
    })
}

/// The edge's error answer `{"error": {"code", "message"}}`.
fn error_body(code: &str, message: &str) -> JsValue {
    js(&frame::to_text(&presenza_protocol::error::ErrorBody {
        error: presenza_protocol::error::ErrorObject {
            code: code.into(),
            message: message.into(),
            retry_after_secs: None,
            at: None,
        },
    }))
}

/// `texts[lang][key] = text` in a widget's settings.
pub(crate) fn override_text(w: &mut Widget, lang: &str, key: &str, t: &str) {
    w.texts
        .0
        .entry(lang.into())
        .or_default()
        .insert(key.into(), t.into());
}

/// Tears the previous test's widget (and chat) down, forgets the visitor,
/// and installs a fresh fake edge whose widget-config is `config`.
pub(crate) fn reset(config: &str) {
    with(&mut |a| a.stop());
    *APP.0.borrow_mut() = None;
    crate::chat::reset();
    let storage = web_sys::window().unwrap().local_storage().unwrap().unwrap();
    storage.remove_item("presenza:s1").unwrap();
    let doc = web_sys::window().unwrap().document().unwrap();
    let hosts = doc.query_selector_all("presenza-widget").unwrap();
    for i in 0..hosts.length() {
        hosts.get(i).unwrap().unchecked_into::<Element>().remove();
    }
    let _ = Reflect::delete_property(&web_sys::window().unwrap(), &"presenza".into());
    let routes = js_sys::Object::new();
    let set = |k: &str, v: JsValue| Reflect::set(&routes, &k.into(), &v).unwrap();
    set("/widget-config", js(config));
    set("i18n/cs.json", js(include_str!("../i18n/cs.json")));
    set("i18n/pl.json", js(include_str!("../i18n/pl.json")));
    set("i18n/de.json", js(include_str!("../i18n/de.json")));
    set("i18n/it.json", js(include_str!("../i18n/it.json")));
    set("chat/cs.json", js(include_str!("../i18n/chat/cs.json")));
    set("chat/pl.json", js(include_str!("../i18n/chat/pl.json")));
    set("chat/it.json", js(include_str!("../i18n/chat/it.json")));
    install_fake(&routes);
}

pub(crate) fn el(id: &str) -> Element {
    shadow()
        .expect("one widget host")
        .get_element_by_id(id)
        .expect(id)
}

pub(crate) fn text(id: &str) -> String {
    el(id).text_content().unwrap_or_default()
}

pub(crate) fn attr(id: &str, name: &str) -> Option<String> {
    el(id).get_attribute(name)
}

fn class() -> String {
    attr("w", "class").unwrap_or_default()
}

pub(crate) fn last_socket() -> JsValue {
    let s = sockets();
    s.get(s.length() - 1)
}

#[track_caller]
pub(crate) fn prop(o: &JsValue, k: &str) -> JsValue {
    Reflect::get(o, &k.into()).unwrap()
}

pub(crate) fn calls(f: &Function) -> Array {
    prop(f, "calls").unchecked_into()
}

/// What an audience is told (`online`, `busy` or `offline`), as the edge
/// writes it.
pub(crate) fn audience(
    status: &str,
    message: Option<&str>,
    back_in_ms: Option<f64>,
) -> AudienceView {
    let status = Status::parse(status).expect("a status");
    AudienceView {
        status,
        reason: match status {
            Status::Online => Reason::AgentsOnline,
            Status::Busy => Reason::AllBusy,
            Status::Offline => Reason::NoAgents,
        },
        message: message.map(String::from),
        back_at: back_in_ms.map(|ms| Timestamp((Date::now() + ms) as i64)),
        next_change: None,
        group: None,
    }
}

/// A status frame of the visitor socket.
pub(crate) fn status(status: &str, message: Option<&str>, back_in_ms: Option<f64>) -> String {
    frame::to_text(&VisitorEvent::Status(audience(status, message, back_in_ms)))
}

/// Boots on site `s1` with the given queued commands (the chat module
/// available) and sends a first status on the socket, opened once the
/// config is in.
async fn booted(cmds: &str, first: &str) {
    stub(js(cmds));
    boot(
        BASE.into(),
        "s1".into(),
        JsValue::UNDEFINED,
        binder(),
        chat_pre(None),
    );
    framed().await;
    push(&last_socket(), first);
    wait(30).await;
}

/// The visitor shows an intent to open the panel (the pointer over the
/// launcher): the chat module loads and brings the panel.
async fn intent() {
    hover(&el("l"));
    wait(40).await;
}

#[wasm_bindgen_test]
async fn queued_commands_run_in_order_before_connecting() {
    reset(&config(|w| {
        w.accent_color = "#ffcc00".into();
        w.position = "left".into();
        w.offset_x = 32;
    }));
    let rec = recorder();
    let queue = stub(js(
        r#"[["group","sales"],["language","cs"],["texts",{"offline":"Napište nám!"}],["chat:open"],["bogus",1],["init",{"site":"s1"}]]"#,
    ));
    queue
        .call3(&JsValue::NULL, &"on".into(), &"status".into(), &rec)
        .unwrap();
    boot(
        BASE.into(),
        JsValue::UNDEFINED,
        JsValue::UNDEFINED,
        binder(),
        chat_pre(None),
    );

    // The config of the group queued before the site was known, then one
    // socket for it.
    let fetched = |url: &str| fetches().iter().any(|u| u.as_string().unwrap() == url);
    assert!(fetched(
        "http://edge.test/v1/sites/s1/widget-config?group=sales"
    ));
    assert_eq!(
        sockets().length(),
        0,
        "no socket before the config says the group exists"
    );
    framed().await;
    assert_eq!(sockets().length(), 1);
    assert_eq!(
        prop(&last_socket(), "url").as_string().unwrap(),
        "ws://edge.test/v1/sites/s1/live?group=sales"
    );
    // The queue was drained.
    assert_eq!(calls_len(&prop(&queue, "q")), 0);

    // Nothing is painted before the first status.
    wait(20).await;
    assert!(shadow().is_none());
    push(&last_socket(), &status("offline", None, None));
    wait(40).await;
    // The Czech file was fetched; the owner's text wins over it.
    assert!(fetched("http://edge.test/widget/i18n/cs.json"));
    assert_eq!(text("t1"), "Napište nám!");
    assert_eq!(attr("w", "lang").unwrap(), "cs");
    // chat:open was queued: the launcher closes the panel now...
    assert_eq!(attr("l", "aria-label").unwrap(), "Zavřít chat");
    assert!(class().contains(" o"));
    // ...which the chat module brought, open, after the first paint.
    assert_eq!(attr("p", "hidden"), None);
    assert_eq!(attr("l", "aria-expanded").unwrap(), "true");
    assert_eq!(
        text("i"),
        "Právě tu nikdo není. Nechte nám zprávu a ozveme se vám."
    );
    assert!(fetched("http://edge.test/widget/chat/cs.json"));
    // Closed, the launcher says the state again.
    command("chat:close".into(), JsValue::UNDEFINED, JsValue::UNDEFINED);
    assert_eq!(attr("l", "aria-label").unwrap(), "Offline: Napište nám!");
    // Site settings: left, yellow accent with black text, offset.
    assert!(class().contains(" l"));
    let style = attr("w", "style").unwrap();
    assert!(
        style.contains("--a: #ffcc00")
            && style.contains("--on: #000")
            && style.contains("--x: 32px"),
        "{style}"
    );
    // The listener queued before boot got the status (in a microtask).
    assert_eq!(calls(&rec).length(), 1);
    assert_eq!(
        prop(&calls(&rec).get(0), "status").as_string().unwrap(),
        "offline"
    );
}

fn calls_len(a: &JsValue) -> u32 {
    prop(a, "length").as_f64().unwrap() as u32
}

#[wasm_bindgen_test]
async fn paints_from_the_loaders_config_answer_before_the_socket() {
    reset(&config_with(audience("online", None, None), |w| {
        w.accent_color = "#aa0000".into();
    }));
    // What the loader starts while the Wasm loads: the config of s1 (no
    // group), with the status.
    let url = "http://edge.test/v1/sites/s1/widget-config";
    let fetch = Reflect::get(&web_sys::window().unwrap(), &"fetch".into())
        .unwrap()
        .unchecked_into::<Function>();
    let answer = fetch.call1(&JsValue::NULL, &url.into()).unwrap();
    // The loader hands over the parsed JSON's promise and its URL.
    let pre = chat_pre(None);
    Reflect::set(&pre, &"u".into(), &url.into()).unwrap();
    let parsed = json_of(&answer);
    Reflect::set(&pre, &"c".into(), &parsed).unwrap();
    stub(js("[]"));
    boot(BASE.into(), "s1".into(), JsValue::UNDEFINED, binder(), pre);
    // The widget took the answer before this (its `then` came first), and
    // no frame can come between.
    JsFuture::from(parsed.unchecked_into::<Promise>())
        .await
        .unwrap();
    // Painted from that one answer, before the socket said anything, and
    // before it opens: the launcher's first frame goes first.
    assert_eq!(text("t1"), "Chat with us");
    assert!(
        attr("w", "style").unwrap().contains("--a: #aa0000"),
        "{:?}",
        attr("w", "style")
    );
    assert_eq!(sockets().length(), 0, "no socket before the first frame");
    framed().await;
    assert_eq!(
        sockets().length(),
        1,
        "the socket opens after the first frame"
    );
    assert_eq!(
        fetches().length(),
        1,
        "settings fetched once (by the loader), nothing else before the visitor's intent: {:?}",
        fetches()
            .iter()
            .map(|u| u.as_string().unwrap())
            .collect::<Vec<_>>()
    );
    // The socket's first status is the same: nothing changes, nothing is
    // announced.
    push(&last_socket(), &status("online", None, None));
    assert_eq!(text("r"), "");
    // A loader answer for another audience is not used.
    reset(&config(|_| {}));
    let pre = chat_pre(None);
    Reflect::set(&pre, &"u".into(), &url.into()).unwrap();
    Reflect::set(&pre, &"c".into(), &Promise::resolve(&js("{}"))).unwrap();
    stub(js(r#"[["group","sales"]]"#));
    boot(BASE.into(), "s1".into(), JsValue::UNDEFINED, binder(), pre);
    assert_eq!(
        fetches().get(0).as_string().unwrap(),
        "http://edge.test/v1/sites/s1/widget-config?group=sales"
    );
    framed().await;
    assert_eq!(
        prop(&last_socket(), "url").as_string().unwrap(),
        "ws://edge.test/v1/sites/s1/live?group=sales"
    );
}

#[wasm_bindgen_test]
async fn a_site_that_does_not_exist_hides_the_widget_and_says_so_once() {
    reset(&config(|_| {}));
    route(
        "/widget-config",
        &error_body("site_not_found", "no such site"),
        404,
    );
    stub(js(r#"[["chat:open"]]"#));
    boot(
        BASE.into(),
        "s_nope".into(),
        JsValue::UNDEFINED,
        binder(),
        chat_pre(None),
    );
    wait(3_200).await;
    assert!(shadow().is_none(), "nothing to type into");
    assert_eq!(sockets().length(), 0, "no socket, no retries");
    assert_eq!(fetches().length(), 1);
    assert_eq!(warnings().length(), 1);
    let warning = warnings().get(0).as_string().unwrap();
    assert_eq!(
        warning,
        "Presenza: no such site (site s_nope at http://edge.test). Check the snippet; the widget stays hidden."
    );
    // Commands change nothing.
    command("chat:open".into(), JsValue::UNDEFINED, JsValue::UNDEFINED);
    assert!(shadow().is_none());
}

#[wasm_bindgen_test]
async fn a_page_of_an_origin_the_site_refuses_hides_the_widget_and_says_so_once() {
    reset(&config(|_| {}));
    let refused = "http://shop.test is not in this site's allowed origins: add it in the console";
    route(
        "/widget-config",
        &error_body("origin_not_allowed", refused),
        403,
    );
    stub(js(r#"[["chat:open"]]"#));
    boot(
        BASE.into(),
        "s1".into(),
        JsValue::UNDEFINED,
        binder(),
        chat_pre(None),
    );
    wait(3_200).await;
    assert!(shadow().is_none(), "no box that can't deliver");
    assert_eq!(sockets().length(), 0, "no socket, no retries");
    assert_eq!(fetches().length(), 1);
    assert_eq!(
        warnings()
            .iter()
            .map(|w| w.as_string().unwrap())
            .collect::<Vec<_>>(),
        [format!(
            "Presenza: {refused} (site s1 at http://edge.test). The widget stays hidden."
        )]
    );
}

#[wasm_bindgen_test]
async fn a_group_that_does_not_exist_falls_back_to_the_whole_site_and_says_so_once() {
    reset(&config_with(audience("online", None, None), |_| {}));
    route(
        "/widget-config?group=sale",
        &error_body("unknown_group", "no group `sale` on this site"),
        404,
    );
    stub(js("[]"));
    boot(
        BASE.into(),
        "s1".into(),
        "sale".into(),
        binder(),
        chat_pre(None),
    );
    framed().await;
    let urls: Vec<String> = fetches().iter().map(|u| u.as_string().unwrap()).collect();
    assert_eq!(
        urls,
        [
            "http://edge.test/v1/sites/s1/widget-config?group=sale",
            "http://edge.test/v1/sites/s1/widget-config"
        ]
    );
    // The whole site's status, and its socket only.
    assert_eq!(text("t1"), "Chat with us");
    assert_eq!(sockets().length(), 1);
    assert_eq!(
        prop(&last_socket(), "url").as_string().unwrap(),
        "ws://edge.test/v1/sites/s1/live"
    );
    assert_eq!(
        warnings().iter().map(|w| w.as_string().unwrap()).collect::<Vec<_>>(),
        ["Presenza: no group `sale` on this site (site s1 at http://edge.test). Check the snippet; the widget shows the whole site."]
    );
    // The group is deleted while the page is open (close 4004): the config
    // says so, the widget follows the whole site, no retries.
    reset(&config_with(audience("online", None, None), |_| {}));
    stub(js("[]"));
    boot(
        BASE.into(),
        "s1".into(),
        "sales".into(),
        binder(),
        chat_pre(None),
    );
    framed().await;
    assert_eq!(
        prop(&last_socket(), "url").as_string().unwrap(),
        "ws://edge.test/v1/sites/s1/live?group=sales"
    );
    route(
        "/widget-config?group=sales",
        &error_body("unknown_group", "no group `sales` on this site"),
        404,
    );
    close_socket(&last_socket(), close::GROUP_DELETED);
    wait(1_200).await;
    assert_eq!(
        prop(&last_socket(), "url").as_string().unwrap(),
        "ws://edge.test/v1/sites/s1/live"
    );
    assert_eq!(sockets().length(), 2);
    assert_eq!(warnings().length(), 1);
}

#[wasm_bindgen_test]
async fn the_owners_change_reaches_an_open_widget_in_its_language() {
    reset(&config(|w| {
        w.language = Some("it".into());
        override_text(w, "*", "online", "Siamo qui per te");
    }));
    booted("[]", &status("online", None, None)).await;
    assert_eq!(text("t1"), "Siamo qui per te");
    // The owner sets an Italian text and a German one: the Italian visitor
    // sees theirs at once, without a reload.
    let mut widget = Widget {
        language: Some("it".into()),
        ..Widget::default()
    };
    override_text(&mut widget, "it", "online", "Scrivici pure");
    override_text(&mut widget, "de", "online", "Schreiben Sie uns");
    override_text(&mut widget, "*", "busy", "Un attimo");
    push(
        &last_socket(),
        &frame::to_text(&VisitorFrame::Widget { widget }),
    );
    wait(10).await;
    assert_eq!(text("t1"), "Scrivici pure");
    push(&last_socket(), &status("busy", None, None));
    assert_eq!(text("t1"), "Un attimo", "every language's text");
    assert_eq!(sockets().length(), 1, "no reconnect");
}

#[wasm_bindgen_test]
async fn renders_online_busy_offline_live() {
    reset(&config(|w| w.language = Some("en".into())));
    booted("[]", &status("online", None, None)).await;
    // The panel comes with the chat module, on the visitor's first intent.
    assert_eq!(fetches().length(), 1, "only the config before the intent");
    intent().await;
    assert_eq!(text("t1"), "Chat with us");
    assert_eq!(text("t2"), "");
    assert_eq!(attr("l", "aria-label").unwrap(), "Online: Chat with us");
    assert_eq!(attr("l", "aria-expanded").unwrap(), "false");
    assert_eq!(attr("l", "aria-controls").unwrap(), "p");
    assert!(class().contains("s-online"));
    assert_eq!(el("l").tag_name(), "BUTTON");
    assert_eq!(attr("p", "role").unwrap(), "dialog");
    // Labelled by the agent serving the conversation (none yet) and the title.
    assert_eq!(attr("p", "aria-labelledby").unwrap(), "an h");
    assert_eq!(text("an"), "");
    assert_eq!(attr("p", "hidden").as_deref(), Some(""));
    assert_eq!(text("h"), "Chat with us");
    assert_eq!(attr("r", "role").unwrap(), "status");
    assert_eq!(text("r"), "", "the first paint is not announced");
    let css = sheet_text(&shadow().unwrap());
    assert!(css.contains(":host { all: initial !important; }"), "{css}");
    assert!(css.contains("prefers-reduced-motion"));

    push(
        &last_socket(),
        &status("busy", Some("Back from lunch soon"), Some(9.5 * 60_000.0)),
    );
    assert_eq!(text("t1"), "Back from lunch soon");
    assert_eq!(text("t2"), "back in 10 minutes");
    assert_eq!(text("h"), "Back from lunch soon");
    assert_eq!(text("s"), "Busy · back in 10 minutes");
    assert_eq!(text("r"), "Busy: Back from lunch soon, back in 10 minutes");
    assert!(class().contains("s-busy"));

    push(&last_socket(), &status("busy", None, Some(60_000.0)));
    assert_eq!(text("t1"), "We're busy");
    assert_eq!(text("t2"), "back in 1 minute");

    // Outside hours, back on another day: the weekday, in the visitor's zone.
    push(
        &last_socket(),
        &status("offline", None, Some(2.0 * 86_400_000.0)),
    );
    assert_eq!(text("t1"), "Leave us a message");
    let day: String = Date::new(&JsValue::from_f64(Date::now() + 2.0 * 86_400_000.0))
        .to_locale_date_string("en", &js(r#"{"weekday":"long"}"#))
        .into();
    assert!(
        text("t2").starts_with(&format!("back {day} ")),
        "{}",
        text("t2")
    );
    assert_eq!(
        text("r"),
        format!("Offline: Leave us a message, {}", text("t2"))
    );
    assert!(class().contains("s-offline"));

    // Back today: "back at <time>".
    push(&last_socket(), &status("offline", None, Some(60_000.0)));
    if text("t2").contains(' ') && Date::new_0().get_hours() < 23 {
        assert!(text("t2").starts_with("back at "), "{}", text("t2"));
    }
}

#[wasm_bindgen_test]
async fn czech_plurals_and_owner_texts() {
    reset(&config(|w| {
        w.language = Some("cs".into());
        override_text(w, "*", "online", "Jsme tu pro vás");
        override_text(w, "pl", "busy", "Chwilka");
    }));
    booted("[]", &status("online", None, None)).await;
    assert_eq!(text("t1"), "Jsme tu pro vás");
    assert_eq!(attr("l", "aria-label").unwrap(), "Online: Jsme tu pro vás");
    for (mins, want) in [
        (1.0, "zpět za 1 minutu"),
        (3.0, "zpět za 3 minuty"),
        (5.0, "zpět za 5 minut"),
    ] {
        push(
            &last_socket(),
            &status("busy", None, Some(mins * 60_000.0 - 1_000.0)),
        );
        assert_eq!(text("t2"), want);
    }
    // The page's language command beats the site's setting (once its file is in).
    command("language".into(), "pl".into(), JsValue::UNDEFINED);
    wait(30).await;
    assert_eq!(text("t2"), "wracamy za 5 minut");
    assert_eq!(attr("w", "lang").unwrap(), "pl");
    // The site's Polish text, then the page's (which wins).
    push(
        &last_socket(),
        &status("busy", None, Some(5.0 * 60_000.0 - 1_000.0)),
    );
    assert_eq!(text("t1"), "Chwilka");
    command(
        "texts".into(),
        js(r#"{"busy":"Chwileczkę"}"#),
        JsValue::UNDEFINED,
    );
    assert_eq!(text("t1"), "Chwileczkę");
}

#[wasm_bindgen_test]
async fn language_from_the_browser_then_html_lang() {
    // No language from the page or the site: navigator.languages decides,
    // and its own tag (de-AT) formats times.
    reset(&config(|_| {}));
    set_languages(js(r#"["xx", "de-AT", "it"]"#));
    booted("[]", &status("offline", None, None)).await;
    assert_eq!(text("t1"), "Hinterlassen Sie uns eine Nachricht");
    assert_eq!(attr("w", "lang").unwrap(), "de");
    let mut tag = String::new();
    with(&mut |a| tag = a.lang.tag.clone());
    assert_eq!(tag, "de-AT");
    // None of the browser's languages is supported: <html lang> (cs).
    reset(&config(|_| {}));
    set_languages(js(r#"["ja-JP"]"#));
    let html = web_sys::window()
        .unwrap()
        .document()
        .unwrap()
        .document_element()
        .unwrap();
    html.set_attribute("lang", "cs_CZ").unwrap();
    booted("[]", &status("online", None, None)).await;
    assert_eq!(text("t1"), "Chatujte s námi");
    with(&mut |a| tag = a.lang.tag.clone());
    assert_eq!(tag, "cs", "a malformed <html lang> never reaches Intl");
    html.remove_attribute("lang").unwrap();
    set_languages(js(r#"["en-US"]"#));
}

#[wasm_bindgen_test]
async fn keyboard_open_escape_returns_focus() {
    reset(&config(|_| {}));
    let opened = recorder();
    let closed = recorder();
    booted("[]", &status("online", None, None)).await;
    command("on".into(), "open".into(), opened.clone().into());
    command("on".into(), "close".into(), closed.clone().into());
    let launcher = el("l").unchecked_into::<HtmlElement>();
    launcher.focus().unwrap();
    wait(20).await;
    launcher.click();
    // The focus brought the chat module: the panel is there at once.
    assert_eq!(attr("p", "hidden"), None);
    assert_eq!(attr("l", "aria-expanded").unwrap(), "true");
    let active = shadow().unwrap().active_element().unwrap();
    assert_eq!(
        active.id(),
        "f",
        "focus moves into the panel, to the composer"
    );
    assert!(active.closest("#p").unwrap().is_some());
    key(&active, "Escape");
    assert_eq!(attr("p", "hidden").as_deref(), Some(""));
    assert_eq!(attr("l", "aria-expanded").unwrap(), "false");
    assert_eq!(
        shadow().unwrap().active_element().unwrap().id(),
        "l",
        "focus returns"
    );
    // The close button also closes and returns focus.
    launcher.click();
    el("x").unchecked_into::<HtmlElement>().click();
    assert_eq!(attr("p", "hidden").as_deref(), Some(""));
    assert_eq!(shadow().unwrap().active_element().unwrap().id(), "l");
    wait(5).await;
    assert_eq!((calls(&opened).length(), calls(&closed).length()), (2, 2));
    // `off` stops a listener; API open/close do not move focus.
    command("off".into(), "open".into(), opened.clone().into());
    command("chat:toggle".into(), JsValue::UNDEFINED, JsValue::UNDEFINED);
    assert_eq!(attr("p", "hidden"), None);
    wait(5).await;
    assert_eq!(calls(&opened).length(), 2);
    assert_eq!(shadow().unwrap().active_element().unwrap().id(), "l");
    command("widget:hide".into(), JsValue::UNDEFINED, JsValue::UNDEFINED);
    assert!(class().contains(" hid"));
    command("widget:show".into(), JsValue::UNDEFINED, JsValue::UNDEFINED);
    assert!(!class().contains(" hid"));
    command("theme".into(), "dark".into(), JsValue::UNDEFINED);
    assert!(class().contains(" dark"));
    command(
        "theme".into(),
        js(r##"{"theme":"light","accent_color":"#123"}"##),
        JsValue::UNDEFINED,
    );
    assert!(class().contains(" light") && attr("w", "style").unwrap().contains("--a: #112233"));
}

#[wasm_bindgen_test]
async fn listeners_may_call_back_and_throw() {
    reset(&config(|_| {}));
    booted("[]", &status("online", None, None)).await;
    // A listener that opens the chat when agents come online, and one that throws.
    let f = reentrant();
    let cmd = Closure::<dyn Fn(JsValue)>::new(|n: JsValue| {
        command(n, JsValue::UNDEFINED, JsValue::UNDEFINED)
    });
    Reflect::set(
        &web_sys::window().unwrap(),
        &"presenza_cmd".into(),
        cmd.as_ref(),
    )
    .unwrap();
    command("on".into(), "status".into(), f.into());
    push(&last_socket(), &status("busy", None, None));
    wait(40).await;
    assert_eq!(attr("p", "hidden"), None, "the listener's chat:open ran");
    assert_eq!(text("t1"), "We're busy");
}

#[wasm_bindgen_test]
async fn reconnects_with_backoff_and_shows_offline_when_unreachable() {
    reset(&config(|_| {}));
    booted("[]", &status("online", None, None)).await;
    assert_eq!(sockets().length(), 1);
    // First drop: keep the last state, reconnect within a second.
    drop_socket(&last_socket());
    assert_eq!(text("t1"), "Chat with us");
    wait(1_100).await;
    assert_eq!(sockets().length(), 2);
    // That one fails too: now the edge counts as unreachable.
    drop_socket(&last_socket());
    assert_eq!(text("t1"), "Leave us a message");
    // It never delivered anything: the next try reads the config first
    // (is the site still there?), then connects.
    let configs = fetches().length();
    wait(2_100).await;
    assert_eq!(fetches().length(), configs + 1);
    assert_eq!(sockets().length(), 3);
    push(&last_socket(), &status("online", None, None));
    assert_eq!(text("t1"), "Chat with us");
    // Heartbeat answers are not statuses.
    push(&last_socket(), "pong");
    assert_eq!(text("t1"), "Chat with us");
}

#[wasm_bindgen_test]
async fn group_change_resubscribes_and_hidden_page_sleeps() {
    reset(&config(|_| {}));
    booted("[]", &status("online", None, None)).await;
    let first = last_socket();
    command("group".into(), "b2b".into(), JsValue::UNDEFINED);
    assert!(prop(&first, "closed").is_truthy());
    assert_eq!(
        fetches().iter().last().unwrap().as_string().unwrap(),
        "http://edge.test/v1/sites/s1/widget-config?group=b2b"
    );
    wait(10).await;
    assert_eq!(
        prop(&last_socket(), "url").as_string().unwrap(),
        "ws://edge.test/v1/sites/s1/live?group=b2b"
    );

    // Hidden long enough: the socket closes; shown again: a new one resyncs.
    set_hidden(true);
    with(&mut |a| a.on_timer(T_HIDDEN));
    let mut asleep = false;
    with(&mut |a| asleep = a.ws.is_none() && a.suspended);
    assert!(asleep);
    let n = sockets().length();
    set_hidden(false);
    assert_eq!(sockets().length(), n + 1);
    let _ = Reflect::delete_property(
        &web_sys::window().unwrap().document().unwrap(),
        &"hidden".into(),
    );
}

#[wasm_bindgen_test]
fn languages_and_text_keys_are_the_protocols() {
    // The packed language list is the protocol's.
    assert_eq!(crate::i18n::LANGS, LANGUAGES.concat());
    // Every text of the launcher's and the chat's files is a key the edge
    // lets owners override, in the protocol's order; in every language.
    let keys = |json: &str| -> Vec<String> {
        Object::keys(js(json).unchecked_ref::<Object>())
            .iter()
            .map(|k| k.as_string().unwrap())
            .collect()
    };
    assert_eq!(keys(crate::i18n::EN), LAUNCHER_TEXT_KEYS);
    assert_eq!(keys(crate::chat::EN), CHAT_TEXT_KEYS);
    for (launcher, chat) in [
        (
            include_str!("../i18n/it.json"),
            include_str!("../i18n/chat/it.json"),
        ),
        (
            include_str!("../i18n/cs.json"),
            include_str!("../i18n/chat/cs.json"),
        ),
        (
            include_str!("../i18n/sk.json"),
            include_str!("../i18n/chat/sk.json"),
        ),
        (
            include_str!("../i18n/de.json"),
            include_str!("../i18n/chat/de.json"),
        ),
        (
            include_str!("../i18n/es.json"),
            include_str!("../i18n/chat/es.json"),
        ),
        (
            include_str!("../i18n/fr.json"),
            include_str!("../i18n/chat/fr.json"),
        ),
        (
            include_str!("../i18n/pl.json"),
            include_str!("../i18n/chat/pl.json"),
        ),
        (
            include_str!("../i18n/hu.json"),
            include_str!("../i18n/chat/hu.json"),
        ),
    ] {
        assert_eq!(keys(launcher), LAUNCHER_TEXT_KEYS);
        assert_eq!(keys(chat), CHAT_TEXT_KEYS);
    }
}

#[wasm_bindgen_test]
fn backoff_grows_with_jitter_and_is_capped() {
    assert_eq!((backoff(1, 0.0), backoff(1, 1.0)), (500, 1_000));
    assert_eq!(backoff(2, 0.0), 1_000);
    assert_eq!(backoff(3, 1.0), 4_000);
    assert_eq!(backoff(30, 1.0), 60_000);
    assert_eq!(backoff(30, 0.0), 30_000);
    // A socket that lived a while and dropped (a deploy drops them all):
    // the first retry anywhere in 0.5–5 s; a short-lived one backs off.
    assert_eq!(reconnect_delay(1, 60_000.0, 0.0), 500);
    assert_eq!(reconnect_delay(1, 60_000.0, 1.0), 5_000);
    assert_eq!(reconnect_delay(1, 2_000.0, 1.0), backoff(1, 1.0));
    assert_eq!(reconnect_delay(2, 60_000.0, 1.0), backoff(2, 1.0));
}

#[wasm_bindgen_test]
fn colours_and_contrast() {
    assert_eq!(hex("#ABC").as_deref(), Some("#aabbcc"));
    assert_eq!(hex("#1D4ED8").as_deref(), Some("#1d4ed8"));
    assert_eq!(hex("red"), None);
    assert_eq!(hex("#12345g"), None);
    assert_eq!(hex("#1234;}x"), None);
    assert_eq!(on_color("#1d4ed8"), "#fff");
    assert_eq!(on_color("#ffcc00"), "#000");
    assert_eq!(on_color("#ffffff"), "#000");
    assert_eq!(on_color("#000000"), "#fff");
    // Around the crossing point the better of the two still reaches 4.5:1.
    assert_eq!(on_color("#3b82f6"), "#000");
}
