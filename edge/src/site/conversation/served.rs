//! Which conversations an agent serves: every decision is the rules'
//! `agent_serves` (through `Config::serves`).

use crate::error::ApiError;
use crate::site::config::Config;
use crate::site::state::Site;
use crate::sockets::{self, Tag};
use crate::store::{AgentRow, ConversationRow, Served};
use presenza_protocol::{ConversationId, GroupId};
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

/// The groups an agent serves, for the inbox: every conversation for an
/// agent in no group of the site, else its groups' (the rules'
/// `agent_serves`, read without scanning conversations).
pub fn scope(cfg: &Config, me: &AgentRow) -> Vec<GroupId> {
    me.groups
        .iter()
        .filter(|g| cfg.groups.contains_key(*g))
        .cloned()
        .collect()
}

/// [`scope`] as the store's query takes it.
pub fn served(groups: &[GroupId]) -> Served<'_> {
    if groups.is_empty() {
        Served::All
    } else {
        Served::Groups(groups)
    }
}

/// Conversations this agent serves that wait for a reply (the device
/// hello's `conversations_waiting`).
pub fn waiting(site: &Site, cfg: &Config, me: &AgentRow) -> Result<usize, ApiError> {
    let groups = scope(cfg, me);
    Ok(site.store.waiting_count(served(&groups))?)
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
