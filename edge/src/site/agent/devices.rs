//! Signed-in devices (`agents/me/devices`): an agent signs a browser in once
//! with its token and the browser keeps a credential of its own, so the
//! 68-character token is pasted once, not every time a tab opens. Each
//! device is listed with its last use and revocable alone, by the agent or
//! by the owner (`agents/{id}/devices`); revoking closes its sockets (close
//! code 4001) and ends its sessions at once.

use crate::auth::{self, DEVICE_PREFIX};
use crate::bindings;
use crate::domain::text::display_name;
use crate::error::ApiError;
use crate::respond;
use crate::site::call::Call;
use crate::site::presence::Change;
use crate::site::state::Site;
use crate::sockets::{self, Tag};
use crate::store::{AgentRow, DeviceRow};
use presenza_protocol::body::DeviceBody;
use presenza_protocol::frame::close;
use presenza_protocol::limits::MAX_DEVICE_CREDENTIALS_PER_AGENT;
use presenza_protocol::view::{DeviceCreated, DeviceList, DeviceView};
use presenza_protocol::{AgentId, DeviceId};
use worker::Response;

/// `POST agents/me/devices`: a new device and its credential (201), with
/// the agent token only. Past the per-agent limit the device used longest
/// ago is revoked.
pub async fn add(
    site: &Site,
    call: &Call<'_>,
    me: &AgentRow,
    by: Option<&DeviceRow>,
) -> Result<Response, ApiError> {
    if by.is_some() {
        return Err(ApiError::agent_token_required());
    }
    let body = call.body.json::<DeviceBody>()?;
    let name = display_name("name", &body.name)?;
    let mut devices = site.store.devices_of(&me.id)?;
    while devices.len() >= MAX_DEVICE_CREDENTIALS_PER_AGENT {
        let Some(oldest) = devices.pop() else { break };
        end_device(site, &me.id, &oldest.id)?;
    }
    let id = DeviceId::from_random(&bindings::random_bytes());
    let credential = auth::make_token(DEVICE_PREFIX, &bindings::random_bytes());
    site.store
        .insert_device(&id, &me.id, &name, &auth::token_hash(&credential), call.now)?;
    site.settle(Change::AgentsChanged, call.now).await?;
    let device = DeviceView {
        id,
        name,
        created_at: call.now.into(),
        last_used_at: call.now.into(),
        live: false,
        current: false,
    };
    respond::json(201, &DeviceCreated { device, credential })
}

/// `GET agents/me/devices` and the owner's `GET agents/{id}/devices`.
pub fn list(
    site: &Site,
    agent: &AgentId,
    current: Option<&DeviceRow>,
) -> Result<Response, ApiError> {
    let sessions = site.store.sessions()?;
    let devices = site
        .store
        .devices_of(agent)?
        .into_iter()
        .map(|d| {
            let seen = sessions
                .iter()
                .filter(|s| s.agent_id == *agent && s.device_id.as_ref() == Some(&d.id))
                .map(|s| s.last_seen_ms)
                .max();
            DeviceView {
                current: current.is_some_and(|c| c.id == d.id),
                live: seen.is_some(),
                last_used_at: seen.unwrap_or(0).max(d.last_used_ms).into(),
                created_at: d.created_ms.into(),
                name: d.name,
                id: d.id,
            }
        })
        .collect();
    respond::json(200, &DeviceList { devices })
}

/// `DELETE agents/me/devices/{id}` and the owner's
/// `DELETE agents/{id}/devices/{device}`: 204, or 404 `device_not_found`.
pub async fn revoke(
    site: &Site,
    call: &Call<'_>,
    agent: &AgentId,
    device: &DeviceId,
) -> Result<Response, ApiError> {
    if !end_device(site, agent, device)? {
        return Err(ApiError::device_not_found());
    }
    site.settle(Change::AgentsChanged, call.now).await?;
    respond::no_content()
}

/// Deletes a device with its sessions and closes its sockets; whether it
/// existed. The caller settles presence.
fn end_device(site: &Site, agent: &AgentId, device: &DeviceId) -> Result<bool, ApiError> {
    let existed = site.store.delete_device(agent, device)?;
    for session in site.store.delete_device_sessions(agent, device)? {
        sockets::close_tag(
            &site.state,
            Tag::Session(agent, &session),
            close::REVOKED,
            "device signed out",
        );
    }
    site.presence.invalidate();
    Ok(existed)
}
