//! `GET insights?from=&to=&group=&first_reply_secs=`: for the site and
//! every group (or the one asked for), how much of its working hours it was
//! online (busy and offline apart, offline stretches listed), the
//! conversations visitors started while nobody was online or that waited
//! longer than `first_reply_secs` for a first reply, and first-response
//! times (median, 90th percentile) per audience and per agent. Figures stop
//! at now (the future is unknown), and where the history or the
//! conversations read (at most `MAX_HISTORY_CHANGES` and
//! `MAX_INSIGHT_CONVERSATIONS`) end. Working hours are the audiences' as
//! configured now. Computed by `crate::insights` (pure).

use crate::domain::period::PeriodQuery;
use crate::error::ApiError;
use crate::history::Recorded;
use crate::insights::{self, Audience, Conversation, Window};
use crate::respond;
use crate::site::call::Call;
use crate::site::config::Config;
use crate::site::owner::history;
use crate::site::state::Site;
use presenza_protocol::limits::MAX_INSIGHT_CONVERSATIONS;
use presenza_protocol::GroupId;
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
    let audiences: Vec<Audience<'_>> = loaded
        .into_iter()
        .map(|a| Audience {
            hours: cfg
                .rules
                .schedule_for(a.group.as_ref().map(GroupId::as_str)),
            marks: a
                .in_force
                .iter()
                .chain(&a.changes)
                .map(Recorded::mark)
                .collect(),
            group: a.group,
        })
        .collect();
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
