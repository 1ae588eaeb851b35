//! Agent mode: the device socket and its events, the agent's own status
//! (set over HTTP so that errors come back inline), the HTTP heartbeat
//! while the socket is down.

use presenza_protocol::body::StatusBody;
use presenza_protocol::frame::{close, DeviceEvent, ErrorFrame, Hello};
use presenza_protocol::http::{WS_PROTOCOL, WS_TOKEN_PROTOCOL_PREFIX};
use presenza_protocol::time::Timestamp;
use presenza_protocol::view::{AgentView, DeviceList, HeartbeatView, MeView, StatusSetView};
use presenza_rules::Status;

use crate::api::encode;
use crate::clock;
use crate::live::Live;
use crate::msg::{AgentMsg, ApiError, InboxMsg, LiveEvent, SessionMsg};
use crate::picture;
use crate::store::{Conn, DevicesPanel};
use crate::timer::Interval;

use super::session::{Ending, DEVICE_SIGNED_OUT};
use super::Controller;

/// How often "back at" instants are worded again.
const TICK_MS: u32 = 5_000;

impl Controller {
    /// Handles an agent-mode message.
    pub(super) fn agent(&mut self, msg: AgentMsg) {
        match msg {
            AgentMsg::Visibility { hidden } => {
                if !hidden {
                    self.inbox_visible();
                    if let Some(live) = &self.live {
                        live.reconnect_now();
                    }
                }
            }
            AgentMsg::Online => {
                if let Some(live) = &self.live {
                    live.reconnect_now();
                }
                if let Some(token) = self.retry_sign_in.take() {
                    self.update(SessionMsg::SignIn(token));
                }
            }
            AgentMsg::ToggleMenu => {
                self.store.menu_open = !self.store.menu_open;
                self.store.status_error = None;
                self.view.render_menu(&self.store, true);
            }
            AgentMsg::CloseMenu { focus_avatar } => {
                if self.store.menu_open {
                    self.store.menu_open = false;
                    self.view.render_menu(&self.store, focus_avatar);
                }
            }
            AgentMsg::SetStatus {
                status,
                message,
                back_time,
            } => self.set_status(status, message, back_time),
            AgentMsg::StatusSaved(result) => match result {
                Ok(saved) => {
                    self.merge_me(saved.agent);
                    self.store.menu_open = false;
                    self.view.render_menu(&self.store, true);
                    self.view.render_me(&self.store);
                }
                Err(e) => self.status_failed(e),
            },
            AgentMsg::Live(event) => self.live_event(event),
            AgentMsg::AccessChecked(result) => match result {
                Err(e) if e.is_auth() => self.agent_ended(Ending::Local, DEVICE_SIGNED_OUT),
                Ok(me) => {
                    self.merge_me(me.agent);
                    self.view.render_me(&self.store);
                }
                Err(_) => {}
            },
            AgentMsg::Tick => {
                let time = self.view.visitor_time(&self.store);
                if time.is_some() && time != self.visitor_time {
                    self.visitor_time = time;
                    self.view.render_inbox(&self.store);
                }
                let worded = self.view.worded(&self.store);
                if worded != self.worded {
                    self.worded = worded;
                    self.view.render_me(&self.store);
                    self.view.render_audience(&self.store);
                }
            }
            AgentMsg::ToggleDevices => {
                self.store.menu_open = false;
                self.view.render_menu(&self.store, false);
                if self.store.devices.take().is_none() {
                    self.store.devices = Some(DevicesPanel::default());
                    self.load_my_devices();
                }
                self.view.render_devices(&self.store);
            }
            AgentMsg::DevicesLoaded(result) => {
                if let Some(panel) = self.store.devices.as_mut() {
                    match result {
                        Ok(list) => {
                            *panel = DevicesPanel {
                                list: Some(list),
                                error: None,
                            }
                        }
                        Err(e) => panel.error = Some(e.message),
                    }
                    self.view.render_devices(&self.store);
                }
            }
            AgentMsg::RevokeDevice(device) => {
                let Some(api) = self.agent_api() else { return };
                self.spawn(async move {
                    let result = api
                        .delete(&format!("/agents/me/devices/{}", encode(&device)))
                        .await;
                    AgentMsg::DeviceRevoked(result)
                });
            }
            AgentMsg::DeviceRevoked(result) => {
                if let (Err(e), Some(panel)) = (result, self.store.devices.as_mut()) {
                    panel.error = Some(e.message);
                    self.view.render_devices(&self.store);
                }
                self.load_my_devices();
            }
            AgentMsg::PictureChosen(file) => {
                self.store.picture.clear();
                self.spawn(async move { AgentMsg::PictureSquared(picture::square(file).await) });
            }
            AgentMsg::PictureSquared(result) => {
                self.store.picture.clear();
                match result {
                    Ok(blob) => {
                        let url =
                            web_sys::Url::create_object_url_with_blob(&blob).unwrap_or_default();
                        self.store.picture.square = Some((blob, url));
                    }
                    Err(e) => self.store.picture.error = Some(e),
                }
                self.view.render_picture(&self.store, true);
            }
            AgentMsg::SavePicture => {
                let (Some(api), Some((blob, _))) = (self.agent_api(), &self.store.picture.square)
                else {
                    return;
                };
                let blob = blob.clone();
                self.store.picture.saving = true;
                self.store.picture.error = None;
                self.view.render_picture(&self.store, false);
                self.spawn(async move {
                    let result = api.put_blob::<AgentView>("/agents/me/picture", &blob).await;
                    AgentMsg::PictureSaved(result.map(Some))
                });
            }
            AgentMsg::CancelPicture => {
                self.store.picture.clear();
                self.view.render_picture(&self.store, false);
                self.view.focus_avatar();
            }
            AgentMsg::RemovePicture => {
                let Some(api) = self.agent_api() else { return };
                self.store.menu_open = false;
                self.view.render_menu(&self.store, true);
                self.spawn(async move {
                    let result = api.delete("/agents/me/picture").await;
                    AgentMsg::PictureSaved(result.map(|()| None))
                });
            }
            AgentMsg::PictureSaved(result) => match result {
                Ok(agent) => {
                    match agent {
                        Some(agent) => self.merge_me(agent),
                        None => {
                            if let Some(me) = self.store.me.as_mut() {
                                me.picture = None;
                            }
                        }
                    }
                    let was_open = self.store.picture.open();
                    self.store.picture.clear();
                    self.view.render_picture(&self.store, false);
                    self.view.render_me(&self.store);
                    if was_open {
                        self.view.focus_avatar();
                    }
                }
                Err(e) => {
                    self.store.picture.saving = false;
                    self.store.picture.error = Some(e.message);
                    self.view.render_picture(&self.store, false);
                }
            },
            AgentMsg::Heartbeat => {
                let socket_up = self.live.as_ref().is_some_and(Live::is_open);
                if !socket_up {
                    // No frames without the socket: look for new messages.
                    self.refresh_inbox();
                }
                if let (false, Some(api)) = (socket_up, self.agent_api()) {
                    self.spawn(async move {
                        let result = api
                            .post_empty::<HeartbeatView>("/agents/me/heartbeat")
                            .await;
                        match result {
                            Err(e) if e.is_auth() => AgentMsg::AccessChecked(Err(e)),
                            _ => AgentMsg::Online,
                        }
                    });
                }
            }
        }
    }

    fn load_my_devices(&self) {
        let Some(api) = self.agent_api() else { return };
        self.spawn(async move {
            let result = api.get::<DeviceList>("/agents/me/devices").await;
            AgentMsg::DevicesLoaded(result.map(|l| l.devices))
        });
    }

    /// Rewords "back at" instants every few seconds: a passed one goes at
    /// once, "back in N minutes" counts down. Local only: nothing is asked
    /// of the edge.
    pub(super) fn start_tick(&mut self) {
        let tx = self.tx.clone();
        self.tick = Interval::new(TICK_MS, move || tx.send(AgentMsg::Tick));
    }

    /// Opens the device socket with the agent's `token`.
    pub(super) fn connect(&mut self, token: &str) {
        let ws_origin = self
            .store
            .origin
            .replacen("https://", "wss://", 1)
            .replacen("http://", "ws://", 1);
        let url = format!(
            "{ws_origin}/v1/sites/{}/agents/me/session",
            encode(self.store.site())
        );
        // The edge's subprotocol convention: "presenza" is answered, the
        // second one carries the token.
        let protocols = [
            WS_PROTOCOL.to_owned(),
            format!("{WS_TOKEN_PROTOCOL_PREFIX}{token}"),
        ];
        let tx = self.tx.clone();
        self.live = Some(Live::start(
            url,
            &protocols,
            self.store.ping_secs,
            move |event| tx.send(AgentMsg::Live(event)),
        ));
        self.restart_heartbeat();
    }

    fn restart_heartbeat(&mut self) {
        let tx = self.tx.clone();
        self.heartbeat = Interval::new(self.store.ping_secs.max(5) * 1000, move || {
            tx.send(AgentMsg::Heartbeat)
        });
    }

    fn live_event(&mut self, event: LiveEvent) {
        match event {
            LiveEvent::Open => {
                self.store.conn = Conn::Live;
                self.view.render_conn(&self.store);
            }
            LiveEvent::Message(event) => self.device_event(*event),
            // Only the owner's team socket sends these.
            LiveEvent::Team(_) => {}
            LiveEvent::Closed {
                code,
                reason,
                retry_in_ms,
            } => {
                if code == close::REVOKED {
                    return self.agent_ended(Ending::Local, DEVICE_SIGNED_OUT);
                }
                if code == close::NORMAL && reason == close::SIGNED_OUT_REASON {
                    return self.agent_ended(Ending::Local, "This device was signed out.");
                }
                let Some(ms) = retry_in_ms else { return };
                self.store.conn = Conn::Retrying(js_sys::Date::now() + f64::from(ms));
                self.view.render_conn(&self.store);
                self.device_lost();
                // A refused socket says nothing about why: ask over HTTP
                // whether the token still works before trying again.
                if let Some(api) = self.agent_api() {
                    self.spawn(async move {
                        let result = api.get::<MeView>("/agents/me").await;
                        AgentMsg::AccessChecked(result)
                    });
                }
            }
        }
    }

    /// A frame from the edge on the device socket.
    fn device_event(&mut self, event: DeviceEvent) {
        match event {
            DeviceEvent::Hello(hello) => self.hello(hello),
            DeviceEvent::AgentStatus { agent } => {
                self.merge_me(agent);
                self.view.render_me(&self.store);
            }
            DeviceEvent::Audience { group, status } => {
                match group {
                    Some(g) => {
                        self.store.group_audience.insert(g, status);
                    }
                    None => self.store.site_audience = Some(status),
                }
                self.view.render_audience(&self.store);
            }
            DeviceEvent::Message {
                conversation,
                message,
            } => {
                self.update(InboxMsg::Received {
                    conversation,
                    message,
                });
            }
            DeviceEvent::Conversation { conversation } => {
                self.update(InboxMsg::Changed(conversation));
            }
            DeviceEvent::Erased { conversation_ids } => {
                self.update(InboxMsg::Erased(
                    conversation_ids.into_iter().map(String::from).collect(),
                ));
            }
            // Transferred to a group this agent does not serve: it leaves
            // the inbox as an erased one does.
            DeviceEvent::Transferred { conversation_id } => {
                self.update(InboxMsg::Erased(vec![conversation_id.into()]));
            }
            DeviceEvent::Ack(ack) => {
                self.update(InboxMsg::Acked {
                    client_id: ack.client_id,
                    seq: ack.seq,
                });
            }
            DeviceEvent::Read {
                conversation_id,
                seq,
                unread,
            } => {
                self.update(InboxMsg::ReadElsewhere {
                    conversation: conversation_id,
                    seq,
                    unread,
                });
            }
            // A refused reply; the device sends nothing else that can be
            // refused (status changes go over HTTP to get errors inline).
            DeviceEvent::Error(ErrorFrame {
                error,
                client_id: Some(client_id),
                ..
            }) => {
                let reason = if error.code == "conversation_not_found" {
                    "This conversation is no longer in your inbox.".to_owned()
                } else if !error.message.trim().is_empty() {
                    error.message
                } else {
                    "The server refused this reply.".to_owned()
                };
                self.update(InboxMsg::Refused { client_id, reason });
            }
            DeviceEvent::Typing {
                conversation_id,
                typing,
            } => {
                self.update(InboxMsg::Typing {
                    conversation: conversation_id,
                    typing,
                });
            }
            DeviceEvent::Visitor {
                conversation_id,
                context,
            } => {
                self.update(InboxMsg::Context {
                    conversation: conversation_id,
                    context,
                });
            }
            DeviceEvent::SavedReplies(all) => {
                self.store.saved_replies = all.replies;
                self.view.render_inbox(&self.store);
            }
            DeviceEvent::Error(_) | DeviceEvent::SignedOut | DeviceEvent::Unknown => {}
        }
    }

    /// The first frame: this device's session is live.
    fn hello(&mut self, hello: Hello) {
        self.store.conn = Conn::Live;
        self.merge_me(hello.agent);
        self.store.grace_secs = Some(hello.grace_period_secs);
        self.store.site_audience = Some(hello.site);
        self.store.group_audience = hello.groups;
        self.store.group_names = hello.group_names;
        self.store.saved_replies = hello.saved_replies;
        self.store.site_name = hello.site_name;
        if let Some(live) = &self.live {
            live.reset_backoff();
            let p = hello.ping_interval_secs;
            if p > 0 {
                live.set_ping_interval(p);
                if p != self.store.ping_secs {
                    self.store.ping_secs = p;
                    self.restart_heartbeat();
                }
            }
        }
        self.view.render_me(&self.store);
        self.view.render_audience(&self.store);
        self.view.render_conn(&self.store);
        self.view.render_title(&self.store);
        self.view.render_site_name(&self.store);
        // Whatever happened while the socket was down.
        self.device_connected();
    }

    /// Takes the edge's view of this agent (of the signed-in agent only).
    fn merge_me(&mut self, agent: AgentView) {
        if self.store.me.as_ref().is_some_and(|me| me.id != agent.id) {
            return;
        }
        self.store.me = Some(agent);
    }

    fn set_status(&mut self, status: Status, message: String, back_time: String) {
        let Some(api) = self.agent_api() else { return };
        let mut message_sent = None;
        let mut back_at = None;
        if status == Status::Busy {
            let message = message.trim();
            if !message.is_empty() {
                message_sent = Some(message.to_owned());
            }
            if !back_time.trim().is_empty() {
                match clock::next_time_of_day(&back_time, clock::now()) {
                    Some(at) => back_at = Some(Timestamp(at)),
                    None => {
                        return self
                            .status_failed(ApiError::bad_answer("the return time is not HH:MM"));
                    }
                }
            }
        }
        let body = StatusBody::new(status, message_sent, back_at);
        self.store.status_error = None;
        self.view.status_pending(true);
        self.spawn(async move {
            let result = api.put::<StatusSetView>("/agents/me/status", &body).await;
            AgentMsg::StatusSaved(result)
        });
    }

    fn status_failed(&mut self, e: ApiError) {
        self.store.status_error = Some(e.message);
        self.view.status_pending(false);
        self.view.render_menu(&self.store, false);
    }
}
