//! A relay's widget sockets: opening one (answered from the snapshot the
//! relay holds, checked as the site's object would: the group, the origin,
//! the per-address limit), and their frames (`ping` answered by the runtime;
//! `auth`, `send` and `typing` checked against the socket's budget, parsed,
//! then forwarded to the site, whose answer goes back to the socket). A
//! `typing` from a socket that has not authenticated, or past the socket's
//! typing bucket, is dropped here: the site is not woken for it.

use super::state::Relay;
use crate::bindings::{self, now_ms};
use crate::budget::Limits;
use crate::cors;
use crate::domain::address::ClientAddress;
use crate::domain::context::{Client, GEO_HEADER};
use crate::domain::message::frame_client_id;
use crate::error::ApiError;
use crate::objects::{self, Answer};
use crate::relaying::{self, ForwardedFrame, FrameAnswer, RelayName};
use crate::request::{self, header};
use crate::respond;
use crate::route::{Forwarded, SiteOp, VisitorOp, FORWARDED_HEADER};
use crate::sockets::{self, Attachment, Tag, VisitorSocket};
use presenza_protocol::frame::{VisitorCommand, PING, PONG};
use presenza_protocol::id::hex;
use presenza_protocol::view::VisitorLimits;
use worker::{Request, Response, WebSocket, WebSocketIncomingMessage, WebSocketPair};

/// The header naming the relay a Worker sends a socket to.
pub const RELAY_HEADER: &str = "X-Presenza-Relay";
/// The error code of a relay that is full, and the header that says so to
/// the Worker with the shard to try (empty: none left).
pub const RELAY_FULL: &str = "relay_full";
pub const RELAY_FULL_HEADER: &str = "X-Presenza-Relay-Full";

/// `GET live` as the Worker forwarded it here.
pub async fn open(relay: &Relay, req: &Request) -> Result<Response, ApiError> {
    let name = header(req, RELAY_HEADER)
        .and_then(|n| RelayName::parse(&n))
        .ok_or_else(ApiError::route_not_found)?;
    let Some(Forwarded {
        site,
        op: SiteOp::Visitor(VisitorOp::Live { group, visitor }),
    }) = Forwarded::decode(header(req, FORWARDED_HEADER).as_deref())
    else {
        return Err(ApiError::route_not_found());
    };
    if site != name.site {
        return Err(ApiError::route_not_found());
    }
    if !request::is_upgrade(req) {
        return Err(ApiError::UpgradeRequired);
    }
    relay.name(Some(&name))?;
    let own_origin = relay.own_origin(Some(&req.url()?.origin().ascii_serialization()))?;
    // The first socket registers the relay with the site (and gets the
    // current snapshot); a woken relay checks its snapshot first.
    if relay.sockets() == 0 || relay.unchecked() || relay.snapshot()?.version == 0 {
        if let Err(refused) = relay.sync().await? {
            return Ok(refused);
        }
    }
    let snapshot = relay.snapshot()?;
    let status = snapshot
        .audience(group.as_ref())
        .ok_or_else(|| ApiError::unknown_group(group.as_ref().map_or("", |g| g.as_str())))?
        .to_string();
    let origin = header(req, "Origin").filter(|o| !o.is_empty());
    if !cors::decide(origin.as_deref(), &own_origin, Some(&snapshot.origins)).allowed() {
        return Err(ApiError::widget_origin_not_allowed());
    }
    // No await from here to the accept: the limits hold.
    let open = relay.sockets();
    if open >= relay.max_sockets() {
        let full = ApiError::unavailable(RELAY_FULL, "this relay holds as many widgets as it may");
        // The Worker tries the shard this says.
        let next = relaying::next_shard(&name, &snapshot).map_or(String::new(), |s| s.to_string());
        return Ok(respond::error(&full, &[(RELAY_FULL_HEADER, next)])?);
    }
    let address =
        ClientAddress::parse(header(req, "CF-Connecting-IP").as_deref()).map(|a| a.key(&site));
    let mut tags = vec![
        Tag::Visitors.name(),
        Tag::Audience(group.as_ref()).name(),
        visitor
            .as_ref()
            .map_or(Tag::UntaggedVisitor, Tag::Visitor)
            .name(),
    ];
    if let Some(key) = &address {
        // 0: a snapshot from before the limit was carried.
        let limit = match snapshot.sockets_per_address {
            0 => VisitorLimits::default().sockets_per_address,
            n => n,
        };
        if sockets::count(&relay.state, Tag::Address(key)) >= limit as usize {
            return Err(ApiError::too_many_connections(format!(
                "at most {limit} open chat widgets per network address on this site"
            )));
        }
        tags.push(Tag::Address(key).name());
    }
    let pair = WebSocketPair::new()?;
    let tags: Vec<&str> = tags.iter().map(String::as_str).collect();
    relay.state.accept_websocket_with_tags(&pair.server, &tags);
    relay.socket_opened();
    pair.server
        .serialize_attachment(Attachment::Visitor(VisitorSocket {
            group,
            sid: Some(hex(&bindings::random_bytes::<8>())),
            tagged: visitor,
            origin,
            address,
            client: Client::from_request(
                header(req, "User-Agent").as_deref(),
                header(req, GEO_HEADER).as_deref(),
            ),
            ..VisitorSocket::default()
        }))?;
    pair.server.send_with_str(&status)?;
    if open == 0 {
        relay.ensure_alarm(now_ms()).await?;
    }
    Ok(Response::from_websocket(pair.client)?)
}

/// A frame from one of the relay's widget sockets.
pub async fn message(relay: &Relay, ws: &WebSocket, message: WebSocketIncomingMessage) {
    let now = now_ms();
    let Some(mut socket) = sockets::visitor(ws) else {
        return;
    };
    let key = socket.budget_key();
    let len = match &message {
        WebSocketIncomingMessage::String(t) => t.len(),
        WebSocketIncomingMessage::Binary(b) => b.len(),
    };
    if let Err(overrun) = relay.budgets.frame(&key, Limits::VISITOR, len, now) {
        return relay.close_over_budget(ws, &key, overrun).await;
    }
    let WebSocketIncomingMessage::String(text) = message else {
        let refused = ApiError::bad_request("invalid_message", "send text frames");
        return sockets::refuse(ws, &refused, None, None);
    };
    if text.trim() == PING {
        let _ = ws.send_with_str(PONG);
        return;
    }
    let command = match sockets::visitor_command(&text) {
        Ok(c) => c,
        Err(e) => return sockets::refuse(ws, &e, frame_client_id(&text), None),
    };
    if matches!(command, VisitorCommand::Auth { .. }) {
        if let Err(overrun) = relay.budgets.auth(&key, Limits::VISITOR, now) {
            return relay.close_over_budget(ws, &key, overrun).await;
        }
    }
    if matches!(command, VisitorCommand::Typing { .. })
        && (socket.visitor.is_none() || !relay.budgets.typing(&key, Limits::VISITOR, now))
    {
        return;
    }
    match forward(relay, &socket, text.clone()).await {
        Ok(answer) => {
            if answer.socket != socket {
                socket = answer.socket;
                let _ = ws.serialize_attachment(Attachment::Visitor(socket));
            }
            for frame in answer.frames {
                let _ = ws.send_with_str(frame);
            }
        }
        Err(e) => {
            worker::console_error!("relay: forwarding a frame: {e}");
            let unavailable = ApiError::unavailable(
                "unavailable",
                "the chat is unreachable for a moment; send it again",
            );
            sockets::refuse(ws, &unavailable, frame_client_id(&text), None);
        }
    }
}

/// The site runs the frame (a woken relay checks its snapshot first).
async fn forward(
    relay: &Relay,
    socket: &VisitorSocket,
    text: String,
) -> Result<FrameAnswer, ApiError> {
    if relay.unchecked() {
        let _ = relay.sync().await?;
    }
    let name = relay
        .name(None)?
        .ok_or_else(|| ApiError::internal("a relay without a name has a socket"))?;
    let stub = objects::site(relay.env(), &name.site)?;
    let fwd = ForwardedFrame {
        relay: name,
        socket: socket.clone(),
        text,
    };
    match objects::call(&stub, "relay-frame", &fwd).await? {
        Answer::Ok(answer) => Ok(answer),
        Answer::Refused(resp) => Err(ApiError::internal(format!(
            "the site refused a frame: {}",
            resp.status_code()
        ))),
    }
}

/// A socket closed: its budget is forgotten. The relay leaves its site at
/// its next alarm if it was the last one.
pub fn gone(relay: &Relay, ws: &WebSocket) {
    relay.socket_closed();
    if let Some(socket) = sockets::visitor(ws) {
        relay.budgets.forget(&socket.budget_key());
    }
}
