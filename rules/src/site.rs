//! A site's configuration (groups, grace period, working hours) and its
//! validation.

use alloc::collections::BTreeSet;
use alloc::string::String;

#[cfg(feature = "hours")]
use alloc::collections::BTreeMap;

use crate::error::RuleError;
#[cfg(feature = "hours")]
use crate::hours::Schedule;
use crate::presence::GracePeriod;

/// Everything about a site that the rules need besides its agents.
#[derive(Clone, Debug, Default)]
pub struct Site {
    /// How long a session counts after its last sign of life.
    pub grace: GracePeriod,
    /// Group ids; empty = a site with no groups.
    pub groups: BTreeSet<String>,
    /// The site's default working hours; `None` = always open.
    #[cfg(feature = "hours")]
    pub hours: Option<Schedule>,
    /// Per-group working hours, overriding `hours` for that group.
    #[cfg(feature = "hours")]
    pub group_hours: BTreeMap<String, Schedule>,
}

impl Site {
    /// Checks that every group in `groups` exists on this site, or names the
    /// first one that does not ([`RuleError::UnknownGroup`]).
    pub fn check_agent_groups(&self, groups: &[String]) -> Result<(), RuleError> {
        match groups.iter().find(|g| !self.groups.contains(*g)) {
            Some(unknown) => Err(RuleError::UnknownGroup(unknown.clone())),
            None => Ok(()),
        }
    }

    /// Checks the site itself: every group with its own working hours must
    /// exist ([`RuleError::UnknownGroup`]).
    pub fn validate(&self) -> Result<(), RuleError> {
        #[cfg(feature = "hours")]
        if let Some(unknown) = self.group_hours.keys().find(|g| !self.groups.contains(*g)) {
            return Err(RuleError::UnknownGroup(unknown.clone()));
        }
        Ok(())
    }

    /// The working hours that apply to an audience: the group's own if it
    /// has some, else the site default; `None` = always open.
    #[cfg(feature = "hours")]
    pub fn schedule_for(&self, group: Option<&str>) -> Option<&Schedule> {
        group
            .and_then(|g| self.group_hours.get(g))
            .or(self.hours.as_ref())
    }
}
