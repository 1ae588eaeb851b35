//! `GET live?group=&visitor=`: a widget's socket. It gets its audience's
//! status at once and on every change; pings are answered by the runtime
//! without waking the object. With `?visitor=` it is tagged with the
//! visitor, so the conversation frames of that visitor reach it once an
//! `auth` frame proves the secret ([`super::socket`]).

use crate::bindings;
use crate::domain::context::{Client, GEO_HEADER};
use crate::error::ApiError;
use crate::site::call::Call;
use crate::site::config::Config;
use crate::site::presence::Change;
use crate::site::state::Site;
use crate::sockets::{self, Attachment, Tag, VisitorSocket};
use presenza_protocol::frame::{self, VisitorEvent};
use presenza_protocol::id::hex;
use presenza_protocol::{GroupId, VisitorId};
use worker::{Response, WebSocketPair};

pub async fn open(
    site: &Site,
    cfg: &Config,
    call: &Call<'_>,
    group: Option<GroupId>,
    visitor: Option<VisitorId>,
) -> Result<Response, ApiError> {
    cfg.check_group(group.as_ref())?;
    call.widget_origin_allowed()?;
    call.upgrade()?;
    let snap = site.settle(Change::Read, call.now).await?;
    let status = snap
        .audience(group.as_ref())
        .ok_or_else(|| ApiError::unknown_group(group.as_ref().map_or("", GroupId::as_str)))?;
    let hello = frame::to_text(&VisitorEvent::Status(status.clone()));
    let pair = WebSocketPair::new()?;
    let address = call.address_key(&cfg.site_id);
    let mut tags = vec![
        Tag::Visitors.name(),
        Tag::Audience(group.as_ref()).name(),
        visitor
            .as_ref()
            .map_or(Tag::UntaggedVisitor, Tag::Visitor)
            .name(),
    ];
    // No await from here to the accept: the limits hold.
    if let Some(key) = &address {
        let limit = cfg.limits.sockets_per_address;
        if sockets::count(&site.state, Tag::Address(key)) >= limit as usize {
            return Err(ApiError::too_many_connections(format!(
                "at most {limit} open chat widgets per network address on this site"
            )));
        }
        tags.push(Tag::Address(key).name());
    }
    site.tallies.admit_visitor(&site.state, &site.store)?;
    let tags: Vec<&str> = tags.iter().map(String::as_str).collect();
    site.state.accept_websocket_with_tags(&pair.server, &tags);
    site.tallies.visitor_opened();
    pair.server
        .serialize_attachment(Attachment::Visitor(VisitorSocket {
            group,
            sid: Some(hex(&bindings::random_bytes::<8>())),
            tagged: visitor,
            origin: call.header("Origin").filter(|o| !o.is_empty()),
            address,
            client: Client::from_request(
                call.header("User-Agent").as_deref(),
                call.header(GEO_HEADER).as_deref(),
            ),
            ..VisitorSocket::default()
        }))?;
    pair.server.send_with_str(&hello)?;
    Ok(Response::from_websocket(pair.client)?)
}
