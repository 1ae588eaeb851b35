//! The status history, the pure part: what a recorded change says
//! ([`Recorded`]), why it happened and at which instant ([`attribute`]),
//! the stored codes ([`codes`]) and the CSV export ([`csv`]).
//!
//! A change is recorded by the presence pipeline when an audience's status
//! or reason differs from its last recorded change (a busy message or a
//! back-at time alone is not a change of status). Its instant is the
//! evaluation's, except when time itself caused it: a grace period that
//! ran out is recorded at the session's expiry, and a working-hours
//! boundary at the boundary, even when the alarm that noticed it ran a
//! little later (or the object was asleep).

use presenza_protocol::view::{ChangeCause, HistoryChange};
use presenza_protocol::AgentId;
use presenza_rules::{Reason, Status};

/// One recorded change of an audience.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Recorded {
    pub at: i64,
    pub status: Status,
    pub reason: Reason,
    pub cause: Option<ChangeCause>,
    pub agent: Option<AgentId>,
}

impl Recorded {
    pub fn view(&self) -> HistoryChange {
        HistoryChange {
            at: self.at.into(),
            status: self.status,
            reason: self.reason,
            cause: self.cause,
            agent: self.agent.clone(),
        }
    }

    pub fn mark(&self) -> presenza_rules::insights::Mark {
        presenza_rules::insights::Mark {
            at: self.at,
            status: self.status,
            reason: self.reason,
        }
    }
}

/// What the pipeline knows about an evaluation that changed an audience.
#[derive(Clone, Debug, Default)]
pub struct Clues<'a> {
    /// An agent's own action that caused the evaluation (manual status,
    /// sign of life, sign-out).
    pub action: Option<(ChangeCause, &'a AgentId)>,
    /// The owner's change that caused it (agents, configuration).
    pub owner: Option<ChangeCause>,
    /// Sessions this evaluation found expired: their agent and expiry.
    pub expired: &'a [(AgentId, i64)],
    /// The audience's own working hours flipped after its last recorded
    /// change: when, and whether they opened.
    pub flip: Option<(i64, bool)>,
    /// Agents' statuses switched by working hours after the audience's
    /// last recorded change: the latest such switch, and whether it turned
    /// agents online.
    pub switched: Option<(i64, bool)>,
}

/// Why a change happened, and its instant: an agent's action first (it
/// happened now); else time passing (the latest grace period that ran out,
/// or the latest working-hours boundary, at its own instant); else the
/// owner's change (now); else unknown (now). An instant from the past is
/// never before `last_at` (the audience's last recorded change) nor after
/// `now`.
pub fn attribute(clues: &Clues<'_>, last_at: Option<i64>, now: i64) -> Attribution {
    // Not `clamp`: the last change may be at `now` already (two changes in
    // one millisecond), and then `now` wins.
    let in_range = |at: i64| at.max(last_at.map_or(at, |l| l.saturating_add(1))).min(now);
    if let Some((cause, agent)) = clues.action {
        return Attribution {
            at: now,
            cause: Some(cause),
            agent: Some(agent.clone()),
        };
    }
    let expired = clues.expired.iter().max_by_key(|(_, at)| *at);
    let hours = match (clues.flip, clues.switched) {
        (Some(a), Some(b)) => Some(if b.0 > a.0 { b } else { a }),
        (a, b) => a.or(b),
    };
    match (expired, hours) {
        (Some((agent, at)), hours) if hours.is_none_or(|(h, _)| *at >= h) => Attribution {
            at: in_range(*at),
            cause: Some(ChangeCause::GracePeriodEnded),
            agent: Some(agent.clone()),
        },
        (_, Some((at, opened))) => Attribution {
            at: in_range(at),
            cause: Some(if opened {
                ChangeCause::HoursOpened
            } else {
                ChangeCause::HoursClosed
            }),
            agent: None,
        },
        _ => Attribution {
            at: now,
            cause: clues.owner,
            agent: None,
        },
    }
}

/// [`attribute`]'s answer: a change's instant, cause and agent.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Attribution {
    pub at: i64,
    pub cause: Option<ChangeCause>,
    pub agent: Option<AgentId>,
}

/// The integer codes of the stored history (never reordered: stored rows
/// keep them).
pub mod codes {
    use super::*;

    const STATUSES: [Status; 3] = [Status::Offline, Status::Busy, Status::Online];
    const REASONS: [Reason; 4] = [
        Reason::AgentsOnline,
        Reason::AllBusy,
        Reason::NoAgents,
        Reason::OutsideHours,
    ];

    fn code_of<T: PartialEq>(all: &[T], value: &T) -> i64 {
        all.iter().position(|v| v == value).map_or(-1, |i| i as i64)
    }

    fn of_code<T: Copy>(all: &[T], code: i64) -> Option<T> {
        usize::try_from(code).ok().and_then(|i| all.get(i).copied())
    }

    pub fn status_code(s: Status) -> i64 {
        code_of(&STATUSES, &s)
    }
    pub fn status(code: i64) -> Option<Status> {
        of_code(&STATUSES, code)
    }
    pub fn reason_code(r: Reason) -> i64 {
        code_of(&REASONS, &r)
    }
    pub fn reason(code: i64) -> Option<Reason> {
        of_code(&REASONS, code)
    }
    pub fn cause_code(c: ChangeCause) -> i64 {
        code_of(&ChangeCause::ALL, &c)
    }
    pub fn cause(code: i64) -> Option<ChangeCause> {
        of_code(&ChangeCause::ALL, code)
    }
}

/// The CSV export of `GET history?format=csv`: a header, then one line
/// per change, audience by audience (the site's first, group empty), each
/// audience's status in force at `from` first (its `at` is before `from`).
/// Every value is an id, an enum name or an RFC 3339 instant: nothing
/// needs quoting.
pub mod csv {
    use presenza_protocol::view::HistoryView;

    pub const HEADER: &str = "group,at,status,reason,cause,agent\r\n";

    pub fn write(view: &HistoryView) -> String {
        let mut out = String::from(HEADER);
        for audience in &view.audiences {
            let group = audience.group.as_ref().map_or("", |g| g.as_str());
            for change in audience.in_force.iter().chain(&audience.changes) {
                out.push_str(&format!(
                    "{group},{},{},{},{},{}\r\n",
                    change.at,
                    change.status.as_str(),
                    change.reason.as_str(),
                    change.cause.map_or("", |c| c.as_str()),
                    change.agent.as_ref().map_or("", |a| a.as_str()),
                ));
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use presenza_protocol::view::{AudienceHistory, HistoryView};
    use presenza_protocol::GroupId;

    fn agent(id: &str) -> AgentId {
        AgentId::parse(id).unwrap()
    }

    const NOW: i64 = 1_800_000_000_000;

    #[test]
    fn an_agents_action_happened_now_whatever_else_did() {
        let ann = agent("ann");
        let expired = [(agent("bob"), NOW - 5)];
        let r = attribute(
            &Clues {
                action: Some((ChangeCause::Manual, &ann)),
                expired: &expired,
                flip: Some((NOW - 1, true)),
                ..Clues::default()
            },
            Some(NOW - 100),
            NOW,
        );
        assert_eq!(
            r,
            Attribution {
                at: NOW,
                cause: Some(ChangeCause::Manual),
                agent: Some(ann)
            }
        );
    }

    #[test]
    fn time_passing_is_recorded_at_its_own_instant() {
        let expired = [(agent("ann"), NOW - 300), (agent("bob"), NOW - 200)];
        let grace = attribute(
            &Clues {
                expired: &expired,
                owner: Some(ChangeCause::SettingsChanged),
                ..Clues::default()
            },
            Some(NOW - 1000),
            NOW,
        );
        assert_eq!(grace.at, NOW - 200, "the last expiry");
        assert_eq!(grace.cause, Some(ChangeCause::GracePeriodEnded));
        assert_eq!(grace.agent, Some(agent("bob")));
        // A boundary after the expiry wins, at the boundary.
        let closed = attribute(
            &Clues {
                expired: &expired,
                flip: Some((NOW - 100, false)),
                ..Clues::default()
            },
            Some(NOW - 1000),
            NOW,
        );
        assert_eq!(
            closed,
            Attribution {
                at: NOW - 100,
                cause: Some(ChangeCause::HoursClosed),
                agent: None
            }
        );
        // An agent switched by hours, later than the audience's own flip.
        let opened = attribute(
            &Clues {
                flip: Some((NOW - 100, false)),
                switched: Some((NOW - 50, true)),
                ..Clues::default()
            },
            None,
            NOW,
        );
        assert_eq!(opened.cause, Some(ChangeCause::HoursOpened));
        assert_eq!(opened.at, NOW - 50);
        // Never before the last recorded change, never after now.
        let clamped = attribute(
            &Clues {
                flip: Some((NOW - 100, true)),
                ..Clues::default()
            },
            Some(NOW - 10),
            NOW,
        );
        assert_eq!(clamped.at, NOW - 9);
        let future = attribute(
            &Clues {
                flip: Some((NOW + 100, true)),
                ..Clues::default()
            },
            None,
            NOW,
        );
        assert_eq!(future.at, NOW);
        // A change already recorded at `now`: `now` again (the row is
        // replaced), never a panic nor the future.
        let same_ms = attribute(
            &Clues {
                flip: Some((NOW - 100, true)),
                ..Clues::default()
            },
            Some(NOW),
            NOW,
        );
        assert_eq!(same_ms.at, NOW);
    }

    #[test]
    fn otherwise_the_owner_or_nothing_known() {
        let owner = attribute(
            &Clues {
                owner: Some(ChangeCause::AgentsChanged),
                ..Clues::default()
            },
            None,
            NOW,
        );
        assert_eq!(
            (owner.at, owner.cause),
            (NOW, Some(ChangeCause::AgentsChanged))
        );
        assert_eq!(attribute(&Clues::default(), None, NOW).cause, None);
    }

    #[test]
    fn codes_round_trip_and_never_move() {
        for s in [Status::Offline, Status::Busy, Status::Online] {
            assert_eq!(codes::status(codes::status_code(s)), Some(s));
        }
        for r in [
            Reason::AgentsOnline,
            Reason::AllBusy,
            Reason::NoAgents,
            Reason::OutsideHours,
        ] {
            assert_eq!(codes::reason(codes::reason_code(r)), Some(r));
        }
        for c in ChangeCause::ALL {
            assert_eq!(codes::cause(codes::cause_code(c)), Some(c));
        }
        // Stored rows depend on these.
        assert_eq!(codes::status_code(Status::Online), 2);
        assert_eq!(codes::reason_code(Reason::OutsideHours), 3);
        assert_eq!(codes::cause_code(ChangeCause::SettingsChanged), 7);
        assert_eq!(codes::status(3), None);
        assert_eq!(codes::reason(-1), None);
        assert_eq!(codes::cause(8), None);
    }

    #[test]
    fn csv_lists_each_audience_in_force_first() {
        let change = |at: i64, status, reason, cause, agent: Option<&str>| HistoryChange {
            at: at.into(),
            status,
            reason,
            cause,
            agent: agent.and_then(AgentId::parse),
        };
        let view = HistoryView {
            from: 1_000.into(),
            to: 900_000.into(),
            audiences: vec![
                AudienceHistory {
                    group: None,
                    in_force: Some(change(0, Status::Offline, Reason::NoAgents, None, None)),
                    changes: vec![change(
                        60_000,
                        Status::Online,
                        Reason::AgentsOnline,
                        Some(ChangeCause::Manual),
                        Some("ann"),
                    )],
                },
                AudienceHistory {
                    group: GroupId::parse("sales"),
                    in_force: None,
                    changes: vec![change(
                        120_500,
                        Status::Offline,
                        Reason::OutsideHours,
                        Some(ChangeCause::HoursClosed),
                        None,
                    )],
                },
            ],
            next_from: None,
        };
        assert_eq!(
            csv::write(&view),
            "group,at,status,reason,cause,agent\r\n\
             ,1970-01-01T00:00:00Z,offline,no_agents,,\r\n\
             ,1970-01-01T00:01:00Z,online,agents_online,manual,ann\r\n\
             sales,1970-01-01T00:02:00.500Z,offline,outside_hours,hours_closed,\r\n"
        );
    }
}
