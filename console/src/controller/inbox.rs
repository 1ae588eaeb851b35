//! The inbox: the conversation list of the shown tab, open or closed
//! (its first 100 loaded at sign-in, at every (re)connect of the device
//! socket and when the tab is shown, more with "Load more"; then kept
//! current by the socket's frames), the open conversation (its history
//! caught up page by page, its read mark, Close / Reopen, Assign: to an
//! agent who serves it, nobody, or a group), replies through the outbox,
//! the title and notifications (also when someone else assigns a
//! conversation to this agent).
//!
//! Replies: a reply gets a fresh client id and goes into the outbox (kept
//! in sessionStorage), then over the device socket as `{"type":"reply"}`,
//! or over HTTP when the socket is down. It leaves the outbox when the edge
//! says it is stored (an `ack`, the HTTP answer, or the message itself
//! arriving). Unacknowledged replies are sent again after every reconnect,
//! over HTTP as soon as the socket drops: the same client id never makes a
//! second message. A refused reply stays, marked, until retried or
//! discarded.
//!
//! Typing indicators (`store::typing`): a visitor's `typing` frames show on
//! their conversation until a stop, their message or the expiry; the reply
//! box's input sends this agent's, throttled, over the socket only.

use presenza_protocol::body::{AssignBody, ReadBody, ReplyBody};
use presenza_protocol::frame::{self, DeviceCommand};
use presenza_protocol::limits::{
    DEFAULT_LISTED_CONVERSATIONS, MAX_MESSAGE_CHARS, TYPING_EXPIRES_MS,
};
use presenza_protocol::view::{
    AssignChoices, ConversationEnvelope, ConversationPage, MessagePage, ReplySent,
};
use presenza_rules::{ConversationState, RuleError};

use crate::api::encode;
use crate::clock;
use crate::msg::{AgentMsg, ApiError, ApiResult, InboxMsg};
use crate::store::inbox::{self, Conversation, Message, Outgoing};
use crate::store::typing::Tell;
use crate::store::{persist, Mode};

use super::Controller;

/// Conversations per page of the list (the edge's default page).
const PAGE_SIZE: usize = DEFAULT_LISTED_CONVERSATIONS;

/// Why closing or reopening failed, in words.
fn state_failure(e: &ApiError, close: bool) -> String {
    match (e.code.as_str(), e.status) {
        ("conversation_conflict", _) => {
            "This visitor has started a new conversation since this one was \
             closed, so it cannot be reopened. Reply in their open conversation instead."
                .into()
        }
        ("conversation_not_found", _) => "This conversation is no longer in your inbox.".into(),
        (_, 404) if close => format!("This conversation could not be closed: {}", e.message),
        (_, 404) => format!("This conversation could not be reopened: {}", e.message),
        _ => e.message.clone(),
    }
}

/// A reply the rules refuse before it is sent, in words.
fn describe(e: &RuleError) -> String {
    match e {
        RuleError::MessageTooLong(n) => {
            format!("This reply is {n} characters long; the most is {MAX_MESSAGE_CHARS}.")
        }
        RuleError::InvalidCharacter(_) => {
            "This reply contains a control character that cannot be sent.".into()
        }
        other => format!("This reply cannot be sent: {other}."),
    }
}

/// Whether a failed HTTP call may work later as it is (the network, the
/// edge restarting): such replies stay in the outbox, unmarked.
fn transient(e: &ApiError) -> bool {
    e.status == 0 || e.status >= 500
}

impl Controller {
    /// Handles an inbox message.
    pub(super) fn inbox(&mut self, msg: InboxMsg) {
        match msg {
            InboxMsg::Reload => {
                self.store.inbox.load_error = None;
                self.refresh_inbox();
                self.view.render_inbox(&self.store);
            }
            InboxMsg::Listed { state, result } => {
                self.listed(state, result.map(inbox::list_page));
            }
            InboxMsg::ShowTab(tab) => {
                if self.store.inbox.show_tab(tab) {
                    self.refresh_inbox();
                }
                self.view.render_inbox(&self.store);
            }
            InboxMsg::LoadMore => self.load_more(),
            InboxMsg::MoreListed { state, result } => {
                let inbox = &mut self.store.inbox;
                if state == inbox.tab {
                    inbox.more_loading = false;
                }
                match result {
                    Ok(page) => {
                        let (list, next) = inbox::list_page(page);
                        inbox.add_list_page(state, list, next);
                    }
                    Err(e) if e.is_auth() => return self.update(AgentMsg::AccessChecked(Err(e))),
                    Err(e) if state == inbox.tab => inbox.load_error = Some(e.message),
                    Err(_) => {}
                }
                self.render_inbox();
            }
            InboxMsg::Close(id) => self.set_state(id, true),
            InboxMsg::Reopen(id) => self.set_state(id, false),
            InboxMsg::StateSaved { id, close, result } => {
                let inbox = &mut self.store.inbox;
                if inbox.state_pending.as_deref() == Some(id.as_str()) {
                    inbox.state_pending = None;
                }
                match result {
                    Ok(summary) => {
                        inbox.state_error = None;
                        self.conversation_changed(summary.into());
                        return;
                    }
                    Err(e) if e.is_auth() => return self.update(AgentMsg::AccessChecked(Err(e))),
                    Err(e) => {
                        if inbox.selected_id() == Some(id.as_str()) {
                            inbox.state_error = Some(state_failure(&e, close));
                        }
                    }
                }
                self.render_inbox();
            }
            InboxMsg::Changed(summary) => self.conversation_changed(summary.into()),
            InboxMsg::ShowAssigned(filter) => {
                self.store.inbox.assigned = filter;
                self.render_inbox();
            }
            InboxMsg::Choices { id, result } => {
                if let Ok(choices) = result {
                    self.store.inbox.choices = Some((id, choices));
                    self.render_inbox();
                }
            }
            InboxMsg::Assign { conversation, to } => self.assign(conversation, &to),
            InboxMsg::AssignSaved { id, result } => {
                let inbox = &mut self.store.inbox;
                inbox.assign_pending = None;
                match result {
                    Ok(summary) => self.conversation_changed(summary.into()),
                    Err(e) => {
                        inbox.assign_error = Some(e.message);
                        // The control shows what is stored again.
                        self.load_choices(&id);
                        self.render_inbox();
                    }
                }
            }
            InboxMsg::Erased(ids) => {
                self.store.inbox.erase(&ids);
                self.render_inbox();
            }
            InboxMsg::OpenConversation(id) => {
                if self.store.inbox.select(&id) {
                    self.catch_up(&id);
                    self.store.inbox.assign_error = None;
                    self.load_choices(&id);
                    self.render_inbox();
                    self.view.focus_reply();
                }
            }
            InboxMsg::CloseConversation => {
                self.store.inbox.deselect();
                self.view.render_inbox(&self.store);
            }
            InboxMsg::Page { id, result } => {
                self.store.inbox.set_loading(&id, false);
                match result {
                    Ok(page) => {
                        if let Some(context) = page.context {
                            self.store.contexts.insert(id.clone(), context);
                        }
                        let more = page.has_more;
                        let messages: Vec<Message> =
                            page.messages.into_iter().map(Message::from).collect();
                        let got = !messages.is_empty();
                        self.store.inbox.add_page(&id, messages);
                        self.save_outbox();
                        let gap = self.store.inbox.get(&id).is_some_and(|c| c.incomplete());
                        if more || (got && gap) {
                            self.catch_up(&id);
                        } else if self.store.inbox.selected_id() == Some(id.as_str()) {
                            self.read_if_looking();
                        }
                    }
                    Err(e) if e.status == 404 => self.store.inbox.forget(&id),
                    Err(e) if e.is_auth() => return self.update(AgentMsg::AccessChecked(Err(e))),
                    // Tried again at the next open or reconnect.
                    Err(_) => {}
                }
                self.render_inbox();
            }
            InboxMsg::ReadSaved { id, result } => {
                if let Err(e) = result {
                    if e.status == 404 {
                        self.store.inbox.forget(&id);
                        self.render_inbox();
                    }
                }
            }
            InboxMsg::Reply { conversation, text } => self.reply(conversation, text),
            InboxMsg::Retry(client_id) => {
                if let Some(reply) = self.store.inbox.retry(&client_id) {
                    self.save_outbox();
                    self.send_reply(reply);
                    self.view.render_inbox(&self.store);
                }
            }
            InboxMsg::Discard(client_id) => {
                self.store.inbox.discard(&client_id);
                self.save_outbox();
                self.view.render_inbox(&self.store);
            }
            InboxMsg::Posted {
                conversation,
                client_id,
                result,
            } => {
                self.store.inbox.posting.remove(&client_id);
                match result {
                    Ok(message) => self.store.inbox.stored_reply(&conversation, message.into()),
                    Err(e) if transient(&e) => {}
                    Err(e) if e.is_auth() => {
                        return self.update(AgentMsg::AccessChecked(Err(e)));
                    }
                    Err(e) => {
                        self.store.inbox.fail(&client_id, &e.message);
                    }
                }
                self.save_outbox();
                self.render_inbox();
            }
            InboxMsg::EnableNotifications => {
                if let Ok(promise) = web_sys::Notification::request_permission() {
                    self.spawn(async move {
                        let _ = wasm_bindgen_futures::JsFuture::from(promise).await;
                        InboxMsg::NotificationsAnswered
                    });
                }
            }
            InboxMsg::NotificationsAnswered => self.view.render_inbox(&self.store),
            InboxMsg::ToggleSound => {
                self.store.sound = !self.store.sound;
                persist::save_sound(self.store.sound);
                self.view.render_inbox(&self.store);
            }
            InboxMsg::Received {
                conversation,
                message,
            } => self.received(conversation.into(), message.into()),
            InboxMsg::Acked { client_id, seq } => {
                let me = self.store.me.as_ref();
                let name = me.map(|m| m.display_name().to_owned()).unwrap_or_default();
                let picture = me.and_then(|m| m.picture.clone());
                let author = (name.as_str(), picture.as_deref());
                if self.store.inbox.ack(&client_id, seq, author, clock::now()) {
                    self.save_outbox();
                    self.render_inbox();
                }
            }
            InboxMsg::Refused { client_id, reason } => {
                if self.store.inbox.fail(&client_id, &reason) {
                    self.save_outbox();
                    self.view.render_inbox(&self.store);
                }
            }
            InboxMsg::ReadElsewhere {
                conversation,
                seq,
                unread,
            } => {
                self.store
                    .inbox
                    .apply_read(conversation.as_str(), seq, unread);
                self.render_inbox();
            }
            InboxMsg::Typing {
                conversation,
                typing,
            } => {
                self.store
                    .typing
                    .visitor(conversation.as_str(), typing, clock::now());
                if typing {
                    // Redrawn when it may have run out (a newer frame
                    // pushes that later; the check says what is left).
                    self.spawn(async {
                        clock::sleep(TYPING_EXPIRES_MS + 50).await;
                        InboxMsg::TypingExpired
                    });
                }
                self.view.render_inbox(&self.store);
            }
            InboxMsg::TypingExpired => {
                if self.store.typing.expire(clock::now()) {
                    self.view.render_inbox(&self.store);
                }
            }
            InboxMsg::Drafting {
                conversation,
                empty,
            } => {
                let open = self
                    .store
                    .inbox
                    .selected()
                    .is_some_and(|c| c.id == conversation && !c.is_closed());
                if open || empty {
                    for tell in self
                        .store
                        .typing
                        .drafting(&conversation, empty, clock::now())
                    {
                        self.tell_typing(tell);
                    }
                }
            }
            InboxMsg::Context {
                conversation,
                context,
            } => {
                self.store.contexts.insert(conversation.into(), context);
                self.view.render_inbox(&self.store);
            }
            InboxMsg::DraftLeft => {
                if let Some(tell) = self.store.typing.left() {
                    self.tell_typing(tell);
                }
            }
        }
    }

    /// A typing frame to the edge, over the socket only: one that cannot
    /// go now is not worth sending later.
    fn tell_typing(&self, tell: Tell) {
        if let Some(live) = self.live.as_ref().filter(|l| l.is_open()) {
            live.send(&frame::to_text(&DeviceCommand::Typing {
                conversation_id: tell.conversation,
                typing: tell.typing,
            }));
        }
    }

    /// The inbox and the title (which counts unread messages).
    fn render_inbox(&self) {
        self.view.render_inbox(&self.store);
        self.view.render_title(&self.store);
    }

    /// Loads the conversation list: at sign-in and at every (re)connect of
    /// the device socket (what happened while it was down). One request at
    /// a time; asked again meanwhile, it runs once more after.
    pub(super) fn refresh_inbox(&mut self) {
        let Some(api) = self.agent_api() else { return };
        let inbox = &mut self.store.inbox;
        if inbox.list_loading {
            inbox.list_again = true;
            return;
        }
        inbox.list_loading = true;
        inbox.list_requested();
        let state = inbox.tab;
        self.spawn(async move {
            let path = format!("/conversations?state={}&limit={PAGE_SIZE}", state.as_str());
            InboxMsg::Listed {
                state,
                result: api.get::<ConversationPage>(&path).await,
            }
        });
    }

    /// The shown tab's next page, when there is one.
    fn load_more(&mut self) {
        let Some(api) = self.agent_api() else { return };
        let inbox = &mut self.store.inbox;
        let Some(cursor) = inbox.next_cursor.clone() else {
            return;
        };
        if inbox.more_loading {
            return;
        }
        inbox.more_loading = true;
        inbox.load_error = None;
        let state = inbox.tab;
        self.spawn(async move {
            let path = format!(
                "/conversations?state={}&limit={PAGE_SIZE}&cursor={}",
                state.as_str(),
                encode(&cursor)
            );
            InboxMsg::MoreListed {
                state,
                result: api.get::<ConversationPage>(&path).await,
            }
        });
        self.view.render_inbox(&self.store);
    }

    /// Closes or reopens a conversation; the answer's summary (and the
    /// device frame every console of the agent gets) moves it between
    /// the tabs.
    fn set_state(&mut self, id: String, close: bool) {
        let Some(api) = self.agent_api() else { return };
        let inbox = &mut self.store.inbox;
        if inbox.state_pending.is_some() || inbox.get(&id).is_none() {
            return;
        }
        inbox.state_pending = Some(id.clone());
        inbox.state_error = None;
        self.spawn(async move {
            let path = format!(
                "/conversations/{}/{}",
                encode(&id),
                if close { "close" } else { "reopen" }
            );
            let result = api
                .post_empty::<ConversationEnvelope>(&path)
                .await
                .map(|e| e.conversation);
            InboxMsg::StateSaved { id, close, result }
        });
        self.view.render_inbox(&self.store);
    }

    /// Who the conversation may go to, with their status now (asked each
    /// time it is opened or assigned).
    fn load_choices(&mut self, id: &str) {
        let Some(api) = self.agent_api() else { return };
        let id = id.to_owned();
        self.spawn(async move {
            let path = format!("/conversations/{}/assign", encode(&id));
            let result = api.get::<AssignChoices>(&path).await;
            InboxMsg::Choices { id, result }
        });
    }

    /// Assigns the conversation to an agent (`agent:<id>`), nobody
    /// (`none`), or transfers it to a group (`group:<id>`).
    fn assign(&mut self, id: String, to: &str) {
        let Some(api) = self.agent_api() else { return };
        let body = match to.split_once(':') {
            Some(("agent", agent)) => AssignBody {
                agent: Some(Some(agent.to_owned())),
                group: None,
            },
            Some(("group", group)) => AssignBody {
                agent: None,
                group: Some(group.to_owned()),
            },
            _ => AssignBody {
                agent: Some(None),
                group: None,
            },
        };
        let inbox = &mut self.store.inbox;
        if inbox.assign_pending.is_some() {
            return;
        }
        inbox.assign_pending = Some(id.clone());
        inbox.assign_error = None;
        self.spawn(async move {
            let path = format!("/conversations/{}/assign", encode(&id));
            let result = api
                .post::<ConversationEnvelope>(&path, &body)
                .await
                .map(|e| e.conversation);
            InboxMsg::AssignSaved { id, result }
        });
        self.render_inbox();
    }

    /// Someone else assigned a conversation to this agent: a chime and a
    /// notification, as for a new message.
    fn tell_if_assigned_to_me(&mut self, id: &str, was_mine: bool) {
        let inbox = &self.store.inbox;
        let Some(c) = inbox.get(id) else { return };
        if was_mine || !inbox.is_mine(c) || inbox.assign_pending.as_deref() == Some(id) {
            return;
        }
        let title = c.title();
        if self.store.sound {
            self.view.chime();
        }
        if self.view.page_hidden() {
            self.view.notify(
                &format!("Assigned to you: {title}"),
                "A conversation is yours now.",
            );
        }
    }

    /// A conversation's current summary after a close, reopen, assignment
    /// or transfer.
    fn conversation_changed(&mut self, summary: Conversation) {
        let id = summary.id.clone();
        let was_mine = self.was_mine(&id);
        let inbox = &mut self.store.inbox;
        inbox.changed(summary);
        if inbox.selected_id() == Some(id.as_str()) {
            inbox.state_error = None;
            // The closing message.
            self.catch_up(&id);
            self.load_choices(&id);
        }
        self.tell_if_assigned_to_me(&id, was_mine);
        self.render_inbox();
    }

    fn was_mine(&self, id: &str) -> bool {
        let inbox = &self.store.inbox;
        inbox.get(id).is_some_and(|c| inbox.is_mine(c))
    }

    fn listed(
        &mut self,
        state: ConversationState,
        result: ApiResult<(Vec<Conversation>, Option<String>)>,
    ) {
        let inbox = &mut self.store.inbox;
        inbox.list_loading = false;
        let mut again = std::mem::take(&mut inbox.list_again);
        // The tab changed while it was on its way: the shown one is wanted.
        again |= state != inbox.tab;
        match result {
            Ok((list, next)) => {
                inbox.set_list(state, list, next);
                self.save_outbox();
                if let Some(id) = self.store.inbox.selected_id().map(str::to_owned) {
                    self.catch_up(&id);
                }
            }
            Err(e) if e.is_auth() => return self.update(AgentMsg::AccessChecked(Err(e))),
            Err(_) if state != inbox.tab => {}
            Err(e) => inbox.load_error = Some(e.message),
        }
        if again {
            self.refresh_inbox();
        }
        self.render_inbox();
    }

    /// The device socket is (again) connected: reload the list, send the
    /// outbox again (same client ids).
    pub(super) fn device_connected(&mut self) {
        self.refresh_inbox();
        let live = self.live.as_ref().filter(|l| l.is_open());
        let mut left = Vec::new();
        for reply in self.store.inbox.unsent() {
            if !live.is_some_and(|l| l.send(&reply_frame(&reply))) {
                left.push(reply);
            }
        }
        self.post_replies(left);
    }

    /// The device socket dropped: what it may not have delivered goes over
    /// HTTP now rather than after the reconnect.
    pub(super) fn device_lost(&mut self) {
        let unsent = self.store.inbox.unsent();
        self.post_replies(unsent);
    }

    /// The tab is visible again: the open conversation is read now.
    pub(super) fn inbox_visible(&mut self) {
        self.read_if_looking();
        self.render_inbox();
    }

    /// Loads what is missing of a conversation's messages, a page at a
    /// time, from the last seq without a gap; marks it read once complete
    /// (when it is open and the tab visible).
    fn catch_up(&mut self, id: &str) {
        let Some(c) = self.store.inbox.get(id) else {
            return;
        };
        if c.loading {
            return;
        }
        if !c.incomplete() {
            if self.store.inbox.selected_id() == Some(id) {
                self.read_if_looking();
            }
            return;
        }
        let Some(api) = self.agent_api() else { return };
        let after = c.synced();
        self.store.inbox.set_loading(id, true);
        let id = id.to_owned();
        self.spawn(async move {
            let path = format!("/conversations/{}/messages?after={after}", encode(&id));
            InboxMsg::Page {
                id,
                result: api.get::<MessagePage>(&path).await,
            }
        });
    }

    /// The agent sees the open conversation: it is read up to its last
    /// message; the edge is told when it counted something unread.
    fn read_if_looking(&mut self) {
        // Not while the owner's pages are shown, nor from a hidden tab.
        if self.store.mode != Some(Mode::Agent) || self.view.page_hidden() {
            return;
        }
        let Some((id, seq)) = self.store.inbox.read_selected() else {
            return;
        };
        let Some(api) = self.agent_api() else { return };
        self.spawn(async move {
            let path = format!("/conversations/{}/read", encode(&id));
            let result = api.post::<()>(&path, &ReadBody { seq }).await;
            InboxMsg::ReadSaved { id, result }
        });
    }

    fn received(&mut self, conversation: Conversation, message: Message) {
        let id = conversation.id.clone();
        let title = conversation.title();
        let from_visitor = message.author == inbox::Author::Visitor;
        let text = message.text.clone();
        if from_visitor {
            self.store.typing.visitor_wrote(&id);
        }
        let was_mine = self.was_mine(&id);
        let new = self.store.inbox.receive(conversation, message);
        self.tell_if_assigned_to_me(&id, was_mine);
        self.save_outbox();
        if self.store.inbox.selected_id() == Some(id.as_str()) {
            self.catch_up(&id);
        }
        if new && from_visitor && self.store.sound {
            self.view.chime();
        }
        if new && from_visitor && self.view.page_hidden() {
            let body: String = text.chars().take(200).collect();
            self.view
                .notify(&format!("New message from {title}"), &body);
        }
        self.render_inbox();
    }

    fn reply(&mut self, conversation: String, text: String) {
        if self.store.inbox.selected_id() != Some(conversation.as_str()) {
            return;
        }
        let text = text.replace("\r\n", "\n");
        // "/shortcut": the saved reply goes into the box, to read and send.
        if let Some(saved) = text
            .trim()
            .strip_prefix('/')
            .and_then(|s| self.store.saved_replies.iter().find(|r| r.shortcut == s))
        {
            self.store.inbox.draft = saved.text.clone();
            self.store.inbox.reply_error = None;
            self.view.set_reply(&saved.text);
            return;
        }
        let text = match presenza_rules::validate_text(&text) {
            Ok(t) => t.to_owned(),
            Err(RuleError::EmptyMessage) => return,
            Err(e) => {
                self.store.inbox.reply_error = Some(describe(&e));
                self.store.inbox.draft = text;
                self.view.render_inbox(&self.store);
                return;
            }
        };
        let reply = Outgoing {
            conversation,
            client_id: format!("r_{}", persist::random_id()),
            text,
            at: clock::now(),
            failed: None,
        };
        let inbox = &mut self.store.inbox;
        inbox.reply_error = None;
        inbox.draft.clear();
        inbox.queue(reply.clone());
        self.store.typing.replied();
        self.save_outbox();
        self.view.clear_reply();
        self.send_reply(reply);
        self.view.render_inbox(&self.store);
    }

    /// Over the socket when it is up, else over HTTP.
    fn send_reply(&mut self, reply: Outgoing) {
        let sent = self
            .live
            .as_ref()
            .is_some_and(|l| l.is_open() && l.send(&reply_frame(&reply)));
        if !sent {
            self.post_replies(vec![reply]);
        }
    }

    /// Posts replies over HTTP one after the other (their order is kept);
    /// after a network failure the rest wait for the next chance.
    fn post_replies(&mut self, replies: Vec<Outgoing>) {
        let Some(api) = self.agent_api() else { return };
        let inbox = &mut self.store.inbox;
        let replies: Vec<Outgoing> = replies
            .into_iter()
            .filter(|r| inbox.posting.insert(r.client_id.clone()))
            .collect();
        if replies.is_empty() {
            return;
        }
        let tx = self.tx.clone();
        wasm_bindgen_futures::spawn_local(async move {
            let mut down: Option<ApiError> = None;
            for reply in replies {
                let result = match &down {
                    Some(e) => Err(e.clone()),
                    None => {
                        let path =
                            format!("/conversations/{}/messages", encode(&reply.conversation));
                        let body = ReplyBody {
                            client_id: reply.client_id.clone(),
                            text: reply.text.clone(),
                        };
                        api.post::<ReplySent>(&path, &body)
                            .await
                            .map(|sent| sent.message)
                    }
                };
                if let Err(e) = &result {
                    if transient(e) {
                        down = Some(e.clone());
                    }
                }
                tx.send(InboxMsg::Posted {
                    conversation: reply.conversation,
                    client_id: reply.client_id,
                    result,
                });
            }
        });
    }

    fn save_outbox(&self) {
        let inbox = &self.store.inbox;
        if !inbox.me.is_empty() {
            persist::save_outbox(self.store.site(), &inbox.me, &inbox.outbox);
        }
    }
}

/// The device socket's reply frame.
fn reply_frame(reply: &Outgoing) -> String {
    frame::to_text(&DeviceCommand::Reply {
        conversation_id: reply.conversation.clone(),
        client_id: reply.client_id.clone(),
        text: reply.text.clone(),
    })
}
