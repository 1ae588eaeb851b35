//! `PUT`/`DELETE agents/me/picture` (the agent's own) and, for the owner,
//! `agents/{id}/picture` (any agent's, the owner's own agent included):
//! the picture shown on the agent's status menu, in the inbox, on the
//! owner's team view and in the widget's header. The body is the image
//! itself (`domain::picture`). A change is an agent change: the agent's
//! devices get `agent_status` and the owner's team view `team` with the
//! new `picture` version; the widgets whose header shows the agent get an
//! `agent` frame, and every widget gets it with the agent's messages.

use crate::error::ApiError;
use crate::objects::PICTURE_CHANGED_HEADER;
use crate::respond;
use crate::site::call::Call;
use crate::site::conversation::deliver;
use crate::site::presence::Change;
use crate::site::state::Site;
use presenza_protocol::view::AgentRef;
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
    tell_widgets(
        site,
        view.id.clone(),
        view.name.clone(),
        view.picture.clone(),
    );
    Ok(changed(respond::json(200, view)?, agent))
}

/// Removes the picture (204, also when there was none: the agent shows
/// its initials either way).
pub async fn delete(site: &Site, call: &Call<'_>, agent: &AgentId) -> Result<Response, ApiError> {
    if site.store.delete_picture(agent)? {
        let snap = site.settle(Change::AgentsChanged, call.now).await?;
        if let Some(view) = snap.agent(agent) {
            tell_widgets(site, view.id.clone(), view.name.clone(), None);
        }
    }
    Ok(changed(respond::no_content()?, agent))
}

/// The widgets whose header shows the agent follow at once (best effort:
/// the picture is stored; a widget gets it with the agent's next message
/// otherwise).
fn tell_widgets(site: &Site, id: AgentId, name: String, picture: Option<String>) {
    let agent = AgentRef { id, name, picture };
    if let Err(e) = deliver::header_everywhere(site, &agent) {
        worker::console_error!("picture to widgets: {e}");
    }
}

/// Tells the Worker whose cached picture to drop.
fn changed(resp: Response, agent: &AgentId) -> Response {
    respond::with_headers(resp, &[(PICTURE_CHANGED_HEADER, agent.to_string())])
}
