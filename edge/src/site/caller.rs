//! Who is calling: an agent token or the owner key, proved once here. An
//! agent operation's handler receives the caller's [`AgentRow`]; an owner
//! operation's an [`Owner`], which only this module makes.

use crate::auth;
use crate::error::ApiError;
use crate::route::AgentOp;
use crate::site::call::Call;
use crate::site::config::Config;
use crate::store::{AgentRow, Store};
use presenza_protocol::limits::MAX_TOKEN_LEN;

/// Proof that the owner key was presented.
pub struct Owner(());

enum Caller {
    Owner,
    Agent(AgentRow),
}

/// The calling agent; 403 `wrong_role` for the owner key.
pub fn agent(
    store: &Store,
    cfg: &Config,
    call: &Call<'_>,
    op: &AgentOp,
) -> Result<AgentRow, ApiError> {
    match authenticate(store, cfg, token(call, op).as_deref())? {
        Caller::Agent(row) => Ok(row),
        Caller::Owner => Err(ApiError::wrong_role("agent token")),
    }
}

/// The owner; 403 `wrong_role` for an agent token.
pub fn owner(store: &Store, cfg: &Config, call: &Call<'_>) -> Result<Owner, ApiError> {
    let token = auth::bearer(call.header("Authorization").as_deref()).map(str::to_string);
    match authenticate(store, cfg, token.as_deref())? {
        Caller::Owner => Ok(Owner(())),
        Caller::Agent(_) => Err(ApiError::wrong_role("owner key")),
    }
}

/// The credential: `Authorization: Bearer`, or for the device socket also
/// the `presenza.token.<token>` subprotocol (browsers cannot set headers on
/// WebSockets).
fn token(call: &Call<'_>, op: &AgentOp) -> Option<String> {
    if let Some(t) = auth::bearer(call.header("Authorization").as_deref()) {
        return Some(t.to_string());
    }
    if *op != AgentOp::Session {
        return None;
    }
    auth::token_from_protocols(call.header("Sec-WebSocket-Protocol").as_deref()).map(str::to_string)
}

/// Hashes are compared in constant time; an unknown token is 401.
fn authenticate(store: &Store, cfg: &Config, token: Option<&str>) -> Result<Caller, ApiError> {
    let token = token.ok_or_else(ApiError::missing_token)?;
    if token.len() > MAX_TOKEN_LEN {
        return Err(ApiError::invalid_token());
    }
    let hash = auth::token_hash(token);
    if auth::constant_time_eq(hash.as_bytes(), cfg.owner_hash.as_bytes()) {
        return Ok(Caller::Owner);
    }
    match store.agent_by_token_hash(&hash)? {
        Some(row) if auth::constant_time_eq(row.token_hash.as_bytes(), hash.as_bytes()) => {
            Ok(Caller::Agent(row))
        }
        _ => Err(ApiError::invalid_token()),
    }
}
