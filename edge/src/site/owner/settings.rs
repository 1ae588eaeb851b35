//! `GET` / `PUT settings`: the site's name, grace period, allowed origins
//! and widget look. A PUT is a partial update, validated as a whole first.
//! Narrowing the allowed origins closes the widgets already open on pages
//! of origins no longer allowed (1008): a socket is not a way around them.

use crate::cors;
use crate::domain::settings::SettingsChange;
use crate::error::ApiError;
use crate::respond;
use crate::site::call::Call;
use crate::site::config::Config;
use crate::site::presence::Change;
use crate::site::state::Site;
use crate::sockets::{self, Attachment, Tag};
use presenza_protocol::body::SettingsBody;
use presenza_protocol::frame::close;
use worker::Response;

pub fn get(cfg: &Config) -> Result<Response, ApiError> {
    respond::json(200, &cfg.settings_view())
}

pub async fn put(site: &Site, cfg: &Config, call: &Call<'_>) -> Result<Response, ApiError> {
    let body: SettingsBody = call.body.json_with(&["widget", "limits", "email"])?;
    let change = SettingsChange::parse(body, &cfg.widget, &cfg.limits, &cfg.email)?;
    site.store.save_settings(&change)?;
    site.settle(Change::ConfigChanged, call.now).await?;
    if let Some(origins) = &change.origins {
        close_disallowed(site, origins, &call.url.origin().ascii_serialization());
    }
    respond::json(200, &site.config()?.settings_view())
}

/// Closes the visitor sockets opened from an origin `origins` no longer
/// allows. Settings change rarely, so every visitor socket is looked at.
fn close_disallowed(site: &Site, origins: &[String], own_origin: &str) {
    let mut closed = false;
    for ws in sockets::with_tag(&site.state, Tag::Visitors) {
        let Some(Attachment::Visitor {
            origin: Some(origin),
            ..
        }) = sockets::attachment(&ws)
        else {
            continue;
        };
        if !cors::decide(Some(&origin), own_origin, Some(origins)).allowed() {
            let _ = ws.close(Some(close::POLICY), Some("origin no longer allowed"));
            closed = true;
        }
    }
    if closed {
        site.tallies.visitors_closed_by_us();
    }
}
