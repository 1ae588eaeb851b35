//! `GET` / `PUT onboarding`: the owner's checklist until the site works:
//! the site is named, a widget was seen on a page of an allowed origin
//! (`site::visitor::seen`), it has an agent, working hours are set or
//! declined, and a visitor's chat was answered. Read from what the site
//! stores anyway (`meta`, agents, schedules, messages); the only answer the
//! owner gives here is "no working hours".

use crate::error::ApiError;
use crate::respond;
use crate::site::call::Call;
use crate::site::config::Config;
use crate::site::state::Site;
use crate::store::{Scope, Seen};
use presenza_protocol::body::OnboardingBody;
use presenza_protocol::view::{HoursStep, OnboardingView, WidgetSeen};
use worker::Response;

pub fn get(site: &Site, cfg: &Config) -> Result<Response, ApiError> {
    respond::json(200, &view(site, cfg)?)
}

pub fn put(site: &Site, cfg: &Config, call: &Call<'_>) -> Result<Response, ApiError> {
    let body = call.body.json::<OnboardingBody>()?;
    site.store.set_hours_declined(body.working_hours_declined)?;
    respond::json(200, &view(site, cfg)?)
}

fn view(site: &Site, cfg: &Config) -> Result<OnboardingView, ApiError> {
    let working_hours = if cfg.hours.contains_key(&Scope::Site) {
        HoursStep::Set
    } else if site.store.hours_declined()? {
        HoursStep::Declined
    } else {
        HoursStep::Pending
    };
    let agents = u32::try_from(site.store.agent_count()?).unwrap_or(u32::MAX);
    let chat_answered = site.store.chat_answered()?;
    let site_named = cfg.name.is_some();
    let seen = |s: &Option<Seen>| {
        s.as_ref().map(|s| WidgetSeen {
            origin: s.origin.clone(),
            page: s.page.clone(),
            at: s.at_ms.into(),
        })
    };
    let widget_first_seen = seen(&cfg.widget_first_seen);
    let done = site_named
        && widget_first_seen.is_some()
        && agents > 0
        && working_hours != HoursStep::Pending
        && chat_answered;
    Ok(OnboardingView {
        site_named,
        widget_first_seen,
        widget_last_seen: seen(&cfg.widget_last_seen),
        agents,
        working_hours,
        chat_answered,
        done,
    })
}
