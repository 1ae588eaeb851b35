//! Where the site's widget is live, for the owner's checklist: the first
//! page of an allowed origin (other than the edge's own: the console and
//! the demo pages) whose widget asked for its `widget-config`, and the
//! latest. The loader asks with the page's full address as `Referer`
//! (`referrerPolicy`), of which only the origin and path are kept; without
//! one (a browser that strips it), the `Origin` alone. The latest is
//! rewritten at most once a minute, so a busy site does not write per page
//! view.

use crate::cors::normalize_origin;
use crate::site::call::Call;
use crate::site::config::Config;
use crate::site::state::Site;
use crate::store::Seen;
use presenza_protocol::limits::MAX_ORIGIN_LEN;
use worker::Url;

/// The latest page is rewritten at most this often.
const LATEST_EVERY_MS: i64 = 60_000;

/// The longest page address kept.
const MAX_PAGE_LEN: usize = 500;

/// Records the page (best effort: a widget never fails because of it).
pub fn record(site: &Site, cfg: &Config, call: &Call<'_>) {
    let due = match &cfg.widget_last_seen {
        None => true,
        Some(last) => call.now - last.at_ms >= LATEST_EVERY_MS,
    };
    if !due || !call.cors.allowed() {
        return;
    }
    let own = call.url.origin().ascii_serialization();
    let Some(seen) = page(
        call.header("Origin").as_deref(),
        call.header("Referer").as_deref(),
        &own,
        call.now,
    ) else {
        return;
    };
    let first = cfg.widget_first_seen.is_none();
    match site.store.record_widget_seen(&seen, first) {
        Ok(()) => site.config_changed(),
        Err(e) => worker::console_error!("recording where the widget was seen: {e}"),
    }
}

/// The page a request came from: the `Referer`'s origin and path when it
/// agrees with `Origin` (or there is no `Origin`: same-origin requests),
/// else the `Origin` alone; `None` for the edge's own pages and for what is
/// not an http(s) page.
fn page(origin: Option<&str>, referer: Option<&str>, own: &str, now: i64) -> Option<Seen> {
    let from_referer = referer
        .and_then(|r| Url::parse(r).ok())
        .filter(|u| matches!(u.scheme(), "http" | "https"))
        .map(|u| (u.origin().ascii_serialization(), u.path().to_string()));
    let origin = match (origin, &from_referer) {
        (Some(o), _) => normalize_origin(o).ok()?,
        (None, Some((o, _))) => o.clone(),
        (None, None) => return None,
    };
    if origin == own || origin.len() > MAX_ORIGIN_LEN || !origin.starts_with("http") {
        return None;
    }
    let path = match from_referer {
        Some((o, path)) if o == origin => path,
        _ => "/".to_string(),
    };
    let mut page = format!("{origin}{path}");
    if page.len() > MAX_PAGE_LEN {
        let mut end = MAX_PAGE_LEN;
        while !page.is_char_boundary(end) {
            end -= 1;
        }
        page.truncate(end);
    }
    Some(Seen {
        origin,
        page,
        at_ms: now,
    })
}

#[cfg(test)]
mod tests {
    use super::page;

    const OWN: &str = "https://edge.example";

    #[test]
    fn the_referer_gives_the_path_without_query_or_fragment() {
        let seen = page(
            Some("https://shop.example"),
            Some("https://shop.example/cart?id=7#top"),
            OWN,
            5,
        )
        .unwrap();
        assert_eq!(seen.origin, "https://shop.example");
        assert_eq!(seen.page, "https://shop.example/cart");
        assert_eq!(seen.at_ms, 5);
    }

    #[test]
    fn without_a_matching_referer_only_the_origin() {
        let seen = page(Some("https://shop.example"), None, OWN, 0).unwrap();
        assert_eq!(seen.page, "https://shop.example/");
        let seen = page(
            Some("https://shop.example"),
            Some("https://other.example/x"),
            OWN,
            0,
        )
        .unwrap();
        assert_eq!(seen.page, "https://shop.example/");
    }

    #[test]
    fn same_origin_requests_use_the_referer() {
        let seen = page(None, Some("http://127.0.0.1:9000/p"), OWN, 0).unwrap();
        assert_eq!(seen.page, "http://127.0.0.1:9000/p");
    }

    #[test]
    fn the_edge_s_own_pages_and_non_pages_are_not_recorded() {
        assert_eq!(page(Some(OWN), Some("https://edge.example/"), OWN, 0), None);
        assert_eq!(
            page(None, Some("https://edge.example/?site=s"), OWN, 0),
            None
        );
        assert_eq!(page(None, None, OWN, 0), None);
        assert_eq!(page(Some("null"), None, OWN, 0), None);
        assert_eq!(page(None, Some("file:///x.html"), OWN, 0), None);
    }

    #[test]
    fn long_pages_are_cut() {
        let long = format!("https://shop.example/{}", "é".repeat(400));
        let seen = page(None, Some(&long), OWN, 0).unwrap();
        assert!(seen.page.len() <= 500);
    }
}
