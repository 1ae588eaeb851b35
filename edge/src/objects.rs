//! How the Worker and the objects reach each other: the site's object
//! (`SITES`, one per site) and its relays (`RELAYS`, see `relaying`), and
//! the internal calls between them (`https://<object>/internal/<name>`,
//! JSON in and out; the Worker never forwards a public URL there).

use crate::error::ApiError;
use crate::relaying::RelayName;
use presenza_protocol::SiteId;
use serde::de::DeserializeOwned;
use serde::Serialize;
use worker::{Env, Headers, Method, Request, RequestInit, Response, Stub};

/// The site's object (`SITES.idFromName(site_id)`).
pub fn site(env: &Env, site: &SiteId) -> Result<Stub, ApiError> {
    Ok(env
        .durable_object("SITES")?
        .id_from_name(site.as_str())?
        .get_stub()?)
}

/// The platform's list of sites (`DIRECTORY`, one object).
pub fn directory(env: &Env) -> Result<Stub, ApiError> {
    Ok(env
        .durable_object("DIRECTORY")?
        .get_by_name(crate::directory::DIRECTORY_NAME)?)
}

/// Tells the directory (best effort: a site works without its entry; the
/// admin's list then misses it, and says so in the log).
pub async fn tell_directory(env: &Env, call: &str, entry: &crate::directory::Entry) {
    let result = match directory(env) {
        Ok(stub) => call_json::<_, serde_json::Value>(&stub, call, entry)
            .await
            .map(|_| ()),
        Err(e) => Err(e),
    };
    if let Err(e) = result {
        worker::console_error!("directory {call} {}: {e}", entry.site_id);
    }
}

async fn call_json<B: Serialize, T: DeserializeOwned>(
    stub: &Stub,
    name: &str,
    body: &B,
) -> Result<T, ApiError> {
    match call(stub, name, body).await? {
        Answer::Ok(t) => Ok(t),
        Answer::Refused(resp) => Err(ApiError::internal(format!(
            "internal/{name} answered {}",
            resp.status_code()
        ))),
    }
}

/// A relay, created near its region's visitors (the hint only matters the
/// first time the object is made; later calls find it wherever it is).
pub fn relay(env: &Env, relay: &RelayName) -> Result<Stub, ApiError> {
    let namespace = env.durable_object("RELAYS")?;
    let name = relay.object_name();
    Ok(match relay.region.hint() {
        Some(hint) => namespace.get_by_name_with_location_hint(&name, hint)?,
        None => namespace.get_by_name(&name)?,
    })
}

/// An audience's status as an object answers it to the Worker's lookup
/// cache (`internal/status?group=`): the `GET status` body, and in headers
/// the status version (the ETag), the site's allowed origins (JSON) and
/// when the answer may change by itself (Unix ms, empty: never).
pub const STATUS_VERSION_HEADER: &str = "X-Presenza-Version";
pub const STATUS_ORIGINS_HEADER: &str = "X-Presenza-Origins";
pub const STATUS_VALID_UNTIL_HEADER: &str = "X-Presenza-Valid-Until";

/// On the site's answer to a change of an agent's picture: whose picture
/// changed, so the Worker drops its cached copy (`worker::cache::picture`).
pub const PICTURE_CHANGED_HEADER: &str = "X-Presenza-Picture-Changed";

/// The status answer's headers.
pub fn status_headers(
    version: u64,
    origins: &[String],
    valid_until: Option<i64>,
) -> Vec<(&'static str, String)> {
    vec![
        (STATUS_VERSION_HEADER, version.to_string()),
        (
            STATUS_ORIGINS_HEADER,
            serde_json::to_string(origins).unwrap_or_else(|_| "[]".into()),
        ),
        (
            STATUS_VALID_UNTIL_HEADER,
            valid_until.map(|t| t.to_string()).unwrap_or_default(),
        ),
    ]
}

/// What an internal call answered.
pub enum Answer<T> {
    Ok(T),
    /// The other object refused (its response, as is: a relay hands the
    /// site's 404 for an unknown site to the widget).
    Refused(Response),
}

/// The body of an internal call (another object's: trusted, and not bound
/// by the public body limit: a batch of deliveries may be larger).
pub async fn read<T: DeserializeOwned>(req: &mut Request) -> Result<T, ApiError> {
    let bytes = req.bytes().await?;
    serde_json::from_slice(&bytes).map_err(|e| ApiError::from_json(&e))
}

/// POSTs `body` to `internal/<name>` of the object behind `stub`.
pub async fn call<B: Serialize, T: DeserializeOwned>(
    stub: &Stub,
    name: &str,
    body: &B,
) -> Result<Answer<T>, ApiError> {
    let text = serde_json::to_string(body).map_err(|e| ApiError::internal(e.to_string()))?;
    let headers = Headers::new();
    headers.set("Content-Type", "application/json")?;
    let mut init = RequestInit::new();
    init.with_method(Method::Post)
        .with_headers(headers)
        .with_body(Some(text.into()));
    let req = Request::new_with_init(&format!("https://object/internal/{name}"), &init)?;
    let mut resp = stub.fetch_with_request(req).await?;
    if !(200..300).contains(&resp.status_code()) {
        return Ok(Answer::Refused(resp));
    }
    let text = resp.text().await?;
    serde_json::from_str(&text)
        .map(Answer::Ok)
        .map_err(|e| ApiError::internal(format!("internal/{name} answered {e}")))
}
