//! # Presenza console
//!
//! The page agents and site owners use, served at `/console/?site=SITE`
//! (`www/console/`). Rust compiled to Wasm over plain web-sys; the split
//! follows wasm-bindgen's todomvc example.
//!
//! - [`msg`]: everything that can happen, as messages ([`msg::Msg`] and its
//!   families), the [`msg::Sender`] that posts them and the error of an API
//!   call. A leaf: it uses no other module of the console.
//! - [`app`]: the message loop: messages are handed to the controller one
//!   at a time.
//! - [`controller`]: handles messages: changes the store, calls the API,
//!   tells the view what to redraw. One module per family of messages:
//!   session (sign in/out), agent (status menu, device socket), inbox,
//!   owner (admin pages; `hours` for the working-hours draft).
//! - [`store`]: all state; `store::inbox` holds conversations (converted
//!   from the protocol's views), `store::persist` what survives a reload
//!   (token per tab in sessionStorage, device session id per site in
//!   localStorage).
//! - [`view`]: draws the store into `#app` and turns clicks, key presses and
//!   form submissions into messages (one delegated listener per event type).
//!   One module per screen: sign-in, agent (picture, status menu, what
//!   visitors see), inbox, owner pages (agents, groups, hours, settings,
//!   saved replies, availability: SVG timelines drawn here, embed).
//! - [`api`]: `fetch` for the `/v1` API: answers decoded into the
//!   protocol's types, errors with the server's message.
//! - [`live`]: the device WebSocket: its frames decoded as the protocol's
//!   `DeviceEvent`, ping, reconnect with backoff + jitter.
//! - [`clock`], [`timer`]: local time formatting and intervals.
//!
//! Modules use each other in one direction only (no circles):
//!
//! ```text
//! app        -> controller, msg
//! controller -> api, clock, live, msg, store, timer, view
//! view       -> clock, msg, store
//! api, live  -> msg
//! msg, store, clock, timer -> (none)
//! ```
//!
//! What the edge and the console say to each other (ids, limits, request
//! bodies, answers, socket frames, close codes) is `presenza_protocol`: the
//! console builds no JSON by hand and keeps no copy of a wire shape. The
//! presence rules are not here: the console shows what the edge says and
//! uses only `presenza_rules`' names (statuses, reasons, message kinds,
//! conversation states), its inbox order and its message validation.

mod api;
mod app;
mod clock;
mod controller;
mod live;
mod msg;
mod picture;
mod store;
mod timer;
mod view;

use wasm_bindgen::prelude::*;

/// Runs when the module is instantiated (`init()` in index.html).
#[wasm_bindgen(start)]
pub fn start() {
    app::run();
}
