//! `GET agents/me/session`: an agent's device socket. The device counts
//! while it pings (answered by the runtime; see the presence pipeline); it
//! gets a `hello` with its own status and every audience's, then every
//! change, and its conversations' frames.

use crate::auth;
use crate::bindings;
use crate::error::ApiError;
use crate::site::call::Call;
use crate::site::config::Config;
use crate::site::conversation::served;
use crate::site::presence::{Change, SessionRef};
use crate::site::state::Site;
use crate::sockets::{self, Attachment, Tag};
use crate::store::{AgentRow, SessionKind};
use presenza_protocol::frame::{self, ping_interval_secs, DeviceEvent, Hello};
use presenza_protocol::limits::{MAX_DEVICES_PER_AGENT, MAX_DEVICE_SOCKETS};
use presenza_protocol::DeviceId;
use presenza_protocol::SessionId;
use worker::{Response, WebSocketPair};

pub async fn open(
    site: &Site,
    cfg: &Config,
    call: &Call<'_>,
    me: &AgentRow,
    device: Option<&DeviceId>,
) -> Result<Response, ApiError> {
    call.upgrade()?;
    if sockets::count(&site.state, Tag::Devices) >= MAX_DEVICE_SOCKETS {
        return Err(ApiError::too_many_connections(format!(
            "a site has at most {MAX_DEVICE_SOCKETS} connected devices"
        )));
    }
    if sockets::count(&site.state, Tag::Agent(&me.id)) >= MAX_DEVICES_PER_AGENT {
        return Err(ApiError::too_many_connections(format!(
            "an agent has at most {MAX_DEVICES_PER_AGENT} connected devices"
        )));
    }
    let session = SessionId::device_from_random(&bindings::random_bytes());
    let seen = SessionRef {
        agent: &me.id,
        id: &session,
        kind: SessionKind::Device,
        device,
    };
    // Other devices hear about the change before this one is accepted, so
    // the new device starts from its hello, not from a duplicate push.
    let snap = site.settle(Change::SessionSeen(seen), call.now).await?;
    let agent = snap
        .agent(&me.id)
        .ok_or_else(ApiError::invalid_token)?
        .clone();
    let hello = DeviceEvent::Hello(Hello {
        session: session.clone(),
        agent,
        grace_period_secs: cfg.grace.secs(),
        ping_interval_secs: ping_interval_secs(cfg.grace),
        site: snap
            .audience(None)
            .cloned()
            .ok_or_else(|| ApiError::internal("no site audience"))?,
        groups: snap.published.groups.clone(),
        conversations_waiting: served::waiting(site, cfg, me)?,
        group_names: cfg.groups.clone(),
        site_name: cfg.name.clone(),
        saved_replies: cfg.saved_replies.clone(),
    });
    let pair = WebSocketPair::new()?;
    let tags = [
        Tag::Devices.name(),
        Tag::Agent(&me.id).name(),
        Tag::Session(&me.id, &session).name(),
    ];
    site.state
        .accept_websocket_with_tags(&pair.server, &tags.each_ref().map(String::as_str));
    pair.server.serialize_attachment(Attachment::Agent {
        agent: me.id.clone(),
        session,
    })?;
    pair.server.send_with_str(frame::to_text(&hello))?;
    let mut resp = Response::from_websocket(pair.client)?;
    if let Some(p) = auth::chosen_protocol(call.header("Sec-WebSocket-Protocol").as_deref()) {
        resp.headers_mut().set("Sec-WebSocket-Protocol", p)?;
    }
    Ok(resp)
}
