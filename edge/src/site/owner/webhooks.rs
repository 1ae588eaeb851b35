//! `GET` / `PUT webhooks` and `POST webhooks/secret`: the owner's webhook
//! endpoints (a PUT replaces the whole list; an endpoint whose URL stays
//! keeps its queue and last result, one removed loses both), each with its
//! deliveries waiting and its last attempt; and the signing secret, shown
//! only by the POST that makes it.

use crate::error::ApiError;
use crate::respond;
use crate::site::call::Call;
use crate::site::config::Config;
use crate::site::state::Site;
use crate::site::webhooks as runtime;
use crate::webhook;
use presenza_protocol::body::WebhooksBody;
use presenza_protocol::time::Timestamp;
use presenza_protocol::view::{
    WebhookAttempt, WebhookEndpoint, WebhookSecret, WebhookView, Webhooks,
};
use worker::Response;

pub fn get(site: &Site, cfg: &Config) -> Result<Response, ApiError> {
    respond::json(
        200,
        &view(site, &cfg.webhooks, cfg.webhook_secret.is_some())?,
    )
}

pub fn put(site: &Site, cfg: &Config, call: &Call<'_>) -> Result<Response, ApiError> {
    let endpoints = webhook::parse(call.body.json::<WebhooksBody>()?)?;
    site.store.save_webhooks(&endpoints)?;
    let ids: Vec<String> = endpoints.iter().map(|e| e.id.clone()).collect();
    site.store.forget_webhooks_except(&ids)?;
    site.config_changed();
    site.webhook_queue_changed();
    respond::json(200, &view(site, &endpoints, cfg.webhook_secret.is_some())?)
}

pub fn rotate(site: &Site) -> Result<Response, ApiError> {
    let secret = runtime::rotate(site)?;
    respond::json(200, &WebhookSecret { secret })
}

fn view(
    site: &Site,
    endpoints: &[WebhookEndpoint],
    has_secret: bool,
) -> Result<Webhooks, ApiError> {
    let results = site.store.webhook_results()?;
    let mut out = Vec::with_capacity(endpoints.len());
    for e in endpoints {
        let last = results
            .iter()
            .find(|r| r.endpoint == e.id)
            .map(|r| WebhookAttempt {
                at: Timestamp(r.at),
                ok: r.ok != 0,
                status: r.status.and_then(|s| u16::try_from(s).ok()),
                error: r.error.clone(),
            });
        let pending = u32::try_from(site.store.webhook_pending(&e.id)?).unwrap_or(u32::MAX);
        out.push(WebhookView::new(e.clone(), pending, last));
    }
    Ok(Webhooks {
        endpoints: out,
        has_secret,
    })
}
