//! `POST conversations/{id}/assign`: assigns a conversation to an agent
//! who serves it (`{"agent": id}`), unassigns it (`{"agent": null}`), or
//! transfers it to a group (`{"group": id}`, with an agent of that group
//! or unassigned there). A transfer makes the conversation the group's: its
//! agents (and those in no group) see it in their inbox and get its
//! e-mail; the agents who served it only through the old group lose it.
//! The visitor is told in their chat by a system message ("Giulia joined
//! the conversation.", "You've been transferred to Sales."), stored like
//! every message, so it is in their history after a reload; asking twice
//! tells them once. The decision is the rules' `assign_plan`.
//! `GET` the same path: who it may go to (the console's Assign control).

use crate::bindings;
use crate::domain::message::{seq, ClientKey, ASSIGNED_CLIENT_ID, TRANSFERRED_CLIENT_ID};
use crate::error::ApiError;
use crate::respond;
use crate::site::call::Call;
use crate::site::config::Config;
use crate::site::conversation::deliver::{self, Origin};
use crate::site::conversation::{served, view, Stored};
use crate::site::presence::Change;
use crate::site::state::Site;
use crate::site::webhooks;
use crate::store::{AgentRow, ConversationRow, MessageRow, StoreError};
use presenza_protocol::body::AssignBody;
use presenza_protocol::view::{AssignChoices, Assignable, GroupRef};
use presenza_protocol::{AgentId, ConversationId, GroupId};
use presenza_rules::{
    assign_plan, assigned_message, transferred_message, AssignRefusal, AssignRequest, Assignment,
    MessageKind, Sender,
};
use worker::Response;

pub async fn post(
    site: &Site,
    cfg: &Config,
    call: &Call<'_>,
    me: &AgentRow,
    id: &ConversationId,
) -> Result<Response, ApiError> {
    let input: AssignBody = call.body.json()?;
    let conv = served::conversation(site, cfg, me, id)?;
    let group = target_group(cfg, input.group.as_deref())?;
    let agent = match &input.agent {
        Some(Some(a)) => Some(target_agent(site, a)?),
        _ => None,
    };
    let to_group = group.as_ref().or(conv.grp.as_ref());
    let target_serves = agent
        .as_ref()
        .is_some_and(|a| cfg.serves(&a.groups, to_group));
    let plan = assign_plan(
        conv.state,
        Assignment {
            group: conv.grp.as_ref().map(GroupId::as_str),
            agent: conv.assignee_id.as_ref().map(AgentId::as_str),
        },
        AssignRequest {
            group: group.as_ref().map(GroupId::as_str),
            agent: input
                .agent
                .as_ref()
                .map(|_| agent.as_ref().map(|a| a.id.as_str())),
        },
        target_serves,
    )
    .map_err(|refusal| refused(refusal, agent.as_ref(), to_group))?;
    let visitor = site
        .store
        .visitor(&conv.visitor_id)?
        .ok_or_else(|| ApiError::internal("conversation without visitor"))?;

    let mut after = conv.clone();
    after.grp = plan.to.group.and_then(GroupId::parse);
    if plan.to.agent != conv.assignee_id.as_ref().map(AgentId::as_str) {
        after.assignee_id = agent.as_ref().map(|a| a.id.clone());
        after.assignee_name = agent.as_ref().map(|a| a.name.clone());
    }
    if after.grp == conv.grp && after.assignee_id == conv.assignee_id {
        return view::answer_to(site, &conv, &visitor, &me.id);
    }
    let now = call.now;
    let notes = store(site, cfg, &mut after, &plan, now)?;

    // Stored: what follows only tells others.
    if let Some((first, rest)) = notes.split_first() {
        let stored = Stored {
            conversation: after.clone(),
            visitor: visitor.clone(),
            message: first.clone(),
            created: true,
            automatic: rest.to_vec(),
            reopened: false,
            left: false,
        };
        if let Err(e) = deliver::message(site, cfg, &stored, Origin::Http) {
            worker::console_error!("deliver: {e}");
        }
    }
    deliver::assignment(site, cfg, &conv, &after, &visitor);
    if plan.joined {
        deliver::joined(site, &visitor, &after.id);
    }
    if plan.joined || plan.transferred {
        if let Err(e) = webhooks::conversation_assigned(site, cfg, &after, me, now).await {
            worker::console_error!("webhook: {e}");
        }
    }
    view::answer_to(site, &after, &visitor, &me.id)
}

/// `GET conversations/{id}/assign`: the agents who serve the conversation,
/// with their status now, and the site's groups, by name.
pub async fn choices(
    site: &Site,
    cfg: &Config,
    call: &Call<'_>,
    me: &AgentRow,
    id: &ConversationId,
) -> Result<Response, ApiError> {
    let conv = served::conversation(site, cfg, me, id)?;
    let snap = site.settle(Change::Read, call.now).await?;
    let mut agents: Vec<Assignable> = snap
        .published
        .agents
        .values()
        .filter(|a| cfg.serves(&a.groups, conv.grp.as_ref()))
        .map(|a| Assignable {
            id: a.id.clone(),
            name: a.name.clone(),
            status: a.status,
        })
        .collect();
    agents.sort_by(|a, b| a.name.cmp(&b.name).then_with(|| a.id.cmp(&b.id)));
    let groups = cfg
        .groups
        .iter()
        .map(|(id, name)| GroupRef {
            id: id.clone(),
            name: name.clone(),
        })
        .collect();
    respond::json(200, &AssignChoices { agents, groups })
}

/// The group to transfer to, if one is asked for: one the site has (404
/// `unknown_group` otherwise).
fn target_group(cfg: &Config, group: Option<&str>) -> Result<Option<GroupId>, ApiError> {
    let Some(raw) = group else { return Ok(None) };
    GroupId::parse(raw)
        .filter(|g| cfg.groups.contains_key(g))
        .map(Some)
        .ok_or_else(|| ApiError::unknown_group(raw))
}

/// The agent to assign: one of the site's (404 `agent_not_found`
/// otherwise).
fn target_agent(site: &Site, raw: &str) -> Result<AgentRow, ApiError> {
    let found = match AgentId::parse(raw) {
        Some(id) => site.store.agent(&id)?,
        None => None,
    };
    found.ok_or_else(|| ApiError::agent_not_found(raw))
}

fn refused(refusal: AssignRefusal, agent: Option<&AgentRow>, group: Option<&GroupId>) -> ApiError {
    match refusal {
        AssignRefusal::Empty => ApiError::bad_request(
            "invalid_field",
            "give `agent` (an agent id, or null to unassign) or `group` (a group id)",
        ),
        AssignRefusal::Closed => ApiError::conflict(
            "conversation_closed",
            "this conversation is closed; reopen it before assigning it",
        ),
        AssignRefusal::NotServing => {
            let who = agent.map_or("", |a| a.id.as_str());
            let audience =
                group.map_or_else(|| "the whole site".to_owned(), |g| format!("group `{g}`"));
            ApiError::conflict(
                "agent_not_serving",
                format!(
                    "agent `{who}` does not serve {audience}, so could not see this conversation; \
                     transfer it to one of their groups with `group`"
                ),
            )
        }
    }
}

/// Stores the new group and assignee and the notes the visitor is told (a
/// transfer first, then who joined), in one transaction; answers the notes.
fn store(
    site: &Site,
    cfg: &Config,
    after: &mut ConversationRow,
    plan: &presenza_rules::AssignPlan<'_>,
    now: i64,
) -> Result<Vec<MessageRow>, ApiError> {
    let group_name = after
        .grp
        .as_ref()
        .map(|g| cfg.groups.get(g).cloned().unwrap_or_else(|| g.to_string()));
    let stored = bindings::transaction(&site.state, || {
        let mut notes = Vec::new();
        let mut add = |conv: &mut ConversationRow, kind: MessageKind, subject: String| {
            conv.last_seq += 1;
            conv.updated_at = now;
            let (client_id, key, text) = match kind {
                MessageKind::Transferred => (
                    TRANSFERRED_CLIENT_ID,
                    ClientKey::Transferred(seq(conv.last_seq)),
                    transferred_message(&subject),
                ),
                _ => (
                    ASSIGNED_CLIENT_ID,
                    ClientKey::Assigned(seq(conv.last_seq)),
                    assigned_message(&subject),
                ),
            };
            let message = MessageRow {
                seq: conv.last_seq,
                client_id: client_id.to_string(),
                sender: Sender::System,
                agent_id: None,
                agent_name: None,
                text,
                at: now,
                kind: Some(kind),
                subject: Some(subject),
                agent_picture: None,
            };
            site.store.insert_message(&conv.id, &key, &message)?;
            notes.push(message);
            Ok::<_, StoreError>(())
        };
        if plan.transferred {
            if let Some(name) = group_name.clone() {
                add(after, MessageKind::Transferred, name)?;
            }
        }
        if plan.joined {
            if let Some(name) = after.assignee_name.clone() {
                add(after, MessageKind::Assigned, name)?;
            }
        }
        site.store.save_assignment(after)?;
        site.store.save_conversation(after)?;
        Ok::<_, StoreError>(notes)
    })?;
    Ok(stored)
}
