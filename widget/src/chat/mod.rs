//! The panel and the conversation: the chat module, a second Wasm module
//! built from this crate (`--features chat` → `chat.wasm`, entry
//! `widget/chat.js`). The launcher imports it on the visitor's first
//! intent (the pointer over or the focus on the launcher), when the panel
//! opens, or right after its first paint for a visitor who already wrote,
//! so the launcher's paint never pays for it.
//!
//! The launcher calls [`chat`] with its `cx` object on every render (see
//! `controller::App::render`): the shadow root, whether the panel is open,
//! the live socket, the status payload and its words, the text overrides,
//! the language tag, the group, the site, the page's visitor and sound
//! setting. The chat module inserts the panel once its language's texts
//! are in, shows and hides it, and listens to the socket itself
//! (`addEventListener`, next to the launcher's `onmessage`).
//!
//! Opening the panel shows the newest message, or the first unread one
//! under a "new messages" marker; the visitor who opened it gets the focus
//! in the composer, except on a phone (a narrow or touch screen), where the
//! keyboard would cover the panel (full screen there): the dialog itself
//! gets it. The header shows the agent serving the conversation (the last
//! one who replied or was assigned, until it is closed or transferred).
//! An assignment or a transfer is a system note worded in the visitor's
//! language from its `kind` and `subject` ("Giulia joined the
//! conversation", "You've been transferred to Sales").
//!
//! The `auth` and `send` frames carry the page's context (the page, the
//! referrer, the time zone): the agents see where the visitor is.
//!
//! Typing indicators (`typing` frames, never stored): while the visitor
//! writes in the composer of their open conversation, one `typing: true`
//! per `limits::TYPING_EVERY_MS`, and `typing: false` when the composer is
//! emptied or left (a sent message needs none: it ends the indicator at
//! the agent's end). An agent's `typing` shows "Giulia is typing…" under
//! the log until their stop, their message, or `limits::TYPING_EXPIRES_MS`
//! without another.
//!
//! A reply while the panel is closed or the tab hidden counts on the
//! launcher's badge and is announced; while the tab is hidden its title
//! flashes until the visitor comes back; and it plays a soft sound (Web
//! Audio, no file) unless the page turned it off (`presenza('sound',
//! false)`) or the visitor has not interacted with the page yet (a sound
//! then would be refused, and said so on the console). Every new message
//! goes to the page's `presenza('on', 'message', fn)` listeners.
//!
//! The site's default busy auto-reply is stored in English
//! (`presenza_rules::conversation::DEFAULT_BUSY_REPLY`); an automatic reply
//! with exactly that text shows as this widget's `busy_reply` in the
//! visitor's language (an agent's own busy message stays as written).
//!
//! Delivery (contract: docs/conversations-api.md): every message gets a
//! client id and goes to the outbox in localStorage ([`store`]) before it is
//! sent over the socket (`send` frame); the ack (`seq`) takes it out. After
//! a (re)connect the socket is authenticated (`auth` with the visitor's
//! credential and the last seq seen, which also catches up) and whatever is
//! still in the outbox is sent again: the edge stores a client id once.
//!
//! An agent may close the conversation (`closed` frame, after its system
//! message): a note says so, and the visitor's next message starts a new
//! conversation, which the `ack` names; seqs and the read mark then count
//! in that one ([`Chat::switch`]). An agent may reopen it, also by replying
//! to it (`reopened` frame, before the reply): the note goes and the
//! conversation carries on.
//!
//! The visitor who has a conversation may ask for it by e-mail ("Email me
//! this conversation" under the composer, shown while the edge says the
//! site sends e-mail: `transcript` in the answer to `auth`, read here
//! after the launcher's paint). A small form asks for the address
//! (prefilled with the one they gave: the offline form or the page's
//! `presenza('visitor')`), checked with the edge's rule, then `POST
//! visitor/transcript`; 202 says where it went, a refusal shows in the
//! visitor's language (`email_off` also hides the action).
//!
//! Online or busy, the panel is a chat; offline (and no contact given yet)
//! it is a "leave a message" form with the name and e-mail the edge
//! requires then, validated with the same rules as the edge's
//! (`presenza_rules::validate_*`). Rule errors show by their `code()` in
//! the visitor's language (`err_{code}`), never through `Display`
//! (`core::fmt` would cost the module a few kilobytes).
//!
//! Layout: this file holds the state ([`Chat`]), its sync with the
//! launcher, the texts and the painting of the log; `delivery` the socket
//! side; `compose` what the visitor writes; `notify` what a new message
//! sets off; [`store`] the visitor's localStorage; [`view`] the panel's
//! DOM.

mod compose;
mod delivery;
mod notify;
mod store;
mod view;

pub use store::{base64url, client_id, Pending, Store};
pub use view::View;

use alloc::string::String;
use alloc::vec::Vec;
use core::cell::RefCell;
use presenza_protocol::http::VISITOR_HEADER;
use presenza_protocol::limits::{MAX_MESSAGE_CHARS, TYPING_EVERY_MS, TYPING_EXPIRES_MS};
use presenza_protocol::widget::ALL_LANGUAGES;
use presenza_rules::conversation::DEFAULT_BUSY_REPLY;
use presenza_rules::{
    validate_email, validate_name, validate_text, MessageKind, RuleError, Sender, Status,
};
use wasm_bindgen::prelude::*;

use crate::i18n::{self, Texts};
use crate::{js, Global};

/// The chat's English texts, built in (the fallback for every key); the
/// others are fetched from `chat/{code}.json`.
pub const EN: &str = include_str!("../../i18n/chat/en.json");

// Callback kinds.
const K_OPEN: u32 = 0;
const K_MSG: u32 = 1;
const K_CLOSE: u32 = 2;
const K_SUBMIT: u32 = 3;
const K_KEY: u32 = 4;
const K_INPUT: u32 = 5;
const K_LANG_RESP: u32 = 6;
const K_LANG: u32 = 7;
const K_RETRY: u32 = 8;
/// The page's visibility changed (the title stops flashing).
const K_VIS: u32 = 9;
/// The title's next flash.
const K_FLASH: u32 = 10;
/// The composer lost the focus.
const K_BLUR: u32 = 11;
/// An agent's typing indicator ran out.
const K_TYPED: u32 = 12;
/// "Email me this conversation" pressed (the form opens or closes).
const K_TR: u32 = 13;
/// The transcript request's response (or its network failure).
const K_TR_RESP: u32 = 14;
/// The JSON of a refused transcript request.
const K_TR_ERR: u32 = 15;
const KINDS: u32 = 16;

/// Sending again after a failure the edge gave no time for.
pub const RETRY_MS: u32 = 5_000;
/// The characters-left counter shows from this many left.
pub const COUNT_FROM: usize = 200;
/// The tab's title flashes this often while a reply waits in a hidden tab.
pub const FLASH_MS: u32 = 1_000;
/// Narrow or touch screens: the panel is full screen and opening it does
/// not bring up the keyboard.
const PHONE: &str = "(max-width:600px),(pointer:coarse)";

static CHAT: Global<Option<Chat>> = Global(RefCell::new(None));

/// The launcher's call, on every render: `cx` (see the module doc), and on
/// the first call `bind(kind)` (the entry's `k => v => chat_on(k, v)`) and
/// `base`, the URL of the widget's files.
#[wasm_bindgen]
pub fn chat(cx: JsValue, bind: JsValue, base: JsValue) {
    let Ok(mut guard) = CHAT.0.try_borrow_mut() else {
        return;
    };
    guard
        .get_or_insert_with(|| Chat::new(&bind, base.as_string().unwrap_or_default()))
        .sync(cx);
}

/// A callback from JS (socket, form, timer, fetch): see [`chat`].
#[wasm_bindgen]
pub fn chat_on(kind: u32, arg: JsValue) {
    with(&mut |c| c.on(kind, arg.clone()));
}

/// What the widget says of its page in `auth` and `send` (the agents see
/// it beside the conversation): the page, the referrer, the time zone.
fn page_context() -> JsValue {
    let ctx = js::json("{}");
    js::set(&ctx, "page", &js::get(&js::g("location"), "href"));
    let referrer = js::get(&js::g("document"), "referrer");
    if referrer.is_truthy() {
        js::set(&ctx, "referrer", &referrer);
    }
    let format = js::make(&js::g("Intl"), "DateTimeFormat", &js::U);
    let tz = js::get(&js::call0(&format, "resolvedOptions"), "timeZone");
    if tz.is_string() {
        js::set(&ctx, "tz", &tz);
    }
    ctx
}

/// Runs `f` on the chat if it exists and is free.
pub(crate) fn with(f: &mut dyn FnMut(&mut Chat)) {
    if let Ok(mut guard) = CHAT.0.try_borrow_mut() {
        if let Some(c) = guard.as_mut() {
            f(c);
        }
    }
}

/// Drops the chat (tests only: a page never tears it down).
#[cfg(test)]
pub(crate) fn reset() {
    with(&mut |c| {
        if let Some(t) = c.retry.take() {
            js::call1(&js::G, "clearTimeout", &t);
        }
    });
    *CHAT.0.borrow_mut() = None;
}

/// One message in the log.
struct Msg {
    /// 0 while it is being sent.
    seq: u64,
    cid: String,
    node: JsValue,
    /// From an agent or the system (what can be unread).
    theirs: bool,
}

/// What the visitor is told above the composer (or the form).
#[derive(Clone, Debug, PartialEq)]
struct Notice {
    /// A text key (`err_…`).
    key: String,
    /// `{n}` in it (seconds for `err_rate_limited`).
    n: u32,
}

/// The chat module's state (one per page).
pub struct Chat {
    /// The JS function of every callback kind.
    hooks: Vec<JsValue>,
    /// The widget's files (`…/widget/`), for the language files.
    base: String,
    /// The launcher's latest `cx`.
    cx: JsValue,
    /// Known once the launcher has a site.
    store: Option<Store>,
    view: Option<View>,
    /// The socket followed (null before the first).
    ws: JsValue,
    auth_sent: bool,
    /// The socket answered our `auth`: it is this visitor's now.
    authed: bool,
    /// Client ids sent on this socket and not acknowledged yet.
    sent: Vec<String>,
    /// The timer that ends a pause in sending (rate limited, or a failure).
    retry: Option<JsValue>,
    /// The audience's status (kept while the socket is down).
    status: Status,
    /// Whether the panel is open.
    open: bool,
    tag: String,
    code: &'static str,
    /// Language files fetched: code, `{key: text}` (undefined if it failed).
    langs: Vec<(&'static str, JsValue)>,
    lang_loading: bool,
    en: JsValue,
    msgs: Vec<Msg>,
    /// The highest seq seen (in `conv`).
    seq: u64,
    /// The visitor's conversation, as the edge last named it.
    conv: Option<String>,
    /// It is closed: the visitor's next message starts a new one.
    closed: bool,
    /// The read mark (stored).
    read: u64,
    /// Agent and system messages after the read mark, while closed.
    unread: u32,
    /// The edge wants a name and an e-mail (it said `contact_required`).
    force_form: bool,
    /// Whether the offline form was shown at the last paint.
    form_shown: bool,
    notice: Option<Notice>,
    /// The name and e-mail of the left message just acknowledged.
    confirm: Option<(String, String)>,
    /// The name of the agent serving the conversation (the last who
    /// replied in it, until it is closed).
    agent: Option<JsValue>,
    /// That agent's picture URL (empty without one: its initial shows).
    pic: String,
    /// While the tab's title flashes: its own title, the news, the timer.
    flash: Option<[JsValue; 3]>,
    /// The Web Audio context of the reply sound, made on its first use.
    audio: JsValue,
    /// The name of the agent typing a reply, and the timer that ends it.
    typing: Option<JsValue>,
    typing_timer: Option<JsValue>,
    /// When this visitor last said they are typing (0: they are not).
    typed_at: f64,
    /// The site sends the conversation by e-mail on request.
    mail: bool,
    /// The transcript form is open.
    tr_open: bool,
    /// A transcript request is on its way, to this address.
    tr_to: Option<String>,
    /// Where the last transcript went.
    tr_sent: Option<String>,
    /// Why the last transcript request failed.
    tr_err: Option<Notice>,
}

impl Chat {
    fn new(bind: &JsValue, base: String) -> Chat {
        Chat {
            hooks: (0..KINDS)
                .map(|k| js::call(bind, "call", &js::U, &JsValue::from(k)))
                .collect(),
            base,
            cx: js::U,
            store: None,
            view: None,
            ws: JsValue::NULL,
            auth_sent: false,
            authed: false,
            sent: Vec::new(),
            retry: None,
            status: Status::Offline,
            open: false,
            tag: String::new(),
            code: "en",
            langs: Vec::new(),
            lang_loading: false,
            en: js::json(EN),
            msgs: Vec::new(),
            seq: 0,
            conv: None,
            closed: false,
            read: 0,
            unread: 0,
            force_form: false,
            form_shown: false,
            notice: None,
            confirm: None,
            agent: None,
            pic: String::new(),
            flash: None,
            audio: js::U,
            typing: None,
            typing_timer: None,
            typed_at: 0.0,
            mail: false,
            tr_open: false,
            tr_to: None,
            tr_sent: None,
            tr_err: None,
        }
    }

    fn hook(&self, kind: u32) -> JsValue {
        self.hooks.get(kind as usize).cloned().unwrap_or(js::U)
    }

    /// The launcher's news.
    pub fn sync(&mut self, cx: JsValue) {
        if self.store.is_none() {
            let Some(site) = js::get_str(&cx, "i").filter(|s| !s.is_empty()) else {
                return;
            };
            let mut store = Store::new(&site);
            self.read = store.read_mark();
            self.store = Some(store);
        }
        // While the socket is down the launcher shows offline (the edge is
        // unreachable): the chat keeps its last mode instead of turning a
        // conversation into the offline form; messages wait in the outbox.
        let connected = js::get(&js::get(&cx, "w"), "readyState").as_f64() == Some(1.0);
        if connected || self.view.is_none() {
            self.status = js::get_str(&js::get(&cx, "s"), "status")
                .as_deref()
                .and_then(Status::parse)
                .unwrap_or(Status::Offline);
        }
        self.tag = js::get_str(&cx, "t").unwrap_or_default();
        self.code = i18n::code(i18n::lang_index(&self.tag).unwrap_or(0));
        self.cx = cx;
        // The page's signed-in visitor: their contact, as if given in the
        // offline form (checked with the same rules; a bad one is ignored).
        if let (Some(contact), Some(store)) = (self.page_contact(), self.store.as_mut()) {
            if store.contact().as_ref() != Some(&contact) {
                store.set_contact(Some((&contact.0, &contact.1)));
            }
        }
        self.load_lang();
        self.update();
    }

    /// `presenza('visitor', {name, email})`, when both pass the rules.
    fn page_contact(&self) -> Option<(String, String)> {
        let u = js::get(&self.cx, "u");
        if !u.is_object() {
            return None;
        }
        let name = js::get_str(&u, "name")?;
        let email = js::get_str(&u, "email")?;
        let name = validate_name(&name).ok()?;
        let email = validate_email(&email).ok()?;
        Some((name.into(), email.into()))
    }

    /// Mounts when possible, follows the launcher's socket, shows or hides
    /// the panel, paints.
    fn update(&mut self) {
        let root = js::get(&self.cx, "r");
        if self.view.is_none() {
            if !root.is_object() || !self.lang_ready() {
                return;
            }
            let view = View::mount(
                &root,
                &self.hook(K_SUBMIT),
                &self.hook(K_KEY),
                &self.hook(K_INPUT),
            );
            js::call(
                &view.ta,
                "addEventListener",
                &"blur".into(),
                &self.hook(K_BLUR),
            );
            js::call(
                &view.by_id("tb"),
                "addEventListener",
                &"click".into(),
                &self.hook(K_TR),
            );
            self.view = Some(view);
            js::call(
                &js::g("document"),
                "addEventListener",
                &"visibilitychange".into(),
                &self.hook(K_VIS),
            );
            // What an earlier page wrote and the edge never acknowledged.
            let pending = self.store.as_mut().map(Store::outbox).unwrap_or_default();
            for p in &pending {
                self.show_pending(p);
            }
        }
        let ws = js::get(&self.cx, "w");
        if ws != self.ws {
            self.follow(ws);
        }
        let open = js::get(&self.cx, "o").is_truthy();
        let opened = open && !self.open;
        self.open = open;
        // Opening: the first message the visitor has not seen (under the
        // marker), else the newest.
        let first_unread = self
            .msgs
            .iter()
            .find(|m| m.theirs && m.seq > self.read)
            .map_or(JsValue::NULL, |m| m.node.clone());
        if opened {
            let words = self.texts(|tx| tx.js("new_messages"));
            if let Some(v) = &self.view {
                v.mark_unread(&first_unread, &words);
            }
        }
        if open {
            self.mark_read();
        }
        self.paint();
        let Some(v) = &self.view else { return };
        if opened {
            v.scroll(&first_unread);
        }
        if open && js::get(&self.cx, "f").is_truthy() {
            // Opened by the visitor: the focus moves in; on a phone to the
            // dialog itself, so that no keyboard covers the panel.
            js::set(&self.cx, "f", &JsValue::FALSE);
            let phone =
                js::get(&js::call_s(&js::G, "matchMedia", PHONE, ""), "matches").is_truthy();
            js::call0(&if phone { v.panel.clone() } else { v.by_id("f") }, "focus");
        }
    }

    /// Every callback.
    pub fn on(&mut self, kind: u32, v: JsValue) {
        match kind {
            K_OPEN | K_MSG | K_CLOSE => {
                // Events of a socket the launcher has replaced are old news.
                if js::get(&v, "target") != self.ws {
                    return;
                }
                match kind {
                    K_OPEN => self.hello(),
                    K_MSG => {
                        if let Some(text) = js::get_str(&v, "data") {
                            self.frame(&text);
                        }
                    }
                    _ => {
                        self.auth_sent = false;
                        self.authed = false;
                        self.typed_at = 0.0;
                        self.sent.clear();
                    }
                }
            }
            K_SUBMIT => {
                js::call0(&v, "preventDefault");
                let (form, tform) = self
                    .view
                    .as_ref()
                    .map_or((js::U, js::U), |w| (w.form.clone(), w.tform.clone()));
                let target = js::get(&v, "target");
                if target == form {
                    self.submit_form();
                } else if target == tform {
                    self.submit_transcript();
                } else {
                    self.submit_composer();
                }
            }
            K_KEY => {
                // Enter sends, Shift+Enter is a new line (and Enter while
                // an input method composes is the IME's).
                let enter = js::get_str(&v, "key").as_deref() == Some("Enter")
                    && !js::get(&v, "shiftKey").is_truthy()
                    && !js::get(&v, "isComposing").is_truthy();
                if enter {
                    js::call0(&v, "preventDefault");
                    self.submit_composer();
                }
            }
            K_INPUT => {
                let mut composer = false;
                if let Some(w) = &self.view {
                    self.texts(|tx| Self::counters(w, tx));
                    composer = js::get(&v, "target") == w.ta;
                }
                if composer {
                    self.typed();
                }
            }
            K_BLUR => self.stop_typing(),
            K_TR => self.toggle_transcript(),
            K_TR_RESP => {
                if js::get(&v, "status").as_f64() == Some(202.0) {
                    self.tr_sent = self.tr_to.take();
                    self.tr_open = false;
                    self.paint();
                    // The form is gone: back to the action, under the
                    // confirmation that is read out.
                    if let Some(w) = &self.view {
                        js::call0(&w.by_id("tb"), "focus");
                    }
                } else if js::get(&v, "ok").is_falsy() && js::get(&v, "status").is_truthy() {
                    let next = self.hook(K_TR_ERR);
                    js::call(&js::call0(&v, "json"), "then", &next, &next);
                } else {
                    // The network failed.
                    self.on(K_TR_ERR, js::U);
                }
            }
            K_TR_ERR => self.transcript_refused(&js::get(&v, "error")),
            K_TYPED => {
                self.typing_timer = None;
                self.typing = None;
                self.paint();
            }
            K_LANG_RESP => {
                let next = self.hook(K_LANG);
                if js::get(&v, "ok").is_truthy() {
                    js::call(&js::call0(&v, "json"), "then", &next, &next);
                } else {
                    self.on(K_LANG, js::U);
                }
            }
            K_LANG => {
                if self.lang_loading {
                    self.lang_loading = false;
                    self.langs.push((self.code, v));
                }
                self.load_lang();
                self.update();
            }
            K_RETRY => {
                // The pause is over.
                self.retry = None;
                self.notice = None;
                self.flush();
                self.paint();
            }
            K_VIS => {
                if !js::get(&js::g("document"), "hidden").is_truthy() {
                    self.unflash();
                }
            }
            _ => {
                // K_FLASH: the title shows the news, then its own, in turn.
                if let Some([own, news, _]) = &self.flash {
                    let doc = js::g("document");
                    let next = if js::get(&doc, "title") == *news {
                        own
                    } else {
                        news
                    };
                    js::set(&doc, "title", next);
                }
            }
        }
    }

    // ------------------------------------------------------------ texts

    fn lang_ready(&self) -> bool {
        self.code == "en" || self.langs.iter().any(|(c, _)| *c == self.code)
    }

    fn load_lang(&mut self) {
        if !self.lang_ready() && !self.lang_loading {
            self.lang_loading = true;
            let url = js::cat(&[&self.base, "chat/", self.code, ".json"]);
            let req = js::call1(&js::G, "fetch", &JsValue::from_str(&url));
            js::call(&req, "then", &self.hook(K_LANG_RESP), &self.hook(K_LANG));
        }
    }

    /// Runs `f` with the texts: the page's overrides, the site's for this
    /// language, the site's for every language, the language's file,
    /// English.
    fn texts<R>(&self, f: impl FnOnce(&Texts) -> R) -> R {
        let lang = self
            .langs
            .iter()
            .find(|(c, _)| *c == self.code)
            .map_or(js::U, |(_, t)| t.clone());
        let (page, site) = (js::get(&self.cx, "p"), js::get(&self.cx, "q"));
        let by_lang = |k: &str| {
            if site.is_object() {
                js::get(&site, k)
            } else {
                js::U
            }
        };
        f(&Texts {
            layers: [
                &page,
                &by_lang(self.code),
                &by_lang(ALL_LANGUAGES),
                &lang,
                &self.en,
            ],
            tag: &self.tag,
        })
    }

    /// The text of a notice or a rule error: `err_{code}` (`{n}`: the
    /// number), or the generic `err_send` when the key has no text.
    fn notice_text(tx: &Texts, n: &Notice) -> JsValue {
        let text = if n.key == "err_rate_limited" {
            tx.plural(&n.key, n.n)
        } else {
            tx.js(&n.key)
        };
        let text = if text.is_truthy() {
            text
        } else {
            tx.js("err_send")
        };
        js::call(&text, "replace", &"{n}".into(), &JsValue::from(n.n))
    }

    fn rule_notice(err: &RuleError) -> Notice {
        Notice {
            key: js::cat(&["err_", err.code()]),
            n: MAX_MESSAGE_CHARS as u32,
        }
    }

    /// "12:04" in the visitor's language, from RFC 3339 or Unix ms.
    fn time(&self, at: &JsValue) -> JsValue {
        let date = js::make(&js::G, "Date", at);
        js::call(
            &date,
            "toLocaleTimeString",
            &self.tag.as_str().into(),
            &js::json(r#"{"hour":"numeric","minute":"2-digit"}"#),
        )
    }

    // ------------------------------------------------------------ view

    /// The offline form replaces the composer when the audience is offline
    /// and the visitor gave no contact yet (or the edge asked for one).
    pub fn form_mode(&mut self) -> bool {
        self.force_form
            || (self.status < Status::Busy
                && self.store.as_mut().and_then(Store::contact).is_none())
    }

    fn paint(&mut self) {
        let form = self.form_mode();
        let shown = self.form_shown;
        self.form_shown = form;
        let Some(v) = &self.view else { return };
        self.texts(|tx| self.paint_view(v, tx, form, shown));
    }

    /// The URL of an agent's picture (`{agent: {id, picture}}` of a
    /// message; `http::agent_picture_path`), on the edge the socket is
    /// open to; empty without one.
    fn picture(&self, agent: &JsValue) -> String {
        let (Some(id), Some(v)) = (js::get_str(agent, "id"), js::get_str(agent, "picture")) else {
            return String::new();
        };
        // wss://host/v1/sites/{site}/live?… → https://host/v1/sites/{site}
        // (string work in JS: see `js`).
        let parts = js::call1(&js::get(&self.ws, "url"), "split", &"/live".into());
        let api = js::call_s(&js::get(&parts, "0"), "replace", "ws", "http");
        js::cat(&[
            &api.as_string().unwrap_or_default(),
            "/agents/",
            &id,
            "/picture?v=",
            &v,
        ])
    }

    fn paint_view(&self, v: &View, tx: &Texts, form: bool, shown: bool) {
        v.texts(tx);

        // The panel: open or not, its header (the launcher's words for the
        // state, the agent serving the conversation) and the greeting.
        js::set(&v.panel, "hidden", &JsValue::from_bool(!self.open));
        for (id, key) in [("h", "h"), ("s", "b")] {
            js::set(&v.by_id(id), "textContent", &js::get(&self.cx, key));
        }
        js::call(
            &v.by_id("x"),
            "setAttribute",
            &"aria-label".into(),
            &js::get(&self.cx, "x"),
        );
        let intro = ["intro_offline", "intro_busy", "intro_online"][self.status as usize];
        js::set(&v.by_id("i"), "textContent", &tx.js(intro));
        // Nobody serves a closed conversation.
        let agent = match &self.agent {
            Some(name) if !self.closed => name.clone(),
            _ => "".into(),
        };
        let initial = js::call0(&js::call_s(&agent, "charAt", "0", ""), "toUpperCase");
        // Their picture replaces their initial (width and height are set
        // in the markup: nothing moves while it loads).
        let pic = if agent.is_truthy() {
            self.pic.as_str()
        } else {
            ""
        };
        for (id, text) in [("an", &agent), ("av", &initial)] {
            let el = v.by_id(id);
            js::set(&el, "textContent", text);
            js::set(
                &el,
                "hidden",
                &JsValue::from_bool(!agent.is_truthy() || (id == "av" && !pic.is_empty())),
            );
        }
        let img = v.by_id("ap");
        if !pic.is_empty() && js::get_str(&img, "src").as_deref() != Some(pic) {
            js::set(&img, "src", &pic.into());
        }
        js::set(&img, "hidden", &JsValue::from_bool(pic.is_empty()));

        // The mode; `#f` (focused when the panel opens) is its first field.
        let name = v.field("n");
        let root_focus = js::get(&v.root, "activeElement");
        let hiding = if form { &v.cmp } else { &v.form };
        let lost_focus = form != shown && js::call1(hiding, "contains", &root_focus).is_truthy();
        js::set(&v.form, "hidden", &JsValue::from_bool(!form));
        js::set(&v.cmp, "hidden", &JsValue::from_bool(form));
        js::set(&v.ta, "id", &(if form { "" } else { "f" }).into());
        js::set(&name, "id", &(if form { "f" } else { "" }).into());
        if lost_focus {
            js::call0(&v.by_id("f"), "focus");
        }

        let notice = self
            .notice
            .as_ref()
            .map_or(JsValue::from_str(""), |n| Self::notice_text(tx, n));
        v.error(if form { "le" } else { "ce" }, None, &notice);
        v.error(if form { "ce" } else { "le" }, None, &"".into());

        let confirm = match &self.confirm {
            _ if self.closed => tx.js("closed"),
            Some((name, email)) => {
                let t = js::call(
                    &tx.js("sent"),
                    "replace",
                    &"{name}".into(),
                    &name.as_str().into(),
                );
                js::call(&t, "replace", &"{email}".into(), &email.as_str().into())
            }
            None => "".into(),
        };
        js::set(&v.ok, "textContent", &confirm);

        let typing = match &self.typing {
            Some(name) if !self.closed => {
                js::call(&tx.js("typing"), "replace", &"{name}".into(), name)
            }
            _ => "".into(),
        };
        js::set(&v.by_id("ty"), "textContent", &typing);

        // "Email me this conversation": a conversation to send, in chat mode.
        let can = self.mail && self.conv.is_some() && !form;
        let action = v.by_id("tb");
        js::set(&action, "hidden", &JsValue::from_bool(!can));
        js::call(
            &action,
            "setAttribute",
            &"aria-expanded".into(),
            &JsValue::from_bool(can && self.tr_open),
        );
        js::set(
            &v.tform,
            "hidden",
            &JsValue::from_bool(!(can && self.tr_open)),
        );
        let sent = self.tr_sent.as_deref().map_or("".into(), |to| {
            js::call(
                &tx.js("transcript_sent"),
                "replace",
                &"{email}".into(),
                &to.into(),
            )
        });
        js::set(&v.by_id("td"), "textContent", &sent);
        let err = self
            .tr_err
            .as_ref()
            .map_or("".into(), |n| Self::notice_text(tx, n));
        let bad_address = self
            .tr_err
            .as_ref()
            .is_some_and(|n| n.key == "err_invalid_email");
        v.error("te", None, &err);
        let input = v.by_id("ti");
        if bad_address {
            js::call(
                &input,
                "setAttribute",
                &"aria-invalid".into(),
                &"true".into(),
            );
        } else {
            js::call_s(&input, "removeAttribute", "aria-invalid", "");
        }

        Self::counters(v, tx);

        // A body that scrolls is reachable by keyboard (to scroll it), as
        // Chromium's scrollers are; one that does not is no extra stop.
        let body = js::get(&v.log, "parentElement");
        let px = |k| js::get(&body, k).as_f64().unwrap_or(0.0);
        if px("scrollHeight") > px("clientHeight") {
            js::call(&body, "setAttribute", &"tabindex".into(), &"0".into());
        } else {
            js::call_s(&body, "removeAttribute", "tabindex", "");
        }

        let unread = if self.open { 0 } else { self.unread };
        js::set(&v.badge, "textContent", &JsValue::from(unread));
        js::set(&v.badge, "hidden", &JsValue::from_bool(unread == 0));
        let words = if unread > 0 {
            tx.plural("unread", unread)
        } else {
            "".into()
        };
        js::set(&v.by_id("ud"), "textContent", &words);
    }

    /// "12 characters left" under the composer and the form's message,
    /// near the limit (counted like the edge: trimmed, in characters).
    fn counters(v: &View, tx: &Texts) {
        for (field, counter) in [(&v.ta, "cn"), (&v.field("m"), "mc")] {
            let text = js::get_str(field, "value").unwrap_or_default();
            let n = text.trim().chars().count();
            let el = v.by_id(counter);
            let words = if n + COUNT_FROM < MAX_MESSAGE_CHARS {
                "".into()
            } else if n <= MAX_MESSAGE_CHARS {
                tx.plural("chars_left", (MAX_MESSAGE_CHARS - n) as u32)
            } else {
                tx.plural("chars_over", (n - MAX_MESSAGE_CHARS) as u32)
            };
            js::set(&el, "textContent", &words);
            js::call(
                &js::get(&el, "classList"),
                "toggle",
                &"over".into(),
                &JsValue::from_bool(n > MAX_MESSAGE_CHARS),
            );
        }
    }

    /// Shows a message of this visitor that is being sent.
    fn show_pending(&mut self, p: &Pending) {
        if self.msgs.iter().any(|m| m.cid == p.cid) {
            return;
        }
        let Some(v) = &self.view else { return };
        let node = self.texts(|tx| {
            v.message(
                "m v pend",
                &tx.js("you"),
                &p.text.as_str().into(),
                &tx.js("sending"),
            )
        });
        v.insert(&node, &JsValue::NULL);
        self.msgs.push(Msg {
            seq: 0,
            cid: p.cid.clone(),
            node,
            theirs: false,
        });
    }

    /// Puts a message in the log in seq order (sent ones before the
    /// messages still being sent).
    fn place(&mut self, seq: u64, cid: String, node: JsValue, theirs: bool) {
        let at = self
            .msgs
            .iter()
            .position(|m| m.seq == 0 || m.seq > seq)
            .unwrap_or(self.msgs.len());
        let before = self.msgs.get(at).map_or(JsValue::NULL, |m| m.node.clone());
        if let Some(v) = &self.view {
            v.insert(&node, &before);
        }
        self.msgs.insert(
            at,
            Msg {
                seq,
                cid,
                node,
                theirs,
            },
        );
        self.seq = self.seq.max(seq);
    }

    /// A message from the edge (`messages` or `message` frames); `live`
    /// for a push (announced when the panel is closed).
    fn add(&mut self, m: &JsValue, live: bool) {
        let seq = js::get(m, "seq").as_f64().unwrap_or(0.0) as u64;
        if seq == 0 || self.msgs.iter().any(|x| x.seq == seq) {
            return;
        }
        let cid = js::get_str(m, "client_id").unwrap_or_default();
        let from = js::get_str(m, "from")
            .as_deref()
            .and_then(Sender::parse)
            .unwrap_or(Sender::System);
        let kind = js::get_str(m, "kind")
            .as_deref()
            .and_then(MessageKind::parse);
        if from == Sender::Visitor {
            // Stored: out of the outbox (this tab's bubble becomes it).
            if let Some(s) = self.store.as_mut() {
                s.remove(&cid);
            }
            self.sent.retain(|c| *c != cid);
            if let Some(i) = self.msgs.iter().position(|x| x.seq == 0 && x.cid == cid) {
                let old = self.msgs.remove(i);
                js::call0(&old.node, "remove");
            }
        }
        let Some(v) = &self.view else { return };
        let mut text = js::get(m, "text");
        let (node, announce, who) = self.texts(|tx| {
            let (class, who) = match from {
                Sender::Visitor => ("m v", tx.js("you")),
                Sender::Agent => ("m a", js::get(&js::get(m, "agent"), "name")),
                Sender::System if kind == Some(MessageKind::AutoReply) => {
                    // The site's default, in the visitor's language.
                    if text.as_string().as_deref() == Some(DEFAULT_BUSY_REPLY) {
                        text = tx.js("busy_reply");
                    }
                    ("m s", tx.js("auto_reply"))
                }
                // An assignment or a transfer, worded here: the name it
                // is about into the visitor's language.
                Sender::System
                    if matches!(kind, Some(MessageKind::Assigned | MessageKind::Transferred)) =>
                {
                    let key = if kind == Some(MessageKind::Assigned) {
                        "joined"
                    } else {
                        "transferred"
                    };
                    let name = js::get(m, "subject");
                    if name.is_string() {
                        text = js::call(&tx.js(key), "replace", &"{name}".into(), &name);
                    }
                    ("m s", "".into())
                }
                // The note of a close speaks for itself.
                Sender::System => ("m s", "".into()),
            };
            let who = if who.is_string() { who } else { tx.js("agent") };
            let node = v.message(class, &who, &text, &self.time(&js::get(m, "at")));
            let announce = if who.is_truthy() {
                js::call(&tx.js("new_reply"), "replace", &"{name}".into(), &who)
            } else {
                text.clone()
            };
            (node, announce, who)
        });
        let theirs = from != Sender::Visitor;
        // Who serves it now: the agent who joined (their initial until an
        // `agent` frame or their message brings their picture); after a
        // transfer, nobody until one of the group replies.
        match kind {
            Some(MessageKind::Assigned) => {
                self.agent = Some(js::get(m, "subject"));
                self.pic = String::new();
            }
            Some(MessageKind::Transferred) => self.agent = None,
            _ => {}
        }
        if from == Sender::Agent {
            self.agent = Some(who);
            self.pic = self.picture(&js::get(m, "agent"));
            // Their message ends their typing indicator.
            self.typing = None;
        }
        self.place(seq, cid, node, theirs);
        let hidden_tab = js::get(&js::g("document"), "hidden").is_truthy();
        if theirs && seq > self.read && !self.open {
            self.unread += 1;
            if live {
                if let Some(v) = &self.view {
                    js::set(&v.by_id("r"), "textContent", &announce);
                }
            }
        }
        if live && theirs && (hidden_tab || !self.open) {
            self.ding();
            if hidden_tab {
                self.flash(announce);
            }
        }
        if live {
            self.emit(m);
        }
        if self.open {
            self.mark_read();
        }
    }

    /// The edge named the visitor's conversation `cid`: when it is another
    /// one than before (a new one after a close, or the latest after a
    /// reconnect), its seqs start again: the log forgets the old messages
    /// (`keep`: their bubbles stay above, as history) and the read mark is
    /// that conversation's. Returns whether it changed.
    fn switch(&mut self, cid: Option<String>, keep: bool) -> bool {
        let Some(cid) = cid else { return false };
        if self.conv.as_deref() == Some(cid.as_str()) {
            return false;
        }
        let had = self.conv.is_some();
        self.msgs.retain(|m| {
            if m.seq == 0 {
                return true;
            }
            if !keep {
                js::call0(&m.node, "remove");
            }
            false
        });
        self.seq = 0;
        self.closed = false;
        self.agent = None;
        self.pic.clear();
        self.typing = None;
        self.read = self.store.as_mut().map_or(0, |s| s.read_mark_in(&cid));
        self.conv = Some(cid);
        had
    }

    fn mark_read(&mut self) {
        self.unread = 0;
        if self.seq > self.read {
            self.read = self.seq;
            if let Some(s) = self.store.as_mut() {
                s.set_read_mark(self.seq, self.conv.as_deref());
            }
        }
    }
}
