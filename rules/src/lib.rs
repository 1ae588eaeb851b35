//! Presenza's presence rules, written once and used by the edge, the widget
//! and the console. Pure: no I/O and no clock; every function takes `now`.
//!
//! Layout:
//! - [`status`]: the three statuses (online > busy > offline), an agent's
//!   manual choice and its chosen status (manual, or set by working hours).
//! - [`presence`]: agents, their sessions (devices), the grace period that
//!   decides whether a session still counts, and which audiences an agent
//!   serves ([`agent_serves`]).
//! - [`schedule_spec`]: the JSON shape of working hours (plain data) and
//!   their two modes (switch, gate).
//! - `hours`: weekly working hours in an IANA time zone with date
//!   exceptions (feature `hours`).
//! - `switch`: working hours in switch mode (feature `hours`): each
//!   boundary is an automatic status change and the latest of an agent's
//!   manual change and the last boundary wins; how several groups'
//!   schedules combine for one agent.
//! - [`site`]: a site's configuration (groups, grace period, schedules) and
//!   its validation.
//! - [`evaluate`](mod@evaluate): the evaluation: the status of the site and
//!   of every group, why, and the next instant at which an answer can change
//!   by itself.
//! - [`alerts`]: alert episodes (issue 15): when one opens (a condition
//!   held for the owner's threshold) and when it is back to normal.
//! - [`insights`]: availability insights (issue 15) from an audience's
//!   status history and conversations: coverage of working hours, missed
//!   conversations, first-response times' median and 90th percentile.
//! - [`conversation`]: conversations (issue 6): message, client id and
//!   contact validation, the rate window, inbox order and counters, the busy
//!   auto-reply, when a visitor must leave contact details, and closing /
//!   reopening (states, list order of closed ones, reopen conflicts).
//! - [`time`]: Unix milliseconds and RFC 3339 formatting without a tz database.
//! - [`error`]: the typed error every invalid input is rejected with.
//!
//! `no_std` (with `alloc`) when the `hours` and `serde` features are off:
//! the widget's release build links no std, so it can use [`Status`],
//! [`Reason`] and the conversation validation from here.

#![cfg_attr(not(any(feature = "hours", feature = "serde", test)), no_std)]

extern crate alloc;

pub mod alerts;
pub mod conversation;
pub mod error;
pub mod evaluate;
#[cfg(feature = "hours")]
pub mod hours;
pub mod insights;
pub mod presence;
pub mod schedule_spec;
pub mod site;
pub mod status;
#[cfg(feature = "hours")]
pub mod switch;
pub mod time;
pub mod wording;

pub use conversation::{
    advance_read_mark, assign_plan, assigned_message, busy_auto_reply, close_outcome,
    closed_message, inbox_order, needs_contact, reopen_outcome, reply_outcome, transferred_message,
    validate_client_id, validate_contact, validate_email, validate_name, validate_text, waits,
    AssignPlan, AssignRefusal, AssignRequest, AssignedFilter, Assignment, CloseOutcome, Contact,
    ConversationState, ConversationSummary, InboxKey, ListKey, MessageKind, RateLimit, RateWindow,
    ReopenOutcome, ReplyOutcome, RetryAfterMs, Sender, StateFilter,
};
pub use error::RuleError;
pub use evaluate::{evaluate, AudienceStatus, Evaluation, Reason};
#[cfg(feature = "hours")]
pub use hours::Schedule;
pub use presence::{agent_serves, Agent, GracePeriod, Session};
pub use schedule_spec::{ExceptionSpec, HoursMode, ScheduleSpec};
pub use site::Site;
pub use status::{Choice, ChosenBy, ManualStatus, Status, Switch};
pub use time::UnixMillis;
