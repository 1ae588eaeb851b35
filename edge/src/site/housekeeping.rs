//! Retention, run by the one alarm (see [`crate::retention`]): closed
//! conversations past the site's retention are deleted, a batch at a time,
//! with visitors left without a conversation and rate windows that ended;
//! status history past `history_days` too, a batch at a time.

use crate::error::ApiError;
use crate::retention::{self, HISTORY_SWEEP_BATCH, SWEEP_BATCH};
use crate::site::config::Config;
use crate::site::state::Site;
use crate::store::MetaKey;
use presenza_protocol::limits::CONVERSATION_WINDOW_SECS;

/// Sweeps if a sweep is due; returns whether it did (the configuration,
/// which holds the next sweep, must then be read again).
pub fn sweep_if_due(site: &Site, cfg: &Config, now: i64) -> Result<bool, ApiError> {
    if !retention::due(cfg.next_sweep_ms, now) {
        return Ok(false);
    }
    let day_ms = site.faults.day_ms();
    let cutoff = retention::cutoff(now, cfg.retention_days, day_ms);
    let deleted = site.store.delete_closed_before(cutoff, SWEEP_BATCH)?;
    // The longest window (an address's new conversations) has ended.
    site.store
        .delete_windows_before(now - i64::from(CONVERSATION_WINDOW_SECS) * 1000)?;
    let history_cutoff = retention::cutoff(now, cfg.history_days, day_ms);
    let history_deleted =
        site.store
            .delete_history_before(history_cutoff, HISTORY_SWEEP_BATCH, |aud| {
                aud.is_empty()
                    || presenza_protocol::GroupId::parse(aud)
                        .is_some_and(|g| cfg.groups.contains_key(&g))
            })?;
    let backlog = deleted >= SWEEP_BATCH || history_deleted >= HISTORY_SWEEP_BATCH;
    let next = retention::next_sweep_after(now, backlog, day_ms);
    site.store
        .meta_set(MetaKey::NextSweepMs, &next.to_string())?;
    Ok(true)
}
