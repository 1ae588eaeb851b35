//! A device socket's frames: a status by hand (as `PUT agents/me/status`),
//! sign-out, heartbeats, replies and typing indicators
//! (`conversation::typing`, within the socket's typing budget). Any frame is a sign of life. A frame
//! from a session that ended meanwhile (signed out, expired, revoked)
//! closes the socket.

use crate::domain::manual::ManualInput;
use crate::error::ApiError;
use crate::site::conversation::typing;
use crate::site::inbox::reply;
use crate::site::presence::{Change, SessionRef};
use crate::site::state::Site;
use crate::sockets::{self, Attachment};
use crate::store::SessionKind;
use presenza_protocol::body::{ReplyBody, StatusBody};
use presenza_protocol::frame::{self, close, DeviceCommand, DeviceEvent, PING, PONG};
use presenza_protocol::limits::MAX_SOCKET_FRAME_BYTES;
use presenza_protocol::{AgentId, SessionId};
use worker::WebSocket;

/// A text frame from a device; a refused frame gets an error frame.
pub async fn message(
    site: &Site,
    ws: &WebSocket,
    agent: &AgentId,
    session: &SessionId,
    text: &str,
    now: i64,
) {
    if let Err(e) = command(site, ws, agent, session, text, now).await {
        sockets::refuse(ws, &e, None, None);
    }
}

async fn command(
    site: &Site,
    ws: &WebSocket,
    agent: &AgentId,
    session: &SessionId,
    text: &str,
    now: i64,
) -> Result<(), ApiError> {
    site.config()?;
    if !site.store.session_exists(agent, session)? {
        // Signed out, expired or revoked meanwhile.
        let _ = ws.close(Some(close::SESSION_EXPIRED), Some("session ended"));
        return Ok(());
    }
    // Any message is a sign of life.
    site.store.bump_session(agent, session, now)?;
    if text.len() > MAX_SOCKET_FRAME_BYTES {
        return Err(ApiError::PayloadTooLarge);
    }
    if text.trim() == PING {
        let _ = ws.send_with_str(PONG);
        return Ok(());
    }
    let command: DeviceCommand = serde_json::from_str(text).map_err(|e| ApiError::from_json(&e))?;
    let from = SessionRef {
        agent,
        id: session,
        kind: SessionKind::Device,
        // Recorded when the socket opened (the session keeps it).
        device: None,
    };
    match command {
        DeviceCommand::Status {
            status,
            message,
            back_at,
        } => {
            let input = ManualInput::parse(StatusBody {
                status,
                message,
                back_at,
            })?;
            site.settle(Change::Manual(from, &input), now).await?;
        }
        DeviceCommand::SignOut {} => {
            let _ = ws.send_with_str(frame::to_text(&DeviceEvent::SignedOut));
            let _ = ws.close(Some(close::NORMAL), Some(close::SIGNED_OUT_REASON));
            site.settle(Change::SessionEnded { agent, session }, now)
                .await?;
        }
        DeviceCommand::Heartbeat {} => {}
        DeviceCommand::Reply {
            conversation_id,
            client_id,
            text,
        } => {
            let reply = ReplyBody { client_id, text };
            reply::from_device(site, ws, agent, session, &conversation_id, &reply, now).await;
        }
        DeviceCommand::Typing {
            conversation_id,
            typing,
        } => {
            let (key, limits) = Attachment::Agent {
                agent: agent.clone(),
                session: session.clone(),
            }
            .budget();
            // Past the typing bucket: dropped unread.
            if site.budgets.typing(&key, limits, now) {
                typing::from_agent(site, agent, &conversation_id, typing)?;
            }
        }
    }
    Ok(())
}
