//! What a visitor reads: their latest conversation (the open one, else the
//! most recently closed one) and a page of its messages:
//! `GET visitor/messages?after=` and the answer to the socket's `auth`,
//! which also says whether the visitor may ask for it by e-mail (the
//! chat panel's "Email me this conversation", read after the launcher's
//! paint, so the pre-idle payload does not carry it).

use crate::domain::visitor::VisitorCredential;
use crate::error::ApiError;
use crate::respond;
use crate::site::call::Call;
use crate::site::conversation::{self, view};
use crate::site::mail;
use crate::site::state::Site;
use crate::store::{ConversationRow, VisitorRow};
use presenza_protocol::http::VISITOR_HEADER;
use presenza_protocol::view::{AgentRef, VisitorThread};
use presenza_rules::MessageKind;
use worker::Response;

pub fn get(site: &Site, call: &Call<'_>, after: u64) -> Result<Response, ApiError> {
    call.widget_origin_allowed()?;
    let cred = VisitorCredential::parse(call.header(VISITOR_HEADER).as_deref())?;
    respond::json(200, &thread(site, &cred, after)?)
}

/// The stored visitor for a credential: `Ok(None)` for an id never written
/// with (nothing to read yet); 403 for a wrong secret.
pub fn visitor(site: &Site, cred: &VisitorCredential) -> Result<Option<VisitorRow>, ApiError> {
    match site.store.visitor(&cred.id)? {
        Some(row) if cred.matches(&row.secret_hash) => Ok(Some(row)),
        Some(_) => Err(ApiError::visitor_forbidden()),
        None => Ok(None),
    }
}

/// The visitor's latest conversation and its messages after `after`, and
/// whether they may ask for it by e-mail.
pub fn thread(
    site: &Site,
    cred: &VisitorCredential,
    after: u64,
) -> Result<VisitorThread, ApiError> {
    let cfg = site.config()?;
    let transcript = mail::on(site, &cfg);
    let none = VisitorThread {
        transcript,
        ..VisitorThread::default()
    };
    let Some(visitor) = visitor(site, cred)? else {
        return Ok(none);
    };
    let Some(conv) = site.store.latest_conversation_of_visitor(&visitor.id)? else {
        return Ok(none);
    };
    let (rows, more) = conversation::page(site, &conv.id, after)?;
    let agent = header_agent(site, &conv)?;
    Ok(VisitorThread {
        conversation_id: Some(conv.id),
        state: Some(conv.state),
        messages: view::messages(&rows),
        has_more: more,
        agent,
        transcript,
    })
}

/// Who the conversation's header shows (`Store::header_message`): a page of
/// messages after `after` may not hold the message that decides it.
fn header_agent(site: &Site, conv: &ConversationRow) -> Result<Option<AgentRef>, ApiError> {
    Ok(match site.store.header_message(&conv.id)? {
        Some(m) if m.kind == Some(MessageKind::Assigned) => view::assignee(conv),
        Some(m) => view::message(&m).agent,
        None => None,
    })
}
