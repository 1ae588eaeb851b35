//! The controller: one [`App`] that takes commands from the page, answers
//! from the edge (widget-config, WebSocket, language files), timers and UI
//! events, keeps the model and updates the view.
//!
//! Everything JS calls back goes through the exported [`crate::on`] with a
//! callback kind, via JS functions made once per kind by the loader's
//! binder: no wasm-bindgen closure glue at all. The page's listeners run
//! in microtasks, never inside the app (so they may call `presenza` again).
//!
//! The first paint needs one answer: `widget-config?group=`, which carries
//! the site's look and texts and the audience's status (the loader fetches
//! it while the Wasm loads). The live WebSocket opens after it, off the
//! paint's path, and only once the edge said the site and the group exist:
//! a set-up mistake never opens a socket. A site that does not exist, or a
//! page of an origin the site does not allow, hides the widget; a group
//! that does not exist falls back to the whole site; each says so once on
//! the console (`console.warn`), the only console
//! output the widget ever makes.
//!
//! Network politeness: one WebSocket per page, a `ping` every 25 s,
//! reconnection with capped exponential backoff and jitter, spread over
//! seconds when a long-lived socket drops (a deploy drops every widget at
//! once: they come back to their relays over seconds, not in one burst; a
//! socket that
//! never delivered anything reads the config again first, which names a
//! site or group deleted meanwhile), and a page hidden for a minute closes
//! its socket and resyncs when shown again (the edge sends the current
//! status at once). While the edge can't be reached the widget shows
//! offline and keeps retrying quietly.
//!
//! The panel and the conversation live in a second Wasm module,
//! [`crate::chat`] (`chat.js` + `chat.wasm`), imported when the visitor
//! shows an intent (pointer over or focus on the launcher), opens the
//! panel, or right after the first paint for a visitor who already wrote
//! (their id is in the site's localStorage): nothing but the launcher is
//! fetched before it is idle. The launcher hands the chat module one object
//! (`cx`, see [`App::render`]) on every render and socket change; the chat
//! module listens to the socket itself.

use alloc::string::String;
use alloc::vec::Vec;
use presenza_protocol::frame::{close::GROUP_DELETED, PING};
use presenza_protocol::widget::{ALL_LANGUAGES, DEFAULT_ACCENT};
use wasm_bindgen::JsValue;

use crate::i18n::{self, Lang, Texts};
use crate::js;
use crate::store::{hex, on_color, px, Live, Status};
use crate::view::{self, View};

/// Event kinds for `presenza('on', name, fn)`.
pub const EV_STATUS: u8 = 0;
pub const EV_OPEN: u8 = 1;
pub const EV_CLOSE: u8 = 2;
pub const EV_MESSAGE: u8 = 3;

// Callback kinds; timers are `K_TIMER + T_*`.
const K_MSG: u32 = 0;
const K_CLOSE: u32 = 1;
const K_VIS: u32 = 2;
const K_CFG_RESP: u32 = 3;
const K_CFG: u32 = 4;
const K_LANG_RESP: u32 = 5;
const K_LANG: u32 = 6;
const K_UI: u32 = 7;
const K_CMD: u32 = 8;
const K_CHAT: u32 = 9;
/// The chat module tells of a message (`presenza('on', 'message')`).
const K_EMIT: u32 = 10;
const K_TIMER: u32 = 11;
pub const T_RECONNECT: u32 = 0;
pub const T_PING: u32 = 1;
pub const T_HIDDEN: u32 = 2;
pub const T_DEADLINE: u32 = 3;
pub const T_REFRESH: u32 = 4;
/// The first socket opens (see [`App::connect_after_frame`]).
const T_CONNECT: u32 = 5;
/// The launcher's first frame began (an animation frame, not a timer).
const T_FRAME: u32 = 6;
const TIMERS: usize = 7;

pub const PING_MS: u32 = 25_000;
/// A page hidden this long closes its socket.
pub const HIDDEN_MS: u32 = 60_000;
/// Paint without waiting longer than this for settings and texts.
pub const DEADLINE_MS: u32 = 3_000;
/// The first socket opens after the launcher's first frame, or after this
/// long where no frame comes (a page loaded in a background tab).
const FIRST_FRAME_MS: u32 = 100;
pub const BACKOFF_MIN_MS: f64 = 1_000.0;
pub const BACKOFF_MAX_MS: f64 = 60_000.0;
/// A socket that lived this long and dropped was most likely dropped with
/// every other widget at once (a deploy, a restart): the first reconnect is
/// spread over [`SPREAD_MS`], so a million widgets do not come back in the
/// same second.
pub const LONG_LIVED_MS: f64 = 10_000.0;
pub const SPREAD_MS: f64 = 5_000.0;

pub struct App {
    /// Where the widget's files are (`https://edge.example/widget/`).
    pub base: String,
    /// The edge, for the API (`https://edge.example`).
    pub origin: String,
    pub site: Option<String>,
    pub group: Option<String>,
    lang_cmd: Option<String>,
    lang_cfg: Option<String>,
    pub lang: Lang,
    /// Language files fetched so far: index, `{key: text}` (not an object
    /// when the fetch failed: English then).
    langs: Vec<(usize, JsValue)>,
    /// The language being fetched.
    lang_loading: Option<usize>,
    /// Text overrides: [the page's `{key: text}`, the site's `{lang: {key:
    /// text}}` (`*`: every language)].
    texts: [JsValue; 2],
    /// `{theme, accent_color, position, offset_x, offset_y}`: [from the
    /// page, from the site's settings]; the page's win key by key.
    looks: [JsValue; 2],
    en: JsValue,
    pub live: Option<Live>,
    pub open: bool,
    pub hidden: bool,
    started: bool,
    config_done: bool,
    deadline: bool,
    pub painted: bool,
    marked: bool,
    /// A set-up mistake (no such site): the widget stays hidden, for good.
    pub stopped: bool,
    /// The current socket delivered a frame (else the next reconnect reads
    /// the config first).
    got: bool,
    pub view: Option<View>,
    pub ws: Option<JsValue>,
    pub fails: u32,
    /// When the current socket was opened (ms; 0 before the first).
    connected_at: f64,
    pub suspended: bool,
    timers: [Option<JsValue>; TIMERS],
    pub listeners: Vec<(u8, JsValue)>,
    /// The JS function for every callback kind.
    hooks: Vec<JsValue>,
    /// Started by the loader for the loader's site/group: `{u: the
    /// widget-config URL, c: its JSON (a promise)}` (see [`crate::boot`]);
    /// taken when used.
    pre: JsValue,
    /// The loader's `base => import(base + 'chat.js')` (`pre.i`).
    load: JsValue,
    /// The chat module's entry (`cx => …`) once imported; null while it
    /// loads, undefined before it is needed and after a failed import (the
    /// next intent retries).
    chat: JsValue,
    /// What the chat module is told (see [`App::render`]).
    cx: JsValue,
}

/// `o[k]` when `o` is an object, else undefined (`js::get` of a missing
/// object would read a global).
fn sub(o: &JsValue, k: &str) -> JsValue {
    if o.is_object() {
        js::get(o, k)
    } else {
        js::U
    }
}

impl App {
    pub fn new(
        base: String,
        site: Option<String>,
        group: Option<String>,
        bind: &JsValue,
        pre: JsValue,
    ) -> App {
        let hooks = (0..K_TIMER + TIMERS as u32)
            .map(|k| js::call(bind, "call", &js::U, &JsValue::from(k)))
            .collect();
        let origin = js::get(
            &js::make(&js::G, "URL", &JsValue::from_str(&base)),
            "origin",
        )
        .as_string()
        .unwrap_or_default();
        // The visitor id (a string, or not: see `visitor`), kept in `cx`
        // where the chat module updates it once it makes one.
        let cx = js::json("{}");
        js::set(&cx, "v", &js::get(&pre, "v"));
        App {
            base,
            origin,
            site: site.filter(|s| !s.is_empty()),
            group: group.filter(|g| !g.is_empty()),
            lang_cmd: None,
            lang_cfg: None,
            lang: Lang {
                idx: 0,
                tag: String::new(),
            },
            langs: Vec::new(),
            lang_loading: None,
            texts: [js::json("{}"), js::U],
            looks: [js::json("{}"), js::U],
            en: js::json(i18n::EN),
            live: None,
            open: false,
            hidden: false,
            started: false,
            config_done: false,
            deadline: false,
            painted: false,
            marked: false,
            stopped: false,
            got: false,
            view: None,
            ws: None,
            fails: 0,
            connected_at: 0.0,
            suspended: false,
            timers: Default::default(),
            listeners: Vec::new(),
            hooks,
            load: js::get(&pre, "i"),
            pre,
            chat: js::U,
            cx,
        }
    }

    fn hook(&self, kind: u32) -> JsValue {
        self.hooks.get(kind as usize).cloned().unwrap_or(js::U)
    }

    /// The JS function that runs a deferred command (`[name, a, b]`).
    pub fn command_hook(&self) -> JsValue {
        self.hook(K_CMD)
    }

    /// Every callback from JS.
    pub fn on(&mut self, kind: u32, v: JsValue) {
        if self.stopped {
            return;
        }
        match kind {
            K_MSG => self.on_message(js::get(&v, "data")),
            K_CLOSE => self.on_close(&v),
            K_VIS => self.on_visibility(),
            K_CFG_RESP | K_LANG_RESP => {
                // A fetch answered: its JSON (an error's too: `{"error":
                // {"code", "message"}}`) goes to the next kind; a body that
                // is no JSON, as a failed fetch, goes there as an error.
                let next = self.hook(kind + 1);
                js::call(&js::call0(&v, "json"), "then", &next, &next);
            }
            K_CFG => self.on_config(v),
            K_LANG => {
                if let Some(i) = self.lang_loading.take() {
                    self.langs.push((i, v));
                }
                self.load_lang();
            }
            K_UI => self.on_ui(v),
            K_CHAT => {
                // The chat module's namespace, or the import's error (no `c`).
                self.chat = js::get(&v, "c");
                self.render(false);
            }
            K_CMD => {
                let arg = |i| js::get(&v, i);
                let name = arg("0").as_string().unwrap_or_default();
                self.command(&name, arg("1"), arg("2"));
            }
            K_EMIT => self.emit(EV_MESSAGE, &v),
            _ => self.on_timer(kind - K_TIMER),
        }
    }

    /// One `presenza(name, a, b)` call. Unknown names are ignored.
    pub fn command(&mut self, name: &str, a: JsValue, b: JsValue) {
        match name {
            "init" => {
                if self.site.is_none() {
                    self.site = js::get_str(&a, "site").filter(|s| !s.is_empty());
                }
                // The other keys are the commands of the same name.
                for k in ["group", "language", "texts", "theme", "visitor", "sound"] {
                    let arg = js::get(&a, k);
                    if !arg.is_undefined() {
                        self.command(k, arg, js::U);
                    }
                }
                self.start();
            }
            "group" => self.set_group(a.as_string()),
            "language" if a.is_string() => {
                self.lang_cmd = a.as_string();
                self.relang();
            }
            "chat:open" => self.set_open(true, false),
            "chat:close" => self.set_open(false, false),
            "chat:toggle" => self.set_open(!self.open, false),
            "widget:hide" | "widget:show" => {
                self.hidden = name == "widget:hide";
                self.render(false);
            }
            "on" | "off" => {
                let kind = match a.as_string().as_deref() {
                    Some("status") => EV_STATUS,
                    Some("open") => EV_OPEN,
                    Some("close") => EV_CLOSE,
                    Some("message") => EV_MESSAGE,
                    _ => return,
                };
                if !b.is_function() {
                    return;
                }
                self.listeners.retain(|(k, f)| !(*k == kind && *f == b));
                if name == "on" {
                    if let (EV_STATUS, Some(live)) = (kind, &self.live) {
                        later(&b, &live.raw);
                    }
                    self.listeners.push((kind, b));
                }
            }
            "texts" => {
                self.assign(&a);
                self.render(false);
            }
            "theme" => self.set_look(&a),
            // The page's signed-in visitor (`{name, email}`) and whether a
            // reply may make a sound: the chat module's business.
            "visitor" | "sound" => {
                js::set(&self.cx, if name == "sound" { "n" } else { "u" }, &a);
                self.render(false);
            }
            _ => {}
        }
    }

    /// `Object.assign(self.texts[0], obj)` when `obj` is an object.
    fn assign(&self, obj: &JsValue) {
        if obj.is_object() {
            js::call(&js::g("Object"), "assign", &self.texts[0], obj);
        }
    }

    /// Calls the page's listeners of `kind`, each in its own microtask (a
    /// throwing listener is the page's own error and stops no other).
    fn emit(&self, kind: u8, payload: &JsValue) {
        for (k, f) in &self.listeners {
            if *k == kind {
                later(f, payload);
            }
        }
    }

    fn set_group(&mut self, group: Option<String>) {
        let group = group.filter(|g| !g.is_empty());
        if group != self.group {
            self.group = group;
            if self.started {
                // Resubscribe: the config names the group's status (or
                // says it does not exist), then the socket follows it.
                self.disconnect();
                self.read_config();
            }
            self.render(false);
        }
    }

    fn relang(&mut self) {
        self.lang = Lang::pick(self.lang_cmd.as_deref(), self.lang_cfg.as_deref());
        self.load_lang();
    }

    /// Whether the chosen language's texts are in (English is built in).
    fn lang_ready(&self) -> bool {
        self.lang.idx == 0 || self.langs.iter().any(|(i, _)| *i == self.lang.idx)
    }

    /// Fetches the chosen language's texts if needed; paints or repaints
    /// once they are in.
    fn load_lang(&mut self) {
        if self.lang_ready() {
            self.maybe_paint();
            self.render(false);
        } else if self.lang_loading.is_none() {
            self.lang_loading = Some(self.lang.idx);
            let url = js::cat(&[&self.base, "i18n/", i18n::code(self.lang.idx), ".json"]);
            self.fetch(&url, K_LANG_RESP);
        }
    }

    /// `fetch(url)`, its response to `hook(kind)`, a failure to `hook(kind + 1)`.
    fn fetch(&self, url: &str, kind: u32) {
        let req = js::call1(&js::G, "fetch", &JsValue::from_str(url));
        js::call(&req, "then", &self.hook(kind), &self.hook(kind + 1));
    }

    /// `'dark'|'light'|'auto'` or `{theme, accent_color, position, offset_x, offset_y}`.
    fn set_look(&mut self, v: &JsValue) {
        if v.is_string() {
            js::set(&self.looks[0], "theme", v);
        } else if v.is_object() {
            js::call(&js::g("Object"), "assign", &self.looks[0], v);
        }
        self.render(false);
    }

    /// Starts talking to the edge once the site is known.
    pub fn start(&mut self) {
        if self.site.is_none() || self.started {
            return;
        }
        self.started = true;
        self.read_config();
        self.relang();
        js::call(
            &js::g("document"),
            "addEventListener",
            &"visibilitychange".into(),
            &self.hook(K_VIS),
        );
        self.arm(T_DEADLINE, DEADLINE_MS);
    }

    /// `{origin}/v1/sites/{site}/{path}[?group=]`.
    fn site_url(&self, path: &str) -> String {
        let site = js::enc(self.site.as_deref().unwrap_or(""));
        let group = self.group.as_deref().map(js::enc);
        js::cat(&[
            &self.origin,
            "/v1/sites/",
            &site,
            path,
            if group.is_some() { "?group=" } else { "" },
            group.as_deref().unwrap_or(""),
        ])
    }

    /// Asks for the widget's settings and the audience's status: the
    /// loader's answer when it asked the same (the first time), else a new
    /// fetch. The socket opens once it is in ([`App::on_config`]).
    fn read_config(&mut self) {
        let url = self.site_url("/widget-config");
        let pre = core::mem::replace(&mut self.pre, js::U);
        if js::get_str(&pre, "u").as_deref() == Some(url.as_str()) {
            // Already parsed (a failure too ends in defaults).
            js::call(
                &js::get(&pre, "c"),
                "then",
                &self.hook(K_CFG),
                &self.hook(K_CFG),
            );
        } else {
            self.fetch(&url, K_CFG_RESP);
        }
    }

    /// The answer of `widget-config` (or a failure: defaults then), and the
    /// `widget` frame of a settings change (the same `widget` key).
    fn on_config(&mut self, c: JsValue) {
        let err = js::get(&c, "error");
        match js::get_str(&err, "code").as_deref() {
            Some(code @ ("site_not_found" | "origin_not_allowed")) => {
                // A site id that names no site, or a page of an origin the
                // site refuses (the edge's words name it and where to allow
                // it; not the snippet's fault): nothing that could deliver.
                self.warn(&err, code == "site_not_found", "stays hidden.");
                self.stopped = true;
                self.disconnect();
                for t in 0..TIMERS as u32 {
                    self.disarm(t);
                }
                if let Some(v) = &self.view {
                    js::call0(&v.host, "remove");
                }
                return;
            }
            Some("unknown_group") if self.group.is_some() => {
                // A group the site does not have: the whole site's agents.
                self.warn(&err, true, "shows the whole site.");
                return self.set_group(None);
            }
            _ => {}
        }
        let w = js::get(&c, "widget");
        if w.is_object() {
            self.lang_cfg = js::get_str(&w, "language");
            self.texts[1] = js::get(&w, "texts");
            self.looks[1] = w;
        }
        self.config_done = true;
        if let Some(live) = Live::parse(js::get(&c, "status")) {
            self.set_live(live);
        }
        self.connect_after_frame();
        self.relang();
    }

    /// One console warning about a set-up mistake: the edge's words, the
    /// site, whether the snippet is to blame, and what the widget does.
    fn warn(&self, err: &JsValue, snippet: bool, outcome: &str) {
        let text = js::cat(&[
            "Presenza: ",
            &js::get_str(err, "message").unwrap_or_default(),
            " (site ",
            self.site.as_deref().unwrap_or(""),
            " at ",
            &self.origin,
            if snippet {
                "). Check the snippet; the widget "
            } else {
                "). The widget "
            },
            outcome,
        ]);
        // `warn.call(console, text)`: the helpers pass two arguments, and
        // a second `undefined` would be printed.
        let console = js::g("console");
        js::call(
            &js::get(&console, "warn"),
            "call",
            &console,
            &JsValue::from_str(&text),
        );
    }

    /// The visitor's id, for a visitor who wrote before: the loader read it
    /// from the site's localStorage (`presenza:{site}` → `{"v": id, …}`)
    /// and checked it (22 base64url characters); the chat module sets it
    /// when it makes one. Both keep it in `cx.v`.
    pub fn visitor(&self) -> Option<String> {
        js::get_str(&self.cx, "v")
    }

    /// `/live`, with the group and, for a visitor who wrote before,
    /// `visitor=` (the edge then pushes their messages to this socket
    /// cheaply; the chat module's `auth` frame proves the secret).
    pub fn live_url(&self) -> String {
        let url = self.site_url("/live");
        let visitor = self.visitor();
        js::cat(&[
            "ws",
            url.strip_prefix("http").unwrap_or(&url),
            match (&visitor, &self.group) {
                (None, _) => "",
                (Some(_), None) => "?visitor=",
                (Some(_), Some(_)) => "&visitor=",
            },
            visitor.as_deref().unwrap_or(""),
        ])
    }

    /// Opens the live socket, once the config is in (the edge said the
    /// site and the group exist, or could not be asked).
    fn connect(&mut self) {
        if self.ws.is_some() || self.suspended || !self.config_done {
            return;
        }
        let url = self.live_url();
        self.disarm(T_RECONNECT);
        self.got = false;
        let ws = js::make(&js::G, "WebSocket", &JsValue::from_str(&url));
        if ws.is_undefined() {
            return self.on_close(&js::U);
        }
        js::set(&ws, "onmessage", &self.hook(K_MSG));
        js::set(&ws, "onclose", &self.hook(K_CLOSE));
        self.ws = Some(ws);
        self.connected_at = js::now();
        self.arm(T_PING, PING_MS);
        // The chat module follows the new socket.
        self.render(false);
    }

    /// The first socket waits for the launcher's first frame: its
    /// handshake (the browser's network work, the edge's accept, its first
    /// message) would otherwise compete with that frame for the CPU, and
    /// the status painted is already the edge's (the config's). Later
    /// sockets open at once.
    fn connect_after_frame(&mut self) {
        if self.connected_at > 0.0 {
            return self.connect();
        }
        if self.timers[T_CONNECT as usize].is_none() {
            js::call1(
                &js::G,
                "requestAnimationFrame",
                &self.hook(K_TIMER + T_FRAME),
            );
            self.arm(T_CONNECT, FIRST_FRAME_MS);
        }
    }

    fn disconnect(&mut self) {
        if let Some(ws) = self.ws.take() {
            js::set(&ws, "onmessage", &JsValue::NULL);
            js::set(&ws, "onclose", &JsValue::NULL);
            js::call0(&ws, "close");
        }
        self.disarm(T_PING);
    }

    fn on_message(&mut self, data: JsValue) {
        let Some(text) = data.as_string() else { return };
        self.got = true;
        let f = js::json(&text);
        if js::get(&f, "widget").is_object() {
            // The owner changed the settings.
            self.on_config(f);
        } else if let Some(live) = Live::parse(f) {
            self.fails = 0;
            self.set_live(live);
        }
    }

    fn on_close(&mut self, e: &JsValue) {
        if js::get(e, "code").as_f64() == Some(f64::from(GROUP_DELETED)) {
            // The group was deleted: the config says so, then the whole site.
            self.got = false;
        }
        self.disconnect();
        self.fails += 1;
        if self.live.is_none() || self.fails > 1 {
            self.set_live(Live::unreachable());
        }
        if !self.suspended {
            let random = js::call0(&js::g("Math"), "random").as_f64().unwrap_or(0.5);
            let lived = js::now() - self.connected_at;
            self.arm(T_RECONNECT, reconnect_delay(self.fails, lived, random));
        }
    }

    fn hidden_page() -> bool {
        js::get(&js::g("document"), "hidden").is_truthy()
    }

    fn on_visibility(&mut self) {
        if Self::hidden_page() {
            self.arm(T_HIDDEN, HIDDEN_MS);
        } else {
            self.disarm(T_HIDDEN);
            self.suspended = false;
            self.connect();
        }
    }

    pub fn on_timer(&mut self, t: u32) {
        if let Some(slot) = self.timers.get_mut(t as usize) {
            *slot = None;
        }
        match t {
            // A socket that never delivered anything: is the site (or the
            // group) still there? The config answers, then connects.
            T_RECONNECT if !self.got => self.read_config(),
            T_RECONNECT | T_CONNECT => self.connect(),
            // Inside the frame's callbacks: connect in the next task, once
            // the frame is drawn.
            T_FRAME => {
                if self.timers[T_CONNECT as usize].is_some() {
                    self.arm(T_CONNECT, 0);
                }
            }
            T_PING => {
                if let Some(ws) = &self.ws {
                    js::call_s(ws, "send", PING, "");
                    self.arm(T_PING, PING_MS);
                }
            }
            T_HIDDEN => {
                if Self::hidden_page() {
                    self.suspended = true;
                    self.disconnect();
                    self.disarm(T_RECONNECT);
                }
            }
            T_DEADLINE => {
                self.deadline = true;
                if self.live.is_none() {
                    self.set_live(Live::unreachable());
                }
                self.maybe_paint();
            }
            _ => self.render(false),
        }
    }

    fn arm(&mut self, t: u32, ms: u32) {
        self.disarm(t);
        let id = js::call(
            &js::G,
            "setTimeout",
            &self.hook(K_TIMER + t),
            &JsValue::from(ms),
        );
        if let Some(slot) = self.timers.get_mut(t as usize) {
            *slot = Some(id);
        }
    }

    fn disarm(&mut self, t: u32) {
        if let Some(id) = self.timers.get_mut(t as usize).and_then(Option::take) {
            js::call1(&js::G, "clearTimeout", &id);
        }
    }

    pub fn set_live(&mut self, live: Live) {
        let changed = self.live.as_ref().is_none_or(|l| !l.same(&live));
        if changed {
            self.emit(EV_STATUS, &live.raw);
        }
        self.live = Some(live);
        if self.painted {
            if changed {
                self.render(true);
            }
            self.mark();
        } else {
            self.maybe_paint();
        }
    }

    /// The first paint, once the status is known and the site's settings
    /// and texts are in (or late).
    fn maybe_paint(&mut self) {
        let ready = self.config_done && self.lang_ready();
        if self.painted || self.stopped || self.live.is_none() || !(ready || self.deadline) {
            return;
        }
        let view = View::new(&self.hook(K_UI));
        // What the chat module is told once: r the shadow root, i the site,
        // e the hook for `presenza('on', 'message')` (see `render`).
        js::set(&self.cx, "r", &view.root);
        js::set(
            &self.cx,
            "i",
            &JsValue::from_str(self.site.as_deref().unwrap_or("")),
        );
        js::set(&self.cx, "e", &self.hook(K_EMIT));
        self.view = Some(view);
        self.painted = true;
        self.disarm(T_DEADLINE);
        self.render(false);
        if let Some(v) = &self.view {
            v.attach();
        }
        self.mark();
        if self.open || self.visitor().is_some() {
            // Opened by the page already, or a conversation to follow
            // (replies while the panel is closed: the unread badge).
            self.load_chat();
        }
    }

    /// Imports the chat module, which brings the panel (once; again after
    /// a failure).
    fn load_chat(&mut self) {
        if self.chat.is_undefined() && self.painted {
            self.chat = JsValue::NULL;
            let module = js::call(&self.load, "call", &js::U, &JsValue::from_str(&self.base));
            js::call(&module, "then", &self.hook(K_CHAT), &self.hook(K_CHAT));
        }
    }

    /// `performance.mark('presenza:paint')` when the launcher first shows a
    /// status from the edge (read by the paint-time bench).
    fn mark(&mut self) {
        if self.marked || !self.painted || !self.live.as_ref().is_some_and(|l| l.server) {
            return;
        }
        self.marked = true;
        js::call1(&js::g("performance"), "mark", &"presenza:paint".into());
    }

    fn set_open(&mut self, open: bool, by_user: bool) {
        if self.open == open {
            return;
        }
        self.open = open;
        // The chat module moves the focus into the panel when the visitor
        // opened it (once the panel is in).
        js::set(&self.cx, "f", &JsValue::from_bool(open && by_user));
        self.render(false);
        self.emit(if open { EV_OPEN } else { EV_CLOSE }, &js::U);
        if open {
            self.load_chat();
        } else if by_user {
            if let Some(v) = &self.view {
                v.focus(view::LAUNCHER);
            }
        }
    }

    fn on_ui(&mut self, e: JsValue) {
        if let Some(key) = js::get_str(&e, "key") {
            if key == "Escape" && self.open {
                js::call0(&e, "preventDefault");
                self.set_open(false, true);
            }
            return;
        }
        let el = js::call_s(&js::get(&e, "target"), "closest", "[data-a]", "");
        // Most events are outside any action (null): no call that throws.
        let action = if el.is_null() {
            None
        } else {
            js::call_s(&el, "getAttribute", "data-a", "").as_string()
        };
        if js::get_str(&e, "type").as_deref() != Some("click") {
            // Pointer over or focus on the launcher: the visitor may open
            // it, so the panel and the chat start loading now.
            if action.is_some() {
                self.load_chat();
            }
            return;
        }
        match action.as_deref() {
            Some("l") => self.set_open(!self.open, true),
            Some("x") => self.set_open(false, true),
            _ => {}
        }
    }

    /// A look setting: the page's, else the site's.
    fn look(&self, key: &str) -> JsValue {
        let v = js::get(&self.looks[0], key);
        if v.is_undefined() || v.is_null() {
            sub(&self.looks[1], key)
        } else {
            v
        }
    }

    /// Computes what to show from the model and updates the view;
    /// `announce` also says the new state in the role="status" region.
    pub fn render(&mut self, announce: bool) {
        let (Some(live), Some(_)) = (&self.live, &self.view) else {
            return;
        };
        let lang = self
            .langs
            .iter()
            .find(|(i, _)| *i == self.lang.idx)
            .map_or(js::U, |(_, t)| t.clone());
        let code = i18n::code(if lang.is_object() { self.lang.idx } else { 0 });
        let site = &self.texts[1];
        let tx = Texts {
            layers: [
                &self.texts[0],
                &sub(site, code),
                &sub(site, ALL_LANGUAGES),
                &lang,
                &self.en,
            ],
            tag: &self.lang.tag,
        };
        let s = live.status as usize;
        let busy = live.status == Status::Busy;
        let refresh = live.back_at.is_some();
        let state = live.status.as_str();
        let t1 = match (&live.message, busy) {
            (Some(_), true) => js::get(&live.raw, "message"),
            _ => tx.js(state),
        };
        let t2 = match (live.back_at, live.status) {
            (Some(at), Status::Busy | Status::Offline) => tx.back(at, busy),
            _ => JsValue::from_str(""),
        };
        let st = tx.js(["status_offline", "status_busy", "status_online"][s]);
        // label: "Busy: We're busy, back in 5 minutes"; sub: "Busy · back in 5 minutes"
        let concat = |a: &JsValue, sep: &str, b: &JsValue| {
            if b.is_truthy() {
                js::call(a, "concat", &JsValue::from_str(sep), b)
            } else {
                a.clone()
            }
        };
        let label = concat(&js::call(&st, "concat", &": ".into(), &t1), ", ", &t2);
        let sub_line = concat(&st, " · ", &t2);
        let close = tx.js("close");

        let accent = self
            .look("accent_color")
            .as_string()
            .and_then(|c| hex(&c))
            .unwrap_or_else(|| DEFAULT_ACCENT.into());
        let offset = |k| {
            js::call0(&JsValue::from(px(&self.look(k)).unwrap_or(20)), "toString")
                .as_string()
                .unwrap_or_default()
        };
        let (x, y) = (offset("offset_x"), offset("offset_y"));
        let vars = js::cat(&[
            "--a:",
            &accent,
            ";--on:",
            on_color(&accent),
            ";--x:",
            &x,
            "px;--y:",
            &y,
            "px",
        ]);
        let open = self.open;
        let class = js::cat(&[
            "w s-",
            state,
            if self.look("position").as_string().as_deref() == Some("left") {
                " l"
            } else {
                ""
            },
            match self.look("theme").as_string().as_deref() {
                Some("light") => " light",
                Some("dark") => " dark",
                _ => "",
            },
            if self.hidden { " hid" } else { "" },
            if open { " o" } else { "" },
        ]);
        let jstr = |v: &str| JsValue::from_str(v);
        let fields = [
            (view::F_STYLE, jstr(&vars)),
            (view::F_CLASS, jstr(&class)),
            (view::F_LANG, jstr(code)),
            // Open, the launcher closes the panel (and says so).
            (
                view::F_LABEL,
                if open { close.clone() } else { label.clone() },
            ),
            (view::F_EXPANDED, jstr(if open { "true" } else { "false" })),
            (view::F_T1, t1.clone()),
            (view::F_T2, t2),
        ];
        let Some(view) = &self.view else { return };
        for (field, value) in &fields {
            view.put(*field, value);
        }
        if announce {
            view.put(view::F_ANNOUNCE, &label);
        }
        if self.chat.is_function() {
            // The chat module's view of the launcher, by key (besides r, i
            // and e, set at the first paint): o whether the panel is open,
            // w the socket, s the status payload, h and b the panel's title
            // and status line, x the close button's name, p and q the
            // page's and the site's text overrides, t the language tag, g
            // the group; set by commands: u the page's visitor, n the sound
            // setting, f focus wanted; v the visitor (both ways).
            let cx = &self.cx;
            js::set(cx, "o", &JsValue::from_bool(open));
            js::set(cx, "w", self.ws.as_ref().unwrap_or(&JsValue::NULL));
            js::set(cx, "s", &live.raw);
            // The site's panel title, if any, else the state.
            let title = Some(self.look("title"))
                .filter(JsValue::is_truthy)
                .unwrap_or(t1);
            js::set(cx, "h", &title);
            js::set(cx, "b", &sub_line);
            js::set(cx, "x", &close);
            js::set(cx, "p", &self.texts[0]);
            js::set(cx, "q", site);
            js::set(cx, "t", &jstr(&self.lang.tag));
            js::set(cx, "g", &self.group.as_deref().map_or(JsValue::NULL, jstr));
            js::call(&self.chat, "call", &js::U, cx);
        }
        if refresh {
            // "back in 9 minutes" ages: repaint while it is shown.
            self.arm(T_REFRESH, 30_000);
        }
    }

    /// Stops everything (tests only: a page never tears the widget down).
    #[cfg(test)]
    pub fn stop(&mut self) {
        self.disconnect();
        for t in 0..TIMERS as u32 {
            self.disarm(t);
        }
        js::call(
            &js::g("document"),
            "removeEventListener",
            &"visibilitychange".into(),
            &self.hook(K_VIS),
        );
        if let Some(v) = &self.view {
            js::call0(&v.host, "remove");
        }
    }
}

/// Runs `f(arg)` in a microtask.
pub fn later(f: &JsValue, arg: &JsValue) {
    js::call1(&js::G, "queueMicrotask", &js::call(f, "bind", &js::U, arg));
}

/// Reconnection delay after `fails` consecutive failures of a socket that
/// had lived `lived` ms: the first retry after a long-lived socket dropped
/// is a random point in [`SPREAD_MS`]; else [`backoff`].
pub fn reconnect_delay(fails: u32, lived: f64, random: f64) -> u32 {
    if fails == 1 && lived >= LONG_LIVED_MS {
        (500.0 + random * (SPREAD_MS - 500.0)) as u32
    } else {
        backoff(fails, random)
    }
}

/// Reconnection delay after `fails` consecutive failures: a random point in
/// the upper half of a window that doubles from 1 s up to a minute.
pub fn backoff(fails: u32, random: f64) -> u32 {
    let window = BACKOFF_MIN_MS * f64::from(1u32 << fails.clamp(1, 7).saturating_sub(1));
    let window = if window > BACKOFF_MAX_MS {
        BACKOFF_MAX_MS
    } else {
        window
    };
    (window * (0.5 + random * 0.5)) as u32
}
