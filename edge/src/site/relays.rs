//! The site's side of visitor relays (see `relaying`): what it publishes to
//! them, what it delivers to its visitors' sockets on them, and the relays'
//! calls to it.
//!
//! - **Publish once per relay**: after every settle, the audiences' status
//!   (and the allowed origins and per-address limit) is compared with what
//!   was last published; a change takes the next version, sent once to
//!   every registered relay, as a tree (`relaying::publish_plan`): the
//!   site calls one relay per region and run of shards, which passes it
//!   on. The site's cost per change grows with regions, not visitors.
//! - **Deliver**: a visitor's conversation frames go to the relays where
//!   that visitor authenticated a socket (`visitor_routes`), in order.
//! - Both are queued during an event and sent by [`Relays::flush`] after
//!   it, one flush at a time (so a relay gets deliveries in order); a relay
//!   that does not acknowledge a version is sent it again from the alarm,
//!   after [`RETRY_MS`] and then longer, while relays also catch up by
//!   themselves ([`relaying::SYNC_EVERY_MS`]).

use crate::bindings::now_ms;
use crate::error::ApiError;
use crate::fanout::{fingerprint, Payload};
use crate::objects::{self, Answer};
use crate::relaying::{
    self, Ack, Audience, Delivered, Delivery, Publish, Published, Registration, RelayName,
    Snapshot, RETRY_MS,
};
use crate::site::config::Config;
use crate::site::presence;
use crate::site::state::Site;
use crate::tally::Counter;
use futures_util::future::join_all;
use presenza_protocol::frame::{self, VisitorEvent};
use presenza_protocol::view::AudienceView;
use presenza_protocol::VisitorId;
use std::cell::{Cell, RefCell};
use std::collections::BTreeMap;
use std::rc::Rc;

/// The longest wait between two attempts at a relay that does not answer.
const MAX_RETRY_MS: i64 = 60_000;

#[derive(Default)]
pub struct Relays {
    /// Deliveries waiting for the end of the event, by relay, in order.
    queue: RefCell<BTreeMap<RelayName, Vec<Delivery>>>,
    /// A version some relays have not acknowledged is to be sent.
    publish: Cell<bool>,
    /// A flush is running: work queued meanwhile is left to it (order).
    flushing: Cell<bool>,
    /// The evaluation last compared (its content is published already).
    seen: RefCell<Option<Rc<presence::Snapshot>>>,
    /// The version and content key last published (`None`: not read yet).
    published: RefCell<Option<(u64, Option<String>)>>,
    /// When to send again to relays that did not acknowledge.
    retry_at: Cell<Option<i64>>,
    /// Failed rounds in a row (the retry waits longer each time).
    failures: Cell<u32>,
}

impl Relays {
    /// After a settle: takes a new version if what relays show changed.
    pub fn observe(
        &self,
        site: &Site,
        cfg: &Config,
        snap: &Rc<presence::Snapshot>,
    ) -> Result<(), ApiError> {
        if self
            .seen
            .borrow()
            .as_ref()
            .is_some_and(|s| Rc::ptr_eq(s, snap))
        {
            return Ok(());
        }
        let key = content_key(cfg, snap);
        let (version, last_key) = self.published(site)?;
        if last_key.as_deref() != Some(key.as_str()) {
            let version = version + 1;
            site.store.set_published(version, &key)?;
            *self.published.borrow_mut() = Some((version, Some(key)));
            self.publish.set(true);
        }
        *self.seen.borrow_mut() = Some(snap.clone());
        Ok(())
    }

    fn published(&self, site: &Site) -> Result<(u64, Option<String>), ApiError> {
        if let Some(p) = self.published.borrow().clone() {
            return Ok(p);
        }
        let p = site.store.published()?;
        *self.published.borrow_mut() = Some(p.clone());
        Ok(p)
    }

    /// The snapshot relays hold now: the current evaluation at the version
    /// last published.
    pub async fn snapshot(&self, site: &Site, now: i64) -> Result<Snapshot, ApiError> {
        let snap = site.settle(presence::Change::Read, now).await?;
        let cfg = site.config()?;
        let (version, _) = self.published(site)?;
        let mut snapshot = build(&cfg, &snap, version);
        let relays: Vec<(RelayName, u64)> = site
            .store
            .relays()?
            .into_iter()
            .map(|row| (row.name, row.sockets))
            .collect();
        let max = site.env_usize("RELAY_MAX_SOCKETS", relaying::DEFAULT_MAX_SOCKETS);
        snapshot.open_shards = relaying::open_shards(&relays, max);
        Ok(snapshot)
    }

    /// Storage was deleted: nothing was published.
    pub fn reset(&self) {
        *self.seen.borrow_mut() = None;
        *self.published.borrow_mut() = None;
        self.queue.borrow_mut().clear();
        self.publish.set(false);
        self.retry_at.set(None);
    }

    /// Queues a conversation frame for `visitor`'s sockets on relays.
    pub fn deliver(
        &self,
        site: &Site,
        visitor: &VisitorId,
        key: &str,
        skip: Option<&str>,
        text: &str,
    ) -> Result<(), ApiError> {
        let routes = site.store.visitor_routes(visitor)?;
        let mut queue = self.queue.borrow_mut();
        for relay in routes {
            queue.entry(relay).or_default().push(Delivery::Frame {
                visitor: visitor.clone(),
                key: key.to_string(),
                skip: skip.map(str::to_string),
                text: text.to_string(),
            });
        }
        Ok(())
    }

    /// The visitor's data was erased: every relay closes their widgets.
    pub fn erase(&self, site: &Site, visitor: &VisitorId) -> Result<(), ApiError> {
        let relays = site.store.relays()?;
        site.store.forget_visitor_routes(visitor)?;
        let mut queue = self.queue.borrow_mut();
        for row in relays {
            queue.entry(row.name).or_default().push(Delivery::Erase {
                visitor: visitor.clone(),
            });
        }
        Ok(())
    }

    /// The widget's settings changed: every relay sends `text` (the
    /// visitor frame `widget`) to all its widgets. Best effort, like a
    /// conversation frame: a relay not reached leaves its widgets with the
    /// settings they loaded until their next page.
    pub fn widget(&self, site: &Site, text: &str) -> Result<(), ApiError> {
        let relays = site.store.relays()?;
        let mut queue = self.queue.borrow_mut();
        for row in relays {
            queue.entry(row.name).or_default().push(Delivery::Widget {
                text: text.to_string(),
            });
        }
        Ok(())
    }

    /// The site is being deleted: every relay closes its widgets now.
    pub async fn site_deleted(&self, site: &Site) -> Result<(), ApiError> {
        let relays = site.store.relays()?;
        let env = site.env();
        let calls = relays
            .iter()
            .map(|row| async move { send(env, &row.name, None, &[Delivery::SiteDeleted]).await });
        for result in join_all(calls).await {
            // A relay not reached closes its widgets at its next sync (the
            // site answers 404 then).
            if let Err(e) = result {
                worker::console_error!("relays: site deleted: {e}");
            }
        }
        Ok(())
    }

    /// Whether the alarm must come by a retry (`None`: no retry pending).
    pub fn retry_at(&self) -> Option<i64> {
        self.retry_at.get()
    }

    /// From the alarm: a retry that is due makes the next flush send again.
    pub fn alarm(&self, now: i64) {
        if self.retry_at.get().is_some_and(|t| t <= now) {
            self.retry_at.set(None);
            self.publish.set(true);
        }
    }

    /// Whether a flush has something to send.
    pub fn pending(&self) -> bool {
        self.publish.get() || !self.queue.borrow().is_empty()
    }

    /// Sends what is queued, until nothing is; one flush at a time.
    pub async fn flush(&self, site: &Site) {
        if self.flushing.replace(true) {
            return;
        }
        while self.pending() {
            if let Err(e) = self.round(site).await {
                worker::console_error!("relays: {e}");
                self.failed(now_ms());
            }
        }
        self.flushing.set(false);
        if self.retry_at.get().is_some() {
            // The alarm comes by the retry (settle sets it).
            if let Err(e) = site.settle(presence::Change::Read, now_ms()).await {
                worker::console_error!("relays: alarm for a retry: {e}");
            }
        }
    }

    fn failed(&self, now: i64) {
        let n = self.failures.get().saturating_add(1);
        self.failures.set(n);
        let wait = (RETRY_MS << n.min(5).saturating_sub(1)).min(MAX_RETRY_MS);
        let at = now + wait;
        self.retry_at
            .set(Some(self.retry_at.get().map_or(at, |t| t.min(at))));
    }

    /// One round: the new version to every relay that lacks it (as a
    /// tree, directly on a retry), and the queued deliveries, each relay's
    /// in one call, all relays at once.
    async fn round(&self, site: &Site) -> Result<(), ApiError> {
        let now = now_ms();
        let deliveries = std::mem::take(&mut *self.queue.borrow_mut());
        // Per relay called: the relays it passes the publish on to (`None`:
        // no publish for it), and its deliveries.
        type Work = (Option<Vec<RelayName>>, Vec<Delivery>);
        let mut work: BTreeMap<RelayName, Work> = deliveries
            .into_iter()
            .map(|(relay, d)| (relay, (None, d)))
            .collect();
        let mut snapshot = None;
        if self.publish.replace(false) {
            let current = self.snapshot(site, now).await?;
            let lagging: Vec<_> = site
                .store
                .relays()?
                .into_iter()
                .filter(|row| row.acked < current.version)
                .collect();
            if !lagging.is_empty() && site.faults.drop_publish() {
                // A test's fault: this version is lost on the way, yet
                // believed delivered; relays must catch up by themselves.
                for row in lagging {
                    site.store
                        .relay_acked(&row.name, current.version, row.sockets)?;
                }
            } else {
                let names = lagging.into_iter().map(|row| row.name).collect();
                let direct = self.failures.get() > 0;
                for (leader, run) in relaying::publish_plan(names, direct) {
                    work.entry(leader).or_default().0 = Some(run);
                }
            }
            snapshot = Some(current);
        }
        let env = site.env();
        let calls = work.into_iter().map(|(relay, (forward, deliveries))| {
            let publish = snapshot.as_ref().zip(forward).map(|(s, forward)| Publish {
                relay: relay.clone(),
                snapshot: s.clone(),
                forward,
            });
            if publish.is_some() {
                site.tallies.bump(Counter::RelayPublishCalls);
            }
            async move {
                let outcome = send(env, &relay, publish.as_ref(), &deliveries).await;
                (relay, outcome)
            }
        });
        let mut all_ok = true;
        let mut published = Vec::new();
        for (relay, outcome) in join_all(calls).await {
            match outcome {
                Ok((answer, delivered)) => {
                    if let Some(answer) = answer {
                        self.acked(site, &relay, answer.ack, &mut published)?;
                        for (other, ack) in answer.forwarded {
                            match ack {
                                Some(ack) => self.acked(site, &other, ack, &mut published)?,
                                // Sent again by the site itself, at the retry.
                                None => all_ok = false,
                            }
                        }
                    }
                    for visitor in delivered.map(|d| d.gone).unwrap_or_default() {
                        site.store.remove_visitor_route(&visitor, &relay)?;
                    }
                }
                Err(e) => {
                    worker::console_error!("relay {}: {e}", relay.object_name());
                    all_ok = false;
                }
            }
        }
        if all_ok {
            self.failures.set(0);
        } else {
            self.failed(now);
        }
        if let Some(current) = snapshot.filter(|_| !published.is_empty()) {
            if site.faults.stale_publish() {
                replay_older(env, &published, &current).await;
            }
        }
        Ok(())
    }

    /// A relay's acknowledgement of a publish (its own or passed on).
    fn acked(
        &self,
        site: &Site,
        relay: &RelayName,
        ack: Ack,
        published: &mut Vec<RelayName>,
    ) -> Result<(), ApiError> {
        published.push(relay.clone());
        if ack.sockets == 0 {
            // It holds nobody: it registers again with its next socket.
            site.store.deregister_relay(relay)?;
        } else {
            site.store
                .relay_acked(relay, ack.version, ack.sockets as u64)?;
        }
        Ok(())
    }

    /// A relay registers (or says it is alive) and asks for the current
    /// snapshot.
    pub async fn sync(&self, site: &Site, reg: Registration) -> Result<Snapshot, ApiError> {
        let now = now_ms();
        site.config()?;
        if reg.relay.site != site.config()?.site_id {
            return Err(ApiError::route_not_found());
        }
        site.store
            .register_relay(&reg.relay, reg.sockets as u64, now)?;
        for _ in 0..reg.over_budget {
            site.tallies.bump(Counter::SocketsOverBudget);
        }
        let snapshot = self.snapshot(site, now).await?;
        site.store
            .relay_acked(&reg.relay, snapshot.version, reg.sockets as u64)?;
        Ok(snapshot)
    }

    /// A relay has no sockets left.
    pub fn leave(&self, site: &Site, reg: &Registration) -> Result<(), ApiError> {
        site.store.deregister_relay(&reg.relay)?;
        Ok(())
    }
}

/// A test's fault (`TEST_FAULTS=stale_publish=N`): an older version than
/// `current`, saying the site is offline, arrives late at `relays`, which
/// must ignore it.
async fn replay_older(env: &worker::Env, relays: &[RelayName], current: &Snapshot) {
    let mut older = current.clone();
    older.version = current.version.saturating_sub(1);
    if let Some(view) = serde_json::from_str::<AudienceView>(&current.site.body)
        .ok()
        .map(|view| AudienceView {
            status: presenza_rules::Status::Offline,
            ..view
        })
    {
        older.site = Audience {
            frame: frame::to_text(&VisitorEvent::Status(view.clone())),
            body: frame::to_text(&view),
            key: "stale".into(),
        };
    }
    for relay in relays {
        let publish = Publish {
            relay: relay.clone(),
            snapshot: older.clone(),
            forward: Vec::new(),
        };
        if let Err(e) = send(env, relay, Some(&publish), &[]).await {
            worker::console_error!("relays: stale replay: {e}");
        }
    }
}

/// One relay's call(s): the publish, then the deliveries.
async fn send(
    env: &worker::Env,
    relay: &RelayName,
    publish: Option<&Publish>,
    deliveries: &[Delivery],
) -> Result<(Option<Published>, Option<Delivered>), ApiError> {
    let stub = objects::relay(env, relay)?;
    let ack = match publish {
        Some(p) => Some(expect(objects::call(&stub, "publish", p).await?)?),
        None => None,
    };
    let delivered = if deliveries.is_empty() {
        None
    } else {
        Some(expect(objects::call(&stub, "deliver", &deliveries).await?)?)
    };
    Ok((ack, delivered))
}

fn expect<T>(answer: Answer<T>) -> Result<T, ApiError> {
    match answer {
        Answer::Ok(t) => Ok(t),
        Answer::Refused(resp) => Err(ApiError::internal(format!(
            "refused with {}",
            resp.status_code()
        ))),
    }
}

/// What relays show, from an evaluation.
fn build(cfg: &Config, snap: &presence::Snapshot, version: u64) -> Snapshot {
    let audience = |view: &AudienceView| Audience {
        frame: frame::to_text(&VisitorEvent::Status(view.clone())),
        body: frame::to_text(view),
        key: fingerprint(Payload::Audience(view)),
    };
    Snapshot {
        version,
        site: snap
            .published
            .site
            .as_ref()
            .map(audience)
            .unwrap_or_default(),
        groups: snap
            .published
            .groups
            .iter()
            .map(|(g, v)| (g.clone(), audience(v)))
            .collect(),
        origins: cfg.origins.clone(),
        next_change: snap.eval.next_change,
        sockets_per_address: cfg.limits.sockets_per_address,
        open_shards: BTreeMap::new(),
    }
}

/// What a change must move to be published: the audiences' fingerprints
/// (`next_change` alone moves with every heartbeat and is only a hint), the
/// origins and the per-address limit.
fn content_key(cfg: &Config, snap: &presence::Snapshot) -> String {
    let mut key = String::new();
    if let Some(site) = &snap.published.site {
        key.push_str(&fingerprint(Payload::Audience(site)));
    }
    for (g, view) in &snap.published.groups {
        key.push('\n');
        key.push_str(g.as_str());
        key.push('=');
        key.push_str(&fingerprint(Payload::Audience(view)));
    }
    key.push_str(&format!(
        "\norigins={}\nper_address={}",
        cfg.origins.join(" "),
        cfg.limits.sockets_per_address
    ));
    key
}
