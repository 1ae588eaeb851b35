//! The visitor status over HTTP is cacheable: an ETag (304 while unchanged)
//! and a short `max-age`.

use crate::helpers::{site, HTTP_WAIT};

#[test]
fn visitor_status_has_an_etag_and_short_cache() {
    let site = site();
    let giulia = site.add_agent("giulia", "Giulia", &[]);
    let first = site.status(None);
    assert_eq!(first.status, 200, "{}", first.describe());
    let etag = first
        .header("ETag")
        .unwrap_or_else(|| panic!("no ETag: {:?}", first.headers))
        .to_string();
    let cache = first.header("Cache-Control").unwrap_or("").to_string();
    assert!(cache.contains("max-age="), "Cache-Control: {cache:?}");
    let max_age: u32 = cache
        .split("max-age=")
        .nth(1)
        .and_then(|s| s.split(|c: char| !c.is_ascii_digit()).next())
        .and_then(|s| s.parse().ok())
        .unwrap_or(u32::MAX);
    assert!(
        max_age <= 2,
        "visitor answers are cached at most ~1 s: {cache:?}"
    );

    let path = site.status_path(None);
    let again = site
        .api
        .send_raw("GET", &path, None, &[("If-None-Match", &etag)], None);
    assert_eq!(
        again.status,
        304,
        "same answer, same ETag: {}",
        again.describe()
    );

    giulia.set_status(None, "online", None);
    site.wait_status(None, "online", HTTP_WAIT);
    let changed = site
        .api
        .send_raw("GET", &path, None, &[("If-None-Match", &etag)], None);
    assert_eq!(
        changed.status,
        200,
        "a changed answer is sent again: {}",
        changed.describe()
    );
    assert_ne!(changed.header("ETag"), Some(etag.as_str()));
}
