//! Presenza's edge: one Cloudflare Worker (this crate compiled to Wasm) and
//! one Durable Object per site ([`site_object::SiteObject`]).
//!
//! Layout:
//! - `lib.rs`: the Worker's fetch entry: routes public `/v1` calls, answers
//!   CORS pre-flights, health/ping/OpenAPI and site creation itself, serves
//!   visitor status lookups from a short in-memory cache, and forwards
//!   everything else to the site's object (`SITES.idFromName(site_id)`).
//! - [`routes`]: URL → typed `Route` (pure).
//! - [`error`]: `ApiError` → status, code and JSON body (pure).
//! - [`auth`]: tokens, hashes, constant-time comparison, ETags (pure).
//! - [`wire`]: JSON request / response shapes and their validation (pure).
//! - [`cors`]: allowed origins and CORS headers (pure).
//! - [`sockets`]: socket tags, attachments, diffing and broadcast.
//! - [`tally`]: what the object counts in memory instead of writing per
//!   socket event: the `stats` counters and the visitor socket count (pure).
//! - [`residency`]: when the one alarm fires: the rules' next change, and a
//!   keep-alive tick that keeps a big audience's object in memory (pure).
//! - [`conversations`]: visitor credentials, message / summary views,
//!   bodies and frames of the conversations API (pure), plus the object's
//!   conversation handlers and live delivery (Wasm only).
//! - `store`: SQLite schema and typed queries (Wasm only); `store/conversations.rs`
//!   holds the conversation tables.
//! - `site_object`: the Durable Object (Wasm only).
//! - `bindings`: runtime APIs workers-rs lacks (Wasm only).
//! - `respond`: HTTP response builders (Wasm only).
//!
//! Everything pure compiles natively, so `cargo test -p presenza-edge` runs
//! the unit tests on the host; the runtime parts are `wasm32` only.

pub mod auth;
pub mod conversations;
pub mod cors;
pub mod error;
pub mod residency;
pub mod routes;
pub mod sockets;
pub mod tally;
pub mod wire;

#[cfg(target_arch = "wasm32")]
mod bindings;
#[cfg(target_arch = "wasm32")]
mod respond;
#[cfg(target_arch = "wasm32")]
pub mod site_object;
#[cfg(target_arch = "wasm32")]
mod store;

/// The OpenAPI document served at `/v1/openapi.json`.
pub const OPENAPI_JSON: &str = include_str!("../openapi.json");

#[cfg(target_arch = "wasm32")]
mod entry {
    use crate::auth::{self, OWNER_PREFIX};
    use crate::bindings::{self, now_ms};
    use crate::cors::{self, Decision};
    use crate::error::{ApiError, MAX_BODY_BYTES};
    use crate::respond;
    use crate::routes::{self, Route, SiteOp};
    use crate::wire;
    use futures_util::StreamExt;
    use presenza_rules::GracePeriod;
    use serde_json::json;
    use std::cell::RefCell;
    use std::collections::HashMap;
    use std::rc::Rc;
    use wasm_bindgen::JsValue;
    use worker::{event, Context, Env, Headers, Method, Request, RequestInit, Response, Stub};

    /// How long the Worker reuses a site's status without asking the object
    /// (never past the status's own next change).
    const STATUS_TTL_MS: i64 = 1000;
    /// How long the Worker reuses a site's allowed origins for pre-flights.
    const ORIGINS_TTL_MS: i64 = 5000;
    const CACHE_MAX_ENTRIES: usize = 10_000;

    struct CachedStatus {
        payload: Rc<str>,
        etag: Rc<str>,
        origins: Rc<Vec<String>>,
        expires_ms: i64,
    }

    /// Allowed origins of a site and when to ask again.
    type CachedOrigins = (Rc<Vec<String>>, i64);

    thread_local! {
        /// (site, group) → status; per isolate, best effort.
        static STATUS: RefCell<HashMap<String, CachedStatus>> = RefCell::new(HashMap::new());
        /// site → (allowed origins, expiry).
        static ORIGINS: RefCell<HashMap<String, CachedOrigins>> = RefCell::new(HashMap::new());
    }

    fn forget_site(site: &str) {
        let prefix = format!("{site}|");
        STATUS.with(|c| c.borrow_mut().retain(|k, _| !k.starts_with(&prefix)));
        ORIGINS.with(|c| c.borrow_mut().remove(site));
    }

    fn header(req: &Request, name: &str) -> Option<String> {
        req.headers().get(name).ok().flatten()
    }

    fn stub(env: &Env, site: &str) -> Result<Stub, ApiError> {
        Ok(env
            .durable_object("SITES")?
            .id_from_name(site)?
            .get_stub()?)
    }

    #[event(fetch)]
    async fn fetch(mut req: Request, env: Env, _ctx: Context) -> worker::Result<Response> {
        let url = req.url()?;
        let own_origin = url.origin().ascii_serialization();
        let origin = header(&req, "Origin");
        let any = cors::decide(origin.as_deref(), &own_origin, None);
        let method = req.method().to_string();
        let body = if has_body(&req) {
            Some(drain(&mut req).await)
        } else {
            None
        };

        if method == "OPTIONS" {
            return match preflight(&env, url.path(), origin.as_deref(), &own_origin).await {
                Ok(resp) => Ok(resp),
                Err(e) => respond::error(&e, &any.headers()),
            };
        }
        let route = match routes::parse(&method, url.path(), url.query()) {
            Ok(route) => route,
            Err(e) => return respond::error(&e, &any.headers()),
        };
        let result = match route {
            Route::Health => respond::json_value(
                200,
                &json!({"status": "ok", "service": "presenza-edge", "version": env!("CARGO_PKG_VERSION")}),
            ),
            Route::Ping => Ok(respond::json(200, r#"{"pong":true}"#.to_string(), &[])?),
            Route::OpenApi => Ok(respond::json(
                200,
                crate::OPENAPI_JSON.to_string(),
                &[("Cache-Control", "public, max-age=300".to_string())],
            )?),
            Route::CreateSite => create_site(&req, &env, body).await,
            Route::Site {
                site,
                op: SiteOp::Status { group },
            } => {
                status(
                    &env,
                    &site,
                    group.as_deref(),
                    &req,
                    origin.as_deref(),
                    &own_origin,
                )
                .await
            }
            Route::Site { site, op } => {
                let write = op.is_write();
                let resp = forward(&env, &site, req, body).await;
                if write {
                    forget_site(&site);
                }
                resp
            }
        };
        match result {
            Ok(resp) => Ok(resp),
            Err(e) => respond::error(&e, &any.headers()),
        }
    }

    /// A request body, always read to its end (kept only up to the limit):
    /// answering before the client finished sending breaks `wrangler dev`'s
    /// proxy for the following requests, and the object must never be handed
    /// an unread client stream.
    struct Drained {
        bytes: Vec<u8>,
        too_large: bool,
    }

    impl Drained {
        fn check(&self) -> Result<(), ApiError> {
            if self.too_large {
                Err(ApiError::PayloadTooLarge)
            } else {
                Ok(())
            }
        }
    }

    fn has_body(req: &Request) -> bool {
        let method = req.method();
        (method != Method::Get && method != Method::Head)
            || header(req, "Content-Length").is_some_and(|l| l.trim() != "0")
            || header(req, "Transfer-Encoding").is_some()
    }

    async fn drain(req: &mut Request) -> Drained {
        let mut out = Drained {
            bytes: Vec::new(),
            too_large: false,
        };
        let Ok(mut stream) = req.stream() else {
            return out;
        };
        while let Some(chunk) = stream.next().await {
            let Ok(chunk) = chunk else { break };
            if out.too_large {
                continue;
            }
            if out.bytes.len() + chunk.len() > MAX_BODY_BYTES {
                out.too_large = true;
                out.bytes = Vec::new();
            } else {
                out.bytes.extend_from_slice(&chunk);
            }
        }
        out
    }

    /// Hands a request to the site's object, with its already-read body.
    async fn forward(
        env: &Env,
        site: &str,
        req: Request,
        body: Option<Drained>,
    ) -> Result<Response, ApiError> {
        let stub = stub(env, site)?;
        let Some(body) = body else {
            return Ok(stub.fetch_with_request(req).await?);
        };
        body.check()?;
        let headers = Headers::new();
        for (name, value) in req.headers().entries() {
            if !name.eq_ignore_ascii_case("content-length")
                && !name.eq_ignore_ascii_case("transfer-encoding")
            {
                headers.append(&name, &value)?;
            }
        }
        let mut init = RequestInit::new();
        init.with_method(req.method()).with_headers(headers);
        if !body.bytes.is_empty() {
            init.with_body(Some(js_sys::Uint8Array::from(body.bytes.as_slice()).into()));
        }
        let fresh = Request::new_with_init(req.url()?.as_str(), &init)?;
        Ok(stub.fetch_with_request(fresh).await?)
    }

    /// CORS pre-flight, answered without running the endpoint. For a site
    /// path the site's allowed origins decide.
    async fn preflight(
        env: &Env,
        path: &str,
        origin: Option<&str>,
        own_origin: &str,
    ) -> Result<Response, ApiError> {
        if !path.starts_with("/v1/") {
            return Err(ApiError::route_not_found());
        }
        let site = path
            .strip_prefix("/v1/sites/")
            .map(|rest| rest.split('/').next().unwrap_or_default());
        let decision = match site {
            Some(site) if !site.is_empty() => {
                if !routes::is_site_id(site) {
                    return Err(ApiError::site_not_found());
                }
                let origins = allowed_origins(env, site).await?;
                cors::decide(origin, own_origin, Some(&origins))
            }
            _ => cors::decide(origin, own_origin, None),
        };
        if !decision.allowed() {
            return Err(ApiError::forbidden(
                "origin_not_allowed",
                "this site does not allow this origin",
            ));
        }
        Ok(respond::empty(204, &decision.preflight_headers())?)
    }

    async fn allowed_origins(env: &Env, site: &str) -> Result<Rc<Vec<String>>, ApiError> {
        let now = now_ms();
        let cached = ORIGINS.with(|c| {
            c.borrow()
                .get(site)
                .filter(|(_, exp)| now < *exp)
                .map(|(o, _)| o.clone())
        });
        if let Some(origins) = cached {
            return Ok(origins);
        }
        let mut resp = stub(env, site)?
            .fetch_with_str("https://site/internal/origins")
            .await?;
        if resp.status_code() == 404 {
            return Err(ApiError::site_not_found());
        }
        let list: Vec<String> = resp.json().await?;
        let origins = Rc::new(list);
        ORIGINS.with(|c| {
            let mut map = c.borrow_mut();
            if map.len() > CACHE_MAX_ENTRIES {
                map.clear();
            }
            map.insert(site.to_string(), (origins.clone(), now + ORIGINS_TTL_MS));
        });
        Ok(origins)
    }

    /// Visitor status, from the isolate's cache when fresh: most lookups
    /// never reach the object.
    async fn status(
        env: &Env,
        site: &str,
        group: Option<&str>,
        req: &Request,
        origin: Option<&str>,
        own_origin: &str,
    ) -> Result<Response, ApiError> {
        let key = format!("{site}|{}", group.unwrap_or_default());
        let now = now_ms();
        let hit = STATUS.with(|c| {
            c.borrow()
                .get(&key)
                .filter(|e| now < e.expires_ms)
                .map(|e| (e.payload.clone(), e.etag.clone(), e.origins.clone()))
        });
        let (payload, etag, origins) = match hit {
            Some(hit) => hit,
            None => {
                let url = match group {
                    Some(g) => format!("https://site/internal/status?group={g}"),
                    None => "https://site/internal/status".to_string(),
                };
                let mut resp = stub(env, site)?.fetch_with_str(&url).await?;
                let code = resp.status_code();
                let origins_header = resp.headers().get("X-Presenza-Origins")?;
                let valid_until = resp
                    .headers()
                    .get("X-Presenza-Valid-Until")?
                    .and_then(|v| v.parse::<i64>().ok());
                let body = resp.text().await?;
                if code != 200 {
                    // An error from the object (unknown site or group).
                    let any = cors::decide(origin, own_origin, None);
                    return Ok(respond::json(code, body, &any.headers())?);
                }
                let origins: Vec<String> = origins_header
                    .and_then(|h| serde_json::from_str(&h).ok())
                    .unwrap_or_default();
                let payload: Rc<str> = body.into();
                let etag: Rc<str> = auth::etag(payload.as_bytes()).into();
                let origins = Rc::new(origins);
                let expires_ms =
                    valid_until.map_or(now + STATUS_TTL_MS, |t| t.min(now + STATUS_TTL_MS));
                STATUS.with(|c| {
                    let mut map = c.borrow_mut();
                    if map.len() > CACHE_MAX_ENTRIES {
                        map.clear();
                    }
                    map.insert(
                        key,
                        CachedStatus {
                            payload: payload.clone(),
                            etag: etag.clone(),
                            origins: origins.clone(),
                            expires_ms,
                        },
                    );
                });
                (payload, etag, origins)
            }
        };
        let decision: Decision = cors::decide(origin, own_origin, Some(&origins));
        Ok(respond::status_response(
            payload.to_string(),
            &etag,
            &decision,
            header(req, "If-None-Match").as_deref(),
        )?)
    }

    /// POST /v1/sites (platform admin): a new site id and its owner key.
    async fn create_site(
        req: &Request,
        env: &Env,
        body: Option<Drained>,
    ) -> Result<Response, ApiError> {
        let presented = auth::bearer(header(req, "Authorization").as_deref()).map(str::to_string);
        let expected = env
            .var("ADMIN_TOKEN")
            .map(|v| v.to_string())
            .ok()
            .filter(|t| !t.is_empty());
        let Some(presented) = presented else {
            return Err(ApiError::missing_token());
        };
        let Some(expected) = expected else {
            return Err(ApiError::forbidden(
                "forbidden",
                "site creation is disabled: ADMIN_TOKEN is not configured",
            ));
        };
        if !auth::secret_matches(&presented, &expected) {
            return Err(ApiError::unauthorized(
                "invalid_token",
                "not the admin token",
            ));
        }
        let body: wire::CreateSiteBody = match body {
            Some(b) if !b.bytes.iter().all(u8::is_ascii_whitespace) || b.too_large => {
                b.check()?;
                if !wire::is_json_content_type(header(req, "Content-Type").as_deref()) {
                    return Err(ApiError::UnsupportedMediaType);
                }
                wire::parse_body(&b.bytes)?
            }
            _ => wire::CreateSiteBody::default(),
        };
        let name = body
            .name
            .as_deref()
            .map(|n| wire::check_name("name", n))
            .transpose()?;
        let grace = env
            .var("DEFAULT_GRACE_PERIOD_SECS")
            .ok()
            .and_then(|v| v.to_string().trim().parse::<u32>().ok())
            .and_then(|s| GracePeriod::new(s).ok())
            .unwrap_or(GracePeriod::DEFAULT);
        let site_id = auth::make_site_id(&bindings::random_bytes());
        let owner_key = auth::make_token(OWNER_PREFIX, &bindings::random_bytes());
        let init = json!({
            "site_id": site_id,
            "owner_key_hash": auth::token_hash(&owner_key),
            "name": name,
            "grace_period_secs": grace.secs(),
        });
        let headers = Headers::new();
        headers.set("Content-Type", "application/json")?;
        let mut ri = RequestInit::new();
        ri.with_method(Method::Post)
            .with_headers(headers)
            .with_body(Some(JsValue::from_str(&init.to_string())));
        let internal = Request::new_with_init("https://site/internal/init", &ri)?;
        let resp = stub(env, &site_id)?.fetch_with_request(internal).await?;
        if resp.status_code() != 201 {
            return Err(ApiError::internal(format!(
                "site init answered {}",
                resp.status_code()
            )));
        }
        respond::json_value(
            201,
            &json!({"site_id": site_id, "owner_key": owner_key, "name": name}),
        )
    }
}
