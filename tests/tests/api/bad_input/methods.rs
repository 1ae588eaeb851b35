//! Wrong methods on known routes are 405 with a JSON error and `Allow`,
//! whatever the method's name; none is served as another method, none is a
//! 500.

use crate::helpers::bad_input::{case, fixture, hours_ok, run, As, Body};
use serde_json::json;

#[test]
fn wrong_method_is_405() {
    let fx = fixture();
    let p = |rest: &str| fx.site.path(rest);
    let cases = vec![
        case(
            "PATCH settings",
            "PATCH",
            p("/settings"),
            As::Owner,
            Body::Json(json!({})),
            &[405],
        ),
        case(
            "DELETE settings",
            "DELETE",
            p("/settings"),
            As::Owner,
            Body::None,
            &[405],
        ),
        case(
            "POST status",
            "POST",
            p("/status"),
            As::Nobody,
            Body::Json(json!({})),
            &[405],
        ),
        case(
            "DELETE status",
            "DELETE",
            p("/status"),
            As::Nobody,
            Body::None,
            &[405],
        ),
        case(
            "DELETE sites",
            "DELETE",
            "/v1/sites".to_string(),
            As::Admin,
            Body::None,
            &[405],
        ),
        case(
            "POST groups",
            "POST",
            p("/groups"),
            As::Owner,
            Body::Json(json!({ "name": "x" })),
            &[405],
        ),
        case(
            "POST group",
            "POST",
            p("/groups/sales"),
            As::Owner,
            Body::Json(json!({ "name": "x" })),
            &[405],
        ),
        case(
            "POST agents",
            "POST",
            p("/agents"),
            As::Owner,
            Body::Json(json!({ "name": "x" })),
            &[405],
        ),
        case(
            "GET agent token",
            "GET",
            p("/agents/giulia/token"),
            As::Owner,
            Body::None,
            &[405],
        ),
        case(
            "PUT stats",
            "PUT",
            p("/stats"),
            As::Owner,
            Body::Json(json!({})),
            &[405],
        ),
        case(
            "POST working hours",
            "POST",
            p("/working-hours"),
            As::Owner,
            Body::Json(hours_ok()),
            &[405],
        ),
        case(
            "DELETE my status",
            "DELETE",
            p("/agents/me/status"),
            As::Agent,
            Body::None,
            &[405],
        ),
        case(
            "GET heartbeat",
            "GET",
            p("/agents/me/heartbeat"),
            As::Agent,
            Body::None,
            &[405],
        ),
        case(
            "GET sign-out",
            "GET",
            p("/agents/me/sign-out"),
            As::Agent,
            Body::None,
            &[405],
        ),
        case(
            "PUT health",
            "PUT",
            "/v1/health".to_string(),
            As::Nobody,
            Body::Json(json!({})),
            &[405],
        ),
        case(
            "POST ping",
            "POST",
            "/v1/ping".to_string(),
            As::Nobody,
            Body::None,
            &[405],
        ),
        case(
            "POST widget config",
            "POST",
            p("/widget-config"),
            As::Nobody,
            Body::Json(json!({})),
            &[405],
        ),
    ];
    run(&fx, cases);
}

/// Every route, with the methods it declares (its `Allow`) and the caller
/// that may use it.
fn routes(fx: &crate::helpers::bad_input::Fx) -> Vec<(String, &'static str, As)> {
    let p = |rest: &str| fx.site.path(rest);
    let c = "c_00000000000000000000000000000000";
    vec![
        ("/v1/health".to_string(), "GET", As::Nobody),
        ("/v1/ping".to_string(), "GET", As::Nobody),
        ("/v1/openapi.json".to_string(), "GET", As::Nobody),
        ("/v1/sites".to_string(), "GET, POST", As::Admin),
        (fx.site.path(""), "PUT, DELETE", As::Admin),
        (p("/status"), "GET", As::Nobody),
        (p("/live"), "GET", As::Nobody),
        (p("/widget-config"), "GET", As::Nobody),
        (p("/visitor/messages"), "GET, POST", As::Nobody),
        (p("/settings"), "GET, PUT", As::Owner),
        (p("/stats"), "GET", As::Owner),
        (p("/history"), "GET", As::Owner),
        (p("/insights"), "GET", As::Owner),
        (p("/groups"), "GET", As::Owner),
        (p("/groups/sales"), "GET, PUT, DELETE", As::Owner),
        (
            p("/groups/sales/working-hours"),
            "GET, PUT, DELETE",
            As::Owner,
        ),
        (p("/working-hours"), "GET, PUT, DELETE", As::Owner),
        (p("/agents"), "GET", As::Owner),
        (p("/agents/giulia"), "GET, PUT, DELETE", As::Owner),
        (p("/agents/giulia/token"), "POST", As::Owner),
        (p("/onboarding"), "GET, PUT", As::Owner),
        (p("/owner-agent"), "PUT, DELETE", As::Owner),
        (p("/owner-agent/devices"), "POST", As::Owner),
        (p("/agents/me"), "GET", As::Agent),
        (p("/agents/me/status"), "PUT", As::Agent),
        (p("/agents/me/heartbeat"), "POST", As::Agent),
        (p("/agents/me/sign-out"), "POST", As::Agent),
        (p("/agents/me/session"), "GET", As::Agent),
        (p("/conversations"), "GET", As::Agent),
        (
            p(&format!("/conversations/{c}/messages")),
            "GET, POST",
            As::Agent,
        ),
        (p(&format!("/conversations/{c}/read")), "POST", As::Agent),
        (p(&format!("/conversations/{c}/close")), "POST", As::Agent),
        (p(&format!("/conversations/{c}/reopen")), "POST", As::Agent),
    ]
}

/// Methods the runtime passes to the Worker but no route declares were
/// served as GET (200 with the GET's answer), and with a body they were
/// forwarded to the object as a GET with a body: 500 `internal`. Each is a
/// 405 with the route's `Allow`, with or without a body.
#[test]
fn extension_methods_are_405_with_allow_on_every_route() {
    let fx = fixture();
    let body = br#"{"name":"x"}"#;
    let mut failures = Vec::new();
    let mut sent = 0;
    for (path, allow, who) in routes(&fx) {
        for method in [
            "QUERY", "PROPFIND", "SEARCH", "PURGE", "TRACE", "PATCH", "HEAD",
        ] {
            for with_body in [false, true] {
                if with_body && matches!(method, "TRACE" | "HEAD") {
                    continue;
                }
                let token = fx.token(who);
                let reply = if with_body {
                    fx.api.send_raw(
                        method,
                        &path,
                        token,
                        &[("Content-Type", "application/json")],
                        Some(body),
                    )
                } else {
                    fx.api.send_raw(method, &path, token, &[], None)
                };
                sent += 1;
                let code_ok = method == "HEAD" || reply.error_code() == Some("method_not_allowed");
                if reply.status != 405 || reply.header("Allow") != Some(allow) || !code_ok {
                    let shown: String = reply.body.to_string().chars().take(100).collect();
                    failures.push(format!(
                        "{method} {path} (body: {with_body}): {} Allow {:?} {shown}",
                        reply.status,
                        reply.header("Allow")
                    ));
                }
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {sent} requests were not 405 with Allow:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

/// A method the runtime itself does not know (`FOO`, a lowercase `get`)
/// never reaches the Worker: workerd answers 501 Not Implemented, as RFC
/// 9110 says for a method a server does not recognize. Were the runtime to
/// pass one, the route would answer 405. Either way it is never served and
/// never a 500.
#[test]
fn unknown_methods_are_never_served() {
    let fx = fixture();
    for method in ["FOO", "get", "post", "Put", "BREW"] {
        for (path, _, who) in routes(&fx).into_iter().step_by(3) {
            let reply = fx.api.send_raw(method, &path, fx.token(who), &[], None);
            assert!(
                matches!(reply.status, 405 | 501),
                "{method} {path}: {}",
                reply.describe()
            );
        }
    }
}
