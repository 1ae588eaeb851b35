//! Who is calling: an agent token, a signed-in device's credential or the
//! owner key, proved once here. An agent operation's handler receives the
//! caller's [`AgentRow`] (and the [`DeviceRow`] when a device credential
//! was presented); an owner operation's an [`Owner`], which only this
//! module makes.

use crate::auth;
use crate::error::ApiError;
use crate::route::{AgentOp, OwnerOp};
use crate::site::call::Call;
use crate::site::config::Config;
use crate::store::{AgentRow, DeviceRow, Store};
use presenza_protocol::limits::MAX_TOKEN_LEN;

/// Proof that the owner key was presented.
pub struct Owner(());

/// An authenticated agent: its row, and the device whose credential it
/// used (`None`: the agent token itself).
pub struct AgentCaller {
    pub row: AgentRow,
    pub device: Option<DeviceRow>,
}

enum Caller {
    Owner,
    Agent(AgentCaller),
}

/// The calling agent; 403 `wrong_role` for the owner key.
pub fn agent(
    store: &Store,
    cfg: &Config,
    call: &Call<'_>,
    op: &AgentOp,
) -> Result<AgentCaller, ApiError> {
    let socket = *op == AgentOp::Session;
    match authenticate(store, cfg, token(call, socket).as_deref(), call.now)? {
        Caller::Agent(agent) => Ok(agent),
        Caller::Owner => Err(ApiError::wrong_role("agent token")),
    }
}

/// The owner; 403 `wrong_role` for an agent token.
pub fn owner(
    store: &Store,
    cfg: &Config,
    call: &Call<'_>,
    op: &OwnerOp,
) -> Result<Owner, ApiError> {
    let socket = *op == OwnerOp::Team;
    match authenticate(store, cfg, token(call, socket).as_deref(), call.now)? {
        Caller::Owner => Ok(Owner(())),
        Caller::Agent(_) => Err(ApiError::wrong_role("owner key")),
    }
}

/// The credential: `Authorization: Bearer`, or for a socket (the device
/// socket, the owner's team socket) also the `presenza.token.<token>`
/// subprotocol (browsers cannot set headers on WebSockets).
fn token(call: &Call<'_>, socket: bool) -> Option<String> {
    if let Some(t) = auth::bearer(call.header("Authorization").as_deref()) {
        return Some(t.to_string());
    }
    if !socket {
        return None;
    }
    auth::token_from_protocols(call.header("Sec-WebSocket-Protocol").as_deref()).map(str::to_string)
}

/// Hashes are compared in constant time; an unknown token is 401. A device
/// credential's use is recorded (at most once a minute).
fn authenticate(
    store: &Store,
    cfg: &Config,
    token: Option<&str>,
    now: i64,
) -> Result<Caller, ApiError> {
    let token = token.ok_or_else(ApiError::missing_token)?;
    if token.len() > MAX_TOKEN_LEN {
        return Err(ApiError::invalid_token());
    }
    let hash = auth::token_hash(token);
    if auth::constant_time_eq(hash.as_bytes(), cfg.owner_hash.as_bytes()) {
        return Ok(Caller::Owner);
    }
    if token.starts_with(auth::DEVICE_PREFIX) {
        let device = store
            .device_by_token_hash(&hash)?
            .filter(|d| auth::constant_time_eq(d.token_hash.as_bytes(), hash.as_bytes()))
            .ok_or_else(ApiError::invalid_token)?;
        let row = store
            .agent(&device.agent_id)?
            .ok_or_else(ApiError::invalid_token)?;
        store.device_used(&device, now)?;
        return Ok(Caller::Agent(AgentCaller {
            row,
            device: Some(device),
        }));
    }
    match store.agent_by_token_hash(&hash)? {
        Some(row) if auth::constant_time_eq(row.token_hash.as_bytes(), hash.as_bytes()) => {
            Ok(Caller::Agent(AgentCaller { row, device: None }))
        }
        _ => Err(ApiError::invalid_token()),
    }
}
