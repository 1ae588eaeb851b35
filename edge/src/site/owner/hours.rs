//! Working hours (`working-hours`, `groups/{id}/working-hours`): weekly
//! intervals in an IANA time zone with date exceptions, and how they act
//! (their mode): a *switch* changes the status of the agents it covers at
//! each boundary (a manual change after one wins until the next), a *gate*
//! makes its audience offline outside them. The alarm fires at each
//! boundary. Saving or removing hours is not itself a status change: what
//! switch hours chose is kept first ([`Site::keep_hours_choices`]). Each
//! save or removal is kept as a version from that instant on (the insights
//! of a past day use the hours it had).

use crate::domain::hours::HoursInput;
use crate::error::ApiError;
use crate::respond;
use crate::site::call::Call;
use crate::site::config::Config;
use crate::site::presence::Change;
use crate::site::state::Site;
use crate::store::Scope;
use presenza_protocol::body::WorkingHoursBody;
use presenza_protocol::view::WorkingHoursView;
use presenza_protocol::GroupId;
use worker::Response;

pub fn get(cfg: &Config, group: Option<&GroupId>) -> Result<Response, ApiError> {
    cfg.check_group(group)?;
    match cfg.hours.get(&Scope::of(group)) {
        Some(hours) => respond::json(200, &WorkingHoursView::new(&hours.spec, hours.mode)),
        None => Err(ApiError::not_found(
            "no_working_hours",
            "no working hours set: always open",
        )),
    }
}

/// Sets a scope's hours. Without a `mode` the scope keeps its own (the
/// site's hours: the site's mode; a group's new hours: the site's mode).
pub async fn put(
    site: &Site,
    cfg: &Config,
    call: &Call<'_>,
    group: Option<&GroupId>,
) -> Result<Response, ApiError> {
    cfg.check_group(group)?;
    let body: WorkingHoursBody = call.body.json_with(&["weekly", "exceptions"])?;
    let input = HoursInput::parse(body)?;
    let scope = Scope::of(group);
    let mode = input
        .mode
        .or_else(|| match scope {
            Scope::Site => None,
            Scope::Group(_) => cfg.hours.get(&scope).map(|h| h.mode),
        })
        .unwrap_or(cfg.hours_mode);
    let stored = serde_json::to_string(input.schedule.spec())
        .map_err(|e| ApiError::internal(e.to_string()))?;
    site.keep_hours_choices(cfg, call.now)?;
    match scope {
        // The site's hours act in the site's mode (a setting).
        Scope::Site => {
            site.store.put_schedule(&scope, &stored, None)?;
            site.store.set_hours_mode(mode)?;
        }
        Scope::Group(_) => site.store.put_schedule(&scope, &stored, Some(mode))?,
    }
    // Past days keep the hours they had (insights).
    site.store
        .record_hours_version(&scope, call.now, Some(&stored))?;
    site.settle(Change::ConfigChanged, call.now).await?;
    respond::json(200, &WorkingHoursView::new(input.schedule.spec(), mode))
}

pub async fn delete(
    site: &Site,
    cfg: &Config,
    call: &Call<'_>,
    group: Option<&GroupId>,
) -> Result<Response, ApiError> {
    cfg.check_group(group)?;
    site.keep_hours_choices(cfg, call.now)?;
    site.store.delete_schedule(&Scope::of(group))?;
    site.store
        .record_hours_version(&Scope::of(group), call.now, None)?;
    site.settle(Change::ConfigChanged, call.now).await?;
    respond::no_content()
}
