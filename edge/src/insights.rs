//! `GET insights`, the pure part: the answer from what storage holds (each
//! audience's recorded changes and working hours, the conversations started
//! in the period with their first agent reply). The figures themselves are
//! `presenza_rules::insights`; this module assigns conversations to
//! audiences (their group, or the whole site for none or a group deleted
//! since) and agents, and shapes the view.

use presenza_protocol::limits::MAX_LISTED_MISSED;
use presenza_protocol::view::{
    AgentInsights, AudienceInsights, CoverageView, InsightsView, MissedKind, MissedSummary,
    MissedView, OfflineSpanView, SpanView, SpreadView,
};
use presenza_protocol::{AgentId, ConversationId, GroupId};
use presenza_rules::hours::Schedule;
use presenza_rules::insights::{self, FirstContact, Mark, Spread};
use std::collections::BTreeMap;

/// One audience's inputs.
pub struct Audience {
    pub group: Option<GroupId>,
    /// Its recorded changes, oldest first: the one in force at `from` (if
    /// any), then those of the period.
    pub marks: Vec<Mark>,
    /// Its working hours as they were: each version from its instant on
    /// (`None`: no hours), the one in force at `from` first; before the
    /// first, or with none, all the time counts.
    pub hours: Vec<(i64, Option<Schedule>)>,
}

/// A conversation started in the period.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Conversation {
    pub id: ConversationId,
    pub group: Option<GroupId>,
    pub started_at: i64,
    /// The first agent reply: when, and by whom.
    pub first_reply: Option<(i64, Option<AgentId>)>,
}

/// What the answer covers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Window {
    pub from: i64,
    pub to: i64,
    /// Figures stop here (≤ `to`).
    pub until: i64,
    pub complete: bool,
    pub first_reply_secs: u32,
}

fn spread_view(spread: Option<Spread>) -> SpreadView {
    SpreadView {
        count: spread.map_or(0, |s| s.count),
        median_ms: spread.map(|s| s.median_ms),
        p90_ms: spread.map(|s| s.p90_ms),
    }
}

/// The answer.
pub fn compute(
    window: Window,
    audiences: &[Audience],
    conversations: &[Conversation],
) -> InsightsView {
    let threshold_ms = i64::from(window.first_reply_secs) * 1000;
    // Which audience a conversation belongs to: its group's, else the
    // site's (when listed).
    let index_of = |group: Option<&GroupId>| {
        audiences
            .iter()
            .position(|a| a.group.as_ref() == group)
            .or_else(|| audiences.iter().position(|a| a.group.is_none()))
    };
    let mut per_audience: Vec<Vec<&Conversation>> = vec![Vec::new(); audiences.len()];
    for c in conversations.iter().filter(|c| c.started_at < window.until) {
        if let Some(i) = index_of(c.group.as_ref()) {
            per_audience[i].push(c);
        }
    }
    let mut by_agent: BTreeMap<AgentId, Vec<i64>> = BTreeMap::new();
    let views = audiences
        .iter()
        .zip(&per_audience)
        .map(|(audience, convs)| {
            let versions: Vec<(i64, Option<&Schedule>)> = audience
                .hours
                .iter()
                .map(|(at, s)| (*at, s.as_ref()))
                .collect();
            let spans = insights::versioned_spans(&versions, window.from, window.until);
            let coverage = insights::coverage(&audience.marks, &spans);
            let mut missed = MissedSummary {
                count: 0,
                nobody_online: 0,
                slow_reply: 0,
                no_reply: 0,
                listed: Vec::new(),
            };
            let mut responses = Vec::new();
            for c in convs {
                let contact = FirstContact {
                    started_at: c.started_at,
                    first_reply_at: c.first_reply.as_ref().map(|(at, _)| *at),
                };
                if let Some(ms) = contact.response_ms() {
                    responses.push(ms);
                    if let Some((_, Some(agent))) = &c.first_reply {
                        by_agent.entry(agent.clone()).or_default().push(ms);
                    }
                }
                let Some(m) =
                    insights::missed(&audience.marks, contact, threshold_ms, window.until)
                else {
                    continue;
                };
                missed.count += 1;
                let kind = match m.kind {
                    insights::MissedKind::NobodyOnline(_) => {
                        missed.nobody_online += 1;
                        MissedKind::NobodyOnline
                    }
                    insights::MissedKind::SlowReply => {
                        missed.slow_reply += 1;
                        MissedKind::SlowReply
                    }
                    insights::MissedKind::NoReply => {
                        missed.no_reply += 1;
                        MissedKind::NoReply
                    }
                };
                if missed.listed.len() < MAX_LISTED_MISSED {
                    missed.listed.push(MissedView {
                        conversation_id: c.id.clone(),
                        started_at: c.started_at.into(),
                        kind,
                        status: insights::status_at(&audience.marks, c.started_at)
                            .map(|m| m.status),
                        waited_ms: m.waited_ms,
                    });
                }
            }
            AudienceInsights {
                group: audience.group.clone(),
                has_working_hours: audience.hours.iter().any(|(_, s)| s.is_some()),
                working_hours: spans
                    .iter()
                    .map(|s| SpanView {
                        from: s.from.into(),
                        to: s.to.into(),
                    })
                    .collect(),
                coverage: CoverageView {
                    working_ms: coverage.working_ms,
                    online_ms: coverage.online_ms,
                    busy_ms: coverage.busy_ms,
                    offline_ms: coverage.offline_ms,
                    unknown_ms: coverage.unknown_ms,
                    ratio: coverage.ratio(),
                    offline: coverage
                        .offline
                        .iter()
                        .map(|o| OfflineSpanView {
                            from: o.span.from.into(),
                            to: o.span.to.into(),
                            reason: o.reason,
                        })
                        .collect(),
                },
                conversations: convs.len(),
                missed,
                first_response: spread_view(insights::spread(&mut responses)),
            }
        })
        .collect();
    InsightsView {
        from: window.from.into(),
        to: window.to.into(),
        until: window.until.into(),
        complete: window.complete,
        first_reply_secs: window.first_reply_secs,
        audiences: views,
        agents: by_agent
            .into_iter()
            .map(|(agent, mut times)| AgentInsights {
                agent,
                first_response: spread_view(insights::spread(&mut times)),
            })
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use presenza_rules::{Reason, Status};

    const M: i64 = 60_000;
    const T0: i64 = 1_800_000_000_000;

    fn mark(min: i64, status: Status, reason: Reason) -> Mark {
        Mark {
            at: T0 + min * M,
            status,
            reason,
        }
    }

    fn conv(id: &str, group: Option<&str>, start: i64, reply: Option<(i64, &str)>) -> Conversation {
        Conversation {
            id: ConversationId::parse(id).unwrap(),
            group: group.and_then(GroupId::parse),
            started_at: T0 + start * M,
            first_reply: reply.map(|(at, a)| (T0 + at * M, AgentId::parse(a))),
        }
    }

    #[test]
    fn conversations_go_to_their_audience_and_agents() {
        let site_marks = vec![mark(-10, Status::Online, Reason::AgentsOnline)];
        let sales_marks = vec![
            mark(0, Status::Online, Reason::AgentsOnline),
            mark(30, Status::Offline, Reason::NoAgents),
        ];
        let audiences = [
            Audience {
                group: None,
                marks: site_marks,
                hours: vec![],
            },
            Audience {
                group: GroupId::parse("sales"),
                marks: sales_marks,
                hours: vec![],
            },
        ];
        let conversations = [
            // The site: answered in 1 and 3 minutes by ann.
            conv("c_1", None, 1, Some((2, "ann"))),
            conv("c_2", None, 5, Some((8, "ann"))),
            // A deleted group's: the site's; answered late by bob.
            conv("c_3", Some("gone"), 10, Some((20, "bob"))),
            // Sales: answered by bob in 2; one written while offline.
            conv("c_4", Some("sales"), 10, Some((12, "bob"))),
            conv("c_5", Some("sales"), 40, None),
            // After `until`: not counted.
            conv("c_6", None, 70, None),
        ];
        let window = Window {
            from: T0,
            to: T0 + 120 * M,
            until: T0 + 60 * M,
            complete: true,
            first_reply_secs: 300,
        };
        let v = compute(window, &audiences, &conversations);
        let site = &v.audiences[0];
        assert_eq!(site.conversations, 3);
        assert_eq!(site.missed.count, 1);
        assert_eq!(site.missed.slow_reply, 1);
        assert_eq!(site.missed.listed[0].conversation_id.as_str(), "c_3");
        assert_eq!(site.missed.listed[0].waited_ms, 10 * M);
        assert_eq!(
            (
                site.first_response.count,
                site.first_response.median_ms,
                site.first_response.p90_ms
            ),
            (3, Some(3 * M), Some(10 * M))
        );
        assert_eq!(site.coverage.ratio, Some(1.0));
        assert_eq!(site.coverage.working_ms, 60 * M);
        let sales = &v.audiences[1];
        assert_eq!(sales.conversations, 2);
        assert_eq!((sales.missed.count, sales.missed.nobody_online), (1, 1));
        assert_eq!(sales.missed.listed[0].status, Some(Status::Offline));
        assert_eq!(sales.missed.listed[0].waited_ms, 20 * M, "until `until`");
        assert_eq!(sales.coverage.online_ms, 30 * M);
        assert_eq!(sales.coverage.offline.len(), 1);
        let agents: Vec<(&str, usize, Option<i64>)> = v
            .agents
            .iter()
            .map(|a| {
                (
                    a.agent.as_str(),
                    a.first_response.count,
                    a.first_response.median_ms,
                )
            })
            .collect();
        assert_eq!(agents, [("ann", 2, Some(M)), ("bob", 2, Some(2 * M))]);
    }

    #[test]
    fn one_group_alone_takes_only_its_conversations() {
        let audiences = [Audience {
            group: GroupId::parse("sales"),
            marks: vec![],
            hours: vec![],
        }];
        let v = compute(
            Window {
                from: T0,
                to: T0 + 60 * M,
                until: T0 + 60 * M,
                complete: false,
                first_reply_secs: 60,
            },
            &audiences,
            &[
                conv("c_1", None, 1, None),
                conv("c_2", Some("sales"), 1, None),
            ],
        );
        assert_eq!(v.audiences[0].conversations, 1);
        assert_eq!(v.audiences[0].missed.no_reply, 1);
        assert_eq!(v.audiences[0].coverage.ratio, None, "no history: unknown");
        assert_eq!(v.audiences[0].first_response.median_ms, None);
        assert!(!v.complete);
    }
}
