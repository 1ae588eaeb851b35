//! `PUT`/`DELETE agents/me/picture` (the agent's own) and, for the owner,
//! `agents/{id}/picture` (any agent's, the owner's own agent included):
//! the picture shown on the agent's status menu, in the inbox, on the
//! owner's team view and in the widget's header. The body is the image
//! itself (`domain::picture`). A change is an agent change: the agent's
//! devices get `agent_status` and the owner's team view `team` with the
//! new `picture` version; widgets get it with the agent's messages.

use crate::error::ApiError;
use crate::objects::PICTURE_CHANGED_HEADER;
use crate::respond;
use crate::site::call::Call;
use crate::site::presence::Change;
use crate::site::state::Site;
use presenza_protocol::AgentId;
use worker::Response;

/// Stores the picture in the body and answers the agent's view.
pub async fn put(site: &Site, call: &Call<'_>, agent: &AgentId) -> Result<Response, ApiError> {
    let picture = call.body.picture()?;
    site.store.put_picture(agent, &picture, call.now)?;
    let snap = site.settle(Change::AgentsChanged, call.now).await?;
    let view = snap
        .agent(agent)
        .ok_or_else(|| ApiError::agent_not_found(agent.as_str()))?;
    Ok(changed(respond::json(200, view)?, agent))
}

/// Removes the picture (204, also when there was none: the agent shows
/// its initials either way).
pub async fn delete(site: &Site, call: &Call<'_>, agent: &AgentId) -> Result<Response, ApiError> {
    if site.store.delete_picture(agent)? {
        site.settle(Change::AgentsChanged, call.now).await?;
    }
    Ok(changed(respond::no_content()?, agent))
}

/// Tells the Worker whose cached picture to drop.
fn changed(resp: Response, agent: &AgentId) -> Response {
    respond::with_headers(resp, &[(PICTURE_CHANGED_HEADER, agent.to_string())])
}
