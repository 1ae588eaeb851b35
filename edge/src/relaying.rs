//! Visitor relays, the pure part: how relays are named and placed, what the
//! site object sends them, and what a relay does with it. The runtime part
//! is `relay` (the relay Durable Object) and `site::relays` (the site's
//! side).
//!
//! A site with many visitors cannot hold them all in its one object: the
//! runtime allows 32,768 hibernated sockets per object, and one change is
//! sent once per socket on the object's one thread. So a widget's presence
//! socket lives on a relay, an object of its own placed near the visitor
//! (a location hint from the visitor's continent), holding at most
//! [`DEFAULT_MAX_SOCKETS`] sockets; a region gets more shards as it fills.
//! On every change the site publishes one [`Snapshot`] to each relay (not
//! one frame per visitor); each relay fans it out to its sockets, and
//! answers new sockets from the snapshot it stored, without asking the
//! site.
//!
//! Snapshots carry a version that only grows: a relay keeps the newest one
//! it was given and ignores older ones, so publishes may arrive in any
//! order, twice, or late. A relay that missed one catches up by itself (it
//! asks the site for the current snapshot when it wakes and every
//! [`SYNC_EVERY_MS`] while it has sockets), and the site sends again to the
//! relays that did not acknowledge a version, inside its one alarm.
//!
//! A publish is a two-level tree: the site calls one relay per region (and
//! per [`FORWARD_MAX`] + 1 of its shards), which applies the snapshot and
//! passes it on to the others of its run ([`publish_plan`]). So the site's
//! own calls per change grow with regions, not with visitors: 1,000,000
//! widgets on 200 relays in 10 regions cost it ~20 calls, not 200.

use crate::sockets::VisitorSocket;
use presenza_protocol::{GroupId, SiteId, VisitorId};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Sockets one relay holds unless `RELAY_MAX_SOCKETS` says otherwise (far
/// below the runtime's 32,768, so one change reaches them in ~100 ms).
pub const DEFAULT_MAX_SOCKETS: usize = 5_000;
/// Shards one region may have (5,120,000 widgets at the default size); a
/// relay that is full sends a new socket to the region's first shard with
/// room, as its snapshot says ([`Snapshot::open_shards`]).
pub const MAX_SHARDS: u16 = 1024;
/// How often a relay with sockets checks that it has the newest snapshot.
pub const SYNC_EVERY_MS: i64 = 30_000;
/// How soon the site sends again to relays that did not acknowledge.
pub const RETRY_MS: i64 = 2_000;
/// A relay without widgets (so not sent publishes) answers a status lookup
/// from a snapshot at most this old, else it asks the site first.
pub const LOOKUP_FRESH_MS: i64 = 2_000;

/// Where a relay is placed: a Cloudflare location hint, from the visitor's
/// continent. `Local` when the platform gives none (a local run).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Region {
    Wnam,
    Enam,
    Sam,
    Weur,
    Eeur,
    Apac,
    Oc,
    Afr,
    Me,
    Local,
}

impl Region {
    /// The region of a visitor on `continent` (`request.cf.continent`).
    pub fn of_continent(continent: Option<&str>) -> Region {
        match continent {
            Some("NA") => Region::Enam,
            Some("SA") => Region::Sam,
            Some("EU") => Region::Weur,
            Some("AS") => Region::Apac,
            Some("OC") | Some("AN") => Region::Oc,
            Some("AF") => Region::Afr,
            _ => Region::Local,
        }
    }

    /// The location hint, if the platform should place the relay somewhere.
    pub fn hint(self) -> Option<&'static str> {
        Some(match self {
            Region::Wnam => "wnam",
            Region::Enam => "enam",
            Region::Sam => "sam",
            Region::Weur => "weur",
            Region::Eeur => "eeur",
            Region::Apac => "apac",
            Region::Oc => "oc",
            Region::Afr => "afr",
            Region::Me => "me",
            Region::Local => return None,
        })
    }

    fn as_str(self) -> &'static str {
        self.hint().unwrap_or("local")
    }

    fn parse(s: &str) -> Option<Region> {
        [
            Region::Wnam,
            Region::Enam,
            Region::Sam,
            Region::Weur,
            Region::Eeur,
            Region::Apac,
            Region::Oc,
            Region::Afr,
            Region::Me,
            Region::Local,
        ]
        .into_iter()
        .find(|r| r.as_str() == s)
    }
}

/// A relay: one shard of one site in one region.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct RelayName {
    pub site: SiteId,
    pub region: Region,
    pub shard: u16,
}

impl RelayName {
    /// The object's name (`RELAYS.idFromName`): `relay:<site>:<region>:<shard>`.
    pub fn object_name(&self) -> String {
        format!(
            "relay:{}:{}:{}",
            self.site,
            self.region.as_str(),
            self.shard
        )
    }

    pub fn parse(name: &str) -> Option<RelayName> {
        let mut parts = name.strip_prefix("relay:")?.split(':');
        let site = SiteId::parse(parts.next()?)?;
        let region = Region::parse(parts.next()?)?;
        let shard: u16 = parts.next()?.parse().ok()?;
        if parts.next().is_some() || shard >= MAX_SHARDS {
            return None;
        }
        Some(RelayName {
            site,
            region,
            shard,
        })
    }

    /// The next shard of the same region, if there is one.
    pub fn next_shard(&self) -> Option<RelayName> {
        (self.shard + 1 < MAX_SHARDS).then(|| RelayName {
            shard: self.shard + 1,
            ..self.clone()
        })
    }
}

impl Serialize for RelayName {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.object_name())
    }
}

impl<'de> Deserialize<'de> for RelayName {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        RelayName::parse(&s).ok_or_else(|| serde::de::Error::custom("not a relay name"))
    }
}

/// One audience's status, as its visitors are told it.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Audience {
    /// The status frame, ready to send.
    pub frame: String,
    /// The same status as `GET status` answers it.
    #[serde(default)]
    pub body: String,
    /// What a change must move to be sent (`fanout::fingerprint`: the
    /// frame's `next_change` is a hint that moves by itself).
    pub key: String,
}

/// What visitors of each audience are told, as the site last evaluated it.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Snapshot {
    /// Grows with every change the site publishes; 0: nothing yet.
    pub version: u64,
    /// The whole site's status.
    pub site: Audience,
    /// Each group's status.
    pub groups: BTreeMap<GroupId, Audience>,
    /// The site's allowed origins (empty: any).
    pub origins: Vec<String>,
    /// When the earliest audience's answer may change by itself (for the
    /// lookups' cache), Unix ms.
    pub next_change: Option<i64>,
    /// The site's limit of widgets per client address (enforced per relay:
    /// one address's sockets land on the same relay).
    #[serde(default)]
    pub sockets_per_address: u32,
    /// Each region's first shard with room, as the site last heard from its
    /// relays: a full relay sends new widgets there (not a change: never
    /// published by itself).
    #[serde(default)]
    pub open_shards: BTreeMap<Region, u16>,
}

/// Each region's first shard with room: the lowest shard that is not
/// registered, or holds less than 90% of `max_sockets` (the counts are up
/// to a sync period old).
pub fn open_shards(relays: &[(RelayName, u64)], max_sockets: usize) -> BTreeMap<Region, u16> {
    let nearly_full = (max_sockets as u64 * 9 / 10).max(1);
    let mut full: BTreeMap<Region, Vec<u16>> = BTreeMap::new();
    for (name, sockets) in relays {
        let region = full.entry(name.region).or_default();
        if *sockets >= nearly_full {
            region.push(name.shard);
        }
    }
    full.into_iter()
        .map(|(region, mut shards)| {
            shards.sort_unstable();
            let mut open = 0;
            for s in shards {
                if s == open {
                    open += 1;
                } else if s > open {
                    break;
                }
            }
            (region, open.min(MAX_SHARDS - 1))
        })
        .collect()
}

/// Where a full relay sends the next widget: its region's first shard with
/// room if that is further on, else the next shard (`None`: none left).
pub fn next_shard(full: &RelayName, snapshot: &Snapshot) -> Option<u16> {
    match snapshot.open_shards.get(&full.region) {
        Some(open) if *open > full.shard => Some(*open),
        _ => full.next_shard().map(|n| n.shard),
    }
}

impl Snapshot {
    /// The status frame of an audience; `None` for a group the site does
    /// not have.
    pub fn audience(&self, group: Option<&GroupId>) -> Option<&str> {
        self.status(group).map(|a| a.frame.as_str())
    }

    /// An audience's status; `None` for a group the site does not have.
    pub fn status(&self, group: Option<&GroupId>) -> Option<&Audience> {
        match group {
            None => (self.version > 0).then_some(&self.site),
            Some(g) => self.groups.get(g),
        }
    }
}

/// What a relay does with a newer snapshot than the one it holds.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Applied {
    /// Audiences whose frame changed: send it to their sockets.
    pub changed: Vec<Option<GroupId>>,
    /// Groups the site no longer has: close their sockets (4004).
    pub gone: Vec<GroupId>,
    /// The allowed origins changed: check every socket's origin again.
    pub origins_changed: bool,
}

/// Compares the snapshot a relay holds with a new one; `None` when the new
/// one is not newer (ignored).
pub fn apply(held: &Snapshot, new: &Snapshot) -> Option<Applied> {
    if new.version <= held.version {
        return None;
    }
    let mut changed = Vec::new();
    if held.version == 0 || held.site.key != new.site.key {
        changed.push(None);
    }
    for (g, audience) in &new.groups {
        if held.groups.get(g).map(|a| &a.key) != Some(&audience.key) {
            changed.push(Some(g.clone()));
        }
    }
    let gone = held
        .groups
        .keys()
        .filter(|g| !new.groups.contains_key(*g))
        .cloned()
        .collect();
    Some(Applied {
        changed,
        gone,
        origins_changed: held.origins != new.origins,
    })
}

/// A relay's acknowledgement of a publish.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Ack {
    /// The version the relay holds now.
    pub version: u64,
    /// Its open sockets.
    pub sockets: usize,
}

/// Most relays one relay passes a publish on to: each costs it one call
/// (~1 ms of its thread), and their widgets wait for one hop more.
pub const FORWARD_MAX: usize = 16;

/// A new snapshot for `relay`, which passes it on to `forward` (relays of
/// the same site, see [`publish_plan`]).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Publish {
    pub relay: RelayName,
    pub snapshot: Snapshot,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub forward: Vec<RelayName>,
}

/// A relay's answer to a publish: its own acknowledgement, and those of the
/// relays it passed the publish on to (`None`: that one did not answer; the
/// site sends it again itself).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Published {
    pub ack: Ack,
    #[serde(default)]
    pub forwarded: Vec<(RelayName, Option<Ack>)>,
}

/// Whom the site calls for a publish, each with the relays it passes it on
/// to: each region's relays in shard order, in runs of [`FORWARD_MAX`] + 1
/// led by the first. `direct`: the site calls every relay itself (a retry:
/// a relay that did not pass a publish on is not relied on for it again).
pub fn publish_plan(mut lagging: Vec<RelayName>, direct: bool) -> Vec<(RelayName, Vec<RelayName>)> {
    lagging.sort();
    lagging.dedup();
    if direct {
        return lagging.into_iter().map(|r| (r, Vec::new())).collect();
    }
    let mut plan: Vec<(RelayName, Vec<RelayName>)> = Vec::new();
    for relay in lagging {
        match plan.last_mut() {
            Some((leader, run))
                if leader.site == relay.site
                    && leader.region == relay.region
                    && run.len() < FORWARD_MAX =>
            {
                run.push(relay)
            }
            _ => plan.push((relay, Vec::new())),
        }
    }
    plan
}

/// The relays a publish may be passed on to: the same site's, at most
/// [`FORWARD_MAX`] (a publish names them; nothing else is trusted).
pub fn forward_list(publish: &Publish) -> impl Iterator<Item = &RelayName> {
    publish
        .forward
        .iter()
        .filter(|r| r.site == publish.relay.site && **r != publish.relay)
        .take(FORWARD_MAX)
}

/// A relay registering with its site and asking for the current snapshot
/// (on its first socket, on a wake, and every [`SYNC_EVERY_MS`]), or
/// leaving it (no sockets left).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Registration {
    pub relay: RelayName,
    /// Its open sockets (the site's `stats`).
    pub sockets: usize,
    /// Sockets it closed for going past their budget since it last said.
    #[serde(default)]
    pub over_budget: u32,
}

/// A widget socket's frame (`auth` or `send`), forwarded by its relay to
/// the site with the socket's attachment.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ForwardedFrame {
    pub relay: RelayName,
    pub socket: VisitorSocket,
    pub text: String,
}

/// The site's answer to a forwarded frame: the frames to send back to that
/// socket, and the socket as it is now (after an `auth`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FrameAnswer {
    pub frames: Vec<String>,
    pub socket: VisitorSocket,
}

/// What the site sends one relay besides snapshots, in order.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Delivery {
    /// A conversation frame for one visitor's sockets: those that
    /// authenticated as `visitor` with `key`, except socket `skip`.
    Frame {
        visitor: VisitorId,
        key: String,
        skip: Option<String>,
        text: String,
    },
    /// The visitor's data was erased: close their widgets.
    Erase { visitor: VisitorId },
    /// The owner changed the widget's settings: this frame (the visitor
    /// frame `widget`) to every widget.
    Widget { text: String },
    /// The site was deleted: close every widget, forget the snapshot.
    SiteDeleted,
}

/// A relay's answer to deliveries: the visitors who had no socket there
/// (their route is forgotten).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Delivered {
    pub gone: Vec<VisitorId>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn site() -> SiteId {
        SiteId::parse("s_0123456789abcdef0123456789abcdef").unwrap()
    }

    fn g(id: &str) -> GroupId {
        GroupId::parse(id).unwrap()
    }

    fn aud(status: &str, hint: u32) -> Audience {
        Audience {
            frame: format!("{status} next_change={hint}"),
            body: String::new(),
            key: status.to_string(),
        }
    }

    #[test]
    fn names() {
        let name = RelayName {
            site: site(),
            region: Region::Weur,
            shard: 3,
        };
        assert_eq!(
            name.object_name(),
            "relay:s_0123456789abcdef0123456789abcdef:weur:3"
        );
        assert_eq!(RelayName::parse(&name.object_name()), Some(name.clone()));
        assert_eq!(name.next_shard().map(|n| n.shard), Some(4));
        let last = RelayName {
            shard: MAX_SHARDS - 1,
            ..name
        };
        assert_eq!(last.next_shard(), None);
        for bad in [
            "relay:x:weur:0",
            "relay:s_0123456789abcdef0123456789abcdef:mars:0",
            "site:1",
        ] {
            assert_eq!(RelayName::parse(bad), None, "{bad}");
        }
        let json = serde_json::to_string(&last).unwrap();
        assert_eq!(serde_json::from_str::<RelayName>(&json).unwrap(), last);
    }

    fn relay(region: Region, shard: u16) -> RelayName {
        RelayName {
            site: site(),
            region,
            shard,
        }
    }

    /// The plan as (leader shard, [forwarded shards]) per region.
    fn shape(plan: &[(RelayName, Vec<RelayName>)]) -> Vec<(Region, u16, Vec<u16>)> {
        plan.iter()
            .map(|(l, run)| (l.region, l.shard, run.iter().map(|r| r.shard).collect()))
            .collect()
    }

    #[test]
    fn a_publish_is_a_tree_of_one_call_per_region_and_run_of_shards() {
        assert!(publish_plan(Vec::new(), false).is_empty());
        // One relay: called directly.
        let one = publish_plan(vec![relay(Region::Weur, 0)], false);
        assert_eq!(shape(&one), vec![(Region::Weur, 0, vec![])]);
        // Two regions, given in any order (and once twice): one call each,
        // the lowest shard leading its region.
        let plan = publish_plan(
            vec![
                relay(Region::Enam, 2),
                relay(Region::Weur, 1),
                relay(Region::Enam, 0),
                relay(Region::Weur, 0),
                relay(Region::Enam, 1),
                relay(Region::Enam, 2),
            ],
            false,
        );
        assert_eq!(
            shape(&plan),
            vec![(Region::Enam, 0, vec![1, 2]), (Region::Weur, 0, vec![1]),]
        );
        // A region of 40 shards: runs of FORWARD_MAX + 1.
        let big: Vec<_> = (0..40).map(|s| relay(Region::Apac, s)).collect();
        let plan = publish_plan(big.clone(), false);
        assert_eq!(plan.len(), 3);
        assert_eq!(plan[0].0.shard, 0);
        assert_eq!(plan[0].1.len(), FORWARD_MAX);
        assert_eq!(plan[1].0.shard, 17);
        assert_eq!(plan[2].0.shard, 34);
        assert_eq!(plan[2].1.len(), 5);
        // Every relay exactly once, as a leader or forwarded.
        let mut all: Vec<u16> = plan
            .iter()
            .flat_map(|(l, run)| std::iter::once(l.shard).chain(run.iter().map(|r| r.shard)))
            .collect();
        all.sort();
        assert_eq!(all, (0..40).collect::<Vec<_>>());
        // A retry calls every relay itself.
        let direct = publish_plan(big, true);
        assert_eq!(direct.len(), 40);
        assert!(direct.iter().all(|(_, run)| run.is_empty()));
    }

    #[test]
    fn a_relay_passes_a_publish_on_only_to_its_own_sites_relays() {
        let other = RelayName {
            site: SiteId::parse("s_ffffffffffffffffffffffffffffffff").unwrap(),
            region: Region::Weur,
            shard: 1,
        };
        let mut forward = vec![relay(Region::Weur, 0), other, relay(Region::Enam, 4)];
        forward.extend((1..=30).map(|s| relay(Region::Weur, s)));
        let publish = Publish {
            relay: relay(Region::Weur, 0),
            snapshot: Snapshot::default(),
            forward,
        };
        let list: Vec<_> = forward_list(&publish).collect();
        assert_eq!(list.len(), FORWARD_MAX);
        assert!(list
            .iter()
            .all(|r| r.site == site() && **r != publish.relay));
        // The wire shape: no `forward` when there is none to pass on.
        let leaf = Publish {
            forward: Vec::new(),
            ..publish
        };
        let json = serde_json::to_value(&leaf).unwrap();
        assert!(json.get("forward").is_none(), "{json}");
        assert_eq!(serde_json::from_value::<Publish>(json).unwrap(), leaf);
    }

    #[test]
    fn full_relays_send_widgets_to_the_first_shard_with_room() {
        let relay = |region, shard| RelayName {
            site: site(),
            region,
            shard,
        };
        let relays = vec![
            (relay(Region::Weur, 0), 100),
            (relay(Region::Weur, 1), 95),
            (relay(Region::Weur, 2), 10),
            (relay(Region::Weur, 3), 100),
            (relay(Region::Apac, 1), 100),
            (relay(Region::Enam, 0), 89),
        ];
        let open = open_shards(&relays, 100);
        assert_eq!(
            open.get(&Region::Weur),
            Some(&2),
            "0 and 1 are (nearly) full"
        );
        assert_eq!(open.get(&Region::Apac), Some(&0), "shard 0 left");
        assert_eq!(open.get(&Region::Enam), Some(&0), "89 of 100 has room");
        let snapshot = Snapshot {
            open_shards: open,
            ..Snapshot::default()
        };
        assert_eq!(next_shard(&relay(Region::Weur, 0), &snapshot), Some(2));
        assert_eq!(next_shard(&relay(Region::Weur, 2), &snapshot), Some(3));
        assert_eq!(next_shard(&relay(Region::Sam, 5), &snapshot), Some(6));
        assert_eq!(
            next_shard(&relay(Region::Sam, MAX_SHARDS - 1), &snapshot),
            None
        );
    }

    #[test]
    fn regions() {
        assert_eq!(Region::of_continent(Some("EU")), Region::Weur);
        assert_eq!(Region::of_continent(Some("NA")).hint(), Some("enam"));
        assert_eq!(Region::of_continent(None), Region::Local);
        assert_eq!(Region::Local.hint(), None);
    }

    #[test]
    fn only_newer_snapshots_apply() {
        let v1 = Snapshot {
            version: 1,
            site: aud("online", 1),
            groups: [
                (g("sales"), aud("busy", 1)),
                (g("support"), aud("online", 1)),
            ]
            .into(),
            origins: vec![],
            next_change: None,
            sockets_per_address: 100,
            open_shards: BTreeMap::new(),
        };
        let first = apply(&Snapshot::default(), &v1).unwrap();
        assert_eq!(
            first.changed,
            vec![None, Some(g("sales")), Some(g("support"))]
        );
        assert!(apply(&v1, &v1).is_none(), "the same version again");
        let mut v2 = v1.clone();
        v2.version = 2;
        v2.groups.remove(&g("support"));
        v2.groups.insert(g("sales"), aud("online", 2));
        // Only the hint moved: not sent again.
        v2.site = aud("online", 2);
        v2.origins = vec!["https://shop.example".into()];
        let applied = apply(&v1, &v2).unwrap();
        assert_eq!(applied.changed, vec![Some(g("sales"))]);
        assert_eq!(applied.gone, vec![g("support")]);
        assert!(applied.origins_changed);
        assert!(apply(&v2, &v1).is_none(), "an older version arriving late");
        assert_eq!(v2.audience(Some(&g("support"))), None);
        assert_eq!(v2.audience(None), Some("online next_change=2"));
        assert_eq!(Snapshot::default().audience(None), None);
    }
}
