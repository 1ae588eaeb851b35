//! # Presenza console
//!
//! The page agents and site owners use, served at `/console/?site=SITE`
//! (`www/console/`). Rust compiled to Wasm over plain web-sys; the split
//! follows wasm-bindgen's todomvc example.
//!
//! - [`app`]: the message loop. Everything that happens becomes a
//!   [`controller::Msg`], handled one at a time.
//! - [`controller`]: handles messages: changes the store, calls the API,
//!   tells the view what to redraw. One module per family of messages:
//!   session (sign in/out), agent (status menu, device socket), inbox,
//!   owner (admin pages; `hours` for the working-hours draft).
//! - [`store`]: all state; `store::inbox` holds conversations,
//!   `store::persist` what survives a reload (token per tab in
//!   sessionStorage, device session id per site in localStorage).
//! - [`view`]: draws the store into `#app` and turns clicks, key presses and
//!   form submissions into messages (one delegated listener per event type).
//!   One module per screen: sign-in, agent (picture, status menu, what
//!   visitors see), inbox, owner pages (agents, groups, hours, settings,
//!   embed).
//! - [`api`]: `fetch` for the `/v1` API, errors with the server's message.
//! - [`live`]: the device WebSocket: ping, reconnect with backoff + jitter.
//! - [`clock`], [`timer`]: local time formatting and intervals.
//!
//! The presence rules are not here: the console shows what the edge says
//! and uses only `presenza_rules::Status` (its names) and its RFC 3339
//! helpers.

mod api;
mod app;
mod clock;
mod controller;
mod live;
mod store;
mod timer;
mod view;

use wasm_bindgen::prelude::*;

/// Runs when the module is instantiated (`init()` in index.html).
#[wasm_bindgen(start)]
pub fn start() {
    app::run();
}
