//! [`Relay`]: the handle every relay handler receives: the runtime state
//! (its widget sockets, its alarm), its storage, the snapshot it holds and
//! the verbs that keep it current.

use super::store::{Key, RelayStore};
use crate::bindings::now_ms;
use crate::budget::{Budgets, Overrun};
use crate::error::ApiError;
use crate::objects::{self, Answer};
use crate::relaying::{
    self, Registration, RelayName, Snapshot, DEFAULT_MAX_SOCKETS, SYNC_EVERY_MS,
};
use crate::residency;
use crate::sockets::{self, Tag};
use presenza_protocol::frame::close;
use std::cell::{Cell, RefCell};
use std::task::{Poll, Waker};
use wasm_bindgen::JsValue;
use worker::{Env, Response, ScheduledTime, State, WebSocket};

pub struct Relay {
    pub state: State,
    env: Env,
    store: RelayStore,
    /// Its name (`None`: not read yet; learned from the first call).
    name: RefCell<Option<RelayName>>,
    /// The snapshot it holds (`None`: not read from storage yet).
    snapshot: RefCell<Option<Snapshot>>,
    own_origin: RefCell<Option<String>>,
    /// What each widget socket may still send.
    pub budgets: Budgets,
    /// When this instance last synced with the site (`None`: not yet: a
    /// wake checks first).
    synced_at: Cell<Option<i64>>,
    /// Sockets closed over budget, not yet told to the site.
    over_budget: Cell<u32>,
    /// A sync is on its way: lookups meanwhile use what is held; a relay
    /// with nothing held waits for it (see [`Relay::sync`]).
    syncing: Cell<bool>,
    /// Who waits for the sync on its way.
    sync_waiters: SyncWaiters,
    /// Its open widget sockets, as last counted by the runtime and kept
    /// since by this instance's accepts and closes (see [`Relay::sockets`]);
    /// `None` until counted.
    socket_count: Cell<Option<usize>>,
}

/// Wakes the calls waiting for the sync on its way, when it ends in any
/// way (see [`SyncRound`]).
#[derive(Default)]
struct SyncWaiters {
    /// Syncs ended so far: a waiter is done when this moves.
    ended: Cell<u64>,
    wakers: RefCell<Vec<Waker>>,
}

impl SyncWaiters {
    async fn wait(&self) {
        let ended = self.ended.get();
        std::future::poll_fn(|cx| {
            if self.ended.get() != ended {
                Poll::Ready(())
            } else {
                self.wakers.borrow_mut().push(cx.waker().clone());
                Poll::Pending
            }
        })
        .await
    }

    fn end(&self) {
        self.ended.set(self.ended.get() + 1);
        for waker in self.wakers.take() {
            waker.wake();
        }
    }
}

/// The sync on its way; when it ends, even by a dropped request, the
/// relay is no longer syncing and its waiters go on.
struct SyncRound<'a>(&'a Relay);

impl Drop for SyncRound<'_> {
    fn drop(&mut self) {
        self.0.syncing.set(false);
        self.0.sync_waiters.end();
    }
}

impl Relay {
    pub fn new(state: State, env: Env) -> Relay {
        let store = RelayStore::new(state.storage().sql());
        Relay {
            state,
            env,
            store,
            name: RefCell::new(None),
            snapshot: RefCell::new(None),
            own_origin: RefCell::new(None),
            budgets: Budgets::default(),
            synced_at: Cell::new(None),
            over_budget: Cell::new(0),
            syncing: Cell::new(false),
            sync_waiters: SyncWaiters::default(),
            socket_count: Cell::new(None),
        }
    }

    /// Widget sockets this relay holds at most (`RELAY_MAX_SOCKETS`).
    pub fn max_sockets(&self) -> usize {
        self.env_num("RELAY_MAX_SOCKETS", DEFAULT_MAX_SOCKETS as i64)
            .max(1) as usize
    }

    fn sync_every_ms(&self) -> i64 {
        self.env_num("RELAY_SYNC_MS", SYNC_EVERY_MS).max(100)
    }

    fn env_num(&self, name: &str, default: i64) -> i64 {
        self.env
            .var(name)
            .ok()
            .and_then(|v| v.to_string().trim().parse().ok())
            .unwrap_or(default)
    }

    /// The bindings: the site's object.
    pub fn env(&self) -> &Env {
        &self.env
    }

    /// Its open widget sockets: the runtime's last count plus the accepts
    /// and minus the closes since. The runtime counts only when nothing is
    /// held (a new or woken instance, sockets closed from here) and on the
    /// alarm's tick: a count asks for every socket, which at 10,000 widgets
    /// made each publish's ack cost the site's thread milliseconds
    /// (BENCHMARKS.md, issue 12). A tab that died without a close event is
    /// counted until the next tick.
    pub fn sockets(&self) -> usize {
        match self.socket_count.get() {
            Some(n) => n,
            None => self.recount(),
        }
    }

    /// Its open widget sockets, as the runtime counts them now.
    fn recount(&self) -> usize {
        let n = sockets::count(&self.state, Tag::Visitors);
        self.socket_count.set(Some(n));
        n
    }

    /// A widget socket was accepted.
    pub fn socket_opened(&self) {
        if let Some(n) = self.socket_count.get() {
            self.socket_count.set(Some(n + 1));
        }
    }

    /// A widget socket closed (its close or error event).
    pub fn socket_closed(&self) {
        if let Some(n) = self.socket_count.get() {
            self.socket_count.set(Some(n.saturating_sub(1)));
        }
    }

    /// Sockets were closed from here (the runtime counts them again).
    pub fn sockets_closed(&self) {
        self.socket_count.set(None);
    }

    /// Its name: as a call says it (stored the first time), else stored.
    pub fn name(&self, told: Option<&RelayName>) -> Result<Option<RelayName>, ApiError> {
        if let Some(name) = told {
            if self.name.borrow().as_ref() != Some(name) {
                if self.store.get(Key::Name)?.as_deref() != Some(&name.object_name()) {
                    self.store.set(Key::Name, &name.object_name())?;
                }
                *self.name.borrow_mut() = Some(name.clone());
            }
            return Ok(Some(name.clone()));
        }
        if self.name.borrow().is_none() {
            *self.name.borrow_mut() = self
                .store
                .get(Key::Name)?
                .and_then(|n| RelayName::parse(&n));
        }
        Ok(self.name.borrow().clone())
    }

    /// The edge's origin (always allowed), as the Worker's URL says it.
    pub fn own_origin(&self, told: Option<&str>) -> Result<String, ApiError> {
        if let Some(origin) = told {
            if self.own_origin.borrow().as_deref() != Some(origin) {
                if self.store.get(Key::OwnOrigin)?.as_deref() != Some(origin) {
                    self.store.set(Key::OwnOrigin, origin)?;
                }
                *self.own_origin.borrow_mut() = Some(origin.to_string());
            }
            return Ok(origin.to_string());
        }
        if self.own_origin.borrow().is_none() {
            *self.own_origin.borrow_mut() = self.store.get(Key::OwnOrigin)?;
        }
        Ok(self.own_origin.borrow().clone().unwrap_or_default())
    }

    /// The snapshot it holds (version 0: none yet).
    pub fn snapshot(&self) -> Result<Snapshot, ApiError> {
        if let Some(s) = self.snapshot.borrow().as_ref() {
            return Ok(s.clone());
        }
        let held = match self.store.get(Key::Snapshot)? {
            Some(json) => serde_json::from_str(&json).unwrap_or_default(),
            None => Snapshot::default(),
        };
        *self.snapshot.borrow_mut() = Some(held.clone());
        Ok(held)
    }

    /// Takes `new` if it is newer than what it holds: its sockets are told
    /// what changed, those of a deleted group and from an origin no longer
    /// allowed are closed. Returns the version it holds.
    pub fn apply(&self, new: &Snapshot) -> Result<u64, ApiError> {
        let mut held = self.snapshot()?;
        let Some(applied) = relaying::apply(&held, new) else {
            if new.version == held.version && new.open_shards != held.open_shards {
                // Where a full relay sends widgets moves without a version.
                held.open_shards = new.open_shards.clone();
                self.hold(&held)?;
            }
            return Ok(held.version);
        };
        self.hold(new)?;
        for audience in &applied.changed {
            if let Some(text) = new.audience(audience.as_ref()) {
                sockets::broadcast(&self.state, Tag::Audience(audience.as_ref()), text);
            }
        }
        for group in &applied.gone {
            sockets::close_tag(
                &self.state,
                Tag::Audience(Some(group)),
                close::GROUP_DELETED,
                "group deleted",
            );
            self.sockets_closed();
        }
        if applied.origins_changed {
            let own = self.own_origin(None)?;
            sockets::close_disallowed_origins(&self.state, &new.origins, &own);
            self.sockets_closed();
        }
        Ok(new.version)
    }

    fn hold(&self, snapshot: &Snapshot) -> Result<(), ApiError> {
        let json =
            serde_json::to_string(snapshot).map_err(|e| ApiError::internal(e.to_string()))?;
        self.store.set(Key::Snapshot, &json)?;
        *self.snapshot.borrow_mut() = Some(snapshot.clone());
        Ok(())
    }

    /// Registers with the site (the first socket, a wake, every sync
    /// period) and takes its current snapshot. The site's refusal comes
    /// back as is (a site that does not exist: its 404), and closes every
    /// socket.
    pub async fn sync(&self) -> Result<Result<(), Response>, ApiError> {
        let Some(name) = self.name(None)? else {
            return Ok(Ok(()));
        };
        if self.syncing.get() {
            if self.snapshot()?.version > 0 {
                return Ok(Ok(()));
            }
            // A new relay's first sync is on its way: every widget opening
            // meanwhile waits for it instead of calling the site too.
            self.sync_waiters.wait().await;
            if self.snapshot()?.version > 0 {
                return Ok(Ok(()));
            }
        }
        self.syncing.set(true);
        let _round = SyncRound(self);
        self.sync_with(name).await
    }

    async fn sync_with(&self, name: RelayName) -> Result<Result<(), Response>, ApiError> {
        let now = now_ms();
        let reg = Registration {
            relay: name.clone(),
            sockets: self.sockets(),
            over_budget: self.over_budget.replace(0),
        };
        let stub = objects::site(&self.env, &name.site)?;
        match objects::call::<_, Snapshot>(&stub, "relay-sync", &reg).await {
            Ok(Answer::Ok(snapshot)) => {
                self.synced_at.set(Some(now));
                self.apply(&snapshot)?;
                Ok(Ok(()))
            }
            Ok(Answer::Refused(resp)) => {
                if resp.status_code() == 404 {
                    self.site_deleted()?;
                }
                Ok(Err(resp))
            }
            Err(e) => {
                self.over_budget
                    .set(self.over_budget.get() + reg.over_budget);
                Err(e)
            }
        }
    }

    /// The site is gone (deleted): so are its widgets.
    pub fn site_deleted(&self) -> Result<(), ApiError> {
        for ws in self.state.get_websockets() {
            let _ = ws.close(Some(close::NORMAL), Some("site deleted"));
        }
        self.sockets_closed();
        self.store.set(Key::Snapshot, "{}")?;
        *self.snapshot.borrow_mut() = Some(Snapshot::default());
        Ok(())
    }

    /// Whether a status lookup must ask the site first: nothing held, a
    /// wake not checked yet, or (without widgets, so without publishes) a
    /// snapshot older than `fresh_ms`.
    pub fn stale_for_lookup(&self, now: i64, fresh_ms: i64) -> Result<bool, ApiError> {
        if self.snapshot()?.version == 0 {
            return Ok(true);
        }
        Ok(match self.synced_at.get() {
            None => true,
            Some(t) => self.sockets() == 0 && now - t > fresh_ms,
        })
    }

    /// Whether this instance has not checked its snapshot yet (a wake).
    pub fn unchecked(&self) -> bool {
        self.synced_at.get().is_none()
    }

    /// The alarm: leave the site with no socket left, else sync when due
    /// and come back (sooner for a relay big enough to stay in memory, see
    /// [`residency`]).
    pub async fn tick(&self) -> Result<(), ApiError> {
        let now = now_ms();
        // Exact here: a relay leaves its site with its last socket.
        if self.recount() == 0 {
            self.leave().await?;
            if self.sockets() == 0 {
                return Ok(());
            }
        }
        let due = self
            .synced_at
            .get()
            .is_none_or(|t| now - t >= self.sync_every_ms() - 500);
        if due || self.over_budget.get() > 0 {
            // A refusal closed what had to be closed.
            let _ = self.sync().await?;
        }
        self.schedule(now).await
    }

    /// Sets the alarm for the next sync (or keep-alive tick).
    pub async fn schedule(&self, now: i64) -> Result<(), ApiError> {
        let resident_from = self.env_num(
            "KEEP_RESIDENT_FROM_VISITORS",
            residency::DEFAULT_RESIDENT_FROM as i64,
        );
        let resident = residency::is_resident(Some(self.sockets()), resident_from.max(0) as usize);
        let every = if resident {
            self.sync_every_ms().min(residency::TICK_MS)
        } else {
            self.sync_every_ms()
        };
        self.alarm_at(now + every).await
    }

    /// Makes sure an alarm is set (the first socket).
    pub async fn ensure_alarm(&self, now: i64) -> Result<(), ApiError> {
        if self.state.storage().get_alarm().await?.is_none() {
            self.schedule(now).await?;
        }
        Ok(())
    }

    async fn alarm_at(&self, ms: i64) -> Result<(), ApiError> {
        let date = js_sys::Date::new(&JsValue::from_f64(ms as f64));
        self.state
            .storage()
            .set_alarm(ScheduledTime::new(date))
            .await?;
        Ok(())
    }

    /// No socket left: the site stops publishing here.
    async fn leave(&self) -> Result<(), ApiError> {
        let Some(name) = self.name(None)? else {
            return Ok(());
        };
        let reg = Registration {
            relay: name.clone(),
            sockets: 0,
            over_budget: self.over_budget.replace(0),
        };
        let stub = objects::site(&self.env, &name.site)?;
        let _ = objects::call::<_, serde_json::Value>(&stub, "relay-leave", &reg).await?;
        // Its next socket registers it again, with a fresh snapshot.
        self.synced_at.set(None);
        Ok(())
    }

    /// Closes a socket that sent past its budget (1008); the site counts
    /// it at the next sync, which comes soon.
    pub async fn close_over_budget(&self, ws: &WebSocket, key: &str, overrun: Overrun) {
        if overrun == Overrun::Closing {
            return;
        }
        self.budgets.closing(key);
        let _ = ws.close(Some(close::POLICY), Some(overrun.reason()));
        self.sockets_closed();
        self.over_budget.set(self.over_budget.get() + 1);
        let _ = self.alarm_at(now_ms() + 1_000).await;
    }
}
