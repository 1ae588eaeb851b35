//! Helpers shared by the integration tests, in one place: the waits, the
//! page origins, a fresh site on the shared edge, an edge of a test's own,
//! and waits on presence frames. Conversation helpers (a visitor client,
//! inbox and message calls) are in [`conversations`]; the bad-input case
//! table is in [`bad_input`]; the e-mails an edge sent in [`mailbox`]. The
//! HTTP and WebSocket clients themselves are in the `presenza_tests` crate
//! (tests/src).

pub mod bad_input;
pub mod conversations;
pub mod mailbox;

use presenza_tests::api::{TestAgent, TestSite};
use presenza_tests::edge::{shared_edge, EdgeOptions, LocalEdge};
use presenza_tests::ws::{agent_frame_status, audience_status, frame_type, Ws};
use serde_json::Value;
use std::time::{Duration, Instant};

/// How long a change may take to reach a visitor over HTTP (cache ~1 s).
pub const HTTP_WAIT: Duration = Duration::from_secs(5);
/// How long a status change may take to reach a socket.
pub const FRAME_WAIT: Duration = Duration::from_secs(3);
/// How long a conversation frame (a message, an ack, an error, a close) may
/// take to reach a socket.
pub const MESSAGE_WAIT: Duration = Duration::from_secs(5);
/// How long "nothing is sent" is observed.
pub const SILENCE: Duration = Duration::from_millis(1500);

/// The page origin that sites allow in these tests.
pub const SHOP: &str = "https://shop.example";
/// A page origin that sites do not allow (unless a test says so).
pub const EVIL: &str = "https://evil.example";

/// A new site on the edge shared by all the tests of this binary; every
/// test makes its own, so the tests run in parallel.
pub fn site() -> TestSite {
    TestSite::create(shared_edge())
}

/// A new site with groups as most group tests want it: Sales and Support,
/// Anna in Sales and Bruno in Support (an agent in no group, who serves the
/// whole site, is the test's to add).
pub fn sales_and_support() -> (TestSite, TestAgent, TestAgent) {
    let site = site();
    site.add_group("sales", "Sales");
    site.add_group("support", "Support");
    let anna = site.add_agent("anna", "Anna", &["sales"]);
    let bruno = site.add_agent("bruno", "Bruno", &["support"]);
    (site, anna, bruno)
}

/// An edge of the test's own (fresh state under target/test-edges/), for a
/// test that restarts the runtime; panics if it does not start.
pub fn own_edge(name: &str) -> LocalEdge {
    start_edge(EdgeOptions::for_test(name))
}

/// Starts an edge with `options` (e.g. extra vars); panics if it does not
/// start.
pub fn start_edge(options: EdgeOptions) -> LocalEdge {
    LocalEdge::start(options).unwrap_or_else(|e| panic!("start the edge: {e}"))
}

/// Waits on a visitor socket for a frame with `status`.
#[track_caller]
pub fn live_until(ws: &mut Ws, status: &str, within: Duration) -> (Value, Instant) {
    match ws.wait_for(within, |v| audience_status(v) == Some(status)) {
        Ok(hit) => hit,
        Err(e) => panic!("visitor socket: expected status {status}: {e}"),
    }
}

/// Waits on a device socket for an `agent_status` frame with `status`.
#[track_caller]
pub fn device_until(ws: &mut Ws, status: &str) -> Value {
    ws.expect(FRAME_WAIT, &format!("agent_status {status}"), |v| {
        frame_type(v) == Some("agent_status") && agent_frame_status(v) == Some(status)
    })
}

/// A duration in seconds, for messages.
pub fn secs(d: Duration) -> f64 {
    d.as_secs_f64()
}
