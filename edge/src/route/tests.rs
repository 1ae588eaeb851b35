//! The route table, case by case.

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

fn g(id: &str) -> GroupId {
    GroupId::parse(id).unwrap()
}

fn a(id: &str) -> AgentId {
    AgentId::parse(id).unwrap()
}

fn c(id: &str) -> ConversationId {
    ConversationId::parse(id).unwrap()
}

#[test]
fn top_level() {
    assert_eq!(parse("GET", "/v1/health", None), Ok(Route::Health));
    assert_eq!(parse("GET", "/v1/ping", None), Ok(Route::Ping));
    assert_eq!(parse("GET", "/v1/openapi.json", None), Ok(Route::OpenApi));
    assert_eq!(parse("POST", "/v1/sites", None), Ok(Route::CreateSite));
    assert_eq!(parse("GET", "/v1/sites", None), Ok(Route::ListSites));
    assert_eq!(
        parse("DELETE", "/v1/sites", None).unwrap_err().status(),
        405
    );
    assert_eq!(
        parse("PUT", &format!("/v1/sites/{S}"), None),
        Ok(Route::RenameSite(SiteId::parse(S).unwrap()))
    );
    assert_eq!(
        parse("DELETE", &format!("/v1/sites/{S}"), None),
        Ok(Route::DeleteSite(SiteId::parse(S).unwrap()))
    );
    assert_eq!(
        parse("GET", &format!("/v1/sites/{S}"), None)
            .unwrap_err()
            .status(),
        405
    );
    assert_eq!(parse("GET", "/v2/x", None).unwrap_err().status(), 404);
    assert_eq!(parse("GET", "/v1/", None).unwrap_err().status(), 404);
    let e = parse("GET", "/v1/sites/nope/status", None).unwrap_err();
    assert_eq!(e.code(), "site_not_found");
    assert_eq!(
        preflight_site(&format!("/v1/sites/{S}/status")).unwrap(),
        SiteId::parse(S)
    );
    assert_eq!(preflight_site("/v1/health").unwrap(), None);
    assert_eq!(preflight_site("/v1/sites/").unwrap(), None);
    assert_eq!(
        preflight_site("/v1/sites/nope/x").unwrap_err().code(),
        "site_not_found"
    );
}

#[test]
fn visitor_routes() {
    assert_eq!(
        site("GET", "status", None),
        Ok(SiteOp::Visitor(VisitorOp::Status { group: None }))
    );
    assert_eq!(
        site("GET", "status", Some("group=sales")),
        Ok(SiteOp::Visitor(VisitorOp::Status {
            group: Some(g("sales"))
        }))
    );
    assert_eq!(
        site("GET", "status", Some("group=")),
        Ok(SiteOp::Visitor(VisitorOp::Status { group: None }))
    );
    for bad in ["group=sales&x=1", "group=sales&group=sales", "group=BAD"] {
        let e = site("GET", "status", Some(bad)).unwrap_err();
        assert_eq!((e.status(), e.code()), (400, "invalid_query"), "{bad}");
    }
    assert_eq!(
        site("GET", "live", Some("group=BAD")).unwrap_err().code(),
        "invalid_query"
    );
    assert_eq!(site("POST", "status", None).unwrap_err().status(), 405);
    assert_eq!(
        site("GET", "widget-config", None),
        Ok(SiteOp::Visitor(VisitorOp::WidgetConfig { group: None }))
    );
    assert_eq!(
        site("GET", "widget-config", Some("group=sales")),
        Ok(SiteOp::Visitor(VisitorOp::WidgetConfig {
            group: Some(g("sales"))
        }))
    );
}

#[test]
fn methods_are_compared_exactly() {
    // Whatever the runtime passes: unknown, lowercase or extension methods
    // are 405 with the route's own methods in `Allow`, never served as GET.
    for method in [
        "QUERY", "FOO", "get", "Get", "HEAD", "PATCH", "PROPFIND", "TRACE", "",
    ] {
        for (tail, allow) in [
            ("status", "GET"),
            ("settings", "GET, PUT"),
            ("groups/sales", "GET, PUT, DELETE"),
            ("agents/me/status", "PUT"),
            ("conversations/c_1/messages", "GET, POST"),
            ("visitor/messages", "GET, POST"),
            ("working-hours", "GET, PUT, DELETE"),
        ] {
            let e = site(method, tail, None).unwrap_err();
            assert_eq!(e.status(), 405, "{method} {tail}");
            assert_eq!(
                e.headers(),
                vec![("Allow", allow.to_string())],
                "{method} {tail}"
            );
        }
        for path in ["/v1/health", "/v1/ping", "/v1/openapi.json", "/v1/sites"] {
            assert_eq!(
                parse(method, path, None).unwrap_err().status(),
                405,
                "{method} {path}"
            );
        }
    }
    // The method is checked before the query.
    assert_eq!(
        site("QUERY", "status", Some("x=1")).unwrap_err().status(),
        405
    );
}

#[test]
fn queries_are_strict() {
    // A parameter the route does not read, on every kind of route.
    for (method, tail) in [
        ("GET", "widget-config"),
        ("GET", "settings"),
        ("PUT", "settings"),
        ("POST", "visitor/messages"),
        ("GET", "agents/me"),
        ("POST", "conversations/c_1/close"),
        ("DELETE", "groups/sales"),
        ("GET", "live"),
        ("GET", "conversations"),
    ] {
        for q in ["a", "group%3Dsales", "after=1&after=1"] {
            if tail == "live" && q.starts_with("group") {
                continue;
            }
            let e = site(method, tail, Some(q)).unwrap_err();
            assert_eq!(
                (e.status(), e.code()),
                (400, "invalid_query"),
                "{method} {tail}?{q}"
            );
        }
        // A token in a URL has its own code, wherever it is.
        let e = site(method, tail, Some("token=x")).unwrap_err();
        assert_eq!(
            (e.status(), e.code()),
            (400, "token_in_query"),
            "{method} {tail}?token=x"
        );
    }
    for path in ["/v1/health", "/v1/ping", "/v1/openapi.json"] {
        let e = parse("GET", path, Some("v=1")).unwrap_err();
        assert_eq!(e.code(), "invalid_query", "{path}");
    }
    assert_eq!(
        parse("POST", "/v1/sites", Some("name=x"))
            .unwrap_err()
            .status(),
        400
    );
    // Repeated, even with the same or an empty value.
    for q in ["after=1&after=1", "after=1&after=", "after&after"] {
        let e = site("GET", "visitor/messages", Some(q)).unwrap_err();
        assert_eq!(e.code(), "invalid_query", "{q}");
        let e = site("GET", "conversations/c_1/messages", Some(q)).unwrap_err();
        assert_eq!(e.code(), "invalid_query", "{q}");
    }
    for q in [
        "state=open&state=open",
        "limit=5&cursor=&limit=5",
        "cursor=&cursor=",
    ] {
        let e = site("GET", "conversations", Some(q)).unwrap_err();
        assert_eq!(e.code(), "invalid_query", "{q}");
    }
    let e = site(
        "GET",
        "live",
        Some("visitor=AAAAAAAAAAAAAAAAAAAAAA&visitor=AAAAAAAAAAAAAAAAAAAAAA"),
    )
    .unwrap_err();
    assert_eq!(e.code(), "invalid_query");
    // The device socket takes its token in a subprotocol, never the URL;
    // empty segments are nothing.
    assert_eq!(
        site("GET", "agents/me/session", Some("&")),
        Ok(SiteOp::Agent(AgentOp::Session))
    );
    assert_eq!(
        site("GET", "agents/me/session", Some("token=pza_x"))
            .unwrap_err()
            .code(),
        "token_in_query"
    );
    assert_eq!(
        site("GET", "settings", Some("&")),
        Ok(SiteOp::Owner(OwnerOp::GetSettings))
    );
}

#[test]
fn owner_and_agent_routes() {
    assert_eq!(
        site("PUT", "groups/sales", None),
        Ok(SiteOp::Owner(OwnerOp::PutGroup(g("sales"))))
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
    assert_eq!(
        site("GET", "agents/me", None),
        Ok(SiteOp::Agent(AgentOp::Me))
    );
    assert_eq!(
        site("PUT", "agents/giulia", None),
        Ok(SiteOp::Owner(OwnerOp::PutAgent(a("giulia"))))
    );
    assert_eq!(
        site("POST", "agents/giulia/token", None),
        Ok(SiteOp::Owner(OwnerOp::RotateToken(a("giulia"))))
    );
    assert_eq!(
        site("PUT", "agents/me/status", None),
        Ok(SiteOp::Agent(AgentOp::PutStatus))
    );
    assert_eq!(
        site("POST", "agents/me/heartbeat", None),
        Ok(SiteOp::Agent(AgentOp::Heartbeat))
    );
    assert_eq!(
        site("POST", "agents/me/sign-out", None),
        Ok(SiteOp::Agent(AgentOp::SignOut))
    );
    assert_eq!(
        site("GET", "agents/me/session", None),
        Ok(SiteOp::Agent(AgentOp::Session))
    );
    assert_eq!(
        site("PUT", "groups/sales/working-hours", None),
        Ok(SiteOp::Owner(OwnerOp::PutHours {
            group: Some(g("sales"))
        }))
    );
    assert_eq!(
        site("DELETE", "working-hours", None),
        Ok(SiteOp::Owner(OwnerOp::DeleteHours { group: None }))
    );
    assert_eq!(
        site("DELETE", "visitors/AAAAAAAAAAAAAAAAAAAAAA", None),
        Ok(SiteOp::Owner(OwnerOp::EraseVisitor(
            VisitorId::parse("AAAAAAAAAAAAAAAAAAAAAA").unwrap()
        )))
    );
    assert_eq!(
        site("DELETE", "visitors/short", None).unwrap_err().code(),
        "visitor_not_found"
    );
    assert_eq!(
        site("POST", "owner-key", None),
        Ok(SiteOp::Owner(OwnerOp::RotateOwnerKey))
    );
    assert!(SiteOp::Owner(OwnerOp::RotateOwnerKey).is_write());
    let e = site("PATCH", "settings", None).unwrap_err();
    assert_eq!(e.headers()[0].1, "GET, PUT");
    assert_eq!(site("GET", "nope", None).unwrap_err().code(), "not_found");
    assert_eq!(
        site("GET", "status/", None).unwrap_err().code(),
        "not_found"
    );
    // Who may call is the variant itself.
    assert!(matches!(
        site("GET", "stats", None),
        Ok(SiteOp::Owner(OwnerOp::Stats))
    ));
    assert!(matches!(
        site("GET", "live", None),
        Ok(SiteOp::Visitor(VisitorOp::Live { .. }))
    ));
}

#[test]
fn conversation_routes() {
    let v = "AAAAAAAAAAAAAAAAAAAAAA";
    assert_eq!(
        site("GET", "live", Some(&format!("group=sales&visitor={v}"))),
        Ok(SiteOp::Visitor(VisitorOp::Live {
            group: Some(g("sales")),
            visitor: VisitorId::parse(v)
        }))
    );
    assert_eq!(
        site("GET", "live", Some("visitor=a.b")).unwrap_err().code(),
        "invalid_visitor"
    );
    assert_eq!(
        site("GET", "visitor/messages", Some("after=7")),
        Ok(SiteOp::Visitor(VisitorOp::Messages { after: 7 }))
    );
    assert_eq!(
        site("GET", "visitor/messages", None),
        Ok(SiteOp::Visitor(VisitorOp::Messages { after: 0 }))
    );
    assert_eq!(
        site("GET", "visitor/messages", Some("after=-1"))
            .unwrap_err()
            .code(),
        "invalid_query"
    );
    assert_eq!(
        site("POST", "visitor/messages", None),
        Ok(SiteOp::Visitor(VisitorOp::Send))
    );
    assert_eq!(
        site("PUT", "visitor/messages", None).unwrap_err().status(),
        405
    );
    assert_eq!(
        site("GET", "conversations", None),
        Ok(SiteOp::Agent(AgentOp::ListConversations {
            state: StateFilter::Open,
            assigned: presenza_rules::AssignedFilter::Any,
            limit: 100,
            cursor: None
        }))
    );
    assert_eq!(
        site(
            "GET",
            "conversations",
            Some("state=all&limit=200&cursor=c.5.c_1")
        ),
        Ok(SiteOp::Agent(AgentOp::ListConversations {
            state: StateFilter::All,
            assigned: presenza_rules::AssignedFilter::Any,
            limit: 200,
            cursor: Some(ListCursor {
                closed: true,
                waiting: false,
                time: 5,
                id: c("c_1")
            })
        }))
    );
    for bad in [
        "state=shut",
        "state=OPEN",
        "limit=0",
        "limit=201",
        "limit=-1",
        "limit=x",
        "limit=+5",
        "limit=5.0",
        "limit=%35",
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
        Ok(SiteOp::Agent(AgentOp::Close(c("c_1"))))
    );
    assert_eq!(
        site("POST", "conversations/c_1/reopen", None),
        Ok(SiteOp::Agent(AgentOp::Reopen(c("c_1"))))
    );
    assert_eq!(
        site("GET", "conversations/c_1/close", None)
            .unwrap_err()
            .status(),
        405
    );
    assert!(!SiteOp::Agent(AgentOp::Close(c("c"))).is_write());
    assert_eq!(
        site("GET", "conversations/c_1/messages", Some("after=3")),
        Ok(SiteOp::Agent(AgentOp::ConversationMessages {
            id: c("c_1"),
            after: 3
        }))
    );
    assert_eq!(
        site("POST", "conversations/c_1/messages", None),
        Ok(SiteOp::Agent(AgentOp::Reply(c("c_1"))))
    );
    assert_eq!(
        site("POST", "conversations/c_1/read", None),
        Ok(SiteOp::Agent(AgentOp::MarkRead(c("c_1"))))
    );
    assert_eq!(
        site("GET", "conversations/c.1/messages", None)
            .unwrap_err()
            .code(),
        "conversation_not_found"
    );
    assert_eq!(
        site("POST", "conversations/c_1/assign", None),
        Ok(SiteOp::Agent(AgentOp::Assign(c("c_1"))))
    );
    assert_eq!(
        site("GET", "conversations/c_1/assign", None),
        Ok(SiteOp::Agent(AgentOp::AssignChoices(c("c_1"))))
    );
    assert_eq!(
        site("PUT", "conversations/c_1/assign", None)
            .unwrap_err()
            .status(),
        405
    );
    assert!(SiteOp::Agent(AgentOp::Assign(c("c"))).has_body());
    assert_eq!(
        site("GET", "conversations", Some("assigned=me")),
        Ok(SiteOp::Agent(AgentOp::ListConversations {
            state: StateFilter::Open,
            assigned: presenza_rules::AssignedFilter::Me,
            limit: 100,
            cursor: None
        }))
    );
    assert_eq!(
        site("GET", "conversations", Some("assigned=mine"))
            .unwrap_err()
            .code(),
        "invalid_query"
    );
    assert!(SiteOp::Agent(AgentOp::Reply(c("c"))).has_body());
    assert!(!SiteOp::Visitor(VisitorOp::Send).is_write());
}

#[test]
fn writes_and_bodies() {
    assert!(SiteOp::Agent(AgentOp::PutStatus).is_write());
    assert!(SiteOp::Agent(AgentOp::Session).is_write());
    assert!(!SiteOp::Agent(AgentOp::Me).is_write());
    assert!(SiteOp::Owner(OwnerOp::DeleteGroup(g("sales"))).is_write());
    assert!(!SiteOp::Owner(OwnerOp::GetHours { group: None }).is_write());
    assert!(SiteOp::Owner(OwnerOp::PutHours { group: None }).has_body());
    assert!(!SiteOp::Owner(OwnerOp::DeleteHours { group: None }).has_body());
}

#[test]
fn the_object_gets_the_same_operation() {
    for (method, tail, query) in [
        ("GET", "conversations", Some("state=closed&cursor=o1.9.c_2")),
        (
            "GET",
            "live",
            Some("group=sales&visitor=AAAAAAAAAAAAAAAAAAAAAA"),
        ),
        ("PUT", "groups/sales/working-hours", None),
        ("POST", "agents/giulia/token", None),
    ] {
        let forwarded = Forwarded {
            site: SiteId::parse(S).unwrap(),
            op: site(method, tail, query).unwrap(),
        };
        let header = forwarded.encode();
        assert!(header.is_ascii(), "{header}");
        assert_eq!(Forwarded::decode(Some(&header)), Some(forwarded));
    }
    assert_eq!(Forwarded::decode(None), None);
    assert_eq!(Forwarded::decode(Some("{}")), None);
}

#[test]
fn query_params() {
    assert_eq!(query_param(Some("a=1&token=xyz"), "token"), Some("xyz"));
    assert_eq!(query_param(Some("token"), "token"), Some(""));
    assert_eq!(query_param(None, "token"), None);
}

#[test]
fn history_and_insights_routes() {
    use crate::domain::period::PeriodQuery;
    assert_eq!(
        site(
            "GET",
            "history",
            Some("from=0&to=60000&group=sales&format=csv")
        ),
        Ok(SiteOp::Owner(OwnerOp::History {
            period: PeriodQuery {
                from: Some(0),
                to: Some(60_000)
            },
            group: Some(g("sales")),
            csv: true,
        }))
    );
    assert_eq!(
        site("GET", "history", None),
        Ok(SiteOp::Owner(OwnerOp::History {
            period: PeriodQuery::default(),
            group: None,
            csv: false,
        }))
    );
    assert_eq!(
        site(
            "GET",
            "insights",
            Some("first_reply_secs=60&from=1970-01-01T00%3A01%3A00Z")
        ),
        Ok(SiteOp::Owner(OwnerOp::Insights {
            period: PeriodQuery {
                from: Some(60_000),
                to: None
            },
            group: None,
            first_reply_secs: 60,
        }))
    );
    for (path, query) in [
        ("history", "format=xml"),
        ("history", "first_reply_secs=60"),
        ("history", "from=soon"),
        ("insights", "format=csv"),
        ("insights", "first_reply_secs=0"),
        ("insights", "group=Sales"),
        ("insights", "to=1&to=2"),
    ] {
        let e = site("GET", path, Some(query)).unwrap_err();
        assert_eq!(
            (e.status(), e.code()),
            (400, "invalid_query"),
            "{path}?{query}"
        );
    }
    assert_eq!(site("POST", "history", None).unwrap_err().status(), 405);
    assert!(!SiteOp::Owner(OwnerOp::Insights {
        period: PeriodQuery::default(),
        group: None,
        first_reply_secs: 300
    })
    .is_write());
}

#[test]
fn devices_and_the_team() {
    let d = DeviceId::parse("d_0123456789abcdef").unwrap();
    assert_eq!(
        site("GET", "agents/me/devices", None),
        Ok(SiteOp::Agent(AgentOp::ListDevices))
    );
    assert_eq!(
        site("POST", "agents/me/devices", None),
        Ok(SiteOp::Agent(AgentOp::AddDevice))
    );
    assert_eq!(
        site("DELETE", "agents/me/devices/d_0123456789abcdef", None),
        Ok(SiteOp::Agent(AgentOp::RevokeDevice(d.clone())))
    );
    let e = site("DELETE", "agents/me/devices/d_XYZ", None).unwrap_err();
    assert_eq!(e.code(), "device_not_found");
    assert_eq!(
        site("GET", "agents/ann/devices", None),
        Ok(SiteOp::Owner(OwnerOp::AgentDevices(a("ann"))))
    );
    assert_eq!(
        site("DELETE", "agents/ann/devices/d_0123456789abcdef", None),
        Ok(SiteOp::Owner(OwnerOp::RevokeAgentDevice(a("ann"), d)))
    );
    assert_eq!(
        site("POST", "agents/ann/offline", None),
        Ok(SiteOp::Owner(OwnerOp::SetOffline(a("ann"))))
    );
    assert_eq!(site("GET", "team", None), Ok(SiteOp::Owner(OwnerOp::Team)));
    assert_eq!(site("PUT", "team", None).unwrap_err().status(), 405);
    assert_eq!(
        site("PUT", "agents/me/devices", None).unwrap_err().status(),
        405
    );
    assert!(SiteOp::Agent(AgentOp::AddDevice).has_body());
    assert!(!SiteOp::Owner(OwnerOp::Team).is_write());
}

#[test]
fn pictures_by_who_may_call() {
    assert_eq!(
        site("PUT", "agents/me/picture", None),
        Ok(SiteOp::Agent(AgentOp::PutPicture))
    );
    assert_eq!(
        site("DELETE", "agents/me/picture", None),
        Ok(SiteOp::Agent(AgentOp::DeletePicture))
    );
    assert_eq!(
        site("GET", "agents/me/picture", None).unwrap_err().status(),
        405
    );
    assert_eq!(
        site("PUT", "agents/ann/picture", None),
        Ok(SiteOp::Owner(OwnerOp::PutPicture(a("ann"))))
    );
    assert_eq!(
        site("DELETE", "agents/ann/picture", None),
        Ok(SiteOp::Owner(OwnerOp::DeletePicture(a("ann"))))
    );
    assert_eq!(
        site("GET", "agents/ann/picture", Some("v=0123456789abcdef")),
        Ok(SiteOp::Visitor(VisitorOp::Picture {
            agent: a("ann"),
            version: Some("0123456789abcdef".into())
        }))
    );
    let e = site("GET", "agents/ann/picture", Some("v=../x")).unwrap_err();
    assert_eq!(e.code(), "invalid_query");
    assert_eq!(
        site("POST", "agents/ann/picture", None)
            .unwrap_err()
            .status(),
        405
    );
    // Pictures are larger than JSON bodies, and only their uploads are.
    let put = SiteOp::Agent(AgentOp::PutPicture);
    assert!(put.has_body() && put.is_write());
    assert!(put.body_limit() > SiteOp::Agent(AgentOp::AddDevice).body_limit());
    assert_eq!(
        SiteOp::Owner(OwnerOp::DeletePicture(a("ann"))).body_limit(),
        presenza_protocol::limits::MAX_BODY_BYTES
    );
}
