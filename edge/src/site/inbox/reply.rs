//! An agent's reply: `POST conversations/{id}/messages` and the device frame
//! `reply`. A reply to a closed conversation reopens it (unless its visitor
//! has another open one: 409); the reply also marks the conversation read
//! up to it for this agent.

use crate::bindings;
use crate::domain::message::{check_message, seq, ClientKey};
use crate::error::ApiError;
use crate::respond;
use crate::site::call::Call;
use crate::site::config::Config;
use crate::site::conversation::deliver::{self, Origin, StateChange};
use crate::site::conversation::{served, view, Stored};
use crate::site::mail;
use crate::site::state::Site;
use crate::sockets;
use crate::store::{AgentRow, MessageRow, StoreError};
use presenza_protocol::body::ReplyBody;
use presenza_protocol::frame::{self, Ack, DeviceEvent};
use presenza_protocol::view::ReplySent;
use presenza_protocol::{AgentId, ConversationId, SessionId};
use presenza_rules::{advance_read_mark, reply_outcome, RateLimit, ReplyOutcome, Sender};
use worker::{Response, WebSocket};

pub async fn post(
    site: &Site,
    cfg: &Config,
    call: &Call<'_>,
    me: &AgentRow,
    id: &ConversationId,
) -> Result<Response, ApiError> {
    let input: ReplyBody = call.body.json()?;
    let stored = add(site, cfg, me, id, &input.client_id, &input.text, call.now).await?;
    respond::json(
        stored.status(),
        &ReplySent {
            message: view::message(&stored.message),
        },
    )
}

/// A reply over HTTP: from the console's `POST`, or by e-mail
/// (`site::mail_in`, whose `client_id` comes from the mail's Message-ID, so
/// a redelivered mail is a retry): stored, then told to everyone.
pub async fn add(
    site: &Site,
    cfg: &Config,
    me: &AgentRow,
    id: &ConversationId,
    client_id: &str,
    text: &str,
    now: i64,
) -> Result<Stored, ApiError> {
    let stored = store(site, cfg, me, id, client_id, text, now)?;
    announce(site, cfg, &stored, &me.id, Origin::Http).await?;
    Ok(stored)
}

/// A `reply` frame from a device: an ack or an error frame (naming the
/// client id) to that device, the reply pushed to everyone else.
pub async fn from_device(
    site: &Site,
    ws: &WebSocket,
    agent: &AgentId,
    session: &SessionId,
    conversation_id: &str,
    reply: &ReplyBody,
    now: i64,
) {
    let ReplyBody { client_id, text } = reply;
    let result = (|| {
        let cfg = site.config()?;
        let me = site
            .store
            .agent(agent)?
            .ok_or_else(ApiError::invalid_token)?;
        let id =
            ConversationId::parse(conversation_id).ok_or_else(ApiError::conversation_not_found)?;
        let stored = store(site, &cfg, &me, &id, client_id, text, now)?;
        Ok::<_, ApiError>((cfg, stored))
    })();
    match result {
        Ok((cfg, stored)) => {
            let ack = DeviceEvent::Ack(Ack {
                client_id: stored.message.client_id.clone(),
                seq: seq(stored.message.seq),
                conversation_id: stored.conversation.id.clone(),
            });
            let _ = ws.send_with_str(frame::to_text(&ack));
            let told = announce(
                site,
                &cfg,
                &stored,
                agent,
                Origin::Device { agent, session },
            )
            .await;
            if let Err(e) = told {
                worker::console_error!("deliver: {e}");
            }
        }
        Err(e) => sockets::refuse(
            ws,
            &e,
            Some(client_id.clone()),
            Some(conversation_id.to_string()),
        ),
    }
}

/// Tells everyone about a stored reply: a reopen first, then the message,
/// then the replying agent's moved read mark (nothing for a retry); a
/// visitor who has left gets it by e-mail (batched).
async fn announce(
    site: &Site,
    cfg: &Config,
    stored: &Stored,
    agent: &AgentId,
    origin: Origin<'_>,
) -> Result<(), ApiError> {
    if stored.reopened {
        deliver::state(
            site,
            cfg,
            &stored.conversation,
            &stored.visitor,
            StateChange::Reopened,
        );
    }
    let here = deliver::message(site, cfg, stored, origin)?;
    if stored.created {
        // A visitor's wait is over: an open alert is back to normal.
        crate::site::alerts::conversation_moved(site, &stored.conversation.id, stored.message.at)
            .await?;
        mail::reply(
            site,
            cfg,
            &stored.visitor,
            &stored.conversation.id,
            seq(stored.message.seq).saturating_sub(1),
            here,
            stored.message.at,
        )
        .await?;
        deliver::read_mark(
            site,
            agent,
            &stored.conversation.id,
            seq(stored.message.seq),
        )?;
    }
    Ok(())
}

/// Stores a reply (not yet delivered), and this agent's read mark at it.
fn store(
    site: &Site,
    cfg: &Config,
    me: &AgentRow,
    id: &ConversationId,
    client_id: &str,
    text: &str,
    now: i64,
) -> Result<Stored, ApiError> {
    let text = check_message(client_id, text)?;
    let conv = served::conversation(site, cfg, me, id)?;
    let visitor = site
        .store
        .visitor(&conv.visitor_id)?
        .ok_or_else(|| ApiError::internal("conversation without visitor"))?;
    let key = ClientKey::Agent(&me.id, client_id);
    if let Some(message) = site.store.message_by_key(&conv.id, &key)? {
        return Ok(Stored::retry(conv, visitor, message));
    }
    let other_open = conv.state == presenza_rules::ConversationState::Closed
        && site
            .store
            .visitor_has_other_open(&conv.visitor_id, &conv.id)?;
    let reopen = match reply_outcome(conv.state, other_open) {
        ReplyOutcome::Reply => false,
        ReplyOutcome::ReopenAndReply => true,
        ReplyOutcome::Conflict => return Err(ApiError::conversation_conflict()),
    };
    let window = site
        .store
        .agent_rate(&me.id)?
        .check(RateLimit::AGENT.limit, RateLimit::AGENT.window_ms, now)
        .map_err(|retry| ApiError::from_rule(&retry.into()))?;
    let read = site.store.read_seq(&conv.id, &me.id)?;
    Ok(bindings::transaction(&site.state, || {
        let mut conv = conv.clone();
        if reopen {
            conv.reopen();
            site.store.save_conversation_state(&conv)?;
        }
        conv.last_seq += 1;
        conv.last_agent_seq = conv.last_seq;
        conv.updated_at = now;
        let message = MessageRow {
            seq: conv.last_seq,
            client_id: client_id.to_string(),
            sender: Sender::Agent,
            agent_id: Some(me.id.clone()),
            agent_name: Some(me.name.clone()),
            text: text.clone(),
            at: now,
            kind: None,
            subject: None,
            agent_picture: me.picture.clone(),
        };
        site.store.insert_message(&conv.id, &key, &message)?;
        site.store.save_conversation(&conv)?;
        site.store.set_agent_rate(&me.id, window)?;
        let last = seq(conv.last_seq);
        site.store
            .set_read_seq(&conv.id, &me.id, advance_read_mark(read, last, last))?;
        Ok::<_, StoreError>(Stored {
            conversation: conv,
            visitor: visitor.clone(),
            message,
            created: true,
            automatic: Vec::new(),
            reopened: reopen,
            left: false,
        })
    })?)
}
