//! The platform admin's calls (`ADMIN_TOKEN`): `POST /v1/sites` makes a
//! site (its id and owner key, shown once; the site's object stores only the
//! key's hash), `GET /v1/sites` lists the sites (the directory,
//! `crate::directory`), `PUT /v1/sites/{site}` names one and
//! `DELETE /v1/sites/{site}` deletes one with everything in it.

use super::body::Drained;
use super::stub;
use crate::auth::{self, OWNER_PREFIX};
use crate::bindings;
use crate::directory::Entry;
use crate::domain::hours;
use crate::domain::text::display_name;
use crate::error::ApiError;
use crate::json;
use crate::objects::{self, Answer};
use crate::request::header;
use crate::respond;
use crate::site::{Init, DELETE_SITE, RENAME_SITE};
use presenza_protocol::body::{CreateSiteBody, RenameSiteBody};
use presenza_protocol::view::{SiteCreatedView, SiteListView, SiteSummary};
use presenza_protocol::SiteId;
use presenza_rules::{GracePeriod, HoursMode};
use wasm_bindgen::JsValue;
use worker::{Env, Headers, Method, Request, RequestInit, Response};

/// `DELETE /v1/sites/{site}`: the site's storage, sockets and alarm, gone.
pub async fn delete_site(req: &Request, env: &Env, site: &SiteId) -> Result<Response, ApiError> {
    check_admin(req, env)?;
    let resp = stub(env, site)?
        .fetch_with_str(&format!("https://site/internal/{DELETE_SITE}"))
        .await?;
    match resp.status_code() {
        204 => {
            let entry = Entry {
                site_id: site.clone(),
                name: None,
                created_ms: 0,
            };
            objects::tell_directory(env, "remove", &entry).await;
            respond::no_content()
        }
        404 => Err(ApiError::site_not_found()),
        code => Err(ApiError::internal(format!("site deletion answered {code}"))),
    }
}

/// `GET /v1/sites`: the directory's sites, newest first.
pub async fn list_sites(req: &Request, env: &Env) -> Result<Response, ApiError> {
    check_admin(req, env)?;
    let list: SiteListView =
        match objects::call(&objects::directory(env)?, "list", &serde_json::json!({})).await? {
            Answer::Ok(list) => list,
            Answer::Refused(resp) => {
                return Err(ApiError::internal(format!(
                    "the directory answered {}",
                    resp.status_code()
                )))
            }
        };
    respond::json(200, &list)
}

/// `PUT /v1/sites/{site}`: the site's name, as its owner sees it (the
/// site's own settings and the directory).
pub async fn rename_site(
    req: &Request,
    env: &Env,
    site: &SiteId,
    body: Option<Drained>,
) -> Result<Response, ApiError> {
    check_admin(req, env)?;
    let Some(b) = body.filter(|b| !b.is_blank()) else {
        return Err(ApiError::bad_request(
            "invalid_json",
            "the body must be {\"name\": \"…\"}",
        ));
    };
    b.check()?;
    if !json::is_json_content_type(header(req, "Content-Type").as_deref()) {
        return Err(ApiError::UnsupportedMediaType);
    }
    let body: RenameSiteBody = json::parse_body(b.bytes())?;
    let name = display_name("name", &body.name)?;
    let entry = Entry {
        site_id: site.clone(),
        name: Some(name),
        created_ms: 0,
    };
    match objects::call::<_, SiteSummary>(&stub(env, site)?, RENAME_SITE, &entry).await? {
        Answer::Ok(summary) => {
            objects::tell_directory(
                env,
                "add",
                &Entry {
                    created_ms: summary.created_at.millis(),
                    ..entry
                },
            )
            .await;
            respond::json(200, &summary)
        }
        Answer::Refused(resp) if resp.status_code() == 404 => Err(ApiError::site_not_found()),
        Answer::Refused(resp) => Err(ApiError::internal(format!(
            "site rename answered {}",
            resp.status_code()
        ))),
    }
}

/// `POST /v1/sites`.
pub async fn create_site(
    req: &Request,
    env: &Env,
    body: Option<Drained>,
) -> Result<Response, ApiError> {
    check_admin(req, env)?;
    let body: CreateSiteBody = match body {
        Some(b) if !b.is_blank() => {
            b.check()?;
            if !json::is_json_content_type(header(req, "Content-Type").as_deref()) {
                return Err(ApiError::UnsupportedMediaType);
            }
            json::parse_body(b.bytes())?
        }
        _ => CreateSiteBody::default(),
    };
    let name = body
        .name
        .as_deref()
        .map(|n| display_name("name", n))
        .transpose()?;
    // A new site's working hours switch statuses unless it asks for a gate.
    let working_hours_mode = match body.working_hours_mode.as_deref() {
        Some(m) => hours::mode("working_hours_mode", m)?,
        None => HoursMode::Switch,
    };
    let grace = env
        .var("DEFAULT_GRACE_PERIOD_SECS")
        .ok()
        .and_then(|v| v.to_string().trim().parse::<u32>().ok())
        .and_then(|s| GracePeriod::new(s).ok())
        .unwrap_or(GracePeriod::DEFAULT);
    let site_id = SiteId::from_random(&bindings::random_bytes());
    let owner_key = auth::make_token(OWNER_PREFIX, &bindings::random_bytes());
    let init = Init {
        site_id: site_id.clone(),
        owner_key_hash: auth::token_hash(&owner_key),
        name: name.clone(),
        grace_period_secs: grace.secs(),
        working_hours_mode,
    };
    let headers = Headers::new();
    headers.set("Content-Type", "application/json")?;
    let mut ri = RequestInit::new();
    ri.with_method(Method::Post)
        .with_headers(headers)
        .with_body(Some(JsValue::from_str(
            &serde_json::to_string(&init).map_err(|e| ApiError::internal(e.to_string()))?,
        )));
    let internal = Request::new_with_init("https://site/internal/init", &ri)?;
    let resp = stub(env, &site_id)?.fetch_with_request(internal).await?;
    if resp.status_code() != 201 {
        return Err(ApiError::internal(format!(
            "site init answered {}",
            resp.status_code()
        )));
    }
    let entry = Entry {
        site_id: site_id.clone(),
        name: name.clone(),
        created_ms: crate::bindings::now_ms(),
    };
    objects::tell_directory(env, "add", &entry).await;
    respond::json(
        201,
        &SiteCreatedView {
            site_id,
            owner_key,
            name,
        },
    )
}

/// The platform admin token, compared in constant time; 403 when site
/// creation is not configured.
fn check_admin(req: &Request, env: &Env) -> Result<(), ApiError> {
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
    Ok(())
}
