//! The view: draws the [`Store`] into `#app` and turns user actions into
//! messages (see [`events`]). It never changes the store.
//!
//! The page is drawn in regions so that a live update redraws only what
//! changed and never steals focus or typed text: the agent's picture and the
//! status menu are updated in place, the audience bar, the connection state,
//! the inbox and an owner page are each redrawn whole.

mod agent;
mod availability;
mod context;
mod devices;
pub mod dom;
mod events;
mod hours;
mod inbox;
mod keep;
mod limits;
mod onboarding;
mod owner;
mod replies;
mod settings;
mod signin;
mod webhooks;

pub use limits::{from_edge as limit_refused, problem as limit_problem};
use wasm_bindgen::{JsCast, JsValue};

use crate::msg::Sender;
use crate::store::{Mode, Store};
use dom::{by_id, document, el, replace};

pub struct View {
    root: web_sys::Element,
}

/// Which forms of an owner page are drawn from the store alone when it is
/// redrawn. The others keep what the owner typed: data arriving (a list
/// loaded, another form saved) must not wipe a half-filled form.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Fresh<'a> {
    /// A new page: nothing to keep.
    All,
    /// This form was just saved or rebuilt (its `data-action[:data-id]`).
    Form(&'a str),
    /// Keep every form as typed.
    Keep,
}

impl View {
    pub fn new(tx: Sender) -> View {
        let doc = document();
        let root = by_id("app")
            .or_else(|| doc.body().map(Into::into))
            .unwrap_or_else(|| el("div").build());
        events::install(tx);
        View { root }
    }

    /// Draws the whole screen for the current state.
    pub fn render(&self, store: &Store) {
        let screen = match (&store.site, store.mode) {
            (None, _) => signin::site_picker(),
            (Some(_), None) => signin::sign_in(store),
            (Some(_), Some(Mode::Agent)) => agent::shell(store),
            (Some(_), Some(Mode::Owner)) => owner::shell(store),
        };
        replace(&self.root, screen);
        match store.mode {
            Some(Mode::Agent) => {
                self.render_me(store);
                self.render_audience(store);
                self.render_conn(store);
                self.render_inbox(store);
            }
            Some(Mode::Owner) => {
                self.render_page(store, Fresh::All);
                self.render_checklist(store);
                self.render_me(store);
            }
            None => {
                if let Some(input) = dom::find(&self.root, "input") {
                    dom::focus(&input);
                }
            }
        }
        self.render_title(store);
    }

    pub fn render_me(&self, store: &Store) {
        agent::render_me(store);
    }

    /// The new picture's preview panel; `focus_save` moves focus to Save.
    pub fn render_picture(&self, store: &Store, focus_save: bool) {
        agent::render_picture(store, focus_save);
    }

    /// Focus back on the agent's picture (its menu's button).
    pub fn focus_avatar(&self) {
        if let Some(avatar) = dom::by_id("avatar") {
            dom::focus(&avatar);
        }
    }

    /// Opens or closes the status menu to match the store; `focus` moves
    /// focus into the menu when it opens, back to the picture when it closes.
    pub fn render_menu(&self, store: &Store, focus: bool) {
        agent::render_menu(store, focus);
    }

    pub fn status_pending(&self, pending: bool) {
        agent::status_pending(pending);
    }

    pub fn render_audience(&self, store: &Store) {
        agent::render_audience(store);
    }

    pub fn render_conn(&self, store: &Store) {
        agent::render_conn(store);
    }

    /// The site's name in the top bar (once the edge told it).
    pub fn render_site_name(&self, store: &Store) {
        if let Some(region) = by_id("site-name") {
            let label = site_label(store);
            let text = match store.mode {
                Some(Mode::Owner) => format!("{label} · owner"),
                _ => label,
            };
            region.set_text_content(Some(&text));
            let _ = region.set_attribute("dir", "auto");
        }
        if let Some(button) = by_id("inbox-link") {
            if owner::answers_chats(store) {
                let _ = button.remove_attribute("hidden");
            } else {
                let _ = button.set_attribute("hidden", "");
            }
        }
    }

    /// What the clock changes on the agent's screen (see `agent::worded`).
    pub fn worded(&self, store: &Store) -> String {
        agent::worded(store)
    }

    /// The open conversation's visitor's local time as shown (a new minute
    /// redraws the inbox).
    pub fn visitor_time(&self, store: &Store) -> Option<String> {
        let id = store.inbox.selected_id()?;
        let tz = store.contexts.get(id)?.time_zone.as_deref()?;
        context::local_time(tz)
    }

    /// The agent's own signed-in devices (shown from the status menu).
    pub fn render_devices(&self, store: &Store) {
        agent::render_devices(store);
    }

    pub fn render_inbox(&self, store: &Store) {
        if let Some(region) = by_id("inbox") {
            inbox::render(&region, store);
        }
    }

    /// The owner's checklist above the page, until it is done.
    pub fn render_checklist(&self, store: &Store) {
        onboarding::render(store);
    }

    /// Draws the owner's page; see [`Fresh`] for what typed text survives.
    pub fn render_page(&self, store: &Store, fresh: Fresh) {
        owner::render_page(store, fresh);
    }

    /// The tab title; in agent mode it counts the unread visitor messages:
    /// "(3) Presenza console".
    pub fn render_title(&self, store: &Store) {
        let title = match store.mode {
            Some(Mode::Owner) => format!("{} · Presenza", store.owner.page.title()),
            Some(Mode::Agent) => match store.inbox.unread() {
                0 => "Presenza console".to_owned(),
                n => format!("({n}) Presenza console"),
            },
            None => "Presenza console".to_owned(),
        };
        document().set_title(&title);
    }

    /// Empties the reply box (after a reply went into the outbox).
    pub fn clear_reply(&self) {
        if let Some(area) = by_id("reply-text") {
            let _ = js_sys::Reflect::set(&area, &"value".into(), &"".into());
        }
    }

    /// Puts `text` in the reply box (a saved reply), caret at its end.
    pub fn set_reply(&self, text: &str) {
        if let Some(area) = by_id("reply-text") {
            let _ = js_sys::Reflect::set(&area, &"value".into(), &text.into());
            dom::focus(&area);
        }
    }

    /// Puts the caret in the reply box of a conversation just opened, on
    /// a wide screen only (on a phone it would pop the keyboard up over
    /// the messages).
    pub fn focus_reply(&self) {
        let wide = web_sys::window()
            .and_then(|w| w.inner_width().ok())
            .and_then(|w| w.as_f64())
            .is_some_and(|w| w > 760.0);
        if let (true, Some(area)) = (wide, by_id("reply-text")) {
            dom::focus(&area);
        }
    }

    /// Moves the focus to a limits field the owner must correct (its
    /// note key, `limits:<name>`).
    pub fn focus_limit(&self, key: &str) {
        let id = format!("limit-{}", key.trim_start_matches("limits:"));
        if let Some(input) = by_id(&id) {
            dom::focus(&input);
        }
    }

    pub fn focus_new_token(&self) {
        if let Some(button) = by_id("new-token").and_then(|p| dom::find(&p, "button")) {
            dom::focus(&button);
        }
    }

    /// The URL hash (owner page), e.g. "#hours".
    pub fn hash(&self) -> String {
        web_sys::window()
            .and_then(|w| w.location().hash().ok())
            .unwrap_or_default()
    }

    /// Puts `hash` in the URL (what a reload shows), without a history
    /// entry or a `hashchange`.
    pub fn set_hash(&self, hash: &str) {
        if self.hash() == hash {
            return;
        }
        if let Some(history) = web_sys::window().and_then(|w| w.history().ok()) {
            let _ = history.replace_state_with_url(&JsValue::NULL, "", Some(hash));
        }
    }

    /// Puts `hash` in the URL as a new history entry, so the browser's
    /// Back returns to where the user was (its `hashchange` says so).
    pub fn push_hash(&self, hash: &str) {
        if self.hash() == hash {
            return;
        }
        if let Some(history) = web_sys::window().and_then(|w| w.history().ok()) {
            let _ = history.push_state_with_url(&JsValue::NULL, "", Some(hash));
        }
    }

    pub fn page_hidden(&self) -> bool {
        document().hidden()
    }

    /// A short, quiet tone (the agent turned the sound on): Web Audio,
    /// reached through `Reflect` (it needs no more web-sys bindings). One
    /// audio context for the page; nothing when the browser has none.
    pub fn chime(&self) {
        thread_local! {
            static AUDIO: std::cell::RefCell<Option<JsValue>> = const { std::cell::RefCell::new(None) };
        }
        let Some(window) = web_sys::window() else {
            return;
        };
        let get =
            |o: &JsValue, k: &str| js_sys::Reflect::get(o, &k.into()).unwrap_or(JsValue::UNDEFINED);
        let call = |o: &JsValue, k: &str, args: &[JsValue]| {
            let f: js_sys::Function = get(o, k).unchecked_into();
            f.apply(o, &args.iter().collect::<js_sys::Array>())
                .unwrap_or(JsValue::UNDEFINED)
        };
        let ctx = AUDIO.with(|a| {
            a.borrow_mut()
                .get_or_insert_with(|| {
                    let ctor = get(&window, "AudioContext");
                    if !ctor.is_function() {
                        return JsValue::NULL;
                    }
                    let ctor: js_sys::Function = ctor.unchecked_into();
                    js_sys::Reflect::construct(&ctor, &js_sys::Array::new())
                        .unwrap_or(JsValue::NULL)
                })
                .clone()
        });
        if ctx.is_null() {
            return;
        }
        let osc = call(&ctx, "createOscillator", &[]);
        let gain = call(&ctx, "createGain", &[]);
        if osc.is_undefined() || gain.is_undefined() {
            return;
        }
        let _ = js_sys::Reflect::set(&get(&osc, "frequency"), &"value".into(), &880.into());
        let _ = js_sys::Reflect::set(&get(&gain, "gain"), &"value".into(), &0.08.into());
        call(&osc, "connect", std::slice::from_ref(&gain));
        call(&gain, "connect", &[get(&ctx, "destination")]);
        let now = get(&ctx, "currentTime").as_f64().unwrap_or(0.0);
        call(&osc, "start", &[now.into()]);
        call(&osc, "stop", &[(now + 0.15).into()]);
    }

    /// A system notification, when the agent allowed them.
    pub fn notify(&self, title: &str, body: &str) {
        if notification_permission().as_deref() != Some("granted") {
            return;
        }
        let options = web_sys::NotificationOptions::new();
        options.set_body(body);
        // One notification per inbox: a new one replaces the last.
        options.set_tag("presenza-inbox");
        let _ = web_sys::Notification::new_with_options(title, &options);
    }
}

/// "default", "granted" or "denied"; None where notifications do not exist
/// (the binding would throw there, so look first).
pub fn notification_permission() -> Option<String> {
    let window = web_sys::window()?;
    let has = js_sys::Reflect::has(&window, &JsValue::from_str("Notification")).unwrap_or(false);
    if !has {
        return None;
    }
    let ctor = js_sys::Reflect::get(&window, &"Notification".into()).ok()?;
    js_sys::Reflect::get(&ctor, &"permission".into())
        .ok()?
        .as_string()
}

/// The site as people call it: its name, else "Unnamed site" (the id is
/// the label's tooltip).
pub fn site_label(store: &Store) -> String {
    let name = match store.mode {
        Some(Mode::Owner) => store.owner.settings.as_ref().and_then(|s| s.name.clone()),
        _ => store.site_name.clone(),
    };
    match name.filter(|n| !n.trim().is_empty()) {
        Some(name) => name,
        // Not "s_a435…": the owner names the site (the checklist asks).
        None => "Unnamed site".to_owned(),
    }
}

/// A status dot (green online, amber busy, grey offline).
fn dot(status: presenza_rules::Status) -> web_sys::Element {
    el("span")
        .class("dot")
        .attr("data-status", status.as_str())
        .attr("aria-hidden", "true")
        .build()
}

/// "Online", "Busy", "Offline": the crate's names, capitalised.
pub fn status_label(status: presenza_rules::Status) -> String {
    let name = status.as_str();
    let mut chars = name.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}
