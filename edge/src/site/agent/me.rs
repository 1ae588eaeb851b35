//! `GET agents/me`: the calling agent as its devices see it.

use crate::error::ApiError;
use crate::respond;
use crate::site::call::Call;
use crate::site::config::Config;
use crate::site::presence::Change;
use crate::site::state::Site;
use crate::store::AgentRow;
use presenza_protocol::view::MeView;
use worker::Response;

pub async fn get(
    site: &Site,
    cfg: &Config,
    call: &Call<'_>,
    me: &AgentRow,
) -> Result<Response, ApiError> {
    let snap = site.settle(Change::Read, call.now).await?;
    let agent = snap.agent(&me.id).ok_or_else(ApiError::invalid_token)?;
    respond::json(
        200,
        &MeView {
            agent: agent.clone(),
            grace_period_secs: cfg.grace.secs(),
        },
    )
}
