//! A visitor socket's frames: `auth` proves the visitor and answers their
//! conversation; `send` writes a message (acked to this socket, pushed to
//! the visitor's other tabs and to the agents); `typing` tells the agents
//! serving the conversation (`conversation::typing`, nothing stored, no
//! answer). Nothing a visitor sends changes presence.
//!
//! The same commands come from two places: a widget socket on this object
//! ([`message`]), and a widget socket on a relay, whose frame the relay
//! forwards ([`forwarded`], see `relaying`). [`run`] serves both and returns
//! the frames for that socket.

use super::{context, send, thread};
use crate::budget::Limits;
use crate::domain::message::{frame_client_id, seq};
use crate::domain::visitor::VisitorCredential;
use crate::error::ApiError;
use crate::relaying::{ForwardedFrame, FrameAnswer};
use crate::site::conversation::deliver::{self, Origin};
use crate::site::conversation::typing;
use crate::site::state::Site;
use crate::sockets::{self, Attachment, VisitorSocket};
use presenza_protocol::body::VisitorMessageBody;
use presenza_protocol::frame::{self, error_text, Ack, ErrorFrame, VisitorCommand, VisitorFrame};
use presenza_protocol::frame::{PING, PONG};
use worker::WebSocket;

/// A text frame from a visitor socket on this object; a refused frame gets
/// an error frame naming its client id.
pub async fn message(site: &Site, ws: &WebSocket, mut socket: VisitorSocket, text: &str, now: i64) {
    if text.trim() == PING {
        let _ = ws.send_with_str(PONG);
        return;
    }
    let command = match sockets::visitor_command(text) {
        Ok(c) => c,
        Err(e) => return sockets::refuse(ws, &e, frame_client_id(text), None),
    };
    if matches!(command, VisitorCommand::Auth { .. }) {
        let key = socket.budget_key();
        if let Err(overrun) = site.budgets.auth(&key, Limits::VISITOR, now) {
            return site.close_over_budget(ws, &key, overrun);
        }
    }
    if matches!(command, VisitorCommand::Typing { .. })
        && !site
            .budgets
            .typing(&socket.budget_key(), Limits::VISITOR, now)
    {
        // Past the typing bucket: dropped unread.
        return;
    }
    let before = socket.clone();
    match run(site, &mut socket, command, now).await {
        Ok(frames) => {
            if socket != before {
                if let Err(e) = ws.serialize_attachment(Attachment::Visitor(socket)) {
                    return sockets::refuse(ws, &e.into(), frame_client_id(text), None);
                }
            }
            for f in frames {
                let _ = ws.send_with_str(f);
            }
        }
        Err(e) => sockets::refuse(ws, &e, frame_client_id(text), None),
    }
}

/// A frame a relay forwarded from one of its widget sockets (the relay
/// checked its budget and that it parses): the frames for that socket, and
/// the socket as it is now. An authenticated visitor's relay is recorded,
/// so their conversation's frames reach it.
pub async fn forwarded(
    site: &Site,
    fwd: ForwardedFrame,
    now: i64,
) -> Result<FrameAnswer, ApiError> {
    let ForwardedFrame {
        relay,
        mut socket,
        text,
    } = fwd;
    let command = sockets::visitor_command(&text);
    // Only `auth` and `send` make this relay one of the visitor's.
    let routes = !matches!(command, Ok(VisitorCommand::Typing { .. }));
    let answer = match command {
        Ok(command) => run(site, &mut socket, command, now).await,
        Err(e) => Err(e),
    };
    let frames = match answer {
        Ok(frames) => frames,
        Err(e) => vec![error_text(ErrorFrame {
            error: e.error_object(),
            client_id: frame_client_id(&text),
            conversation_id: None,
        })],
    };
    if let Some(visitor) = socket.visitor.as_ref().filter(|_| routes) {
        site.store.add_visitor_route(visitor, &relay)?;
    }
    Ok(FrameAnswer { frames, socket })
}

/// Runs a visitor's command on `socket`: the frames to send back to it.
async fn run(
    site: &Site,
    socket: &mut VisitorSocket,
    command: VisitorCommand,
    now: i64,
) -> Result<Vec<String>, ApiError> {
    match command {
        VisitorCommand::Auth {
            visitor: credential,
            after,
            context: page,
        } => {
            let cred = VisitorCredential::parse(Some(&credential))?;
            if socket.tagged.as_ref().is_some_and(|t| *t != cred.id) {
                return Err(ApiError::bad_request(
                    "invalid_visitor",
                    "this socket was opened for another visitor (?visitor=)",
                ));
            }
            let thread = thread::thread(site, &cred, after)?;
            // A conversation: the visitor is stored and the secret matched.
            if thread.conversation_id.is_some() {
                if let Err(e) =
                    context::record(site, &socket.client, &cred.id, page.as_ref(), false, now)
                {
                    worker::console_error!("visitor context: {e}");
                }
            }
            socket.visitor = Some(cred.id);
            socket.key = Some(cred.secret_hash);
            Ok(vec![frame::to_text(&VisitorFrame::Messages(thread))])
        }
        VisitorCommand::Send {
            client_id,
            text,
            group,
            name,
            email,
            context: page,
        } => {
            let (Some(id), Some(secret_hash)) = (socket.visitor.clone(), socket.key.clone()) else {
                return Err(ApiError::bad_request(
                    "invalid_visitor",
                    "authenticate first: {\"type\":\"auth\",\"visitor\":\"<id>.<secret>\"}",
                ));
            };
            let cred = VisitorCredential { id, secret_hash };
            let input = VisitorMessageBody {
                client_id,
                text,
                group,
                name,
                email,
                // Recorded below, with the socket's request.
                context: None,
            };
            let stored = send::store(site, &cred, input, socket.address.as_deref(), now).await?;
            let ack = VisitorFrame::Ack(Ack {
                client_id: stored.message.client_id.clone(),
                seq: seq(stored.message.seq),
                conversation_id: stored.conversation.id.clone(),
            });
            let origin = match socket.sid.as_deref() {
                Some(s) => Origin::VisitorSocket(s),
                None => Origin::Http,
            };
            let delivered = match site.config() {
                Ok(cfg) => match deliver::message(site, &cfg, &stored, origin) {
                    Ok(_) => send::tell(site, &cfg, &stored).await,
                    Err(e) => Err(e),
                },
                Err(e) => Err(e),
            };
            if let Err(e) = delivered {
                worker::console_error!("deliver: {e}");
            }
            if stored.created {
                let recorded = context::record(
                    site,
                    &socket.client,
                    &stored.visitor.id,
                    page.as_ref(),
                    true,
                    now,
                );
                if let Err(e) = recorded {
                    worker::console_error!("visitor context: {e}");
                }
            }
            Ok(vec![frame::to_text(&ack)])
        }
        VisitorCommand::Typing { typing } => {
            typing::from_visitor(site, socket, typing)?;
            Ok(Vec::new())
        }
    }
}
