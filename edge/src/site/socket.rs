//! Socket events, by the socket's kind (its attachment): a device's frames
//! go to [`super::agent::device`], a widget's to [`super::visitor::socket`].
//! Closes are counted in memory; a device socket closing starts its
//! session's grace period.

use super::agent;
use super::state::Site;
use super::visitor;
use crate::bindings::now_ms;
use crate::error::ApiError;
use crate::sockets::{self, Attachment};
use crate::tally::Counter;
use presenza_protocol::frame::{PING, PONG};
use worker::{WebSocket, WebSocketIncomingMessage};

/// A socket frame, by the socket's kind, within the socket's budget.
pub async fn message(site: &Site, ws: WebSocket, message: WebSocketIncomingMessage) {
    let now = now_ms();
    let attachment = sockets::attachment(&ws);
    if let Some(a) = &attachment {
        let len = match &message {
            WebSocketIncomingMessage::String(t) => t.len(),
            WebSocketIncomingMessage::Binary(b) => b.len(),
        };
        let (key, limits) = a.budget();
        if let Err(overrun) = site.budgets.frame(&key, limits, len, now) {
            return site.close_over_budget(&ws, &key, overrun);
        }
    }
    let WebSocketIncomingMessage::String(text) = message else {
        let refused = ApiError::bad_request("invalid_message", "send text frames");
        sockets::refuse(&ws, &refused, None, None);
        return;
    };
    match attachment {
        Some(Attachment::Agent { agent, session }) => {
            agent::device::message(site, &ws, &agent, &session, &text, now).await;
        }
        // Visitors authenticate and write conversation messages; nothing
        // they send changes presence.
        Some(Attachment::Visitor(socket)) => {
            visitor::socket::message(site, &ws, socket, &text, now).await;
        }
        // The team socket only listens; a `ping` the runtime did not
        // answer is answered here.
        Some(Attachment::Owner { .. }) | None => {
            if text.trim() == PING {
                let _ = ws.send_with_str(PONG);
            }
        }
    }
}

/// A socket closed (`failed`: its error event). A visitor socket: no SQL
/// at all. A device socket: its session's grace period starts now.
pub fn gone(site: &Site, ws: &WebSocket, failed: bool) {
    site.tallies.bump(Counter::SocketCloses);
    let attachment = sockets::attachment(ws);
    if let Some(a) = &attachment {
        site.budgets.forget(&a.budget().0);
    }
    match attachment {
        Some(Attachment::Agent { agent, session }) => {
            let closed =
                site.presence
                    .socket_closed(&site.state, &site.store, &agent, &session, now_ms());
            if let Err(e) = closed {
                worker::console_error!("socket close: {e}");
            }
        }
        Some(Attachment::Visitor(_)) => site.tallies.visitor_gone(failed),
        Some(Attachment::Owner { .. }) | None => {}
    }
}
