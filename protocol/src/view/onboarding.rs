//! The owner's checklist and the platform's list of sites.

use super::*;

/// Where and when a widget of the site was seen (`GET onboarding`): a
/// page of an allowed origin other than the edge's own that loaded it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct WidgetSeen {
    /// The page's origin (`https://shop.example`).
    pub origin: String,
    /// The page: its origin and path, without query or fragment
    /// (`https://shop.example/cart`).
    pub page: String,
    pub at: Timestamp,
}

/// Where the site's working hours stand for the checklist.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum HoursStep {
    /// The site has working hours.
    Set,
    /// The owner chose to do without them.
    Declined,
    /// Neither yet.
    Pending,
}

/// `GET onboarding`: the owner's first steps, each done or not; `done` once
/// all are.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OnboardingView {
    pub site_named: bool,
    /// The first page a widget was seen on, and the latest.
    pub widget_first_seen: Option<WidgetSeen>,
    pub widget_last_seen: Option<WidgetSeen>,
    /// How many agents the site has (the owner's own agent included).
    pub agents: u32,
    pub working_hours: HoursStep,
    /// A visitor's conversation has an agent's reply.
    pub chat_answered: bool,
    pub done: bool,
}

/// One site in the platform admin's list (`GET /v1/sites`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SiteSummary {
    pub site_id: SiteId,
    pub name: Option<String>,
    pub created_at: Timestamp,
}

/// `GET /v1/sites`: the sites made since the directory existed, newest
/// first.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SiteListView {
    pub sites: Vec<SiteSummary>,
}
