//! What the site's owner calls with the owner key: settings, statistics,
//! groups, agents, working hours, the status history and insights, the
//! onboarding checklist, webhooks, the owner's own agent, erasing a visitor's data
//! and rotating the owner key. Every handler receives the [`Owner`]
//! proof.

mod agents;
mod groups;
mod history;
mod hours;
mod insights;
mod keys;
mod onboarding;
mod owner_agent;
mod replies;
mod settings;
mod stats;
mod team;
mod visitors;
mod webhooks;

use crate::error::ApiError;
use crate::route::OwnerOp;
use crate::site::agent::{devices, picture};
use crate::site::call::Call;
use crate::site::caller::Owner;
use crate::site::config::Config;
use crate::site::state::Site;
use worker::Response;

pub async fn serve(
    site: &Site,
    cfg: &Config,
    call: &Call<'_>,
    _owner: Owner,
    op: OwnerOp,
) -> Result<Response, ApiError> {
    match op {
        OwnerOp::GetSettings => settings::get(cfg),
        OwnerOp::PutSettings => settings::put(site, cfg, call).await,
        OwnerOp::Stats => stats::get(site, call).await,
        OwnerOp::ListGroups => groups::list(cfg),
        OwnerOp::GetGroup(g) => groups::get(cfg, &g),
        OwnerOp::PutGroup(g) => groups::put(site, cfg, call, &g).await,
        OwnerOp::DeleteGroup(g) => groups::delete(site, cfg, call, &g).await,
        OwnerOp::ListAgents => agents::list(site, call).await,
        OwnerOp::GetAgent(a) => agents::get(site, call, &a).await,
        OwnerOp::PutAgent(a) => agents::put(site, cfg, call, &a).await,
        OwnerOp::DeleteAgent(a) => agents::delete(site, call, &a).await,
        OwnerOp::RotateToken(a) => agents::rotate_token(site, call, &a).await,
        OwnerOp::GetHours { group } => hours::get(cfg, group.as_ref()),
        OwnerOp::PutHours { group } => hours::put(site, cfg, call, group.as_ref()).await,
        OwnerOp::DeleteHours { group } => hours::delete(site, cfg, call, group.as_ref()).await,
        OwnerOp::EraseVisitor(v) => visitors::erase(site, &v),
        OwnerOp::RotateOwnerKey => keys::rotate(site, call).await,
        OwnerOp::History { period, group, csv } => {
            history::get(site, cfg, call, period, group.as_ref(), csv)
        }
        OwnerOp::Insights {
            period,
            group,
            first_reply_secs,
        } => insights::get(site, cfg, call, period, group.as_ref(), first_reply_secs),
        OwnerOp::AgentDevices(a) => {
            agents::exists(site, &a)?;
            devices::list(site, &a, None)
        }
        OwnerOp::RevokeAgentDevice(a, d) => {
            agents::exists(site, &a)?;
            devices::revoke(site, call, &a, &d).await
        }
        OwnerOp::SetOffline(a) => agents::set_offline(site, call, &a).await,
        OwnerOp::PutPicture(a) => {
            agents::exists(site, &a)?;
            picture::put(site, call, &a).await
        }
        OwnerOp::DeletePicture(a) => {
            agents::exists(site, &a)?;
            picture::delete(site, call, &a).await
        }
        OwnerOp::Team => team::open(site, call).await,
        OwnerOp::GetSavedReplies => replies::get(cfg),
        OwnerOp::PutSavedReplies => replies::put(site, call),
        OwnerOp::GetWebhooks => webhooks::get(site, cfg),
        OwnerOp::PutWebhooks => webhooks::put(site, cfg, call),
        OwnerOp::RotateWebhookSecret => webhooks::rotate(site),
        OwnerOp::GetOnboarding => onboarding::get(site, cfg),
        OwnerOp::PutOnboarding => onboarding::put(site, cfg, call),
        OwnerOp::PutOwnerAgent => owner_agent::put(site, cfg, call).await,
        OwnerOp::DeleteOwnerAgent => owner_agent::delete(site, cfg, call).await,
        OwnerOp::OwnerAgentDevice => owner_agent::sign_in_device(site, cfg, call).await,
    }
}
