//! How long a site keeps what it no longer needs, and when it looks (pure).
//!
//! Closed conversations are deleted with their messages once they have been
//! closed for the site's retention (`retention_days`, 1 to 3,650, 365 by
//! default), and so are visitors left without a conversation and rate
//! windows that ended. Open conversations are never deleted: they are
//! someone's unanswered question. The audiences' status history is kept for
//! `history_days` (1 to 365, 90 by default); of each audience the last
//! change before that stays, so its status at the cutoff stays known. The
//! object looks once a day, inside its
//! one alarm, a bounded batch at a time: a site with a long backlog comes
//! back a minute later until it is done, so no alarm run grows with the
//! history.

pub use presenza_protocol::limits::RETENTION_DAYS;
pub use presenza_protocol::view::DEFAULT_RETENTION_DAYS;
/// Conversations deleted per sweep at most.
pub const SWEEP_BATCH: usize = 200;
/// Status history rows deleted per sweep at most.
pub const HISTORY_SWEEP_BATCH: usize = 2_000;
/// When a sweep left work behind, the next one comes this soon.
pub const BACKLOG_PAUSE_MS: i64 = 60_000;
/// A day, in milliseconds (tests may shorten it: `TEST_FAULTS=day_ms=N`).
pub const DAY_MS: i64 = 86_400_000;

/// Conversations closed before this instant are past their retention.
pub fn cutoff(now: i64, retention_days: u32, day_ms: i64) -> i64 {
    now.saturating_sub(i64::from(retention_days).saturating_mul(day_ms))
}

/// When to sweep again: soon if this sweep filled its batch (more may be
/// waiting), else in a day.
pub fn next_sweep(now: i64, deleted: usize, day_ms: i64) -> i64 {
    next_sweep_after(now, deleted >= SWEEP_BATCH, day_ms)
}

/// When to sweep again: soon if a batch was filled (`backlog`), else in a
/// day.
pub fn next_sweep_after(now: i64, backlog: bool, day_ms: i64) -> i64 {
    if backlog {
        now + BACKLOG_PAUSE_MS.min(day_ms)
    } else {
        now + day_ms
    }
}

/// Whether a sweep is due (`None`: never swept, so yes).
pub fn due(next_sweep: Option<i64>, now: i64) -> bool {
    next_sweep.is_none_or(|at| at <= now)
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: i64 = 1_800_000_000_000;

    #[test]
    fn cutoffs() {
        assert_eq!(cutoff(NOW, 1, DAY_MS), NOW - DAY_MS);
        assert_eq!(cutoff(NOW, 365, DAY_MS), NOW - 365 * DAY_MS);
        assert_eq!(cutoff(NOW, 1, 3_000), NOW - 3_000);
        assert_eq!(cutoff(0, 3650, DAY_MS), -3650 * DAY_MS);
    }

    #[test]
    fn sweeps_come_daily_or_soon_after_a_full_batch() {
        assert_eq!(next_sweep(NOW, 0, DAY_MS), NOW + DAY_MS);
        assert_eq!(next_sweep(NOW, SWEEP_BATCH - 1, DAY_MS), NOW + DAY_MS);
        assert_eq!(next_sweep(NOW, SWEEP_BATCH, DAY_MS), NOW + BACKLOG_PAUSE_MS);
        // A shortened day (tests) never waits longer than itself.
        assert_eq!(next_sweep(NOW, SWEEP_BATCH, 3_000), NOW + 3_000);
        assert!(due(None, NOW));
        assert!(due(Some(NOW), NOW));
        assert!(!due(Some(NOW + 1), NOW));
        assert!(RETENTION_DAYS.contains(&DEFAULT_RETENTION_DAYS));
        assert_eq!(next_sweep_after(NOW, true, DAY_MS), NOW + BACKLOG_PAUSE_MS);
        assert_eq!(next_sweep_after(NOW, false, DAY_MS), NOW + DAY_MS);
    }
}
