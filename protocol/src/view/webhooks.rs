//! Webhook endpoints, events and deliveries.

use super::*;

/// What a webhook endpoint may receive.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum WebhookEvent {
    /// An audience's (the site's or a group's) status or reason changed.
    StatusChanged,
    /// A visitor started a conversation.
    ConversationStarted,
    /// An agent assigned a conversation to an agent or transferred it to a
    /// group.
    ConversationAssigned,
    /// A visitor left a message while nobody was online.
    MessageLeft,
    /// An alert opened (offline inside working hours, a visitor waiting).
    AlertOpened,
    /// Back to normal.
    AlertClosed,
}

impl WebhookEvent {
    pub fn as_str(self) -> &'static str {
        match self {
            WebhookEvent::StatusChanged => "status_changed",
            WebhookEvent::ConversationStarted => "conversation_started",
            WebhookEvent::ConversationAssigned => "conversation_assigned",
            WebhookEvent::MessageLeft => "message_left",
            WebhookEvent::AlertOpened => "alert_opened",
            WebhookEvent::AlertClosed => "alert_closed",
        }
    }
}

/// How a delivery's body is shaped.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum WebhookFormat {
    /// `{"id", "event", "site", "at", "data"}`, signed.
    #[default]
    Json,
    /// A Slack-compatible incoming webhook: `{"text": ...}`, signed too.
    Slack,
}

/// One registered endpoint, as stored.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct WebhookEndpoint {
    /// Stable while the URL is the same (the first hex digits of its
    /// SHA-256).
    pub id: String,
    pub url: String,
    pub events: Vec<WebhookEvent>,
    pub format: WebhookFormat,
}

/// The outcome of an endpoint's last delivery attempt.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct WebhookAttempt {
    pub at: Timestamp,
    /// Whether the receiver answered 2xx.
    pub ok: bool,
    /// The HTTP status it answered; `null` for a network error.
    pub status: Option<u16>,
    /// What went wrong; `null` on success.
    pub error: Option<String>,
}

/// One endpoint with its deliveries' state (`GET webhooks`): the
/// endpoint's fields, then its queue and last attempt (written out, not
/// `#[serde(flatten)]`, which costs the console's Wasm ~1 KB gzip).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct WebhookView {
    pub id: String,
    pub url: String,
    pub events: Vec<WebhookEvent>,
    pub format: WebhookFormat,
    /// Deliveries waiting (in order) for this endpoint.
    pub pending: u32,
    /// The last attempt; `null` before the first.
    pub last: Option<WebhookAttempt>,
}

impl WebhookView {
    pub fn new(endpoint: WebhookEndpoint, pending: u32, last: Option<WebhookAttempt>) -> Self {
        WebhookView {
            id: endpoint.id,
            url: endpoint.url,
            events: endpoint.events,
            format: endpoint.format,
            pending,
            last,
        }
    }
}

/// `GET` / `PUT webhooks`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Webhooks {
    pub endpoints: Vec<WebhookView>,
    /// Whether a signing secret exists (`POST webhooks/secret` shows a new
    /// one, once).
    pub has_secret: bool,
}

/// `POST webhooks/secret`: the new signing secret, shown this once.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct WebhookSecret {
    pub secret: String,
}
