//! `GET conversations/{id}/messages?after=`: a page of a conversation's
//! messages, with its visitor's context (`store::context`).

use crate::error::ApiError;
use crate::respond;
use crate::site::config::Config;
use crate::site::conversation::{self, served, view};
use crate::site::state::Site;
use crate::store::AgentRow;
use presenza_protocol::view::MessagePage;
use presenza_protocol::ConversationId;
use worker::Response;

pub fn get(
    site: &Site,
    cfg: &Config,
    me: &AgentRow,
    id: &ConversationId,
    after: u64,
) -> Result<Response, ApiError> {
    let conv = served::conversation(site, cfg, me, id)?;
    let (rows, more) = conversation::page(site, &conv.id, after)?;
    respond::json(
        200,
        &MessagePage {
            messages: view::messages(&rows),
            has_more: more,
            context: site.store.context(&conv.visitor_id)?,
        },
    )
}
