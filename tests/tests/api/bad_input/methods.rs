//! Wrong methods on known routes are 405 with a JSON error.

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
            "GET sites",
            "GET",
            "/v1/sites".to_string(),
            As::Admin,
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
