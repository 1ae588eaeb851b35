//! Working hours (`working-hours`, `groups/{id}/working-hours`): weekly
//! intervals in an IANA time zone with date exceptions. Outside them an
//! audience is offline; the alarm fires at each boundary.

use crate::error::ApiError;
use crate::respond;
use crate::site::call::Call;
use crate::site::config::Config;
use crate::site::presence::Change;
use crate::site::state::Site;
use crate::store::Scope;
use presenza_protocol::body::ScheduleSpec;
use presenza_protocol::GroupId;
use presenza_rules::Schedule;
use worker::Response;

pub fn get(cfg: &Config, group: Option<&GroupId>) -> Result<Response, ApiError> {
    cfg.check_group(group)?;
    match cfg.hours.get(&Scope::of(group)) {
        Some(spec) => respond::json(200, spec),
        None => Err(ApiError::not_found(
            "no_working_hours",
            "no working hours set: always open",
        )),
    }
}

pub async fn put(
    site: &Site,
    cfg: &Config,
    call: &Call<'_>,
    group: Option<&GroupId>,
) -> Result<Response, ApiError> {
    cfg.check_group(group)?;
    let spec: ScheduleSpec = call.body.json_with(&["weekly", "exceptions"])?;
    let schedule = Schedule::parse(&spec).map_err(|e| ApiError::from_rule(&e))?;
    let stored =
        serde_json::to_string(schedule.spec()).map_err(|e| ApiError::internal(e.to_string()))?;
    site.store.put_schedule(&Scope::of(group), &stored)?;
    site.settle(Change::ConfigChanged, call.now).await?;
    respond::json(200, schedule.spec())
}

pub async fn delete(
    site: &Site,
    cfg: &Config,
    call: &Call<'_>,
    group: Option<&GroupId>,
) -> Result<Response, ApiError> {
    cfg.check_group(group)?;
    site.store.delete_schedule(&Scope::of(group))?;
    site.settle(Change::ConfigChanged, call.now).await?;
    respond::no_content()
}
