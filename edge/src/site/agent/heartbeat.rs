//! `POST agents/me/heartbeat`: a sign of life of an HTTP session (an agent
//! without a device socket counts while it sends these).

use crate::error::ApiError;
use crate::respond;
use crate::site::call::Call;
use crate::site::config::Config;
use crate::site::presence::{Change, SessionRef};
use crate::site::state::Site;
use crate::store::{AgentRow, SessionKind};
use presenza_protocol::view::HeartbeatView;
use presenza_protocol::DeviceId;
use worker::Response;

pub async fn post(
    site: &Site,
    cfg: &Config,
    call: &Call<'_>,
    me: &AgentRow,
    device: Option<&DeviceId>,
) -> Result<Response, ApiError> {
    let session = call.http_session()?;
    let seen = SessionRef {
        agent: &me.id,
        id: &session,
        kind: SessionKind::Http,
        device,
    };
    site.settle(Change::SessionSeen(seen), call.now).await?;
    respond::json(
        200,
        &HeartbeatView {
            session,
            grace_period_secs: cfg.grace.secs(),
            expires_at: (call.now + cfg.grace.millis()).into(),
        },
    )
}
