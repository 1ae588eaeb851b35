//! Availability insights (issue 15), pure: what an audience's status history
//! and its conversations say about a period. Time is passed in; nothing is
//! read or remembered.
//!
//! - [`Mark`]s are an audience's recorded status changes, oldest first; the
//!   first may lie before the period (the status in force at its start).
//!   Before the first mark the status is unknown (history not kept yet).
//! - [`open_spans`]: an audience's working hours as instants within a
//!   period (a schedule's boundaries walked with `Schedule::state`, so DST
//!   and exceptions are the schedule's own); no schedule = always open.
//! - [`versioned_spans`]: the same across changes of the hours, each
//!   stretch with the version in force then.
//! - [`coverage`]: how much of the working hours the audience was online,
//!   busy, offline (listed as intervals) or unknown.
//! - [`missed`]: a conversation a visitor started while nobody was online,
//!   or whose first agent reply came later than a threshold (or not yet).
//! - [`spread`]: the median and 90th percentile of first-response times
//!   (nearest rank: the value at rank ⌈p·n⌉ of the sorted values).
//!
//! Figures stop at `until` (the end of the period, or now if sooner): the
//! future is neither online nor offline.

use alloc::vec::Vec;

use crate::evaluate::Reason;
use crate::status::Status;
use crate::time::UnixMillis;

/// One recorded change of an audience's status: from `at` on, `status` for
/// `reason`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Mark {
    pub at: UnixMillis,
    pub status: Status,
    pub reason: Reason,
}

/// The status in force at `t` (the last mark at or before it); `None`
/// before the first mark. `marks` oldest first.
pub fn status_at(marks: &[Mark], t: UnixMillis) -> Option<Mark> {
    let after = marks.partition_point(|m| m.at <= t);
    after.checked_sub(1).map(|i| marks[i])
}

/// An interval of instants `[from, to)`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Span {
    pub from: UnixMillis,
    pub to: UnixMillis,
}

impl Span {
    /// Its length in ms.
    pub fn len(&self) -> i64 {
        (self.to - self.from).max(0)
    }

    /// Whether it holds no instant.
    pub fn is_empty(&self) -> bool {
        self.to <= self.from
    }
}

/// Most boundaries walked for one period (a 31-day period of the busiest
/// schedule has fewer than 31 × 2 × `MAX_INTERVALS_PER_DAY`).
#[cfg(feature = "hours")]
const MAX_BOUNDARIES: usize = 20_000;

/// The working hours of `schedule` within `[from, until)`, merged and in
/// order; no schedule: the whole period.
#[cfg(feature = "hours")]
pub fn open_spans(
    schedule: Option<&crate::hours::Schedule>,
    from: UnixMillis,
    until: UnixMillis,
) -> Vec<Span> {
    let mut out = Vec::new();
    if until <= from {
        return out;
    }
    let Some(schedule) = schedule else {
        out.push(Span { from, to: until });
        return out;
    };
    let mut t = from;
    for _ in 0..MAX_BOUNDARIES {
        let (open, next) = schedule.state(t);
        let end = next.map_or(until, |b| b.min(until));
        if open && end > t {
            match out.last_mut() {
                Some(last) if last.to == t => last.to = end,
                _ => out.push(Span { from: t, to: end }),
            }
        }
        if end >= until || end <= t {
            break;
        }
        t = end;
    }
    out
}

/// Working hours that changed over time: `versions` are the schedules in
/// force from their instant on (`None`: no hours, so all the time counts),
/// oldest first; before the first one there were no hours. Each stretch of
/// `[from, until)` takes the version in force then, so a past day keeps
/// the hours it had, whatever they are now. Merged and in order.
#[cfg(feature = "hours")]
pub fn versioned_spans(
    versions: &[(UnixMillis, Option<&crate::hours::Schedule>)],
    from: UnixMillis,
    until: UnixMillis,
) -> Vec<Span> {
    let mut out: Vec<Span> = Vec::new();
    let first = versions.first().map_or(until, |(at, _)| *at);
    let before = core::iter::once((UnixMillis::MIN, None, first));
    let each = versions.iter().enumerate().map(|(i, (at, schedule))| {
        let next = versions.get(i + 1).map_or(until, |(n, _)| *n);
        (*at, *schedule, next)
    });
    for (start, schedule, end) in before.chain(each) {
        for span in open_spans(schedule, start.max(from), end.min(until)) {
            match out.last_mut() {
                Some(last) if last.to == span.from => last.to = span.to,
                _ => out.push(span),
            }
        }
    }
    out
}

/// An offline stretch inside working hours.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct OfflineSpan {
    pub span: Span,
    /// Why it was offline (the recorded reason).
    pub reason: Reason,
}

/// How an audience covered its working hours; the four durations add up to
/// `working_ms`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Coverage {
    /// Working hours in the period (up to `until`).
    pub working_ms: i64,
    pub online_ms: i64,
    pub busy_ms: i64,
    pub offline_ms: i64,
    /// Working hours before the first mark (no history kept yet).
    pub unknown_ms: i64,
    /// The offline stretches inside working hours, in order; contiguous
    /// ones with the same reason merged.
    pub offline: Vec<OfflineSpan>,
}

impl Coverage {
    /// Online time over the working hours whose status is known; `None`
    /// when none is.
    pub fn ratio(&self) -> Option<f64> {
        let known = self.working_ms - self.unknown_ms;
        (known > 0).then(|| self.online_ms as f64 / known as f64)
    }
}

/// The coverage of working hours `hours` (in order, not overlapping, within
/// the period) by the audience whose history is `marks` (oldest first).
pub fn coverage(marks: &[Mark], hours: &[Span]) -> Coverage {
    let mut c = Coverage::default();
    for span in hours {
        if span.is_empty() {
            continue;
        }
        c.working_ms += span.len();
        // The pieces of the span between marks.
        let first = marks.partition_point(|m| m.at <= span.from);
        let mut t = span.from;
        let mut current = first.checked_sub(1).map(|i| marks[i]);
        let mut next = first;
        while t < span.to {
            let piece_end = marks.get(next).map_or(span.to, |m| m.at.min(span.to));
            let len = piece_end - t;
            match current {
                None => c.unknown_ms += len,
                Some(m) => match m.status {
                    Status::Online => c.online_ms += len,
                    Status::Busy => c.busy_ms += len,
                    Status::Offline => {
                        c.offline_ms += len;
                        let piece = Span {
                            from: t,
                            to: piece_end,
                        };
                        match c.offline.last_mut() {
                            Some(last) if last.span.to == t && last.reason == m.reason => {
                                last.span.to = piece_end;
                            }
                            _ => c.offline.push(OfflineSpan {
                                span: piece,
                                reason: m.reason,
                            }),
                        }
                    }
                },
            }
            if piece_end >= span.to {
                break;
            }
            t = piece_end;
            current = marks.get(next).copied();
            next += 1;
        }
    }
    c
}

/// What a conversation's insights need: when its visitor first wrote and
/// when an agent first replied (a busy auto-reply is not a reply).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct FirstContact {
    pub started_at: UnixMillis,
    pub first_reply_at: Option<UnixMillis>,
}

impl FirstContact {
    /// The first-response time, if an agent replied.
    pub fn response_ms(&self) -> Option<i64> {
        self.first_reply_at.map(|r| (r - self.started_at).max(0))
    }
}

/// Why a conversation counts as missed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum MissedKind {
    /// The visitor wrote while the audience was offline or busy.
    NobodyOnline(Status),
    /// The first agent reply came after the threshold.
    SlowReply,
    /// No agent reply yet, and the threshold has passed.
    NoReply,
}

/// A missed conversation: why, and how long the visitor waited for a first
/// reply (until the reply, or until `until`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Missed {
    pub kind: MissedKind,
    pub waited_ms: i64,
}

/// Whether `contact` was missed: its visitor wrote while the audience
/// (history `marks`) was not online, or waited longer than `threshold_ms`
/// for a first reply (a reply still missing at `until` counts once the
/// threshold has passed by then). A status unknown at the start (no history
/// yet) is not "nobody online". The first reason that applies is given.
pub fn missed(
    marks: &[Mark],
    contact: FirstContact,
    threshold_ms: i64,
    until: UnixMillis,
) -> Option<Missed> {
    let waited_ms = match contact.first_reply_at {
        Some(reply) => reply - contact.started_at,
        None => until - contact.started_at,
    }
    .max(0);
    if let Some(m) = status_at(marks, contact.started_at) {
        if m.status != Status::Online {
            return Some(Missed {
                kind: MissedKind::NobodyOnline(m.status),
                waited_ms,
            });
        }
    }
    let kind = match contact.first_reply_at {
        Some(_) if waited_ms > threshold_ms => MissedKind::SlowReply,
        None if waited_ms > threshold_ms => MissedKind::NoReply,
        _ => return None,
    };
    Some(Missed { kind, waited_ms })
}

/// The median and 90th percentile of some durations.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Spread {
    pub count: usize,
    pub median_ms: i64,
    pub p90_ms: i64,
}

/// The nearest-rank percentile `p` (1..=100) of `sorted` (not empty).
fn nearest_rank(sorted: &[i64], p: usize) -> i64 {
    let rank = (p * sorted.len()).div_ceil(100).max(1);
    sorted[rank - 1]
}

/// The spread of `values` (sorted here); `None` for none.
pub fn spread(values: &mut [i64]) -> Option<Spread> {
    if values.is_empty() {
        return None;
    }
    values.sort_unstable();
    Some(Spread {
        count: values.len(),
        median_ms: nearest_rank(values, 50),
        p90_ms: nearest_rank(values, 90),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use Reason::{AgentsOnline, AllBusy, NoAgents, OutsideHours};
    use Status::{Busy, Offline, Online};

    const M: i64 = 60_000;
    const T0: i64 = 1_790_000_000_000;

    fn mark(min: i64, status: Status, reason: Reason) -> Mark {
        Mark {
            at: T0 + min * M,
            status,
            reason,
        }
    }

    fn span(from_min: i64, to_min: i64) -> Span {
        Span {
            from: T0 + from_min * M,
            to: T0 + to_min * M,
        }
    }

    #[test]
    fn the_status_in_force_is_the_last_mark_at_or_before() {
        let marks = [mark(0, Online, AgentsOnline), mark(10, Busy, AllBusy)];
        assert_eq!(status_at(&marks, T0 - 1), None);
        assert_eq!(status_at(&marks, T0).map(|m| m.status), Some(Online));
        assert_eq!(
            status_at(&marks, T0 + 10 * M - 1).map(|m| m.status),
            Some(Online)
        );
        assert_eq!(status_at(&marks, T0 + 10 * M).map(|m| m.status), Some(Busy));
        assert_eq!(status_at(&[], T0), None);
    }

    #[test]
    fn coverage_splits_working_hours_by_status_minute_by_minute() {
        // Working 0–60 and 120–180; online 0–20, busy 20–30, offline 30–130
        // (no agents, then outside hours from 100), online from 130.
        let marks = [
            mark(-5, Online, AgentsOnline),
            mark(20, Busy, AllBusy),
            mark(30, Offline, NoAgents),
            mark(100, Offline, OutsideHours),
            mark(130, Online, AgentsOnline),
        ];
        let c = coverage(&marks, &[span(0, 60), span(120, 180)]);
        assert_eq!(c.working_ms, 120 * M);
        assert_eq!(c.online_ms, (20 + 50) * M);
        assert_eq!(c.busy_ms, 10 * M);
        assert_eq!(c.offline_ms, (30 + 10) * M);
        assert_eq!(c.unknown_ms, 0);
        assert_eq!(
            c.offline,
            vec![
                OfflineSpan {
                    span: span(30, 60),
                    reason: NoAgents
                },
                OfflineSpan {
                    span: span(120, 130),
                    reason: OutsideHours
                },
            ]
        );
        assert_eq!(c.ratio(), Some(70.0 / 120.0));
        // Every minute agrees with the status in force then.
        for minute in 0..180 {
            let t = T0 + minute * M;
            let inside = [span(0, 60), span(120, 180)]
                .iter()
                .any(|s| s.from <= t && t < s.to);
            let c = coverage(&marks, &[Span { from: t, to: t + M }]);
            let expected = status_at(&marks, t).map(|m| m.status);
            assert_eq!(c.working_ms, M);
            match expected {
                Some(Online) => assert_eq!(c.online_ms, M),
                Some(Busy) => assert_eq!(c.busy_ms, M),
                Some(Offline) => assert_eq!(c.offline_ms, M),
                None => assert_eq!(c.unknown_ms, M),
            }
            let _ = inside;
        }
    }

    #[test]
    fn coverage_before_the_first_mark_is_unknown_and_not_in_the_ratio() {
        let marks = [mark(30, Online, AgentsOnline)];
        let c = coverage(&marks, &[span(0, 60)]);
        assert_eq!((c.unknown_ms, c.online_ms), (30 * M, 30 * M));
        assert_eq!(c.ratio(), Some(1.0));
        let none = coverage(&[], &[span(0, 60)]);
        assert_eq!(none.unknown_ms, 60 * M);
        assert_eq!(none.ratio(), None);
        assert_eq!(coverage(&marks, &[]).ratio(), None);
    }

    #[test]
    fn contiguous_offline_stretches_merge_only_with_the_same_reason() {
        // Two offline marks with the same reason (a restart re-recorded it),
        // then another reason.
        let marks = [
            mark(0, Offline, NoAgents),
            mark(10, Offline, NoAgents),
            mark(20, Offline, OutsideHours),
        ];
        let c = coverage(&marks, &[span(0, 15), span(15, 30)]);
        assert_eq!(
            c.offline,
            vec![
                OfflineSpan {
                    span: span(0, 20),
                    reason: NoAgents
                },
                OfflineSpan {
                    span: span(20, 30),
                    reason: OutsideHours
                },
            ]
        );
        assert_eq!(c.offline_ms, 30 * M);
    }

    #[test]
    fn marks_outside_the_hours_change_nothing_inside() {
        let marks = [
            mark(0, Online, AgentsOnline),
            mark(70, Offline, NoAgents),
            mark(80, Online, AgentsOnline),
        ];
        let c = coverage(&marks, &[span(0, 60), span(90, 100)]);
        assert_eq!(c.online_ms, 70 * M);
        assert!(c.offline.is_empty());
    }

    fn contact(start: i64, reply: Option<i64>) -> FirstContact {
        FirstContact {
            started_at: T0 + start * M,
            first_reply_at: reply.map(|r| T0 + r * M),
        }
    }

    #[test]
    fn missed_conversations() {
        let marks = [
            mark(0, Online, AgentsOnline),
            mark(10, Busy, AllBusy),
            mark(20, Offline, NoAgents),
            mark(30, Online, AgentsOnline),
        ];
        let threshold = 5 * M;
        let until = T0 + 100 * M;
        let kind = |c| missed(&marks, c, threshold, until).map(|m| m.kind);
        // Online, answered within the threshold (exactly at it too).
        assert_eq!(kind(contact(1, Some(3))), None);
        assert_eq!(kind(contact(1, Some(6))), None);
        // Online, answered late, or not at all.
        assert_eq!(kind(contact(1, Some(7))), Some(MissedKind::SlowReply));
        assert_eq!(
            missed(&marks, contact(31, None), threshold, until),
            Some(Missed {
                kind: MissedKind::NoReply,
                waited_ms: 69 * M
            })
        );
        // Not yet past the threshold at `until`: not missed (yet).
        assert_eq!(kind(contact(97, None)), None);
        // Written while busy or offline, however fast the reply.
        assert_eq!(
            kind(contact(10, Some(10))),
            Some(MissedKind::NobodyOnline(Busy))
        );
        assert_eq!(
            kind(contact(25, Some(26))),
            Some(MissedKind::NobodyOnline(Offline))
        );
        assert_eq!(
            missed(&marks, contact(25, None), threshold, until).map(|m| m.waited_ms),
            Some(75 * M)
        );
        // Unknown status (before the history): only the reply counts.
        assert_eq!(kind(contact(-10, Some(-9))), None);
        assert_eq!(kind(contact(-10, None)), Some(MissedKind::NoReply));
    }

    #[test]
    fn spreads_use_the_nearest_rank() {
        assert_eq!(spread(&mut []), None);
        assert_eq!(
            spread(&mut [7]),
            Some(Spread {
                count: 1,
                median_ms: 7,
                p90_ms: 7
            })
        );
        assert_eq!(
            spread(&mut [4, 1, 3, 2]),
            Some(Spread {
                count: 4,
                median_ms: 2,
                p90_ms: 4
            })
        );
        let mut hundred: Vec<i64> = (1..=100).rev().collect();
        assert_eq!(
            spread(&mut hundred),
            Some(Spread {
                count: 100,
                median_ms: 50,
                p90_ms: 90
            })
        );
        let mut ten: Vec<i64> = (1..=10).collect();
        assert_eq!(
            spread(&mut ten).map(|s| (s.median_ms, s.p90_ms)),
            Some((5, 9))
        );
        let mut eleven: Vec<i64> = (1..=11).collect();
        assert_eq!(
            spread(&mut eleven).map(|s| (s.median_ms, s.p90_ms)),
            Some((6, 10))
        );
        for n in 1..=200usize {
            let mut v: Vec<i64> = (0..n as i64).collect();
            let s = spread(&mut v).unwrap();
            // At least half (90 %) of the values are at or below.
            assert!(v.iter().filter(|x| **x <= s.median_ms).count() * 2 >= n);
            assert!(v.iter().filter(|x| **x <= s.p90_ms).count() * 10 >= 9 * n);
            assert!(v.iter().filter(|x| **x < s.median_ms).count() * 2 < n);
        }
    }

    #[cfg(feature = "hours")]
    mod hours {
        use super::*;
        use crate::hours::{Schedule, ScheduleSpec};
        use crate::time::parse_rfc3339;
        use alloc::collections::BTreeMap;
        use alloc::string::ToString;
        use alloc::vec;

        fn at(s: &str) -> i64 {
            parse_rfc3339(s).unwrap()
        }

        fn every_day(tz: &str, from: &str, to: &str) -> Schedule {
            let mut weekly = BTreeMap::new();
            for day in crate::hours::WEEKDAYS {
                weekly.insert(day.to_string(), vec![[from.to_string(), to.to_string()]]);
            }
            Schedule::parse(&ScheduleSpec {
                timezone: tz.to_string(),
                weekly,
                exceptions: vec![],
            })
            .unwrap()
        }

        #[test]
        fn no_schedule_is_the_whole_period() {
            assert_eq!(
                open_spans(None, T0, T0 + M),
                vec![Span {
                    from: T0,
                    to: T0 + M
                }]
            );
            assert!(open_spans(None, T0, T0).is_empty());
        }

        #[test]
        fn each_stretch_keeps_the_hours_in_force_then() {
            // 09:00–17:00 UTC until Tuesday 12:00, then 13:00–15:00; no
            // hours at all before Monday.
            let old = every_day("UTC", "09:00", "17:00");
            let new = every_day("UTC", "13:00", "15:00");
            let versions = [
                (at("2026-03-02T00:00:00Z"), Some(&old)),
                (at("2026-03-03T12:00:00Z"), Some(&new)),
            ];
            let span = |a: &str, b: &str| Span {
                from: at(a),
                to: at(b),
            };
            assert_eq!(
                versioned_spans(
                    &versions,
                    at("2026-03-01T22:00:00Z"),
                    at("2026-03-04T16:00:00Z")
                ),
                vec![
                    // Sunday: no hours yet, all the time counts.
                    span("2026-03-01T22:00:00Z", "2026-03-02T00:00:00Z"),
                    span("2026-03-02T09:00:00Z", "2026-03-02T17:00:00Z"),
                    // Tuesday: the old hours until noon, then the new.
                    span("2026-03-03T09:00:00Z", "2026-03-03T12:00:00Z"),
                    span("2026-03-03T13:00:00Z", "2026-03-03T15:00:00Z"),
                    span("2026-03-04T13:00:00Z", "2026-03-04T15:00:00Z"),
                ]
            );
            // Hours removed: from then on all the time counts.
            let removed = [
                (at("2026-03-02T00:00:00Z"), Some(&old)),
                (at("2026-03-02T12:00:00Z"), None),
            ];
            assert_eq!(
                versioned_spans(
                    &removed,
                    at("2026-03-02T00:00:00Z"),
                    at("2026-03-02T20:00:00Z")
                ),
                vec![span("2026-03-02T09:00:00Z", "2026-03-02T20:00:00Z")]
            );
            // One version in force all along: its own spans.
            let one = [(at("2026-01-01T00:00:00Z"), Some(&old))];
            let (a, b) = (at("2026-03-02T00:00:00Z"), at("2026-03-05T00:00:00Z"));
            assert_eq!(versioned_spans(&one, a, b), open_spans(Some(&old), a, b));
        }

        #[test]
        fn office_hours_across_the_spring_dst_change_follow_the_clock() {
            // Europe/Rome, 09:00–17:00 local: CET (UTC+1) on Saturday
            // 2026-03-28, CEST (UTC+2) from Sunday 2026-03-29 02:00.
            let hours = every_day("Europe/Rome", "09:00", "17:00");
            let spans = open_spans(
                Some(&hours),
                at("2026-03-28T00:00:00Z"),
                at("2026-03-30T00:00:00Z"),
            );
            assert_eq!(
                spans,
                vec![
                    Span {
                        from: at("2026-03-28T08:00:00Z"),
                        to: at("2026-03-28T16:00:00Z")
                    },
                    Span {
                        from: at("2026-03-29T07:00:00Z"),
                        to: at("2026-03-29T15:00:00Z")
                    },
                ]
            );
            // Online the whole time by the clock: full coverage both days,
            // 16 working hours.
            let marks = [Mark {
                at: at("2026-03-27T00:00:00Z"),
                status: Online,
                reason: AgentsOnline,
            }];
            let c = coverage(&marks, &spans);
            assert_eq!(c.working_ms, 16 * 3_600_000);
            assert_eq!(c.ratio(), Some(1.0));
            // An agent online 09:00–17:00 *UTC+1 all along* (a clock not
            // following DST) misses the first local hour on Sunday.
            let marks = [
                Mark {
                    at: at("2026-03-28T08:00:00Z"),
                    status: Online,
                    reason: AgentsOnline,
                },
                Mark {
                    at: at("2026-03-28T16:00:00Z"),
                    status: Offline,
                    reason: NoAgents,
                },
                Mark {
                    at: at("2026-03-29T08:00:00Z"),
                    status: Online,
                    reason: AgentsOnline,
                },
                Mark {
                    at: at("2026-03-29T16:00:00Z"),
                    status: Offline,
                    reason: NoAgents,
                },
            ];
            let c = coverage(&marks, &spans);
            assert_eq!(c.online_ms, 15 * 3_600_000);
            assert_eq!(c.offline_ms, 3_600_000);
            assert_eq!(
                c.offline,
                vec![OfflineSpan {
                    span: Span {
                        from: at("2026-03-29T07:00:00Z"),
                        to: at("2026-03-29T08:00:00Z")
                    },
                    reason: NoAgents,
                }]
            );
        }

        #[test]
        fn a_whole_day_is_23_hours_in_spring_and_25_in_autumn() {
            let hours = every_day("Europe/Rome", "00:00", "24:00");
            // Local midnight to local midnight: one merged span.
            let spring = open_spans(
                Some(&hours),
                at("2026-03-28T23:00:00Z"),
                at("2026-03-29T22:00:00Z"),
            );
            assert_eq!(spring.iter().map(Span::len).sum::<i64>(), 23 * 3_600_000);
            let autumn = open_spans(
                Some(&hours),
                at("2026-10-24T22:00:00Z"),
                at("2026-10-25T23:00:00Z"),
            );
            assert_eq!(autumn.iter().map(Span::len).sum::<i64>(), 25 * 3_600_000);
            assert_eq!(autumn.len(), 1, "adjacent days merge: {autumn:?}");
        }

        #[test]
        fn a_night_shift_in_the_autumn_fold_is_an_hour_longer() {
            // 22:00–06:00 local across the night Europe/Rome falls back.
            let hours = every_day("Europe/Rome", "22:00", "06:00");
            let spans = open_spans(
                Some(&hours),
                at("2026-10-24T18:00:00Z"),
                at("2026-10-25T12:00:00Z"),
            );
            assert_eq!(
                spans,
                vec![Span {
                    from: at("2026-10-24T20:00:00Z"),
                    to: at("2026-10-25T05:00:00Z")
                }]
            );
            // Offline from 01:30Z: the stretch runs to the shifted closing.
            let marks = [
                Mark {
                    at: at("2026-10-24T19:00:00Z"),
                    status: Online,
                    reason: AgentsOnline,
                },
                Mark {
                    at: at("2026-10-25T01:30:00Z"),
                    status: Offline,
                    reason: NoAgents,
                },
            ];
            let c = coverage(&marks, &spans);
            assert_eq!(c.working_ms, 9 * 3_600_000);
            assert_eq!(c.online_ms, 5 * 3_600_000 + 1_800_000);
            assert_eq!(c.offline[0].span.to, at("2026-10-25T05:00:00Z"));
        }

        /// A scripted day across the spring DST change (Europe/Rome,
        /// Sunday 2026-03-29: 02:00 CET becomes 03:00 CEST), evaluated by
        /// the rules minute by minute as the edge would: the history is
        /// each change of the site's (status, reason); its coverage of the
        /// working hours must be what the rules say for every minute.
        #[test]
        fn a_scripted_day_across_dst_is_covered_as_the_rules_say_each_minute() {
            use crate::evaluate::evaluate;
            use crate::presence::{Agent, GracePeriod, Session};
            use crate::site::Site;
            use crate::status::ManualStatus;
            use alloc::string::String;

            // Working hours 01:00–09:00 and 13:00–18:00 local, a gate:
            // 01:00 CET = 00:00Z, 09:00 CEST = 07:00Z (7 h that day, not 8),
            // 13:00–18:00 CEST = 11:00Z–16:00Z.
            let mut spec = every_day("Europe/Rome", "01:00", "09:00").spec().clone();
            for day in spec.weekly.values_mut() {
                day.push(["13:00".to_string(), "18:00".to_string()]);
            }
            let schedule = Schedule::parse(&spec).unwrap();
            let site = Site {
                grace: GracePeriod::new(600).unwrap(),
                hours: Some(schedule.clone()),
                ..Site::default()
            };
            let h = |hm: &str| at(&alloc::format!("2026-03-29T{hm}:00Z"));
            // Ann: online from 23:30Z the night before, heartbeats every 5
            // minutes until 05:00Z, then silent (gone at 05:10Z); back
            // 06:00Z–08:00Z (signed out). Bob: busy 10:30Z–14:00Z, then
            // online until 15:20Z (silent from 15:10Z).
            let agents_at = |t: i64| -> Vec<Agent> {
                let session = |from: i64, last_beat: i64, signed_out: Option<i64>| {
                    if t < from || signed_out.is_some_and(|o| t >= o) {
                        return None;
                    }
                    let beat = from + (t.min(last_beat) - from) / (5 * M) * (5 * M);
                    Some(Session {
                        id: String::from("s"),
                        last_seen: beat,
                    })
                };
                let ann_sessions: Vec<Session> = [
                    session(at("2026-03-28T23:30:00Z"), h("05:00"), None),
                    session(h("06:00"), h("08:00"), Some(h("08:00"))),
                ]
                .into_iter()
                .flatten()
                .collect();
                let bob_status = if t < h("14:00") { Busy } else { Online };
                let bob_since = if t < h("14:00") {
                    h("10:30")
                } else {
                    h("14:00")
                };
                let bob_sessions: Vec<Session> =
                    session(h("10:30"), h("15:10"), None).into_iter().collect();
                vec![
                    Agent {
                        id: String::from("ann"),
                        groups: vec![],
                        manual: ManualStatus::new(Online, at("2026-03-28T23:30:00Z")),
                        sessions: ann_sessions,
                    },
                    Agent {
                        id: String::from("bob"),
                        groups: vec![],
                        manual: ManualStatus::new(bob_status, bob_since),
                        sessions: bob_sessions,
                    },
                ]
            };
            // The local day: 2026-03-28T23:00Z to 2026-03-29T22:00Z (23 h).
            let (from, to) = (at("2026-03-28T23:00:00Z"), h("22:00"));
            let mut marks: Vec<Mark> = Vec::new();
            let mut per_minute = Vec::new();
            let mut t = from;
            while t < to {
                let e = evaluate(&site, &agents_at(t), t);
                let (status, reason) = (e.site.status, e.site.reason);
                if marks
                    .last()
                    .is_none_or(|m| (m.status, m.reason) != (status, reason))
                {
                    marks.push(Mark {
                        at: t,
                        status,
                        reason,
                    });
                }
                per_minute.push((t, schedule.state(t).0, status));
                t += M;
            }
            // The history has the day's real events at their instants.
            let expect = [
                (from, Offline, OutsideHours),
                (h("00:00"), Online, AgentsOnline),
                (h("05:10"), Offline, NoAgents),
                (h("06:00"), Online, AgentsOnline),
                (h("07:00"), Offline, OutsideHours),
                (h("11:00"), Busy, AllBusy),
                (h("14:00"), Online, AgentsOnline),
                (h("15:20"), Offline, NoAgents),
                (h("16:00"), Offline, OutsideHours),
            ];
            let got: Vec<(i64, Status, Reason)> =
                marks.iter().map(|m| (m.at, m.status, m.reason)).collect();
            assert_eq!(got, expect);
            // Coverage = the rules' verdict, minute by minute.
            let spans = open_spans(Some(&schedule), from, to);
            let c = coverage(&marks, &spans);
            let minutes = |want: Status| {
                per_minute
                    .iter()
                    .filter(|(_, open, s)| *open && *s == want)
                    .count() as i64
                    * M
            };
            let working = per_minute.iter().filter(|(_, open, _)| *open).count() as i64 * M;
            assert_eq!(c.working_ms, working);
            assert_eq!(
                c.working_ms,
                12 * 3_600_000,
                "7 h in the morning of the short day, 5 after"
            );
            assert_eq!(c.online_ms, minutes(Online));
            assert_eq!(c.busy_ms, minutes(Busy));
            assert_eq!(c.offline_ms, minutes(Offline));
            assert_eq!(c.unknown_ms, 0);
            assert_eq!(
                (c.online_ms, c.busy_ms, c.offline_ms),
                ((5 * 60 + 10 + 60 + 80) * M, 3 * 3_600_000, (50 + 40) * M,)
            );
            // The offline stretches inside working hours, with their reasons.
            assert_eq!(
                c.offline,
                vec![
                    OfflineSpan {
                        span: Span {
                            from: h("05:10"),
                            to: h("06:00")
                        },
                        reason: NoAgents
                    },
                    OfflineSpan {
                        span: Span {
                            from: h("15:20"),
                            to: h("16:00")
                        },
                        reason: NoAgents
                    },
                ]
            );
        }

        #[test]
        fn the_period_clips_the_hours_and_exceptions_close_days() {
            let mut hours_spec = every_day("UTC", "09:00", "17:00").spec().clone();
            hours_spec.exceptions.push(crate::hours::ExceptionSpec {
                date: "2026-06-02".to_string(),
                hours: vec![],
            });
            let hours = Schedule::parse(&hours_spec).unwrap();
            let spans = open_spans(
                Some(&hours),
                at("2026-06-01T12:00:00Z"),
                at("2026-06-03T10:00:00Z"),
            );
            assert_eq!(
                spans,
                vec![
                    Span {
                        from: at("2026-06-01T12:00:00Z"),
                        to: at("2026-06-01T17:00:00Z")
                    },
                    Span {
                        from: at("2026-06-03T09:00:00Z"),
                        to: at("2026-06-03T10:00:00Z")
                    },
                ]
            );
            // A schedule that never opens has no working hours at all.
            let closed = every_day("UTC", "09:00", "17:00");
            let mut spec = closed.spec().clone();
            spec.weekly.clear();
            let never = Schedule::parse(&spec).unwrap();
            assert!(open_spans(
                Some(&never),
                at("2026-06-01T00:00:00Z"),
                at("2026-07-01T00:00:00Z")
            )
            .is_empty());
        }
    }
}
