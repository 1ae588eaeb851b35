//! What an agent calls with its token: its presence (itself, its status,
//! heartbeats, sign-out, its device socket and that socket's frames) and,
//! through [`super::inbox`], its conversations. Every handler receives the
//! authenticated agent's row.

pub mod device;
mod heartbeat;
mod me;
mod session;
mod sign_out;
mod status;

use crate::error::ApiError;
use crate::route::AgentOp;
use crate::site::call::Call;
use crate::site::config::Config;
use crate::site::inbox;
use crate::site::state::Site;
use crate::store::AgentRow;
use worker::Response;

pub async fn serve(
    site: &Site,
    cfg: &Config,
    call: &Call<'_>,
    me: AgentRow,
    op: AgentOp,
) -> Result<Response, ApiError> {
    match op {
        AgentOp::Me => me::get(site, cfg, call, &me).await,
        AgentOp::PutStatus => status::put(site, cfg, call, &me).await,
        AgentOp::Heartbeat => heartbeat::post(site, cfg, call, &me).await,
        AgentOp::SignOut => sign_out::post(site, call, &me).await,
        AgentOp::Session => session::open(site, cfg, call, &me).await,
        AgentOp::ListConversations {
            state,
            limit,
            cursor,
        } => inbox::list::get(site, cfg, &me, state, limit, cursor.as_ref()),
        AgentOp::ConversationMessages { id, after } => {
            inbox::messages::get(site, cfg, &me, &id, after)
        }
        AgentOp::Reply(id) => inbox::reply::post(site, cfg, call, &me, &id),
        AgentOp::MarkRead(id) => inbox::read::post(site, cfg, call, &me, &id),
        AgentOp::Close(id) => inbox::close::close(site, cfg, call, &me, &id),
        AgentOp::Reopen(id) => inbox::close::reopen(site, cfg, &me, &id),
    }
}
