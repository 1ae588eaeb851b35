//! What the object counts in memory (see [`crate::tally`]): the `stats`
//! counters and the number of open visitor sockets, and when they are
//! stored: at the end of an event that writes anyway, every alarm, or once
//! enough counts are pending.

use crate::error::ApiError;
use crate::residency;
use crate::sockets::{self, Tag};
use crate::store::{Store, StoreError};
use crate::tally::{Admit, Counter, Counters, Need, VisitorGauge};
use std::cell::RefCell;
use worker::State;

#[derive(Default)]
pub struct Tallies {
    /// Open visitor sockets, followed without counting them.
    visitors: RefCell<VisitorGauge>,
    /// `stats` counters not stored yet.
    counters: RefCell<Counters>,
}

impl Tallies {
    pub fn bump(&self, counter: Counter) {
        self.counters.borrow_mut().bump(counter);
    }

    /// A counter: what is stored plus what is pending (exact while the
    /// object stays in memory).
    pub fn counter(&self, stored: i64, counter: Counter) -> i64 {
        stored + self.counters.borrow().pending(counter)
    }

    /// Whether one more visitor socket fits, without counting the sockets
    /// unless the stored bound is near the limit (see [`VisitorGauge`]).
    /// Call with no `await` before the accept, and [`Self::visitor_opened`]
    /// right after it.
    pub fn admit_visitor(&self, state: &State, store: &Store) -> Result<(), ApiError> {
        let mut gauge = self.visitors.borrow_mut();
        if gauge.need() == Some(Need::Stored) {
            gauge.loaded(store.visitor_bound()?);
        }
        if gauge.need() == Some(Need::Count) {
            gauge.counted(sockets::count(state, Tag::Visitors));
        }
        match gauge.admit() {
            Admit::Full => Err(ApiError::too_many_connections(
                "this site has too many live visitors; poll GET /status instead",
            )),
            Admit::Open { store: bound } => {
                if let Some(bound) = bound {
                    store.set_visitor_bound(bound)?;
                    gauge.saved(bound);
                }
                Ok(())
            }
        }
    }

    pub fn visitor_opened(&self) {
        self.visitors.borrow_mut().opened();
    }

    /// A visitor socket's close event (`failed`: its error event, which may
    /// or may not be followed by a close event: only the close counts it
    /// out).
    pub fn visitor_gone(&self, failed: bool) {
        let mut gauge = self.visitors.borrow_mut();
        if failed {
            gauge.unsure();
        } else {
            gauge.closed();
        }
    }

    /// The object closed visitor sockets itself: their close events may or
    /// may not come, so the count stays an upper bound until counted again.
    pub fn visitors_closed_by_us(&self) {
        self.visitors.borrow_mut().unsure();
    }

    /// The visitor sockets, just counted.
    pub fn visitors_counted(&self, n: usize) {
        self.visitors.borrow_mut().counted(n);
    }

    /// Whether an object keeps itself in memory (see [`residency`]): after a
    /// wake nothing may have counted the sockets yet, so the stored bound
    /// says whether this was a big audience, without counting.
    pub fn resident(&self, store: &Store, resident_from: usize) -> bool {
        if resident_from == 0 {
            return false;
        }
        let mut gauge = self.visitors.borrow_mut();
        if gauge.need() == Some(Need::Stored) {
            if let Ok(bound) = store.visitor_bound() {
                gauge.loaded(bound);
            }
        }
        residency::is_resident(gauge.known(), resident_from)
    }

    /// End of an event: if it wrote to storage (it commits anyway), the
    /// pending counters and a lower visitor socket bound are written with
    /// it; so they are if enough counts are pending, or if `always`
    /// (alarms). `holds_site` says whether the object holds a site: an
    /// object that holds none is never written to.
    pub fn save(&self, store: &Store, always: bool, holds_site: impl FnOnce() -> bool) {
        let wrote = store.take_wrote();
        if !wrote {
            let due = always || self.counters.borrow().due();
            if !due || !holds_site() {
                return;
            }
        }
        if let Err(e) = self.write(store) {
            worker::console_error!("storing counters: {e}");
        }
        store.take_wrote();
    }

    fn write(&self, store: &Store) -> Result<(), StoreError> {
        let counts = self.counters.borrow().to_save();
        if !counts.is_empty() {
            store.add_counters(&counts)?;
            self.counters.borrow_mut().saved(&counts);
        }
        let mut gauge = self.visitors.borrow_mut();
        if gauge.wants_stored() {
            gauge.loaded(store.visitor_bound()?);
        }
        if let Some(bound) = gauge.to_save() {
            store.set_visitor_bound(bound)?;
            gauge.saved(bound);
        }
        Ok(())
    }
}
