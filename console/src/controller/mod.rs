//! The controller: takes one [`Msg`] at a time, changes the [`Store`], starts
//! network calls (their answers come back as messages) and tells the
//! [`View`] what to redraw. It holds the only mutable state of the page.
//!
//! Messages (defined in `msg`) come in four families, handled by one
//! module each:
//! - [`session`]: signing in (agent token or owner key) and out; an
//!   owner who answers chats holds both sessions in one tab, and
//!   `store.mode` only says which screen is shown;
//! - [`agent`]: the agent's status, picture menu and device socket;
//! - [`inbox`]: conversations, title and notifications;
//! - [`owner`]: the admin pages ([`hours`] holds the working-hours draft;
//!   [`onboarding`] the checklist and the owner answering chats too;
//!   [`webhooks`] the webhook endpoints and their secret).

mod agent;
mod hours;
mod inbox;
mod onboarding;
mod owner;
mod session;
mod webhooks;

use std::future::Future;

use crate::api::Api;
use crate::live::Live;
use crate::msg::{Msg, Sender};
use crate::store::{persist, Store};
use crate::timer::Interval;
use crate::view::View;

pub struct Controller {
    store: Store,
    view: View,
    tx: Sender,
    /// The owner key's API client (the owner's session: None without it).
    owner_api: Option<Api>,
    /// The agent's API client, with its device credential (the agent's
    /// session: None without it). An owner who answers chats holds both
    /// sessions in one tab; `store.mode` says which screen is shown, and
    /// the agent's session (its device socket, so its presence) lives on
    /// while the owner's pages are.
    agent_api: Option<Api>,
    /// The device socket (the agent's session).
    live: Option<Live>,
    /// The team socket (the owner's session): the agents page is live.
    team: Option<Live>,
    /// HTTP heartbeat while the socket is down (proxies that block
    /// WebSockets must not make the agent look away).
    heartbeat: Option<Interval>,
    /// A kept credential to sign in with once the browser is online again.
    retry_sign_in: Option<String>,
    /// A kept device credential to sign in with behind the owner's pages
    /// once the owner key is signed in (a reload of the owner's pages of
    /// an owner who answers chats in this tab).
    resume_agent: Option<String>,
    /// The agent's sign-in under way is behind the owner's pages: it does
    /// not show the inbox.
    behind: bool,
    /// Rewords "back at" instants while signed in as an agent.
    tick: Option<Interval>,
    /// The clock's words as last drawn (see `View::worded`).
    worded: String,
    /// This browser's device session id for the site (the agent's session).
    device: Option<String>,
    /// The open conversation's visitor's local time as last drawn.
    visitor_time: Option<String>,
}

impl Controller {
    pub fn new(tx: Sender) -> Self {
        let location = web_sys::window().map(|w| w.location());
        let origin = location
            .as_ref()
            .and_then(|l| l.origin().ok())
            .unwrap_or_default();
        let site = location
            .as_ref()
            .and_then(|l| l.search().ok())
            .and_then(|q| web_sys::UrlSearchParams::new_with_str(&q).ok())
            .and_then(|p| p.get("site"))
            .map(|s| s.trim().to_owned())
            .filter(|s| !s.is_empty());
        // The installed console starts at /console/: open the site this
        // browser signed in to last.
        if site.is_none() {
            if let (Some(last), Some(location)) = (persist::last_site(), location.as_ref()) {
                let _ = location.replace(&format!("?site={}", crate::api::encode(&last)));
            }
        }
        let mut store = Store::new(site, origin);
        store.sound = persist::sound();
        Controller {
            store,
            view: View::new(tx.clone()),
            tx,
            owner_api: None,
            agent_api: None,
            live: None,
            team: None,
            retry_sign_in: None,
            resume_agent: None,
            behind: false,
            tick: None,
            worded: String::new(),
            heartbeat: None,
            device: None,
            visitor_time: None,
        }
    }

    pub fn update(&mut self, msg: impl Into<Msg>) {
        match msg.into() {
            Msg::Session(m) => self.session(m),
            Msg::Agent(m) => self.agent(m),
            Msg::Inbox(m) => self.inbox(m),
            Msg::Owner(m) => self.owner(m),
        }
    }

    /// Runs `task` and posts its result.
    fn spawn<M: Into<Msg>>(&self, task: impl Future<Output = M> + 'static) {
        let tx = self.tx.clone();
        wasm_bindgen_futures::spawn_local(async move { tx.send(task.await) });
    }

    fn owner_api(&self) -> Option<Api> {
        self.owner_api.clone()
    }

    fn agent_api(&self) -> Option<Api> {
        self.agent_api.clone()
    }
}
