//! `POST conversations/{id}/close` and `/reopen`. Closing adds a system
//! message the visitor sees and moves the conversation out of the open
//! inbox (idempotent: a closed one stays as it is); the visitor's next
//! message starts a new conversation. Reopening is 409 when the visitor has
//! another open conversation; an open one stays as it is.

use crate::bindings;
use crate::domain::message::{seq, ClientKey, CLOSED_CLIENT_ID};
use crate::error::ApiError;
use crate::site::call::Call;
use crate::site::config::Config;
use crate::site::conversation::deliver::{self, Origin, StateChange};
use crate::site::conversation::{served, view, Stored};
use crate::site::state::Site;
use crate::store::{AgentRow, ConversationRow, MessageRow, VisitorRow};
use presenza_protocol::ConversationId;
use presenza_rules::{
    close_outcome, closed_message, reopen_outcome, CloseOutcome, ConversationState, MessageKind,
    ReopenOutcome, Sender,
};
use worker::Response;

pub fn close(
    site: &Site,
    cfg: &Config,
    call: &Call<'_>,
    me: &AgentRow,
    id: &ConversationId,
) -> Result<Response, ApiError> {
    let conv = served::conversation(site, cfg, me, id)?;
    let visitor = visitor_of(site, &conv)?;
    if close_outcome(conv.state) == CloseOutcome::AlreadyClosed {
        return view::answer_to(site, &conv, &visitor, &me.id);
    }
    let now = call.now;
    let stored = bindings::transaction(&site.state, || {
        let mut conv = conv.clone();
        conv.last_seq += 1;
        conv.updated_at = now;
        conv.state = ConversationState::Closed;
        conv.closed_at = Some(now);
        conv.closed_by_id = Some(me.id.clone());
        conv.closed_by_name = Some(me.name.clone());
        let message = MessageRow {
            seq: conv.last_seq,
            client_id: CLOSED_CLIENT_ID.to_string(),
            sender: Sender::System,
            agent_id: None,
            agent_name: None,
            text: closed_message(&me.name),
            at: now,
            kind: Some(MessageKind::Closed),
            subject: None,
            agent_picture: None,
        };
        site.store
            .insert_message(&conv.id, &ClientKey::Closed(seq(conv.last_seq)), &message)?;
        site.store.save_conversation(&conv)?;
        site.store.save_conversation_state(&conv)?;
        Ok::<_, crate::store::StoreError>(Stored {
            conversation: conv,
            visitor: visitor.clone(),
            message,
            created: true,
            automatic: Vec::new(),
            reopened: false,
            left: false,
        })
    })?;
    // Stored: what follows only tells others.
    if let Err(e) = deliver::message(site, cfg, &stored, Origin::Http) {
        worker::console_error!("deliver: {e}");
    }
    deliver::state(
        site,
        cfg,
        &stored.conversation,
        &stored.visitor,
        StateChange::Closed,
    );
    view::answer_to(site, &stored.conversation, &stored.visitor, &me.id)
}

pub fn reopen(
    site: &Site,
    cfg: &Config,
    me: &AgentRow,
    id: &ConversationId,
) -> Result<Response, ApiError> {
    let mut conv = served::conversation(site, cfg, me, id)?;
    let visitor = visitor_of(site, &conv)?;
    let other_open = site
        .store
        .visitor_has_other_open(&conv.visitor_id, &conv.id)?;
    match reopen_outcome(conv.state, other_open) {
        ReopenOutcome::AlreadyOpen => view::answer_to(site, &conv, &visitor, &me.id),
        ReopenOutcome::Conflict => Err(ApiError::conversation_conflict()),
        ReopenOutcome::Reopen => {
            conv.reopen();
            site.store.save_conversation_state(&conv)?;
            deliver::state(site, cfg, &conv, &visitor, StateChange::Reopened);
            view::answer_to(site, &conv, &visitor, &me.id)
        }
    }
}

fn visitor_of(site: &Site, conv: &ConversationRow) -> Result<VisitorRow, ApiError> {
    site.store
        .visitor(&conv.visitor_id)?
        .ok_or_else(|| ApiError::internal("conversation without visitor"))
}
