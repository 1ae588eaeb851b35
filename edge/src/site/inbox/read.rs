//! `POST conversations/{id}/read`: moves the agent's read mark (never
//! back); its devices hear about it.

use crate::domain::message::seq;
use crate::error::ApiError;
use crate::respond;
use crate::site::call::Call;
use crate::site::config::Config;
use crate::site::conversation::{deliver, served};
use crate::site::state::Site;
use crate::store::AgentRow;
use presenza_protocol::body::ReadBody;
use presenza_protocol::ConversationId;
use presenza_rules::advance_read_mark;
use worker::Response;

pub fn post(
    site: &Site,
    cfg: &Config,
    call: &Call<'_>,
    me: &AgentRow,
    id: &ConversationId,
) -> Result<Response, ApiError> {
    let input: ReadBody = call.body.json()?;
    let conv = served::conversation(site, cfg, me, id)?;
    let current = site.store.read_seq(&conv.id, &me.id)?;
    let mark = advance_read_mark(current, input.seq, seq(conv.last_seq));
    if mark != current {
        site.store.set_read_seq(&conv.id, &me.id, mark)?;
        deliver::read_mark(site, &me.id, &conv.id, mark)?;
    }
    respond::no_content()
}
