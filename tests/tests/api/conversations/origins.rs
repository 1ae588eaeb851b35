//! Visitors may post from the pages of the site's allowed origins only.

use crate::helpers::conversations::Visitor;
use crate::helpers::site;
use serde_json::json;

#[test]
fn widget_pages_of_allowed_origins_may_write() {
    const SHOP: &str = "https://shop.example";
    const EVIL: &str = "https://evil.example";
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
