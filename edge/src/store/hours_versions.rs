//! Working hours as they were (`hours_versions`): every save or removal of
//! a scope's hours, kept with the instant it took effect, so the insights
//! of a past day use the hours in force that day, not today's. A store
//! made before them starts with its hours of then as in force since
//! forever (`schema::MIGRATE_HOURS_VERSIONS`).

use super::{Scope, Store, R};
use serde::Deserialize;

/// One version: from `at` on, `spec` (the `ScheduleSpec` JSON; `None`: no
/// hours).
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
pub struct HoursVersion {
    pub at: i64,
    pub spec: Option<String>,
}

impl Store {
    /// Keeps what a scope's hours became at `at` (`None`: removed).
    pub fn record_hours_version(&self, scope: &Scope, at: i64, spec: Option<&str>) -> R<()> {
        self.run(
            "INSERT INTO hours_versions (scope, at, spec) VALUES (?, ?, ?)
             ON CONFLICT(scope, at) DO UPDATE SET spec = excluded.spec",
            vec![
                scope.stored().into(),
                at.into(),
                spec.map(str::to_owned).into(),
            ],
        )
        .map(|_| ())
    }

    /// A scope's versions that matter for `[from, to)`: the one in force at
    /// `from` (if any), then those that took effect in the period, oldest
    /// first.
    pub fn hours_versions(&self, scope: &Scope, from: i64, to: i64) -> R<Vec<HoursVersion>> {
        let key = scope.stored();
        let mut out: Vec<HoursVersion> = self
            .first(
                "SELECT at, spec FROM hours_versions WHERE scope = ? AND at <= ?
                 ORDER BY at DESC LIMIT 1",
                vec![key.clone().into(), from.into()],
            )?
            .into_iter()
            .collect();
        out.extend(self.rows::<HoursVersion>(
            "SELECT at, spec FROM hours_versions WHERE scope = ? AND at > ? AND at < ?
             ORDER BY at",
            vec![key.into(), from.into(), to.into()],
        )?);
        Ok(out)
    }
}
