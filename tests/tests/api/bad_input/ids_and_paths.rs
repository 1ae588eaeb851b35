//! Bad ids and paths: invalid group, agent and site ids (400), unknown
//! sites, groups, agents and routes (404), on HTTP and on the `/live`
//! socket's upgrade.

use crate::helpers::bad_input::{case, fixture, hours_ok, run, with_code, As, Body};
use presenza_tests::ws::Ws;
use serde_json::json;

#[test]
fn invalid_ids_are_400() {
    let fx = fixture();
    let p = |rest: &str| fx.site.path(rest);
    let long = "a".repeat(300);
    let group = json!({ "name": "G" });
    let agent = json!({ "name": "A", "groups": [] });
    let cases = vec![
        case(
            "group id with spaces",
            "PUT",
            p("/groups/bad%20id"),
            As::Owner,
            Body::Json(group.clone()),
            &[400],
        ),
        case(
            "group id with symbols",
            "PUT",
            p("/groups/bad%21%3C%3E"),
            As::Owner,
            Body::Json(group.clone()),
            &[400],
        ),
        case(
            "group id too long",
            "PUT",
            p(&format!("/groups/{long}")),
            As::Owner,
            Body::Json(group),
            &[400],
        ),
        case(
            "agent id with spaces",
            "PUT",
            p("/agents/bad%20id"),
            As::Owner,
            Body::Json(agent.clone()),
            &[400],
        ),
        case(
            "agent id with unicode",
            "PUT",
            p("/agents/%C3%A8%C3%A8"),
            As::Owner,
            Body::Json(agent.clone()),
            &[400],
        ),
        case(
            "agent id too long",
            "PUT",
            p(&format!("/agents/{long}")),
            As::Owner,
            Body::Json(agent),
            &[400],
        ),
        case(
            "site id with symbols",
            "GET",
            "/v1/sites/%21%21/status".to_string(),
            As::Nobody,
            Body::None,
            &[400, 404],
        ),
        case(
            "site id too long",
            "GET",
            format!("/v1/sites/{long}/status"),
            As::Nobody,
            Body::None,
            &[400, 404],
        ),
    ];
    run(&fx, cases);
}

/// A site id of the same shape as a real one that does not exist.
fn missing_site_id(real: &str) -> String {
    let mut chars: Vec<char> = real.chars().collect();
    let last = chars.pop().unwrap_or('a');
    chars.push(if last == 'a' { 'b' } else { 'a' });
    chars.into_iter().collect()
}

#[test]
fn unknown_site_group_or_agent_is_404() {
    let fx = fixture();
    let p = |rest: &str| fx.site.path(rest);
    let ghost = missing_site_id(&fx.site.id);
    let g = |rest: &str| format!("/v1/sites/{ghost}{rest}");
    let cases = vec![
        with_code(
            case(
                "unknown site status",
                "GET",
                g("/status"),
                As::Nobody,
                Body::None,
                &[404],
            ),
            "site_not_found",
        ),
        with_code(
            case(
                "unknown site widget",
                "GET",
                g("/widget-config"),
                As::Nobody,
                Body::None,
                &[404],
            ),
            "site_not_found",
        ),
        with_code(
            case(
                "unknown site settings",
                "GET",
                g("/settings"),
                As::Owner,
                Body::None,
                &[404],
            ),
            "site_not_found",
        ),
        with_code(
            case(
                "unknown site agent",
                "GET",
                g("/agents/me"),
                As::Agent,
                Body::None,
                &[404],
            ),
            "site_not_found",
        ),
        case(
            "unknown group status",
            "GET",
            p("/status?group=nope"),
            As::Nobody,
            Body::None,
            &[404],
        ),
        case(
            "unknown group delete",
            "DELETE",
            p("/groups/nope"),
            As::Owner,
            Body::None,
            &[404],
        ),
        case(
            "unknown group hours",
            "PUT",
            p("/groups/nope/working-hours"),
            As::Owner,
            Body::Json(hours_ok()),
            &[404],
        ),
        case(
            "unknown group hours delete",
            "DELETE",
            p("/groups/nope/working-hours"),
            As::Owner,
            Body::None,
            &[404],
        ),
        case(
            "unknown agent delete",
            "DELETE",
            p("/agents/nobody"),
            As::Owner,
            Body::None,
            &[404],
        ),
        case(
            "unknown agent rotate",
            "POST",
            p("/agents/nobody/token"),
            As::Owner,
            Body::None,
            &[404],
        ),
        case(
            "agent in an unknown group",
            "PUT",
            p("/agents/marco"),
            As::Owner,
            Body::Json(json!({ "name": "Marco", "groups": ["nope"] })),
            &[400, 404, 409],
        ),
        case(
            "unknown route",
            "GET",
            "/v1/nope".to_string(),
            As::Nobody,
            Body::None,
            &[404],
        ),
        case(
            "unknown site route",
            "GET",
            p("/nope"),
            As::Owner,
            Body::None,
            &[404],
        ),
    ];
    // An unknown group in the ?group= of a socket: refused before upgrading.
    let live = Ws::connect(&fx.api.base, &p("/live?group=nope"), &[]);
    assert_eq!(
        live.as_ref().err().map(|e| e.status()),
        Some(404),
        "live?group=nope"
    );
    let live = Ws::connect(&fx.api.base, &g("/live"), &[]);
    let err = live.as_ref().err().cloned();
    assert_eq!(
        err.as_ref().map(|e| e.status()),
        Some(404),
        "live on an unknown site"
    );
    assert_eq!(
        err.map(|e| e.body_json()["error"]["code"].clone()),
        Some(json!("site_not_found"))
    );
    run(&fx, cases);
}
