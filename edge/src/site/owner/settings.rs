//! `GET` / `PUT settings`: the site's name, grace period, allowed origins,
//! widget look, visitor limits, retention, e-mail, alerts and working
//! hours' mode. A PUT is
//! a partial update, validated as a whole first.
//! Narrowing the allowed origins closes the widgets already open on pages
//! of origins no longer allowed (1008): a socket is not a way around them.
//! A change of the widget's settings is pushed to every open widget (the
//! visitor frame `widget`).

use crate::domain::settings::{Current, SettingsChange};
use crate::error::ApiError;
use crate::respond;
use crate::site::call::Call;
use crate::site::config::Config;
use crate::site::presence::Change;
use crate::site::state::Site;
use crate::sockets::{self, Tag};
use presenza_protocol::body::SettingsBody;
use presenza_protocol::frame::{self, VisitorFrame};
use worker::Response;

pub fn get(cfg: &Config) -> Result<Response, ApiError> {
    respond::json(200, &cfg.settings_view())
}

pub async fn put(site: &Site, cfg: &Config, call: &Call<'_>) -> Result<Response, ApiError> {
    let body: SettingsBody = call
        .body
        .json_with(&["widget", "limits", "email", "alerts"])?;
    let current = Current {
        widget: &cfg.widget,
        limits: &cfg.limits,
        email: &cfg.email,
        alerts: &cfg.alerts,
    };
    let change = SettingsChange::parse(body, &current)?;
    if change.hours_mode.is_some_and(|mode| mode != cfg.hours_mode) {
        // What switch hours chose so far is kept; the new mode acts from now.
        site.keep_hours_choices(cfg, call.now)?;
    }
    site.store.save_settings(&change)?;
    site.settle(Change::ConfigChanged, call.now).await?;
    if let Some(origins) = &change.origins {
        close_disallowed(site, origins, &call.url.origin().ascii_serialization());
    }
    let now = site.config()?;
    if change.name.is_some() && now.name != cfg.name {
        let entry = crate::directory::Entry {
            site_id: now.site_id.clone(),
            name: now.name.clone(),
            created_ms: now.created_ms,
        };
        crate::objects::tell_directory(site.env(), "rename", &entry).await;
    }
    if change.widget.is_some() && now.widget != cfg.widget {
        // Open widgets take the new look and texts at once (a change is
        // rare; every widget would otherwise keep the old ones until the
        // visitor's next page).
        let frame = frame::to_text(&VisitorFrame::Widget {
            widget: now.widget.clone(),
        });
        // The widgets this object holds, and those on relays.
        sockets::broadcast(&site.state, Tag::Visitors, &frame);
        site.relays.widget(site, &frame)?;
    }
    respond::json(200, &now.settings_view())
}

/// Closes the visitor sockets opened from an origin `origins` no longer
/// allows. Settings change rarely, so every visitor socket is looked at.
fn close_disallowed(site: &Site, origins: &[String], own_origin: &str) {
    if sockets::close_disallowed_origins(&site.state, origins, own_origin) {
        site.tallies.visitors_closed_by_us();
    }
}
