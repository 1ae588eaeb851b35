//! Browser tests (wasm-bindgen-test in headless Chromium): rendering, the
//! command queue, live updates, keyboard use and reconnection, against a
//! fake edge: a fake `WebSocket` class and a fake `fetch` serving the
//! widget config, the language files and panel.json. The chat module's
//! tests are in `tests_chat.rs` (same fakes).

use js_sys::{Array, Date, Function, Promise, Reflect};
use wasm_bindgen::closure::Closure;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;
use wasm_bindgen_test::*;
use web_sys::{Element, HtmlElement, ShadowRoot};

use crate::controller::{backoff, T_HIDDEN};
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
  window.fetch = async (url) => {
    url = String(url);
    f.fetches.push(url);
    const key = Object.keys(f.routes).find(k => url.endsWith(k));
    return key === undefined
      ? new Response('no', { status: 404 })
      : new Response(JSON.stringify(f.routes[key]), { headers: { 'content-type': 'application/json' } });
  };
}
export function sockets() { return window.__fake.sockets; }
export function fetches() { return window.__fake.fetches; }
export function push(sock, data) { sock.fire('message', { data }); }
export function open_socket(sock) { sock.readyState = 1; sock.fire('open', {}); }
export function drop_socket(sock) { sock.readyState = 3; sock.fire('close', {}); }
export function sleep(ms) { return new Promise(r => setTimeout(r, ms)); }
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
export function new_socket(url) { const s = new WebSocket(url); s.readyState = 1; return s; }
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
    pub(crate) fn stub(cmds: JsValue) -> Function;
    fn recorder() -> Function;
    pub(crate) fn shadow() -> Option<ShadowRoot>;
    pub(crate) fn key(el: &Element, k: &str);
    fn set_hidden(h: bool);
    fn sheet_text(root: &ShadowRoot) -> String;
    fn reentrant() -> Function;
    fn set_languages(list: JsValue);
    fn new_socket(url: &str) -> JsValue;
    fn json_of(response: &JsValue) -> JsValue;
}

pub(crate) const BASE: &str = "http://edge.test/widget/";

pub(crate) fn js(s: &str) -> JsValue {
    js_sys::JSON::parse(s).unwrap()
}

pub(crate) async fn wait(ms: u32) {
    JsFuture::from(sleep(ms)).await.unwrap();
}

/// The loader's binder: `k => v => on(k, v)`.
pub(crate) fn binder() -> JsValue {
    Closure::<dyn Fn(u32) -> JsValue>::new(|k: u32| {
        Closure::<dyn Fn(JsValue)>::new(move |v: JsValue| crate::on(k, v)).into_js_value()
    })
    .into_js_value()
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
    let panel = js_sys::Object::new();
    Reflect::set(&panel, &"css".into(), &include_str!("../panel.css").into()).unwrap();
    Reflect::set(
        &panel,
        &"html".into(),
        &include_str!("../panel.html").into(),
    )
    .unwrap();
    set("panel.json", panel.into());
    set("chat/cs.json", js(include_str!("../i18n/chat/cs.json")));
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

fn calls(f: &Function) -> Array {
    prop(f, "calls").unchecked_into()
}

pub(crate) fn status(status: &str, message: Option<&str>, back_in_ms: Option<f64>) -> String {
    let quote = |v: Option<String>| v.map_or("null".to_string(), |v| format!("\"{v}\""));
    let back = back_in_ms
        .map(|ms| String::from(Date::new(&JsValue::from_f64(Date::now() + ms)).to_iso_string()));
    format!(
        r#"{{"status":"{status}","reason":"x","message":{},"back_at":{},"next_change":null}}"#,
        quote(message.map(String::from)),
        quote(back)
    )
}

/// Boots on site `s1` with the given queued commands and a first status.
async fn booted(cmds: &str, first: &str) {
    stub(js(cmds));
    boot(
        BASE.into(),
        "s1".into(),
        JsValue::UNDEFINED,
        binder(),
        JsValue::UNDEFINED,
    );
    push(&last_socket(), first);
    wait(30).await;
}

#[wasm_bindgen_test]
async fn queued_commands_run_in_order_before_connecting() {
    reset(r##"{"widget":{"accent_color":"#ffcc00","position":"left","offset_x":32}}"##);
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
        JsValue::UNDEFINED,
    );

    // One socket, opened with the group queued before the site was known.
    assert_eq!(sockets().length(), 1);
    assert_eq!(
        prop(&last_socket(), "url").as_string().unwrap(),
        "ws://edge.test/v1/sites/s1/live?group=sales"
    );
    let fetched = |url: &str| fetches().iter().any(|u| u.as_string().unwrap() == url);
    assert!(fetched("http://edge.test/v1/sites/s1/widget-config"));
    // The queue was drained.
    assert_eq!(calls_len(&prop(&queue, "q")), 0);

    // Nothing is painted before the first status.
    wait(20).await;
    assert!(shadow().is_none());
    push(&last_socket(), &status("offline", None, None));
    wait(30).await;
    // The Czech file was fetched; the owner's text wins over it.
    assert!(fetched("http://edge.test/widget/i18n/cs.json"));
    assert_eq!(text("t1"), "Napište nám!");
    assert_eq!(attr("w", "lang").unwrap(), "cs");
    assert_eq!(attr("l", "aria-label").unwrap(), "Offline: Napište nám!");
    // chat:open was queued: the panel (fetched after the first paint) is open.
    assert_eq!(attr("p", "hidden"), None);
    assert_eq!(attr("l", "aria-expanded").unwrap(), "true");
    assert_eq!(
        text("i"),
        "Právě tu nikdo není. Nechte nám zprávu a ozveme se vám."
    );
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

/// `s` as a JSON string literal.
fn serde_json_string(s: &str) -> String {
    String::from(js_sys::JSON::stringify(&s.into()).unwrap())
}

fn calls_len(a: &JsValue) -> u32 {
    prop(a, "length").as_f64().unwrap() as u32
}

#[wasm_bindgen_test]
async fn adopts_the_loaders_early_socket_and_settings() {
    reset(r##"{"widget":{"accent_color":"#aa0000"}}"##);
    // What the loader starts while the Wasm loads: a socket for s1 (no
    // group) that already got the status, and the settings fetch.
    let early = new_socket("ws://edge.test/v1/sites/s1/live");
    let pre = js_sys::Object::new();
    Reflect::set(&pre, &"w".into(), &early).unwrap();
    Reflect::set(
        &pre,
        &"m".into(),
        &js(&format!(
            "[{}]",
            serde_json_string(&status("online", None, None))
        )),
    )
    .unwrap();
    let fetch = Reflect::get(&web_sys::window().unwrap(), &"fetch".into())
        .unwrap()
        .unchecked_into::<Function>();
    let config = fetch
        .call1(
            &JsValue::NULL,
            &"http://edge.test/v1/sites/s1/widget-config".into(),
        )
        .unwrap();
    // The loader hands over the parsed JSON's promise.
    Reflect::set(&pre, &"c".into(), &json_of(&config)).unwrap();
    stub(js("[]"));
    boot(
        BASE.into(),
        "s1".into(),
        JsValue::UNDEFINED,
        binder(),
        pre.into(),
    );
    wait(30).await;
    assert_eq!(sockets().length(), 1, "no second socket");
    assert_eq!(
        fetches().length(),
        2,
        "settings fetched once (by the loader), then panel.json: {:?}",
        fetches()
            .iter()
            .map(|u| u.as_string().unwrap())
            .collect::<Vec<_>>()
    );
    assert_eq!(text("t1"), "Chat with us", "the early message was kept");
    assert!(
        attr("w", "style").unwrap().contains("--a: #aa0000"),
        "{:?}",
        attr("w", "style")
    );
    // A loader socket for another audience is closed, not adopted.
    reset(r#"{}"#);
    let early = new_socket("ws://edge.test/v1/sites/s1/live");
    let pre = js_sys::Object::new();
    Reflect::set(&pre, &"w".into(), &early).unwrap();
    stub(js(r#"[["group","sales"]]"#));
    boot(
        BASE.into(),
        "s1".into(),
        JsValue::UNDEFINED,
        binder(),
        pre.into(),
    );
    assert!(prop(&early, "closed").is_truthy());
    assert_eq!(
        prop(&last_socket(), "url").as_string().unwrap(),
        "ws://edge.test/v1/sites/s1/live?group=sales"
    );
}

#[wasm_bindgen_test]
async fn renders_online_busy_offline_live() {
    reset(r#"{"widget":{"language":"en"}}"#);
    booted("[]", &status("online", None, None)).await;
    assert_eq!(text("t1"), "Chat with us");
    assert_eq!(text("t2"), "");
    assert_eq!(attr("l", "aria-label").unwrap(), "Online: Chat with us");
    assert_eq!(attr("l", "aria-expanded").unwrap(), "false");
    assert_eq!(attr("l", "aria-controls").unwrap(), "p");
    assert!(class().contains("s-online"));
    assert_eq!(el("l").tag_name(), "BUTTON");
    assert_eq!(attr("p", "role").unwrap(), "dialog");
    assert_eq!(attr("p", "aria-labelledby").unwrap(), "h");
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
    reset(r#"{"widget":{"language":"cs","texts":{"online":"Jsme tu pro vás"}}}"#);
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
    reset(r#"{"widget":{}}"#);
    set_languages(js(r#"["xx", "de-AT", "it"]"#));
    booted("[]", &status("offline", None, None)).await;
    assert_eq!(text("t1"), "Hinterlassen Sie uns eine Nachricht");
    assert_eq!(attr("w", "lang").unwrap(), "de");
    let mut tag = String::new();
    with(&mut |a| tag = a.lang.tag.clone());
    assert_eq!(tag, "de-AT");
    // None of the browser's languages is supported: <html lang> (cs).
    reset(r#"{}"#);
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
    reset(r#"{}"#);
    let opened = recorder();
    let closed = recorder();
    booted("[]", &status("online", None, None)).await;
    command("on".into(), "open".into(), opened.clone().into());
    command("on".into(), "close".into(), closed.clone().into());
    let launcher = el("l").unchecked_into::<HtmlElement>();
    launcher.focus().unwrap();
    launcher.click();
    assert_eq!(attr("p", "hidden"), None);
    assert_eq!(attr("l", "aria-expanded").unwrap(), "true");
    let active = shadow().unwrap().active_element().unwrap();
    assert_eq!(active.id(), "p", "focus moves into the panel");
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
    reset(r#"{}"#);
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
    wait(5).await;
    assert_eq!(attr("p", "hidden"), None, "the listener's chat:open ran");
    assert_eq!(text("t1"), "We're busy");
}

#[wasm_bindgen_test]
async fn reconnects_with_backoff_and_shows_offline_when_unreachable() {
    reset(r#"{}"#);
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
    // Back: the edge sends the status at once.
    wait(2_100).await;
    assert_eq!(sockets().length(), 3);
    push(&last_socket(), &status("online", None, None));
    assert_eq!(text("t1"), "Chat with us");
    // Heartbeat answers are not statuses.
    push(&last_socket(), "pong");
    assert_eq!(text("t1"), "Chat with us");
}

#[wasm_bindgen_test]
async fn group_change_resubscribes_and_hidden_page_sleeps() {
    reset(r#"{}"#);
    booted("[]", &status("online", None, None)).await;
    let first = last_socket();
    command("group".into(), "b2b".into(), JsValue::UNDEFINED);
    assert!(prop(&first, "closed").is_truthy());
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
fn backoff_grows_with_jitter_and_is_capped() {
    assert_eq!((backoff(1, 0.0), backoff(1, 1.0)), (500, 1_000));
    assert_eq!(backoff(2, 0.0), 1_000);
    assert_eq!(backoff(3, 1.0), 4_000);
    assert_eq!(backoff(30, 1.0), 60_000);
    assert_eq!(backoff(30, 0.0), 30_000);
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
