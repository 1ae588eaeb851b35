//! `GET team`: the owner's team socket. The owner's Agents page is live
//! through it: the whole team (every agent's view: status, devices, since
//! when) when it opens, then again whenever an agent's view changes (the
//! presence pipeline sends it with the agents' own pushes). It reads
//! nothing but `ping`; the owner key travels in a subprotocol, and rotating
//! the key closes it (4001).

use crate::auth;
use crate::bindings;
use crate::error::ApiError;
use crate::site::call::Call;
use crate::site::presence::Change;
use crate::site::state::Site;
use crate::sockets::{Attachment, Tag};
use presenza_protocol::frame::{self, OwnerEvent};
use presenza_protocol::id::hex;
use presenza_protocol::limits::MAX_TEAM_SOCKETS;
use worker::{Response, WebSocketPair};

pub async fn open(site: &Site, call: &Call<'_>) -> Result<Response, ApiError> {
    call.upgrade()?;
    if crate::sockets::count(&site.state, Tag::Owners) >= MAX_TEAM_SOCKETS {
        return Err(ApiError::too_many_connections(format!(
            "a site has at most {MAX_TEAM_SOCKETS} team sockets open"
        )));
    }
    let snap = site.settle(Change::Read, call.now).await?;
    let team = OwnerEvent::Team {
        agents: snap.published.agents.values().cloned().collect(),
    };
    let pair = WebSocketPair::new()?;
    let tag = Tag::Owners.name();
    site.state
        .accept_websocket_with_tags(&pair.server, &[tag.as_str()]);
    pair.server.serialize_attachment(Attachment::Owner {
        sid: hex(&bindings::random_bytes::<8>()),
    })?;
    pair.server.send_with_str(frame::to_text(&team))?;
    let mut resp = Response::from_websocket(pair.client)?;
    if let Some(p) = auth::chosen_protocol(call.header("Sec-WebSocket-Protocol").as_deref()) {
        resp.headers_mut().set("Sec-WebSocket-Protocol", p)?;
    }
    Ok(resp)
}
