//! Bad queries and actions on conversations: the inbox's `state`, `limit`
//! and `cursor` (400 `invalid_query`), closing or reopening an unknown or
//! invalid conversation (404) and the wrong method on those actions (405).

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
