//! Groups (`groups`, `groups/{id}`): departments visitors can pick, each
//! with its own status. Deleting a group takes it out of its agents (never
//! leaving one in no group) and closes the sockets of visitors watching it
//! (close code 4004).

use crate::domain::text::display_name;
use crate::error::ApiError;
use crate::respond;
use crate::site::call::Call;
use crate::site::config::Config;
use crate::site::presence::Change;
use crate::site::state::Site;
use crate::sockets::{self, Tag};
use presenza_protocol::body::GroupBody;
use presenza_protocol::frame::close;
use presenza_protocol::limits::DEFAULT_MAX_GROUPS_PER_SITE;
use presenza_protocol::view::GroupList;
use presenza_protocol::GroupId;
use worker::Response;

pub fn list(cfg: &Config) -> Result<Response, ApiError> {
    let groups = cfg
        .groups
        .iter()
        .map(|(id, name)| cfg.group_view(id, name))
        .collect();
    respond::json(200, &GroupList { groups })
}

pub fn get(cfg: &Config, id: &GroupId) -> Result<Response, ApiError> {
    match cfg.groups.get(id) {
        Some(name) => respond::json(200, &cfg.group_view(id, name)),
        None => Err(ApiError::unknown_group(id.as_str())),
    }
}

/// Creates (201) or renames (200) a group.
pub async fn put(
    site: &Site,
    cfg: &Config,
    call: &Call<'_>,
    id: &GroupId,
) -> Result<Response, ApiError> {
    let body: GroupBody = call.body.json()?;
    let name = display_name("name", &body.name)?;
    if !cfg.groups.contains_key(id) {
        let max = site.env_usize("MAX_GROUPS_PER_SITE", DEFAULT_MAX_GROUPS_PER_SITE);
        if cfg.groups.len() >= max {
            return Err(ApiError::conflict(
                "limit_reached",
                format!("a site has at most {max} groups"),
            ));
        }
    }
    let created = site.store.upsert_group(id, &name, call.now)?;
    site.settle(Change::ConfigChanged, call.now).await?;
    let cfg = site.config()?;
    respond::json(if created { 201 } else { 200 }, &cfg.group_view(id, &name))
}

/// Deletes a group, unless that would leave an agent in no group: an agent
/// in no group serves every group, so deleting its only group would widen
/// its access (409 `group_in_use`, naming the agents to move first).
pub async fn delete(
    site: &Site,
    cfg: &Config,
    call: &Call<'_>,
    id: &GroupId,
) -> Result<Response, ApiError> {
    if !cfg.groups.contains_key(id) {
        return Err(ApiError::unknown_group(id.as_str()));
    }
    let stranded: Vec<String> = site
        .store
        .agents()?
        .into_iter()
        .filter(|a| !a.groups.is_empty() && a.groups.iter().all(|g| g == id))
        .map(|a| a.id.to_string())
        .collect();
    if !stranded.is_empty() {
        return Err(ApiError::conflict(
            "group_in_use",
            format!(
                "`{id}` is the only group of {}: give them another group first (an agent in no \
                 group serves every group)",
                stranded.join(", ")
            ),
        ));
    }
    // Its agents and its hours go: what switch hours chose is kept first.
    site.keep_hours_choices(cfg, call.now)?;
    site.store.delete_group(id)?;
    sockets::close_tag(
        &site.state,
        Tag::Audience(Some(id)),
        close::GROUP_DELETED,
        "group deleted",
    );
    site.tallies.visitors_closed_by_us();
    site.settle(Change::ConfigChanged, call.now).await?;
    respond::no_content()
}
