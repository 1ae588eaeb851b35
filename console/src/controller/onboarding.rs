//! The owner's first steps: the checklist above the owner's pages (loaded
//! when the owner signs in and on every page change, so a step done on one
//! page shows at once), and the owner answering chats too: the switch that
//! makes the owner an agent of the site (`owner-agent`), and the way
//! between the owner's pages and the inbox without another sign-in (the
//! owner key signs this browser in as the owner's agent once; the owner
//! key stays in the tab for the way back). Both sessions then live side
//! by side in the tab: the owner's pages keep the agent's device socket,
//! so the owner stays online there, with their picture's status menu.

use presenza_protocol::body::{AgentBody, DeviceBody, OnboardingBody};
use presenza_protocol::view::{AgentView, DeviceCreated, OnboardingView};

use crate::msg::OwnerMsg;
use crate::store::{persist, Mode, Page};
use crate::view::Fresh;

use super::session::{device_name, Ending, OWNER_AGENT_FORM};
use super::Controller;

/// The form key of the owner-agent switch's notes.
const FORM: &str = OWNER_AGENT_FORM;

impl Controller {
    /// Handles the checklist's and the owner-agent switch's messages.
    pub(super) fn onboarding(&mut self, msg: OwnerMsg) {
        match msg {
            OwnerMsg::ReloadChecklist => self.load_checklist(),
            OwnerMsg::ChecklistLoaded(result) => {
                match result {
                    Ok(list) => self.store.owner.checklist = Some(list),
                    Err(e) => self.owner_error("checklist", e),
                }
                self.view.render_checklist(&self.store);
            }
            OwnerMsg::DeclineHours(declined) => {
                let Some(api) = self.owner_api() else { return };
                self.spawn(async move {
                    let body = OnboardingBody {
                        working_hours_declined: declined,
                    };
                    OwnerMsg::ChecklistLoaded(api.put::<OnboardingView>("/onboarding", &body).await)
                });
            }
            OwnerMsg::SaveOwnerAgent { on, name, groups } => {
                let Some(api) = self.owner_api() else { return };
                self.spawn(async move {
                    let result = if on {
                        let body = AgentBody {
                            name,
                            groups,
                            email: None,
                        };
                        api.put::<AgentView>("/owner-agent", &body).await.map(Some)
                    } else {
                        api.delete("/owner-agent").await.map(|()| None)
                    };
                    OwnerMsg::OwnerAgentSaved(result)
                });
            }
            OwnerMsg::OwnerAgentSaved(result) => {
                match result {
                    Ok(agent) => {
                        let on = agent.is_some();
                        if let Some(s) = self.store.owner.settings.as_mut() {
                            s.owner_agent = agent.map(|a| a.id);
                        }
                        if !on && self.agent_api.is_some() {
                            // The edge signed the owner's agent out.
                            self.stop_agent(Ending::Local);
                            self.store.end_agent();
                            persist::forget_credential(self.store.site());
                            self.view.render(&self.store);
                        } else if !on {
                            persist::forget_credential(self.store.site());
                        }
                        let text = if on {
                            "Saved: you answer chats on this site. Open the inbox to go online."
                        } else {
                            "You no longer answer chats on this site."
                        };
                        self.store.note(FORM, text, false);
                        self.load_agents();
                        self.load_checklist();
                    }
                    Err(e) => self.owner_error(FORM, e),
                }
                self.view.render_site_name(&self.store);
                self.render_owner_page(Page::Agents, Fresh::Form(FORM));
            }
            OwnerMsg::OpenInbox => {
                // Signed in as the owner's agent already in this tab.
                if self.agent_api.is_some() {
                    return self.show_inbox();
                }
                let site = self.store.site().to_owned();
                let owner_agent = self
                    .store
                    .owner
                    .settings
                    .as_ref()
                    .and_then(|s| s.owner_agent.clone());
                let kept = persist::credential(&site)
                    .filter(|c| owner_agent.as_ref().is_some_and(|a| a.as_str() == c.agent));
                if let Some(c) = kept {
                    return self.sign_in(c.credential);
                }
                let Some(api) = self.owner_api() else { return };
                let name = web_sys::window()
                    .and_then(|w| w.navigator().user_agent().ok())
                    .map(|ua| device_name(&ua))
                    .unwrap_or_else(|| "Browser".to_owned());
                self.spawn(async move {
                    let result = api
                        .post::<DeviceCreated>("/owner-agent/devices", &DeviceBody { name })
                        .await;
                    OwnerMsg::InboxDevice(result)
                });
            }
            OwnerMsg::InboxDevice(result) => match result {
                Ok(DeviceCreated { device, credential }) => {
                    let agent = self
                        .store
                        .owner
                        .settings
                        .as_ref()
                        .and_then(|s| s.owner_agent.as_ref())
                        .map(|a| a.to_string())
                        .unwrap_or_default();
                    persist::save_credential(
                        self.store.site(),
                        &persist::Credential {
                            agent,
                            device: device.id.to_string(),
                            credential: credential.clone(),
                        },
                    );
                    self.sign_in(credential);
                }
                Err(e) => {
                    self.owner_error(FORM, e);
                    self.render_owner_page(Page::Agents, Fresh::Keep);
                }
            },
            _ => {}
        }
    }

    pub(super) fn load_checklist(&self) {
        let Some(api) = self.owner_api() else { return };
        self.spawn(async move { OwnerMsg::ChecklistLoaded(api.get("/onboarding").await) });
    }

    fn render_owner_page(&self, page: Page, fresh: Fresh) {
        if self.store.owner.page == page {
            self.view.render_page(&self.store, fresh);
        }
    }

    /// From the inbox back to the owner's pages (`SessionMsg::OwnerPages`),
    /// signing in with the owner key this tab keeps if this tab has not
    /// yet. The agent's session goes on: the owner stays online there.
    pub(super) fn leave_inbox(&mut self) {
        if self.store.mode != Some(Mode::Agent) {
            return;
        }
        if self.owner_api.is_some() {
            let page = self.store.owner.page;
            return self.show_owner_pages(page);
        }
        if let Some(owner_key) = persist::token(self.store.site()) {
            self.sign_in(owner_key);
        }
    }
}
