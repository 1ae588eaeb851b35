//! Faults a test can switch on (the `TEST_FAULTS` var, never set in
//! wrangler.toml), so that recovery paths and slow clocks are tested
//! against the real runtime: `alarm=N` makes an object's first N alarm runs
//! fail; `day_ms=N` makes a retention day last N ms; `drop_publish=N`
//! loses the next N snapshot versions on their way to relays (`relays`),
//! as if delivered; `stale_publish=N` follows the next N publishes with an
//! older version (saying offline) arriving late; `alert_minute_ms=N`
//! makes a minute of an alert threshold last N ms (`site::alerts`).

use crate::retention::DAY_MS;

/// A real minute.
const MINUTE_MS: i64 = 60_000;
use std::cell::Cell;
use worker::Env;

pub struct Faults {
    /// Alarm runs still to fail.
    alarms: Cell<u32>,
    /// How long a retention day lasts.
    day_ms: i64,
    /// How long a minute of an alert threshold lasts.
    alert_minute_ms: i64,
    /// Snapshot publishes still to lose.
    publishes: Cell<u32>,
    /// Publishes still to follow with an older version.
    stale: Cell<u32>,
}

impl Faults {
    pub fn from_env(env: &Env) -> Faults {
        let spec = env
            .var("TEST_FAULTS")
            .map(|v| v.to_string())
            .unwrap_or_default();
        let value = |name: &str| {
            spec.split(',')
                .filter_map(|item| item.trim().strip_prefix(name)?.strip_prefix('='))
                .find_map(|n| n.parse::<i64>().ok())
        };
        Faults {
            alarms: Cell::new(
                value("alarm")
                    .and_then(|n| u32::try_from(n).ok())
                    .unwrap_or(0),
            ),
            day_ms: value("day_ms").filter(|ms| *ms > 0).unwrap_or(DAY_MS),
            alert_minute_ms: value("alert_minute_ms")
                .filter(|ms| *ms > 0)
                .unwrap_or(MINUTE_MS),
            publishes: Cell::new(
                value("drop_publish")
                    .and_then(|n| u32::try_from(n).ok())
                    .unwrap_or(0),
            ),
            stale: Cell::new(
                value("stale_publish")
                    .and_then(|n| u32::try_from(n).ok())
                    .unwrap_or(0),
            ),
        }
    }

    /// How long a retention day lasts (a real day unless a test says).
    pub fn day_ms(&self) -> i64 {
        self.day_ms
    }

    /// How long a minute of an alert threshold lasts (a real minute
    /// unless a test says).
    pub fn alert_minute_ms(&self) -> i64 {
        self.alert_minute_ms
    }

    /// Whether this publish to relays must be lost.
    pub fn drop_publish(&self) -> bool {
        take(&self.publishes)
    }

    /// Whether this publish must be followed by an older version.
    pub fn stale_publish(&self) -> bool {
        take(&self.stale)
    }

    /// Whether this alarm run must fail.
    pub fn fail_alarm(&self) -> bool {
        take(&self.alarms)
    }
}

/// Counts one use of a fault; whether it was still on.
fn take(left: &Cell<u32>) -> bool {
    let n = left.get();
    if n > 0 {
        left.set(n - 1);
    }
    n > 0
}
