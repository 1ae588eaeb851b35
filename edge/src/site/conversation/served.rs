//! Which conversations an agent serves: every decision is the rules'
//! `agent_serves` (through `Config::serves`).

use crate::error::ApiError;
use crate::site::config::Config;
use crate::site::state::Site;
use crate::sockets::{self, Tag};
use crate::store::{AgentRow, ConversationRow, InboxQuery};
use presenza_protocol::{ConversationId, GroupId};
use presenza_rules::StateFilter;
use worker::WebSocket;

/// The conversation if this agent serves it; 404 otherwise (its existence
/// is not revealed).
pub fn conversation(
    site: &Site,
    cfg: &Config,
    me: &AgentRow,
    id: &ConversationId,
) -> Result<ConversationRow, ApiError> {
    match site.store.conversation(id)? {
        Some(c) if cfg.serves(&me.groups, c.grp.as_ref()) => Ok(c),
        _ => Err(ApiError::conversation_not_found()),
    }
}

/// The stored groups this agent serves, and whether it serves
/// conversations without a group.
pub fn groups(site: &Site, cfg: &Config, me: &AgentRow) -> Result<(Vec<GroupId>, bool), ApiError> {
    let mut served = Vec::new();
    let mut none = false;
    for grp in site.store.conversation_groups()? {
        if cfg.serves(&me.groups, grp.as_ref()) {
            match grp {
                Some(g) => served.push(g),
                None => none = true,
            }
        }
    }
    Ok((served, none))
}

/// Conversations this agent serves that wait for a reply (the device
/// hello's `conversations_waiting`).
pub fn waiting(site: &Site, cfg: &Config, me: &AgentRow) -> Result<usize, ApiError> {
    let (groups, none) = groups(site, cfg, me)?;
    let rows = site.store.inbox(&InboxQuery {
        agent: &me.id,
        groups: &groups,
        none,
        filter: StateFilter::Open,
        after: None,
        limit: None,
        waiting_only: true,
    })?;
    Ok(rows
        .iter()
        .filter(|r| presenza_rules::waits(r.state, &r.counters()))
        .count())
}

/// An agent who serves a conversation, with its connected devices.
pub struct ServingAgent {
    pub agent: AgentRow,
    pub devices: Vec<WebSocket>,
}

/// The agents who serve `conv` and have a device connected.
pub fn devices(
    site: &Site,
    cfg: &Config,
    conv: &ConversationRow,
) -> Result<Vec<ServingAgent>, ApiError> {
    if sockets::count(&site.state, Tag::Devices) == 0 {
        return Ok(Vec::new());
    }
    let mut serving = Vec::new();
    for agent in site.store.agents()? {
        if !cfg.serves(&agent.groups, conv.grp.as_ref()) {
            continue;
        }
        let devices = sockets::with_tag(&site.state, Tag::Agent(&agent.id));
        if !devices.is_empty() {
            serving.push(ServingAgent { agent, devices });
        }
    }
    Ok(serving)
}
