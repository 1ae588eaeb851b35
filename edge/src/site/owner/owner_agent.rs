//! The owner answers chats too (`owner-agent`): `PUT` makes (201) or
//! updates (200) the agent the owner answers as, `DELETE` removes it, and
//! `POST owner-agent/devices` signs the owner's browser in as that agent
//! with the owner key alone, so a one-person shop signs in once. The
//! agent's id is `owner` (kept in `meta`); its own token is never shown:
//! the owner's devices sign in through the owner key.

use crate::auth;
use crate::bindings;
use crate::error::ApiError;
use crate::respond;
use crate::site::agent::devices;
use crate::site::call::Call;
use crate::site::config::Config;
use crate::site::presence::Change;
use crate::site::state::Site;
use crate::store::AgentRow;
use presenza_protocol::AgentId;
use worker::Response;

/// The id the owner's agent gets.
const OWNER_AGENT_ID: &str = "owner";

fn owner_agent_id(cfg: &Config) -> Result<AgentId, ApiError> {
    match &cfg.owner_agent {
        Some(id) => Ok(id.clone()),
        None => AgentId::parse(OWNER_AGENT_ID)
            .ok_or_else(|| ApiError::internal("the owner agent's id does not parse")),
    }
}

/// 404 `owner_not_agent` unless the owner answers chats.
fn existing(site: &Site, cfg: &Config) -> Result<AgentRow, ApiError> {
    let not_agent = || {
        ApiError::not_found(
            "owner_not_agent",
            "the owner answers no chats on this site: PUT owner-agent first",
        )
    };
    let id = cfg.owner_agent.as_ref().ok_or_else(not_agent)?;
    site.store.agent(id)?.ok_or_else(not_agent)
}

pub async fn put(site: &Site, cfg: &Config, call: &Call<'_>) -> Result<Response, ApiError> {
    let id = owner_agent_id(cfg)?;
    if cfg.owner_agent.is_none() && site.store.agent(&id)?.is_some() {
        return Err(ApiError::conflict(
            "agent_exists",
            format!("an agent `{id}` already exists: rename or delete it first"),
        ));
    }
    // The agent as any other (same checks, limits and answer), then kept as
    // the owner's. Its token is never shown: a new random one replaces the
    // one `agents::put` made, and nobody ever learns it.
    let resp = super::agents::put(site, cfg, call, &id).await?;
    if resp.status_code() == 201 {
        let unknown = auth::make_token(auth::AGENT_PREFIX, &bindings::random_bytes());
        site.store
            .set_token_hash(&id, &auth::token_hash(&unknown))?;
        site.store.set_owner_agent(Some(&id))?;
        site.config_changed();
        let snap = site.settle(Change::Read, call.now).await?;
        let view = snap
            .agent(&id)
            .cloned()
            .ok_or_else(|| ApiError::internal("agent missing after write"))?;
        return respond::json(201, &view);
    }
    Ok(resp)
}

pub async fn delete(site: &Site, cfg: &Config, call: &Call<'_>) -> Result<Response, ApiError> {
    let row = existing(site, cfg)?;
    site.store.set_owner_agent(None)?;
    site.config_changed();
    super::agents::delete(site, call, &row.id).await
}

pub async fn sign_in_device(
    site: &Site,
    cfg: &Config,
    call: &Call<'_>,
) -> Result<Response, ApiError> {
    let row = existing(site, cfg)?;
    devices::add(site, call, &row, None).await
}
