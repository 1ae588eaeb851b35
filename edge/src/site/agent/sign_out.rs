//! `POST agents/me/sign-out`: ends the call's session at once (no grace
//! period) and closes the sockets opened for it.

use crate::error::ApiError;
use crate::respond;
use crate::site::call::Call;
use crate::site::presence::Change;
use crate::site::state::Site;
use crate::sockets::{self, Tag};
use crate::store::AgentRow;
use presenza_protocol::frame::close;
use worker::Response;

pub async fn post(site: &Site, call: &Call<'_>, me: &AgentRow) -> Result<Response, ApiError> {
    let session = call.http_session()?;
    sockets::close_tag(
        &site.state,
        Tag::Session(&me.id, &session),
        close::NORMAL,
        close::SIGNED_OUT_REASON,
    );
    site.settle(
        Change::SessionEnded {
            agent: &me.id,
            session: &session,
        },
        call.now,
    )
    .await?;
    respond::no_content()
}
