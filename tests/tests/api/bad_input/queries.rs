//! Bad queries and actions on conversations: the inbox's `state`, `limit`
//! and `cursor` (400 `invalid_query`), closing or reopening an unknown or
//! invalid conversation (404) and the wrong method on those actions (405).
//! On every route: a repeated, unknown or malformed query parameter is 400
//! `invalid_query`.

use crate::helpers::bad_input::{case, fixture, run, with_code, As, Body};

#[test]
fn conversation_list_queries_and_close_reopen_are_checked() {
    let fx = fixture();
    let p = |rest: &str| fx.site.path(rest);
    let mut cases = Vec::new();
    for query in [
        "state=shut",
        "state=OPEN",
        "state=open,closed",
        "limit=0",
        "limit=201",
        "limit=-1",
        "limit=1.5",
        "limit=x",
        "cursor=garbage",
        "cursor=o1.x.c_1",
        "cursor=c.-5.c_1",
        "cursor=c.5.c%2F1",
        "state=closed&limit=10&cursor=nope",
    ] {
        cases.push(with_code(
            case(
                format!("list ?{query}"),
                "GET",
                p(&format!("/conversations?{query}")),
                As::Agent,
                Body::None,
                &[400],
            ),
            "invalid_query",
        ));
    }
    let missing = "c_00000000000000000000000000000000";
    for action in ["close", "reopen"] {
        cases.push(with_code(
            case(
                format!("{action} an unknown conversation"),
                "POST",
                p(&format!("/conversations/{missing}/{action}")),
                As::Agent,
                Body::None,
                &[404],
            ),
            "conversation_not_found",
        ));
        cases.push(with_code(
            case(
                format!("{action} an invalid conversation id"),
                "POST",
                p(&format!("/conversations/c.1/{action}")),
                As::Agent,
                Body::None,
                &[404],
            ),
            "conversation_not_found",
        ));
        for method in ["GET", "PUT", "DELETE"] {
            cases.push(case(
                format!("{method} {action}"),
                method,
                p(&format!("/conversations/{missing}/{action}")),
                As::Agent,
                Body::None,
                &[405],
            ));
        }
    }
    run(&fx, cases);
    // The good ones are accepted, so the bad ones above are meaningful.
    for query in ["", "?state=all&limit=200", "?state=closed&limit=1&cursor="] {
        let r = fx.api.send_raw(
            "GET",
            &p(&format!("/conversations{query}")),
            Some(&fx.agent_token),
            &[],
            None,
        );
        assert_eq!(r.status, 200, "?{query}: {}", r.describe());
        assert!(r.body["next_cursor"].is_null(), "{}", r.body);
    }
}

/// A parameter given twice was read at its first occurrence, whatever the
/// second said (`?group=sales&group=<junk>` was a 200), and a parameter a
/// route does not read was ignored. Both are 400 `invalid_query` now, like
/// a value that is not valid for its parameter.
#[test]
fn repeated_unknown_and_malformed_query_parameters_are_400() {
    let fx = fixture();
    let p = |rest: &str| fx.site.path(rest);
    let c = "c_00000000000000000000000000000000";
    let mut cases = Vec::new();
    let mut add = |name: String, method: &'static str, path: String, who: As| {
        cases.push(with_code(
            case(name, method, path, who, Body::None, &[400]),
            "invalid_query",
        ));
    };
    // Repeated: the same value, another value, or an empty one.
    for (rest, who, query) in [
        ("/status", As::Nobody, "group=sales&group=sales"),
        ("/status", As::Nobody, "group=sales&group=%00junk"),
        ("/status", As::Nobody, "group=&group=sales"),
        ("/live", As::Nobody, "group=sales&group=sales"),
        ("/visitor/messages", As::Nobody, "after=0&after=0"),
        ("/conversations", As::Agent, "state=open&state=closed"),
        ("/conversations", As::Agent, "limit=10&limit=10"),
        ("/conversations", As::Agent, "cursor=&cursor="),
        ("/history", As::Owner, "from=1&from=1"),
        ("/history", As::Owner, "format=csv&format=json"),
        (
            "/insights",
            As::Owner,
            "first_reply_secs=60&first_reply_secs=60",
        ),
    ] {
        add(
            format!("repeated {rest}?{query}"),
            "GET",
            p(&format!("{rest}?{query}")),
            who,
        );
    }
    add(
        "repeated after on conversation messages".to_string(),
        "GET",
        p(&format!("/conversations/{c}/messages?after=1&after=2")),
        As::Agent,
    );
    // Unknown: on routes that read none and on routes that read others.
    for (method, path, who) in [
        ("GET", "/v1/health".to_string(), As::Nobody),
        ("GET", "/v1/openapi.json".to_string(), As::Nobody),
        ("POST", "/v1/sites".to_string(), As::Admin),
        ("GET", p("/status"), As::Nobody),
        ("GET", p("/widget-config"), As::Nobody),
        ("GET", p("/settings"), As::Owner),
        ("DELETE", p("/groups/sales"), As::Owner),
        ("GET", p("/agents/me"), As::Agent),
        ("GET", p("/conversations"), As::Agent),
        ("POST", p(&format!("/conversations/{c}/close")), As::Agent),
        ("GET", p("/history"), As::Owner),
        ("GET", p("/insights"), As::Owner),
    ] {
        for query in ["limt=10", "GROUP=sales", "gr%6Fup=sales", "x"] {
            add(
                format!("unknown {method} {path}?{query}"),
                method,
                format!("{path}?{query}"),
                who,
            );
        }
    }
    // Malformed values.
    for (rest, who, query) in [
        ("/status", As::Nobody, "group=Sales"),
        ("/status", As::Nobody, "group=sa%6Ces"),
        ("/live", As::Nobody, "group=-x"),
        ("/visitor/messages", As::Nobody, "after=9007199254740992"),
        ("/visitor/messages", As::Nobody, "after=%2B1"),
        ("/conversations", As::Agent, "limit=%2B5"),
        ("/history", As::Owner, "from=%2B1"),
        ("/history", As::Owner, "to=2026-05-01T09%3A00%3A00"),
        ("/insights", As::Owner, "first_reply_secs=%2B60"),
        (
            "/conversations",
            As::Agent,
            "cursor=c.1000000000000000000.c_1",
        ),
    ] {
        add(
            format!("malformed {rest}?{query}"),
            "GET",
            p(&format!("{rest}?{query}")),
            who,
        );
    }
    run(&fx, cases);
    // Empty values and empty segments are absent parameters.
    for (rest, who) in [
        ("/status?group=&", As::Nobody),
        ("/conversations?state=&limit=&cursor=", As::Agent),
        ("/settings?&", As::Owner),
        ("/history?from=&to=&group=&format=", As::Owner),
        ("/insights?from=&to=&group=&first_reply_secs=", As::Owner),
    ] {
        let r = fx.api.send_raw("GET", &p(rest), fx.token(who), &[], None);
        assert_eq!(r.status, 200, "{rest}: {}", r.describe());
    }
}
