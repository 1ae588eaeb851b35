//! Groups and working hours (`groups`, `schedules`).

use super::{Store, StoreError, R};
use presenza_protocol::GroupId;
use presenza_rules::HoursMode;
use serde::Deserialize;

#[derive(Clone, Debug, Deserialize)]
pub struct GroupRow {
    pub id: GroupId,
    pub name: String,
}

/// A stored schedule.
#[derive(Clone, Debug)]
pub struct StoredSchedule {
    pub scope: Scope,
    /// The `ScheduleSpec` JSON.
    pub spec: String,
    /// A group's own hours' mode; `None` for the site's.
    pub mode: Option<HoursMode>,
}

/// Whose working hours: the site's, or a group's.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Scope {
    Site,
    Group(GroupId),
}

impl Scope {
    pub fn of(group: Option<&GroupId>) -> Scope {
        group.map_or(Scope::Site, |g| Scope::Group(g.clone()))
    }

    /// The stored scope: `site` or `g:<group>`.
    pub(super) fn stored(&self) -> String {
        match self {
            Scope::Site => "site".to_string(),
            Scope::Group(g) => format!("g:{g}"),
        }
    }

    fn parse(stored: &str) -> Option<Scope> {
        match stored {
            "site" => Some(Scope::Site),
            other => GroupId::parse(other.strip_prefix("g:")?).map(Scope::Group),
        }
    }
}

impl Store {
    pub fn groups(&self) -> R<Vec<GroupRow>> {
        self.rows("SELECT id, name FROM groups ORDER BY id", vec![])
    }

    /// Returns whether the group was created (false: renamed).
    pub fn upsert_group(&self, id: &GroupId, name: &str, now: i64) -> R<bool> {
        let existed = self.count(
            "SELECT COUNT(*) AS n FROM groups WHERE id = ?",
            vec![id.as_str().into()],
        )? > 0;
        self.run(
            "INSERT INTO groups (id, name, created_ms) VALUES (?, ?, ?) ON CONFLICT(id) DO UPDATE SET name = excluded.name",
            vec![id.as_str().into(), name.into(), now.into()],
        )?;
        Ok(!existed)
    }

    /// Deletes a group, its working hours, and takes it out of every
    /// agent's groups.
    pub fn delete_group(&self, id: &GroupId) -> R<bool> {
        for row in self.agents()? {
            if row.groups.contains(id) {
                let kept: Vec<GroupId> = row.groups.into_iter().filter(|g| g != id).collect();
                self.set_agent_groups(&row.id, &kept)?;
            }
        }
        let n = self.run("DELETE FROM groups WHERE id = ?", vec![id.as_str().into()])?;
        self.delete_schedule(&Scope::Group(id.clone()))?;
        Ok(n > 0)
    }

    /// Every stored schedule: its scope, its `ScheduleSpec` JSON and, for a
    /// group's own hours, its mode (the site's hours have the site's mode).
    pub fn schedules(&self) -> R<Vec<StoredSchedule>> {
        #[derive(Deserialize)]
        struct Row {
            scope: String,
            spec: String,
            mode: Option<String>,
        }
        let rows: Vec<Row> = self.rows("SELECT scope, spec, mode FROM schedules", vec![])?;
        rows.into_iter()
            .map(|r| {
                let scope = Scope::parse(&r.scope).ok_or_else(|| StoreError::BadValue {
                    what: "schedule scope",
                    detail: r.scope.clone(),
                })?;
                let mode = match (&scope, r.mode.as_deref()) {
                    (Scope::Site, _) => None,
                    (Scope::Group(_), Some(m)) => {
                        Some(HoursMode::parse(m).ok_or_else(|| StoreError::BadValue {
                            what: "schedule mode",
                            detail: m.to_string(),
                        })?)
                    }
                    // Written with every group schedule (and by the
                    // migration for older ones): never guessed.
                    (Scope::Group(_), None) => {
                        return Err(StoreError::BadValue {
                            what: "schedule mode",
                            detail: format!("missing for {}", r.scope),
                        })
                    }
                };
                Ok(StoredSchedule {
                    scope,
                    spec: r.spec,
                    mode,
                })
            })
            .collect()
    }

    /// Stores a schedule; `mode` for a group's own hours (`None` for the
    /// site's, whose mode is the site's setting).
    pub fn put_schedule(&self, scope: &Scope, spec: &str, mode: Option<HoursMode>) -> R<()> {
        self.run(
            "INSERT INTO schedules (scope, spec, mode) VALUES (?, ?, ?)
             ON CONFLICT(scope) DO UPDATE SET spec = excluded.spec, mode = excluded.mode",
            vec![
                scope.stored().into(),
                spec.into(),
                mode.map(HoursMode::as_str).into(),
            ],
        )
        .map(|_| ())
    }

    pub fn delete_schedule(&self, scope: &Scope) -> R<()> {
        self.run(
            "DELETE FROM schedules WHERE scope = ?",
            vec![scope.stored().into()],
        )
        .map(|_| ())
    }
}
