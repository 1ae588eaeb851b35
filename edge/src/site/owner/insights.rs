//! `GET insights?from=&to=&group=&first_reply_secs=`: for the site and
//! every group (or the one asked for), how much of its working hours it was
//! online (busy and offline apart, offline stretches listed), the
//! conversations visitors started while nobody was online or that waited
//! longer than `first_reply_secs` for a first reply, and first-response
//! times (median, 90th percentile) per audience and per agent. Figures stop
//! at now (the future is unknown), and where the history or the
//! conversations read (at most `MAX_HISTORY_CHANGES` and
//! `MAX_INSIGHT_CONVERSATIONS`) end. Working hours are the audiences' as
//! they were at each instant (`store::hours_versions`): a past day keeps
//! the hours it had. Computed by `crate::insights` (pure).

use crate::domain::period::PeriodQuery;
use crate::error::ApiError;
use crate::history::Recorded;
use crate::insights::{self, Audience, Conversation, Window};
use crate::respond;
use crate::site::call::Call;
use crate::site::config::Config;
use crate::site::owner::history;
use crate::site::state::Site;
use crate::store::Scope;
use presenza_protocol::body::ScheduleSpec;
use presenza_protocol::limits::MAX_INSIGHT_CONVERSATIONS;
use presenza_protocol::GroupId;
use presenza_rules::hours::Schedule;
use worker::Response;

pub fn get(
    site: &Site,
    cfg: &Config,
    call: &Call<'_>,
    period: PeriodQuery,
    group: Option<&GroupId>,
    first_reply_secs: u32,
) -> Result<Response, ApiError> {
    let audiences = history::audiences(cfg, group)?;
    let period = period.resolve(call.now)?;
    let (loaded, history_cut) = history::load(&site.store, audiences, period)?;
    let mut until = period.to.min(call.now).max(period.from);
    let mut complete = true;
    if let Some(cut) = history_cut {
        until = until.min(cut);
        complete = false;
    }
    let rows =
        site.store
            .started_between(period.from, until, group, MAX_INSIGHT_CONVERSATIONS + 1)?;
    if rows.len() > MAX_INSIGHT_CONVERSATIONS {
        // Stop before the first conversation not looked at.
        until = until.min(
            rows[MAX_INSIGHT_CONVERSATIONS]
                .created_at
                .max(period.from + 1),
        );
        complete = false;
    }
    let conversations: Vec<Conversation> = rows
        .into_iter()
        .take(MAX_INSIGHT_CONVERSATIONS)
        .map(|row| Conversation {
            id: row.id,
            group: row.grp,
            started_at: row.created_at,
            first_reply: row.reply_at.map(|at| (at, row.reply_agent)),
        })
        .collect();
    let mut audiences: Vec<Audience> = Vec::with_capacity(loaded.len());
    for a in loaded {
        audiences.push(Audience {
            hours: hours_then(site, a.group.as_ref(), period.from, until)?,
            marks: a
                .in_force
                .iter()
                .chain(&a.changes)
                .map(Recorded::mark)
                .collect(),
            group: a.group,
        });
    }
    let view = insights::compute(
        Window {
            from: period.from,
            to: period.to,
            until,
            complete,
            first_reply_secs,
        },
        &audiences,
        &conversations,
    );
    respond::json(200, &view)
}

/// An audience's working hours in `[from, until)` as they were: each
/// version that was in force, parsed (stored hours were valid when saved;
/// one that no longer parses counts as none, loudly).
fn hours_then(
    site: &Site,
    group: Option<&GroupId>,
    from: i64,
    until: i64,
) -> Result<Vec<(i64, Option<Schedule>)>, ApiError> {
    let versions = site
        .store
        .hours_versions(&Scope::of(group), from, until.max(from + 1))?;
    Ok(versions
        .into_iter()
        .map(|v| {
            let schedule = v.spec.and_then(|spec| {
                let parsed = serde_json::from_str::<ScheduleSpec>(&spec)
                    .ok()
                    .and_then(|spec| Schedule::parse(&spec).ok());
                if parsed.is_none() {
                    worker::console_error!("stored working hours of {group:?} no longer parse");
                }
                parsed
            });
            (v.at, schedule)
        })
        .collect())
}
