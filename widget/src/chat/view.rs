//! The chat module's part of the Shadow DOM: the panel (`widget/panel.html`
//! and `widget/panel.css`, inserted at the start of the launcher's `#w`),
//! its header (the agent serving the conversation), the message log, the
//! composer, the offline "leave a message" form and its confirmation, and
//! the unread badge on the launcher. Static markup only: every text is set
//! with `textContent` (or an attribute), never parsed as HTML, and messages
//! are clones of a template filled the same way.
//!
//! ```text
//! section#p.p[role=dialog][aria-labelledby="an h"]   hidden while closed
//!   header  img#ap.ap (the agent's picture)  span#av.av (else their initial)  span.dot  p#an (the agent)
//!           h2#h  p#s  button#x
//!   div.body  p#i (intro)
//!     div#g.log[role=log][aria-live=polite]   div.m.{v|a|s}[.pend][data-new]  span.who  p.bt  span.at
//!                                             (data-new: the first unread when the panel opened,
//!                                             shown as a "new messages" line above it)
//!     p#ty.ty[role=status]                     "Giulia is typing…"
//!     p#ok.ok[role=status]                     confirmation of a left message
//!     form#lf.lf (offline)  p#le.er[role=alert]
//!       label Name input[name=n]   p#en.er      label E-mail input[name=e]  p#ee.er
//!       label Message textarea[name=m]  p#em.er  p#mc.cn (characters left)  button
//!   div#c.cmp  form#cf  p#ce.er[role=alert]  label textarea  button.snd  p#cn.cn
//!              p#td.ok[role=status]  "We've sent the conversation to …"
//!              button#tb.lk[aria-expanded]  "Email me this conversation" (site sends e-mail)
//!              form#tf.tf  label[for=ti]  input#ti  button   p#te.er[role=alert]
//! button#l  span#u.bd[aria-hidden] (unread count)  span#ud.sr (its words)
//! ```
//!
//! Labels, placeholders and button names carry their text key in `data-t`
//! (text), `data-l` (aria-label) or `data-h` (placeholder): [`View::texts`]
//! fills them in the current language.

use wasm_bindgen::JsValue;

use crate::i18n::Texts;
use crate::js;

/// The panel's stylesheet (`widget/panel.css`: the panel, its header, the
/// launcher as a close button while it is open, full screen on phones)
/// and the conversation's.
pub const CSS: &str = concat!(
    include_str!("../../panel.css"),
    ".w{--bg:light-dark(#fff,#1d1d22);--bd:light-dark(#dedee3,#3b3b44);--bub:light-dark(#f1f1f4,#2b2b32);",
    "--mut:light-dark(#55555f,#b4b4bd);--err:light-dark(#b42318,#ffa39e);--fb:light-dark(#8a8a94,#77777f)}",
    ".ln{position:relative}",
    ".bd{position:absolute;top:-6px;right:-4px;min-width:22px;height:22px;padding:0 6px;border-radius:11px;",
    "background:#c81e1e;color:#fff;font:700 12px/22px system-ui,sans-serif;text-align:center;box-shadow:0 0 0 2px var(--bg)}",
    ".bd[hidden]{display:none}",
    ".log{display:flex;flex-direction:column;gap:10px;margin-top:10px}.log:empty{display:none}",
    ".m{display:flex;flex-direction:column;gap:3px;max-width:85%;align-self:flex-start;align-items:flex-start}",
    ".bt{margin:0;padding:9px 13px;border-radius:16px 16px 16px 4px;background:var(--bub);white-space:pre-wrap;overflow-wrap:anywhere}",
    ".who{padding:0 4px;font-size:12px;font-weight:600;color:var(--mut)}",
    ".at{padding:0 4px;font-size:11px;color:var(--mut)}",
    ".v{align-self:flex-end;align-items:flex-end}",
    ".v .bt{border-radius:16px 16px 4px;background:var(--a);color:var(--on)}",
    ".v .who{position:absolute;width:1px;height:1px;overflow:hidden;clip-path:inset(50%)}",
    ".pend .bt{opacity:.72}",
    ".s{align-self:center;align-items:center;max-width:92%;text-align:center}",
    ".s .bt{border:1px dashed var(--fb);border-radius:12px;background:none;font-style:italic}",
    ".ok{margin:12px 0 0;padding:10px 14px;border-radius:12px;background:light-dark(#e8f6ee,#173424);color:light-dark(#14532d,#c6f6d5)}",
    ".ok:empty{display:none}",
    ".ty{margin:8px 4px 0;color:var(--mut);font-size:13px;font-style:italic}.ty:empty{display:none}",
    ".lf{display:flex;flex-direction:column;margin-top:14px}.lf[hidden],.cmp[hidden]{display:none}",
    ".lf label{display:flex;flex-direction:column;gap:4px;margin-top:10px;font-size:14px;font-weight:600}",
    "input,textarea{width:100%;padding:9px 12px;border:1px solid var(--fb);border-radius:10px;background:var(--bg);color:inherit;font:inherit;font-weight:400}",
    "textarea{resize:none}.lf textarea{min-height:96px;resize:vertical}",
    "input:focus-visible,textarea:focus-visible{outline-offset:0;box-shadow:none}",
    "[aria-invalid=true]{border-color:var(--err);box-shadow:0 0 0 1px var(--err)}",
    ".er{margin:4px 0 0;color:var(--err);font-size:13px}.er:empty{display:none}",
    ".cn{margin:4px 0 0;color:var(--mut);font-size:12px;text-align:end}.cn:empty{display:none}.cn.over{color:var(--err)}",
    ".btn{margin-top:14px;min-height:44px;border:0;border-radius:12px;background:var(--a);color:var(--on);font-weight:600;cursor:pointer}",
    ".row{display:flex;gap:8px;align-items:flex-end}.row label{flex:1;display:flex;min-width:0}",
    ".row textarea{min-height:44px;max-height:132px;field-sizing:content}",
    ".snd{flex:none;display:grid;place-items:center;width:44px;height:44px;padding:0;border:0;border-radius:50%;background:var(--a);color:var(--on);cursor:pointer}",
    ".snd svg{width:20px;height:20px;fill:currentColor}",
    ".lk{min-height:24px;margin-top:6px;padding:2px 0;border:0;background:none;color:var(--mut);font:inherit;font-size:13px;text-decoration:underline;cursor:pointer}",
    ".tf{margin-top:8px}.tf label{font-size:14px;font-weight:600}.tf .row{margin-top:4px;align-items:stretch}.tf .btn{margin:0;padding:0 16px}",
    ".m[data-new]{align-self:stretch;max-width:none}",
    ".m[data-new]::before{content:attr(data-new);align-self:stretch;margin-bottom:4px;padding-top:4px;border-top:1px solid;color:var(--err);font-size:12px;font-weight:600;text-align:center}",
);

/// The panel, inserted at the start of `#w`.
const PANEL: &str = include_str!("../../panel.html");

/// The composer, in `div#c`.
const COMPOSER: &str = concat!(
    r#"<form id="cf" novalidate><p class="er" id="ce" role="alert"></p><div class="row">"#,
    r#"<label><span class="sr" data-t="msg_label"></span><textarea id="f" rows="1" enterkeyhint="send" aria-describedby="ce cn" data-h="msg_placeholder"></textarea></label>"#,
    r#"<button type="submit" class="snd" data-l="send"><svg viewBox="0 0 24 24" aria-hidden="true"><path d="M3.4 20.4 21 12 3.4 3.6 3.5 10l12.5 2-12.5 2z"/></svg></button>"#,
    r#"</div><p class="cn" id="cn"></p></form>"#,
    r#"<p class="ok" id="td" role="status"></p>"#,
    r#"<button type="button" class="lk" id="tb" aria-expanded="false" aria-controls="tf" data-t="transcript" hidden></button>"#,
    r#"<form class="tf" id="tf" novalidate hidden><label for="ti" data-t="email"></label><div class="row">"#,
    r#"<input id="ti" type="email" autocomplete="email" aria-describedby="te"><button type="submit" class="btn" data-t="send"></button></div></form>"#,
    r#"<p class="er" id="te" role="alert"></p>"#
);

/// The agent's typing indicator, the confirmation and the offline form,
/// after the log.
const FORM: &str = concat!(
    r#"<p class="ty" id="ty" role="status"></p>"#,
    r#"<p class="ok" id="ok" role="status"></p>"#,
    r#"<form class="lf" id="lf" novalidate hidden><p class="er" id="le" role="alert"></p>"#,
    r#"<label><span data-t="name"></span><input name="n" autocomplete="name" aria-describedby="en"></label><p class="er" id="en"></p>"#,
    r#"<label><span data-t="email"></span><input name="e" type="email" autocomplete="email" aria-describedby="ee"></label><p class="er" id="ee"></p>"#,
    r#"<label><span data-t="message"></span><textarea name="m" rows="4" aria-describedby="em mc"></textarea></label><p class="er" id="em"></p><p class="cn" id="mc"></p>"#,
    r#"<button type="submit" class="btn" data-t="send_form"></button></form>"#
);

const BADGE: &str =
    r#"<span class="bd" id="u" aria-hidden="true" hidden></span><span class="sr" id="ud"></span>"#;

const MESSAGE: &str =
    r#"<div class="m"><span class="who"></span><p class="bt"></p><span class="at"></span></div>"#;

/// The mounted elements.
pub struct View {
    pub root: JsValue,
    pub panel: JsValue,
    pub log: JsValue,
    pub cmp: JsValue,
    pub composer: JsValue,
    pub ta: JsValue,
    pub form: JsValue,
    /// The "e-mail me this conversation" form.
    pub tform: JsValue,
    pub ok: JsValue,
    pub badge: JsValue,
    template: JsValue,
}

impl View {
    /// Inserts the panel and fills it and the launcher; the hooks get
    /// submit, keydown and input events of the chat's forms.
    pub fn mount(
        root: &JsValue,
        on_submit: &JsValue,
        on_key: &JsValue,
        on_input: &JsValue,
    ) -> View {
        let by_id = |id: &str| js::call_s(root, "getElementById", id, "");
        let sheet = js::make(&js::G, "CSSStyleSheet", &js::U);
        js::call_s(&sheet, "replaceSync", CSS, "");
        let sheets = js::call0(&js::get(root, "adoptedStyleSheets"), "slice");
        super::store::append(&sheets, &sheet);
        js::set(root, "adoptedStyleSheets", &sheets);
        js::call_s(&by_id("w"), "insertAdjacentHTML", "afterbegin", PANEL);

        let log = by_id("g");
        js::call(&log, "setAttribute", &"aria-live".into(), &"polite".into());
        js::call(&log, "setAttribute", &"data-l".into(), &"log_label".into());
        js::call_s(&log, "insertAdjacentHTML", "afterend", FORM);
        let cmp = by_id("c");
        js::set(&cmp, "innerHTML", &COMPOSER.into());
        let launcher = by_id("l");
        js::call_s(&launcher, "insertAdjacentHTML", "beforeend", BADGE);
        js::call(
            &launcher,
            "setAttribute",
            &"aria-describedby".into(),
            &"ud".into(),
        );

        let template = js::call_s(&js::g("document"), "createElement", "template", "");
        js::set(&template, "innerHTML", &MESSAGE.into());
        let composer = by_id("cf");
        let form = by_id("lf");
        let tform = by_id("tf");
        for f in [&composer, &form, &tform] {
            js::call(f, "addEventListener", &"submit".into(), on_submit);
            js::call(f, "addEventListener", &"input".into(), on_input);
        }
        let ta = by_id("f");
        js::call(&ta, "addEventListener", &"keydown".into(), on_key);
        View {
            panel: by_id("p"),
            log,
            cmp,
            composer,
            ta,
            form,
            tform,
            ok: by_id("ok"),
            badge: by_id("u"),
            template,
            root: root.clone(),
        }
    }

    pub fn by_id(&self, id: &str) -> JsValue {
        js::call_s(&self.root, "getElementById", id, "")
    }

    /// A field of the offline form: `n`, `e` or `m`.
    pub fn field(&self, name: &str) -> JsValue {
        js::get(&js::get(&self.form, "elements"), name)
    }

    /// Sets every keyed text, label and placeholder of the chat's markup.
    pub fn texts(&self, tx: &Texts) {
        for (attr, target) in [
            ("data-t", ""),
            ("data-l", "aria-label"),
            ("data-h", "placeholder"),
        ] {
            let selector = js::cat(&["[", attr, "]"]);
            let list = js::call_s(&self.root, "querySelectorAll", &selector, "");
            let n = js::get(&list, "length").as_f64().unwrap_or(0.0) as u32;
            for i in 0..n {
                let el = js::get_v(&list, &JsValue::from(i));
                let key = js::call_s(&el, "getAttribute", attr, "")
                    .as_string()
                    .unwrap_or_default();
                let text = tx.js(&key);
                if target.is_empty() {
                    js::set(&el, "textContent", &text);
                } else {
                    js::call(&el, "setAttribute", &target.into(), &text);
                }
            }
        }
    }

    /// A new message element (not in the log yet): `class` is `m v`, `m a`
    /// or `m s` (visitor, agent, system), plus ` pend` while it is sent.
    pub fn message(&self, class: &str, who: &JsValue, text: &JsValue, at: &JsValue) -> JsValue {
        let node = js::call1(
            &js::get(&js::get(&self.template, "content"), "firstChild"),
            "cloneNode",
            &JsValue::TRUE,
        );
        js::set(&node, "className", &class.into());
        let parts = js::get(&node, "children");
        for (i, value) in [who, text, at].into_iter().enumerate() {
            js::set(
                &js::get_v(&parts, &JsValue::from(i as u32)),
                "textContent",
                value,
            );
        }
        node
    }

    /// Sets a message's class and its time (or "Sending…").
    pub fn restyle(node: &JsValue, class: &str, at: &JsValue) {
        js::set(node, "className", &class.into());
        js::set(&js::get(&js::get(node, "children"), "2"), "textContent", at);
    }

    /// Puts `node` in the log before `before` (null: at the end) and
    /// scrolls to the newest message.
    pub fn insert(&self, node: &JsValue, before: &JsValue) {
        js::call(&self.log, "insertBefore", node, before);
        self.scroll(&JsValue::NULL);
    }

    /// Scrolls the panel's body so that `node` is at its top, or (null) to
    /// the end. Only the body scrolls: `scrollIntoView` would scroll the
    /// host page too.
    pub fn scroll(&self, node: &JsValue) {
        let body = js::get(&self.log, "parentElement");
        let top = if node.is_object() {
            let at = |el: &JsValue| {
                js::get(&js::call0(el, "getBoundingClientRect"), "top")
                    .as_f64()
                    .unwrap_or(0.0)
            };
            let now = js::get(&body, "scrollTop").as_f64().unwrap_or(0.0);
            JsValue::from_f64(now + at(node) - at(&body) - 8.0)
        } else {
            js::get(&body, "scrollHeight")
        };
        js::set(&body, "scrollTop", &top);
    }

    /// Marks `node` as the first unread message with `words` ("New
    /// messages", shown above it), and no other; null: none.
    pub fn mark_unread(&self, node: &JsValue, words: &JsValue) {
        // Null (no mark yet, or none to set) is common: no call that throws.
        let old = js::call_s(&self.log, "querySelector", "[data-new]", "");
        if !old.is_null() {
            js::call_s(&old, "removeAttribute", "data-new", "");
        }
        if !node.is_null() {
            js::call(node, "setAttribute", &"data-new".into(), words);
        }
    }

    /// Shows `text` in an error element (`""` hides it); marks the field
    /// that the error describes, if any, invalid.
    pub fn error(&self, id: &str, field: Option<&JsValue>, text: &JsValue) {
        js::set(&self.by_id(id), "textContent", text);
        if let Some(f) = field {
            if text.is_truthy() {
                js::call(f, "setAttribute", &"aria-invalid".into(), &"true".into());
            } else {
                js::call_s(f, "removeAttribute", "aria-invalid", "");
            }
        }
    }
}
