//! The evaluation: the status of the site and of every group, why, and the
//! next instant at which an answer can change without any new input.

use alloc::borrow::ToOwned;
use alloc::collections::BTreeMap;
use alloc::string::String;
use alloc::vec;
use alloc::vec::Vec;

use crate::error::RuleError;
use crate::presence::Agent;
use crate::site::Site;
use crate::status::{Choice, Status};
use crate::time::UnixMillis;

/// Why an audience has its status.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[cfg_attr(
    feature = "serde",
    derive(serde::Serialize, serde::Deserialize),
    serde(rename_all = "snake_case")
)]
pub enum Reason {
    /// At least one agent who counts is online.
    AgentsOnline,
    /// Agents who count are there, but all of them are busy.
    AllBusy,
    /// No agent who counts is online or busy.
    NoAgents,
    /// Outside working hours: in gate mode whatever the agents do; in
    /// switch mode when no agent who counts is online or busy (`back_at`
    /// is the next opening in both).
    OutsideHours,
}

impl Reason {
    /// The wire name: `"agents_online"`, `"all_busy"`, `"no_agents"`,
    /// `"outside_hours"`.
    pub fn as_str(self) -> &'static str {
        match self {
            Reason::AgentsOnline => "agents_online",
            Reason::AllBusy => "all_busy",
            Reason::NoAgents => "no_agents",
            Reason::OutsideHours => "outside_hours",
        }
    }

    /// Parses a wire name; `None` for anything else.
    pub fn parse(s: &str) -> Option<Reason> {
        match s {
            "agents_online" => Some(Reason::AgentsOnline),
            "all_busy" => Some(Reason::AllBusy),
            "no_agents" => Some(Reason::NoAgents),
            "outside_hours" => Some(Reason::OutsideHours),
            _ => None,
        }
    }
}

impl core::fmt::Display for Reason {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What one audience (a widget pinned to a group, or the site as a whole)
/// is told.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AudienceStatus {
    /// The best status among the agents who count, or offline outside
    /// hours in gate mode.
    pub status: Status,
    /// Why.
    pub reason: Reason,
    /// The busy message when `status == Busy`.
    pub message: Option<String>,
    /// Busy: the expected return; outside hours: the next opening.
    pub back_at: Option<UnixMillis>,
    /// The first instant after `now` at which this answer (status, reason,
    /// message, back_at) changes with no new input; `None` if never.
    pub next_change: Option<UnixMillis>,
}

/// The answer for the site and every group at one instant.
#[derive(Clone, Debug)]
pub struct Evaluation {
    /// The widget with no group.
    pub site: AudienceStatus,
    /// Every group of the site.
    pub groups: BTreeMap<String, AudienceStatus>,
    /// The effective status of each agent.
    pub agents: BTreeMap<String, Status>,
    /// The chosen status of each agent that switch hours cover: its manual
    /// one, or the one its working hours set after it, and the next
    /// automatic change. An agent not listed chose by hand
    /// ([`Evaluation::choice`]).
    pub choices: BTreeMap<String, Choice>,
    /// The alarm instant: the earliest of the audiences' `next_change`,
    /// every session expiry after `now` and every agent's next automatic
    /// change.
    pub next_change: Option<UnixMillis>,
}

impl Evaluation {
    /// An agent's chosen status: from [`Evaluation::choices`], else its
    /// manual one.
    pub fn choice(&self, agent: &Agent) -> Choice {
        self.choices
            .get(&agent.id)
            .copied()
            .unwrap_or_else(|| Choice::manual(&agent.manual))
    }

    /// The answer for a widget pinned to `group`, or for the site as a
    /// whole with `None`; [`RuleError::UnknownGroup`] for a group the site
    /// does not have.
    pub fn audience(&self, group: Option<&str>) -> Result<&AudienceStatus, RuleError> {
        match group {
            None => Ok(&self.site),
            Some(g) => self
                .groups
                .get(g)
                .ok_or_else(|| RuleError::UnknownGroup(g.to_owned())),
        }
    }
}

/// Evaluates the site at `now`: every audience's answer, every agent's
/// effective status and the alarm instant.
///
/// An alive agent who is online or busy counts for exactly the audiences it
/// serves by [`agent_serves`](crate::presence::agent_serves): group ids the
/// site does not have are ignored, and an agent left with none counts as an
/// agent in no group (deleting a group does not hide its agents). In a site
/// without groups every agent counts for the site. If the same agent id
/// appears twice, `agents` keeps the last one's status.
///
/// A site whose schedules are all gates (or that has none) is evaluated
/// here; one with a schedule in switch mode by [`crate::switch`], where
/// agents count with their chosen status.
pub fn evaluate(site: &Site, agents: &[Agent], now: UnixMillis) -> Evaluation {
    #[cfg(feature = "hours")]
    if crate::switch::acts(site) {
        return crate::switch::evaluate(site, agents, now);
    }
    let grace = site.grace;
    let group_ids: Vec<&str> = site.groups.iter().map(String::as_str).collect();

    let mut statuses = BTreeMap::new();
    let mut next_session_expiry: Option<UnixMillis> = None;
    // Agents who count somewhere: alive and online or busy. They are put in
    // buckets once (the agents in no group, and each known group's members)
    // rather than asking `agent_serves` for every audience, which would be
    // O(agents × groups); the bucket for G plus the agents in no group are
    // exactly the agents that serve G (a property test checks it).
    let mut ungrouped: Vec<Counted<'_>> = Vec::new();
    let mut by_group: Vec<Vec<Counted<'_>>> = vec![Vec::new(); group_ids.len()];

    for (index, agent) in agents.iter().enumerate() {
        for session in &agent.sessions {
            let expiry = session.alive_until(grace);
            if expiry > now {
                next_session_expiry = earliest(next_session_expiry, Some(expiry));
            }
        }
        let status = agent.effective_status(grace, now);
        statuses.insert(agent.id.clone(), status);
        let Some(until) = agent
            .alive_until(grace)
            .filter(|_| status != Status::Offline)
        else {
            continue;
        };
        let counted = Counted::manual(index, agent, until);
        if !bucket(&group_ids, &agent.groups, counted, &mut by_group) {
            ungrouped.push(counted);
        }
    }

    #[cfg(feature = "hours")]
    let site_hours = site.hours.as_ref().map(|schedule| schedule.state(now));
    #[cfg(not(feature = "hours"))]
    let site_hours: Option<(bool, Option<UnixMillis>)> = None;

    let site_answer = audience_status(&ungrouped, &[], site_hours);
    let mut groups = BTreeMap::new();
    for (group_id, members) in group_ids.iter().zip(&by_group) {
        #[cfg(feature = "hours")]
        let hours = match site.group_hours.get(*group_id) {
            Some(schedule) => Some(schedule.state(now)),
            None => site_hours,
        };
        #[cfg(not(feature = "hours"))]
        let hours = site_hours;
        groups.insert(
            (*group_id).to_owned(),
            audience_status(members, &ungrouped, hours),
        );
    }

    let mut next_change = earliest(site_answer.next_change, next_session_expiry);
    for answer in groups.values() {
        next_change = earliest(next_change, answer.next_change);
    }
    Evaluation {
        site: site_answer,
        groups,
        agents: statuses,
        // No switch schedule: every agent chose by hand.
        choices: BTreeMap::new(),
        next_change,
    }
}

/// An agent who counts for some audience: what it chose (by hand, or its
/// working hours for it), with the first instant at which it stops
/// counting.
#[derive(Clone, Copy)]
pub(crate) struct Counted<'a> {
    /// Its position among the evaluated agents (the same agent twice in a
    /// bucket counts once).
    pub index: usize,
    pub id: &'a str,
    pub status: Status,
    /// The busy message and return time (`None` unless chosen by hand).
    pub message: &'a Option<String>,
    pub back_at: Option<UnixMillis>,
    /// When the status was chosen: the most recent busy choice speaks.
    pub set_at: UnixMillis,
    pub until: UnixMillis,
}

impl<'a> Counted<'a> {
    /// An agent counting with its manual status.
    pub fn manual(index: usize, agent: &'a Agent, until: UnixMillis) -> Counted<'a> {
        Counted {
            index,
            id: &agent.id,
            status: agent.manual.status,
            message: &agent.manual.message,
            back_at: agent.manual.back_at,
            set_at: agent.manual.set_at,
            until,
        }
    }
}

/// Puts `counted` in the bucket of each of its known groups (`group_ids`
/// sorted, `by_group` parallel to it); `false` if it is in none (it then
/// counts as an agent in no group).
fn bucket<'a>(
    group_ids: &[&str],
    groups: &[String],
    counted: Counted<'a>,
    by_group: &mut [Vec<Counted<'a>>],
) -> bool {
    let mut in_a_known_group = false;
    for group in groups {
        if let Ok(index) = group_ids.binary_search(&group.as_str()) {
            // The same group listed twice counts once.
            if by_group[index]
                .last()
                .is_some_and(|c| c.index == counted.index)
            {
                continue;
            }
            by_group[index].push(counted);
            in_a_known_group = true;
        }
    }
    in_a_known_group
}

/// The earlier of two optional instants (`None` = never).
pub(crate) fn earliest(a: Option<UnixMillis>, b: Option<UnixMillis>) -> Option<UnixMillis> {
    match (a, b) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, None) => a,
        (None, b) => b,
    }
}

/// The answer for an audience counting `members` and `also` (the agents in
/// no group), given its working hours as `(open now, next boundary)`
/// (`None` = always open).
pub(crate) fn audience_status(
    members: &[Counted<'_>],
    also: &[Counted<'_>],
    hours: Option<(bool, Option<UnixMillis>)>,
) -> AudienceStatus {
    let next_boundary = match hours {
        Some((false, next_opening)) => {
            // Closed: nothing the agents do matters until the next opening,
            // and at the opening the reason changes.
            return AudienceStatus {
                status: Status::Offline,
                reason: Reason::OutsideHours,
                message: None,
                back_at: next_opening,
                next_change: next_opening,
            };
        }
        Some((true, next_closing)) => next_closing,
        None => None,
    };
    let counted = || members.iter().chain(also);

    // Online while any online agent lives; at the last expiry the answer
    // drops to busy or offline, which always differs.
    let online_until = counted()
        .filter(|c| c.status == Status::Online)
        .map(|c| c.until)
        .max();
    if let Some(until) = online_until {
        return AudienceStatus {
            status: Status::Online,
            reason: Reason::AgentsOnline,
            message: None,
            back_at: None,
            next_change: earliest(Some(until), next_boundary),
        };
    }

    // Busy: the most recent busy choice speaks (ties: smallest id).
    let mut busy: Vec<&Counted<'_>> = counted().filter(|c| c.status == Status::Busy).collect();
    busy.sort_by(|a, b| b.set_at.cmp(&a.set_at).then_with(|| a.id.cmp(b.id)));
    let Some(speaker) = busy.first() else {
        return AudienceStatus {
            status: Status::Offline,
            reason: Reason::NoAgents,
            message: None,
            back_at: None,
            next_change: next_boundary,
        };
    };
    let message = speaker.message;
    let back_at = speaker.back_at;

    // When the speaker expires the next one alive in preference order takes
    // over; the answer changes only if they say something else (or nobody
    // is left). Everyone skipped has expired already, so one pass suffices.
    let mut expires_at = speaker.until;
    let mut next_change = None;
    for next_speaker in &busy[1..] {
        if next_speaker.until <= expires_at {
            continue;
        }
        if next_speaker.message != message || next_speaker.back_at != back_at {
            next_change = Some(expires_at);
            break;
        }
        expires_at = next_speaker.until;
    }
    AudienceStatus {
        status: Status::Busy,
        reason: Reason::AllBusy,
        message: message.clone(),
        back_at,
        next_change: earliest(Some(next_change.unwrap_or(expires_at)), next_boundary),
    }
}
