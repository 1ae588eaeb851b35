//! E-mail, the pure part: what each e-mail says ([`compose`]), the
//! signed unsubscribe links ([`unsubscribe`]) and reply addresses
//! ([`reply_address`]), and a received reply read as a chat message
//! ([`inbound`]). Sending (the site's queue,
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
//! Replies by e-mail (when the platform sets `EMAIL_REPLY_DOMAIN`): every
//! e-mail's `Reply-To` is its recipient's own signed reply address. The
//! Worker's `email` handler (Email Routing) reads a reply ([`inbound`]),
//! and the site adds it to the conversation as the agent's reply or the
//! visitor's message, exactly as the console or the widget would
//! (`site::mail_in`).
//!
//! [`MAIL_REPLY_BATCH_SECS`]: presenza_protocol::limits::MAIL_REPLY_BATCH_SECS

pub mod compose;
pub mod inbound;
pub mod reply_address;
pub mod unsubscribe;
