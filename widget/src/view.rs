//! The view: one `<presenza-widget>` host with an open Shadow DOM, built
//! from static templates and updated in place.
//!
//! Politeness: `:host { all: initial }` cuts the page's styles off; the
//! stylesheets are constructed ones (`adoptedStyleSheets`), so a page CSP
//! without `'unsafe-inline'` for styles does not block them, and nothing is
//! added outside the shadow root but the host element. The site's colours
//! and offsets are CSS variables set through CSSOM (`style.cssText`).
//!
//! Split for size: the launcher (its markup and CSS below) is all the first
//! paint needs. The panel (its markup and CSS, `widget/panel.html` and
//! `widget/panel.css`) comes with the conversation in the chat module
//! ([`crate::chat`]), which inserts it at the start of `#w`.
//!
//! Structure (ids are local to the shadow root):
//! ```text
//! div#w.w            classes: s-online|s-busy|s-offline, l (left), light|dark, hid, o (open)
//!   div#r[role=status]        screen-reader announcements of changes
//!   section#p[role=dialog]    the panel (chat module)
//!   button#l.ln[aria-expanded][aria-controls=p]   the launcher (a close
//!                             button while the panel is open)
//! ```

use js_sys::Array;
use wasm_bindgen::JsValue;

use crate::js;

const TEMPLATE: &str = concat!(
    r#"<div class="w" id="w"><div class="sr" id="r" role="status"></div>"#,
    r#"<button type="button" class="ln" id="l" data-a="l" aria-expanded="false" aria-controls="p">"#,
    r#"<span class="dot"></span><span class="tx"><span class="t1" id="t1"></span><span class="t2" id="t2"></span></span></button></div>"#
);

/// The launcher's stylesheet (and what the panel shares: variables, focus,
/// reduced motion).
pub const CSS: &str = concat!(
    ":host{all:initial!important}",
    "*{box-sizing:border-box}",
    ".w{position:fixed;z-index:2147483000;right:var(--x);bottom:var(--y);display:flex;flex-direction:column;align-items:flex-end;gap:12px;",
    "font:15px/1.4 system-ui,sans-serif;color-scheme:light dark;color:light-dark(#1b1b1f,#f1f1f4)}",
    ".l{left:var(--x);right:auto;align-items:flex-start}",
    ".light{color-scheme:light}.dark{color-scheme:dark}.hid{display:none}",
    "button{font:inherit;color:inherit}",
    ".ln{display:flex;align-items:center;gap:10px;min-height:48px;max-width:min(340px,calc(100vw - 2*var(--x)));padding:10px 20px 10px 16px;",
    "border:0;border-radius:24px;background:var(--a);color:var(--on);cursor:pointer;text-align:start;box-shadow:0 4px 16px rgba(0,0,0,.22);transition:transform .15s}",
    ".ln:hover{transform:translateY(-2px)}",
    ".tx{display:flex;flex-direction:column;min-width:0}",
    ".t1{font-weight:600;overflow-wrap:anywhere}.t2{font-size:13px;white-space:nowrap}.t2:empty{display:none}",
    ".dot{flex:none;width:10px;height:10px;border-radius:50%;background:#9ca3af;box-shadow:0 0 0 2px var(--on)}",
    ".s-online .dot{background:#22c55e;animation:pz 1.6s 3}.s-busy .dot{background:#f59e0b}",
    "@keyframes pz{50%{box-shadow:0 0 0 2px var(--on),0 0 0 6px rgba(34,197,94,.45)}}",
    ":focus{outline:none}",
    ":focus-visible{outline:3px solid light-dark(#1b1b1f,#fff);outline-offset:2px;box-shadow:0 0 0 2px light-dark(#fff,#1b1b1f)}",
    ".sr{position:absolute;width:1px;height:1px;overflow:hidden;clip-path:inset(50%);white-space:nowrap}",
    "@media (prefers-reduced-motion:reduce){*{transition:none!important;animation:none!important}}"
);

// Element slots, in `IDS` order.
pub const ROOT: usize = 0;
pub const SR: usize = 1;
pub const LAUNCHER: usize = 2;
pub const T1: usize = 3;
pub const T2: usize = 4;
const IDS: [&str; 5] = ["w", "r", "l", "t1", "t2"];

/// What [`View::put`] can set: an element slot and an attribute, `""` for
/// the text, `"style"` for the CSS variables.
pub const FIELDS: [(usize, &str); 8] = [
    (ROOT, "style"),
    (ROOT, "class"),
    (ROOT, "lang"),
    (LAUNCHER, "aria-label"),
    (LAUNCHER, "aria-expanded"),
    (T1, ""),
    (T2, ""),
    (SR, ""),
];
pub const F_STYLE: usize = 0;
pub const F_CLASS: usize = 1;
pub const F_LANG: usize = 2;
pub const F_LABEL: usize = 3;
pub const F_EXPANDED: usize = 4;
pub const F_T1: usize = 5;
pub const F_T2: usize = 6;
pub const F_ANNOUNCE: usize = 7;

pub struct View {
    pub host: JsValue,
    pub root: JsValue,
}

impl View {
    /// Builds the host, its shadow tree and the launcher; `on_ui` gets every
    /// click and keydown inside, and the pointer or the focus coming to the
    /// launcher (an intent to open it). Not in the document yet: see
    /// [`View::attach`].
    pub fn new(on_ui: &JsValue) -> View {
        let host = js::call_s(&js::g("document"), "createElement", "presenza-widget", "");
        let root = js::call1(&host, "attachShadow", &js::json(r#"{"mode":"open"}"#));
        let sheet = js::make(&js::G, "CSSStyleSheet", &js::U);
        js::call_s(&sheet, "replaceSync", CSS, "");
        js::set(&root, "adoptedStyleSheets", &Array::of1(&sheet));
        js::set(&root, "innerHTML", &JsValue::from_str(TEMPLATE));
        for ev in ["click", "keydown", "pointerover", "focusin"] {
            js::call(&root, "addEventListener", &JsValue::from_str(ev), on_ui);
        }
        View { host, root }
    }

    /// Appends the host to `<body>` (or `<html>` before there is a body).
    pub fn attach(&self) {
        let doc = js::g("document");
        let mut parent = js::get(&doc, "body");
        if parent.is_null() {
            parent = js::get(&doc, "documentElement");
        }
        js::call1(&parent, "appendChild", &self.host);
    }

    /// An element of the shadow tree.
    pub fn el(&self, slot: usize) -> JsValue {
        js::call_s(
            &self.root,
            "getElementById",
            IDS.get(slot).copied().unwrap_or(""),
            "",
        )
    }

    /// Sets a field ([`FIELDS`]) to `value` (a JS string), or removes the
    /// attribute (`undefined`). Writing an unchanged value is harmless: the
    /// only live region, `#r`, is written only to announce a change.
    pub fn put(&self, field: usize, value: &JsValue) {
        let Some(&(slot, attr)) = FIELDS.get(field) else {
            return;
        };
        let el = self.el(slot);
        match attr {
            "" => js::set(&el, "textContent", value),
            "style" => js::set(&js::get(&el, "style"), "cssText", value),
            a if value.is_undefined() => {
                js::call_s(&el, "removeAttribute", a, "");
            }
            a => {
                js::call(&el, "setAttribute", &JsValue::from_str(a), value);
            }
        }
    }

    /// Focuses an element.
    pub fn focus(&self, slot: usize) {
        js::call0(&self.el(slot), "focus");
    }
}
