//! `PUT agents/me/status`: an agent goes online, busy or offline by hand.
//! All of its devices and every visitor's widget follow at once (the
//! presence pipeline pushes the change). The call is itself a sign of life
//! of its HTTP session. The device frame `status` does the same
//! ([`super::device`]).

use crate::domain::manual::ManualInput;
use crate::error::ApiError;
use crate::respond;
use crate::site::call::Call;
use crate::site::config::Config;
use crate::site::presence::{Change, SessionRef};
use crate::site::state::Site;
use crate::store::{AgentRow, SessionKind};
use presenza_protocol::body::StatusBody;
use presenza_protocol::view::StatusSetView;
use presenza_protocol::DeviceId;
use worker::Response;

pub async fn put(
    site: &Site,
    cfg: &Config,
    call: &Call<'_>,
    me: &AgentRow,
    device: Option<&DeviceId>,
) -> Result<Response, ApiError> {
    let input = ManualInput::parse(call.body.json::<StatusBody>()?)?;
    let session = call.http_session()?;
    let from = SessionRef {
        agent: &me.id,
        id: &session,
        kind: SessionKind::Http,
        device,
    };
    let snap = site.settle(Change::Manual(from, &input), call.now).await?;
    let agent = snap.agent(&me.id).ok_or_else(ApiError::invalid_token)?;
    respond::json(
        200,
        &StatusSetView {
            agent: agent.clone(),
            session,
            grace_period_secs: cfg.grace.secs(),
        },
    )
}
