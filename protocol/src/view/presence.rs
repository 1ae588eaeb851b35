//! Presence: an audience's status, agents, their devices and status changes.

use super::*;

/// What one audience's visitors are told: `GET status`, every status frame
/// of a visitor socket, and the device frames `hello` and `audience`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AudienceView {
    /// A status this client does not know reads as offline.
    #[serde(deserialize_with = "status_or_offline")]
    pub status: Status,
    pub reason: Reason,
    /// The busy message.
    #[serde(default)]
    pub message: Option<String>,
    /// Busy: the expected return; outside working hours: the next opening.
    #[serde(default)]
    pub back_at: Option<Timestamp>,
    /// When this answer may change by itself (a hint: it moves with every
    /// heartbeat, so a change of it alone is never pushed).
    #[serde(default)]
    pub next_change: Option<Timestamp>,
    /// The audience: a group, or the whole site (`null`).
    #[serde(default)]
    pub group: Option<GroupId>,
}

impl AudienceView {
    pub fn new(group: Option<&GroupId>, s: &AudienceStatus) -> Self {
        AudienceView {
            status: s.status,
            reason: s.reason,
            message: s.message.clone(),
            back_at: time::opt(s.back_at),
            next_change: time::opt(s.next_change),
            group: group.cloned(),
        }
    }
}

/// An agent as the owner, the agent itself and its devices see it (never
/// its token hash; its token only once, when created or rotated).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AgentView {
    pub id: AgentId,
    pub name: String,
    pub groups: Vec<GroupId>,
    /// Effective: the chosen status while a session is alive, else offline.
    #[serde(deserialize_with = "status_or_offline")]
    pub status: Status,
    /// The chosen status: what the agent chose by hand, or what its
    /// working hours set after that (`set_by`).
    #[serde(deserialize_with = "status_or_offline")]
    pub manual_status: Status,
    /// The busy message (only when chosen by hand).
    #[serde(default)]
    pub message: Option<String>,
    #[serde(default)]
    pub back_at: Option<Timestamp>,
    /// Where messages left while nobody was online reach the agent.
    #[serde(default)]
    pub email: Option<String>,
    /// Who chose `manual_status`: the agent (`manual`) or its working
    /// hours in switch mode (`working_hours`); a value this client does
    /// not know reads as manual.
    #[serde(default = "by_hand", deserialize_with = "chosen_by_or_manual")]
    pub set_by: ChosenBy,
    /// When `manual_status` was chosen: the manual change, or the boundary.
    #[serde(default)]
    pub set_at: Option<Timestamp>,
    /// The next automatic change (working hours in switch mode):
    /// `manual_status` becomes `status` at `at`, unless the agent changes
    /// it by hand first.
    #[serde(default)]
    pub next_switch: Option<SwitchView>,
    /// Live sessions (devices, and HTTP sessions inside the grace period).
    pub sessions: usize,
    /// Devices with a live session: a signed-in device's socket and its
    /// HTTP calls are one device; a session without a device credential
    /// counts as one of its own.
    #[serde(default)]
    pub devices: usize,
    /// Since when the effective `status` holds, when the edge knows it (the
    /// status was chosen, the agent came online, or its last session
    /// ended).
    #[serde(default)]
    pub since: Option<Timestamp>,
    pub created_at: Timestamp,
    /// The version (content hash) of the agent's picture, `None` without
    /// one: its URL is `http::agent_picture_path`, new for each picture.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub picture: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub token: Option<String>,
}

impl AgentView {
    /// The name to show (the id when the name is blank).
    pub fn display_name(&self) -> &str {
        if self.name.trim().is_empty() {
            self.id.as_str()
        } else {
            &self.name
        }
    }
}

/// A signed-in device of an agent (never its credential, except once in
/// [`DeviceCreated`]).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeviceView {
    pub id: DeviceId,
    pub name: String,
    pub created_at: Timestamp,
    /// Its last call or sign of life (its sessions included).
    pub last_used_at: Timestamp,
    /// Whether it has a live session now.
    pub live: bool,
    /// The device making this call.
    #[serde(default)]
    pub current: bool,
}

/// `GET agents/me/devices`, `GET agents/{id}/devices`: most recently used
/// first.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeviceList {
    pub devices: Vec<DeviceView>,
}

/// `POST agents/me/devices`: the device and its credential, shown this
/// once (it replaces the agent token on that device).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeviceCreated {
    pub device: DeviceView,
    pub credential: String,
}

/// An automatic status change to come: working hours (switch mode) set
/// `status` at `at`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SwitchView {
    pub at: Timestamp,
    #[serde(deserialize_with = "status_or_offline")]
    pub status: Status,
}

impl From<Switch> for SwitchView {
    fn from(s: Switch) -> Self {
        SwitchView {
            at: Timestamp(s.at),
            status: s.status,
        }
    }
}

/// `GET agents`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AgentList {
    pub agents: Vec<AgentView>,
}

/// `GET agents/me`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MeView {
    pub agent: AgentView,
    pub grace_period_secs: u32,
}

/// `PUT agents/me/status`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StatusSetView {
    pub agent: AgentView,
    /// The HTTP session the call counted for.
    pub session: SessionId,
    pub grace_period_secs: u32,
}

/// `POST agents/me/heartbeat`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct HeartbeatView {
    pub session: SessionId,
    pub grace_period_secs: u32,
    /// When the session stops counting without another sign of life.
    pub expires_at: Timestamp,
}
