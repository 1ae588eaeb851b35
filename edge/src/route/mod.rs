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

use crate::domain::cursor::ListCursor;
use crate::error::ApiError;
use presenza_protocol::limits::{
    DEFAULT_LISTED_CONVERSATIONS, MAX_ENTITY_ID_LEN, MAX_LISTED_CONVERSATIONS, MAX_SEQ,
};
use presenza_protocol::{AgentId, ConversationId, GroupId, SiteId, VisitorId};
use presenza_rules::StateFilter;
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
    /// GET widget-config
    WidgetConfig,
    /// GET visitor/messages?after= (the visitor header authenticates).
    Messages { after: u64 },
    /// POST visitor/messages
    Send,
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
    /// GET conversations?state=&limit=&cursor=
    ListConversations {
        state: StateFilter,
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
}

impl SiteOp {
    /// Operations that carry a JSON body.
    pub fn has_body(&self) -> bool {
        matches!(
            self,
            SiteOp::Visitor(VisitorOp::Send)
                | SiteOp::Agent(AgentOp::PutStatus | AgentOp::Reply(_) | AgentOp::MarkRead(_))
                | SiteOp::Owner(
                    OwnerOp::PutSettings
                        | OwnerOp::PutGroup(_)
                        | OwnerOp::PutAgent(_)
                        | OwnerOp::PutHours { .. }
                )
        )
    }

    /// Operations that may change presence or configuration (the Worker drops
    /// its cached statuses of the site when it forwards one). Conversations
    /// never change either.
    pub fn is_write(&self) -> bool {
        match self {
            SiteOp::Visitor(_) => false,
            SiteOp::Agent(op) => matches!(
                op,
                AgentOp::PutStatus | AgentOp::Heartbeat | AgentOp::SignOut | AgentOp::Session
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
            ),
        }
    }
}

/// Value of a query parameter (first occurrence), not decoded: the values we
/// read are ids and tokens made of URL-safe characters only.
pub fn query_param<'a>(query: Option<&'a str>, name: &str) -> Option<&'a str> {
    query?.split('&').find_map(|pair| {
        let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
        (k == name).then_some(v)
    })
}

fn group_query(query: Option<&str>) -> Result<Option<GroupId>, ApiError> {
    match query_param(query, "group") {
        None | Some("") => Ok(None),
        // A group id that cannot exist is simply an unknown group.
        Some(g) => GroupId::parse(g)
            .map(Some)
            .ok_or_else(|| ApiError::unknown_group(g)),
    }
}

/// `?visitor=<id>` on `/live`: absent or empty → `None`.
fn visitor_query(query: Option<&str>) -> Result<Option<VisitorId>, ApiError> {
    match query_param(query, "visitor") {
        None | Some("") => Ok(None),
        Some(v) => VisitorId::parse(v)
            .map(Some)
            .ok_or_else(ApiError::invalid_visitor),
    }
}

/// `?after=<seq>`: absent or empty → 0.
fn after_query(query: Option<&str>) -> Result<u64, ApiError> {
    match query_param(query, "after") {
        None | Some("") => Ok(0),
        Some(v) => v
            .parse::<u64>()
            .ok()
            .filter(|n| *n <= MAX_SEQ)
            .ok_or_else(|| invalid_query("`after` must be a sequence number (an integer >= 0)")),
    }
}

fn invalid_query(message: &'static str) -> ApiError {
    ApiError::bad_request("invalid_query", message)
}

/// `?state=open|closed|all&limit=1..200&cursor=C` of `GET /conversations`;
/// absent or empty → open, 100, first page.
fn list_query(query: Option<&str>) -> Result<AgentOp, ApiError> {
    let state = match query_param(query, "state") {
        None | Some("") => StateFilter::Open,
        Some(s) => StateFilter::parse(s)
            .ok_or_else(|| invalid_query("`state` must be `open`, `closed` or `all`"))?,
    };
    let limit = match query_param(query, "limit") {
        None | Some("") => DEFAULT_LISTED_CONVERSATIONS,
        Some(v) => v
            .parse::<usize>()
            .ok()
            .filter(|n| (1..=MAX_LISTED_CONVERSATIONS).contains(n))
            .ok_or_else(|| invalid_query("`limit` must be an integer from 1 to 200"))?,
    };
    let cursor = match query_param(query, "cursor") {
        None | Some("") => None,
        Some(c) => Some(ListCursor::parse(c).ok_or_else(|| {
            invalid_query("`cursor` must be the `next_cursor` of a previous page")
        })?),
    };
    Ok(AgentOp::ListConversations {
        state,
        limit,
        cursor,
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

fn only(method: &str, allow: &'static str) -> Result<(), ApiError> {
    if allow.split(", ").any(|m| m == method) {
        Ok(())
    } else {
        Err(ApiError::MethodNotAllowed { allow })
    }
}

/// Parses a request line. `query` is the raw query string without `?`.
/// OPTIONS is not routed here (pre-flights are answered before routing).
pub fn parse(method: &str, path: &str, query: Option<&str>) -> Result<Route, ApiError> {
    let rest = path
        .strip_prefix("/v1/")
        .ok_or_else(ApiError::route_not_found)?;
    let segs: Vec<&str> = rest.split('/').collect();
    match segs.as_slice() {
        ["health"] => only(method, "GET").map(|_| Route::Health),
        ["ping"] => only(method, "GET").map(|_| Route::Ping),
        ["openapi.json"] => only(method, "GET").map(|_| Route::OpenApi),
        ["sites"] => only(method, "POST").map(|_| Route::CreateSite),
        ["sites", site] => {
            let site = SiteId::parse(site).ok_or_else(ApiError::site_not_found)?;
            only(method, "DELETE").map(|_| Route::DeleteSite(site))
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
    let op = match tail {
        ["status"] => {
            only(method, "GET")?;
            Visitor(VisitorOp::Status {
                group: group_query(query)?,
            })
        }
        ["live"] => {
            only(method, "GET")?;
            Visitor(VisitorOp::Live {
                group: group_query(query)?,
                visitor: visitor_query(query)?,
            })
        }
        ["visitor", "messages"] => match method {
            "GET" => Visitor(VisitorOp::Messages {
                after: after_query(query)?,
            }),
            "POST" => Visitor(VisitorOp::Send),
            _ => return Err(ApiError::MethodNotAllowed { allow: "GET, POST" }),
        },
        ["widget-config"] => {
            only(method, "GET")?;
            Visitor(VisitorOp::WidgetConfig)
        }
        ["conversations"] => {
            only(method, "GET")?;
            Agent(list_query(query)?)
        }
        ["conversations", id, "messages"] => match method {
            "GET" => Agent(AgentOp::ConversationMessages {
                id: conversation_id(id)?,
                after: after_query(query)?,
            }),
            "POST" => Agent(AgentOp::Reply(conversation_id(id)?)),
            _ => return Err(ApiError::MethodNotAllowed { allow: "GET, POST" }),
        },
        ["conversations", id, "read"] => {
            only(method, "POST")?;
            Agent(AgentOp::MarkRead(conversation_id(id)?))
        }
        ["conversations", id, "close"] => {
            only(method, "POST")?;
            Agent(AgentOp::Close(conversation_id(id)?))
        }
        ["conversations", id, "reopen"] => {
            only(method, "POST")?;
            Agent(AgentOp::Reopen(conversation_id(id)?))
        }
        ["agents", "me"] => {
            only(method, "GET")?;
            Agent(AgentOp::Me)
        }
        ["agents", "me", "status"] => {
            only(method, "PUT")?;
            Agent(AgentOp::PutStatus)
        }
        ["agents", "me", "heartbeat"] => {
            only(method, "POST")?;
            Agent(AgentOp::Heartbeat)
        }
        ["agents", "me", "sign-out"] => {
            only(method, "POST")?;
            Agent(AgentOp::SignOut)
        }
        ["agents", "me", "session"] => {
            only(method, "GET")?;
            Agent(AgentOp::Session)
        }
        ["settings"] => match method {
            "GET" => Owner(OwnerOp::GetSettings),
            "PUT" => Owner(OwnerOp::PutSettings),
            _ => return Err(ApiError::MethodNotAllowed { allow: "GET, PUT" }),
        },
        ["stats"] => {
            only(method, "GET")?;
            Owner(OwnerOp::Stats)
        }
        ["groups"] => {
            only(method, "GET")?;
            Owner(OwnerOp::ListGroups)
        }
        ["groups", group] => {
            only(method, "GET, PUT, DELETE")?;
            let g = group_id(method, group)?;
            Owner(match method {
                "GET" => OwnerOp::GetGroup(g),
                "PUT" => OwnerOp::PutGroup(g),
                _ => OwnerOp::DeleteGroup(g),
            })
        }
        ["working-hours"] => Owner(hours_op(method, None)?),
        ["groups", group, "working-hours"] => {
            only(method, "GET, PUT, DELETE")?;
            let g = GroupId::parse(group).ok_or_else(|| ApiError::unknown_group(group))?;
            Owner(hours_op(method, Some(g))?)
        }
        ["agents"] => {
            only(method, "GET")?;
            Owner(OwnerOp::ListAgents)
        }
        ["agents", agent] => {
            only(method, "GET, PUT, DELETE")?;
            let a = agent_id(method, agent)?;
            Owner(match method {
                "GET" => OwnerOp::GetAgent(a),
                "PUT" => OwnerOp::PutAgent(a),
                _ => OwnerOp::DeleteAgent(a),
            })
        }
        ["visitors", visitor] => {
            only(method, "DELETE")?;
            let v = VisitorId::parse(visitor).ok_or_else(ApiError::visitor_not_found)?;
            Owner(OwnerOp::EraseVisitor(v))
        }
        ["owner-key"] => {
            only(method, "POST")?;
            Owner(OwnerOp::RotateOwnerKey)
        }
        ["agents", agent, "token"] => {
            only(method, "POST")?;
            let a = AgentId::parse(agent).ok_or_else(|| ApiError::agent_not_found(agent))?;
            Owner(OwnerOp::RotateToken(a))
        }
        _ => return Err(ApiError::route_not_found()),
    };
    Ok(op)
}

fn hours_op(method: &str, group: Option<GroupId>) -> Result<OwnerOp, ApiError> {
    Ok(match method {
        "GET" => OwnerOp::GetHours { group },
        "PUT" => OwnerOp::PutHours { group },
        "DELETE" => OwnerOp::DeleteHours { group },
        _ => {
            return Err(ApiError::MethodNotAllowed {
                allow: "GET, PUT, DELETE",
            })
        }
    })
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
