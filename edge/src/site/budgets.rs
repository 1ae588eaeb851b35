//! Each live socket's budget (see [`crate::budget`]), kept in memory by
//! the socket's key: a visitor socket's id, a device's session.

use crate::budget::{Limits, Overrun, SocketBudget};
use std::cell::RefCell;
use std::collections::HashMap;

/// Budgets are forgotten when their socket closes; past this many, those
/// idle for [`IDLE_MS`] are dropped too (sockets whose close never came).
const PRUNE_ABOVE: usize = 4096;
const IDLE_MS: i64 = 60_000;

#[derive(Default)]
pub struct Budgets {
    sockets: RefCell<HashMap<String, SocketBudget>>,
}

impl Budgets {
    /// A frame of `len` bytes from the socket `key`.
    pub fn frame(&self, key: &str, limits: Limits, len: usize, now: i64) -> Result<(), Overrun> {
        let mut sockets = self.sockets.borrow_mut();
        if sockets.len() > PRUNE_ABOVE {
            sockets.retain(|_, b| b.last_used > now - IDLE_MS);
        }
        sockets
            .entry(key.to_string())
            .or_insert_with(|| SocketBudget::new(limits, now))
            .frame(len, now)
    }

    /// An `auth` attempt from the socket `key`.
    pub fn auth(&self, key: &str, limits: Limits, now: i64) -> Result<(), Overrun> {
        self.sockets
            .borrow_mut()
            .entry(key.to_string())
            .or_insert_with(|| SocketBudget::new(limits, now))
            .auth()
    }

    /// The socket is being closed for an overrun: its frames still in
    /// flight are dropped.
    pub fn closing(&self, key: &str) {
        if let Some(b) = self.sockets.borrow_mut().get_mut(key) {
            b.close();
        }
    }

    /// The socket closed.
    pub fn forget(&self, key: &str) {
        self.sockets.borrow_mut().remove(key);
    }
}
