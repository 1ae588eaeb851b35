//! Typing indicators, both ways (`typing` frames): never stored, told only
//! to whom they concern, and nothing when nobody is there to see them.
//!
//! - A visitor's widget (`VisitorCommand::Typing`, after `auth`): the
//!   devices of the agents serving that visitor's open conversation get
//!   `DeviceEvent::Typing`. No open conversation, or no serving agent
//!   connected: nothing is sent.
//! - An agent's device (`DeviceCommand::Typing`) for a conversation it
//!   serves and that is open: the visitor's widgets get
//!   `VisitorFrame::Typing` with the agent's name (those on this object
//!   now, those on relays where the visitor has a tab after the event, as
//!   for a message).
//!
//! Budgets are checked before (`budget::Budgets::typing`): on a relay for
//! its widgets, on this object for its own sockets.

use super::deliver;
use super::served;
use crate::error::ApiError;
use crate::site::state::Site;
use crate::sockets::{self, Tag, VisitorSocket};
use presenza_protocol::frame::{self, DeviceEvent, VisitorFrame};
use presenza_protocol::{AgentId, ConversationId};
use presenza_rules::ConversationState;

/// A widget's `typing`: to the devices of the agents serving its visitor's
/// open conversation. One from a socket that did not authenticate is
/// dropped (as a relay drops it), without an error frame: the widget's
/// answer to `invalid_visitor` is a new identity, which a typing race
/// must never cause.
pub fn from_visitor(site: &Site, socket: &VisitorSocket, typing: bool) -> Result<(), ApiError> {
    let (Some(id), Some(key)) = (&socket.visitor, &socket.key) else {
        return Ok(());
    };
    if sockets::count(&site.state, Tag::Devices) == 0 {
        return Ok(());
    }
    // A socket that claimed an id with another secret tells nobody.
    let Some(visitor) = site.store.visitor(id)?.filter(|v| v.secret_hash == *key) else {
        return Ok(());
    };
    let Some(conv) = site.store.open_conversation_of_visitor(&visitor.id)? else {
        return Ok(());
    };
    let cfg = site.config()?;
    let text = frame::to_text(&DeviceEvent::Typing {
        conversation_id: conv.id.clone(),
        typing,
    });
    for serving in served::devices(site, &cfg, &conv)? {
        for ws in serving.devices {
            let _ = ws.send_with_str(&text);
        }
    }
    Ok(())
}

/// A device's `typing` in `conversation_id`: to that conversation's
/// visitor's widgets, if this agent serves it and it is open (404 as for a
/// reply otherwise).
pub fn from_agent(
    site: &Site,
    agent: &AgentId,
    conversation_id: &str,
    typing: bool,
) -> Result<(), ApiError> {
    let cfg = site.config()?;
    let me = site
        .store
        .agent(agent)?
        .ok_or_else(ApiError::invalid_token)?;
    let id = ConversationId::parse(conversation_id).ok_or_else(ApiError::conversation_not_found)?;
    let conv = served::conversation(site, &cfg, &me, &id)?;
    if conv.state != ConversationState::Open {
        return Ok(());
    }
    let Some(visitor) = site.store.visitor(&conv.visitor_id)? else {
        return Ok(());
    };
    let name = if me.name.trim().is_empty() {
        me.id.to_string()
    } else {
        me.name.clone()
    };
    let frame = VisitorFrame::Typing {
        conversation_id: conv.id,
        agent: name,
        typing,
    };
    deliver::to_visitor(site, &visitor, None, &frame);
    Ok(())
}
