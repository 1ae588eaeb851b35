//! When the object's one alarm is set: at the rules' next change, and, for
//! a site with a big live audience, often enough to keep the object in
//! memory (pure).
//!
//! An object whose only connections are hibernatable sockets is evicted
//! after ~10 s without events. Its sockets survive, but the first status
//! change after that recreates every socket's JS object before it can send:
//! at 10,000 visitors that wake costs ~100 ms of the runtime's CPU on top of
//! the fan-out itself (BENCHMARKS.md). A site with at least
//! `KEEP_RESIDENT_FROM_VISITORS` open visitor sockets (default
//! [`DEFAULT_RESIDENT_FROM`]) therefore keeps an alarm at most [`TICK_MS`]
//! ahead, so its object stays in memory and a change goes out at once.
//! Below that, the object hibernates as usual: small sites cost nothing
//! while idle, and their wake is cheap (a few ms at 1,000 sockets).
//!
//! The price, paid only by big sites: the object stays resident (billed
//! duration) and runs one short alarm every [`TICK_MS`] that evaluates the
//! cached presence and stores the pending counters.

/// Open visitor sockets from which an object keeps itself in memory.
pub const DEFAULT_RESIDENT_FROM: usize = 2_000;

/// The longest a resident object's alarm is set ahead: below the runtime's
/// ~10 s idle eviction, with room for the alarm's own latency.
pub const TICK_MS: i64 = 8_000;

/// Whether an object with `visitors` open visitor sockets (an upper bound,
/// `None` if not known in this instance) keeps itself resident.
/// `resident_from == 0` turns residency off.
pub fn is_resident(visitors: Option<usize>, resident_from: usize) -> bool {
    resident_from > 0 && visitors.is_some_and(|n| n >= resident_from)
}

/// When the alarm should fire, given the rules' next change, the alarm as
/// currently set (`None` if this instance does not know it) and whether the
/// object keeps itself resident.
///
/// A resident object keeps an alarm that is already set within the next tick
/// (and not after the next change), so events do not rewrite the alarm each
/// time; otherwise it asks for the earlier of the next change and one tick
/// from now.
pub fn alarm_at(
    next_change: Option<i64>,
    current: Option<Option<i64>>,
    resident: bool,
    now: i64,
) -> Option<i64> {
    if !resident {
        return next_change;
    }
    let latest = now + TICK_MS;
    if let Some(Some(at)) = current {
        if at > now && at <= latest && next_change.is_none_or(|c| at <= c) {
            return Some(at);
        }
    }
    Some(next_change.map_or(latest, |c| c.min(latest)))
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: i64 = 1_000_000;

    #[test]
    fn residency_starts_at_the_threshold() {
        assert!(!is_resident(None, 2_000));
        assert!(!is_resident(Some(1_999), 2_000));
        assert!(is_resident(Some(2_000), 2_000));
        assert!(is_resident(Some(30_000), 2_000));
        // 0 turns it off.
        assert!(!is_resident(Some(30_000), 0));
    }

    #[test]
    fn not_resident_follows_the_next_change() {
        assert_eq!(alarm_at(None, None, false, NOW), None);
        assert_eq!(
            alarm_at(Some(NOW + 60_000), None, false, NOW),
            Some(NOW + 60_000)
        );
        // A tick set while resident is replaced by the next change (or removed).
        assert_eq!(alarm_at(None, Some(Some(NOW + 5_000)), false, NOW), None);
        assert_eq!(
            alarm_at(Some(NOW + 60_000), Some(Some(NOW + 5_000)), false, NOW),
            Some(NOW + 60_000)
        );
    }

    #[test]
    fn resident_ticks_within_the_eviction_window() {
        assert_eq!(alarm_at(None, None, true, NOW), Some(NOW + TICK_MS));
        assert_eq!(alarm_at(None, Some(None), true, NOW), Some(NOW + TICK_MS));
        assert_eq!(
            alarm_at(Some(NOW + 3_600_000), Some(None), true, NOW),
            Some(NOW + TICK_MS)
        );
        // A next change before the tick comes first.
        assert_eq!(
            alarm_at(Some(NOW + 1_000), Some(None), true, NOW),
            Some(NOW + 1_000)
        );
    }

    #[test]
    fn resident_keeps_an_alarm_already_within_the_tick() {
        let set = Some(Some(NOW + 3_000));
        assert_eq!(alarm_at(None, set, true, NOW), Some(NOW + 3_000));
        assert_eq!(
            alarm_at(Some(NOW + 3_000), set, true, NOW),
            Some(NOW + 3_000)
        );
        // ...unless the next change is earlier,
        assert_eq!(
            alarm_at(Some(NOW + 2_000), set, true, NOW),
            Some(NOW + 2_000)
        );
        // or it is past (fired) or too far ahead.
        assert_eq!(
            alarm_at(None, Some(Some(NOW)), true, NOW),
            Some(NOW + TICK_MS)
        );
        assert_eq!(
            alarm_at(None, Some(Some(NOW + TICK_MS + 1)), true, NOW),
            Some(NOW + TICK_MS)
        );
    }

    #[test]
    fn a_resident_alarm_is_never_later_than_a_tick_nor_the_next_change() {
        for next in [None, Some(NOW + 1), Some(NOW + 7_999), Some(NOW + 50_000)] {
            for current in [
                None,
                Some(None),
                Some(Some(NOW - 5)),
                Some(Some(NOW + 4_000)),
                Some(Some(NOW + 20_000)),
            ] {
                let at = alarm_at(next, current, true, NOW)
                    .expect("resident objects always have an alarm");
                assert!(
                    at > NOW && at <= NOW + TICK_MS,
                    "{next:?} {current:?} -> {at}"
                );
                if let Some(c) = next {
                    assert!(at <= c, "{next:?} {current:?} -> {at}");
                }
            }
        }
    }
}
