//! Public URL → typed [`Route`]. Pure: both the Worker (to pick the site's
//! object) and the object (to dispatch) parse the same way.
//!
//! Ids are restricted to URL-safe characters, so paths are matched without
//! percent-decoding: anything else is simply not a valid id.

use crate::conversations;
use crate::error::ApiError;
use presenza_rules::StateFilter;

/// Longest accepted agent / group id.
pub const MAX_ID_LEN: usize = 40;
/// Longest accepted client-chosen HTTP session id.
pub const MAX_SESSION_ID_LEN: usize = 64;

/// `s_` followed by 32 lowercase hex digits (16 random bytes).
pub fn is_site_id(s: &str) -> bool {
    s.len() == 34
        && s.starts_with("s_")
        && s.bytes()
            .skip(2)
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

/// `[a-z0-9][a-z0-9_-]{0,39}`; `me` is reserved for the calling agent.
pub fn is_entity_id(s: &str) -> bool {
    let bytes = s.as_bytes();
    !bytes.is_empty()
        && bytes.len() <= MAX_ID_LEN
        && (bytes[0].is_ascii_lowercase() || bytes[0].is_ascii_digit())
        && bytes
            .iter()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || *b == b'_' || *b == b'-')
}

pub fn is_agent_id(s: &str) -> bool {
    is_entity_id(s) && s != "me"
}

/// A client-chosen session id (`X-Presenza-Session`): `[A-Za-z0-9_-]{1,64}`.
pub fn is_session_id(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= MAX_SESSION_ID_LEN
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Route {
    Health,
    Ping,
    OpenApi,
    /// Platform admin: POST /v1/sites.
    CreateSite,
    /// Anything under /v1/sites/{site}/: served by that site's object.
    Site {
        site: String,
        op: SiteOp,
    },
}

/// Who may call an operation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Role {
    Public,
    Owner,
    Agent,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SiteOp {
    // Visitors (no bearer credential).
    Status {
        group: Option<String>,
    },
    /// `?visitor=<id>` tags the socket with the visitor (cheap delivery of
    /// conversation messages once the `auth` frame proves the secret).
    Live {
        group: Option<String>,
        visitor: Option<String>,
    },
    WidgetConfig,
    /// GET /visitor/messages (the visitor header authenticates).
    VisitorMessages {
        after: u64,
    },
    /// POST /visitor/messages.
    VisitorSend,
    // Owner.
    GetSettings,
    PutSettings,
    Stats,
    ListGroups,
    GetGroup(String),
    PutGroup(String),
    DeleteGroup(String),
    ListAgents,
    GetAgent(String),
    PutAgent(String),
    DeleteAgent(String),
    RotateToken(String),
    GetHours {
        group: Option<String>,
    },
    PutHours {
        group: Option<String>,
    },
    DeleteHours {
        group: Option<String>,
    },
    // Agent.
    Me,
    PutMyStatus,
    Heartbeat,
    SignOut,
    Session,
    /// GET /conversations?state=&limit=&cursor=
    ListConversations {
        state: StateFilter,
        limit: usize,
        cursor: Option<conversations::ListCursor>,
    },
    ConversationMessages {
        id: String,
        after: u64,
    },
    Reply(String),
    MarkRead(String),
    Close(String),
    Reopen(String),
}

impl SiteOp {
    pub fn role(&self) -> Role {
        use SiteOp::*;
        match self {
            Status { .. } | Live { .. } | WidgetConfig | VisitorMessages { .. } | VisitorSend => {
                Role::Public
            }
            Me
            | PutMyStatus
            | Heartbeat
            | SignOut
            | Session
            | ListConversations { .. }
            | ConversationMessages { .. }
            | Reply(_)
            | MarkRead(_)
            | Close(_)
            | Reopen(_) => Role::Agent,
            _ => Role::Owner,
        }
    }

    /// Operations that carry a JSON body.
    pub fn has_body(&self) -> bool {
        matches!(
            self,
            SiteOp::PutSettings
                | SiteOp::PutGroup(_)
                | SiteOp::PutAgent(_)
                | SiteOp::PutHours { .. }
                | SiteOp::PutMyStatus
                | SiteOp::VisitorSend
                | SiteOp::Reply(_)
                | SiteOp::MarkRead(_)
        )
    }

    /// Operations that may change presence or configuration (the Worker drops
    /// its cached statuses of the site when it forwards one).
    pub fn is_write(&self) -> bool {
        !matches!(
            self,
            SiteOp::Status { .. }
                | SiteOp::Live { .. }
                | SiteOp::WidgetConfig
                | SiteOp::GetSettings
                | SiteOp::Stats
                | SiteOp::ListGroups
                | SiteOp::GetGroup(_)
                | SiteOp::ListAgents
                | SiteOp::GetAgent(_)
                | SiteOp::GetHours { .. }
                | SiteOp::Me
                // Conversations never change presence or configuration.
                | SiteOp::VisitorMessages { .. }
                | SiteOp::VisitorSend
                | SiteOp::ListConversations { .. }
                | SiteOp::ConversationMessages { .. }
                | SiteOp::Reply(_)
                | SiteOp::MarkRead(_)
                | SiteOp::Close(_)
                | SiteOp::Reopen(_)
        )
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

fn group_query(query: Option<&str>) -> Result<Option<String>, ApiError> {
    match query_param(query, "group") {
        None | Some("") => Ok(None),
        Some(g) if is_entity_id(g) => Ok(Some(g.to_string())),
        // A group id that cannot exist is simply an unknown group.
        Some(g) => Err(ApiError::unknown_group(g)),
    }
}

/// `?visitor=<id>` on `/live`: absent or empty → `None`.
fn visitor_query(query: Option<&str>) -> Result<Option<String>, ApiError> {
    match query_param(query, "visitor") {
        None | Some("") => Ok(None),
        Some(v) if conversations::is_visitor_id(v) => Ok(Some(v.to_string())),
        Some(_) => Err(conversations::invalid_visitor()),
    }
}

/// `?after=<seq>`: absent or empty → 0.
fn after_query(query: Option<&str>) -> Result<u64, ApiError> {
    match query_param(query, "after") {
        None | Some("") => Ok(0),
        Some(v) => v
            .parse::<u64>()
            .ok()
            .filter(|n| *n <= conversations::MAX_SEQ)
            .ok_or_else(|| {
                ApiError::bad_request(
                    "invalid_query",
                    "`after` must be a sequence number (an integer >= 0)",
                )
            }),
    }
}

fn invalid_query(message: &'static str) -> ApiError {
    ApiError::bad_request("invalid_query", message)
}

/// `?state=open|closed|all&limit=1..200&cursor=C` of `GET /conversations`;
/// absent or empty → open, 100, first page.
fn list_query(query: Option<&str>) -> Result<SiteOp, ApiError> {
    let state = match query_param(query, "state") {
        None | Some("") => StateFilter::Open,
        Some(s) => StateFilter::parse(s)
            .ok_or_else(|| invalid_query("`state` must be `open`, `closed` or `all`"))?,
    };
    let limit = match query_param(query, "limit") {
        None | Some("") => conversations::DEFAULT_LISTED_CONVERSATIONS,
        Some(v) => v
            .parse::<usize>()
            .ok()
            .filter(|n| (1..=conversations::MAX_LISTED_CONVERSATIONS).contains(n))
            .ok_or_else(|| invalid_query("`limit` must be an integer from 1 to 200"))?,
    };
    let cursor = match query_param(query, "cursor") {
        None | Some("") => None,
        Some(c) => Some(conversations::ListCursor::parse(c).ok_or_else(|| {
            invalid_query("`cursor` must be the `next_cursor` of a previous page")
        })?),
    };
    Ok(SiteOp::ListConversations {
        state,
        limit,
        cursor,
    })
}

fn conversation_id(id: &str) -> Result<String, ApiError> {
    if conversations::is_conversation_id(id) {
        Ok(id.to_string())
    } else {
        Err(conversations::conversation_not_found())
    }
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
        ["sites", site, tail @ ..] => {
            if !is_site_id(site) {
                return Err(ApiError::site_not_found());
            }
            let op = parse_site_op(method, tail, query)?;
            Ok(Route::Site {
                site: (*site).to_string(),
                op,
            })
        }
        _ => Err(ApiError::route_not_found()),
    }
}

fn parse_site_op(method: &str, tail: &[&str], query: Option<&str>) -> Result<SiteOp, ApiError> {
    use SiteOp::*;
    let op = match tail {
        ["status"] => {
            only(method, "GET")?;
            Status {
                group: group_query(query)?,
            }
        }
        ["live"] => {
            only(method, "GET")?;
            Live {
                group: group_query(query)?,
                visitor: visitor_query(query)?,
            }
        }
        ["visitor", "messages"] => match method {
            "GET" => VisitorMessages {
                after: after_query(query)?,
            },
            "POST" => VisitorSend,
            _ => return Err(ApiError::MethodNotAllowed { allow: "GET, POST" }),
        },
        ["conversations"] => {
            only(method, "GET")?;
            list_query(query)?
        }
        ["conversations", id, "messages"] => match method {
            "GET" => ConversationMessages {
                id: conversation_id(id)?,
                after: after_query(query)?,
            },
            "POST" => Reply(conversation_id(id)?),
            _ => return Err(ApiError::MethodNotAllowed { allow: "GET, POST" }),
        },
        ["conversations", id, "read"] => {
            only(method, "POST")?;
            MarkRead(conversation_id(id)?)
        }
        ["conversations", id, "close"] => {
            only(method, "POST")?;
            Close(conversation_id(id)?)
        }
        ["conversations", id, "reopen"] => {
            only(method, "POST")?;
            Reopen(conversation_id(id)?)
        }
        ["widget-config"] => {
            only(method, "GET")?;
            WidgetConfig
        }
        ["settings"] => match method {
            "GET" => GetSettings,
            "PUT" => PutSettings,
            _ => return Err(ApiError::MethodNotAllowed { allow: "GET, PUT" }),
        },
        ["stats"] => {
            only(method, "GET")?;
            Stats
        }
        ["groups"] => {
            only(method, "GET")?;
            ListGroups
        }
        ["groups", group] => {
            only(method, "GET, PUT, DELETE")?;
            if !is_entity_id(group) {
                return Err(if method == "PUT" {
                    invalid_id("group", group)
                } else {
                    ApiError::unknown_group(group)
                });
            }
            let g = (*group).to_string();
            match method {
                "GET" => GetGroup(g),
                "PUT" => PutGroup(g),
                _ => DeleteGroup(g),
            }
        }
        ["working-hours"] => hours_op(method, None)?,
        ["groups", group, "working-hours"] => {
            only(method, "GET, PUT, DELETE")?;
            if !is_entity_id(group) {
                return Err(ApiError::unknown_group(group));
            }
            hours_op(method, Some((*group).to_string()))?
        }
        ["agents"] => {
            only(method, "GET")?;
            ListAgents
        }
        ["agents", "me"] => {
            only(method, "GET")?;
            Me
        }
        ["agents", "me", "status"] => {
            only(method, "PUT")?;
            PutMyStatus
        }
        ["agents", "me", "heartbeat"] => {
            only(method, "POST")?;
            Heartbeat
        }
        ["agents", "me", "sign-out"] => {
            only(method, "POST")?;
            SignOut
        }
        ["agents", "me", "session"] => {
            only(method, "GET")?;
            Session
        }
        ["agents", agent] => {
            only(method, "GET, PUT, DELETE")?;
            if !is_agent_id(agent) {
                return Err(if method == "PUT" {
                    invalid_id("agent", agent)
                } else {
                    ApiError::agent_not_found(agent)
                });
            }
            let a = (*agent).to_string();
            match method {
                "GET" => GetAgent(a),
                "PUT" => PutAgent(a),
                _ => DeleteAgent(a),
            }
        }
        ["agents", agent, "token"] => {
            only(method, "POST")?;
            if !is_agent_id(agent) {
                return Err(ApiError::agent_not_found(agent));
            }
            RotateToken((*agent).to_string())
        }
        _ => return Err(ApiError::route_not_found()),
    };
    Ok(op)
}

fn hours_op(method: &str, group: Option<String>) -> Result<SiteOp, ApiError> {
    Ok(match method {
        "GET" => SiteOp::GetHours { group },
        "PUT" => SiteOp::PutHours { group },
        "DELETE" => SiteOp::DeleteHours { group },
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
            "`{shown}` is not a valid {kind} id: use 1 to {MAX_ID_LEN} characters a-z 0-9 _ -, \
             starting with a letter or digit (`me` is reserved)"
        ),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    const S: &str = "s_0123456789abcdef0123456789abcdef";

    fn site(method: &str, tail: &str, q: Option<&str>) -> Result<SiteOp, ApiError> {
        match parse(method, &format!("/v1/sites/{S}/{tail}"), q)? {
            Route::Site { site, op } => {
                assert_eq!(site, S);
                Ok(op)
            }
            other => panic!("not a site route: {other:?}"),
        }
    }

    #[test]
    fn ids() {
        assert!(is_site_id(S));
        assert!(!is_site_id("s_0123456789ABCDEF0123456789abcdef"));
        assert!(!is_site_id("s_0123"));
        assert!(is_entity_id("sales"));
        assert!(is_entity_id("0-a_b"));
        assert!(!is_entity_id("-a"));
        assert!(!is_entity_id("Sales"));
        assert!(!is_entity_id(""));
        assert!(!is_entity_id(&"a".repeat(41)));
        assert!(is_entity_id(&"a".repeat(40)));
        assert!(!is_agent_id("me"));
        assert!(is_session_id("Phone-1_x"));
        assert!(!is_session_id("a b"));
    }

    #[test]
    fn top_level() {
        assert_eq!(parse("GET", "/v1/health", None), Ok(Route::Health));
        assert_eq!(parse("GET", "/v1/ping", None), Ok(Route::Ping));
        assert_eq!(parse("GET", "/v1/openapi.json", None), Ok(Route::OpenApi));
        assert_eq!(parse("POST", "/v1/sites", None), Ok(Route::CreateSite));
        assert_eq!(parse("GET", "/v1/sites", None).unwrap_err().status(), 405);
        assert_eq!(parse("GET", "/v2/x", None).unwrap_err().status(), 404);
        assert_eq!(parse("GET", "/v1/", None).unwrap_err().status(), 404);
        let e = parse("GET", "/v1/sites/nope/status", None).unwrap_err();
        assert_eq!(e.code(), "site_not_found");
    }

    #[test]
    fn visitor_routes() {
        assert_eq!(
            site("GET", "status", None),
            Ok(SiteOp::Status { group: None })
        );
        assert_eq!(
            site("GET", "status", Some("group=sales&x=1")),
            Ok(SiteOp::Status {
                group: Some("sales".into())
            })
        );
        assert_eq!(
            site("GET", "live", Some("group=BAD")).unwrap_err().code(),
            "unknown_group"
        );
        assert_eq!(site("POST", "status", None).unwrap_err().status(), 405);
        assert_eq!(site("GET", "widget-config", None), Ok(SiteOp::WidgetConfig));
    }

    #[test]
    fn owner_and_agent_routes() {
        assert_eq!(
            site("PUT", "groups/sales", None),
            Ok(SiteOp::PutGroup("sales".into()))
        );
        assert_eq!(
            site("PUT", "groups/Sales", None).unwrap_err().code(),
            "invalid_id"
        );
        assert_eq!(
            site("DELETE", "groups/Sales", None).unwrap_err().status(),
            404
        );
        assert_eq!(site("PUT", "agents/me", None).unwrap_err().status(), 405);
        assert_eq!(site("GET", "agents/me", None), Ok(SiteOp::Me));
        assert_eq!(
            site("PUT", "agents/giulia", None),
            Ok(SiteOp::PutAgent("giulia".into()))
        );
        assert_eq!(
            site("POST", "agents/giulia/token", None),
            Ok(SiteOp::RotateToken("giulia".into()))
        );
        assert_eq!(
            site("PUT", "agents/me/status", None),
            Ok(SiteOp::PutMyStatus)
        );
        assert_eq!(
            site("POST", "agents/me/heartbeat", None),
            Ok(SiteOp::Heartbeat)
        );
        assert_eq!(
            site("POST", "agents/me/sign-out", None),
            Ok(SiteOp::SignOut)
        );
        assert_eq!(site("GET", "agents/me/session", None), Ok(SiteOp::Session));
        assert_eq!(
            site("PUT", "groups/sales/working-hours", None),
            Ok(SiteOp::PutHours {
                group: Some("sales".into())
            })
        );
        assert_eq!(
            site("DELETE", "working-hours", None),
            Ok(SiteOp::DeleteHours { group: None })
        );
        let e = site("PATCH", "settings", None).unwrap_err();
        assert_eq!(e.headers()[0].1, "GET, PUT");
        assert_eq!(site("GET", "nope", None).unwrap_err().code(), "not_found");
        assert_eq!(
            site("GET", "status/", None).unwrap_err().code(),
            "not_found"
        );
        assert_eq!(SiteOp::PutMyStatus.role(), Role::Agent);
        assert_eq!(SiteOp::Stats.role(), Role::Owner);
        assert_eq!(
            SiteOp::Live {
                group: None,
                visitor: None
            }
            .role(),
            Role::Public
        );
    }

    #[test]
    fn conversation_routes() {
        let v = "AAAAAAAAAAAAAAAAAAAAAA";
        assert_eq!(
            site("GET", "live", Some(&format!("group=sales&visitor={v}"))),
            Ok(SiteOp::Live {
                group: Some("sales".into()),
                visitor: Some(v.into())
            })
        );
        assert_eq!(
            site("GET", "live", Some("visitor=a.b")).unwrap_err().code(),
            "invalid_visitor"
        );
        assert_eq!(
            site("GET", "visitor/messages", Some("after=7")),
            Ok(SiteOp::VisitorMessages { after: 7 })
        );
        assert_eq!(
            site("GET", "visitor/messages", None),
            Ok(SiteOp::VisitorMessages { after: 0 })
        );
        assert_eq!(
            site("GET", "visitor/messages", Some("after=-1"))
                .unwrap_err()
                .code(),
            "invalid_query"
        );
        assert_eq!(
            site("POST", "visitor/messages", None),
            Ok(SiteOp::VisitorSend)
        );
        assert_eq!(
            site("PUT", "visitor/messages", None).unwrap_err().status(),
            405
        );
        assert_eq!(
            site("GET", "conversations", None),
            Ok(SiteOp::ListConversations {
                state: StateFilter::Open,
                limit: 100,
                cursor: None
            })
        );
        assert_eq!(
            site(
                "GET",
                "conversations",
                Some("state=all&limit=200&cursor=c.5.c_1")
            ),
            Ok(SiteOp::ListConversations {
                state: StateFilter::All,
                limit: 200,
                cursor: Some(conversations::ListCursor {
                    closed: true,
                    waiting: false,
                    time: 5,
                    id: "c_1".into()
                })
            })
        );
        for bad in [
            "state=shut",
            "state=OPEN",
            "limit=0",
            "limit=201",
            "limit=-1",
            "limit=x",
            "cursor=nope",
            "cursor=o1.x.c_1",
            "cursor=o2.1.c_1",
            "cursor=c.1.a/b",
        ] {
            let e = site("GET", "conversations", Some(bad)).unwrap_err();
            assert_eq!((e.status(), e.code()), (400, "invalid_query"), "{bad}");
        }
        assert_eq!(
            site("POST", "conversations/c_1/close", None),
            Ok(SiteOp::Close("c_1".into()))
        );
        assert_eq!(
            site("POST", "conversations/c_1/reopen", None),
            Ok(SiteOp::Reopen("c_1".into()))
        );
        assert_eq!(
            site("GET", "conversations/c_1/close", None)
                .unwrap_err()
                .status(),
            405
        );
        assert_eq!(SiteOp::Close("c".into()).role(), Role::Agent);
        assert_eq!(SiteOp::Reopen("c".into()).role(), Role::Agent);
        assert!(!SiteOp::Close("c".into()).is_write());
        assert_eq!(
            site("GET", "conversations/c_1/messages", Some("after=3")),
            Ok(SiteOp::ConversationMessages {
                id: "c_1".into(),
                after: 3
            })
        );
        assert_eq!(
            site("POST", "conversations/c_1/messages", None),
            Ok(SiteOp::Reply("c_1".into()))
        );
        assert_eq!(
            site("POST", "conversations/c_1/read", None),
            Ok(SiteOp::MarkRead("c_1".into()))
        );
        assert_eq!(
            site("GET", "conversations/c.1/messages", None)
                .unwrap_err()
                .code(),
            "conversation_not_found"
        );
        assert_eq!(SiteOp::VisitorSend.role(), Role::Public);
        assert_eq!(
            SiteOp::ListConversations {
                state: StateFilter::Open,
                limit: 1,
                cursor: None
            }
            .role(),
            Role::Agent
        );
        assert!(SiteOp::Reply("c".into()).has_body());
        assert!(!SiteOp::VisitorSend.is_write());
    }

    #[test]
    fn query_params() {
        assert_eq!(query_param(Some("a=1&token=xyz"), "token"), Some("xyz"));
        assert_eq!(query_param(Some("token"), "token"), Some(""));
        assert_eq!(query_param(None, "token"), None);
    }
}
