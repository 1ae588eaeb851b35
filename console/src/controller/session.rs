//! Signing in with an agent token or the owner key, and out again.

use presenza_protocol::body::DeviceBody;
use presenza_protocol::frame::{self, DeviceCommand};
use presenza_protocol::view::{AgentView, DeviceCreated, MeView, SettingsView};

use crate::api::{encode, Api};
use crate::msg::{Access, ApiError, ApiResult, SessionMsg};
use crate::store::inbox::Inbox;
use crate::store::{persist, Conn, Mode, Page};
use crate::view::Fresh;

use super::Controller;

/// How far a sign-out reaches.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Ending {
    /// The agent signed out here: end this browser's sessions at the edge
    /// at once and tell the other tabs.
    Device,
    /// Another tab of this browser signed out: end this tab's socket
    /// session at the edge too (same device), without telling again.
    Tab,
    /// The edge already ended it (revoked, signed out): only forget.
    Local,
}

impl Controller {
    /// Handles a session message.
    pub(super) fn session(&mut self, msg: SessionMsg) {
        match msg {
            SessionMsg::Start => self.start(),
            SessionMsg::ChooseSite(site) => {
                let site = site.trim();
                if !site.is_empty() {
                    if let Some(location) = web_sys::window().map(|w| w.location()) {
                        let _ = location.set_search(&format!("site={}", encode(site)));
                    }
                }
            }
            SessionMsg::SignIn(token) => self.sign_in(token.trim().to_owned()),
            SessionMsg::SignedIn { token, result } => self.signed_in(token, result),
            SessionMsg::SignOut => self.sign_out(Ending::Device, None),
            SessionMsg::OwnerPages => self.leave_inbox(),
            SessionMsg::SignedOutElsewhere(agent) => {
                let mine = self
                    .store
                    .me
                    .as_ref()
                    .is_some_and(|me| me.id == agent.as_str());
                if mine {
                    self.agent_ended(Ending::Tab, "You signed out in another tab.");
                }
            }
        }
    }

    fn start(&mut self) {
        let Some(site) = self.store.site.clone() else {
            self.view.render(&self.store);
            return;
        };
        // The owner key this tab signed in with, else this browser's sign-in
        // as a device of an agent. `#signin` asks for a token whatever is
        // kept (an owner who is also an agent, on one browser).
        if self.view.hash() == SIGN_IN_HASH {
            self.view.render(&self.store);
            return;
        }
        // An owner who answers chats and was in the inbox (`#inbox`) is
        // back in it: with the device credential, the owner key staying
        // kept for the way back.
        let owner_key = persist::token(&site);
        let credential = persist::credential(&site).map(|c| c.credential);
        let token = if self.view.hash() == INBOX_HASH {
            credential.or(owner_key)
        } else {
            owner_key.or(credential)
        };
        // An owner who answers chats in this tab and was on the owner's
        // pages: the agent too, behind them, once the owner is signed in.
        if self.view.hash() != INBOX_HASH && persist::answering(&site) {
            self.resume_agent = persist::credential(&site).map(|c| c.credential);
        }
        match token {
            Some(token) => self.sign_in(token),
            None => self.view.render(&self.store),
        }
    }

    pub(super) fn sign_in(&mut self, token: String) {
        let Some(site) = self.store.site.clone() else {
            return;
        };
        if token.is_empty() {
            self.store.signin_error =
                Some("Paste your agent token or the site's owner key.".into());
            self.view.render(&self.store);
            return;
        }
        self.store.signing_in = true;
        self.store.signin_error = None;
        self.store.signin_notice = None;
        // From one session's screen to the other's, the screen stays until
        // the other is signed in.
        if self.store.mode.is_none() {
            self.view.render(&self.store);
        }
        let device = persist::device_id(&site);
        let origin = self.store.origin.clone();
        self.spawn(async move {
            let result = detect_mode(&origin, &site, &token, &device).await;
            SessionMsg::SignedIn { token, result }
        });
    }

    fn signed_in(&mut self, token: String, result: ApiResult<Access>) {
        self.store.signing_in = false;
        let site = self.store.site().to_owned();
        match result {
            Ok(Access::Agent(me, created)) => {
                // The agent token is needed once: from now on this browser
                // uses its own device credential.
                let token = match created {
                    Some(DeviceCreated { device, credential }) => {
                        persist::save_credential(
                            &site,
                            &persist::Credential {
                                agent: me.agent.id.to_string(),
                                device: device.id.to_string(),
                                credential: credential.clone(),
                            },
                        );
                        credential
                    }
                    None => token,
                };
                persist::save_last_site(&site);
                self.start_agent(me.agent, &token);
            }
            Ok(Access::Owner) => {
                persist::save_token(&site, &token);
                persist::save_last_site(&site);
                self.start_owner(&token);
            }
            Err(e) => {
                self.behind = false;
                let device = token.starts_with(DEVICE_PREFIX);
                match self.store.mode {
                    // The owner's way to the inbox failed: said on the
                    // owner's pages (a signed-out device: the next try
                    // signs this browser in again).
                    Some(Mode::Owner) if device => {
                        if e.is_auth() {
                            persist::forget_credential(&site);
                        }
                        self.store.note(OWNER_AGENT_FORM, e.message, true);
                        self.view.render_page(&self.store, Fresh::Keep);
                        return;
                    }
                    // The way back to the owner's pages failed: the inbox
                    // stays (without the way back if the key is no more).
                    Some(Mode::Agent) if !device => {
                        if e.is_auth() {
                            persist::forget_token(&site);
                            self.store.owner_key_kept = false;
                            self.view.render(&self.store);
                        }
                        return;
                    }
                    _ => {}
                }
                if e.is_auth() {
                    persist::forget_token(&site);
                    if device {
                        persist::forget_credential(&site);
                        self.store.signin_notice = Some(DEVICE_SIGNED_OUT.to_owned());
                        self.view.render(&self.store);
                        return;
                    }
                }
                // Kept credential, no network (an installed console opened
                // offline): sign in again as soon as the browser is back
                // online.
                if e.status == 0
                    && persist::credential(&site).is_some_and(|c| c.credential == token)
                {
                    self.retry_sign_in = Some(token);
                    self.store.signin_notice = Some(
                        "Offline: you will be signed in again when the network is back.".into(),
                    );
                    self.view.render(&self.store);
                    return;
                }
                self.store.signin_error = Some(e.message);
                self.view.render(&self.store);
            }
        }
    }

    /// The agent's session begins (any other agent's in this tab ends
    /// first), and the inbox is shown.
    fn start_agent(&mut self, me: AgentView, token: &str) {
        self.stop_agent(Ending::Local);
        self.store.end_agent();
        let site = self.store.site().to_owned();
        let device = persist::device_id(&site);
        self.agent_api = Some(Api::new(
            &self.store.origin,
            &site,
            token,
            Some(device.clone()),
        ));
        self.device = Some(device);
        let agent = me.id.to_string();
        self.store.inbox = Inbox::new(&agent, persist::outbox(&site, &agent));
        self.store.me = Some(me);
        self.store.conn = Conn::Connecting;
        self.connect(token);
        self.start_tick();
        self.refresh_inbox();
        persist::save_answering(&site, persist::token(&site).is_some());
        if std::mem::take(&mut self.behind) && self.store.mode == Some(Mode::Owner) {
            // Its picture and status menu in the owner's top bar.
            self.view.render(&self.store);
        } else {
            self.show_inbox();
        }
    }

    /// The owner's session begins, and the owner's page the URL names is
    /// shown.
    fn start_owner(&mut self, token: &str) {
        if let Some(team) = self.team.take() {
            team.stop();
        }
        self.store.owner = Default::default();
        self.owner_api = Some(Api::new(&self.store.origin, self.store.site(), token, None));
        self.connect_team(token);
        self.show_owner_pages(Page::from_hash(&self.view.hash()));
        // The site's name for the top bar.
        self.load_settings();
        if let Some(credential) = self.resume_agent.take() {
            self.behind = true;
            self.sign_in(credential);
        }
    }

    /// Shows the inbox of the agent's session. With the owner key kept, the
    /// URL says so (a reload comes back to it) and the top bar leads back
    /// to the owner's pages.
    pub(super) fn show_inbox(&mut self) {
        let from_owner_pages = self.store.mode == Some(Mode::Owner);
        self.store.mode = Some(Mode::Agent);
        self.store.menu_open = false;
        self.store.owner_key_kept = persist::token(self.store.site()).is_some();
        if self.store.owner_key_kept {
            // From the owner's pages: Back returns to them.
            if from_owner_pages {
                self.view.push_hash(INBOX_HASH);
            } else {
                self.view.set_hash(INBOX_HASH);
            }
        }
        self.view.render(&self.store);
        // The site's name, once the device socket's hello told it.
        if self.store.grace_secs.is_some() {
            self.view.render_site_name(&self.store);
        }
        self.inbox_visible();
    }

    /// Shows the owner's `page`; an agent's session in this tab goes on
    /// (its picture and status menu in the top bar).
    pub(super) fn show_owner_pages(&mut self, page: Page) {
        let from_inbox = self.store.mode == Some(Mode::Agent);
        self.store.mode = Some(Mode::Owner);
        self.store.menu_open = false;
        if self.view.hash() == INBOX_HASH {
            // From the inbox: Back returns to it.
            let hash = format!("#{}", page.slug());
            if from_inbox {
                self.view.push_hash(&hash);
            } else {
                self.view.set_hash(&hash);
            }
        }
        self.view.render(&self.store);
        self.route(page);
    }

    /// The URL's hash changed: a tab of the owner's pages, or the browser's
    /// Back and Forward between them and the inbox.
    pub(super) fn follow_hash(&mut self, hash: &str) {
        match self.store.mode {
            // The agent's session lives on behind the owner's pages.
            Some(Mode::Owner) if hash == INBOX_HASH && self.agent_api.is_some() => {
                self.show_inbox()
            }
            Some(Mode::Owner) if hash == INBOX_HASH => {}
            Some(Mode::Owner) => self.route(Page::from_hash(hash)),
            Some(Mode::Agent) if hash != INBOX_HASH && self.owner_api.is_some() => {
                self.show_owner_pages(Page::from_hash(hash))
            }
            _ => {}
        }
    }

    /// The agent's session ended (signed out elsewhere, revoked): with the
    /// owner's session in this tab, only the agent's ends and the owner's
    /// pages say why; else back to the sign-in screen.
    pub(super) fn agent_ended(&mut self, ending: Ending, notice: &str) {
        if self.owner_api.is_none() {
            return self.sign_out(ending, Some(notice));
        }
        self.stop_agent(ending);
        persist::forget_credential(self.store.site());
        self.store.end_agent();
        let page = self.store.owner.page;
        self.show_owner_pages(page);
        self.store.note(OWNER_AGENT_FORM, notice, true);
        self.view.render_page(&self.store, Fresh::Keep);
    }

    /// Ends the agent's session's sockets and timers; `ending` says what
    /// else ends with it (see [`Ending`]).
    pub(super) fn stop_agent(&mut self, ending: Ending) {
        let site = self.store.site().to_owned();
        if ending != Ending::Local && self.agent_api.is_some() {
            // The socket's session ends over the socket (at once, after
            // anything it sent before); the HTTP session this device's
            // status calls and heartbeats kept (X-Presenza-Session) ends
            // over HTTP, sent even if the page is closing.
            if let Some(live) = &self.live {
                live.send(&frame::to_text(&DeviceCommand::SignOut {}));
            }
            if let Some(api) = &self.agent_api {
                api.send_beacon("POST", "/agents/me/sign-out");
            }
            if let (Ending::Device, Some(me)) = (ending, &self.store.me) {
                // Signing out here signs this browser out for good: its
                // credential is revoked, the next sign-in needs the token.
                if let (Some(api), Some(c)) = (&self.agent_api, persist::credential(&site)) {
                    api.send_beacon(
                        "DELETE",
                        &format!("/agents/me/devices/{}", encode(&c.device)),
                    );
                }
                persist::announce_sign_out(&site, me.id.as_str());
            }
        }
        if let Some(live) = self.live.take() {
            live.stop();
        }
        self.heartbeat = None;
        self.tick = None;
        self.agent_api = None;
        self.device = None;
        persist::save_answering(&site, false);
    }

    /// Back to the sign-in screen, both sessions ended; `ending` says what
    /// else ends with the agent's.
    pub(super) fn sign_out(&mut self, ending: Ending, notice: Option<&str>) {
        let site = self.store.site().to_owned();
        let agent = self.agent_api.is_some();
        self.stop_agent(ending);
        if let Some(team) = self.team.take() {
            team.stop();
        }
        self.owner_api = None;
        persist::forget_token(&site);
        if agent {
            persist::forget_credential(&site);
        }
        persist::forget_outbox(&site);
        self.store.sign_out();
        self.store.signin_notice = notice.map(str::to_owned);
        self.view.render(&self.store);
        self.view.render_title(&self.store);
    }
}

/// The URL hash of the inbox of an owner who answers chats: a reload
/// there shows the inbox again.
pub const INBOX_HASH: &str = "#inbox";

/// The form key of the owner-agent switch (its notes say what happened to
/// the owner's own agent).
pub(super) const OWNER_AGENT_FORM: &str = "owner-agent";

/// The URL hash that shows the sign-in screen even when this browser is
/// signed in as an agent.
pub const SIGN_IN_HASH: &str = "#signin";

/// The start of a device credential (`POST agents/me/devices`).
const DEVICE_PREFIX: &str = "pzd_";

/// Why a browser that was signed in is back at the sign-in screen.
pub(super) const DEVICE_SIGNED_OUT: &str =
    "This browser was signed out (by you on another device, by the site owner, or because your \
     token was replaced). Sign in again with your agent token.";

/// "Chrome on Android": what the agent will recognise in its device list.
pub fn device_name(user_agent: &str) -> String {
    let browser = [
        ("Edg/", "Edge"),
        ("OPR/", "Opera"),
        ("Firefox/", "Firefox"),
        ("Chrome/", "Chrome"),
        ("Chromium/", "Chromium"),
        ("Safari/", "Safari"),
    ]
    .into_iter()
    .find(|(mark, _)| user_agent.contains(mark))
    .map_or("Browser", |(_, name)| name);
    let system = [
        ("Android", "Android"),
        ("iPhone", "iPhone"),
        ("iPad", "iPad"),
        ("Windows", "Windows"),
        ("Mac OS X", "macOS"),
        ("CrOS", "ChromeOS"),
        ("Linux", "Linux"),
    ]
    .into_iter()
    .find(|(mark, _)| user_agent.contains(mark))
    .map(|(_, name)| name);
    match system {
        Some(system) => format!("{browser} on {system}"),
        None => browser.to_owned(),
    }
}

/// Agent token, device credential or owner key? Asks `agents/me` (an
/// agent's only door), then `settings` (owner only). Owner keys start with
/// "pzo_": asking for the settings first spares them a refused call. An
/// agent token signs this browser in as a device (its credential is kept
/// instead of the token).
async fn detect_mode(origin: &str, site: &str, token: &str, device: &str) -> ApiResult<Access> {
    if token.starts_with("pzo_")
        && Api::new(origin, site, token, None)
            .get::<SettingsView>("/settings")
            .await
            .is_ok()
    {
        return Ok(Access::Owner);
    }
    let agent_api = Api::new(origin, site, token, Some(device.to_owned()));
    let agent_error = match agent_api.get::<MeView>("/agents/me").await {
        Ok(me) if token.starts_with(DEVICE_PREFIX) => return Ok(Access::Agent(Box::new(me), None)),
        Ok(me) => {
            let name = web_sys::window()
                .and_then(|w| w.navigator().user_agent().ok())
                .map(|ua| device_name(&ua))
                .unwrap_or_else(|| "Browser".to_owned());
            let created = agent_api
                .post::<DeviceCreated>("/agents/me/devices", &DeviceBody { name })
                .await?;
            return Ok(Access::Agent(Box::new(me), Some(created)));
        }
        Err(e) if e.is_auth() && token.starts_with(DEVICE_PREFIX) => return Err(e),
        Err(e) if e.status == 0 || e.status >= 500 => return Err(e),
        Err(e) => e,
    };
    let owner_api = Api::new(origin, site, token, None);
    match owner_api.get::<SettingsView>("/settings").await {
        Ok(_) => Ok(Access::Owner),
        Err(e) if e.is_auth() => Err(ApiError {
            message: format!(
                "This is neither an agent token nor the owner key of site “{site}” ({}).",
                agent_error.message.trim_end_matches('.')
            ),
            ..agent_error
        }),
        Err(e) => Err(e),
    }
}

#[cfg(test)]
mod tests {
    use super::device_name;

    #[test]
    fn device_names() {
        let android = "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Mobile Safari/537.36";
        assert_eq!(device_name(android), "Chrome on Android");
        let mac = "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_1) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.1 Safari/605.1.15";
        assert_eq!(device_name(mac), "Safari on macOS");
        assert_eq!(
            device_name("Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0"),
            "Firefox on Linux"
        );
        assert_eq!(device_name("curl/8"), "Browser");
    }
}
