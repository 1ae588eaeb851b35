//! Browser tests of the chat module (wasm-bindgen-test in headless
//! Chromium), with the launcher and the fake edge of `tests.rs`: the chat
//! is "imported" by a fake `pre.i` that hands the launcher this module's
//! own [`crate::chat::chat`]. Messages render as text, the outbox is resent
//! after reconnects until acknowledged, and the offline form validates
//! with the edge's rules.

use js_sys::{Date, Reflect};
use presenza_protocol::error::ErrorObject;
use presenza_protocol::frame::{self, Ack, ErrorFrame, VisitorFrame};
use presenza_protocol::view::{AgentRef, MessageView, VisitorThread};
use presenza_protocol::{AgentId, ConversationId};
use presenza_rules::conversation::DEFAULT_BUSY_REPLY;
use presenza_rules::{validate_client_id, ConversationState, MessageKind, Sender};
use wasm_bindgen::prelude::*;
use wasm_bindgen_test::*;
use web_sys::{Element, HtmlElement};

use crate::controller::T_RECONNECT;
use crate::tests::{
    attr, binder, calls, chat_pre, config, drop_socket, el, framed, js, last_init, last_socket,
    open_socket, override_text, prop, push, recorder, reset, route, set_hidden, shadow, status,
    stub, text, wait, BASE,
};
use crate::{boot, command, with};

wasm_bindgen_test_configure!(run_in_browser);

#[wasm_bindgen(inline_js = r#"
export function type_in(el, text) {
  el.value = text;
  el.dispatchEvent(new Event('input', { bubbles: true, composed: true }));
}
export function press_enter(el, shift) {
  const e = new KeyboardEvent('keydown', { key: 'Enter', shiftKey: shift, bubbles: true, composed: true, cancelable: true });
  el.dispatchEvent(e);
  return e.defaultPrevented;
}
export function submit(form) { form.requestSubmit(); }
export function frames(sock) { return sock.sent.filter(d => d[0] === '{').map(d => JSON.parse(d)); }
export function stored() { return JSON.parse(localStorage.getItem('presenza:s1') || 'null'); }
export function store(json) { localStorage.setItem('presenza:s1', json); }
export function active_el() { const r = document.querySelector('presenza-widget').shadowRoot; return r.activeElement; }
export function field(name) {
  return document.querySelector('presenza-widget').shadowRoot.getElementById('lf').elements[name];
}
export function log_items() {
  const log = document.querySelector('presenza-widget').shadowRoot.getElementById('g');
  return [...log.children].map(m => ({
    class: m.className,
    who: m.children[0].textContent,
    text: m.children[1].textContent,
    at: m.children[2].textContent,
  }));
}
export function fake_audio() {
  const a = { starts: 0 };
  window.AudioContext = class {
    constructor() { this.currentTime = 0; this.destination = {}; }
    createGain() { return { gain: { setValueAtTime() {}, exponentialRampToValueAtTime() {} }, connect() {} }; }
    createOscillator() { return { frequency: {}, connect() {}, start() { a.starts++; }, stop() {} }; }
  };
  Object.defineProperty(navigator, 'userActivation', { configurable: true, get: () => ({ hasBeenActive: true }) });
  return a;
}
export function doc_title(t) { if (t !== undefined) document.title = t; return document.title; }
export function panel_scroll() {
  const r = document.querySelector('presenza-widget').shadowRoot;
  const body = r.getElementById('g').parentElement;
  const marked = r.querySelector('[data-new]');
  const top = marked ? marked.getBoundingClientRect().top - body.getBoundingClientRect().top : null;
  return { scrollTop: body.scrollTop, max: body.scrollHeight - body.clientHeight, top, height: body.clientHeight,
    marked: marked ? marked.children[1].textContent : null, words: marked ? marked.dataset.new : null };
}
export function count(selector) {
  return document.querySelector('presenza-widget').shadowRoot.querySelectorAll(selector).length;
}
"#)]
extern "C" {
    fn type_in(el: &Element, text: &str);
    fn press_enter(el: &Element, shift: bool) -> bool;
    fn submit(form: &Element);
    fn frames(sock: &JsValue) -> js_sys::Array;
    fn stored() -> JsValue;
    fn store(json: &str);
    fn active_el() -> Option<Element>;
    fn field(name: &str) -> Element;
    fn log_items() -> js_sys::Array;
    fn count(selector: &str) -> u32;
    fn fake_audio() -> JsValue;
    fn doc_title(t: Option<String>) -> String;
    fn panel_scroll() -> JsValue;
}

const VISITOR: &str = "vvvvvvvvvvvvvvvvvvvvv1";
const SECRET: &str = "sssssssssssssssssssssssssssssssssssssssssss";

/// Boots on site `s1` with the chat available, opens the socket and sends
/// a first status; with `returning`, as a visitor who wrote before.
async fn boot_chat(first: &str, returning: bool) -> JsValue {
    if returning {
        store(&format!(r#"{{"v":"{VISITOR}","k":"{SECRET}"}}"#));
    }
    stub(js("[]"));
    boot(
        BASE.into(),
        "s1".into(),
        JsValue::UNDEFINED,
        binder(),
        chat_pre(returning.then_some(VISITOR)),
    );
    // The socket opens once the config is in and the launcher drawn.
    framed().await;
    let sock = last_socket();
    open_socket(&sock);
    push(&sock, first);
    wait(40).await;
    sock
}

/// A returning visitor's widget, online, with the panel open.
async fn open_online() -> JsValue {
    reset(&config(|_| {}));
    let sock = boot_chat(&status("online", None, None), true).await;
    command("chat:open".into(), JsValue::UNDEFINED, JsValue::UNDEFINED);
    wait(40).await;
    sock
}

/// The frames a socket was sent, but the typing indicators (the tests of
/// the conversation count its frames; [`typing`] has those).
fn chat_frames(sock: &JsValue) -> Vec<JsValue> {
    frames(sock)
        .iter()
        .filter(|f| get(f, "type").as_deref() != Some("typing"))
        .collect()
}

/// The `typing` values a socket was sent, in order.
fn typing(sock: &JsValue) -> Vec<bool> {
    frames(sock)
        .iter()
        .filter(|f| get(f, "type").as_deref() == Some("typing"))
        .map(|f| prop(&f, "typing").is_truthy())
        .collect()
}

#[track_caller]
fn frame(sock: &JsValue, i: u32) -> JsValue {
    chat_frames(sock)
        .get(i as usize)
        .cloned()
        .unwrap_or(JsValue::UNDEFINED)
}

fn n_frames(sock: &JsValue) -> u32 {
    chat_frames(sock).len() as u32
}

#[track_caller]
fn get(o: &JsValue, k: &str) -> Option<String> {
    prop(o, k).as_string()
}

#[track_caller]
fn item(i: u32, k: &str) -> String {
    get(&log_items().get(i), k).unwrap_or_default()
}

/// The launcher reconnects at once (instead of after its backoff); the new
/// socket opens and the edge sends the status, as it does.
async fn reconnect(old: &JsValue) -> JsValue {
    drop_socket(old);
    with(&mut |a| a.on_timer(T_RECONNECT));
    let sock = last_socket();
    open_socket(&sock);
    push(&sock, &status("online", None, None));
    wait(5).await;
    sock
}

/// A message as the edge writes it (`seq` minutes after noon, 25 Nov).
fn message(seq: u64, cid: &str, from: &str, agent: Option<&str>, text: &str) -> MessageView {
    let from = Sender::parse(from).expect("a sender");
    // The edge's kinds of system messages (by their client ids here).
    let kind = match (from, cid) {
        (Sender::System, "system_closed") => Some(MessageKind::Closed),
        (Sender::System, "system_assigned") => Some(MessageKind::Assigned),
        (Sender::System, _) => Some(MessageKind::AutoReply),
        _ => None,
    };
    let agent = agent.map(|n| AgentRef {
        id: AgentId::parse(&n.to_lowercase()).expect("an agent id"),
        name: n.into(),
        picture: None,
    });
    let at = Date::parse("2026-11-25T12:00:00Z") as i64 + seq as i64 * 60_000;
    MessageView::new(seq, cid.into(), from, agent, text.into(), at, kind)
}

fn conv(id: &str) -> ConversationId {
    ConversationId::parse(id).expect("a conversation id")
}

/// The answer to `auth`: a conversation (none: null) and its messages.
fn thread(
    conversation: Option<&str>,
    state: Option<ConversationState>,
    messages: Vec<MessageView>,
) -> String {
    frame::to_text(&VisitorFrame::Messages(VisitorThread {
        conversation_id: conversation.map(conv),
        state,
        messages,
        has_more: false,
        agent: None,
        transcript: false,
    }))
}

/// A new message pushed to the visitor.
fn pushed(conversation: &str, message: MessageView) -> String {
    frame::to_text(&VisitorFrame::Message {
        conversation_id: conv(conversation),
        message,
    })
}

fn ack(client_id: &str, seq: u64, conversation: &str) -> String {
    frame::to_text(&VisitorFrame::Ack(Ack {
        client_id: client_id.into(),
        seq,
        conversation_id: conv(conversation),
    }))
}

fn refused(client_id: &str, code: &str, message: &str, retry: Option<i64>) -> String {
    frame::to_text(&VisitorFrame::Error(ErrorFrame {
        error: ErrorObject {
            code: code.into(),
            message: message.into(),
            retry_after_secs: retry,
            at: None,
        },
        client_id: Some(client_id.into()),
        conversation_id: None,
    }))
}

#[wasm_bindgen_test]
async fn a_returning_visitor_sees_replies_as_text_with_an_unread_badge() {
    reset(&config(|_| {}));
    let sock = boot_chat(&status("online", None, None), true).await;
    // The socket is tagged with the visitor; the chat (loaded after the
    // paint, for a visitor with a conversation) authenticates it.
    assert_eq!(
        get(&sock, "url").unwrap(),
        format!("ws://edge.test/v1/sites/s1/live?visitor={VISITOR}")
    );
    let auth = frame(&sock, 0);
    assert_eq!(get(&auth, "type").as_deref(), Some("auth"));
    assert_eq!(
        get(&auth, "visitor").unwrap(),
        format!("{VISITOR}.{SECRET}")
    );
    assert_eq!(prop(&auth, "after").as_f64(), Some(0.0));

    let xss = r#"<img src=x onerror="window.__xss=1">"#;
    push(
        &sock,
        &thread(
            Some("c_1"),
            None,
            vec![
                message(1, "c_a", "visitor", None, "Hi, is the Guji in stock?"),
                message(2, "r_1", "agent", Some("Giulia"), xss),
                message(3, "system_busy_reply", "system", None, "Back in 5\nminutes"),
            ],
        ),
    );
    wait(20).await;
    assert_eq!(log_items().length(), 3);
    assert_eq!(
        (item(0, "class"), item(0, "who"), item(0, "text")),
        (
            "m v".into(),
            "You".into(),
            "Hi, is the Guji in stock?".into()
        )
    );
    // Text, never HTML: the markup shows as typed and nothing runs.
    assert_eq!(
        (item(1, "class"), item(1, "who")),
        ("m a".into(), "Giulia".into())
    );
    assert_eq!(item(1, "text"), xss);
    // (The header's picture of the agent is the panel's own.)
    assert_eq!(count("img:not(#ap)"), 0);
    assert!(Reflect::get(&web_sys::window().unwrap(), &"__xss".into())
        .unwrap()
        .is_undefined());
    // The busy auto-reply looks like what it is.
    assert_eq!(
        (item(2, "class"), item(2, "who"), item(2, "text")),
        (
            "m s".into(),
            "Automatic reply".into(),
            "Back in 5\nminutes".into()
        )
    );
    assert!(!item(2, "at").is_empty(), "a time");
    assert_eq!(attr("g", "role").as_deref(), Some("log"));
    assert_eq!(attr("g", "aria-live").as_deref(), Some("polite"));

    // Two replies the visitor has not seen (panel closed): the badge.
    assert_eq!(text("u"), "2");
    assert_eq!(attr("u", "hidden"), None);
    assert_eq!(text("ud"), "2 new messages");
    assert_eq!(attr("l", "aria-describedby").as_deref(), Some("ud"));
    // A live reply: counted and announced.
    push(
        &sock,
        &pushed(
            "c_1",
            message(4, "r_2", "agent", Some("Giulia"), "Yes, 20 bags left."),
        ),
    );
    assert_eq!(text("u"), "3");
    assert_eq!(text("r"), "New message from Giulia");
    // Opening the panel reads them (and remembers it).
    command("chat:open".into(), JsValue::UNDEFINED, JsValue::UNDEFINED);
    assert_eq!(attr("u", "hidden").as_deref(), Some(""));
    assert_eq!(prop(&stored(), "r").as_f64(), Some(4.0));
    // The same message again (another tab, a catch-up) is not shown twice.
    push(
        &sock,
        &pushed(
            "c_1",
            message(4, "r_2", "agent", Some("Giulia"), "Yes, 20 bags left."),
        ),
    );
    assert_eq!(log_items().length(), 4);
}

#[wasm_bindgen_test]
async fn the_outbox_is_resent_after_a_reconnect_until_acknowledged() {
    reset(&config(|_| {}));
    let sock = boot_chat(&status("online", None, None), false).await;
    assert_eq!(
        get(&sock, "url").unwrap(),
        "ws://edge.test/v1/sites/s1/live",
        "a new visitor's socket is not tagged"
    );
    // The visitor opens the panel: the chat loads and the composer (a
    // labelled textarea) gets the focus.
    el("l").unchecked_into::<HtmlElement>().click();
    wait(40).await;
    let ta = el("f");
    assert_eq!(ta.tag_name(), "TEXTAREA");
    assert_eq!(active_el().map(|e| e.id()).as_deref(), Some("f"));
    assert_eq!(
        ta.closest("label")
            .unwrap()
            .unwrap()
            .text_content()
            .unwrap(),
        "Your message"
    );
    assert_eq!(attr("f", "aria-describedby").as_deref(), Some("ce cn"));

    // Shift+Enter is a new line; Enter sends. A new visitor gets an id and
    // a secret, and the socket is authenticated first.
    type_in(&ta, "Hello there");
    assert!(!press_enter(&ta, true));
    assert_eq!(n_frames(&sock), 0);
    assert!(press_enter(&ta, false));
    let state = stored();
    let id = get(&state, "v").unwrap();
    let secret = get(&state, "k").unwrap();
    assert_eq!((id.len(), secret.len()), (22, 43));
    assert!(id
        .bytes()
        .chain(secret.bytes())
        .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'));
    assert_eq!(
        get(&frame(&sock, 0), "visitor").unwrap(),
        format!("{id}.{secret}")
    );
    assert_eq!(
        js_sys::Array::from(&prop(&state, "o")).length(),
        1,
        "{:?}",
        js_sys::JSON::stringify(&state)
    );
    assert_eq!(item(0, "class"), "m v pend");
    assert_eq!(item(0, "at"), "Sending…");
    assert_eq!(get(&ta.clone().into(), "value").as_deref(), Some(""));

    // Authenticated: the message goes.
    push(&sock, &thread(None, None, vec![]));
    let send = frame(&sock, 1);
    assert_eq!(get(&send, "type").as_deref(), Some("send"));
    assert_eq!(get(&send, "text").as_deref(), Some("Hello there"));
    assert!(prop(&send, "group").is_null());
    let cid = get(&send, "client_id").unwrap();
    assert!(validate_client_id(&cid).is_ok(), "{cid}");

    // The socket drops before the ack: the next one (tagged now) resends
    // the same client id, once authenticated.
    let sock = reconnect(&sock).await;
    assert_eq!(
        get(&sock, "url").unwrap(),
        format!("ws://edge.test/v1/sites/s1/live?visitor={id}")
    );
    assert_eq!(n_frames(&sock), 1, "only the auth before the answer");
    assert_eq!(prop(&frame(&sock, 0), "after").as_f64(), Some(0.0));
    push(&sock, &thread(None, None, vec![]));
    assert_eq!(get(&frame(&sock, 1), "client_id"), Some(cid.clone()));
    push(&sock, &ack(&cid, 1, "c_1"));
    assert_eq!(js_sys::Array::from(&prop(&stored(), "o")).length(), 0);
    assert_eq!(item(0, "class"), "m v");
    assert_ne!(item(0, "at"), "Sending…");

    // Acknowledged: never again. The catch-up starts after seq 1.
    let sock = reconnect(&sock).await;
    assert_eq!(prop(&frame(&sock, 0), "after").as_f64(), Some(1.0));
    push(&sock, &thread(Some("c_1"), None, vec![]));
    assert_eq!(n_frames(&sock), 1);

    // An ack lost, the message stored: the catch-up brings it, and it is
    // neither resent nor shown twice. Typing in the conversation tells the
    // agents once (throttled), and the message needs no stop.
    type_in(&ta, "Sec");
    type_in(&ta, "Second");
    assert_eq!(typing(&sock), [true]);
    press_enter(&ta, false);
    assert_eq!(typing(&sock), [true]);
    let cid2 = get(&frame(&sock, 1), "client_id").unwrap();
    let sock = reconnect(&sock).await;
    push(
        &sock,
        &thread(
            Some("c_1"),
            None,
            vec![message(2, &cid2, "visitor", None, "Second")],
        ),
    );
    assert_eq!(n_frames(&sock), 1, "not resent");
    assert_eq!(js_sys::Array::from(&prop(&stored(), "o")).length(), 0);
    assert_eq!(log_items().length(), 2);
    assert_eq!(item(1, "class"), "m v");

    // Too fast: the edge says when to try again; the message waits.
    type_in(&ta, "Third");
    press_enter(&ta, false);
    let cid3 = get(&frame(&sock, 1), "client_id").unwrap();
    push(&sock, &refused(&cid3, "rate_limited", "too many", Some(1)));
    assert_eq!(
        text("ce"),
        "You're sending messages too quickly. Please wait 1 second."
    );
    assert_eq!(attr("ce", "role").as_deref(), Some("alert"));
    assert_eq!(js_sys::Array::from(&prop(&stored(), "o")).length(), 1);
    assert_eq!(n_frames(&sock), 2);
    wait(1_100).await;
    assert_eq!(n_frames(&sock), 3, "resent when the pause is over");
    assert_eq!(get(&frame(&sock, 2), "client_id"), Some(cid3.clone()));
    assert_eq!(text("ce"), "");

    // Near the limit, the characters left; over it, an error and no send.
    type_in(&ta, &"x".repeat(1850));
    assert_eq!(text("cn"), "150 characters left");
    type_in(&ta, &"é".repeat(2001));
    assert_eq!(text("cn"), "1 character too many");
    press_enter(&ta, false);
    assert_eq!(
        text("ce"),
        "Your message is too long: at most 2000 characters."
    );
    assert_eq!(n_frames(&sock), 3);

    // The edge unreachable: the launcher says offline, but the chat keeps
    // its composer (what is written waits in the outbox).
    drop_socket(&sock);
    with(&mut |a| a.on_timer(T_RECONNECT));
    drop_socket(&last_socket());
    assert_eq!(text("t1"), "Leave us a message");
    assert_eq!(attr("lf", "hidden").as_deref(), Some(""));
    assert_eq!(attr("c", "hidden"), None);
}

#[wasm_bindgen_test]
async fn offline_the_panel_is_a_form_with_validation_and_a_confirmation() {
    reset(&config(|_| {}));
    let sock = boot_chat(&status("offline", None, None), false).await;
    el("l").unchecked_into::<HtmlElement>().click();
    wait(40).await;
    assert_eq!(attr("lf", "hidden"), None);
    assert_eq!(attr("c", "hidden").as_deref(), Some(""));
    // The focus goes to the form's first field.
    let name = field("n");
    assert_eq!(active_el().map(|e| e.id()).as_deref(), Some("f"));
    assert_eq!(name.id(), "f");
    assert_eq!(
        name.closest("label")
            .unwrap()
            .unwrap()
            .text_content()
            .unwrap(),
        "Your name"
    );

    // Nothing filled in: three errors, each tied to its field.
    submit(&el("lf"));
    assert_eq!(text("en"), "Please enter your name.");
    assert_eq!(
        text("ee"),
        "Please enter a valid e-mail address, like name@example.com."
    );
    assert_eq!(text("em"), "Please write a message.");
    for (f, error) in [("n", "en"), ("e", "ee"), ("m", "em mc")] {
        assert_eq!(
            field(f).get_attribute("aria-invalid").as_deref(),
            Some("true")
        );
        assert_eq!(
            field(f).get_attribute("aria-describedby").as_deref(),
            Some(error)
        );
    }
    assert_eq!(active_el().map(|e| e.id()).as_deref(), Some("f"));
    assert_eq!(n_frames(&sock), 0);

    // A name, an e-mail without a domain, a message too long.
    type_in(&name, "  Ada Lovelace ");
    type_in(&field("e"), "ada@example");
    type_in(&field("m"), &"y".repeat(2001));
    assert_eq!(text("mc"), "1 character too many");
    submit(&el("lf"));
    assert_eq!(text("en"), "");
    assert_eq!(field("n").get_attribute("aria-invalid"), None);
    assert_eq!(
        text("em"),
        "Your message is too long: at most 2000 characters."
    );
    assert_eq!(
        active_el().and_then(|e| e.get_attribute("name")).as_deref(),
        Some("e")
    );

    // All good: the left message goes with the contact.
    type_in(&field("e"), "ada@example.com");
    type_in(&field("m"), "Please call me back about a wholesale order.");
    submit(&el("lf"));
    assert_eq!(text("ee"), "");
    push(&sock, &thread(None, None, vec![]));
    let send = frame(&sock, 1);
    assert_eq!(get(&send, "name").as_deref(), Some("Ada Lovelace"));
    assert_eq!(get(&send, "email").as_deref(), Some("ada@example.com"));
    assert_eq!(
        get(&send, "text").as_deref(),
        Some("Please call me back about a wholesale order.")
    );
    // The contact is remembered: the composer takes over, with the focus.
    assert_eq!(attr("lf", "hidden").as_deref(), Some(""));
    assert_eq!(attr("c", "hidden"), None);
    assert_eq!(
        active_el().map(|e| e.tag_name()).as_deref(),
        Some("TEXTAREA")
    );
    let cid = get(&send, "client_id").unwrap();
    push(&sock, &ack(&cid, 1, "c_1"));
    assert_eq!(
        text("ok"),
        "Thanks, Ada Lovelace! We got your message. Our reply will appear here in the chat."
    );
    assert_eq!(attr("ok", "role").as_deref(), Some("status"));

    // The edge wants the contact again (say it was cleared): back to the
    // form, the message kept.
    let ta = el("f");
    type_in(&ta, "One more thing");
    press_enter(&ta, false);
    let cid2 = get(&frame(&sock, 2), "client_id").unwrap();
    push(&sock, &refused(&cid2, "contact_required", "x", None));
    assert_eq!(attr("lf", "hidden"), None);
    assert_eq!(
        get(&field("m").into(), "value").as_deref(),
        Some("One more thing")
    );
    assert_eq!(
        text("le"),
        "Nobody is here right now: leave your name and e-mail and we'll get back to you."
    );
    assert_eq!(js_sys::Array::from(&prop(&stored(), "o")).length(), 0);
    assert_eq!(log_items().length(), 1, "the refused message is not shown");
}

#[wasm_bindgen_test]
async fn czech_chat_texts_and_owner_overrides() {
    reset(&config(|w| {
        w.language = Some("cs".into());
        override_text(w, "cs", "send_form", "Poslat");
    }));
    let _ = boot_chat(&status("offline", None, None), false).await;
    command("chat:open".into(), JsValue::UNDEFINED, JsValue::UNDEFINED);
    wait(40).await;
    let root = shadow().unwrap();
    let button = root.query_selector("#lf button").unwrap().unwrap();
    assert_eq!(
        button.text_content().unwrap(),
        "Poslat",
        "the site's text wins"
    );
    assert_eq!(
        field("e")
            .closest("label")
            .unwrap()
            .unwrap()
            .text_content()
            .unwrap(),
        "Váš e-mail"
    );
    type_in(&field("m"), &"a".repeat(1997));
    assert_eq!(text("mc"), "Zbývají 3 znaky");
}

#[wasm_bindgen_test]
fn visitor_ids_and_client_ids() {
    use crate::chat::{base64url, client_id};
    assert_eq!(base64url(&[0; 16]).len(), 22);
    assert_eq!(base64url(&[255; 32]).len(), 43);
    assert_eq!(base64url(b"\xfb\xff"), "-_8");
    assert_eq!(base64url(b"Man"), "TWFu");
    let a = client_id();
    assert!(validate_client_id(&a).is_ok());
    assert_ne!(a, client_id());
}

#[wasm_bindgen_test]
async fn a_closed_conversation_says_so_and_the_next_message_starts_a_new_one() {
    reset(&config(|_| {}));
    let sock = boot_chat(&status("online", None, None), true).await;
    push(
        &sock,
        &thread(
            Some("c_1"),
            Some(ConversationState::Open),
            vec![
                message(1, "c_a", "visitor", None, "Where is my parcel?"),
                message(2, "r_1", "agent", Some("Giulia"), "On its way."),
            ],
        ),
    );
    command("chat:open".into(), JsValue::UNDEFINED, JsValue::UNDEFINED);
    wait(40).await;
    assert_eq!(text("ok"), "");
    // The agent closes it: the system message, then `closed`.
    push(
        &sock,
        &pushed(
            "c_1",
            message(
                3,
                "system_closed",
                "system",
                None,
                "Conversation closed by Giulia.",
            ),
        ),
    );
    push(
        &sock,
        &frame::to_text(&VisitorFrame::Closed {
            conversation_id: conv("c_1"),
        }),
    );
    assert_eq!(
        (item(2, "class"), item(2, "who"), item(2, "text")),
        (
            "m s".into(),
            "".into(),
            "Conversation closed by Giulia.".into()
        )
    );
    assert_eq!(
        text("ok"),
        "This conversation is closed. Write to start a new one."
    );
    assert_eq!(prop(&stored(), "r").as_f64(), Some(3.0));

    // The visitor writes again: a new conversation, numbered from 1.
    let ta = el("f");
    type_in(&ta, "One more thing");
    press_enter(&ta, false);
    let send = frame(&sock, n_frames(&sock) - 1);
    assert_eq!(get(&send, "type").as_deref(), Some("send"));
    let cid = get(&send, "client_id").unwrap();
    push(&sock, &ack(&cid, 1, "c_2"));
    assert_eq!(text("ok"), "", "open again");
    assert_eq!(js_sys::Array::from(&prop(&stored(), "o")).length(), 0);
    // The old conversation stays above as history; the new one follows.
    assert_eq!(log_items().length(), 4);
    assert_eq!(
        (item(3, "class"), item(3, "text")),
        ("m v".into(), "One more thing".into())
    );
    // Its seq 2 is new (not the old conversation's seq 2).
    push(
        &sock,
        &pushed(
            "c_2",
            message(2, "r_9", "agent", Some("Giulia"), "Sure, tell me."),
        ),
    );
    assert_eq!(log_items().length(), 5);
    assert_eq!(item(4, "text"), "Sure, tell me.");
    // Read (the panel is open), in that conversation.
    assert_eq!(get(&stored(), "rc").as_deref(), Some("c_2"));
    assert_eq!(prop(&stored(), "r").as_f64(), Some(2.0));
    // A reconnect catches up in the new conversation.
    let sock = reconnect(&sock).await;
    assert_eq!(prop(&frame(&sock, 0), "after").as_f64(), Some(2.0));
}

#[wasm_bindgen_test]
async fn an_agent_reply_reopens_the_closed_conversation() {
    reset(&config(|_| {}));
    let sock = boot_chat(&status("online", None, None), true).await;
    push(
        &sock,
        &thread(
            Some("c_1"),
            Some(ConversationState::Closed),
            vec![
                message(1, "c_a", "visitor", None, "Where is my parcel?"),
                message(
                    2,
                    "system_closed",
                    "system",
                    None,
                    "Conversation closed by Giulia.",
                ),
            ],
        ),
    );
    command("chat:open".into(), JsValue::UNDEFINED, JsValue::UNDEFINED);
    wait(40).await;
    assert_eq!(
        text("ok"),
        "This conversation is closed. Write to start a new one."
    );
    // The agent replies into it: `reopened`, then the reply.
    push(
        &sock,
        &frame::to_text(&VisitorFrame::Reopened {
            conversation_id: conv("c_1"),
        }),
    );
    push(
        &sock,
        &pushed(
            "c_1",
            message(3, "r_1", "agent", Some("Giulia"), "Found it, sorry!"),
        ),
    );
    assert_eq!(text("ok"), "", "the note goes");
    assert_eq!(log_items().length(), 3);
    assert_eq!(
        (item(2, "class"), item(2, "text")),
        ("m a".into(), "Found it, sorry!".into())
    );
    // Nothing else was asked of the edge (no switch, no catch-up).
    assert_eq!(n_frames(&sock), 1);
    assert_eq!(get(&stored(), "rc").as_deref(), Some("c_1"));
    assert_eq!(prop(&stored(), "r").as_f64(), Some(3.0));
    // The visitor's answer goes to the same conversation.
    let ta = el("f");
    type_in(&ta, "Thanks!");
    press_enter(&ta, false);
    let send = frame(&sock, n_frames(&sock) - 1);
    let cid = get(&send, "client_id").unwrap();
    push(&sock, &ack(&cid, 4, "c_1"));
    assert_eq!(log_items().length(), 4);
    assert_eq!(
        (item(3, "class"), item(3, "text")),
        ("m v".into(), "Thanks!".into())
    );
    assert_eq!(get(&stored(), "rc").as_deref(), Some("c_1"));
}

#[wasm_bindgen_test]
async fn the_default_busy_reply_speaks_the_visitors_language() {
    reset(&config(|w| w.language = Some("it".into())));
    let sock = boot_chat(&status("busy", None, None), true).await;
    push(
        &sock,
        &thread(
            Some("c_1"),
            None,
            vec![
                message(1, "c_a", "visitor", None, "Ciao?"),
                // The rules' default, stored in English by the edge.
                message(2, "system_busy_reply", "system", None, DEFAULT_BUSY_REPLY),
                message(3, "c_b", "visitor", None, "Ci siete?"),
                // A busy agent's own message stays as written.
                message(
                    4,
                    "system_busy_reply_2",
                    "system",
                    None,
                    "Torno alle 15, Giulia",
                ),
            ],
        ),
    );
    command("chat:open".into(), JsValue::UNDEFINED, JsValue::UNDEFINED);
    wait(40).await;
    assert_eq!(
        (item(1, "class"), item(1, "who"), item(1, "text")),
        (
            "m s".into(),
            "Risposta automatica".into(),
            "Al momento siamo occupati, torniamo presto.".into()
        )
    );
    assert_eq!(item(3, "text"), "Torno alle 15, Giulia");
}

#[wasm_bindgen_test]
async fn opening_shows_the_first_unread_message_under_a_marker() {
    reset(&config(|_| {}));
    // The visitor saw up to seq 20 of a long conversation.
    store(&format!(
        r#"{{"v":"{VISITOR}","k":"{SECRET}","r":20,"rc":"c_1"}}"#
    ));
    let sock = boot_chat(&status("online", None, None), false).await;
    let messages = (1..=30)
        .map(|seq| {
            if seq % 2 == 1 {
                message(
                    seq,
                    &format!("c_{seq}"),
                    "visitor",
                    None,
                    &format!("Question {seq}"),
                )
            } else {
                message(
                    seq,
                    &format!("r_{seq}"),
                    "agent",
                    Some("Giulia"),
                    &format!("Answer {seq}"),
                )
            }
        })
        .collect();
    // A returning visitor's chat loads after the paint (with its id in
    // `pre.v` this test would tag the socket; here the stored state is
    // enough for the chat).
    command("chat:open".into(), JsValue::UNDEFINED, JsValue::UNDEFINED);
    wait(40).await;
    command("chat:close".into(), JsValue::UNDEFINED, JsValue::UNDEFINED);
    push(&sock, &thread(Some("c_1"), None, messages));
    assert_eq!(text("u"), "5", "five answers after the read mark");
    command("chat:open".into(), JsValue::UNDEFINED, JsValue::UNDEFINED);
    let at = panel_scroll();
    let num = |k: &str| prop(&at, k).as_f64().unwrap();
    assert_eq!(get(&at, "marked").as_deref(), Some("Answer 22"));
    assert_eq!(get(&at, "words").as_deref(), Some("New messages"));
    assert!(num("scrollTop") > 0.0, "not at the oldest message");
    assert!(num("max") > 0.0, "the log is longer than the panel");
    assert!(
        (0.0..num("height") / 2.0).contains(&num("top")),
        "the first unread message is at the top of the panel: {:?}",
        js_sys::JSON::stringify(&at)
    );
    assert_eq!(prop(&stored(), "r").as_f64(), Some(30.0), "now read");
    // Opened again with nothing new: no marker, the newest message.
    command("chat:close".into(), JsValue::UNDEFINED, JsValue::UNDEFINED);
    command("chat:open".into(), JsValue::UNDEFINED, JsValue::UNDEFINED);
    let at = panel_scroll();
    assert!(prop(&at, "marked").is_null());
    assert_eq!(
        prop(&at, "scrollTop").as_f64(),
        prop(&at, "max").as_f64(),
        "at the end"
    );
}

#[wasm_bindgen_test]
async fn the_agent_serving_the_conversation_is_in_the_header() {
    let sock = open_online().await;
    assert_eq!(attr("an", "hidden").as_deref(), Some(""));
    push(
        &sock,
        &thread(
            Some("c_1"),
            None,
            vec![
                message(1, "c_a", "visitor", None, "Hello"),
                message(2, "r_1", "agent", Some("giulia"), "Hi, I'm here"),
            ],
        ),
    );
    assert_eq!(text("an"), "giulia");
    assert_eq!(text("av"), "G");
    assert_eq!(attr("an", "hidden"), None);
    assert_eq!(attr("av", "hidden"), None);
    // Closed: nobody serves it.
    push(
        &sock,
        &frame::to_text(&VisitorFrame::Closed {
            conversation_id: conv("c_1"),
        }),
    );
    assert_eq!(attr("an", "hidden").as_deref(), Some(""));
    assert_eq!(attr("av", "hidden").as_deref(), Some(""));
    assert_eq!(attr("ap", "hidden").as_deref(), Some(""));
}

/// Giulia's reply with her picture.
fn giulia_pictured(seq: u64) -> MessageView {
    let mut reply = message(seq, "r_1", "agent", Some("giulia"), "Hi, I'm here");
    if let Some(a) = reply.agent.as_mut() {
        a.picture = Some("0123456789abcdef".into());
    }
    reply
}

/// Marco with a picture, as the edge names him.
fn marco_pictured() -> AgentRef {
    AgentRef {
        id: AgentId::parse("marco").expect("an agent id"),
        name: "Marco".into(),
        picture: Some("fedcba9876543210".into()),
    }
}

/// The header shows the picture `version` of `agent`, not their initial.
#[track_caller]
fn header_picture(agent: &str, version: &str) {
    assert_eq!(attr("ap", "hidden"), None);
    assert_eq!(attr("av", "hidden").as_deref(), Some(""), "no initial");
    let src = attr("ap", "src").unwrap_or_default();
    assert!(
        src.ends_with(&format!("/agents/{agent}/picture?v={version}")),
        "{src}"
    );
}

#[wasm_bindgen_test]
async fn the_serving_agent_s_picture_replaces_their_initial() {
    let sock = open_online().await;
    push(
        &sock,
        &thread(
            Some("c_1"),
            None,
            vec![
                message(1, "c_a", "visitor", None, "Hello"),
                giulia_pictured(2),
            ],
        ),
    );
    assert_eq!(text("an"), "giulia");
    header_picture("giulia", "0123456789abcdef");
    // Sized in the markup: nothing moves while it loads.
    assert_eq!(attr("ap", "width").as_deref(), Some("36"));
    assert_eq!(attr("ap", "height").as_deref(), Some("36"));
    // Another agent without a picture: their initial again.
    push(
        &sock,
        &pushed(
            "c_1",
            message(3, "r_2", "agent", Some("marco"), "Marco here"),
        ),
    );
    assert_eq!(text("av"), "M");
    assert_eq!(attr("av", "hidden"), None);
    assert_eq!(attr("ap", "hidden").as_deref(), Some(""));
    // Marco uploads a picture: the edge tells the widgets whose header
    // shows him (an `agent` frame), and his picture shows at once.
    let marco = |conversation: &str| {
        frame::to_text(&VisitorFrame::Agent {
            conversation_id: conv(conversation),
            agent: marco_pictured(),
        })
    };
    push(&sock, &marco("c_other"));
    assert_eq!(
        attr("ap", "hidden").as_deref(),
        Some(""),
        "another conversation's"
    );
    push(&sock, &marco("c_1"));
    header_picture("marco", "fedcba9876543210");
}

#[wasm_bindgen_test]
async fn the_header_shows_the_agent_who_joined_and_the_one_the_edge_names() {
    let sock = open_online().await;
    let joined = message(
        3,
        "system_assigned",
        "system",
        None,
        "Marco joined the conversation.",
    )
    .about(Some("Marco".into()));
    push(
        &sock,
        &thread(
            Some("c_1"),
            None,
            vec![
                message(1, "c_a", "visitor", None, "Hello"),
                giulia_pictured(2),
                joined,
            ],
        ),
    );
    // Marco joined after Giulia: his initial, not her picture.
    assert_eq!(text("an"), "Marco");
    assert_eq!(text("av"), "M");
    assert_eq!(attr("av", "hidden"), None);
    assert_eq!(attr("ap", "hidden").as_deref(), Some(""));
    // After a reload the edge names who the header shows, with the
    // picture (a page of messages may not hold the note).
    let sock = reconnect(&sock).await;
    let named = VisitorThread {
        conversation_id: Some(conv("c_1")),
        state: None,
        messages: vec![],
        has_more: false,
        agent: Some(marco_pictured()),
        transcript: false,
    };
    push(&sock, &frame::to_text(&VisitorFrame::Messages(named)));
    wait(20).await;
    assert_eq!(text("an"), "Marco");
    header_picture("marco", "fedcba9876543210");
}

#[wasm_bindgen_test]
async fn the_page_hears_of_messages_and_signs_its_visitor_in() {
    reset(&config(|_| {}));
    let sock = boot_chat(&status("offline", None, None), false).await;
    let heard = recorder();
    command("on".into(), "message".into(), heard.clone().into());
    // The page knows its signed-in visitor: no form, their contact goes
    // with the message.
    command(
        "visitor".into(),
        js(r#"{"name":"Ada Lovelace","email":"ada@example.com"}"#),
        JsValue::UNDEFINED,
    );
    command("chat:open".into(), JsValue::UNDEFINED, JsValue::UNDEFINED);
    wait(40).await;
    assert_eq!(attr("lf", "hidden").as_deref(), Some(""), "no form");
    let ta = el("f");
    type_in(&ta, "Is the shop open on Sunday?");
    press_enter(&ta, false);
    push(&sock, &thread(None, None, vec![]));
    let send = frame(&sock, 1);
    assert_eq!(get(&send, "name").as_deref(), Some("Ada Lovelace"));
    assert_eq!(get(&send, "email").as_deref(), Some("ada@example.com"));
    let cid = get(&send, "client_id").unwrap();
    push(&sock, &ack(&cid, 1, "c_1"));
    assert_eq!(text("ok"), "", "no confirmation of a left message");
    push(
        &sock,
        &pushed(
            "c_1",
            message(2, "r_1", "agent", Some("Giulia"), "Yes, 10 to 4."),
        ),
    );
    wait(5).await;
    let heard = calls(&heard);
    assert_eq!(heard.length(), 2);
    assert_eq!(
        (
            get(&heard.get(0), "from"),
            get(&heard.get(0), "text"),
            prop(&heard.get(0), "seq").as_f64()
        ),
        (
            Some("visitor".into()),
            Some("Is the shop open on Sunday?".into()),
            Some(1.0)
        )
    );
    // The visitor's own message has its time too (an ISO date, now).
    let at = get(&heard.get(0), "at").unwrap_or_default();
    let parsed = Date::parse(&at);
    assert!(
        parsed.is_finite() && (Date::now() - parsed).abs() < 60_000.0,
        "a valid time: {at:?}"
    );
    assert_eq!(get(&heard.get(1), "text").as_deref(), Some("Yes, 10 to 4."));
    assert_eq!(
        get(&prop(&heard.get(1), "agent"), "name").as_deref(),
        Some("Giulia")
    );
    // A bad contact is ignored (the form comes back for the next visitor).
    command(
        "visitor".into(),
        js(r#"{"name":"","email":"nope"}"#),
        JsValue::UNDEFINED,
    );
    assert_eq!(get(&stored(), "e").as_deref(), Some("ada@example.com"));
}

#[wasm_bindgen_test]
async fn a_reply_in_a_hidden_tab_flashes_the_title_and_chimes_unless_the_page_says_not_to() {
    reset(&config(|_| {}));
    let audio = fake_audio();
    let starts = || prop(&audio, "starts").as_f64().unwrap();
    doc_title(Some("Caffè Aurora".into()));
    let sock = boot_chat(&status("online", None, None), true).await;
    push(&sock, &thread(Some("c_1"), None, vec![]));
    set_hidden(true);
    push(
        &sock,
        &pushed(
            "c_1",
            message(1, "r_1", "agent", Some("Giulia"), "Still there?"),
        ),
    );
    assert_eq!(doc_title(None), "New message from Giulia");
    assert_eq!(starts(), 2.0, "a two-note chime");
    wait(1_100).await;
    assert_eq!(doc_title(None), "Caffè Aurora", "flashing");
    set_hidden(false);
    wait(1_100).await;
    assert_eq!(doc_title(None), "Caffè Aurora", "back for good");
    // The panel closed, the tab seen: a chime, no title.
    push(
        &sock,
        &pushed("c_1", message(2, "r_2", "agent", Some("Giulia"), "Hello?")),
    );
    assert_eq!(starts(), 4.0);
    assert_eq!(doc_title(None), "Caffè Aurora");
    // The page turns the sound off.
    command("sound".into(), JsValue::FALSE, JsValue::UNDEFINED);
    push(
        &sock,
        &pushed("c_1", message(3, "r_3", "agent", Some("Giulia"), "Bye")),
    );
    assert_eq!(starts(), 4.0);
    // Open, visible: nothing.
    command("sound".into(), JsValue::TRUE, JsValue::UNDEFINED);
    command("chat:open".into(), JsValue::UNDEFINED, JsValue::UNDEFINED);
    push(
        &sock,
        &pushed("c_1", message(4, "r_4", "agent", Some("Giulia"), "Bye!")),
    );
    assert_eq!(starts(), 4.0);
    let _ = Reflect::delete_property(
        &web_sys::window().unwrap().document().unwrap(),
        &"hidden".into(),
    );
}

/// The visitor asks for their conversation by e-mail: the action shows
/// only for a conversation on a site that sends e-mail (the answer to
/// `auth` says so), the form is prefilled with their address and checks
/// it, 202 confirms where it went, refusals are said, `email_off` hides
/// the action.
#[wasm_bindgen_test]
async fn the_conversation_by_email_on_request() {
    reset(&config(|_| {}));
    store(&format!(
        r#"{{"v":"{VISITOR}","k":"{SECRET}","n":"Eva","e":"eva@example.com"}}"#
    ));
    let sock = boot_chat(&status("online", None, None), false).await;
    command("chat:open".into(), JsValue::UNDEFINED, JsValue::UNDEFINED);
    let hi = || vec![message(1, "c_a", "visitor", None, "Hi")];
    push(&sock, &thread(Some("c_1"), None, hi()));
    wait(20).await;
    assert_eq!(
        attr("tb", "hidden").as_deref(),
        Some(""),
        "the site sends no e-mail"
    );

    // The site turned e-mail on; the next answer to `auth` says so.
    let sock = reconnect(&sock).await;
    let with_mail = VisitorThread {
        conversation_id: Some(conv("c_1")),
        state: None,
        messages: vec![],
        has_more: false,
        agent: None,
        transcript: true,
    };
    push(&sock, &frame::to_text(&VisitorFrame::Messages(with_mail)));
    wait(20).await;
    assert_eq!(attr("tb", "hidden"), None);
    assert_eq!(text("tb"), "Email me this conversation");
    assert_eq!(attr("tb", "aria-expanded").as_deref(), Some("false"));
    assert_eq!(attr("tf", "hidden").as_deref(), Some(""));

    // The form opens with the visitor's address and the focus in it.
    el("tb").unchecked_into::<HtmlElement>().click();
    wait(5).await;
    assert_eq!(attr("tb", "aria-expanded").as_deref(), Some("true"));
    assert_eq!(attr("tf", "hidden"), None);
    let input = el("ti");
    assert_eq!(
        prop(&input, "value").as_string().as_deref(),
        Some("eva@example.com")
    );
    assert_eq!(active_el().map(|e| e.id()).as_deref(), Some("ti"));

    // A bad address stays here, said and tied to the field.
    type_in(&input, "eva@");
    submit(&el("tf"));
    wait(5).await;
    assert_eq!(
        text("te"),
        "Please enter a valid e-mail address, like name@example.com."
    );
    assert_eq!(attr("ti", "aria-invalid").as_deref(), Some("true"));
    assert!(last_init().is_null(), "nothing sent");

    // Too many requests: the edge's wait, in words.
    let refusal =
        r#"{"error":{"code":"rate_limited","message":"slow down","retry_after_secs":60}}"#;
    route("/visitor/transcript", &js(refusal), 429);
    type_in(&input, "eva@example.org");
    submit(&el("tf"));
    wait(10).await;
    let init = last_init();
    assert_eq!(
        get(&init, "url").as_deref(),
        Some("http://edge.test/v1/sites/s1/visitor/transcript")
    );
    assert_eq!(get(&init, "method").as_deref(), Some("POST"));
    assert_eq!(
        get(&prop(&init, "headers"), "X-Presenza-Visitor"),
        Some(format!("{VISITOR}.{SECRET}"))
    );
    assert_eq!(
        get(&init, "body").as_deref(),
        Some(r#"{"email":"eva@example.org"}"#)
    );
    assert_eq!(
        text("te"),
        "You're sending messages too quickly. Please wait 60 seconds."
    );
    assert_eq!(attr("ti", "aria-invalid"), None);

    // Sent: the confirmation (a status), the form closes, the focus back
    // on the action.
    route(
        "/visitor/transcript",
        &js(r#"{"email":"eva@example.org"}"#),
        202,
    );
    submit(&el("tf"));
    wait(10).await;
    assert_eq!(
        text("td"),
        "We've sent the conversation to eva@example.org."
    );
    assert_eq!(attr("td", "role").as_deref(), Some("status"));
    assert_eq!(
        (text("te"), attr("tf", "hidden")),
        ("".into(), Some("".into()))
    );
    assert_eq!(active_el().map(|e| e.id()).as_deref(), Some("tb"));

    // The owner turned e-mail off meanwhile: said, and the action goes.
    el("tb").unchecked_into::<HtmlElement>().click();
    wait(5).await;
    assert_eq!(text("td"), "", "a new request");
    let off = r#"{"error":{"code":"email_off","message":"this site sends no e-mail"}}"#;
    route("/visitor/transcript", &js(off), 409);
    submit(&el("tf"));
    wait(10).await;
    assert_eq!(
        text("te"),
        "The e-mail couldn't be sent. Please try again later."
    );
    assert_eq!(attr("tb", "hidden").as_deref(), Some(""));
    assert_eq!(attr("tf", "hidden").as_deref(), Some(""));
}
