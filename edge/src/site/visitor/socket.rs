//! A visitor socket's frames: `auth` proves the visitor and answers their
//! conversation; `send` writes a message (acked to this socket, pushed to
//! the visitor's other tabs and to the agents). Nothing a visitor sends
//! changes presence.

use super::{send, thread};
use crate::budget::Limits;
use crate::domain::message::{frame_client_id, seq};
use crate::domain::visitor::VisitorCredential;
use crate::error::ApiError;
use crate::site::conversation::deliver::{self, Origin};
use crate::site::state::Site;
use crate::sockets::{self, Attachment};
use presenza_protocol::body::VisitorMessageBody;
use presenza_protocol::frame::{self, Ack, VisitorCommand, VisitorFrame, PING, PONG};
use presenza_protocol::limits::MAX_SOCKET_FRAME_BYTES;
use worker::WebSocket;

/// A text frame from a visitor socket; a refused frame gets an error frame
/// naming its client id.
pub async fn message(
    site: &Site,
    ws: &WebSocket,
    attachment: Attachment,
    budget_key: &str,
    text: &str,
    now: i64,
) {
    if text.trim() == PING {
        let _ = ws.send_with_str(PONG);
        return;
    }
    if let Err(e) = command(site, ws, attachment, budget_key, text, now).await {
        sockets::refuse(ws, &e, frame_client_id(text), None);
    }
}

async fn command(
    site: &Site,
    ws: &WebSocket,
    attachment: Attachment,
    budget_key: &str,
    text: &str,
    now: i64,
) -> Result<(), ApiError> {
    let Attachment::Visitor {
        group,
        visitor,
        key,
        sid,
        tagged,
        origin,
        address,
    } = attachment
    else {
        return Ok(());
    };
    if text.len() > MAX_SOCKET_FRAME_BYTES {
        return Err(ApiError::PayloadTooLarge);
    }
    let command: VisitorCommand =
        serde_json::from_str(text).map_err(|e| ApiError::from_json(&e))?;
    match command {
        VisitorCommand::Auth {
            visitor: credential,
            after,
        } => {
            if let Err(overrun) = site.budgets.auth(budget_key, Limits::VISITOR, now) {
                site.close_over_budget(ws, budget_key, overrun);
                return Ok(());
            }
            let cred = VisitorCredential::parse(Some(&credential))?;
            if tagged.as_ref().is_some_and(|t| *t != cred.id) {
                return Err(ApiError::bad_request(
                    "invalid_visitor",
                    "this socket was opened for another visitor (?visitor=)",
                ));
            }
            let thread = thread::thread(site, &cred, after)?;
            ws.serialize_attachment(Attachment::Visitor {
                group,
                visitor: Some(cred.id),
                key: Some(cred.secret_hash),
                sid,
                tagged,
                origin,
                address,
            })?;
            ws.send_with_str(frame::to_text(&VisitorFrame::Messages(thread)))?;
        }
        VisitorCommand::Send {
            client_id,
            text,
            group,
            name,
            email,
        } => {
            let (Some(id), Some(secret_hash)) = (visitor, key) else {
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
            };
            let stored = send::store(site, &cred, input, address.as_deref(), now).await?;
            let ack = VisitorFrame::Ack(Ack {
                client_id: stored.message.client_id.clone(),
                seq: seq(stored.message.seq),
                conversation_id: stored.conversation.id.clone(),
            });
            ws.send_with_str(frame::to_text(&ack))?;
            let origin = match sid.as_deref() {
                Some(s) => Origin::VisitorSocket(s),
                None => Origin::Http,
            };
            let delivered = match site.config() {
                Ok(cfg) => match deliver::message(site, &cfg, &stored, origin) {
                    Ok(_) => send::mail_if_left(site, &cfg, &stored).await,
                    Err(e) => Err(e),
                },
                Err(e) => Err(e),
            };
            if let Err(e) = delivered {
                worker::console_error!("deliver: {e}");
            }
        }
    }
    Ok(())
}
