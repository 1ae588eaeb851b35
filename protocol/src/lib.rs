//! The protocol of Presenza: everything the edge and its clients (the agent
//! console, the widget, the hosted chat page, the tests) must agree on, in
//! one crate that both sides compile. A frame changed here changes for
//! both; a field renamed on one side only fails to compile.
//!
//! - [`id`]: ids, parsed once into newtypes (`AgentId`, not a checked
//!   `String`).
//! - [`limits`]: every size and count limit, with one name each.
//! - [`http`]: header names and WebSocket subprotocols.
//! - [`embed`]: the snippet a site owner pastes into their pages.
//! - [`widget`]: the widget's languages, text keys and default accent.
//! - [`time`] (serde): instants on the wire (RFC 3339 text).
//! - [`body`] (serde): request bodies, as clients send them. The edge turns
//!   them into validated domain values; they keep raw strings where the
//!   edge answers a bad value with its own error code.
//! - [`view`] (serde): what the API answers (agents, statuses, settings,
//!   conversations, messages, pages).
//! - [`frame`] (serde): every socket frame, both ways, on both sockets
//!   (device and visitor), and the close codes.
//! - [`error`] (serde): the `{"error": {"code", "message"}}` body and frame
//!   payload.
//!
//! Without the `serde` feature the crate is `no_std` and holds only ids,
//! limits, header names, close codes and the widget's names: the widget
//! reads its few frames by hand to stay small, but takes its names and
//! limits from here.

#![cfg_attr(not(any(feature = "serde", test)), no_std)]

extern crate alloc;

pub mod embed;
pub mod http;
pub mod id;
pub mod limits;

#[cfg(feature = "serde")]
pub mod body;
#[cfg(feature = "serde")]
pub mod error;
pub mod frame;
#[cfg(feature = "serde")]
pub mod time;
#[cfg(feature = "serde")]
pub mod view;
pub mod widget;

pub use id::{AgentId, ConversationId, DeviceId, GroupId, SessionId, SiteId, VisitorId};
