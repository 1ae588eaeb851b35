//! Faults a test can switch on (the `TEST_FAULTS` var, never set in
//! wrangler.toml), so that recovery paths are tested against the real
//! runtime: `alarm=N` makes an object's first N alarm runs fail.

use std::cell::Cell;
use worker::Env;

#[derive(Default)]
pub struct Faults {
    /// Alarm runs still to fail.
    alarms: Cell<u32>,
}

impl Faults {
    pub fn from_env(env: &Env) -> Faults {
        let spec = env
            .var("TEST_FAULTS")
            .map(|v| v.to_string())
            .unwrap_or_default();
        let alarms = spec
            .split(',')
            .filter_map(|item| item.trim().strip_prefix("alarm="))
            .find_map(|n| n.parse().ok())
            .unwrap_or(0);
        Faults {
            alarms: Cell::new(alarms),
        }
    }

    /// Whether this alarm run must fail.
    pub fn fail_alarm(&self) -> bool {
        let left = self.alarms.get();
        if left > 0 {
            self.alarms.set(left - 1);
        }
        left > 0
    }
}
