//! What an agent calls with its token: its presence (itself, its status,
//! heartbeats, sign-out, its device socket and that socket's frames) and,
//! through [`super::inbox`], its conversations. Every handler receives the
//! authenticated agent's row.

pub mod device;
pub mod devices;
mod heartbeat;
mod me;
pub mod picture;
mod session;
mod sign_out;
mod status;

use crate::error::ApiError;
use crate::route::AgentOp;
use crate::site::call::Call;
use crate::site::caller::AgentCaller;
use crate::site::config::Config;
use crate::site::inbox;
use crate::site::state::Site;
use worker::Response;

pub async fn serve(
    site: &Site,
    cfg: &Config,
    call: &Call<'_>,
    caller: AgentCaller,
    op: AgentOp,
) -> Result<Response, ApiError> {
    let AgentCaller { row: me, device } = caller;
    let from = device.as_ref().map(|d| &d.id);
    match op {
        AgentOp::Me => me::get(site, cfg, call, &me).await,
        AgentOp::PutStatus => status::put(site, cfg, call, &me, from).await,
        AgentOp::Heartbeat => heartbeat::post(site, cfg, call, &me, from).await,
        AgentOp::SignOut => sign_out::post(site, call, &me).await,
        AgentOp::Session => session::open(site, cfg, call, &me, from).await,
        AgentOp::ListDevices => devices::list(site, &me.id, device.as_ref()),
        AgentOp::AddDevice => devices::add(site, call, &me, device.as_ref()).await,
        AgentOp::RevokeDevice(id) => devices::revoke(site, call, &me.id, &id).await,
        AgentOp::PutPicture => picture::put(site, call, &me.id).await,
        AgentOp::DeletePicture => picture::delete(site, call, &me.id).await,
        AgentOp::ListConversations {
            state,
            assigned,
            limit,
            cursor,
        } => inbox::list::get(site, cfg, &me, state, assigned, limit, cursor.as_ref()),
        AgentOp::ConversationMessages { id, after } => {
            inbox::messages::get(site, cfg, &me, &id, after)
        }
        AgentOp::Reply(id) => inbox::reply::post(site, cfg, call, &me, &id).await,
        AgentOp::MarkRead(id) => inbox::read::post(site, cfg, call, &me, &id),
        AgentOp::Close(id) => {
            let closed = inbox::close::close(site, cfg, call, &me, &id)?;
            // A visitor's wait is over: an open alert is back to normal.
            crate::site::alerts::conversation_moved(site, &id, call.now).await?;
            Ok(closed)
        }
        AgentOp::Reopen(id) => inbox::close::reopen(site, cfg, &me, &id),
        AgentOp::Assign(id) => inbox::assign::post(site, cfg, call, &me, &id).await,
        AgentOp::AssignChoices(id) => inbox::assign::choices(site, cfg, call, &me, &id).await,
    }
}
