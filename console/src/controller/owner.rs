//! Owner mode: the admin pages (agents, groups, working hours, settings,
//! embed), each loaded when opened and saved form by form.

use presenza_protocol::body::{AgentBody, GroupBody, SavedRepliesBody, SavedReplyBody};
use presenza_protocol::http::{WS_PROTOCOL, WS_TOKEN_PROTOCOL_PREFIX};
use presenza_protocol::limits::MAX_ENTITY_ID_LEN;
use presenza_protocol::view::{
    AgentList, AgentView, DeviceList, GroupList, GroupView, SavedReplies, SavedReply, SettingsView,
    WorkingHoursView,
};

use presenza_protocol::view::{HistoryView, InsightsView};

use crate::api::encode;
use crate::live::Live;
use crate::msg::{ApiError, LiveEvent, LoadedHours, OwnerMsg};
use crate::store::{DevicesPanel, Mode, NewToken, Page};

use super::hours::{apply_hours_op, hours_path, hours_problem, template_hours};
use super::session::Ending;
use super::Controller;
use crate::clock;
use crate::view::Fresh;

/// Saved replies as the editor holds them.
fn bodies(list: Vec<SavedReply>) -> Vec<SavedReplyBody> {
    list.into_iter()
        .map(|r| SavedReplyBody {
            shortcut: r.shortcut,
            text: r.text,
        })
        .collect()
}

/// Most further pages of history read for one week.
const MAX_HISTORY_PAGES: usize = 20;

/// A further page of history (`next_from`) after the ones read: each
/// audience's changes go after its own.
fn append_history(history: &mut HistoryView, more: HistoryView) {
    history.next_from = more.next_from;
    for page in more.audiences {
        match history.audiences.iter_mut().find(|a| a.group == page.group) {
            Some(a) => a.changes.extend(page.changes),
            None => history.audiences.push(page),
        }
    }
}

/// How often the team socket says it is there (answered by the runtime).
const TEAM_PING_SECS: u32 = 25;

impl Controller {
    /// Handles an owner-mode message.
    pub(super) fn owner(&mut self, msg: OwnerMsg) {
        match msg {
            OwnerMsg::Route(hash) => self.follow_hash(&hash),
            m @ (OwnerMsg::ReloadChecklist
            | OwnerMsg::ChecklistLoaded(_)
            | OwnerMsg::DeclineHours(_)
            | OwnerMsg::SaveOwnerAgent { .. }
            | OwnerMsg::OwnerAgentSaved(_)
            | OwnerMsg::OpenInbox
            | OwnerMsg::InboxDevice(_)) => self.onboarding(m),
            OwnerMsg::Live(event) => self.team_event(event),
            OwnerMsg::Webhooks(m) => self.webhooks(m),
            OwnerMsg::AvailabilityWeek(date) => {
                let page = &mut self.store.owner.availability;
                page.end_day = clock::parse_ymd(&date);
                page.loaded = None;
                self.render_page_if(Page::Availability, Fresh::Keep);
                self.load_availability();
            }
            OwnerMsg::AvailabilityLoaded(result) => {
                match result {
                    Ok(loaded) => self.store.owner.availability.loaded = Some(loaded),
                    Err(e) => self.owner_error("page", e),
                }
                self.render_page_if(Page::Availability, Fresh::Keep);
            }
            OwnerMsg::RepliesLoaded(result) => {
                match result {
                    Ok(list) => self.store.owner.replies = Some(bodies(list)),
                    Err(e) => self.owner_error("page", e),
                }
                self.render_page_if(Page::Replies, Fresh::Form("replies"));
            }
            OwnerMsg::RepliesEdit { mut draft, remove } => {
                match remove {
                    Some(i) if i < draft.len() => {
                        draft.remove(i);
                    }
                    Some(_) => {}
                    None => draft.push(SavedReplyBody {
                        shortcut: String::new(),
                        text: String::new(),
                    }),
                }
                self.store.owner.replies = Some(draft);
                self.render_page_if(Page::Replies, Fresh::Form("replies"));
            }
            OwnerMsg::SaveReplies(draft) => {
                self.store.owner.replies = Some(draft.clone());
                if let Some(api) = self.owner_api() {
                    self.spawn(async move {
                        let body = SavedRepliesBody { replies: draft };
                        let result = api
                            .put::<SavedReplies>("/saved-replies", &body)
                            .await
                            .map(|r| r.replies);
                        OwnerMsg::RepliesSaved(result)
                    });
                }
            }
            OwnerMsg::RepliesSaved(result) => match result {
                Ok(list) => {
                    self.store.owner.replies = Some(bodies(list));
                    self.store.note("replies", "Saved replies saved.", false);
                    self.render_page_if(Page::Replies, Fresh::Form("replies"));
                }
                Err(e) => {
                    self.owner_error("replies", e);
                    self.render_page_if(Page::Replies, Fresh::Keep);
                }
            },
            OwnerMsg::SetOffline(agent) => {
                if let Some(api) = self.owner_api() {
                    self.spawn(async move {
                        let path = format!("/agents/{}/offline", encode(&agent));
                        let result = api.post_empty::<AgentView>(&path).await;
                        OwnerMsg::OfflineSet { agent, result }
                    });
                }
            }
            OwnerMsg::OfflineSet { agent, result } => {
                match result {
                    Ok(view) => {
                        if let Some(a) = self
                            .store
                            .owner
                            .agents
                            .iter_mut()
                            .flatten()
                            .find(|a| a.id == view.id)
                        {
                            *a = view;
                        }
                    }
                    Err(e) => self.owner_error(&format!("agent-save:{agent}"), e),
                }
                self.render_page_if(Page::Agents, Fresh::Keep);
            }
            OwnerMsg::ToggleDevices(agent) => {
                let shown = self.store.owner.devices.take();
                if shown.as_ref().is_none_or(|(a, _)| *a != agent) {
                    self.store.owner.devices = Some((agent.clone(), DevicesPanel::default()));
                    self.load_agent_devices(agent);
                }
                self.render_page_if(Page::Agents, Fresh::Keep);
            }
            OwnerMsg::DevicesLoaded { agent, result } => {
                if let Some((shown, panel)) = self.store.owner.devices.as_mut() {
                    if *shown == agent {
                        match result {
                            Ok(list) => {
                                *panel = DevicesPanel {
                                    list: Some(list),
                                    error: None,
                                }
                            }
                            Err(e) => panel.error = Some(e.message),
                        }
                        self.render_page_if(Page::Agents, Fresh::Keep);
                    }
                }
            }
            OwnerMsg::RevokeDevice { agent, device } => {
                self.store.owner.confirm = None;
                if let Some(api) = self.owner_api() {
                    self.spawn(async move {
                        let path =
                            format!("/agents/{}/devices/{}", encode(&agent), encode(&device));
                        let result = api.delete(&path).await;
                        OwnerMsg::DeviceRevoked { agent, result }
                    });
                }
            }
            OwnerMsg::DeviceRevoked { agent, result } => {
                if let Err(e) = result {
                    self.owner_error(&format!("agent-save:{agent}"), e);
                }
                self.load_agent_devices(agent);
            }
            OwnerMsg::AgentsLoaded(result) => {
                match result {
                    Ok(agents) => self.store.owner.agents = Some(agents),
                    Err(e) => self.owner_error("page", e),
                }
                self.render_page_if(Page::Agents, Fresh::Keep);
            }
            OwnerMsg::GroupsLoaded(result) => {
                match result {
                    Ok(groups) => self.store.owner.groups = Some(groups),
                    Err(e) => self.owner_error("page", e),
                }
                self.view.render_page(&self.store, Fresh::Keep);
            }
            OwnerMsg::SettingsLoaded(result) => {
                match result {
                    Ok(settings) => self.store.owner.settings = Some(settings),
                    Err(e) => self.owner_error("page", e),
                }
                self.view.render_site_name(&self.store);
                self.view.render_page(&self.store, Fresh::Keep);
            }
            OwnerMsg::HoursLoaded { scope, result } => {
                if scope != self.store.owner.hours.scope {
                    return; // the owner switched scope meanwhile
                }
                let hours = &mut self.store.owner.hours;
                match result {
                    Ok(LoadedHours { spec, mode }) => {
                        hours.loaded = true;
                        hours.stored = spec.is_some();
                        hours.draft = spec.unwrap_or_else(template_hours);
                        hours.mode = mode;
                    }
                    Err(e) => self.owner_error("hours", e),
                }
                // New data for the scope: draw the form from it.
                self.render_page_if(Page::Hours, Fresh::Form("hours"));
            }
            OwnerMsg::SaveAgent {
                id,
                name,
                email,
                groups,
                create,
            } => self.save_agent(id, name, email, groups, create),
            OwnerMsg::AgentSaved { form, result } => match result {
                Ok(mut agent) => {
                    if let Some(token) = agent.token.take() {
                        self.store.owner.new_token = Some(NewToken {
                            agent: agent.display_name().to_owned(),
                            token,
                        });
                        self.store.owner.note = None;
                    } else {
                        self.store.note(&form, "Saved.", false);
                    }
                    let agents = self.store.owner.agents.get_or_insert_with(Vec::new);
                    match agents.iter_mut().find(|a| a.id == agent.id) {
                        Some(a) => *a = agent,
                        None => agents.push(agent),
                    }
                    self.render_page_if(Page::Agents, Fresh::Form(&form));
                    self.view.focus_new_token();
                }
                Err(e) => {
                    self.owner_error(&form, e);
                    self.render_page_if(Page::Agents, Fresh::Keep);
                }
            },
            OwnerMsg::RotateToken(agent) => {
                self.store.owner.confirm = None;
                if let Some(api) = self.owner_api() {
                    self.spawn(async move {
                        let path = format!("/agents/{}/token", encode(&agent));
                        let result = api.post_empty::<AgentView>(&path).await.and_then(|a| {
                            a.token
                                .ok_or_else(|| ApiError::bad_answer("no token in the answer"))
                        });
                        OwnerMsg::TokenRotated { agent, result }
                    });
                }
            }
            OwnerMsg::TokenRotated { agent, result } => {
                match result {
                    Ok(token) => {
                        let name = self.agent_name(&agent);
                        self.store.owner.new_token = Some(NewToken { agent: name, token });
                        self.store.owner.note = None;
                    }
                    Err(e) => self.owner_error(&format!("agent-save:{agent}"), e),
                }
                self.render_page_if(Page::Agents, Fresh::Keep);
                self.view.focus_new_token();
            }
            OwnerMsg::RevokeAgent(agent) => {
                self.store.owner.confirm = None;
                if let Some(api) = self.owner_api() {
                    self.spawn(async move {
                        let result = api.delete(&format!("/agents/{}", encode(&agent))).await;
                        OwnerMsg::AgentRevoked { agent, result }
                    });
                }
            }
            OwnerMsg::AgentRevoked { agent, result } => {
                match result {
                    Ok(()) => {
                        if let Some(agents) = self.store.owner.agents.as_mut() {
                            agents.retain(|a| a.id.as_str() != agent);
                        }
                        self.store
                            .note("agent-add", format!("Agent “{agent}” revoked."), false);
                    }
                    Err(e) => self.owner_error(&format!("agent-save:{agent}"), e),
                }
                self.render_page_if(Page::Agents, Fresh::Keep);
            }
            OwnerMsg::Confirm(key) => {
                self.store.owner.confirm = Some(key);
                self.view.render_page(&self.store, Fresh::Keep);
            }
            OwnerMsg::DismissToken => {
                self.store.owner.new_token = None;
                self.store.owner.webhook_secret = None;
                self.view.render_page(&self.store, Fresh::Keep);
            }
            OwnerMsg::SaveGroup { id, name, create } => self.save_group(id, name, create),
            OwnerMsg::GroupSaved { form, result } => match result {
                Ok(()) => {
                    self.store.note(&form, "Saved.", false);
                    self.load_groups();
                    self.view.render_page(&self.store, Fresh::Form(&form));
                }
                Err(e) => {
                    self.owner_error(&form, e);
                    self.view.render_page(&self.store, Fresh::Keep);
                }
            },
            OwnerMsg::DeleteGroup(id) => {
                self.store.owner.confirm = None;
                if let Some(api) = self.owner_api() {
                    self.spawn(async move {
                        let result = api.delete(&format!("/groups/{}", encode(&id))).await;
                        OwnerMsg::GroupDeleted { id, result }
                    });
                }
            }
            OwnerMsg::GroupDeleted { id, result } => {
                match result {
                    Ok(()) => {
                        if let Some(groups) = self.store.owner.groups.as_mut() {
                            groups.retain(|g| g.id.as_str() != id);
                        }
                        self.store
                            .note("group-add", format!("Group “{id}” deleted."), false);
                    }
                    Err(e) => self.owner_error(&format!("group-save:{id}"), e),
                }
                self.view.render_page(&self.store, Fresh::Keep);
            }
            OwnerMsg::HoursScope(scope) => {
                self.store.owner.hours.scope = scope;
                self.store.owner.hours.problem = None;
                self.store.owner.note = None;
                self.store.owner.confirm = None;
                self.load_hours();
                self.render_page_if(Page::Hours, Fresh::Form("hours"));
            }
            OwnerMsg::HoursEdit { draft, mode, op } => {
                // The draft holds what was typed; rows moved, so the form
                // is drawn from it alone.
                self.store.owner.hours.draft = apply_hours_op(draft, op);
                self.store.owner.hours.mode = mode.or(self.store.owner.hours.mode);
                self.render_page_if(Page::Hours, Fresh::Form("hours"));
            }
            OwnerMsg::SaveHours(body) => {
                self.store.owner.hours.draft = body.spec();
                let scope = self.store.owner.hours.scope.clone();
                if let Some(api) = self.owner_api() {
                    self.spawn(async move {
                        let result = api
                            .put::<WorkingHoursView>(&hours_path(scope.as_deref()), &body)
                            .await
                            .map(Some);
                        OwnerMsg::HoursSaved {
                            scope,
                            cleared: false,
                            result,
                        }
                    });
                }
            }
            OwnerMsg::ClearHours => {
                self.store.owner.confirm = None;
                let scope = self.store.owner.hours.scope.clone();
                if let Some(api) = self.owner_api() {
                    self.spawn(async move {
                        let result = api
                            .delete(&hours_path(scope.as_deref()))
                            .await
                            .map(|_| None);
                        OwnerMsg::HoursSaved {
                            scope,
                            cleared: true,
                            result,
                        }
                    });
                }
            }
            OwnerMsg::HoursSaved {
                scope,
                cleared,
                result,
            } => {
                if scope == self.store.owner.hours.scope {
                    self.store.owner.hours.problem = None;
                    match result {
                        Ok(saved) => {
                            let hours = &mut self.store.owner.hours;
                            hours.stored = !cleared;
                            if let Some(saved) = saved {
                                hours.draft = saved.spec();
                                hours.mode = Some(saved.mode);
                            }
                            let text = if cleared {
                                "Working hours removed."
                            } else {
                                "Working hours saved."
                            };
                            self.store.note("hours", text, false);
                            // "(own hours)" in the scope list.
                            self.load_groups();
                            self.render_page_if(Page::Hours, Fresh::Form("hours"));
                        }
                        Err(e) => {
                            let problem = hours_problem(&e, &clock::time_of_day, &clock::date_name);
                            match problem {
                                Some(p) => self.store.owner.hours.problem = Some(p),
                                None => self.owner_error("hours", e),
                            }
                            self.render_page_if(Page::Hours, Fresh::Keep);
                        }
                    }
                }
            }
            OwnerMsg::SaveSettings(body) => {
                if let Some((field, text)) = crate::view::limit_problem(&body) {
                    self.store.note(&field, text, true);
                    self.render_page_if(Page::Settings, Fresh::Keep);
                    return self.view.focus_limit(&field);
                }
                if let Some(api) = self.owner_api() {
                    self.spawn(async move {
                        let result = api.put::<SettingsView>("/settings", &body).await;
                        OwnerMsg::SettingsSaved(result)
                    });
                }
            }
            OwnerMsg::SettingsSaved(result) => match result {
                Ok(settings) => {
                    self.store.owner.settings = Some(settings);
                    self.store.note("settings", "Settings saved.", false);
                    self.view.render_site_name(&self.store);
                    self.view.render_page(&self.store, Fresh::Form("settings"));
                }
                Err(e) => {
                    let refused = crate::view::limit_refused(&e);
                    match &refused {
                        Some((field, text)) => self.store.note(field, text.clone(), true),
                        None => self.owner_error("settings", e),
                    }
                    self.view.render_page(&self.store, Fresh::Keep);
                    if let Some((field, _)) = refused {
                        self.view.focus_limit(&field);
                    }
                }
            },
            OwnerMsg::EmbedGroup(group) => {
                self.store.owner.embed_group = group;
                self.view.render_page(&self.store, Fresh::Keep);
            }
        }
    }

    /// Opens the team socket: the agents page follows every change.
    /// Opens the team socket with the owner key.
    pub(super) fn connect_team(&mut self, token: &str) {
        let ws_origin = self
            .store
            .origin
            .replacen("https://", "wss://", 1)
            .replacen("http://", "ws://", 1);
        let url = format!("{ws_origin}/v1/sites/{}/team", encode(self.store.site()));
        let protocols = [
            WS_PROTOCOL.to_owned(),
            format!("{WS_TOKEN_PROTOCOL_PREFIX}{token}"),
        ];
        let tx = self.tx.clone();
        self.team = Some(Live::start(url, &protocols, TEAM_PING_SECS, move |e| {
            tx.send(OwnerMsg::Live(e))
        }));
    }

    fn team_event(&mut self, event: LiveEvent) {
        match event {
            LiveEvent::Team(agents) => {
                self.store.owner.agents = Some(agents);
                self.render_page_if(Page::Agents, Fresh::Keep);
            }
            LiveEvent::Closed { code, .. } if code == presenza_protocol::frame::close::REVOKED => {
                self.sign_out(
                    Ending::Local,
                    Some("The owner key was replaced. Sign in with the new one."),
                );
            }
            LiveEvent::Open | LiveEvent::Closed { .. } | LiveEvent::Message(_) => {}
        }
    }

    fn load_agent_devices(&self, agent: String) {
        let Some(api) = self.owner_api() else { return };
        self.spawn(async move {
            let path = format!("/agents/{}/devices", encode(&agent));
            let result = api.get::<DeviceList>(&path).await.map(|l| l.devices);
            OwnerMsg::DevicesLoaded { agent, result }
        });
    }

    pub(super) fn route(&mut self, page: Page) {
        if self.store.mode != Some(Mode::Owner) {
            return;
        }
        let owner = &mut self.store.owner;
        owner.page = page;
        owner.note = None;
        owner.confirm = None;
        owner.new_token = None;
        owner.webhook_secret = None;
        self.view.render_page(&self.store, Fresh::All);
        self.load_checklist();
        match page {
            Page::Agents => {
                self.load_groups();
                self.load_agents();
                // Whether the owner answers chats.
                self.load_settings();
            }
            Page::Groups => self.load_groups(),
            Page::Hours => {
                self.load_groups();
                self.load_hours();
            }
            Page::Settings => self.load_settings(),
            Page::Replies => {
                let Some(api) = self.owner_api() else { return };
                self.spawn(async move {
                    let result = api
                        .get::<SavedReplies>("/saved-replies")
                        .await
                        .map(|r| r.replies);
                    OwnerMsg::RepliesLoaded(result)
                });
            }
            Page::Availability => {
                self.load_groups();
                self.load_agents();
                self.load_availability();
            }
            Page::Embed => {
                self.load_groups();
                self.load_settings();
            }
            Page::Webhooks => self.load_webhooks(),
        }
    }

    /// The history and the insights of the Availability page's days; the
    /// history page by page while it says there is more (`next_from`).
    fn load_availability(&self) {
        let Some(api) = self.owner_api() else { return };
        let (from, to) = clock::week(self.store.owner.availability.end_day, clock::now());
        self.spawn(async move {
            let result = async {
                let mut history = api
                    .get::<HistoryView>(&format!("/history?from={from}&to={to}"))
                    .await?;
                // A week holds at most a few pages; a bound all the same.
                for _ in 0..MAX_HISTORY_PAGES {
                    let Some(next) = history.next_from.take() else {
                        break;
                    };
                    let more = api
                        .get::<HistoryView>(&format!("/history?from={}&to={to}", next.0))
                        .await?;
                    append_history(&mut history, more);
                }
                let insights = api
                    .get::<InsightsView>(&format!("/insights?from={from}&to={to}"))
                    .await?;
                Ok((history, insights))
            }
            .await;
            OwnerMsg::AvailabilityLoaded(result)
        });
    }

    fn render_page_if(&self, page: Page, fresh: Fresh) {
        if self.store.owner.page == page {
            self.view.render_page(&self.store, fresh);
        }
    }

    pub(super) fn owner_error(&mut self, form: &str, e: ApiError) {
        if e.is_auth() && e.status == 401 {
            return self.sign_out(
                Ending::Local,
                Some("The owner key is no longer valid. Sign in again."),
            );
        }
        self.store.note(form, e.message, true);
    }

    fn agent_name(&self, id: &str) -> String {
        self.store
            .owner
            .agents
            .iter()
            .flatten()
            .find(|a| a.id.as_str() == id)
            .map_or_else(|| id.to_owned(), |a| a.display_name().to_owned())
    }

    pub(super) fn load_agents(&self) {
        let Some(api) = self.owner_api() else { return };
        self.spawn(async move {
            let result = api.get::<AgentList>("/agents").await.map(|l| l.agents);
            OwnerMsg::AgentsLoaded(result)
        });
    }

    fn load_groups(&self) {
        let Some(api) = self.owner_api() else { return };
        self.spawn(async move {
            let result = api.get::<GroupList>("/groups").await.map(|l| l.groups);
            OwnerMsg::GroupsLoaded(result)
        });
    }

    pub(super) fn load_settings(&self) {
        let Some(api) = self.owner_api() else { return };
        self.spawn(async move {
            let result = api.get::<SettingsView>("/settings").await;
            OwnerMsg::SettingsLoaded(result)
        });
    }

    fn load_hours(&mut self) {
        let scope = self.store.owner.hours.scope.clone();
        self.store.owner.hours.loaded = false;
        let Some(api) = self.owner_api() else { return };
        self.spawn(async move {
            let result = match api
                .get::<WorkingHoursView>(&hours_path(scope.as_deref()))
                .await
            {
                Ok(hours) => Ok(LoadedHours {
                    spec: Some(hours.spec()),
                    mode: Some(hours.mode),
                }),
                // No hours stored for this scope: saved, they would act in
                // the site's mode.
                Err(e) if e.code == "no_working_hours" => Ok(LoadedHours {
                    spec: None,
                    mode: api
                        .get::<SettingsView>("/settings")
                        .await
                        .ok()
                        .map(|s| s.working_hours_mode),
                }),
                Err(e) => Err(e),
            };
            OwnerMsg::HoursLoaded { scope, result }
        });
    }

    fn save_agent(
        &mut self,
        id: String,
        name: String,
        email: String,
        groups: Vec<String>,
        create: bool,
    ) {
        let name = name.trim().to_owned();
        let email = Some(email.trim().to_owned()).filter(|e| !e.is_empty());
        let id = match id.trim() {
            "" => slug(&name),
            id => id.to_owned(),
        };
        let form = if create {
            "agent-add".to_owned()
        } else {
            format!("agent-save:{id}")
        };
        if id.is_empty() {
            self.store.note(&form, "Give the agent a name.", true);
            return self.view.render_page(&self.store, Fresh::Keep);
        }
        let taken = |a: &AgentView| a.id.as_str() == id;
        if create && self.store.owner.agents.iter().flatten().any(taken) {
            self.store.note(
                &form,
                format!("An agent with the id “{id}” already exists."),
                true,
            );
            return self.view.render_page(&self.store, Fresh::Keep);
        }
        let Some(api) = self.owner_api() else { return };
        self.spawn(async move {
            let body = AgentBody {
                name: if name.is_empty() { id.clone() } else { name },
                groups,
                email,
            };
            let result = api
                .put::<AgentView>(&format!("/agents/{}", encode(&id)), &body)
                .await;
            OwnerMsg::AgentSaved { form, result }
        });
        self.store.owner.note = None;
    }

    fn save_group(&mut self, id: String, name: String, create: bool) {
        let name = name.trim().to_owned();
        let id = match id.trim() {
            "" => slug(&name),
            id => id.to_owned(),
        };
        let form = if create {
            "group-add".to_owned()
        } else {
            format!("group-save:{id}")
        };
        if id.is_empty() {
            self.store.note(&form, "Give the group a name.", true);
            return self.view.render_page(&self.store, Fresh::Keep);
        }
        let Some(api) = self.owner_api() else { return };
        self.spawn(async move {
            let body = GroupBody {
                name: if name.is_empty() { id.clone() } else { name },
            };
            let result = api
                .put::<GroupView>(&format!("/groups/{}", encode(&id)), &body)
                .await
                .map(drop);
            OwnerMsg::GroupSaved { form, result }
        });
    }
}

/// An id the edge accepts from a display name: "Zoë Müller" → "zoe-muller".
fn slug(name: &str) -> String {
    let mut out = String::new();
    for c in name.trim().chars().flat_map(char::to_lowercase) {
        let plain = fold_latin(c);
        if !plain.is_empty() {
            out.push_str(plain);
        } else if c.is_ascii_alphanumeric() {
            out.push(c);
        } else if !out.ends_with('-') && !out.is_empty() {
            out.push('-');
        }
    }
    let out: String = out.chars().take(MAX_ENTITY_ID_LEN).collect();
    out.trim_end_matches('-').to_owned()
}

/// The plain letters of the accented Latin letters of the languages the
/// product serves; "" for anything else.
fn fold_latin(c: char) -> &'static str {
    const TABLE: [(&str, &str); 19] = [
        ("àáâãäåāăą", "a"),
        ("çćĉċč", "c"),
        ("ďđ", "d"),
        ("èéêëēĕėęě", "e"),
        ("ĝğġģ", "g"),
        ("ìíîïĩīĭįı", "i"),
        ("ĺļľŀł", "l"),
        ("ñńņňŉ", "n"),
        ("òóôõöøōŏő", "o"),
        ("ŕŗř", "r"),
        ("śŝşš", "s"),
        ("ţťŧ", "t"),
        ("ùúûüũūŭůűų", "u"),
        ("ýÿŷ", "y"),
        ("źżž", "z"),
        ("ß", "ss"),
        ("æ", "ae"),
        ("œ", "oe"),
        ("þ", "th"),
    ];
    TABLE
        .iter()
        .find(|(from, _)| from.contains(c))
        .map_or("", |(_, to)| to)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn slugs() {
        assert_eq!(slug("  Ann Lee "), "ann-lee");
        assert_eq!(slug("Zoë / Support!"), "zoe-support");
        assert_eq!(slug("Šárka Dvořáková"), "sarka-dvorakova");
        assert_eq!(slug("Łukasz Żółć"), "lukasz-zolc");
        assert_eq!(slug("!!"), "");
    }

    #[test]
    fn history_pages_append_to_their_audience() {
        let change =
            |at: i64| json!({"at": at_text(at), "status": "online", "reason": "agents_online"});
        fn at_text(at: i64) -> String {
            format!("2026-12-01T00:00:{at:02}Z")
        }
        let page = |next: Option<i64>, site: Vec<i64>, sales: Vec<i64>| {
            serde_json::from_value::<HistoryView>(json!({
                "from": at_text(0), "to": at_text(59),
                "audiences": [
                    {"group": null, "in_force": null, "changes": site.into_iter().map(change).collect::<Vec<_>>()},
                    {"group": "sales", "in_force": null, "changes": sales.into_iter().map(change).collect::<Vec<_>>()},
                ],
                "next_from": next.map(at_text),
            }))
            .unwrap()
        };
        let mut history = page(Some(3), vec![1, 2], vec![]);
        append_history(&mut history, page(Some(5), vec![3], vec![4]));
        append_history(&mut history, page(None, vec![], vec![5]));
        let seconds = |i: usize| -> Vec<i64> {
            history.audiences[i]
                .changes
                .iter()
                .map(|c| c.at.0 / 1000 % 60)
                .collect()
        };
        assert_eq!((seconds(0), seconds(1)), (vec![1, 2, 3], vec![4, 5]));
        assert_eq!(history.next_from, None);
    }

    #[test]
    fn tokens_in_answers() {
        // A created agent (`PUT agents/{id}`) and a rotation (`POST
        // agents/{id}/token`) answer the agent itself, with its token.
        let agent = |token: Option<&str>| {
            let mut v = json!({"id": "a", "name": "A", "groups": [], "status": "offline",
                "manual_status": "offline", "message": null, "back_at": null, "sessions": 0,
                "created_at": "2026-11-25T12:00:00Z"});
            if let Some(t) = token {
                v["token"] = json!(t);
            }
            serde_json::from_value::<AgentView>(v)
        };
        assert_eq!(agent(Some("u")).unwrap().token, Some("u".into()));
        assert_eq!(agent(None).unwrap().token, None);
        // The agent wrapped in `{"agent": …}` is not such an answer.
        assert!(
            serde_json::from_value::<AgentView>(json!({"agent": {"id": "a", "token": "t"}}))
                .is_err()
        );
    }
}
