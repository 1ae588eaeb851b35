//! Alerts (issue 15, item 3): when an episode opens and when it is back to
//! normal. Pure: the edge passes what holds now and `now`.
//!
//! A *subject* is something the owner is warned about: an audience (the
//! site or a group) offline inside its working hours, or a visitor waiting
//! for a first reply. Its *condition* either holds since an instant (the
//! audience went offline at 10:42; the visitor wrote at 10:40) or does
//! not hold. An *episode* opens once the condition has held for the
//! owner's threshold, and closes ("back to normal") when the condition no
//! longer holds. Once per episode: an open episode is not opened again
//! while the same condition holds; a condition that cleared and came back
//! (a new `since`) is a new episode: the old one closes first.
//!
//! The edge checks at the instant [`Decision::next_check`] names (the
//! threshold instant), and whenever the condition may have changed.

use crate::time::UnixMillis;

/// An episode that is open: the `since` of the condition it was opened
/// for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct OpenEpisode {
    pub since: UnixMillis,
}

/// What to do now for one subject.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct Decision {
    /// Close the open episode: "back to normal".
    pub close: bool,
    /// Open an episode for the condition holding since this instant.
    pub open: Option<UnixMillis>,
    /// When to check again if nothing changes before (the threshold
    /// instant of a condition not yet past it).
    pub next_check: Option<UnixMillis>,
}

/// Decides for one subject: `since` is when its condition began to hold
/// (`None`: it does not hold), `threshold_ms` how long it must hold
/// before the owner is told (`None`: alerts of this kind are off, an open
/// episode closes), `open` the episode open now, if any.
pub fn decide(
    since: Option<UnixMillis>,
    threshold_ms: Option<i64>,
    open: Option<OpenEpisode>,
    now: UnixMillis,
) -> Decision {
    let Some(threshold) = threshold_ms else {
        return Decision {
            close: open.is_some(),
            ..Decision::default()
        };
    };
    match since {
        None => Decision {
            close: open.is_some(),
            ..Decision::default()
        },
        Some(since) => {
            // A different condition than the open episode's: that one
            // ended (it cleared in between), this one is new.
            let same = open.is_some_and(|o| o.since == since);
            let close = open.is_some() && !same;
            let due = since.saturating_add(threshold.max(0));
            if same {
                Decision {
                    close: false,
                    open: None,
                    next_check: None,
                }
            } else if now >= due {
                Decision {
                    close,
                    open: Some(since),
                    next_check: None,
                }
            } else {
                Decision {
                    close,
                    open: None,
                    next_check: Some(due),
                }
            }
        }
    }
}

/// Whether an audience's status counts as "offline inside working hours":
/// offline while its working hours are open (`in_hours`: the audience has
/// working hours and they are open now). Outside working hours, or for an
/// audience without working hours, offline is expected.
pub fn offline_in_hours(offline: bool, in_hours: bool) -> bool {
    offline && in_hours
}

/// Since when a condition that began at `start` has held *inside working
/// hours* at `now`: `None` outside them; the later of `start` and the
/// hours' last opening inside them (a visitor who wrote at night waits
/// from the opening on). `schedule` `None`: always open.
#[cfg(feature = "hours")]
pub fn in_hours_since(
    start: UnixMillis,
    schedule: Option<&crate::hours::Schedule>,
    now: UnixMillis,
) -> Option<UnixMillis> {
    let Some(hours) = schedule else {
        return Some(start);
    };
    if !hours.is_open(now) {
        return None;
    }
    // Open now: the last flip after `start`, if any, is an opening.
    Some(match hours.last_flip(start, now) {
        Some((opened, true)) => opened,
        _ => start,
    })
}

/// Since when an audience has been offline inside its working hours:
/// `last` is its last recorded change (status history), `schedule` its
/// working hours. An audience without working hours, outside them, or not
/// offline: `None`.
#[cfg(feature = "hours")]
pub fn offline_since(
    last: Option<crate::insights::Mark>,
    schedule: Option<&crate::hours::Schedule>,
    now: UnixMillis,
) -> Option<UnixMillis> {
    let last = last?;
    let hours = schedule?;
    let offline = last.status == crate::Status::Offline
        && last.reason != crate::evaluate::Reason::OutsideHours;
    if !offline_in_hours(offline, hours.is_open(now)) {
        return None;
    }
    in_hours_since(last.at, Some(hours), now)
}

/// The condition of "a visitor waits for a first reply": the oldest
/// instant among the open conversations' first messages still unanswered
/// (`None`: nobody waits).
pub fn longest_wait(unanswered_since: impl IntoIterator<Item = UnixMillis>) -> Option<UnixMillis> {
    unanswered_since.into_iter().min()
}

#[cfg(test)]
mod tests {
    use super::*;

    const MIN: i64 = 60_000;

    #[test]
    fn nothing_holds_nothing_happens() {
        assert_eq!(decide(None, Some(5 * MIN), None, 0), Decision::default());
    }

    #[test]
    fn before_the_threshold_the_check_is_set_at_it() {
        let d = decide(Some(1000), Some(5 * MIN), None, 1000 + MIN);
        assert_eq!(
            d,
            Decision {
                close: false,
                open: None,
                next_check: Some(1000 + 5 * MIN)
            }
        );
    }

    #[test]
    fn at_the_threshold_an_episode_opens_once() {
        let at = 1000 + 5 * MIN;
        let d = decide(Some(1000), Some(5 * MIN), None, at);
        assert_eq!(d.open, Some(1000));
        assert!(!d.close);
        assert_eq!(d.next_check, None);
        // Checked again (the alarm is at least once): nothing new.
        let again = decide(
            Some(1000),
            Some(5 * MIN),
            Some(OpenEpisode { since: 1000 }),
            at + 1,
        );
        assert_eq!(again, Decision::default());
        let much_later = decide(
            Some(1000),
            Some(5 * MIN),
            Some(OpenEpisode { since: 1000 }),
            at + 600 * MIN,
        );
        assert_eq!(much_later, Decision::default());
    }

    #[test]
    fn back_to_normal_when_the_condition_clears() {
        let d = decide(
            None,
            Some(5 * MIN),
            Some(OpenEpisode { since: 1000 }),
            20 * MIN,
        );
        assert_eq!(
            d,
            Decision {
                close: true,
                open: None,
                next_check: None
            }
        );
    }

    #[test]
    fn a_condition_that_came_back_is_a_new_episode() {
        // Offline since 1000 (open), online for a moment, offline again
        // since 30 min: the old episode closes; the new one waits for its
        // own threshold.
        let d = decide(
            Some(30 * MIN),
            Some(5 * MIN),
            Some(OpenEpisode { since: 1000 }),
            31 * MIN,
        );
        assert_eq!(
            d,
            Decision {
                close: true,
                open: None,
                next_check: Some(35 * MIN)
            }
        );
        // Already past its threshold when seen: closed and opened at once.
        let d = decide(
            Some(30 * MIN),
            Some(5 * MIN),
            Some(OpenEpisode { since: 1000 }),
            40 * MIN,
        );
        assert_eq!(
            d,
            Decision {
                close: true,
                open: Some(30 * MIN),
                next_check: None
            }
        );
    }

    #[test]
    fn alerts_turned_off_close_what_is_open() {
        assert_eq!(decide(Some(0), None, None, 99 * MIN), Decision::default());
        assert!(decide(Some(0), None, Some(OpenEpisode { since: 0 }), 99 * MIN).close);
    }

    #[test]
    fn a_zero_threshold_opens_at_once_and_negative_counts_as_zero() {
        assert_eq!(decide(Some(5), Some(0), None, 5).open, Some(5));
        assert_eq!(decide(Some(5), Some(-10), None, 5).open, Some(5));
        assert_eq!(decide(Some(5), Some(-10), None, 4).next_check, Some(5));
    }

    #[test]
    fn offline_counts_only_inside_working_hours() {
        assert!(offline_in_hours(true, true));
        assert!(!offline_in_hours(true, false));
        assert!(!offline_in_hours(false, true));
    }

    #[cfg(feature = "hours")]
    mod in_hours {
        use super::super::*;
        use crate::evaluate::Reason;
        use crate::hours::{Schedule, ScheduleSpec};
        use crate::insights::Mark;
        use crate::Status;

        const HOUR: i64 = 3_600_000;
        /// 2025-11-30 00:00 UTC.
        const DAY: i64 = 1_764_460_800_000;

        /// Every day 09:00–17:00 UTC.
        fn nine_to_five() -> Schedule {
            let day = vec![["09:00".to_string(), "17:00".to_string()]];
            let spec = ScheduleSpec {
                timezone: "UTC".into(),
                weekly: crate::hours::WEEKDAYS
                    .iter()
                    .map(|d| (d.to_string(), day.clone()))
                    .collect(),
                exceptions: vec![],
            };
            Schedule::parse(&spec).unwrap()
        }

        fn mark(at: i64, status: Status, reason: Reason) -> Option<Mark> {
            Some(Mark { at, status, reason })
        }

        #[test]
        fn a_wait_counts_from_the_opening_and_not_outside_hours() {
            let hours = nine_to_five();
            let night = DAY + 2 * HOUR;
            assert_eq!(in_hours_since(night, Some(&hours), night + HOUR), None);
            assert_eq!(
                in_hours_since(night, Some(&hours), DAY + 10 * HOUR),
                Some(DAY + 9 * HOUR)
            );
            let noon = DAY + 12 * HOUR;
            assert_eq!(in_hours_since(noon, Some(&hours), noon + HOUR), Some(noon));
            assert_eq!(in_hours_since(noon, None, noon + 99 * HOUR), Some(noon));
        }

        #[test]
        fn times_read_in_the_schedule_zone() {
            let mut spec = nine_to_five().spec().clone();
            assert_eq!(
                nine_to_five().local_clock(DAY + 10 * HOUR + 42 * 60_000),
                "10:42"
            );
            spec.timezone = "Europe/Rome".into();
            let rome = Schedule::parse(&spec).unwrap();
            assert_eq!(rome.local_clock(DAY + 10 * HOUR + 42 * 60_000), "11:42");
        }

        #[test]
        fn offline_counts_inside_working_hours_only() {
            let hours = nine_to_five();
            let at = DAY + 10 * HOUR + 42 * 60_000;
            let gone = mark(at, Status::Offline, Reason::NoAgents);
            assert_eq!(offline_since(gone, Some(&hours), at + HOUR), Some(at));
            assert_eq!(offline_since(gone, None, at + HOUR), None, "no hours");
            assert_eq!(
                offline_since(gone, Some(&hours), DAY + 18 * HOUR),
                None,
                "closed now"
            );
            let online = mark(at, Status::Online, Reason::AgentsOnline);
            assert_eq!(offline_since(online, Some(&hours), at + HOUR), None);
            let busy = mark(at, Status::Busy, Reason::AllBusy);
            assert_eq!(offline_since(busy, Some(&hours), at + HOUR), None);
            assert_eq!(offline_since(None, Some(&hours), at + HOUR), None);
            // Offline since the night: from the opening on.
            let night = mark(DAY + 3 * HOUR, Status::Offline, Reason::NoAgents);
            assert_eq!(
                offline_since(night, Some(&hours), DAY + 9 * HOUR + 1),
                Some(DAY + 9 * HOUR)
            );
        }
    }

    #[test]
    fn the_longest_wait_is_the_oldest_unanswered() {
        assert_eq!(longest_wait([30, 10, 20]), Some(10));
        assert_eq!(longest_wait([]), None);
    }

    #[test]
    fn no_overflow_at_the_end_of_time() {
        let d = decide(Some(i64::MAX - 1), Some(5 * MIN), None, 0);
        assert_eq!(d.next_check, Some(i64::MAX));
    }
}
