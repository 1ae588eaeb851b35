//! Live delivery: a stored message, a close or reopen, a moved read mark,
//! told to everyone concerned. Best effort: what is told is stored already,
//! and clients catch up from the API.

use super::served::{self, ServingAgent};
use super::view;
use super::Stored;
use crate::bindings;
use crate::domain::message::seq;
use crate::error::ApiError;
use crate::site::config::Config;
use crate::site::state::Site;
use crate::sockets::{self, Attachment, Tag};
use crate::store::{ConversationRow, MessageRow, VisitorRow};
use presenza_protocol::frame::{self, DeviceEvent, VisitorFrame};
use presenza_protocol::view::{AgentRef, ConversationView, MessageView};
use presenza_protocol::{AgentId, ConversationId, SessionId};
use std::collections::HashMap;

/// The socket a message came from, which gets an `ack` instead of the
/// pushed copy.
#[derive(Clone, Copy)]
pub enum Origin<'a> {
    Http,
    /// A visitor socket, by its socket id.
    VisitorSocket(&'a str),
    Device {
        agent: &'a AgentId,
        session: &'a SessionId,
    },
}

/// What changed in a conversation's state.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StateChange {
    Closed,
    Reopened,
}

/// Sends a frame to the visitor's authenticated sockets, except `skip`:
/// those on this object now (how many got it is the answer), those on
/// relays after the event (their answer clears the routes of relays that
/// had none, see `relays`).
pub(super) fn to_visitor(
    site: &Site,
    visitor: &VisitorRow,
    skip: Option<&str>,
    frame: &VisitorFrame,
) -> usize {
    let text = frame::to_text(frame);
    let here = bindings::send_to_visitor(
        &site.state,
        &Tag::Visitor(&visitor.id).name(),
        &Tag::UntaggedVisitor.name(),
        visitor.id.as_str(),
        &visitor.secret_hash,
        skip,
        &text,
    );
    let queued = site
        .relays
        .deliver(site, &visitor.id, &visitor.secret_hash, skip, &text);
    if let Err(e) = queued {
        worker::console_error!("deliver to relays: {e}");
    }
    here
}

/// Tells the visitor's widgets who their conversation's header shows now
/// (the agent who joined by an assignment, or one whose picture changed).
pub fn header(site: &Site, visitor: &VisitorRow, conversation: &ConversationId, agent: AgentRef) {
    let frame = VisitorFrame::Agent {
        conversation_id: conversation.clone(),
        agent,
    };
    to_visitor(site, visitor, None, &frame);
}

/// The widget's header shows the agent who joined by an assignment, with
/// their picture (the `assigned` note names them only).
pub fn joined(site: &Site, visitor: &VisitorRow, conversation: &ConversationId) {
    match site.store.conversation(conversation) {
        Ok(Some(row)) => {
            if let Some(agent) = view::assignee(&row) {
                header(site, visitor, conversation, agent);
            }
        }
        Ok(None) => {}
        Err(e) => worker::console_error!("joined: {e}"),
    }
}

/// Tells every visitor whose widget shows `agent` in its header (see
/// `Store::open_conversations_headed_by`) how the agent looks now: a new
/// or removed picture shows at once, not with the agent's next message.
pub fn header_everywhere(site: &Site, agent: &AgentRef) -> Result<(), ApiError> {
    for (conversation, visitor) in site.store.open_conversations_headed_by(&agent.id)? {
        if let Some(visitor) = site.store.visitor(&visitor)? {
            header(site, &visitor, &conversation, agent.clone());
        }
    }
    Ok(())
}

/// Pushes a stored message (and the automatic ones after it) to the
/// visitor's authenticated sockets and to the devices of every agent
/// serving the conversation; the socket it came from gets an ack instead.
/// Nothing is pushed for an idempotent retry. Answers how many of the
/// visitor's widgets on this object got the message; those on relays get
/// it after the event (whether any did is known then: `site::mail`).
pub fn message(
    site: &Site,
    cfg: &Config,
    stored: &Stored,
    origin: Origin<'_>,
) -> Result<usize, ApiError> {
    if !stored.created {
        return Ok(0);
    }
    let mut here = 0;
    let conv = &stored.conversation;
    let mut messages: Vec<(&MessageRow, bool)> = vec![(&stored.message, true)];
    messages.extend(stored.automatic.iter().map(|m| (m, false)));

    // The visitor's tabs.
    for (row, is_origin) in &messages {
        let skip = match origin {
            Origin::VisitorSocket(sid) if *is_origin => Some(sid),
            _ => None,
        };
        let frame = VisitorFrame::Message {
            conversation_id: conv.id.clone(),
            message: view::message(row),
        };
        let n = to_visitor(site, &stored.visitor, skip, &frame);
        if *is_origin {
            here = n;
        }
    }

    // The agents who serve it (those with a device connected).
    let serving = served::devices(site, cfg, conv)?;
    if serving.is_empty() {
        return Ok(here);
    }
    let reads = site.store.reads_of(&conv.id)?;
    let mut after_read: HashMap<u64, u64> = HashMap::new();
    let closing = view::closing(conv);
    for ServingAgent { agent, devices } in serving {
        let read = reads.get(&agent.id).copied().unwrap_or(0);
        let count = match after_read.get(&read) {
            Some(n) => *n,
            None => {
                let n = site.store.visitor_messages_after(&conv.id, read)?;
                after_read.insert(read, n);
                n
            }
        };
        let counters = conv.counters(read, count);
        for (row, is_origin) in &messages {
            let message: MessageView = view::message(row);
            let frame = frame::to_text(&DeviceEvent::Message {
                conversation: ConversationView::new(
                    conv.id.clone(),
                    &counters,
                    conv.grp.clone(),
                    view::visitor(&stored.visitor),
                    Some(message.clone()),
                    seq(conv.last_seq),
                    &closing,
                )
                .assigned(view::assignee(conv)),
                message,
            });
            match origin {
                Origin::Device {
                    agent: a,
                    session: s,
                } if *is_origin && *a == agent.id => {
                    for ws in &devices {
                        let own = matches!(
                            sockets::attachment(ws),
                            Some(Attachment::Agent { session, .. }) if session == *s
                        );
                        if !own {
                            let _ = ws.send_with_str(&frame);
                        }
                    }
                }
                _ => {
                    sockets::broadcast(&site.state, Tag::Agent(&agent.id), &frame);
                }
            }
        }
    }
    Ok(here)
}

/// After a close or reopen: the `conversation` frame to every device of
/// every agent who serves it, `closed` / `reopened` to the visitor's
/// sockets.
pub fn state(
    site: &Site,
    cfg: &Config,
    conv: &ConversationRow,
    visitor: &VisitorRow,
    change: StateChange,
) {
    let conversation_id = conv.id.clone();
    let frame = match change {
        StateChange::Closed => VisitorFrame::Closed { conversation_id },
        StateChange::Reopened => VisitorFrame::Reopened { conversation_id },
    };
    to_visitor(site, visitor, None, &frame);
    let serving = match served::devices(site, cfg, conv) {
        Ok(s) => s,
        Err(e) => {
            worker::console_error!("agents: {e}");
            return;
        }
    };
    for ServingAgent { agent, .. } in serving {
        match view::summary_for(site, conv, visitor, &agent.id) {
            Ok(conversation) => {
                let frame = frame::to_text(&DeviceEvent::Conversation { conversation });
                sockets::broadcast(&site.state, Tag::Agent(&agent.id), &frame);
            }
            Err(e) => worker::console_error!("summary: {e}"),
        }
    }
}

/// After an assignment or a transfer (`before` → `after`): the
/// `conversation` frame to every device of every agent who serves it now,
/// `transferred` to those of the agents who served it only before (out of
/// their inbox). The visitor hears of it through the stored notes.
pub fn assignment(
    site: &Site,
    cfg: &Config,
    before: &ConversationRow,
    after: &ConversationRow,
    visitor: &VisitorRow,
) {
    if sockets::count(&site.state, Tag::Devices) == 0 {
        return;
    }
    let agents = match site.store.agents() {
        Ok(a) => a,
        Err(e) => {
            worker::console_error!("agents: {e}");
            return;
        }
    };
    for agent in agents {
        let frame = if cfg.serves(&agent.groups, after.grp.as_ref()) {
            match view::summary_for(site, after, visitor, &agent.id) {
                Ok(conversation) => DeviceEvent::Conversation { conversation },
                Err(e) => {
                    worker::console_error!("summary: {e}");
                    continue;
                }
            }
        } else if cfg.serves(&agent.groups, before.grp.as_ref()) {
            DeviceEvent::Transferred {
                conversation_id: after.id.clone(),
            }
        } else {
            continue;
        };
        sockets::broadcast(&site.state, Tag::Agent(&agent.id), &frame::to_text(&frame));
    }
}

/// Tells every device of `agent` its read mark of a conversation is now
/// `mark`, with what is left unread after it (0 when read to the end), so
/// a second device clears its count without asking.
pub fn read_mark(
    site: &Site,
    agent: &AgentId,
    conversation: &ConversationId,
    mark: u64,
) -> Result<(), ApiError> {
    if sockets::count(&site.state, Tag::Agent(agent)) == 0 {
        return Ok(());
    }
    let unread = site.store.visitor_messages_after(conversation, mark)?;
    let frame = frame::to_text(&DeviceEvent::Read {
        conversation_id: conversation.clone(),
        seq: mark,
        unread,
    });
    sockets::broadcast(&site.state, Tag::Agent(agent), &frame);
    Ok(())
}
