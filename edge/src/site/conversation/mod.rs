//! Conversations, the machinery both sides share (contract:
//! `docs/conversations-api.md`): the views of stored rows, which
//! conversations an agent serves, and live delivery. The handlers are by
//! actor: visitors in [`super::visitor`], agents in [`super::inbox`].
//!
//! A message is a row in the site's SQLite (written in one transaction with
//! its conversation's counters) before anyone is told about it. Then it is
//! pushed to the visitor's authenticated `/live` sockets and to the device
//! sockets of every agent who serves the conversation. A client id makes
//! retries idempotent (per sender: the visitor, each agent). Every rule
//! (validation, rate window, who serves a conversation, inbox counters and
//! order, busy auto-reply, when contact details are required, closing and
//! reopening) comes from `presenza-rules`.

pub mod deliver;
pub mod served;
pub mod typing;
pub mod view;

use crate::error::ApiError;
use crate::site::state::Site;
use crate::store::{ConversationRow, MessageRow, VisitorRow};
use presenza_protocol::limits::MAX_PAGE_MESSAGES;
use presenza_protocol::ConversationId;

/// At most [`MAX_PAGE_MESSAGES`] messages after `after`, and whether more
/// follow (a visitor's thread, an agent's page, the socket's `messages`).
pub fn page(
    site: &Site,
    conversation: &ConversationId,
    after: u64,
) -> Result<(Vec<MessageRow>, bool), ApiError> {
    let mut rows = site
        .store
        .messages_after(conversation, after, MAX_PAGE_MESSAGES + 1)?;
    let more = rows.len() > MAX_PAGE_MESSAGES;
    rows.truncate(MAX_PAGE_MESSAGES);
    Ok((rows, more))
}

/// What storing a message produced.
pub struct Stored {
    pub conversation: ConversationRow,
    pub visitor: VisitorRow,
    /// The message sent (or, for a retry, the one stored before).
    pub message: MessageRow,
    /// false: an idempotent retry; nothing new was stored or pushed.
    pub created: bool,
    /// Messages the edge added after it (the busy auto-reply).
    pub automatic: Vec<MessageRow>,
    /// An agent's reply reopened the closed conversation (stored in the
    /// same transaction); everyone is told before the message.
    pub reopened: bool,
    /// A visitor's message left while nobody was online (contact details
    /// required): it is e-mailed to those who serve it.
    pub left: bool,
}

impl Stored {
    /// A retry of a message stored before: nothing new.
    pub fn retry(conversation: ConversationRow, visitor: VisitorRow, message: MessageRow) -> Self {
        Stored {
            conversation,
            visitor,
            message,
            created: false,
            automatic: Vec::new(),
            reopened: false,
            left: false,
        }
    }

    /// `201` for a new message, `200` for a retry.
    pub fn status(&self) -> u16 {
        if self.created {
            201
        } else {
            200
        }
    }
}
