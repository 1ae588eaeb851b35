//! Presenza's edge: one Cloudflare Worker (this crate compiled to Wasm) in
//! front of one Durable Object per site. What the edge and its clients say
//! to each other (ids, limits, bodies, views, frames) is the
//! `presenza-protocol` crate; who is available when is `presenza-rules`.
//!
//! Pure modules (compiled natively too, so `cargo test -p presenza-edge`
//! runs their tests on the host):
//! - [`error`]: the one API error type: status, code and JSON body.
//! - [`alert`]: what alerts are about and what the owner is told.
//! - [`route`]: URL → typed operation, by who may call it.
//! - [`json`]: request bodies as protocol types.
//! - [`domain`]: what the edge accepts, parsed once into validated values.
//! - [`auth`]: tokens, hashes, constant-time comparison, ETags.
//! - [`budget`]: what one socket may send before it is closed.
//! - [`cors`]: allowed origins and CORS headers.
//! - [`fanout`]: what an evaluation tells whom (the diff against what was
//!   last sent).
//! - [`history`]: the audiences' status history: what a change records,
//!   its cause and instant, the stored codes, the CSV export.
//! - [`insights`]: availability insights from the history and the
//!   conversations (the figures are `presenza_rules::insights`).
//! - [`relaying`]: visitor relays: names, placement, snapshots.
//! - [`residency`]: when the one alarm fires.
//! - [`retention`]: how long a site keeps closed conversations.
//! - [`tally`]: what the object counts in memory instead of writing per
//!   socket event.
//! - [`sockets`]: socket tags and attachments (plus, on Wasm, sending).
//! - [`mail`]: what each e-mail says, and signed unsubscribe links.
//!
//! Runtime modules (Wasm only):
//! - `worker`: the Worker's fetch entry (routing, pre-flights, the status
//!   cache, site creation, forwarding to the object).
//! - `site`: the `SiteObject` Durable Object: its state handle, the presence
//!   pipeline and one file per operation.
//! - `directory`: the `DirectoryObject`: the platform's list of sites.
//! - `relay`: the `RelayObject` Durable Object: widget sockets near
//!   visitors, one snapshot of the site's status, chat frames forwarded.
//! - `objects`: how the Worker and the objects reach each other.
//! - `store`: SQLite schema and typed queries, one file per table family.
//! - `request`, `respond`: reading requests, building responses.
//! - `bindings`: runtime APIs workers-rs lacks.
//!
//! Modules depend on each other in that order (runtime on pure, `site` and
//! `worker` on everything else, nothing on `site` or `worker` but the
//! `worker` on the internal call shapes `site` defines).

pub mod alert;
pub mod auth;
pub mod budget;
pub mod cors;
pub mod domain;
pub mod error;
pub mod fanout;
pub mod history;
pub mod insights;
pub mod json;
pub mod mail;
pub mod relaying;
pub mod residency;
pub mod retention;
pub mod route;
pub mod sockets;
pub mod tally;
pub mod webhook;

#[cfg(target_arch = "wasm32")]
mod bindings;
#[cfg(target_arch = "wasm32")]
pub mod directory;
#[cfg(target_arch = "wasm32")]
mod objects;
#[cfg(target_arch = "wasm32")]
pub mod relay;
#[cfg(target_arch = "wasm32")]
mod request;
#[cfg(target_arch = "wasm32")]
mod respond;
#[cfg(target_arch = "wasm32")]
pub mod site;
#[cfg(target_arch = "wasm32")]
mod store;
#[cfg(target_arch = "wasm32")]
mod worker;

/// The OpenAPI document served at `/v1/openapi.json`.
pub const OPENAPI_JSON: &str = include_str!("../openapi.json");
