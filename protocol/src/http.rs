//! Header names and WebSocket subprotocols of the API.

/// The visitor's credential `<visitor_id>.<visitor_secret>` on HTTP calls.
pub const VISITOR_HEADER: &str = "X-Presenza-Visitor";

/// The agent's HTTP session a call belongs to (heartbeat, status,
/// sign-out), so it counts as a sign of life for that session only.
pub const SESSION_HEADER: &str = "X-Presenza-Session";

/// The HTTP session of an agent call without [`SESSION_HEADER`].
pub const DEFAULT_HTTP_SESSION: &str = "http";

/// The subprotocol the edge selects on a device socket.
pub const WS_PROTOCOL: &str = "presenza";

/// Subprotocol prefix carrying a token on a device socket opened by a
/// browser, which cannot set headers:
/// `new WebSocket(url, ["presenza", "presenza.token.<token>"])`.
pub const WS_TOKEN_PROTOCOL_PREFIX: &str = "presenza.token.";

/// The public URL path of an agent's picture at `version` (the content hash
/// `AgentView::picture` and `AgentRef::picture` carry): cached for good,
/// so a new picture is a new URL and shows at once.
pub fn agent_picture_path(site: &str, agent: &str, version: &str) -> alloc::string::String {
    alloc::format!("/v1/sites/{site}/agents/{agent}/picture?v={version}")
}
