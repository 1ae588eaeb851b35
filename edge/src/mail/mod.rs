//! E-mail, the pure part: what each e-mail says ([`compose`]) and the
//! signed unsubscribe links ([`unsubscribe`]). Sending (the site's queue,
//! its alarm and the `send_email` binding) is `site::mail`.
//!
//! What is sent when (a site's `settings.email.enabled`, and the platform's
//! `EMAIL_FROM`, both on):
//! - a message left while nobody was online: at once (the object's next
//!   alarm, set for now) to the agents who serve the conversation and have
//!   an address, and to the site's `notify_address`, with a link to the
//!   console;
//! - an agent's reply to a visitor who has left (no widget of theirs open)
//!   and gave an address: [`MAIL_REPLY_BATCH_SECS`] later, every reply of
//!   that wait in one e-mail (never one e-mail per message);
//! - a transcript the visitor asked for (`POST visitor/transcript`): at
//!   once, to the visitor only.
//!
//! Each e-mail is about one conversation and goes to its own recipients one
//! by one: no e-mail carries another visitor's data or another recipient's
//! address. Every e-mail has an unsubscribe link; an address that used it
//! gets no more e-mail from that site.
//!
//! [`MAIL_REPLY_BATCH_SECS`]: presenza_protocol::limits::MAIL_REPLY_BATCH_SECS

pub mod compose;
pub mod unsubscribe;
