//! CORS and allowed origins: the Worker answers preflights itself; a site's
//! `allowed_origins` decide which pages may read its status and widget
//! config, which pages may open its `/live` socket (others → 403) and which
//! may post visitor messages.

use crate::helpers::conversations::Visitor;
use crate::helpers::{site, EVIL, MESSAGE_WAIT, SHOP};
use presenza_tests::api::{Reply, TestSite};
use presenza_tests::edge::shared_edge;
use presenza_tests::ws::{Frame, Ws};
use serde_json::json;
use std::time::Duration;

fn site_with_origins(origins: &[&str]) -> TestSite {
    let site = site();
    site.settings(json!({ "allowed_origins": origins }));
    site
}

fn preflight(
    site: &TestSite,
    path: &str,
    origin: &str,
    method: &str,
    headers: Option<&str>,
) -> Reply {
    let mut h = vec![
        ("Origin", origin),
        ("Access-Control-Request-Method", method),
    ];
    if let Some(hd) = headers {
        h.push(("Access-Control-Request-Headers", hd));
    }
    site.api.send_raw("OPTIONS", path, None, &h, None)
}

fn list_contains(header: Option<&str>, item: &str) -> bool {
    header.is_some_and(|h| {
        h.split(',')
            .any(|x| x.trim().eq_ignore_ascii_case(item) || x.trim() == "*")
    })
}

#[test]
fn preflight_from_an_allowed_origin_is_answered_by_the_worker() {
    let site = site_with_origins(&[SHOP]);
    site.add_group("sales", "Sales");
    for path in [
        site.path("/status"),
        site.path("/status?group=sales"),
        site.path("/widget-config"),
    ] {
        let r = preflight(&site, &path, SHOP, "GET", None);
        assert!(
            r.status == 204 || r.status == 200,
            "OPTIONS {path}: {}",
            r.describe()
        );
        assert_eq!(
            r.header("Access-Control-Allow-Origin"),
            Some(SHOP),
            "OPTIONS {path} allows the site's origin: {:?}",
            r.headers
        );
        assert!(
            list_contains(r.header("Access-Control-Allow-Methods"), "GET"),
            "OPTIONS {path} allows GET: {:?}",
            r.headers
        );
    }
}

#[test]
fn preflight_from_a_disallowed_origin_grants_nothing() {
    let site = site_with_origins(&[SHOP]);
    let path = site.path("/status");
    let r = preflight(&site, &path, EVIL, "GET", None);
    assert_ne!(r.status, 500, "{}", r.describe());
    // A browser accepts a preflight only if it is 2xx and names the origin
    // (or `*`); a refusal must fail at least one of the two.
    let acao = r.header("Access-Control-Allow-Origin");
    let granted = r.is_success() && (acao == Some(EVIL) || acao == Some("*"));
    assert!(
        !granted,
        "a disallowed origin was granted: {}: {:?}",
        r.describe(),
        r.headers
    );
    if !r.is_success() {
        assert!(
            r.error_code().is_some(),
            "a refusal is a JSON error: {}",
            r.describe()
        );
    }
}

#[test]
fn status_is_readable_only_by_allowed_origins() {
    let site = site_with_origins(&[SHOP, "http://localhost:3000"]);
    for origin in [SHOP, "http://localhost:3000"] {
        let r = site.api.send_raw(
            "GET",
            &site.status_path(None),
            None,
            &[("Origin", origin)],
            None,
        );
        assert_eq!(r.status, 200, "{}", r.describe());
        assert_eq!(
            r.header("Access-Control-Allow-Origin"),
            Some(origin),
            "{:?}",
            r.headers
        );
        assert!(
            r.header("Vary")
                .is_some_and(|v| v.to_ascii_lowercase().contains("origin")),
            "an origin-dependent cacheable answer must Vary on Origin: {:?}",
            r.headers
        );
    }
    let r = site.api.send_raw(
        "GET",
        &site.status_path(None),
        None,
        &[("Origin", EVIL)],
        None,
    );
    assert_ne!(r.status, 500, "{}", r.describe());
    let acao = r.header("Access-Control-Allow-Origin");
    assert!(
        acao != Some(EVIL) && acao != Some("*"),
        "{EVIL} got {acao:?}"
    );

    // Origins are exact: scheme, host and port.
    for near in [
        "http://shop.example",
        "https://shop.example:8443",
        "https://evil.shop.example",
    ] {
        let r = site.api.send_raw(
            "GET",
            &site.status_path(None),
            None,
            &[("Origin", near)],
            None,
        );
        assert_ne!(
            r.header("Access-Control-Allow-Origin"),
            Some(near),
            "{near} is not {SHOP}"
        );
    }
}

#[test]
fn widget_config_follows_allowed_origins() {
    let site = site_with_origins(&[SHOP]);
    let path = site.path("/widget-config");
    let r = site
        .api
        .send_raw("GET", &path, None, &[("Origin", SHOP)], None);
    assert_eq!(r.status, 200, "{}", r.describe());
    assert_eq!(
        r.header("Access-Control-Allow-Origin"),
        Some(SHOP),
        "{:?}",
        r.headers
    );
    // A refused origin reads no settings nor status: only a 403 naming it
    // and where to allow it, which the widget shows on the console.
    let r = site
        .api
        .send_raw("GET", &path, None, &[("Origin", EVIL)], None);
    assert_eq!(r.status, 403, "{}", r.describe());
    assert_eq!(r.error_code(), Some("origin_not_allowed"));
    assert_eq!(r.body.get("widget"), None, "{}", r.body);
    assert_eq!(r.body.get("status"), None, "{}", r.body);
    let message = r.body["error"]["message"].as_str().unwrap_or_default();
    assert!(
        message.starts_with(&format!("{EVIL} is not in this site's allowed origins"))
            && message.contains("Settings → Allowed origins"),
        "{message}"
    );
    assert_eq!(
        r.header("Access-Control-Allow-Origin"),
        Some(EVIL),
        "the page may read the error: {:?}",
        r.headers
    );
}

#[test]
fn live_socket_checks_the_origin() {
    let site = site_with_origins(&[SHOP]);
    site.add_group("sales", "Sales");
    for group in [None, Some("sales")] {
        let ok = site.try_live(group, &[("Origin", SHOP)]);
        match ok {
            Ok(mut ws) => {
                assert!(
                    ws.next_json(Duration::from_secs(5)).is_some(),
                    "an allowed origin gets the status at once"
                );
                ws.close();
            }
            Err(e) => panic!("{SHOP} on {}: {e}", site.live_path(group)),
        }
        let refused = site.try_live(group, &[("Origin", EVIL)]);
        let err = refused
            .err()
            .unwrap_or_else(|| panic!("{EVIL} opened {}", site.live_path(group)));
        assert_eq!(
            err.status(),
            403,
            "{EVIL} on {}: {err}",
            site.live_path(group)
        );
        assert!(
            err.body_json()["error"]["code"].is_string(),
            "the refusal is a JSON error: {err}"
        );
    }
}

#[test]
fn allowed_origins_changes_take_effect() {
    let site = site_with_origins(&[SHOP]);
    assert_eq!(
        site.try_live(None, &[("Origin", EVIL)])
            .err()
            .map(|e| e.status()),
        Some(403)
    );
    site.settings(json!({ "allowed_origins": [SHOP, EVIL] }));
    let ws = site
        .try_live(None, &[("Origin", EVIL)])
        .unwrap_or_else(|e| panic!("{EVIL} after being allowed: {e}"));
    ws.close();
    let r = site.api.send_raw(
        "GET",
        &site.status_path(None),
        None,
        &[("Origin", EVIL)],
        None,
    );
    assert_eq!(
        r.header("Access-Control-Allow-Origin"),
        Some(EVIL),
        "{:?}",
        r.headers
    );

    site.settings(json!({ "allowed_origins": [SHOP] }));
    assert_eq!(
        site.try_live(None, &[("Origin", EVIL)])
            .err()
            .map(|e| e.status()),
        Some(403)
    );
    // Partial settings updates keep the origins.
    site.settings(json!({ "grace_period_secs": 60 }));
    let s = site.owner_ok("GET", "/settings", None).body;
    assert_eq!(s["allowed_origins"], json!([SHOP]), "{s}");
}

#[test]
fn widget_files_are_fetchable_from_any_site_origin() {
    // Sites embed the loader, which fetches the Wasm and imports the chat
    // module from the edge's origin: those need CORS for every origin.
    let api = presenza_tests::api::Api::new(shared_edge());
    for path in ["/widget/loader.js", "/widget/presenza.wasm"] {
        let reply = api.send_raw(
            "GET",
            path,
            None,
            &[("Origin", "https://shop.example")],
            None,
        );
        assert_eq!(reply.status, 200, "{path}: {reply:?}");
        assert_eq!(
            reply.header("access-control-allow-origin"),
            Some("*"),
            "{path}"
        );
    }
}

#[test]
fn widget_pages_of_allowed_origins_may_write() {
    let site = site();
    site.settings(json!({ "allowed_origins": [SHOP] }));
    let giulia = site.add_agent("giulia", "Giulia", &[]);
    let (device, _) = giulia.device();
    let ann = Visitor::new(&site);
    let path = ann.path("/visitor/messages");
    // The browser's pre-flight: the visitor header and JSON are allowed.
    let r = site.api.send_raw(
        "OPTIONS",
        &path,
        None,
        &[
            ("Origin", SHOP),
            ("Access-Control-Request-Method", "POST"),
            (
                "Access-Control-Request-Headers",
                "content-type, x-presenza-visitor",
            ),
        ],
        None,
    );
    assert!(r.is_success(), "{}", r.describe());
    let allowed = r
        .header("Access-Control-Allow-Headers")
        .unwrap_or_default()
        .to_ascii_lowercase();
    assert!(
        allowed.contains("x-presenza-visitor") && allowed.contains("content-type"),
        "{:?}",
        r.headers
    );
    let body = json!({ "client_id": "c_1", "text": "from the shop" }).to_string();
    let cred = ann.credential();
    let send = |origin: &str| {
        site.api.send_raw(
            "POST",
            &path,
            None,
            &[
                ("Origin", origin),
                ("Content-Type", "application/json"),
                ("X-Presenza-Visitor", &cred),
            ],
            Some(body.as_bytes()),
        )
    };
    let r = send(EVIL);
    assert_eq!(r.status, 403, "{}", r.describe());
    assert_eq!(r.error_code(), Some("origin_not_allowed"));
    let r = send(SHOP);
    assert_eq!(r.status, 201, "{}", r.describe());
    assert_eq!(r.header("Access-Control-Allow-Origin"), Some(SHOP));
    let expose = r
        .header("Access-Control-Expose-Headers")
        .unwrap_or_default();
    assert!(expose.contains("Retry-After"), "{:?}", r.headers);
    device.close();
}

#[test]
fn every_site_answer_varies_on_origin() {
    // A site that allows every origin, asked without any Origin: a shared
    // cache must still not serve this answer to a browser page.
    let site = site();
    let giulia = site.add_agent("giulia", "Giulia", &[]);
    for (path, token) in [
        (site.status_path(None), None),
        (site.path("/widget-config"), None),
        (site.path("/agents/me"), Some(giulia.token.as_str())),
        (site.path("/groups/nope"), Some(site.owner_key.as_str())),
    ] {
        for origin in [None, Some(SHOP)] {
            let headers: Vec<(&str, &str)> = origin.map(|o| ("Origin", o)).into_iter().collect();
            let auth = token.map(|t| format!("Bearer {t}"));
            let mut all = headers.clone();
            if let Some(a) = &auth {
                all.push(("Authorization", a));
            }
            let r = site.api.send_raw("GET", &path, None, &all, None);
            assert!(
                r.header("Vary")
                    .is_some_and(|v| v.to_ascii_lowercase().contains("origin")),
                "GET {path} (origin {origin:?}) -> {} without Vary: Origin: {:?}",
                r.status,
                r.headers
            );
        }
    }
}

#[test]
fn narrowing_allowed_origins_closes_sockets_of_origins_no_longer_allowed() {
    const OTHER: &str = "https://other.example";
    let site = site_with_origins(&[SHOP, OTHER]);
    let path = site.live_path(None);
    let open = |origin: Option<&str>| {
        let headers: Vec<(&str, &str)> = origin.map(|o| ("Origin", o)).into_iter().collect();
        let mut ws = Ws::connect(&site.api.base, &path, &headers)
            .unwrap_or_else(|e| panic!("open from {origin:?}: {e}"));
        ws.next_json(MESSAGE_WAIT)
            .unwrap_or_else(|| panic!("a status frame from {origin:?}"));
        ws
    };
    let mut from_shop = open(Some(SHOP));
    let mut from_other = open(Some(OTHER));
    let mut no_origin = open(None);

    site.owner_ok(
        "PUT",
        "/settings",
        Some(&json!({ "allowed_origins": [OTHER] })),
    );

    let deadline = std::time::Instant::now() + MESSAGE_WAIT;
    let closed = loop {
        match from_shop.next_frame(Duration::from_millis(200)) {
            Frame::Closed(code) => break Some(code),
            _ if std::time::Instant::now() > deadline => break None,
            _ => {}
        }
    };
    assert_eq!(
        closed,
        Some(Some(1008)),
        "a socket from an origin no longer allowed is closed"
    );
    from_other.ping_pong(MESSAGE_WAIT);
    no_origin.ping_pong(MESSAGE_WAIT);
}
