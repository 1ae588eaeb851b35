//! `GET` / `PUT settings`: the site's name, grace period, allowed origins,
//! widget look and working hours' mode. A PUT is a partial update,
//! validated as a whole first.

use crate::domain::settings::SettingsChange;
use crate::error::ApiError;
use crate::respond;
use crate::site::call::Call;
use crate::site::config::Config;
use crate::site::presence::Change;
use crate::site::state::Site;
use presenza_protocol::body::SettingsBody;
use worker::Response;

pub fn get(cfg: &Config) -> Result<Response, ApiError> {
    respond::json(200, &cfg.settings_view())
}

pub async fn put(site: &Site, cfg: &Config, call: &Call<'_>) -> Result<Response, ApiError> {
    let body: SettingsBody = call.body.json_with(&["widget"])?;
    let change = SettingsChange::parse(body, &cfg.widget)?;
    if change.hours_mode.is_some_and(|mode| mode != cfg.hours_mode) {
        // What switch hours chose so far is kept; the new mode acts from now.
        site.keep_hours_choices(cfg, call.now)?;
    }
    site.store.save_settings(&change)?;
    site.settle(Change::ConfigChanged, call.now).await?;
    respond::json(200, &site.config()?.settings_view())
}
