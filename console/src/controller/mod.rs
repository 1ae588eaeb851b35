//! The controller: takes one [`Msg`] at a time, changes the [`Store`], starts
//! network calls (their answers come back as messages) and tells the
//! [`View`] what to redraw. It holds the only mutable state of the page.
//!
//! Messages come in four families, one module each:
//! - [`session`]: signing in (agent token or owner key) and out;
//! - [`agent`]: the agent's status, picture menu and device socket;
//! - [`inbox`]: conversations, title and notifications;
//! - [`owner`]: the admin pages ([`hours`] holds the working-hours draft).

mod agent;
mod hours;
mod inbox;
mod owner;
mod session;

pub use agent::AgentMsg;
pub use hours::HoursOp;
pub use inbox::InboxMsg;
pub use owner::OwnerMsg;
pub use session::SessionMsg;

use std::future::Future;

use crate::api::Api;
use crate::app::Sender;
use crate::live::Live;
use crate::store::Store;
use crate::timer::Interval;
use crate::view::View;

/// Everything that can happen, by the part of the console it is about.
#[derive(Debug)]
pub enum Msg {
    Session(SessionMsg),
    Agent(AgentMsg),
    Inbox(InboxMsg),
    Owner(OwnerMsg),
}

impl From<SessionMsg> for Msg {
    fn from(m: SessionMsg) -> Msg {
        Msg::Session(m)
    }
}

impl From<AgentMsg> for Msg {
    fn from(m: AgentMsg) -> Msg {
        Msg::Agent(m)
    }
}

impl From<InboxMsg> for Msg {
    fn from(m: InboxMsg) -> Msg {
        Msg::Inbox(m)
    }
}

impl From<OwnerMsg> for Msg {
    fn from(m: OwnerMsg) -> Msg {
        Msg::Owner(m)
    }
}

pub struct Controller {
    store: Store,
    view: View,
    tx: Sender,
    /// The API client of the signed-in token (None when signed out).
    api: Option<Api>,
    /// The device socket (agent mode).
    live: Option<Live>,
    /// HTTP heartbeat while the socket is down (proxies that block
    /// WebSockets must not make the agent look away).
    heartbeat: Option<Interval>,
    /// This browser's device session id for the site (agent mode).
    device: Option<String>,
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
        Controller {
            store: Store::new(site, origin),
            view: View::new(tx.clone()),
            tx,
            api: None,
            live: None,
            heartbeat: None,
            device: None,
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

    fn api(&self) -> Option<Api> {
        self.api.clone()
    }
}
