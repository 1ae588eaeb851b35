//! Stored rows as the protocol's views.

use crate::domain::message::seq;
use crate::error::ApiError;
use crate::site::state::Site;
use crate::store::{ConversationRow, MessageRow, VisitorRow};
use presenza_protocol::view::{
    AgentRef, Closing, ConversationEnvelope, ConversationView, MessageView, VisitorView,
};
use presenza_protocol::AgentId;
use presenza_rules::ConversationState;

pub fn message(row: &MessageRow) -> MessageView {
    let agent = row.agent_id.as_ref().map(|id| AgentRef {
        id: id.clone(),
        name: row.agent_name.clone().unwrap_or_else(|| id.to_string()),
        picture: row.agent_picture.clone(),
    });
    MessageView::new(
        seq(row.seq),
        row.client_id.clone(),
        row.sender,
        agent,
        row.text.clone(),
        row.at,
        row.kind,
    )
    .about(row.subject.clone())
}

/// The agent a conversation is assigned to.
pub fn assignee(conv: &ConversationRow) -> Option<AgentRef> {
    conv.assignee_id.as_ref().map(|id| AgentRef {
        id: id.clone(),
        name: conv.assignee_name.clone().unwrap_or_else(|| id.to_string()),
        picture: conv.assignee_picture.clone(),
    })
}

pub fn messages(rows: &[MessageRow]) -> Vec<MessageView> {
    rows.iter().map(message).collect()
}

pub fn visitor(row: &VisitorRow) -> VisitorView {
    VisitorView {
        id: row.id.clone(),
        name: row.name.clone(),
        email: row.email.clone(),
    }
}

/// Whether it is closed, when and by whom (an open conversation has no
/// closing details).
pub fn closing(conv: &ConversationRow) -> Closing {
    match conv.state {
        ConversationState::Closed => Closing {
            state: ConversationState::Closed,
            closed_at: Some(conv.closed_at.unwrap_or(0)),
            closed_by: conv.closed_by_id.as_ref().map(|id| AgentRef {
                id: id.clone(),
                name: conv
                    .closed_by_name
                    .clone()
                    .unwrap_or_else(|| id.to_string()),
                picture: None,
            }),
        },
        ConversationState::Open => Closing::OPEN,
    }
}

/// The answer of an agent's change to a conversation (assign, close,
/// reopen): the conversation as that agent sees it now (an agent who
/// transferred it away still gets it once, here).
pub fn answer_to(
    site: &Site,
    conv: &ConversationRow,
    visitor: &VisitorRow,
    me: &AgentId,
) -> Result<worker::Response, ApiError> {
    let conversation = summary_for(site, conv, visitor, me)?;
    crate::respond::json(200, &ConversationEnvelope { conversation })
}

/// One conversation as `agent` sees it (its read mark, unread count).
pub fn summary_for(
    site: &Site,
    conv: &ConversationRow,
    visitor_row: &VisitorRow,
    agent: &AgentId,
) -> Result<ConversationView, ApiError> {
    let read = site.store.read_seq(&conv.id, agent)?;
    let after_read = site.store.visitor_messages_after(&conv.id, read)?;
    let last = site
        .store
        .messages_after(&conv.id, seq(conv.last_seq).saturating_sub(1), 1)?;
    Ok(ConversationView::new(
        conv.id.clone(),
        &conv.counters(read, after_read),
        conv.grp.clone(),
        visitor(visitor_row),
        last.first().map(message),
        seq(conv.last_seq),
        &closing(conv),
    )
    .assigned(assignee(conv)))
}
