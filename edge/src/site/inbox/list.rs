//! `GET conversations?state=&assigned=&limit=&cursor=`: the agent's inbox, a
//! page at a time in the rules' list order, with an opaque keyset cursor;
//! `assigned=me|none`: only the agent's own, or the unassigned ones.

use crate::domain::cursor::ListCursor;
use crate::domain::message::seq;
use crate::error::ApiError;
use crate::respond;
use crate::site::config::Config;
use crate::site::conversation::{served, view};
use crate::site::state::Site;
use crate::store::{AgentRow, InboxQuery};
use presenza_protocol::limits::MAX_LISTED_CONVERSATIONS;
use presenza_protocol::view::{Closing, ConversationPage, ConversationView, VisitorView};
use presenza_rules::{AssignedFilter, ConversationSummary, StateFilter};
use worker::Response;

pub fn get(
    site: &Site,
    cfg: &Config,
    me: &AgentRow,
    state: StateFilter,
    assigned: AssignedFilter,
    limit: usize,
    cursor: Option<&ListCursor>,
) -> Result<Response, ApiError> {
    let limit = limit.clamp(1, MAX_LISTED_CONVERSATIONS);
    let groups = served::scope(cfg, me);
    let rows = site.store.inbox(&InboxQuery {
        agent: &me.id,
        served: served::served(&groups),
        filter: state,
        assigned,
        after: cursor,
        limit: limit + 1,
    })?;
    let more = rows.len() > limit;
    let mut items: Vec<(ConversationSummary, Closing, ConversationView)> = rows
        .into_iter()
        .take(limit)
        .map(|r| {
            let counters = r.counters();
            let conv = r.conversation();
            let closing = view::closing(&conv);
            let summary = ConversationView::new(
                r.id.clone(),
                &counters,
                r.grp.clone(),
                VisitorView {
                    id: r.visitor_id.clone(),
                    name: r.visitor_name.clone(),
                    email: r.visitor_email.clone(),
                },
                r.last_message().as_ref().map(view::message),
                seq(r.last_seq),
                &closing,
            )
            .assigned(view::assignee(&conv));
            (counters, closing, summary)
        })
        .collect();
    // SQL picked them in this order already; the rules decide it.
    items.sort_by(|a, b| list_key(&a.1, &a.0).cmp(&list_key(&b.1, &b.0)));
    let next_cursor = if more {
        items
            .last()
            .and_then(|(counters, closing, _)| ListCursor::of(&list_key(closing, counters)))
            .map(|c| c.encode())
    } else {
        None
    };
    respond::json(
        200,
        &ConversationPage {
            conversations: items.into_iter().map(|(_, _, v)| v).collect(),
            next_cursor,
            has_more: more,
        },
    )
}

/// Where a conversation sits in a list (the rules' order).
fn list_key<'a>(
    closing: &Closing,
    counters: &'a ConversationSummary,
) -> presenza_rules::ListKey<'a> {
    use presenza_rules::{ConversationState, InboxKey, ListKey};
    match closing.state {
        ConversationState::Open => ListKey::Open(InboxKey {
            waiting: counters.waiting(),
            updated_at: counters.updated_at,
            id: &counters.id,
        }),
        ConversationState::Closed => ListKey::Closed {
            closed_at: closing.closed_at.unwrap_or(0),
            id: &counters.id,
        },
    }
}
