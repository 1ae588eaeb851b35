//! The Worker (Wasm): the stateless front of every request. It routes
//! public `/v1` calls ([`crate::route`], parsed once), answers CORS
//! pre-flights, health, ping, the OpenAPI document and site creation
//! itself, serves visitor status lookups from a short per-isolate cache,
//! and forwards everything else to the site's object with the parsed
//! operation. Its `email` handler (replies by e-mail) is [`mail_in`].

mod admin;
mod body;
mod cache;
mod live;
mod mail_in;
mod preflight;
mod shield;

use crate::cors;
use crate::domain::context::GEO_HEADER;
use crate::error::ApiError;
use crate::objects;
use crate::request::header;
use crate::respond;
use crate::route::{self, Forwarded, Route, SiteOp, VisitorOp, FORWARDED_HEADER};
use body::Drained;
use presenza_protocol::limits::MAX_BODY_BYTES;
use presenza_protocol::view::{HealthView, PongView};
use presenza_protocol::SiteId;
use worker::{event, Context, Env, Headers, Request, RequestInit, Response, Stub};

/// The site's object.
fn stub(env: &Env, site: &SiteId) -> Result<Stub, ApiError> {
    crate::objects::site(env, site)
}

#[event(fetch)]
async fn fetch(mut req: Request, env: Env, _ctx: Context) -> worker::Result<Response> {
    let url = req.url()?;
    let own_origin = url.origin().ascii_serialization();
    let origin = header(&req, "Origin");
    let any = cors::decide(origin.as_deref(), &own_origin, None);
    // The method exactly as the runtime received it: `worker::Method` maps
    // every method it does not know (QUERY, PROPFIND...) to GET, which served
    // them as GETs, and one with a body made `forward` build a GET with a
    // body (a 500). Routing compares this string, so any method a route does
    // not declare is a 405. (Methods the runtime itself does not know, such
    // as `FOO` or `get`, never reach the Worker: workerd answers 501.)
    let method = req.inner().method();
    let parsed = route::parse(&method, url.path(), url.query());
    // An agent's picture may be larger than a JSON body.
    let limit = match &parsed {
        Ok(Route::Site { op, .. }) => op.body_limit(),
        _ => MAX_BODY_BYTES,
    };
    let body = body::read_if_any(&mut req, &method, limit).await;

    if method == "OPTIONS" {
        return match preflight::answer(&env, url.path(), origin.as_deref(), &own_origin).await {
            Ok(resp) => Ok(resp),
            Err(e) => respond::error(&e, &any.headers()),
        };
    }
    let route = match parsed {
        Ok(route) => route,
        Err(e) => return respond::error(&e, &any.headers()),
    };
    let result = match route {
        Route::Health => respond::json(
            200,
            &HealthView {
                status: "ok".into(),
                service: "presenza-edge".into(),
                version: env!("CARGO_PKG_VERSION").into(),
            },
        ),
        Route::Ping => respond::json(200, &PongView { pong: true }),
        Route::OpenApi => Ok(respond::json_text(
            200,
            crate::OPENAPI_JSON.to_string(),
            &[("Cache-Control", "public, max-age=300".to_string())],
        )?),
        Route::CreateSite => admin::create_site(&req, &env, body).await,
        Route::ListSites => admin::list_sites(&req, &env).await,
        Route::RenameSite(site) => {
            let resp = admin::rename_site(&req, &env, &site, body).await;
            cache::forget_site(&site);
            resp
        }
        Route::DeleteSite(site) => {
            let resp = admin::delete_site(&req, &env, &site).await;
            cache::forget_site(&site);
            resp
        }
        Route::Site {
            site,
            op: SiteOp::Visitor(VisitorOp::Status { group }),
        } => {
            cache::status(
                &env,
                &site,
                group.as_ref(),
                &req,
                origin.as_deref(),
                &own_origin,
            )
            .await
        }
        Route::Site {
            site,
            op:
                op @ SiteOp::Visitor(VisitorOp::Picture {
                    version: Some(_), ..
                }),
        } => {
            cache::picture(
                &env,
                req,
                Forwarded { site, op },
                origin.as_deref(),
                &own_origin,
            )
            .await
        }
        Route::Site { site, op } => {
            let written = op.is_write().then(|| site.clone());
            let resp = match shield::admit(&env, &site, &op, &req).await {
                Ok(()) => match op {
                    SiteOp::Visitor(VisitorOp::Live { .. }) => {
                        live::open(&env, req, Forwarded { site, op }).await
                    }
                    op => forward(&env, req, body, Forwarded { site, op }).await,
                },
                Err(e) => Err(e),
            };
            if let Some(site) = written {
                cache::forget_site(&site);
                cache::forget_status(&own_origin, &site).await;
                let changed = resp.as_ref().ok().and_then(|r| {
                    r.headers()
                        .get(objects::PICTURE_CHANGED_HEADER)
                        .ok()
                        .flatten()
                });
                if let Some(agent) = changed {
                    cache::forget_picture(&own_origin, &site, &agent).await;
                }
            }
            resp
        }
    };
    match result {
        Ok(resp) => Ok(resp),
        Err(e) => respond::error(&e, &any.headers()),
    }
}

/// Hands a request to the site's object: the same method, headers and
/// (already read) body, plus the parsed operation in
/// [`FORWARDED_HEADER`], which always replaces a client's own.
async fn forward(
    env: &Env,
    req: Request,
    body: Option<Drained>,
    forwarded: Forwarded,
) -> Result<Response, ApiError> {
    let stub = stub(env, &forwarded.site)?;
    if let Some(b) = &body {
        b.check_for(&forwarded.op)?;
    }
    let headers = Headers::new();
    for (name, value) in req.headers().entries() {
        if !name.eq_ignore_ascii_case("content-length")
            && !name.eq_ignore_ascii_case("transfer-encoding")
            && !name.eq_ignore_ascii_case(FORWARDED_HEADER)
            && !name.eq_ignore_ascii_case(GEO_HEADER)
        {
            headers.append(&name, &value)?;
        }
    }
    headers.set(FORWARDED_HEADER, &forwarded.encode())?;
    // The platform's country and city, for a widget's socket on the site.
    headers.set(GEO_HEADER, &live::geo(&req))?;
    let mut init = RequestInit::new();
    // Routing admitted only a method the route declares (GET, PUT, POST,
    // DELETE), which `worker::Method` carries exactly.
    init.with_method(req.method()).with_headers(headers);
    if let Some(bytes) = body.as_ref().map(Drained::bytes).filter(|b| !b.is_empty()) {
        init.with_body(Some(js_sys::Uint8Array::from(bytes).into()));
    }
    let inner = Request::new_with_init(req.url()?.as_str(), &init)?;
    Ok(stub.fetch_with_request(inner).await?)
}
