//! A visitor's context, parsed once from anonymous input (pure): the page,
//! referrer and time zone a widget names in `auth` and `send`
//! ([`PageContext`]), the browser and OS of its socket's `User-Agent`, and
//! the country and city the platform's request data gave the Worker, which
//! it passes to the socket's holder in [`GEO_HEADER`] (a client's own copy
//! of that header is dropped). Whatever is not valid is absent; what is
//! too long is cut at a character boundary (`limits::MAX_CONTEXT_*`).

use presenza_protocol::frame::PageContext;
use presenza_protocol::limits::{MAX_CONTEXT_TEXT_CHARS, MAX_CONTEXT_URL_CHARS};
use serde::{Deserialize, Serialize};

/// The header in which the Worker passes `request.cf`'s country and city
/// to the object holding a widget's socket: `CC;<hex of the city's UTF-8>`.
pub const GEO_HEADER: &str = "X-Presenza-Geo";

/// Text without control characters, trimmed, at most `max` characters
/// (`None` when nothing is left).
pub fn text(raw: &str, max: usize) -> Option<String> {
    let clean: String = raw
        .trim()
        .chars()
        .filter(|c| !c.is_control())
        .take(max)
        .collect();
    let clean = clean.trim().to_string();
    (!clean.is_empty()).then_some(clean)
}

/// An `http(s)` URL (a page or a referrer), cut to its limit.
pub fn url(raw: &str) -> Option<String> {
    let raw = raw.trim();
    let lower = raw.get(..8).unwrap_or(raw).to_ascii_lowercase();
    if !(lower.starts_with("https://") || lower.starts_with("http://")) {
        return None;
    }
    if raw.chars().any(|c| c.is_control() || c.is_whitespace()) {
        return None;
    }
    text(raw, MAX_CONTEXT_URL_CHARS)
}

/// The scheme and host of a URL (`https://shop.example`), to tell a
/// referrer from the site's own pages.
fn origin(url: &str) -> &str {
    let after = url.find("://").map_or(0, |i| i + 3);
    let end = url[after..]
        .find(['/', '?', '#'])
        .map_or(url.len(), |i| after + i);
    &url[..end]
}

/// An IANA time zone name (`Europe/Rome`, `UTC`): letters, digits, `_+-/`.
pub fn time_zone(raw: &str) -> Option<String> {
    let tz = raw.trim();
    let ok = !tz.is_empty()
        && tz.len() <= MAX_CONTEXT_TEXT_CHARS
        && tz
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '+' | '-' | '/'))
        && tz.starts_with(|c: char| c.is_ascii_alphabetic());
    ok.then(|| tz.to_string())
}

/// What a visitor's request says of their client: the browser and OS of
/// its `User-Agent`, the country and city the Worker passed on in
/// [`GEO_HEADER`]. Read once when a widget's socket opens (and kept in its
/// attachment), or from a `POST visitor/messages`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Client {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub browser: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub os: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub country: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub city: Option<String>,
}

impl Client {
    /// From a request's `User-Agent` and [`GEO_HEADER`].
    pub fn from_request(user_agent: Option<&str>, geo_header: Option<&str>) -> Client {
        let (browser, os) = user_agent.map(self::user_agent).unwrap_or_default();
        let (country, city) = geo(geo_header);
        Client {
            browser,
            os,
            country,
            city,
        }
    }
}

/// What a widget's `context` says, checked: the page, the referrer (only
/// when it is another site's), the time zone.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Page {
    pub page: Option<String>,
    pub referrer: Option<String>,
    pub time_zone: Option<String>,
}

impl Page {
    pub fn parse(ctx: Option<&PageContext>) -> Page {
        let Some(ctx) = ctx else {
            return Page::default();
        };
        let page = ctx.page.as_deref().and_then(url);
        let referrer = ctx
            .referrer
            .as_deref()
            .and_then(url)
            .filter(|r| page.as_deref().is_none_or(|p| origin(p) != origin(r)));
        Page {
            page,
            referrer,
            time_zone: ctx.tz.as_deref().and_then(time_zone),
        }
    }
}

/// The major version after `key` in a User-Agent (`Chrome/131.0` → 131).
fn version_after(ua: &str, key: &str) -> Option<String> {
    let at = ua.find(key)? + key.len();
    let digits: String = ua[at..]
        .chars()
        .take_while(char::is_ascii_digit)
        .take(4)
        .collect();
    (!digits.is_empty()).then_some(digits)
}

/// The browser and OS of a User-Agent, short ("Chrome 131", "Windows").
pub fn user_agent(ua: &str) -> (Option<String>, Option<String>) {
    let named = |name: &str, key: &str| -> Option<String> {
        ua.contains(key).then(|| match version_after(ua, key) {
            Some(v) => format!("{name} {v}"),
            None => name.to_string(),
        })
    };
    let browser = named("Edge", "Edg/")
        .or_else(|| named("Opera", "OPR/"))
        .or_else(|| named("Samsung Internet", "SamsungBrowser/"))
        .or_else(|| named("Firefox", "Firefox/"))
        .or_else(|| named("Firefox", "FxiOS/"))
        .or_else(|| named("Chrome", "CriOS/"))
        .or_else(|| named("Chrome", "Chrome/"))
        .or_else(|| {
            ua.contains("Safari/")
                .then(|| named("Safari", "Version/"))
                .flatten()
        });
    let os = if ua.contains("iPhone") || ua.contains("iPad") {
        Some(match version_after(ua, " OS ") {
            Some(v) => format!("iOS {v}"),
            None => "iOS".to_string(),
        })
    } else if ua.contains("Android") {
        named("Android", "Android ")
    } else if ua.contains("Windows") {
        Some("Windows".to_string())
    } else if ua.contains("Mac OS X") || ua.contains("Macintosh") {
        Some("macOS".to_string())
    } else if ua.contains("CrOS") {
        Some("ChromeOS".to_string())
    } else if ua.contains("Linux") {
        Some("Linux".to_string())
    } else {
        None
    };
    (browser, os)
}

/// The Worker's [`GEO_HEADER`] value for `request.cf`'s country and city.
pub fn geo_header(country: Option<&str>, city: Option<&str>) -> String {
    let country = country
        .filter(|c| c.len() == 2 && c.bytes().all(|b| b.is_ascii_alphabetic()))
        .unwrap_or("");
    let city = city.map(|c| presenza_protocol::id::hex(c.as_bytes()));
    format!(
        "{};{}",
        country.to_ascii_uppercase(),
        city.unwrap_or_default()
    )
}

/// The country and city in a [`GEO_HEADER`] value, checked again.
pub fn geo(header: Option<&str>) -> (Option<String>, Option<String>) {
    let Some((country, city)) = header.and_then(|h| h.split_once(';')) else {
        return (None, None);
    };
    let country = (country.len() == 2 && country.bytes().all(|b| b.is_ascii_uppercase()))
        .then(|| country.to_string());
    let bytes: Option<Vec<u8>> = (city.len() % 2 == 0)
        .then(|| {
            (0..city.len())
                .step_by(2)
                .map(|i| u8::from_str_radix(city.get(i..i + 2)?, 16).ok())
                .collect()
        })
        .flatten();
    let city = bytes
        .and_then(|b| String::from_utf8(b).ok())
        .and_then(|c| text(&c, MAX_CONTEXT_TEXT_CHARS));
    (country, city)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pages_are_http_urls_cut_to_their_limit() {
        assert_eq!(
            url(" https://shop.example/a?b=1 ").as_deref(),
            Some("https://shop.example/a?b=1")
        );
        assert_eq!(
            url("HTTP://Shop.example/").as_deref(),
            Some("HTTP://Shop.example/")
        );
        for bad in [
            "javascript:alert(1)",
            "ftp://x",
            "https://a b",
            "https://a\u{7}b",
            "",
            "shop",
        ] {
            assert_eq!(url(bad), None, "{bad:?}");
        }
        let long = format!("https://shop.example/{}", "é".repeat(1_000));
        let cut = url(&long).unwrap();
        assert_eq!(cut.chars().count(), MAX_CONTEXT_URL_CHARS);
    }

    #[test]
    fn a_referrer_is_another_sites() {
        let p = |page: &str, referrer: &str| {
            Page::parse(Some(&PageContext {
                page: Some(page.into()),
                referrer: Some(referrer.into()),
                tz: Some("Europe/Rome".into()),
            }))
        };
        let from_search = p(
            "https://shop.example/kettle",
            "https://search.example/?q=kettle",
        );
        assert_eq!(
            from_search.referrer.as_deref(),
            Some("https://search.example/?q=kettle")
        );
        assert_eq!(from_search.time_zone.as_deref(), Some("Europe/Rome"));
        assert_eq!(
            p("https://shop.example/kettle", "https://shop.example/").referrer,
            None
        );
        assert_eq!(Page::parse(None), Page::default());
    }

    #[test]
    fn time_zones() {
        for tz in [
            "Europe/Rome",
            "America/Argentina/Buenos_Aires",
            "UTC",
            "Etc/GMT+2",
        ] {
            assert_eq!(time_zone(tz).as_deref(), Some(tz));
        }
        for bad in ["", "Europe/Rome;drop", "../etc", &"A".repeat(65), "<b>"] {
            assert_eq!(time_zone(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn user_agents_in_short() {
        let cases = [
            ("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36", "Chrome 131", "Windows"),
            ("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36 Edg/131.0.2903.86", "Edge 131", "Windows"),
            ("Mozilla/5.0 (Macintosh; Intel Mac OS X 14_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Safari/605.1.15", "Safari 18", "macOS"),
            ("Mozilla/5.0 (iPhone; CPU iPhone OS 17_6 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.6 Mobile/15E148 Safari/604.1", "Safari 17", "iOS 17"),
            ("Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0", "Firefox 133", "Linux"),
            ("Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Mobile Safari/537.36", "Chrome 131", "Android 14"),
            ("Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/131.0.0.0 Safari/537.36", "Chrome 131", "Linux"),
        ];
        for (ua, browser, os) in cases {
            assert_eq!(
                user_agent(ua),
                (Some(browser.into()), Some(os.into())),
                "{ua}"
            );
        }
        assert_eq!(user_agent("curl/8.5"), (None, None));
    }

    #[test]
    fn geo_travels_in_a_header() {
        let h = geo_header(Some("it"), Some("Reggio nell'Emilia"));
        assert_eq!(
            geo(Some(&h)),
            (Some("IT".into()), Some("Reggio nell'Emilia".into()))
        );
        assert_eq!(geo(Some(&geo_header(Some("Italy"), None))), (None, None));
        assert_eq!(
            geo(Some(&geo_header(None, Some("Zürich")))),
            (None, Some("Zürich".into()))
        );
        for (bad, country) in [
            ("", None),
            ("IT", None),
            ("it;", None),
            ("IT;zz", Some("IT")),
            ("IT;0", Some("IT")),
        ] {
            assert_eq!(geo(Some(bad)), (country.map(String::from), None), "{bad}");
        }
        assert_eq!(
            geo(Some("XYZ;41")),
            (None, Some("A".into())),
            "each part on its own"
        );
        assert_eq!(
            geo(Some("IT;0a")),
            (Some("IT".into()), None),
            "no control characters"
        );
        let long = geo_header(Some("IT"), Some(&"x".repeat(500)));
        assert_eq!(
            geo(Some(&long)).1.map(|c| c.len()),
            Some(MAX_CONTEXT_TEXT_CHARS)
        );
    }
}
