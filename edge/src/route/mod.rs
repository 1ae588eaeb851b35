//! Public URL → typed [`Route`]. Pure. The Worker parses each request once
//! and hands the object the [`SiteOp`] (serialized in an internal header, see
//! `site::call`); the object never reads the public URL again.
//!
//! A site operation says who may call it by its variant: [`VisitorOp`]s are
//! public (widgets), [`AgentOp`]s need an agent token, [`OwnerOp`]s the
//! owner key. Ids are parsed here into the protocol's newtypes, so handlers
//! receive an `AgentId`, never a string to check.
//!
//! Ids are URL-safe, so paths are matched without percent-decoding:
//! anything else is simply not an id.
//!
//! Every route declares its methods, compared exactly as sent (the Worker
//! passes the runtime's method string, not a lossy enum): any other method is
//! a 405 with `Allow`, whatever its name. Each route also declares the query
//! parameters it reads, and [`Query`] refuses the rest (400 `invalid_query`).

mod query;

use crate::domain::cursor::ListCursor;
use crate::domain::period::PeriodQuery;
use crate::error::ApiError;
use presenza_protocol::limits::{MAX_BODY_BYTES, MAX_ENTITY_ID_LEN, MAX_PICTURE_BYTES};
use presenza_protocol::{AgentId, ConversationId, DeviceId, GroupId, SiteId, VisitorId};
use presenza_rules::{AssignedFilter, StateFilter};
pub use query::Query;
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Route {
    Health,
    Ping,
    OpenApi,
    /// Platform admin: POST /v1/sites.
    CreateSite,
    /// Platform admin: DELETE /v1/sites/{site}, with everything in it.
    DeleteSite(SiteId),
    /// Platform admin: GET /v1/sites, the sites of the directory.
    ListSites,
    /// Platform admin: PUT /v1/sites/{site}, the site's name.
    RenameSite(SiteId),
    /// Anything under /v1/sites/{site}/: served by that site's object.
    Site {
        site: SiteId,
        op: SiteOp,
    },
}

/// The header in which the Worker hands the object the parsed operation.
/// The Worker always sets it (a client's own value never passes through).
pub const FORWARDED_HEADER: &str = "X-Presenza-Op";

/// What the Worker forwards to a site's object: the site and the operation,
/// parsed once.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Forwarded {
    pub site: SiteId,
    pub op: SiteOp,
}

impl Forwarded {
    /// The header value (JSON; ids are ASCII, so it is a valid header).
    pub fn encode(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }

    /// The operation the Worker forwarded; `None` for anything else.
    pub fn decode(header: Option<&str>) -> Option<Forwarded> {
        serde_json::from_str(header?).ok()
    }
}

/// An operation on one site, by who may call it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum SiteOp {
    Visitor(VisitorOp),
    Agent(AgentOp),
    Owner(OwnerOp),
}

/// Public: what a widget (or anyone) may call.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum VisitorOp {
    /// GET status?group=
    Status { group: Option<GroupId> },
    /// GET live?group=&visitor=: the visitor socket. `visitor` tags the
    /// socket with the visitor (cheap delivery of conversation messages
    /// once the `auth` frame proves the secret).
    Live {
        group: Option<GroupId>,
        visitor: Option<VisitorId>,
    },
    /// GET widget-config?group=: the widget's settings and the
    /// audience's status.
    WidgetConfig { group: Option<GroupId> },
    /// GET visitor/messages?after= (the visitor header authenticates).
    Messages { after: u64 },
    /// POST visitor/messages
    Send,
    /// POST visitor/transcript: the conversation by e-mail.
    Transcript,
    /// GET email/unsubscribe/{code}: the link in every e-mail.
    Unsubscribe(String),
    /// GET agents/{id}/picture?v=: an agent's picture (widgets on other
    /// origins show it); `version` as its URL carries it.
    Picture {
        agent: AgentId,
        version: Option<String>,
    },
}

/// Needs an agent token; the handler receives the authenticated agent.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum AgentOp {
    /// GET agents/me
    Me,
    /// PUT agents/me/status
    PutStatus,
    /// POST agents/me/heartbeat
    Heartbeat,
    /// POST agents/me/sign-out
    SignOut,
    /// GET agents/me/session: the device socket.
    Session,
    /// GET agents/me/devices: this agent's signed-in devices.
    ListDevices,
    /// POST agents/me/devices: signs a device in (agent token only).
    AddDevice,
    /// DELETE agents/me/devices/{id}: signs a device out for good.
    RevokeDevice(DeviceId),
    /// PUT agents/me/picture: the agent's own picture (the image bytes).
    PutPicture,
    /// DELETE agents/me/picture
    DeletePicture,
    /// GET conversations?state=&assigned=&limit=&cursor=
    ListConversations {
        state: StateFilter,
        assigned: AssignedFilter,
        limit: usize,
        cursor: Option<ListCursor>,
    },
    /// GET conversations/{id}/messages?after=
    ConversationMessages { id: ConversationId, after: u64 },
    /// POST conversations/{id}/messages
    Reply(ConversationId),
    /// POST conversations/{id}/read
    MarkRead(ConversationId),
    /// POST conversations/{id}/close
    Close(ConversationId),
    /// POST conversations/{id}/reopen
    Reopen(ConversationId),
    /// POST conversations/{id}/assign
    Assign(ConversationId),
    /// GET conversations/{id}/assign: who it may go to.
    AssignChoices(ConversationId),
}

/// Needs the owner key.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum OwnerOp {
    GetSettings,
    PutSettings,
    Stats,
    ListGroups,
    GetGroup(GroupId),
    PutGroup(GroupId),
    DeleteGroup(GroupId),
    ListAgents,
    GetAgent(AgentId),
    PutAgent(AgentId),
    DeleteAgent(AgentId),
    RotateToken(AgentId),
    /// `group: None`: the site's own working hours.
    GetHours {
        group: Option<GroupId>,
    },
    PutHours {
        group: Option<GroupId>,
    },
    DeleteHours {
        group: Option<GroupId>,
    },
    /// DELETE visitors/{id}: erases one visitor's data.
    EraseVisitor(VisitorId),
    /// POST owner-key: a new owner key; the old one stops at once.
    RotateOwnerKey,
    /// GET history?from=&to=&group=&format=: the audiences' status
    /// changes (`group: None`: the site and every group).
    History {
        period: PeriodQuery,
        group: Option<GroupId>,
        csv: bool,
    },
    /// GET insights?from=&to=&group=&first_reply_secs=: coverage, missed
    /// conversations and first-response times.
    Insights {
        period: PeriodQuery,
        group: Option<GroupId>,
        first_reply_secs: u32,
    },
    /// GET agents/{id}/devices
    AgentDevices(AgentId),
    /// DELETE agents/{id}/devices/{device}
    RevokeAgentDevice(AgentId, DeviceId),
    /// POST agents/{id}/offline: the agent's status set offline for it.
    SetOffline(AgentId),
    /// PUT agents/{id}/picture: any agent's picture (the image bytes).
    PutPicture(AgentId),
    /// DELETE agents/{id}/picture
    DeletePicture(AgentId),
    /// GET team: the owner's team socket (every agent's view, live).
    Team,
    /// GET saved-replies
    GetSavedReplies,
    /// PUT saved-replies: the whole list (agents' devices are told).
    PutSavedReplies,
    /// GET webhooks: the endpoints with their last result.
    GetWebhooks,
    /// PUT webhooks: the whole list of endpoints.
    PutWebhooks,
    /// POST webhooks/secret: a new signing secret, shown once.
    RotateWebhookSecret,
    /// GET onboarding: the owner's checklist.
    GetOnboarding,
    /// PUT onboarding: the owner's answers to it.
    PutOnboarding,
    /// PUT owner-agent: the owner answers chats too, as this agent.
    PutOwnerAgent,
    /// DELETE owner-agent: the owner no longer does.
    DeleteOwnerAgent,
    /// POST owner-agent/devices: signs this device in as the owner's agent.
    OwnerAgentDevice,
}

impl SiteOp {
    /// Operations that carry a JSON body.
    pub fn has_body(&self) -> bool {
        matches!(
            self,
            SiteOp::Visitor(VisitorOp::Send | VisitorOp::Transcript)
                | SiteOp::Agent(
                    AgentOp::PutStatus
                        | AgentOp::Reply(_)
                        | AgentOp::MarkRead(_)
                        | AgentOp::Assign(_)
                        | AgentOp::AddDevice
                        | AgentOp::PutPicture
                )
                | SiteOp::Owner(
                    OwnerOp::PutSettings
                        | OwnerOp::PutGroup(_)
                        | OwnerOp::PutAgent(_)
                        | OwnerOp::PutHours { .. }
                        | OwnerOp::PutSavedReplies
                        | OwnerOp::PutWebhooks
                        | OwnerOp::PutOnboarding
                        | OwnerOp::PutOwnerAgent
                        | OwnerOp::OwnerAgentDevice
                        | OwnerOp::PutPicture(_)
                )
        )
    }

    /// The largest body the operation reads: an agent's picture, or JSON.
    pub fn body_limit(&self) -> usize {
        match self {
            SiteOp::Agent(AgentOp::PutPicture) | SiteOp::Owner(OwnerOp::PutPicture(_)) => {
                MAX_PICTURE_BYTES
            }
            _ => MAX_BODY_BYTES,
        }
    }

    /// Operations that may change presence or configuration (the Worker drops
    /// its cached statuses of the site when it forwards one). Conversations
    /// never change either.
    pub fn is_write(&self) -> bool {
        match self {
            SiteOp::Visitor(_) => false,
            SiteOp::Agent(op) => matches!(
                op,
                AgentOp::PutStatus
                    | AgentOp::Heartbeat
                    | AgentOp::SignOut
                    | AgentOp::Session
                    | AgentOp::RevokeDevice(_)
                    | AgentOp::PutPicture
                    | AgentOp::DeletePicture
            ),
            SiteOp::Owner(op) => !matches!(
                op,
                OwnerOp::GetSettings
                    | OwnerOp::Stats
                    | OwnerOp::ListGroups
                    | OwnerOp::GetGroup(_)
                    | OwnerOp::ListAgents
                    | OwnerOp::GetAgent(_)
                    | OwnerOp::GetHours { .. }
                    | OwnerOp::History { .. }
                    | OwnerOp::Insights { .. }
                    | OwnerOp::AgentDevices(_)
                    | OwnerOp::Team
                    | OwnerOp::GetSavedReplies
                    | OwnerOp::PutSavedReplies
                    | OwnerOp::GetWebhooks
                    | OwnerOp::PutWebhooks
                    | OwnerOp::RotateWebhookSecret
                    | OwnerOp::GetOnboarding
                    | OwnerOp::PutOnboarding
            ),
        }
    }
}

/// Value of a query parameter, not decoded: the values we read are ids and
/// tokens made of URL-safe characters only. For the object, on a URL the
/// Worker routed ([`parse`] refused repeated and unknown parameters).
pub fn query_param<'a>(query: Option<&'a str>, name: &str) -> Option<&'a str> {
    query?.split('&').find_map(|pair| {
        let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
        (k == name).then_some(v)
    })
}

fn conversation_id(id: &str) -> Result<ConversationId, ApiError> {
    ConversationId::parse(id).ok_or_else(ApiError::conversation_not_found)
}

/// A group in a path: an id that cannot exist is an unknown group, except
/// when creating it (PUT), where it is an invalid id.
fn group_id(method: &str, id: &str) -> Result<GroupId, ApiError> {
    GroupId::parse(id).ok_or_else(|| {
        if method == "PUT" {
            invalid_id("group", id)
        } else {
            ApiError::unknown_group(id)
        }
    })
}

/// An agent in a path, like [`group_id`].
fn agent_id(method: &str, id: &str) -> Result<AgentId, ApiError> {
    AgentId::parse(id).ok_or_else(|| {
        if method == "PUT" {
            invalid_id("agent", id)
        } else {
            ApiError::agent_not_found(id)
        }
    })
}

/// A device in a path: an id that cannot exist is an unknown device.
fn device_id(id: &str) -> Result<DeviceId, ApiError> {
    DeviceId::parse(id).ok_or_else(ApiError::device_not_found)
}

/// A method the route declares, then a query of the parameters it reads
/// (`known`). Methods are compared exactly (they are case-sensitive): `get`,
/// `QUERY` or `FOO` on a GET route is a 405 with `Allow`, like any other
/// method the route does not declare.
fn accept<'q>(
    method: &str,
    allow: &'static str,
    query: Option<&'q str>,
    known: &[&str],
) -> Result<Query<'q>, ApiError> {
    if !allow.split(", ").any(|m| m == method) {
        return Err(ApiError::MethodNotAllowed { allow });
    }
    Query::parse(query, known)
}

/// Parses a request line. `query` is the raw query string without `?`.
/// OPTIONS is not routed here (pre-flights are answered before routing).
pub fn parse(method: &str, path: &str, query: Option<&str>) -> Result<Route, ApiError> {
    let rest = path
        .strip_prefix("/v1/")
        .ok_or_else(ApiError::route_not_found)?;
    let segs: Vec<&str> = rest.split('/').collect();
    match segs.as_slice() {
        ["health"] => accept(method, "GET", query, &[]).map(|_| Route::Health),
        ["ping"] => accept(method, "GET", query, &[]).map(|_| Route::Ping),
        ["openapi.json"] => accept(method, "GET", query, &[]).map(|_| Route::OpenApi),
        ["sites"] => accept(method, "GET, POST", query, &[]).map(|_| match method {
            "GET" => Route::ListSites,
            _ => Route::CreateSite,
        }),
        ["sites", site] => {
            let site = SiteId::parse(site).ok_or_else(ApiError::site_not_found)?;
            accept(method, "PUT, DELETE", query, &[]).map(|_| match method {
                "PUT" => Route::RenameSite(site),
                _ => Route::DeleteSite(site),
            })
        }
        ["sites", site, tail @ ..] => {
            let site = SiteId::parse(site).ok_or_else(ApiError::site_not_found)?;
            let op = parse_site_op(method, tail, query)?;
            Ok(Route::Site { site, op })
        }
        _ => Err(ApiError::route_not_found()),
    }
}

/// The site id of a `/v1/sites/{site}/…` path, for pre-flights (which are
/// not routed): `None` for other paths, 404 for a malformed id.
pub fn preflight_site(path: &str) -> Result<Option<SiteId>, ApiError> {
    let Some(rest) = path.strip_prefix("/v1/sites/") else {
        return Ok(None);
    };
    match rest.split('/').next().unwrap_or_default() {
        "" => Ok(None),
        site => SiteId::parse(site)
            .map(Some)
            .ok_or_else(ApiError::site_not_found),
    }
}

fn parse_site_op(method: &str, tail: &[&str], query: Option<&str>) -> Result<SiteOp, ApiError> {
    use SiteOp::{Agent, Owner, Visitor};
    // The parameters a route reads; every other one is refused (see `query`).
    let none = |allow| accept(method, allow, query, &[]);
    let op = match tail {
        ["status"] => {
            let q = accept(method, "GET", query, &["group"])?;
            Visitor(VisitorOp::Status { group: q.group()? })
        }
        ["live"] => {
            let q = accept(method, "GET", query, &["group", "visitor"])?;
            Visitor(VisitorOp::Live {
                group: q.group()?,
                visitor: q.visitor()?,
            })
        }
        ["visitor", "messages"] => match method {
            "GET" => Visitor(VisitorOp::Messages {
                after: Query::parse(query, &["after"])?.after()?,
            }),
            _ => {
                none("GET, POST")?;
                Visitor(VisitorOp::Send)
            }
        },
        ["visitor", "transcript"] => {
            none("POST")?;
            Visitor(VisitorOp::Transcript)
        }
        ["email", "unsubscribe", code] => {
            none("GET")?;
            if code.is_empty() || code.len() > 1100 {
                return Err(ApiError::not_found(
                    "invalid_unsubscribe_link",
                    "this unsubscribe link was not made by this site",
                ));
            }
            Visitor(VisitorOp::Unsubscribe((*code).to_string()))
        }
        ["widget-config"] => {
            let q = accept(method, "GET", query, &["group"])?;
            Visitor(VisitorOp::WidgetConfig { group: q.group()? })
        }
        ["conversations"] => {
            let q = accept(
                method,
                "GET",
                query,
                &["state", "assigned", "limit", "cursor"],
            )?;
            Agent(AgentOp::ListConversations {
                state: q.state()?,
                assigned: q.assigned()?,
                limit: q.limit()?,
                cursor: q.cursor()?,
            })
        }
        ["conversations", id, "messages"] => match method {
            "GET" => {
                let after = Query::parse(query, &["after"])?.after()?;
                Agent(AgentOp::ConversationMessages {
                    id: conversation_id(id)?,
                    after,
                })
            }
            _ => {
                none("GET, POST")?;
                Agent(AgentOp::Reply(conversation_id(id)?))
            }
        },
        ["conversations", id, "read"] => {
            none("POST")?;
            Agent(AgentOp::MarkRead(conversation_id(id)?))
        }
        ["conversations", id, "close"] => {
            none("POST")?;
            Agent(AgentOp::Close(conversation_id(id)?))
        }
        ["conversations", id, "reopen"] => {
            none("POST")?;
            Agent(AgentOp::Reopen(conversation_id(id)?))
        }
        ["conversations", id, "assign"] => match method {
            "GET" => {
                none("GET, POST")?;
                Agent(AgentOp::AssignChoices(conversation_id(id)?))
            }
            _ => {
                none("GET, POST")?;
                Agent(AgentOp::Assign(conversation_id(id)?))
            }
        },
        ["agents", "me"] => {
            none("GET")?;
            Agent(AgentOp::Me)
        }
        ["agents", "me", "status"] => {
            none("PUT")?;
            Agent(AgentOp::PutStatus)
        }
        ["agents", "me", "heartbeat"] => {
            none("POST")?;
            Agent(AgentOp::Heartbeat)
        }
        ["agents", "me", "sign-out"] => {
            none("POST")?;
            Agent(AgentOp::SignOut)
        }
        ["agents", "me", "devices"] => {
            none("GET, POST")?;
            Agent(match method {
                "GET" => AgentOp::ListDevices,
                _ => AgentOp::AddDevice,
            })
        }
        ["agents", "me", "devices", device] => {
            none("DELETE")?;
            Agent(AgentOp::RevokeDevice(device_id(device)?))
        }
        ["agents", "me", "picture"] => {
            none("PUT, DELETE")?;
            Agent(match method {
                "PUT" => AgentOp::PutPicture,
                _ => AgentOp::DeletePicture,
            })
        }
        ["agents", agent, "picture"] => {
            if method == "GET" {
                let q = accept(method, "GET", query, &["v"])?;
                let agent =
                    AgentId::parse(agent).ok_or_else(|| ApiError::agent_not_found(agent))?;
                Visitor(VisitorOp::Picture {
                    agent,
                    version: q.picture_version()?,
                })
            } else {
                none("GET, PUT, DELETE")?;
                let a = agent_id(method, agent)?;
                Owner(match method {
                    "PUT" => OwnerOp::PutPicture(a),
                    _ => OwnerOp::DeletePicture(a),
                })
            }
        }
        ["agents", "me", "session"] => {
            // The device socket's credential travels in a subprotocol
            // (`site::caller`), never in the URL.
            none("GET")?;
            Agent(AgentOp::Session)
        }
        ["settings"] => {
            none("GET, PUT")?;
            Owner(match method {
                "GET" => OwnerOp::GetSettings,
                _ => OwnerOp::PutSettings,
            })
        }
        ["stats"] => {
            none("GET")?;
            Owner(OwnerOp::Stats)
        }
        ["groups"] => {
            none("GET")?;
            Owner(OwnerOp::ListGroups)
        }
        ["groups", group] => {
            none("GET, PUT, DELETE")?;
            let g = group_id(method, group)?;
            Owner(match method {
                "GET" => OwnerOp::GetGroup(g),
                "PUT" => OwnerOp::PutGroup(g),
                _ => OwnerOp::DeleteGroup(g),
            })
        }
        ["working-hours"] => {
            none("GET, PUT, DELETE")?;
            Owner(hours_op(method, None))
        }
        ["groups", group, "working-hours"] => {
            none("GET, PUT, DELETE")?;
            let g = GroupId::parse(group).ok_or_else(|| ApiError::unknown_group(group))?;
            Owner(hours_op(method, Some(g)))
        }
        ["agents"] => {
            none("GET")?;
            Owner(OwnerOp::ListAgents)
        }
        ["agents", agent] => {
            none("GET, PUT, DELETE")?;
            let a = agent_id(method, agent)?;
            Owner(match method {
                "GET" => OwnerOp::GetAgent(a),
                "PUT" => OwnerOp::PutAgent(a),
                _ => OwnerOp::DeleteAgent(a),
            })
        }
        ["agents", agent, "devices"] => {
            none("GET")?;
            Owner(OwnerOp::AgentDevices(agent_id(method, agent)?))
        }
        ["agents", agent, "devices", device] => {
            none("DELETE")?;
            let a = agent_id(method, agent)?;
            Owner(OwnerOp::RevokeAgentDevice(a, device_id(device)?))
        }
        ["agents", agent, "offline"] => {
            none("POST")?;
            Owner(OwnerOp::SetOffline(agent_id(method, agent)?))
        }
        ["saved-replies"] => {
            none("GET, PUT")?;
            Owner(match method {
                "GET" => OwnerOp::GetSavedReplies,
                _ => OwnerOp::PutSavedReplies,
            })
        }
        ["webhooks"] => {
            none("GET, PUT")?;
            Owner(match method {
                "GET" => OwnerOp::GetWebhooks,
                _ => OwnerOp::PutWebhooks,
            })
        }
        ["webhooks", "secret"] => {
            none("POST")?;
            Owner(OwnerOp::RotateWebhookSecret)
        }
        ["onboarding"] => {
            none("GET, PUT")?;
            Owner(match method {
                "GET" => OwnerOp::GetOnboarding,
                _ => OwnerOp::PutOnboarding,
            })
        }
        ["owner-agent"] => {
            none("PUT, DELETE")?;
            Owner(match method {
                "PUT" => OwnerOp::PutOwnerAgent,
                _ => OwnerOp::DeleteOwnerAgent,
            })
        }
        ["owner-agent", "devices"] => {
            none("POST")?;
            Owner(OwnerOp::OwnerAgentDevice)
        }
        ["team"] => {
            // The owner key travels in a subprotocol (`site::caller`).
            none("GET")?;
            Owner(OwnerOp::Team)
        }
        ["visitors", visitor] => {
            none("DELETE")?;
            let v = VisitorId::parse(visitor).ok_or_else(ApiError::visitor_not_found)?;
            Owner(OwnerOp::EraseVisitor(v))
        }
        ["history"] => {
            let q = accept(method, "GET", query, &["from", "to", "group", "format"])?;
            Owner(OwnerOp::History {
                period: q.period()?,
                group: q.group()?,
                csv: q.csv()?,
            })
        }
        ["insights"] => {
            let q = accept(
                method,
                "GET",
                query,
                &["from", "to", "group", "first_reply_secs"],
            )?;
            Owner(OwnerOp::Insights {
                period: q.period()?,
                group: q.group()?,
                first_reply_secs: q.first_reply_secs()?,
            })
        }
        ["owner-key"] => {
            none("POST")?;
            Owner(OwnerOp::RotateOwnerKey)
        }
        ["agents", agent, "token"] => {
            none("POST")?;
            let a = AgentId::parse(agent).ok_or_else(|| ApiError::agent_not_found(agent))?;
            Owner(OwnerOp::RotateToken(a))
        }
        _ => return Err(ApiError::route_not_found()),
    };
    Ok(op)
}

/// The working-hours operation of an allowed method (GET, PUT or DELETE).
fn hours_op(method: &str, group: Option<GroupId>) -> OwnerOp {
    match method {
        "GET" => OwnerOp::GetHours { group },
        "PUT" => OwnerOp::PutHours { group },
        _ => OwnerOp::DeleteHours { group },
    }
}

fn invalid_id(kind: &str, id: &str) -> ApiError {
    let shown: String = id.chars().take(60).collect();
    ApiError::bad_request(
        "invalid_id",
        format!(
            "`{shown}` is not a valid {kind} id: use 1 to {MAX_ENTITY_ID_LEN} characters a-z 0-9 _ -, \
             starting with a letter or digit (`me` is reserved)"
        ),
    )
}

#[cfg(test)]
mod tests;
