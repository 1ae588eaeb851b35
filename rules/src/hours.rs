//! Weekly working hours in an IANA time zone, with date exceptions
//! (feature `hours`, jiff with its bundled tz database).
//!
//! Semantics:
//! - Each weekday has any number of non-overlapping intervals `"HH:MM"`
//!   (`00:00..=23:59`; an end may be `"24:00"`). An end earlier than its
//!   start runs across midnight into the next day; that spill-over must not
//!   overlap the next day's own intervals. Equal start and end is empty and
//!   rejected.
//! - An exception replaces the intervals of its date (`[]` = closed all
//!   day). A spill-over from the previous day still applies on that date:
//!   "Fri 22:00–02:00" keeps a closed Saturday open until 02:00.
//! - Local times are resolved to instants with jiff's *compatible*
//!   disambiguation: a time in a DST gap moves later by the gap (02:30 on a
//!   spring-forward night is 03:30), a time in a fold takes the earlier of
//!   its two instants. An interval whose resolved end is not after its
//!   resolved start (e.g. 02:00–03:00 on the night Europe/Rome skips that
//!   hour) is closed. The schedule is open on the union of all resolved
//!   intervals, so adjacent intervals (also across midnight) never produce
//!   a spurious boundary.
//!
//! A schedule acts in one of two [`HoursMode`]s: a *gate* (what
//! [`Schedule::parse`] gives: outside hours the audience is offline) or a
//! *switch* ([`Schedule::in_mode`]: each boundary after `since` is an
//! automatic status change, see [`crate::switch`]).
//!
//! Evaluation works on a window of days around `now`. Any local time
//! resolves to an instant within 27 hours of the same wall-clock
//! reading taken as UTC (UTC offsets never exceed 26 h), so a window of days
//! describes the open set exactly on a known range of instants. Inside a
//! range without time zone transitions the conversion is a subtraction;
//! jiff is consulted only near transitions.

use std::collections::BTreeMap;

use jiff::civil::DateTime;
use jiff::tz::TimeZone;
use jiff::Timestamp;

use crate::error::RuleError;
use crate::time::{
    civil_from_days, days_from_civil, days_in_month, weekday_from_days, UnixMillis, DAY_MS,
    MINUTE_MS,
};

pub use crate::error::{MAX_EXCEPTIONS, MAX_INTERVALS_PER_DAY};
pub use crate::schedule_spec::{ExceptionSpec, HoursMode, ScheduleSpec, WEEKDAYS};

/// Any local wall-clock reading resolves to an instant within this distance
/// of the same reading taken as UTC (offsets stay within ±26 h).
const OFFSET_SLACK_MS: i64 = 27 * 3_600_000;

const MINUTES_PER_DAY: u16 = 1440;

/// Evaluation bails out (closed, no boundary) this far from the epoch,
/// comfortably inside jiff's supported range of years −9999..=9999.
const SUPPORTED_RANGE_MS: i64 = 7_000 * 366 * DAY_MS;

/// Days per evaluation window.
const WINDOW_DAYS: i64 = 14;

/// Windows scanned for a boundary before giving up on a weekly pattern that
/// never changes state (only possible with exotic DST rules).
const MAX_WINDOWS: usize = 60;

/// One interval of a day in local minutes since that day's midnight;
/// `end > start`, `end > 1440` spills into the next day.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Span {
    start: u16,
    end: u16,
}

/// Whether the weekly pattern alone ever changes state. Lets the search for
/// the next boundary jump straight to the next exception.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum WeeklyShape {
    AlwaysClosed,
    AlwaysOpen,
    Varies,
}

/// A validated schedule with its time zone resolved.
#[derive(Clone, Debug)]
pub struct Schedule {
    spec: ScheduleSpec,
    tz: TimeZone,
    /// Monday first, each sorted by start.
    weekly: [Vec<Span>; 7],
    /// Sorted by day number (days since 1970-01-01).
    exceptions: Vec<(i64, Vec<Span>)>,
    shape: WeeklyShape,
    mode: HoursMode,
    /// Switch mode: only boundaries after this instant change statuses.
    since: UnixMillis,
}

impl Schedule {
    /// Validates `spec` and resolves its time zone. Rejects unknown time
    /// zones and weekdays, malformed times and dates, empty and overlapping
    /// intervals (spill-overs included), duplicate exception dates and more
    /// than [`MAX_INTERVALS_PER_DAY`] / [`MAX_EXCEPTIONS`]. The schedule is
    /// a [`HoursMode::Gate`] until [`Schedule::in_mode`] says otherwise.
    pub fn parse(spec: &ScheduleSpec) -> Result<Schedule, RuleError> {
        let tz = TimeZone::get(&spec.timezone)
            .map_err(|_| RuleError::UnknownTimeZone(spec.timezone.clone()))?;

        let mut weekly: [Vec<Span>; 7] = Default::default();
        let mut weekly_labels: [Vec<String>; 7] = Default::default();
        for (key, intervals) in &spec.weekly {
            let index = WEEKDAYS
                .iter()
                .position(|w| w == key)
                .ok_or_else(|| RuleError::UnknownWeekday(key.clone()))?;
            let (spans, labels) = parse_day(key, intervals)?;
            weekly[index] = spans;
            weekly_labels[index] = labels;
        }
        for today in 0..7 {
            let tomorrow = (today + 1) % 7;
            check_spill(
                (&weekly[today], &weekly_labels[today]),
                (&weekly[tomorrow], &weekly_labels[tomorrow]),
                WEEKDAYS[tomorrow],
            )?;
        }

        if spec.exceptions.len() > MAX_EXCEPTIONS {
            return Err(RuleError::TooManyIntervals);
        }
        let mut exceptions = Vec::with_capacity(spec.exceptions.len());
        let mut exception_labels = BTreeMap::new();
        for exception in &spec.exceptions {
            let day = parse_date(&exception.date)?;
            let (spans, labels) = parse_day(&exception.date, &exception.hours)?;
            if exception_labels.insert(day, labels).is_some() {
                return Err(RuleError::DuplicateException(exception.date.clone()));
            }
            exceptions.push((day, spans));
        }
        exceptions.sort_unstable_by_key(|(day, _)| *day);

        let schedule = Schedule {
            spec: spec.clone(),
            tz,
            shape: weekly_shape(&weekly),
            weekly,
            exceptions,
            mode: HoursMode::Gate,
            since: UnixMillis::MIN,
        };
        // Spill-overs into and out of every exception date.
        let labels_of = |day: i64| -> &Vec<String> {
            exception_labels
                .get(&day)
                .unwrap_or(&weekly_labels[usize::from(weekday_from_days(day))])
        };
        for &(day, _) in &schedule.exceptions {
            for today in [day - 1, day] {
                let tomorrow = today + 1;
                check_spill(
                    (schedule.own_spans(today), labels_of(today)),
                    (schedule.own_spans(tomorrow), labels_of(tomorrow)),
                    &format_date(tomorrow),
                )?;
            }
        }
        Ok(schedule)
    }

    /// The spec this schedule was parsed from.
    pub fn spec(&self) -> &ScheduleSpec {
        &self.spec
    }

    /// The same schedule acting in `mode`. In switch mode only its
    /// boundaries after `since` change statuses: `since` is when the
    /// schedule (or anything else deciding whom it covers) was last saved,
    /// so saving is not itself a status change. Ignored in gate mode.
    pub fn in_mode(mut self, mode: HoursMode, since: UnixMillis) -> Schedule {
        self.mode = mode;
        self.since = since;
        self
    }

    /// How this schedule acts.
    pub fn mode(&self) -> HoursMode {
        self.mode
    }

    /// Switch mode: boundaries after this instant change statuses
    /// (`UnixMillis::MIN` for a schedule straight from [`Schedule::parse`]).
    pub fn since(&self) -> UnixMillis {
        self.since
    }

    /// The last instant `b` with `after < b <= now` at which `is_open`
    /// flips (`is_open(b) != is_open(b - 1)`); `None` if there is none.
    /// Scans back from `now`, so a recent boundary is found fast however
    /// far back `after` lies; gives up (`None`) past about 20 months
    /// without a boundary.
    pub fn last_boundary(&self, after: UnixMillis, now: UnixMillis) -> Option<UnixMillis> {
        self.last_flip(after, now).map(|(boundary, _)| boundary)
    }

    /// [`Schedule::last_boundary`] and whether the schedule opens there
    /// (`true`) or closes (`false`), in one pass.
    pub fn last_flip(&self, after: UnixMillis, now: UnixMillis) -> Option<(UnixMillis, bool)> {
        if now <= after || !(-SUPPORTED_RANGE_MS..=SUPPORTED_RANGE_MS).contains(&now) {
            return None;
        }
        // Days after `last` cannot reach `now` (see `exact_range`).
        let mut last = now.div_euclid(DAY_MS) + 3;
        let mut spans = Vec::new();
        for _ in 0..MAX_WINDOWS {
            let first = last - WINDOW_DAYS + 1;
            if !self.open_spans(first, last, &mut spans) {
                return None;
            }
            let (exact_from, exact_until) = exact_range(first, last);
            // A merged span opens at its start and closes at its end.
            let boundary = spans
                .iter()
                .flat_map(|&(start, end)| [(start, true), (end, false)])
                .filter(|&(b, _)| exact_from < b && b < exact_until && b <= now)
                .max();
            if let Some(flip) = boundary {
                return (flip.0 > after).then_some(flip);
            }
            if exact_from <= after {
                return None;
            }
            // Slide back, overlapping enough for the exact ranges to touch.
            let mut next_last = first + 3;
            if self.shape != WeeklyShape::Varies {
                // Between exceptions nothing changes: jump to the previous one.
                let pos = self.exceptions.partition_point(|(d, _)| *d <= next_last);
                match pos.checked_sub(1).map(|i| self.exceptions[i].0) {
                    Some(exception_day) => next_last = next_last.min(exception_day + 4),
                    None => return None,
                }
            }
            last = next_last;
        }
        None
    }

    /// The wall-clock time of `at` in the schedule's time zone, `"HH:MM"`
    /// (what an owner reads in an alert); UTC outside jiff's range.
    pub fn local_clock(&self, at: UnixMillis) -> String {
        match Timestamp::from_millisecond(at) {
            Ok(t) => {
                let time = self.tz.to_datetime(t);
                format!("{:02}:{:02}", time.hour(), time.minute())
            }
            Err(_) => {
                let minutes = at.rem_euclid(DAY_MS) / MINUTE_MS;
                format!("{:02}:{:02}", minutes / 60, minutes % 60)
            }
        }
    }

    /// Whether `now` is inside working hours.
    pub fn is_open(&self, now: UnixMillis) -> bool {
        self.state_at(now, false).0
    }

    /// The first instant after `now` at which `is_open` flips; `None` if it
    /// never does.
    pub fn next_boundary(&self, now: UnixMillis) -> Option<UnixMillis> {
        self.state_at(now, true).1
    }

    /// `is_open(now)` and `next_boundary(now)` in one pass (what the
    /// evaluation needs).
    pub fn state(&self, now: UnixMillis) -> (bool, Option<UnixMillis>) {
        self.state_at(now, true)
    }

    /// The intervals a date has of its own: its exception, else its weekday.
    fn own_spans(&self, day: i64) -> &[Span] {
        if let Ok(i) = self.exceptions.binary_search_by_key(&day, |(d, _)| *d) {
            return &self.exceptions[i].1;
        }
        &self.weekly[usize::from(weekday_from_days(day))]
    }

    fn state_at(&self, now: UnixMillis, want_boundary: bool) -> (bool, Option<UnixMillis>) {
        if !(-SUPPORTED_RANGE_MS..=SUPPORTED_RANGE_MS).contains(&now) {
            return (false, None);
        }
        let today = now.div_euclid(DAY_MS);
        // Days before `first` cannot reach `now` (see `exact_range`).
        let mut first = today - 3;
        let mut last = if want_boundary {
            first + WINDOW_DAYS - 1
        } else {
            today + 2
        };
        let mut open_now = None;
        let mut spans = Vec::new();
        for _ in 0..MAX_WINDOWS {
            if !self.open_spans(first, last, &mut spans) {
                return (open_now.unwrap_or(false), None);
            }
            let is_open = *open_now
                .get_or_insert_with(|| spans.iter().any(|&(start, end)| start <= now && now < end));
            if !want_boundary {
                return (is_open, None);
            }
            // Earlier instants were covered by the previous window (or lie
            // between exceptions, where nothing changes).
            let (exact_from, exact_until) = exact_range(first, last);
            let after = now.max(exact_from);
            let boundary = spans
                .iter()
                .flat_map(|&(start, end)| [start, end])
                .find(|&instant| instant > after);
            if let Some(boundary) = boundary.filter(|&b| b < exact_until) {
                return (is_open, Some(boundary));
            }

            // Slide on, overlapping enough for the exact ranges to touch.
            let mut next_first = last - 3;
            if self.shape != WeeklyShape::Varies {
                // Between exceptions nothing changes: jump to the next one.
                let pos = self.exceptions.partition_point(|(d, _)| *d < next_first);
                match self.exceptions.get(pos) {
                    Some(&(exception_day, _)) => next_first = next_first.max(exception_day - 4),
                    None => return (is_open, None),
                }
            }
            first = next_first;
            last = first + WINDOW_DAYS - 1;
        }
        (open_now.unwrap_or(false), None)
    }

    /// Fills `out` with the merged, sorted open instants `[start, end)`
    /// contributed by the days `first..=last`. `false` if a time falls out of
    /// jiff's range.
    fn open_spans(&self, first: i64, last: i64, out: &mut Vec<(i64, i64)>) -> bool {
        out.clear();
        let Some(resolver) = Resolver::new(&self.tz, first * DAY_MS - 4 * DAY_MS) else {
            return false;
        };
        for day in first..=last {
            let midnight = day * i64::from(MINUTES_PER_DAY);
            for span in self.own_spans(day) {
                let start = resolver.resolve(midnight + i64::from(span.start));
                let end = resolver.resolve(midnight + i64::from(span.end));
                let (Some(start), Some(end)) = (start, end) else {
                    return false;
                };
                if start < end {
                    out.push((start, end));
                }
            }
        }
        out.sort_unstable();
        let mut merged = 0;
        for i in 0..out.len() {
            let (start, end) = out[i];
            if merged > 0 && start <= out[merged - 1].1 {
                out[merged - 1].1 = out[merged - 1].1.max(end);
            } else {
                out[merged] = (start, end);
                merged += 1;
            }
        }
        out.truncate(merged);
        true
    }
}

/// The instants on which the days `first..=last` alone decide the open set:
/// earlier days' intervals (which end by the day after next) have all ended
/// and later days' intervals have not started yet.
fn exact_range(first: i64, last: i64) -> (UnixMillis, UnixMillis) {
    (
        (first + 1) * DAY_MS + OFFSET_SLACK_MS,
        (last + 1) * DAY_MS - OFFSET_SLACK_MS,
    )
}

/// Local minutes to instants: a subtraction inside a stretch without
/// transitions, jiff's compatible disambiguation near one.
struct Resolver<'a> {
    tz: &'a TimeZone,
    offset_ms: i64,
    fast_from: i64,
    fast_until: i64,
}

impl<'a> Resolver<'a> {
    fn new(tz: &'a TimeZone, from: UnixMillis) -> Option<Resolver<'a>> {
        let timestamp = Timestamp::from_millisecond(from).ok()?;
        let offset_ms = i64::from(tz.to_offset(timestamp).seconds()) * 1000;
        let next_transition = tz
            .following(timestamp)
            .next()
            .map_or(i64::MAX, |t| t.timestamp().as_millisecond());
        // Two days' margin: a wall-clock reading near a transition may have a
        // second instant (fold) or none (gap) on the other side of it.
        Some(Resolver {
            tz,
            offset_ms,
            fast_from: from.saturating_add(2 * DAY_MS),
            fast_until: next_transition.saturating_sub(2 * DAY_MS),
        })
    }

    fn resolve(&self, local_minute: i64) -> Option<UnixMillis> {
        let instant = local_minute.checked_mul(MINUTE_MS)? - self.offset_ms;
        if self.fast_from <= instant && instant < self.fast_until {
            return Some(instant);
        }
        let days = local_minute.div_euclid(i64::from(MINUTES_PER_DAY));
        let minute_of_day = local_minute.rem_euclid(i64::from(MINUTES_PER_DAY));
        let (year, month, day) = civil_from_days(days);
        let datetime = DateTime::new(
            i16::try_from(year).ok()?,
            month as i8,
            day as i8,
            (minute_of_day / 60) as i8,
            (minute_of_day % 60) as i8,
            0,
            0,
        )
        .ok()?;
        let timestamp = self.tz.to_ambiguous_timestamp(datetime).compatible().ok()?;
        Some(timestamp.as_millisecond())
    }
}

/// Parses one day's intervals (sorted by start) with their labels
/// `"09:00-12:00"`, rejecting empty and overlapping ones.
fn parse_day(day: &str, intervals: &[[String; 2]]) -> Result<(Vec<Span>, Vec<String>), RuleError> {
    if intervals.len() > MAX_INTERVALS_PER_DAY {
        return Err(RuleError::TooManyIntervals);
    }
    let mut parsed = Vec::with_capacity(intervals.len());
    for [start_text, end_text] in intervals {
        let start = parse_time(start_text, false)?;
        let mut end = parse_time(end_text, true)?;
        let label = format!("{start_text}-{end_text}");
        if start == end {
            return Err(RuleError::EmptyInterval {
                day: day.to_owned(),
                interval: label,
            });
        }
        if end < start {
            end += MINUTES_PER_DAY; // across midnight
        }
        parsed.push((Span { start, end }, label));
    }
    parsed.sort_by_key(|(span, _)| span.start);
    for pair in parsed.windows(2) {
        if pair[1].0.start < pair[0].0.end {
            return Err(RuleError::OverlappingIntervals {
                day: day.to_owned(),
                first: pair[0].1.clone(),
                second: pair[1].1.clone(),
            });
        }
    }
    Ok(parsed.into_iter().unzip())
}

/// Rejects a spill-over past midnight that overlaps the next day's
/// intervals (`day` names the next day).
fn check_spill(
    (today, today_labels): (&[Span], &[String]),
    (tomorrow, tomorrow_labels): (&[Span], &[String]),
    day: &str,
) -> Result<(), RuleError> {
    // Intervals are sorted and disjoint, so only the last one can spill.
    let (Some(spilling), Some(first_tomorrow)) = (today.last(), tomorrow.first()) else {
        return Ok(());
    };
    if spilling.end > MINUTES_PER_DAY + first_tomorrow.start {
        return Err(RuleError::OverlappingIntervals {
            day: day.to_owned(),
            first: today_labels.last().cloned().unwrap_or_default(),
            second: tomorrow_labels.first().cloned().unwrap_or_default(),
        });
    }
    Ok(())
}

/// Minutes since midnight of `"HH:MM"`; `"24:00"` only as an end.
fn parse_time(text: &str, is_end: bool) -> Result<u16, RuleError> {
    let invalid = || RuleError::InvalidTime(text.to_owned());
    let b = text.as_bytes();
    if b.len() != 5 || b[2] != b':' {
        return Err(invalid());
    }
    let two_digits = |i: usize| -> Option<u16> {
        let (tens, ones) = (b[i], b[i + 1]);
        (tens.is_ascii_digit() && ones.is_ascii_digit())
            .then(|| u16::from(tens - b'0') * 10 + u16::from(ones - b'0'))
    };
    let (Some(hour), Some(minute)) = (two_digits(0), two_digits(3)) else {
        return Err(invalid());
    };
    match (hour, minute) {
        (0..=23, 0..=59) => Ok(hour * 60 + minute),
        (24, 0) if is_end => Ok(MINUTES_PER_DAY),
        _ => Err(invalid()),
    }
}

/// Day number (since 1970-01-01) of a strict `"YYYY-MM-DD"` date.
fn parse_date(text: &str) -> Result<i64, RuleError> {
    let invalid = || RuleError::InvalidDate(text.to_owned());
    let b = text.as_bytes();
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return Err(invalid());
    }
    let number = |range: core::ops::Range<usize>| -> Option<u32> {
        b[range].iter().try_fold(0u32, |acc, &c| {
            c.is_ascii_digit().then(|| acc * 10 + u32::from(c - b'0'))
        })
    };
    let (Some(year), Some(month), Some(day)) = (number(0..4), number(5..7), number(8..10)) else {
        return Err(invalid());
    };
    let year = i64::from(year);
    if !(1..=12).contains(&month) || day == 0 || day > days_in_month(year, month) {
        return Err(invalid());
    }
    Ok(days_from_civil(year, month, day))
}

/// `"YYYY-MM-DD"` of a day number, for error messages.
fn format_date(days: i64) -> String {
    let (year, month, day) = civil_from_days(days);
    format!("{year:04}-{month:02}-{day:02}")
}

/// Classifies the weekly pattern by marking every minute of the week it
/// covers.
fn weekly_shape(weekly: &[Vec<Span>; 7]) -> WeeklyShape {
    const WEEK: usize = 7 * MINUTES_PER_DAY as usize;
    let mut covered = vec![false; WEEK];
    for (index, spans) in weekly.iter().enumerate() {
        let midnight = index * usize::from(MINUTES_PER_DAY);
        for span in spans {
            for minute in usize::from(span.start)..usize::from(span.end) {
                covered[(midnight + minute) % WEEK] = true;
            }
        }
    }
    if covered.iter().all(|&c| c) {
        WeeklyShape::AlwaysOpen
    } else if covered.iter().any(|&c| c) {
        WeeklyShape::Varies
    } else {
        WeeklyShape::AlwaysClosed
    }
}
