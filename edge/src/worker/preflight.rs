//! CORS pre-flights (`OPTIONS`), answered without running the endpoint. For
//! a site path the site's allowed origins decide.

use super::cache;
use crate::cors;
use crate::error::ApiError;
use crate::respond;
use crate::route;
use worker::{Env, Response};

pub async fn answer(
    env: &Env,
    path: &str,
    origin: Option<&str>,
    own_origin: &str,
) -> Result<Response, ApiError> {
    if !path.starts_with("/v1/") {
        return Err(ApiError::route_not_found());
    }
    let decision = match route::preflight_site(path)? {
        Some(site) => {
            let origins = cache::allowed_origins(env, &site).await?;
            cors::decide(origin, own_origin, Some(&origins))
        }
        None => cors::decide(origin, own_origin, None),
    };
    if !decision.allowed() {
        return Err(ApiError::origin_not_allowed());
    }
    Ok(respond::empty(204, &decision.preflight_headers())?)
}
