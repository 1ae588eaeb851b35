//! Agents (`agents`, `agents/{id}`, `agents/{id}/token`,
//! `agents/{id}/offline`): who answers, in which groups. An agent's token
//! is shown once, when it is created or rotated; deleting an agent or
//! rotating its token ends its sessions, revokes its signed-in devices and
//! closes its sockets (close code 4001).

use crate::auth::{self, AGENT_PREFIX};
use crate::bindings;
use crate::domain::agent::AgentInput;
use crate::error::ApiError;
use crate::respond;
use crate::site::call::Call;
use crate::site::config::Config;
use crate::site::presence::{Change, Snapshot};
use crate::site::state::Site;
use crate::sockets::{self, Tag};
use presenza_protocol::body::AgentBody;
use presenza_protocol::frame::close;
use presenza_protocol::limits::DEFAULT_MAX_AGENTS_PER_SITE;
use presenza_protocol::view::{AgentList, AgentView};
use presenza_protocol::{AgentId, GroupId};
use worker::Response;

pub async fn list(site: &Site, call: &Call<'_>) -> Result<Response, ApiError> {
    let snap = site.settle(Change::Read, call.now).await?;
    let agents = snap.published.agents.values().cloned().collect();
    respond::json(200, &AgentList { agents })
}

pub async fn get(site: &Site, call: &Call<'_>, id: &AgentId) -> Result<Response, ApiError> {
    let snap = site.settle(Change::Read, call.now).await?;
    let view = snap
        .agent(id)
        .ok_or_else(|| ApiError::agent_not_found(id.as_str()))?;
    respond::json(200, view)
}

/// Creates (201, with its token) or updates (200) an agent.
pub async fn put(
    site: &Site,
    cfg: &Config,
    call: &Call<'_>,
    id: &AgentId,
) -> Result<Response, ApiError> {
    let input = AgentInput::parse(call.body.json::<AgentBody>()?)?;
    let names: Vec<String> = input.groups.iter().map(GroupId::to_string).collect();
    cfg.rules
        .check_agent_groups(&names)
        .map_err(|e| ApiError::from_rule(&e))?;
    let token = if let Some(row) = site.store.agent(id)? {
        if row.groups != input.groups {
            // Other schedules may cover it now: what switch hours chose
            // is kept first, so moving it is not a status change.
            site.keep_hours_choices(cfg, call.now)?;
        }
        site.store.update_agent(id, &input)?;
        None
    } else {
        let max = site.env_usize("MAX_AGENTS_PER_SITE", DEFAULT_MAX_AGENTS_PER_SITE);
        if site.store.agent_count()? >= max {
            return Err(ApiError::conflict(
                "limit_reached",
                format!("a site has at most {max} agents"),
            ));
        }
        let token = new_token();
        site.store
            .insert_agent(id, &input, &auth::token_hash(&token), call.now)?;
        Some(token)
    };
    let snap = site.settle(Change::AgentsChanged, call.now).await?;
    let status = if token.is_some() { 201 } else { 200 };
    respond::json(status, &with_token(&snap, id, token)?)
}

/// Revokes an agent: its token, sessions and sockets.
pub async fn delete(site: &Site, call: &Call<'_>, id: &AgentId) -> Result<Response, ApiError> {
    if !site.store.delete_agent(id)? {
        return Err(ApiError::agent_not_found(id.as_str()));
    }
    sockets::close_tag(&site.state, Tag::Agent(id), close::REVOKED, "agent revoked");
    site.settle(Change::AgentsChanged, call.now).await?;
    respond::no_content()
}

/// A new token; the old one stops working at once, and the sessions and
/// sockets opened with it end.
pub async fn rotate_token(
    site: &Site,
    call: &Call<'_>,
    id: &AgentId,
) -> Result<Response, ApiError> {
    if site.store.agent(id)?.is_none() {
        return Err(ApiError::agent_not_found(id.as_str()));
    }
    let token = new_token();
    site.store.set_token_hash(id, &auth::token_hash(&token))?;
    site.store.delete_sessions_of(id)?;
    // Its signed-in devices were signed in with the old token.
    site.store.delete_devices_of(id)?;
    sockets::close_tag(&site.state, Tag::Agent(id), close::REVOKED, "token rotated");
    let snap = site.settle(Change::AgentsChanged, call.now).await?;
    respond::json(200, &with_token(&snap, id, Some(token))?)
}

/// 404 `agent_not_found` unless the agent exists.
pub fn exists(site: &Site, id: &AgentId) -> Result<(), ApiError> {
    match site.store.agent(id)? {
        Some(_) => Ok(()),
        None => Err(ApiError::agent_not_found(id.as_str())),
    }
}

/// `POST agents/{id}/offline`: the owner sets a forgetful agent offline, as
/// if it had chosen offline itself (its devices show it; it may go online
/// again). Answers the agent's view.
pub async fn set_offline(site: &Site, call: &Call<'_>, id: &AgentId) -> Result<Response, ApiError> {
    exists(site, id)?;
    let snap = site.settle(Change::SetOffline(id), call.now).await?;
    respond::json(200, &with_token(&snap, id, None)?)
}

fn new_token() -> String {
    auth::make_token(AGENT_PREFIX, &bindings::random_bytes())
}

/// The agent as the owner sees it, with its token when just made.
fn with_token(snap: &Snapshot, id: &AgentId, token: Option<String>) -> Result<AgentView, ApiError> {
    let mut view = snap
        .agent(id)
        .cloned()
        .ok_or_else(|| ApiError::internal("agent missing after write"))?;
    view.token = token;
    Ok(view)
}
