//! CORS and Origin checks. A site's `allowed_origins` gate which web pages may
//! read its API from a browser and open visitor sockets; an empty list allows
//! every origin. The edge's own origin (console, demo pages) is always allowed.
//! Requests without `Origin` (curl, servers, native apps) are not browser
//! cross-origin requests and are always served.

use presenza_protocol::limits::MAX_ORIGIN_LEN;

/// Methods and headers announced in pre-flight answers.
pub const ALLOW_METHODS: &str = "GET, POST, PUT, DELETE, OPTIONS";
pub const ALLOW_HEADERS: &str =
    "Authorization, Content-Type, If-None-Match, X-Presenza-Session, X-Presenza-Visitor";
pub const EXPOSE_HEADERS: &str = "ETag, Retry-After";
pub const MAX_AGE_SECS: u32 = 600;

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Decision {
    /// No `Origin` header: not a CORS request.
    NoOrigin,
    /// Any origin may read: `Access-Control-Allow-Origin: *`.
    Any,
    /// This origin may read: reflect it (with `Vary: Origin`).
    Reflect(String),
    /// A browser page of an origin the site does not allow.
    Denied,
}

impl Decision {
    pub fn allowed(&self) -> bool {
        !matches!(self, Decision::Denied)
    }

    /// Headers to add to an actual (non pre-flight) response.
    pub fn headers(&self) -> Vec<(&'static str, String)> {
        match self {
            Decision::NoOrigin => Vec::new(),
            Decision::Any => vec![
                ("Access-Control-Allow-Origin", "*".to_string()),
                ("Access-Control-Expose-Headers", EXPOSE_HEADERS.to_string()),
            ],
            Decision::Reflect(origin) => vec![
                ("Access-Control-Allow-Origin", origin.clone()),
                ("Access-Control-Expose-Headers", EXPOSE_HEADERS.to_string()),
                ("Vary", "Origin".to_string()),
            ],
            Decision::Denied => vec![("Vary", "Origin".to_string())],
        }
    }

    /// Headers of an answer that depends on a site's allowed origins: the
    /// CORS headers and always `Vary: Origin`, so that no cache serves an
    /// answer made for one origin (or none) to another.
    pub fn site_headers(&self) -> Vec<(&'static str, String)> {
        let mut headers = self.headers();
        if !headers.iter().any(|(name, _)| *name == "Vary") {
            headers.push(("Vary", "Origin".to_string()));
        }
        headers
    }

    /// Headers of a successful pre-flight answer.
    pub fn preflight_headers(&self) -> Vec<(&'static str, String)> {
        let mut headers = self.headers();
        if self.allowed() {
            headers.push(("Access-Control-Allow-Methods", ALLOW_METHODS.to_string()));
            headers.push(("Access-Control-Allow-Headers", ALLOW_HEADERS.to_string()));
            headers.push(("Access-Control-Max-Age", MAX_AGE_SECS.to_string()));
        }
        headers
    }
}

/// Decides for one request. `own_origin` is the origin of the request URL.
/// `allowed` is `None` for endpoints that are not tied to a site.
pub fn decide(origin: Option<&str>, own_origin: &str, allowed: Option<&[String]>) -> Decision {
    let Some(origin) = origin.filter(|o| !o.is_empty()) else {
        return Decision::NoOrigin;
    };
    match allowed {
        None => Decision::Any,
        Some([]) => Decision::Any,
        Some(list) => {
            let origin_norm = origin.trim_end_matches('/').to_ascii_lowercase();
            if origin_norm == own_origin.to_ascii_lowercase() || list.contains(&origin_norm) {
                Decision::Reflect(origin.to_string())
            } else {
                Decision::Denied
            }
        }
    }
}

/// Validates and normalises one entry of `allowed_origins`:
/// `scheme://host[:port]` with scheme http or https, no path, query or user.
pub fn normalize_origin(input: &str) -> Result<String, String> {
    let bad = |why: &str| Err(format!("`{}` is not an origin: {why}", shorten(input)));
    if input.len() > MAX_ORIGIN_LEN {
        return bad(&format!("longer than {MAX_ORIGIN_LEN} characters"));
    }
    let lower = input.trim_end_matches('/').to_ascii_lowercase();
    let Some((scheme, rest)) = lower.split_once("://") else {
        return bad("expected scheme://host[:port]");
    };
    if scheme != "http" && scheme != "https" {
        return bad("the scheme must be http or https");
    }
    let (host, port) = match rest.rsplit_once(':') {
        Some((h, p)) if !h.ends_with(']') || rest.starts_with('[') => (h, Some(p)),
        _ => (rest, None),
    };
    let host_ok = !host.is_empty()
        && host.len() <= 253
        && (host
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'.' || b == b'-')
            || (host.starts_with('[') && host.ends_with(']')))
        && !host.starts_with('.')
        && !host.ends_with('.');
    if !host_ok {
        return bad("invalid host (no path, query, user or wildcard allowed)");
    }
    if let Some(p) = port {
        match p.parse::<u16>() {
            Ok(n) if n > 0 && !p.starts_with('0') => {}
            _ => return bad("invalid port"),
        }
    }
    Ok(lower)
}

fn shorten(s: &str) -> String {
    s.chars().take(60).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decisions() {
        let own = "http://127.0.0.1:8787";
        let list = vec!["https://shop.example".to_string()];
        assert_eq!(decide(None, own, Some(&list)), Decision::NoOrigin);
        assert_eq!(
            decide(Some("https://x.example"), own, Some(&[])),
            Decision::Any
        );
        assert_eq!(decide(Some("https://x.example"), own, None), Decision::Any);
        assert_eq!(
            decide(Some("https://shop.example"), own, Some(&list)),
            Decision::Reflect("https://shop.example".into())
        );
        assert_eq!(
            decide(Some("https://SHOP.example"), own, Some(&list)),
            Decision::Reflect("https://SHOP.example".into())
        );
        assert_eq!(
            decide(Some("https://evil.example"), own, Some(&list)),
            Decision::Denied
        );
        assert!(decide(Some(own), own, Some(&list)).allowed());
        assert!(Decision::Denied
            .headers()
            .iter()
            .all(|(k, _)| *k != "Access-Control-Allow-Origin"));
        assert!(Decision::Denied.preflight_headers().len() == 1);
        for d in [
            Decision::NoOrigin,
            Decision::Any,
            Decision::Reflect("https://a.example".into()),
            Decision::Denied,
        ] {
            let vary: Vec<_> = d
                .site_headers()
                .into_iter()
                .filter(|(k, _)| *k == "Vary")
                .collect();
            assert_eq!(vary, vec![("Vary", "Origin".to_string())], "{d:?}");
        }
        assert_eq!(Decision::Any.preflight_headers().len(), 5);
    }

    #[test]
    fn origins() {
        assert_eq!(
            normalize_origin("https://Shop.example/").unwrap(),
            "https://shop.example"
        );
        assert_eq!(
            normalize_origin("http://localhost:3000").unwrap(),
            "http://localhost:3000"
        );
        assert!(normalize_origin("https://[::1]:8080").is_ok());
        assert!(normalize_origin("shop.example").is_err());
        assert!(normalize_origin("ftp://shop.example").is_err());
        assert!(normalize_origin("https://shop.example/path").is_err());
        assert!(normalize_origin("https://*.example").is_err());
        assert!(normalize_origin("https://a:b@shop.example").is_err());
        assert!(normalize_origin("https://shop.example:99999").is_err());
        assert!(normalize_origin("https://").is_err());
    }
}
