//! The inbox: selection, new messages (title and notification while the
//! tab is hidden), notification permission. Replies and loading the list
//! come with the conversation API step.

use crate::store::inbox::{Conversation, Message};

use super::Controller;

/// The conversations of the inbox.
#[derive(Debug)]
pub enum InboxMsg {
    OpenConversation(String),
    CloseConversation,
    Reply {
        conversation: String,
        text: String,
    },
    EnableNotifications,
    NotificationsAnswered,
    /// A new message in a conversation (from the device socket).
    Received {
        conversation: Conversation,
        message: Message,
    },
}

impl Controller {
    /// Handles an inbox message.
    pub(super) fn inbox(&mut self, msg: InboxMsg) {
        match msg {
            InboxMsg::OpenConversation(id) => {
                self.store.inbox.select(&id);
                self.view.render_inbox(&self.store);
                self.view.render_title(&self.store);
            }
            InboxMsg::CloseConversation => {
                self.store.inbox.deselect();
                self.view.render_inbox(&self.store);
            }
            InboxMsg::Reply { conversation, text } => {
                if self
                    .store
                    .inbox
                    .selected()
                    .is_none_or(|c| c.id != conversation)
                {
                    return;
                }
                self.store.inbox.draft = text;
                // Wired with the conversation API step: POST
                // conversations/{id}/messages {client_id, text} (or the
                // socket's {"type":"reply"}), keeping unacknowledged
                // replies by client_id to resend after a reconnect.
                self.store.inbox.reply_error =
                    Some("Replying is not available on this server yet.".into());
                self.view.render_inbox(&self.store);
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
            InboxMsg::Received {
                conversation,
                message,
            } => {
                let hidden = self.view.page_hidden();
                let visitor = conversation.title();
                let text = message.text.clone();
                if self.store.inbox.receive(conversation, message, !hidden) && hidden {
                    self.store.unseen += 1;
                    self.view
                        .notify(&format!("New message from {visitor}"), &text);
                }
                self.view.render_inbox(&self.store);
                self.view.render_title(&self.store);
            }
        }
    }
}
