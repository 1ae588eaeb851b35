//! `GET history?from=&to=&group=&format=`: each audience's status changes
//! in `[from, to)` and the status in force at `from` (the site and every
//! group, or the one group asked for), as JSON or as a CSV download
//! (`format=csv`). At most `MAX_HISTORY_CHANGES` changes per answer:
//! past that, `next_from` says where to ask again. Every audience is one
//! range of the history's primary key.

use crate::domain::period::{Period, PeriodQuery};
use crate::error::ApiError;
use crate::history::{csv, Recorded};
use crate::respond;
use crate::site::call::Call;
use crate::site::config::Config;
use crate::site::state::Site;
use crate::store::Store;
use presenza_protocol::limits::MAX_HISTORY_CHANGES;
use presenza_protocol::view::{AudienceHistory, HistoryView};
use presenza_protocol::GroupId;
use presenza_rules::time::to_rfc3339;
use worker::Response;

/// One audience's history in a period.
pub struct Loaded {
    pub group: Option<GroupId>,
    pub in_force: Option<Recorded>,
    pub changes: Vec<Recorded>,
}

/// The audiences an answer covers: `group` alone, else the site and every
/// group (404 for a group the site does not have).
pub fn audiences(cfg: &Config, group: Option<&GroupId>) -> Result<Vec<Option<GroupId>>, ApiError> {
    match group {
        Some(g) => {
            cfg.check_group(Some(g))?;
            Ok(vec![Some(g.clone())])
        }
        None => Ok(std::iter::once(None)
            .chain(cfg.groups.keys().cloned().map(Some))
            .collect()),
    }
}

/// The history of `audiences` in `period`, at most `MAX_HISTORY_CHANGES`
/// changes in all; with the instant the answer stops before when there
/// were more (every change before it is there).
pub fn load(
    store: &Store,
    audiences: Vec<Option<GroupId>>,
    period: Period,
) -> Result<(Vec<Loaded>, Option<i64>), ApiError> {
    let mut loaded = Vec::with_capacity(audiences.len());
    let mut total = 0;
    for group in audiences {
        let in_force = store.change_at_or_before(group.as_ref(), period.from - 1)?;
        let changes = store.changes_between(
            group.as_ref(),
            period.from,
            period.to,
            MAX_HISTORY_CHANGES + 1,
        )?;
        total += changes.len();
        loaded.push(Loaded {
            group,
            in_force,
            changes,
        });
    }
    if total <= MAX_HISTORY_CHANGES {
        return Ok((loaded, None));
    }
    // Too many: stop before the instant of the first change past the cap.
    let mut instants: Vec<i64> = loaded
        .iter()
        .flat_map(|a| a.changes.iter().map(|c| c.at))
        .collect();
    instants.sort_unstable();
    let cut = instants[MAX_HISTORY_CHANGES].max(period.from + 1);
    for audience in &mut loaded {
        audience.changes.retain(|c| c.at < cut);
    }
    Ok((loaded, Some(cut)))
}

pub fn get(
    site: &Site,
    cfg: &Config,
    call: &Call<'_>,
    period: PeriodQuery,
    group: Option<&GroupId>,
    as_csv: bool,
) -> Result<Response, ApiError> {
    let audiences = audiences(cfg, group)?;
    let period = period.resolve(call.now)?;
    let (loaded, next_from) = load(&site.store, audiences, period)?;
    let view = HistoryView {
        from: period.from.into(),
        to: period.to.into(),
        audiences: loaded
            .into_iter()
            .map(|a| AudienceHistory {
                group: a.group,
                in_force: a.in_force.as_ref().map(Recorded::view),
                changes: a.changes.iter().map(Recorded::view).collect(),
            })
            .collect(),
        next_from: next_from.map(Into::into),
    };
    if as_csv {
        // e.g. history-2026-05-01T00-00-00Z.csv (no `:` in file names).
        let name = format!("history-{}.csv", to_rfc3339(period.from).replace(':', "-"));
        return respond::csv(csv::write(&view), &name);
    }
    respond::json(200, &view)
}
