//! The three statuses an audience or an agent can have, and an agent's
//! manual choice.
//!
//! `Status` is ordered `Offline < Busy < Online`, so "the best status" of a
//! set is simply its maximum.

use alloc::string::String;

use crate::time::UnixMillis;

/// Availability, ordered from worst to best: `Offline < Busy < Online`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[cfg_attr(
    feature = "serde",
    derive(serde::Serialize, serde::Deserialize),
    serde(rename_all = "lowercase")
)]
pub enum Status {
    /// Nobody can answer.
    Offline,
    /// Someone is there but visitors are told "we're busy, back soon".
    Busy,
    /// Someone can answer now.
    Online,
}

impl Status {
    /// The wire name: `"online"`, `"busy"` or `"offline"`.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Offline => "offline",
            Status::Busy => "busy",
            Status::Online => "online",
        }
    }

    /// Parses a wire name (exact, lowercase); `None` for anything else.
    pub fn parse(s: &str) -> Option<Status> {
        match s {
            "offline" => Some(Status::Offline),
            "busy" => Some(Status::Busy),
            "online" => Some(Status::Online),
            _ => None,
        }
    }
}

impl core::fmt::Display for Status {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The status an agent chose by hand. Changing it takes effect at once: the
/// caller simply evaluates again with the new value.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ManualStatus {
    /// What the agent chose.
    pub status: Status,
    /// Shown to visitors while the agent is busy (ignored otherwise).
    pub message: Option<String>,
    /// Expected return while busy (ignored otherwise).
    pub back_at: Option<UnixMillis>,
    /// When the agent chose it; the most recent busy choice speaks for an
    /// audience.
    pub set_at: UnixMillis,
}

impl ManualStatus {
    /// A plain status without message or expected return.
    pub fn new(status: Status, set_at: UnixMillis) -> ManualStatus {
        ManualStatus {
            status,
            message: None,
            back_at: None,
            set_at,
        }
    }
}

/// Who set an agent's chosen status.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[cfg_attr(
    feature = "serde",
    derive(serde::Serialize, serde::Deserialize),
    serde(rename_all = "snake_case")
)]
pub enum ChosenBy {
    /// The agent, by hand.
    Manual,
    /// A boundary of its working hours in switch mode, after the agent's
    /// last manual change.
    WorkingHours,
}

impl ChosenBy {
    /// The wire name: `"manual"` or `"working_hours"`.
    pub fn as_str(self) -> &'static str {
        match self {
            ChosenBy::Manual => "manual",
            ChosenBy::WorkingHours => "working_hours",
        }
    }
}

/// An automatic status change to come: working hours (switch mode) set
/// `status` at `at`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Switch {
    /// The boundary.
    pub at: UnixMillis,
    /// Online at an opening, offline at a closing.
    pub status: Status,
}

/// An agent's chosen status at one instant: its manual status, or the one
/// the last boundary of its working hours set after it (switch mode).
/// While a session is alive the chosen status is the effective one.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Choice {
    /// The chosen status.
    pub status: Status,
    /// Who chose it.
    pub by: ChosenBy,
    /// When: the manual change's `set_at`, or the boundary.
    pub at: UnixMillis,
    /// The next boundary of its working hours (switch mode), at which this
    /// choice is replaced unless the agent changes it by hand first.
    pub next: Option<Switch>,
}

impl Choice {
    /// The agent's own choice, with no working hours acting on it.
    pub fn manual(manual: &ManualStatus) -> Choice {
        Choice {
            status: manual.status,
            by: ChosenBy::Manual,
            at: manual.set_at,
            next: None,
        }
    }
}
