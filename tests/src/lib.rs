//! Test support for Presenza: the real edge, started in workerd through
//! `wrangler dev` on loopback, and small clients to talk to it.
//!
//! Layout:
//! - [`edge`]: starts, restarts and stops a local edge with persisted state
//!   (also used by `cargo xtask run`).
//! - [`api`]: a thin HTTP client for the `/v1` API and test fixtures
//!   (sites, agents, polling with deadlines).
//! - [`hook`]: a real HTTP receiver on loopback for webhook deliveries.
//! - [`ws`]: a WebSocket client (custom headers, reads with deadlines,
//!   abrupt drops) for visitor and agent-device sockets.
//!
//! Integration tests live in `tests/tests/api/`: one test binary with a file
//! per feature (listed in its `main.rs`) and their shared helpers in
//! `helpers.rs`. Browser end-to-end tests are in `tests/e2e/*.mjs` (node's
//! test runner + playwright-core + Debian chromium).

pub mod api;
pub mod edge;
pub mod hook;
pub mod ws;

pub use edge::{EdgeOptions, HarnessError, LocalEdge};
