//! The integration tests: the real edge (the Worker in workerd, started
//! through `wrangler dev` on loopback) tested over real HTTP and WebSocket.
//!
//! One test binary with a module per feature; the shared helpers are in
//! [`helpers`]. Most tests create their own site on one edge shared by the
//! whole binary (started on first use), so they run in parallel; the tests
//! that restart the runtime or change its settings start an edge of their
//! own. Visitor answers may be cached for ~1 s, so HTTP checks poll with a
//! deadline; socket checks wait for frames with a deadline.
//!
//! Run one feature with a filter, e.g.
//! `cargo test -p presenza-tests -- presence::grace_period`.

mod helpers;

/// Alerts while it happens: offline in working hours, a visitor waiting
/// (issue 15).
mod alerts;

/// Abuse resistance: what one client may cost a site.
mod abuse {
    mod address_limits;
    mod alarms;
    mod groups;
    mod sessions;
    mod socket_budgets;
}

/// Who may call what: the authorization matrix and agent tokens.
mod authz {
    mod devices;
    mod matrix;
    mod tokens;
}

/// Bad input on every endpoint and socket: always a JSON error with a code,
/// never a 500.
mod bad_input {
    mod bodies;
    mod ids_and_paths;
    mod methods;
    mod queries;
    mod rules;
    mod sockets;
    mod visitor_retries;
}

/// Conversations end to end (docs/conversations-api.md).
mod conversations {
    mod assign;
    mod busy_auto_reply;
    mod close_reopen;
    mod groups;
    mod idempotent_retries;
    mod inbox_paging;
    mod live_delivery;
    mod offline_messages;
    mod plain_text;
    mod rate_limit;
    mod read_marks;
    mod restart;
    mod saved_replies;
    mod typing;
    mod visitor_context;
    mod visitor_secret;
}

/// Agents' pictures: upload, checks, public caching, authz, live.
mod agent_picture;

mod cors_origins;

/// Retention, erasure, key rotation and site deletion.
mod data_lifecycle;

/// Presence rules end to end: devices, the grace period, sign-out, groups,
/// busy messages, working hours (as a gate, and switching statuses), and
/// "only changes are sent".
mod presence {
    mod busy;
    mod devices;
    mod grace_period;
    mod groups;
    mod hours_switch;
    mod only_changes;
    mod sign_out;
    mod status_cache;
    mod team;
    mod working_hours;
}

/// The status history and availability insights (issue 15).
mod history;
mod hours_versions;

/// E-mail, as the local run records it; replies by e-mail, posted to the
/// Worker's local `email` handler.
mod mail;
mod mail_inbound;

/// The owner's checklist, and the owner answering chats too (issue 16).
mod onboarding;
mod owner_agent;

/// The platform admin's sites: made, listed, named, deleted.
mod platform;

/// Quiet output when all is well.
mod quiet;

/// Visitor relays: widgets near visitors, one publish per relay.
mod relays;
mod residency;
mod restart;

/// Webhooks: signed deliveries to a real receiver on loopback (issue 15).
mod webhooks;
mod widget_config;
