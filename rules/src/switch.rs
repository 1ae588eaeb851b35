//! Working hours in switch mode (feature `hours`): each opening and closing
//! of the schedules that cover an agent is an automatic status change for
//! it (online at an opening, offline at a closing), and a manual change
//! after a boundary wins until the next one.
//!
//! An agent's chosen status at `now` is a pure function of its manual
//! status and when it was set, the boundaries of the schedules that cover
//! it, when those were saved (each switch schedule's `since`) and `now`:
//! the later of its manual change and the last boundary after `since`
//! wins (a manual change at the very instant of a boundary wins). Nothing
//! is "applied": an alarm that runs twice, or late, or a boundary crossed
//! while the caller slept, evaluates to the same answer.
//!
//! Who is covered by what:
//! - An agent in no (known) group follows the site's schedule; an agent
//!   in groups follows each of its groups' schedules (a group's own, else
//!   the site's). Only schedules in switch mode switch anyone: gates, and
//!   audiences without a schedule, switch no one.
//! - Several switch schedules combine as their union: the agent works
//!   while any of them is open, so only the union's openings and closings
//!   switch it. An agent in sales (9–17) and support (13–20) goes online
//!   at 9 and offline at 20; nothing happens at 13 or 17. The union's
//!   boundaries count after the latest `since` among them.
//!
//! Audiences count their agents by chosen status. A switch schedule does
//! not gate: an agent online by hand after closing is reachable. An
//! audience that nobody online or busy counts for, whose own schedule is
//! a closed switch, is offline with [`Reason::OutsideHours`] and the next
//! opening as `back_at`; a gate schedule still gates its audience.

use alloc::collections::BTreeMap;
use alloc::string::String;
use alloc::vec::Vec;

use crate::evaluate::{audience_status, earliest, AudienceStatus, Counted, Evaluation, Reason};
use crate::hours::{HoursMode, Schedule};
use crate::presence::Agent;
use crate::site::Site;
use crate::status::{Choice, ChosenBy, ManualStatus, Status, Switch};
use crate::time::UnixMillis;

/// Boundaries of single schedules skipped while looking for a boundary of
/// their union (one of them open throughout) before giving up.
const MAX_HIDDEN_BOUNDARIES: usize = 200;

/// Instants at which an audience's inputs change (a boundary, a session
/// expiry) examined for a change of its answer before settling for the
/// last one (an evaluation then finds the rest).
const MAX_STEPS: usize = 64;

/// Whether some schedule of `site` is in switch mode (then
/// [`evaluate`] decides instead of the gate-only evaluation).
pub fn acts(site: &Site) -> bool {
    site.hours
        .iter()
        .chain(site.group_hours.values())
        .any(|s| s.mode() == HoursMode::Switch)
}

/// The switch schedules that cover one agent, as one schedule: open while
/// any of them is.
#[derive(Clone, Debug)]
pub struct Cover<'a> {
    schedules: Vec<&'a Schedule>,
    since: UnixMillis,
}

impl<'a> Cover<'a> {
    /// The union of `schedules` (their switch-mode ones); `None` if none is
    /// in switch mode.
    pub fn of(schedules: impl IntoIterator<Item = &'a Schedule>) -> Option<Cover<'a>> {
        let mut kept: Vec<&'a Schedule> = Vec::new();
        for schedule in schedules {
            if schedule.mode() == HoursMode::Switch
                && !kept.iter().any(|k| core::ptr::eq(*k, schedule))
            {
                kept.push(schedule);
            }
        }
        let since = kept.iter().map(|s| s.since()).max()?;
        Some(Cover {
            schedules: kept,
            since,
        })
    }

    /// Boundaries after this instant switch (the latest `since`).
    pub fn since(&self) -> UnixMillis {
        self.since
    }

    /// Whether any of the schedules is open at `t`.
    pub fn is_open(&self, t: UnixMillis) -> bool {
        self.schedules.iter().any(|s| s.is_open(t))
    }

    fn flips_at(&self, t: UnixMillis) -> bool {
        self.is_open(t) != self.is_open(t.saturating_sub(1))
    }

    /// The first instant after `after` at which the union opens or closes.
    pub fn next_boundary(&self, after: UnixMillis) -> Option<UnixMillis> {
        self.next_flip(after).map(|(b, _)| b)
    }

    /// [`Cover::next_boundary`] and whether the union opens there.
    pub fn next_flip(&self, after: UnixMillis) -> Option<(UnixMillis, bool)> {
        if let [only] = self.schedules.as_slice() {
            let (open, next) = only.state(after);
            return next.map(|b| (b, !open));
        }
        let mut t = after;
        for _ in 0..MAX_HIDDEN_BOUNDARIES {
            let candidate = self
                .schedules
                .iter()
                .filter_map(|s| s.next_boundary(t))
                .min()?;
            if self.flips_at(candidate) {
                return Some((candidate, self.is_open(candidate)));
            }
            t = candidate;
        }
        None
    }

    /// The last instant `b` with `after < b <= now` at which the union
    /// opens or closes.
    pub fn last_boundary(&self, after: UnixMillis, now: UnixMillis) -> Option<UnixMillis> {
        self.last_flip(after, now).map(|(b, _)| b)
    }

    /// [`Cover::last_boundary`] and whether the union opens there.
    pub fn last_flip(&self, after: UnixMillis, now: UnixMillis) -> Option<(UnixMillis, bool)> {
        if let [only] = self.schedules.as_slice() {
            return only.last_flip(after, now);
        }
        let mut t = now;
        for _ in 0..MAX_HIDDEN_BOUNDARIES {
            let candidate = self
                .schedules
                .iter()
                .filter_map(|s| s.last_boundary(after, t))
                .max()?;
            if self.flips_at(candidate) {
                return Some((candidate, self.is_open(candidate)));
            }
            t = candidate - 1;
        }
        None
    }

    /// The agent's chosen status at `now` given its manual status (see the
    /// module docs), and its next automatic change.
    pub fn choice(&self, manual: &ManualStatus, now: UnixMillis) -> Choice {
        let mut choice = match self.last_flip(self.since.max(manual.set_at), now) {
            Some((b, opens)) => Choice {
                status: switched(opens),
                by: ChosenBy::WorkingHours,
                at: b,
                next: None,
            },
            None => Choice::manual(manual),
        };
        choice.next = self
            .next_flip(now.max(self.since).max(manual.set_at))
            .map(|(at, opens)| Switch {
                at,
                status: switched(opens),
            });
        choice
    }
}

/// The status a boundary sets: online at an opening, offline at a closing.
fn switched(opens: bool) -> Status {
    if opens {
        Status::Online
    } else {
        Status::Offline
    }
}

/// The union of the switch schedules covering an agent in `groups` on
/// `site` (see the module docs); `None` if no switch schedule covers it.
pub fn cover<'a>(site: &'a Site, groups: &[String]) -> Option<Cover<'a>> {
    let known: Vec<&str> = groups
        .iter()
        .map(String::as_str)
        .filter(|g| site.groups.contains(*g))
        .collect();
    if known.is_empty() {
        Cover::of(site.schedule_for(None))
    } else {
        Cover::of(known.iter().filter_map(|g| site.schedule_for(Some(g))))
    }
}

/// The chosen status of an agent with this manual status and cover at
/// `now` (its manual status when no switch schedule covers it).
pub fn choose(cover: Option<&Cover<'_>>, manual: &ManualStatus, now: UnixMillis) -> Choice {
    match cover {
        Some(cover) => cover.choice(manual, now),
        None => Choice::manual(manual),
    }
}

/// One union of switch schedules as the evaluation walks forward from
/// `now`: its boundaries found so far.
struct Walked<'a> {
    cover: Cover<'a>,
    /// The last boundary in `(since, now]` and whether it opened.
    last: Option<(UnixMillis, bool)>,
    /// Boundaries after `max(now, since)` found so far, in order.
    ahead: Vec<(UnixMillis, bool)>,
    /// No boundary after the last of `ahead`.
    ended: bool,
    /// Where the search for `ahead` starts: `max(now, since)`.
    from: UnixMillis,
}

impl<'a> Walked<'a> {
    fn new(cover: Cover<'a>, now: UnixMillis) -> Walked<'a> {
        let last = cover.last_flip(cover.since, now);
        let from = now.max(cover.since);
        Walked {
            cover,
            last,
            ahead: Vec::new(),
            ended: false,
            from,
        }
    }

    /// The first boundary after `t` (`t >= now`).
    fn next_after(&mut self, t: UnixMillis) -> Option<UnixMillis> {
        self.next_flip_after(t).map(|(b, _)| b)
    }

    /// The first boundary after `t` (`t >= now`) and whether it opens.
    fn next_flip_after(&mut self, t: UnixMillis) -> Option<(UnixMillis, bool)> {
        loop {
            if let Some(&flip) = self.ahead.iter().find(|(b, _)| *b > t) {
                return Some(flip);
            }
            if self.ended {
                return None;
            }
            let from = self.ahead.last().map_or(self.from, |&(b, _)| b);
            match self.cover.next_flip(from) {
                Some(flip) => self.ahead.push(flip),
                None => self.ended = true,
            }
        }
    }

    /// The latest boundary at or before `t` known so far (every boundary
    /// up to `t` is known once `next_after` walked past it).
    fn latest_at(&self, t: UnixMillis) -> Option<(UnixMillis, bool)> {
        self.ahead
            .iter()
            .rev()
            .find(|(b, _)| *b <= t)
            .copied()
            .or(self.last.filter(|(b, _)| *b <= t))
    }
}

/// An agent as the switch evaluation sees it.
struct Member<'a> {
    agent: &'a Agent,
    index: usize,
    /// Its union of switch schedules (an index into the walked covers).
    cover: Option<usize>,
    /// The latest session expiry; `None` without sessions.
    until: Option<UnixMillis>,
}

impl<'a> Member<'a> {
    /// What it counts with at `t` (every boundary up to `t` known), if alive.
    fn counted(&self, covers: &[Walked<'_>], t: UnixMillis) -> Option<Counted<'a>> {
        let until = self.until.filter(|&u| u > t)?;
        let manual = &self.agent.manual;
        let by_hours = self
            .cover
            .and_then(|c| covers[c].latest_at(t))
            .filter(|&(b, _)| b > manual.set_at);
        Some(match by_hours {
            Some((b, opens)) => Counted {
                index: self.index,
                id: &self.agent.id,
                status: switched(opens),
                message: &None,
                back_at: None,
                set_at: b,
                until,
            },
            None => Counted::manual(self.index, self.agent, until),
        })
    }
}

/// What visitors see, without the next change.
type Seen = (Status, Reason, Option<String>, Option<UnixMillis>);

fn seen(a: &AudienceStatus) -> Seen {
    (a.status, a.reason, a.message.clone(), a.back_at)
}

/// Evaluates a site with at least one switch schedule (see the module
/// docs); the same contract as [`crate::evaluate::evaluate`].
pub fn evaluate(site: &Site, agents: &[Agent], now: UnixMillis) -> Evaluation {
    let grace = site.grace;
    let group_ids: Vec<&str> = site.groups.iter().map(String::as_str).collect();
    let audience_schedule = |group: Option<&str>| site.schedule_for(group);

    // One walked union per distinct set of switch schedules.
    let mut covers: Vec<Walked<'_>> = Vec::new();
    let mut cover_ids: BTreeMap<Vec<*const Schedule>, usize> = BTreeMap::new();

    let mut statuses = BTreeMap::new();
    let mut choices = BTreeMap::new();
    let mut next_change: Option<UnixMillis> = None;
    let mut members: Vec<Member<'_>> = Vec::with_capacity(agents.len());
    for (index, agent) in agents.iter().enumerate() {
        let cover = cover(site, &agent.groups).map(|cover| {
            let mut key: Vec<*const Schedule> = cover
                .schedules
                .iter()
                .map(|s| *s as *const Schedule)
                .collect();
            key.sort_unstable();
            *cover_ids.entry(key).or_insert_with(|| {
                covers.push(Walked::new(cover, now));
                covers.len() - 1
            })
        });
        let until = agent.alive_until(grace);
        for session in &agent.sessions {
            let expiry = session.alive_until(grace);
            if expiry > now {
                next_change = earliest(next_change, Some(expiry));
            }
        }
        members.push(Member {
            agent,
            index,
            cover,
            until,
        });
    }

    // Every covered agent's choice now, and its next automatic change.
    for member in &members {
        let manual = &member.agent.manual;
        let choice = match member.cover {
            None => {
                let alive = member.until.is_some_and(|u| now < u);
                let status = if alive {
                    manual.status
                } else {
                    Status::Offline
                };
                statuses.insert(member.agent.id.clone(), status);
                continue;
            }
            Some(c) => {
                let walked = &mut covers[c];
                let mut choice = match walked.last.filter(|&(b, _)| b > manual.set_at) {
                    Some((b, opens)) => Choice {
                        status: switched(opens),
                        by: ChosenBy::WorkingHours,
                        at: b,
                        next: None,
                    },
                    None => Choice::manual(manual),
                };
                let next = if manual.set_at > now {
                    walked
                        .cover
                        .next_flip(manual.set_at.max(walked.cover.since))
                } else {
                    walked.next_flip_after(now)
                };
                choice.next = next.map(|(at, opens)| Switch {
                    at,
                    status: switched(opens),
                });
                choice
            }
        };
        next_change = earliest(next_change, choice.next.map(|s| s.at));
        let alive = member.until.is_some_and(|u| now < u);
        statuses.insert(
            member.agent.id.clone(),
            if alive {
                choice.status
            } else {
                Status::Offline
            },
        );
        choices.insert(member.agent.id.clone(), choice);
    }

    // Buckets of the agents alive now, whatever they chose: a boundary may
    // switch them online before their sessions end.
    let mut ungrouped: Vec<&Member<'_>> = Vec::new();
    let mut by_group: Vec<Vec<&Member<'_>>> = (0..group_ids.len()).map(|_| Vec::new()).collect();
    for member in members.iter().filter(|m| m.until.is_some_and(|u| u > now)) {
        let mut in_a_known_group = false;
        for group in &member.agent.groups {
            if let Ok(g) = group_ids.binary_search(&group.as_str()) {
                // The same group listed twice counts once.
                if by_group[g].last().is_some_and(|m| m.index == member.index) {
                    continue;
                }
                by_group[g].push(member);
                in_a_known_group = true;
            }
        }
        if !in_a_known_group {
            ungrouped.push(member);
        }
    }

    let site_answer = walk(&ungrouped, &[], audience_schedule(None), &mut covers, now);
    let mut groups = BTreeMap::new();
    for (group_id, group_members) in group_ids.iter().zip(&by_group) {
        let answer = walk(
            group_members,
            &ungrouped,
            audience_schedule(Some(group_id)),
            &mut covers,
            now,
        );
        groups.insert((*group_id).into(), answer);
    }

    next_change = earliest(next_change, site_answer.next_change);
    for answer in groups.values() {
        next_change = earliest(next_change, answer.next_change);
    }
    Evaluation {
        site: site_answer,
        groups,
        agents: statuses,
        choices,
        next_change,
    }
}

/// One audience's answer at `now` and the first instant it changes:
/// stretches of constant chosen statuses, separated by boundaries, are
/// examined in turn.
fn walk(
    members: &[&Member<'_>],
    also: &[&Member<'_>],
    schedule: Option<&Schedule>,
    covers: &mut [Walked<'_>],
    now: UnixMillis,
) -> AudienceStatus {
    let (mut answer, mut change, mut horizon) = stretch(members, also, schedule, covers, now);
    let first = seen(&answer);
    for _ in 0..MAX_STEPS {
        match (change, horizon) {
            (Some(c), Some(h)) if c < h => {
                answer.next_change = Some(c);
                return answer;
            }
            (Some(c), None) => {
                answer.next_change = Some(c);
                return answer;
            }
            (None, None) => {
                answer.next_change = None;
                return answer;
            }
            (_, Some(h)) => {
                let (later, later_change, later_horizon) =
                    stretch(members, also, schedule, covers, h);
                if seen(&later) != first {
                    answer.next_change = Some(h);
                    return answer;
                }
                change = later_change;
                horizon = later_horizon;
            }
        }
    }
    answer.next_change = horizon;
    answer
}

/// The answer at `t` (every boundary up to `t` known), the first instant
/// after `t` at which it changes if no chosen status does (`None`: not
/// before the horizon), and the horizon: the next boundary after `t` of
/// the audience's schedule or of a counted agent's union.
fn stretch(
    members: &[&Member<'_>],
    also: &[&Member<'_>],
    schedule: Option<&Schedule>,
    covers: &mut [Walked<'_>],
    t: UnixMillis,
) -> (AudienceStatus, Option<UnixMillis>, Option<UnixMillis>) {
    let hours = schedule.map(|s| (s.mode(), s.state(t)));
    if let Some((HoursMode::Gate, (false, next_opening))) = hours {
        // A closed gate: nothing the agents do matters until it opens.
        let answer = AudienceStatus {
            status: Status::Offline,
            reason: Reason::OutsideHours,
            message: None,
            back_at: next_opening,
            next_change: next_opening,
        };
        return (answer, next_opening, next_opening);
    }
    let everyone = || members.iter().chain(also);
    let mut horizon = hours.and_then(|(_, (_, next))| next);
    for member in everyone() {
        if member.until.is_some_and(|u| u > t) {
            if let Some(c) = member.cover {
                horizon = earliest(horizon, covers[c].next_after(t));
            }
        }
    }
    let mut counted: Vec<Counted<'_>> = Vec::new();
    for member in everyone() {
        if let Some(c) = member.counted(covers, t) {
            // An agent in several of this audience's buckets counts once.
            if c.status != Status::Offline && !counted.iter().any(|k| k.index == c.index) {
                counted.push(c);
            }
        }
    }
    let mut answer = audience_status(&counted, &[], None);
    let change = answer.next_change;
    if answer.status == Status::Offline {
        if let Some((HoursMode::Switch, (false, next_opening))) = hours {
            answer.reason = Reason::OutsideHours;
            answer.back_at = next_opening;
        }
    }
    (answer, change, horizon)
}
