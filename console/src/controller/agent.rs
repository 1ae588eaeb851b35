//! Agent mode: the device socket and its events, the agent's own status
//! (set over HTTP so that errors come back inline), the HTTP heartbeat
//! while the socket is down.

use presenza_protocol::frame::close;
use presenza_protocol::http::{WS_PROTOCOL, WS_TOKEN_PROTOCOL_PREFIX};
use presenza_rules::Status;
use serde_json::json;

use crate::api::{encode, ApiError, ApiResult};
use crate::clock;
use crate::live::{Live, LiveEvent};
use crate::store::Conn;
use crate::timer::Interval;
use crate::wire::{self, AgentInfo, ServerMsg};

use super::inbox::InboxMsg;
use super::session::Ending;
use super::Controller;

/// The agent's status, picture menu and device socket.
#[derive(Debug)]
pub enum AgentMsg {
    /// The tab was hidden or shown again.
    Visibility {
        hidden: bool,
    },
    /// The browser is back online.
    Online,
    /// The picture was clicked (or arrowed into).
    ToggleMenu,
    CloseMenu {
        focus_avatar: bool,
    },
    /// A status chosen in the menu; busy details as typed.
    SetStatus {
        status: Status,
        message: String,
        back_time: String,
    },
    /// The edge's answer, with what was asked (for an answer without body).
    StatusSaved(
        ApiResult<Option<AgentInfo>>,
        Status,
        Option<String>,
        Option<wire::Millis>,
    ),
    Live(LiveEvent),
    /// Whether the token still works, asked after the socket was refused.
    AccessChecked(ApiResult<AgentInfo>),
    /// Time for an HTTP heartbeat (sent only while the socket is down).
    Heartbeat,
}

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
            AgentMsg::StatusSaved(result, status, message, back_at) => match result {
                Ok(agent) => {
                    let agent = agent.unwrap_or_else(|| AgentInfo {
                        manual: Some(status),
                        message,
                        back_at,
                        ..self.store.me.clone().unwrap_or_default()
                    });
                    self.merge_me(agent);
                    self.store.menu_open = false;
                    self.view.render_menu(&self.store, true);
                    self.view.render_me(&self.store);
                }
                Err(e) => self.status_failed(e),
            },
            AgentMsg::Live(event) => self.live_event(event),
            AgentMsg::AccessChecked(result) => match result {
                Err(e) if e.is_auth() => self.sign_out(
                    Ending::Local,
                    Some("Your token is no longer valid (revoked or rotated). Sign in with a new one."),
                ),
                Ok(agent) => {
                    self.merge_me(agent);
                    self.view.render_me(&self.store);
                }
                Err(_) => {}
            },
            AgentMsg::Heartbeat => {
                let socket_up = self.live.as_ref().is_some_and(Live::is_open);
                if !socket_up {
                    // No frames without the socket: look for new messages.
                    self.refresh_inbox();
                }
                if let (false, Some(api)) = (socket_up, self.api()) {
                    self.spawn(async move {
                        let result = api.post_empty::<serde_json::Value>("/agents/me/heartbeat").await;
                        match result {
                            Err(e) if e.is_auth() => AgentMsg::AccessChecked(Err(e)),
                            _ => AgentMsg::Online,
                        }
                    });
                }
            }
        }
    }

    pub(super) fn connect(&mut self) {
        let Some(token) = self.store.token.clone() else {
            return;
        };
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
            LiveEvent::Message(msg) => self.server_msg(*msg),
            LiveEvent::Closed {
                code,
                reason,
                retry_in_ms,
            } => {
                if code == close::REVOKED {
                    return self.sign_out(
                        Ending::Local,
                        Some(
                            "Your token was revoked or replaced. Ask the site owner for a new one.",
                        ),
                    );
                }
                if code == close::NORMAL && reason == close::SIGNED_OUT_REASON {
                    return self.sign_out(Ending::Local, Some("This device was signed out."));
                }
                let Some(ms) = retry_in_ms else { return };
                self.store.conn = Conn::Retrying(js_sys::Date::now() + f64::from(ms));
                self.view.render_conn(&self.store);
                self.device_lost();
                // A refused socket says nothing about why: ask over HTTP
                // whether the token still works before trying again.
                if let Some(api) = self.api() {
                    self.spawn(async move {
                        let result =
                            api.get::<serde_json::Value>("/agents/me")
                                .await
                                .and_then(|v| {
                                    wire::object::<AgentInfo>(v, "agent")
                                        .map_err(ApiError::bad_answer)
                                });
                        AgentMsg::AccessChecked(result)
                    });
                }
            }
        }
    }

    /// A frame from the edge on the device socket.
    fn server_msg(&mut self, msg: ServerMsg) {
        match msg {
            ServerMsg::Hello {
                agent,
                grace_period_secs,
                ping_interval_secs,
                site,
                groups,
            } => {
                self.store.conn = Conn::Live;
                self.merge_me(agent);
                self.store.grace_secs = grace_period_secs;
                self.store.site_audience = site;
                self.store.group_audience = groups;
                if let Some(live) = &self.live {
                    live.reset_backoff();
                    if let Some(p) = ping_interval_secs.filter(|p| *p > 0) {
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
                // Whatever happened while the socket was down.
                self.device_connected();
            }
            ServerMsg::AgentStatus { agent } => {
                self.merge_me(agent);
                self.view.render_me(&self.store);
            }
            ServerMsg::Audience { group, status } => {
                match group {
                    Some(g) => {
                        self.store.group_audience.insert(g, status);
                    }
                    None => self.store.site_audience = Some(status),
                }
                self.view.render_audience(&self.store);
            }
            ServerMsg::Message {
                conversation,
                message,
            } => {
                self.update(InboxMsg::Received {
                    conversation: conversation.into_store(),
                    message: message.into_store(),
                });
            }
            ServerMsg::Conversation { conversation } => {
                self.update(InboxMsg::Changed(conversation.into_store()));
            }
            ServerMsg::Ack { client_id, seq } => {
                self.update(InboxMsg::Acked { client_id, seq });
            }
            ServerMsg::Read {
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
            ServerMsg::Error {
                client_id: Some(client_id),
                error,
                ..
            } => {
                let reason = match error {
                    Some(e) if e.code == "conversation_not_found" => {
                        "This conversation is no longer in your inbox.".to_owned()
                    }
                    Some(e) if !e.message.trim().is_empty() => e.message,
                    _ => "The server refused this reply.".to_owned(),
                };
                self.update(InboxMsg::Refused { client_id, reason });
            }
            ServerMsg::Error {
                client_id: None, ..
            }
            | ServerMsg::SignedOut
            | ServerMsg::Other => {}
        }
    }

    /// Takes the edge's view of this agent, keeping the name if a partial
    /// update left it out.
    fn merge_me(&mut self, mut agent: AgentInfo) {
        if let Some(me) = &self.store.me {
            if agent.id.is_empty() {
                agent.id = me.id.clone();
            }
            if agent.id != me.id {
                return;
            }
            if agent.name.is_empty() {
                agent.name = me.name.clone();
            }
        }
        self.store.me = Some(agent);
    }

    fn set_status(&mut self, status: Status, message: String, back_time: String) {
        let Some(api) = self.api() else { return };
        let mut body = json!({ "status": status.as_str() });
        let mut message_sent = None;
        let mut back_at = None;
        if status == Status::Busy {
            let message = message.trim();
            if !message.is_empty() {
                body["message"] = json!(message);
                message_sent = Some(message.to_owned());
            }
            if !back_time.trim().is_empty() {
                match clock::next_time_of_day(&back_time, clock::now()) {
                    Some(at) => {
                        body["back_at"] = json!(presenza_rules::time::to_rfc3339(at));
                        back_at = Some(at);
                    }
                    None => {
                        return self
                            .status_failed(ApiError::bad_answer("the return time is not HH:MM"));
                    }
                }
            }
        }
        self.store.status_error = None;
        self.view.status_pending(true);
        self.spawn(async move {
            let result = api
                .put::<serde_json::Value>("/agents/me/status", &body)
                .await
                .and_then(|v| {
                    if v.is_null() {
                        Ok(None)
                    } else {
                        wire::object::<AgentInfo>(v, "agent")
                            .map(Some)
                            .map_err(ApiError::bad_answer)
                    }
                });
            AgentMsg::StatusSaved(result, status, message_sent, back_at)
        });
    }

    fn status_failed(&mut self, e: ApiError) {
        self.store.status_error = Some(e.message);
        self.view.status_pending(false);
        self.view.render_menu(&self.store, false);
    }
}
