//! What the edge accepts, parsed once (pure). Request bodies and socket
//! frames arrive as the protocol's raw types; these modules turn them into
//! validated values with the API's own error codes, so handlers work with
//! a `ManualInput` or a `VisitorCredential`, never with strings to check.
//!
//! - [`address`]: the client's network address, for per-address limits.
//! - [`text`]: names and free text (length, control characters).
//! - [`manual`]: an agent's manual status (`PUT agents/me/status`, the
//!   device frame `status`).
//! - [`agent`]: an agent as the owner defines it (name, groups).
//! - [`settings`]: the owner's settings patch (origins, grace, widget,
//!   working hours' mode).
//! - [`hours`]: working hours and their mode (switch or gate).
//! - [`visitor`]: a visitor's credential.
//! - [`message`]: a message's text and client id, contact details, and the
//!   stored idempotency keys.
//! - [`cursor`]: the inbox's page cursor.
//! - [`period`]: the period of the history and the insights (`from`, `to`).
//! - [`replies`]: the owner's saved replies.
//! - [`picture`]: an agent's picture (type, size, dimensions, version).

pub mod address;
pub mod agent;
pub mod context;
pub mod cursor;
pub mod hours;
pub mod manual;
pub mod message;
pub mod period;
pub mod picture;
pub mod replies;
pub mod settings;
pub mod text;
pub mod visitor;
