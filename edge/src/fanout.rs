//! What an evaluation tells whom (pure): the diff between what each
//! audience and each agent's devices were last told and what the new
//! evaluation says. Only changes go out: an unchanged status is never sent
//! again, not even after a hibernation (what was sent is stored).
//!
//! An audience's visitors are told when its status, reason, back-at time or
//! message change; `next_change` alone moves with every heartbeat and is
//! only a hint, so it never causes a push. An agent's devices are told when
//! its effective or chosen status, back-at time or message change, or who
//! chose it (by hand, working hours) and its next automatic change.

use presenza_protocol::view::{AgentView, AudienceView};
use presenza_protocol::{AgentId, GroupId};
use presenza_rules::ChosenBy;
use std::collections::{BTreeMap, HashMap};

/// Who a push goes to; also the key of its row in `last_broadcast`.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum BroadcastKey {
    /// An audience: a group's visitors, or the whole site's (`None`); every
    /// device hears about it too.
    Audience(Option<GroupId>),
    /// One agent's devices.
    Agent(AgentId),
}

impl BroadcastKey {
    /// The stored key: `aud:site`, `aud:g:<group>` or `agent:<id>`.
    pub fn stored(&self) -> String {
        match self {
            BroadcastKey::Audience(None) => "aud:site".to_string(),
            BroadcastKey::Audience(Some(g)) => format!("aud:g:{g}"),
            BroadcastKey::Agent(a) => format!("agent:{a}"),
        }
    }

    /// Parses [`BroadcastKey::stored`]; `None` for anything else.
    pub fn parse(stored: &str) -> Option<BroadcastKey> {
        if stored == "aud:site" {
            return Some(BroadcastKey::Audience(None));
        }
        if let Some(g) = stored.strip_prefix("aud:g:") {
            return GroupId::parse(g).map(|g| BroadcastKey::Audience(Some(g)));
        }
        let a = stored.strip_prefix("agent:")?;
        AgentId::parse(a).map(BroadcastKey::Agent)
    }
}

/// What was last sent, by key: each payload's [`fingerprint`].
pub type Sent = HashMap<BroadcastKey, String>;

/// Everything an evaluation publishes.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Published {
    /// The whole site's audience (`None` only in an empty `Default`).
    pub site: Option<AudienceView>,
    pub groups: BTreeMap<GroupId, AudienceView>,
    pub agents: BTreeMap<AgentId, AgentView>,
}

/// One payload to send.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Payload<'a> {
    Audience(&'a AudienceView),
    Agent(&'a AgentView),
}

/// One changed payload and the fingerprint to store once it is sent.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Push<'a> {
    pub key: BroadcastKey,
    pub payload: Payload<'a>,
    pub fingerprint: String,
}

/// The result of [`diff`].
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Diff<'a> {
    /// What changed, in order: the site, the groups, the agents.
    pub pushes: Vec<Push<'a>>,
    /// Keys of groups and agents that no longer exist: forget them.
    pub stale: Vec<BroadcastKey>,
}

/// The part of a payload whose change is pushed.
pub fn fingerprint(payload: Payload<'_>) -> String {
    match payload {
        Payload::Audience(a) => format!(
            "{}|{}|{}|{}",
            a.status.as_str(),
            a.reason.as_str(),
            a.back_at.map(|b| b.0.to_string()).unwrap_or_default(),
            a.message.as_deref().unwrap_or_default()
        ),
        Payload::Agent(a) => {
            let mut text = format!(
                "{}|{}|{}|{}",
                a.status.as_str(),
                a.manual_status.as_str(),
                a.back_at.map(|b| b.to_string()).unwrap_or_default(),
                a.message.as_deref().unwrap_or_default()
            );
            // Working hours in switch mode only: a status chosen by hand
            // with no automatic change ahead keeps the earlier fingerprint.
            if a.set_by != ChosenBy::Manual || a.next_switch.is_some() {
                text.push_str(&format!("|{}", a.set_by.as_str()));
                if let Some(s) = a.next_switch {
                    text.push_str(&format!("|{}>{}", s.at, s.status.as_str()));
                }
            }
            // A picture only when there is one: without, the print is
            // what earlier versions stored.
            if let Some(p) = &a.picture {
                text.push_str(&format!("|p:{p}"));
            }
            text
        }
    }
}

/// What to send and forget, given what was sent.
pub fn diff<'a>(sent: &Sent, now: &'a Published) -> Diff<'a> {
    let audiences = now
        .site
        .iter()
        .map(|v| (BroadcastKey::Audience(None), Payload::Audience(v)))
        .chain(now.groups.iter().map(|(g, v)| {
            (
                BroadcastKey::Audience(Some(g.clone())),
                Payload::Audience(v),
            )
        }));
    let agents = now
        .agents
        .iter()
        .map(|(a, v)| (BroadcastKey::Agent(a.clone()), Payload::Agent(v)));
    let mut pushes = Vec::new();
    for (key, payload) in audiences.chain(agents) {
        let fingerprint = fingerprint(payload);
        if sent.get(&key) != Some(&fingerprint) {
            pushes.push(Push {
                key,
                payload,
                fingerprint,
            });
        }
    }
    let mut stale: Vec<BroadcastKey> = sent
        .keys()
        .filter(|key| match key {
            BroadcastKey::Audience(None) => now.site.is_none(),
            BroadcastKey::Audience(Some(g)) => !now.groups.contains_key(g),
            BroadcastKey::Agent(a) => !now.agents.contains_key(a),
        })
        .cloned()
        .collect();
    stale.sort();
    Diff { pushes, stale }
}

#[cfg(test)]
mod tests {
    use super::*;
    use presenza_protocol::time::Timestamp;
    use presenza_rules::{Reason, Status};

    fn audience(status: Status, group: Option<&str>) -> AudienceView {
        AudienceView {
            status,
            reason: match status {
                Status::Online => Reason::AgentsOnline,
                Status::Busy => Reason::AllBusy,
                Status::Offline => Reason::NoAgents,
            },
            message: None,
            back_at: None,
            next_change: None,
            group: group.and_then(GroupId::parse),
        }
    }

    fn agent(id: &str, status: Status) -> AgentView {
        AgentView {
            id: AgentId::parse(id).unwrap(),
            name: id.into(),
            groups: vec![],
            status,
            manual_status: status,
            message: None,
            back_at: None,
            email: None,
            set_by: ChosenBy::Manual,
            set_at: None,
            next_switch: None,
            sessions: 1,
            devices: 1,
            since: None,
            created_at: Timestamp(0),
            picture: None,
            token: None,
        }
    }

    fn published(site: Status, sales: Status, ann: Status) -> Published {
        Published {
            site: Some(audience(site, None)),
            groups: [(
                GroupId::parse("sales").unwrap(),
                audience(sales, Some("sales")),
            )]
            .into(),
            agents: [(AgentId::parse("ann").unwrap(), agent("ann", ann))].into(),
        }
    }

    /// What [`diff`] says to send, as stored keys.
    fn keys(d: &Diff<'_>) -> Vec<String> {
        d.pushes.iter().map(|p| p.key.stored()).collect()
    }

    /// Stores what a diff sent, as the object does.
    fn sent_after(mut sent: Sent, d: &Diff<'_>) -> Sent {
        for p in &d.pushes {
            sent.insert(p.key.clone(), p.fingerprint.clone());
        }
        for k in &d.stale {
            sent.remove(k);
        }
        sent
    }

    #[test]
    fn the_first_evaluation_sends_everything_in_order() {
        let now = published(Status::Online, Status::Offline, Status::Online);
        let d = diff(&Sent::new(), &now);
        assert_eq!(keys(&d), ["aud:site", "aud:g:sales", "agent:ann"]);
        assert!(d.stale.is_empty());
    }

    #[test]
    fn only_changes_are_sent() {
        let before = published(Status::Online, Status::Offline, Status::Online);
        let sent = sent_after(Sent::new(), &diff(&Sent::new(), &before));
        assert!(diff(&sent, &before).pushes.is_empty(), "nothing changed");
        let after = published(Status::Busy, Status::Offline, Status::Busy);
        let d = diff(&sent, &after);
        assert_eq!(keys(&d), ["aud:site", "agent:ann"]);
        assert!(matches!(d.pushes[0].payload, Payload::Audience(a) if a.status == Status::Busy));
    }

    #[test]
    fn next_change_alone_is_never_pushed() {
        let before = published(Status::Online, Status::Online, Status::Online);
        let sent = sent_after(Sent::new(), &diff(&Sent::new(), &before));
        let mut later = before.clone();
        if let Some(site) = &mut later.site {
            site.next_change = Some(Timestamp(120_000));
        }
        assert!(diff(&sent, &later).pushes.is_empty());
        // A message or a back-at time is news.
        let mut busy = before.clone();
        if let Some(site) = &mut busy.site {
            site.message = Some("back soon".into());
        }
        assert_eq!(keys(&diff(&sent, &busy)), ["aud:site"]);
        let mut back = before;
        if let Some(ann) = back.agents.values_mut().next() {
            ann.back_at = Some(Timestamp(60_000));
        }
        assert_eq!(keys(&diff(&sent, &back)), ["agent:ann"]);
    }

    #[test]
    fn deleted_groups_and_agents_are_forgotten() {
        let before = published(Status::Online, Status::Online, Status::Online);
        let sent = sent_after(Sent::new(), &diff(&Sent::new(), &before));
        let after = Published {
            groups: BTreeMap::new(),
            agents: BTreeMap::new(),
            ..before
        };
        let d = diff(&sent, &after);
        assert!(d.pushes.is_empty());
        assert_eq!(
            d.stale,
            vec![
                BroadcastKey::Audience(GroupId::parse("sales")),
                BroadcastKey::Agent(AgentId::parse("ann").unwrap()),
            ]
        );
    }

    #[test]
    fn stored_keys_round_trip() {
        for key in [
            BroadcastKey::Audience(None),
            BroadcastKey::Audience(GroupId::parse("sales")),
            BroadcastKey::Agent(AgentId::parse("ann").unwrap()),
        ] {
            assert_eq!(BroadcastKey::parse(&key.stored()), Some(key));
        }
        assert_eq!(BroadcastKey::parse("aud:g:Sales"), None);
        assert_eq!(BroadcastKey::parse("vis:x"), None);
    }

    #[test]
    fn fingerprints_match_what_earlier_versions_stored() {
        // Rows written before this module existed must not cause a re-send.
        let mut a = audience(Status::Busy, None);
        a.message = Some("back soon".into());
        a.back_at = Some(Timestamp(5000));
        assert_eq!(
            fingerprint(Payload::Audience(&a)),
            "busy|all_busy|5000|back soon"
        );
        let mut g = agent("ann", Status::Offline);
        g.manual_status = Status::Busy;
        g.back_at = Some(Timestamp(0));
        assert_eq!(
            fingerprint(Payload::Agent(&g)),
            "offline|busy|1970-01-01T00:00:00Z|"
        );
    }

    #[test]
    fn who_chose_and_the_next_automatic_change_are_pushed() {
        let by_hand = agent("ann", Status::Online);
        let mut by_hours = by_hand.clone();
        by_hours.set_by = ChosenBy::WorkingHours;
        let mut ahead = by_hand.clone();
        ahead.next_switch = Some(presenza_protocol::view::SwitchView {
            at: Timestamp(60_000),
            status: Status::Offline,
        });
        let prints: Vec<String> = [&by_hand, &by_hours, &ahead]
            .iter()
            .map(|a| fingerprint(Payload::Agent(a)))
            .collect();
        assert_eq!(prints[0], "online|online||");
        assert_eq!(prints[1], "online|online|||working_hours");
        assert_eq!(
            prints[2],
            "online|online|||manual|1970-01-01T00:01:00Z>offline"
        );
    }
}
