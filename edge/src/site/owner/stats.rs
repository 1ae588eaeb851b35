//! `GET stats`: what the site's object is doing (sockets, sessions,
//! counters, residency) and its relays.

use crate::error::ApiError;
use crate::respond;
use crate::site::call::Call;
use crate::site::presence::Change;
use crate::site::state::Site;
use crate::sockets::{self, Tag};
use crate::tally::Counter;
use presenza_protocol::view::{RelayStatsView, StatsView};
use worker::Response;

pub async fn get(site: &Site, call: &Call<'_>) -> Result<Response, ApiError> {
    let snap = site.settle(Change::Read, call.now).await?;
    let stored = site.store.counters()?;
    let counter = |c: Counter| {
        site.tallies
            .counter(stored.get(c.name()).copied().unwrap_or(0), c)
    };
    let here = sockets::count(&site.state, Tag::Visitors);
    let devices = sockets::count(&site.state, Tag::Devices);
    site.tallies.visitors_counted(here);
    let relays: Vec<RelayStatsView> = site
        .store
        .relays()?
        .into_iter()
        .map(|row| RelayStatsView {
            name: row.name.object_name(),
            sockets: row.sockets,
            acked: row.acked,
        })
        .collect();
    let on_relays: u64 = relays.iter().map(|r| r.sockets).sum();
    let visitors = here + usize::try_from(on_relays).unwrap_or(usize::MAX);
    respond::json(
        200,
        &StatsView {
            socket_messages_handled: counter(Counter::SocketMessagesHandled),
            socket_closes: counter(Counter::SocketCloses),
            alarms: counter(Counter::Alarms),
            sockets_over_budget: counter(Counter::SocketsOverBudget),
            relay_syncs: counter(Counter::RelaySyncs),
            relay_frames: counter(Counter::RelayFrames),
            relay_publish_calls: counter(Counter::RelayPublishCalls),
            sockets: visitors + devices,
            visitor_sockets: visitors,
            agent_sockets: devices,
            agents: snap.published.agents.len(),
            live_sessions: snap.published.agents.values().map(|a| a.sessions).sum(),
            next_change: snap.eval.next_change.map(Into::into),
            resident: site.resident(),
            instance_started_at: site.started_at.into(),
            status_version: site.store.published()?.0,
            relays,
            database_bytes: site.store.database_bytes(),
        },
    )
}
