//! Every limit of the API, with one name each. The edge enforces them; the
//! console and the widget size their inputs by them. Limits of what a
//! visitor writes (message text, contact details, client ids) are rules of
//! conversations and live in `presenza-rules`; they are re-exported here so
//! that this module lists them all.

use core::ops::RangeInclusive;

pub use presenza_rules::conversation::{
    MAX_CLIENT_ID_LEN, MAX_EMAIL_CHARS, MAX_MESSAGE_CHARS, MAX_NAME_CHARS as MAX_CONTACT_NAME_CHARS,
};
pub use presenza_rules::error::{MAX_EXCEPTIONS, MAX_INTERVALS_PER_DAY};

// ---------------------------------------------------------------- ids

/// Hex digits after `s_` in a site id.
pub const SITE_ID_HEX_DIGITS: usize = 32;
/// Hex digits after `d_` in a device id.
pub const DEVICE_ID_HEX_DIGITS: usize = 16;
/// Longest agent or group id.
pub const MAX_ENTITY_ID_LEN: usize = 40;
/// Longest session id (`X-Presenza-Session`, device sessions).
pub const MAX_SESSION_ID_LEN: usize = 64;
/// Length of a conversation id.
pub const CONVERSATION_ID_LEN: RangeInclusive<usize> = 1..=64;
/// Length of a visitor id (the widget makes 22 characters).
pub const VISITOR_ID_LEN: RangeInclusive<usize> = 16..=64;
/// Length of a visitor secret (the widget makes 43 characters: 256 bits;
/// never fewer).
pub const VISITOR_SECRET_LEN: RangeInclusive<usize> = 43..=128;
/// Longest credential the edge even looks at.
pub const MAX_TOKEN_LEN: usize = 256;

// ---------------------------------------------------------------- pictures

/// Largest agent picture the edge stores, in bytes (PNG, JPEG or WebP).
/// The console sends [`PICTURE_SIDE_PX`] squares of a few KB; this leaves
/// room for an API upload without nearing SQLite's 2 MB row limit.
pub const MAX_PICTURE_BYTES: usize = 256 * 1024;
/// Largest width or height of a stored picture, in pixels: larger ones are
/// refused (`edge::domain::picture` says why the edge does not resize).
pub const MAX_PICTURE_SIDE_PX: u32 = 512;
/// The square the console crops and resizes a picture to before upload.
pub const PICTURE_SIDE_PX: u32 = 256;

// ---------------------------------------------------------------- requests

/// Largest request body, in bytes.
pub const MAX_BODY_BYTES: usize = 16 * 1024;
/// Largest text frame accepted on a socket (a message of
/// [`MAX_MESSAGE_CHARS`] fits whatever its script).
pub const MAX_SOCKET_FRAME_BYTES: usize = 16 * 1024;
/// Typing indicators (both ways): a sender sends `typing: true` at most
/// this often while its writer types (and `typing: false` when they stop:
/// the box emptied or left) ...
pub const TYPING_EVERY_MS: u32 = 2_500;
/// ... and a receiver drops the indicator this long after the last
/// `typing: true` it got (a stop that never came: a closed tab, a lost
/// frame), or at once on a stop or a message from that writer.
pub const TYPING_EXPIRES_MS: u32 = 6_000;
/// A visitor's context (`view::VisitorContext`): the longest page or
/// referrer URL kept (longer ones are cut, at a character boundary) ...
pub const MAX_CONTEXT_URL_CHARS: usize = 500;
/// ... and the longest browser, OS, city or time zone.
pub const MAX_CONTEXT_TEXT_CHARS: usize = 64;
/// Longest site, agent, group or widget title name, in characters.
pub const MAX_DISPLAY_NAME_CHARS: usize = 80;
/// Longest busy message an agent shows to visitors, in characters.
pub const MAX_STATUS_MESSAGE_CHARS: usize = 200;
/// Most groups one agent is in.
pub const MAX_GROUPS_PER_AGENT: usize = 100;
/// Most allowed origins of a site.
pub const MAX_ALLOWED_ORIGINS: usize = 50;
/// Longest allowed origin, in bytes.
pub const MAX_ORIGIN_LEN: usize = 200;
/// Most widget text overrides of one language (or of every language:
/// `texts["*"]`); more than the widget has texts.
pub const MAX_WIDGET_TEXTS: usize = 50;
/// Longest widget text override key.
pub const MAX_WIDGET_TEXT_KEY_LEN: usize = 40;
/// Longest widget text override, in characters.
pub const MAX_WIDGET_TEXT_CHARS: usize = 200;
/// Largest widget offset from the page's corner, in pixels.
pub const MAX_WIDGET_OFFSET: u32 = 200;

/// The window of `VisitorLimits::conversations_per_address`.
pub const CONVERSATION_WINDOW_SECS: u32 = 600;
/// The most any of `VisitorLimits` may be set to.
pub const MAX_VISITOR_LIMIT: u32 = 100_000;

// ---------------------------------------------------------------- saved replies

/// Most saved replies of a site.
pub const MAX_SAVED_REPLIES: usize = 100;
/// Longest saved reply shortcut (`[a-z0-9_-]`).
pub const MAX_SHORTCUT_LEN: usize = 30;

// ---------------------------------------------------------------- e-mail

/// An agent's replies to a visitor who has left wait this long, so that one
/// e-mail carries them all (never one e-mail per message).
pub const MAIL_REPLY_BATCH_SECS: u32 = 120;
/// Most messages one e-mail quotes (a transcript's latest ones).
pub const MAX_MAILED_MESSAGES: usize = 200;
/// Most e-mails the alarm sends in one run (the rest in the next run).
pub const MAX_MAILS_PER_RUN: usize = 50;
/// Largest reply by e-mail the Worker reads (raw, attachments included);
/// a larger one is refused (a chat message is at most 2,000 characters).
pub const MAX_INBOUND_MAIL_BYTES: usize = 256 * 1024;

// ---------------------------------------------------------------- lists

/// Most conversations one `GET /conversations` page lists (`?limit=`).
pub const MAX_LISTED_CONVERSATIONS: usize = 200;
/// Conversations per page without `?limit=`.
pub const DEFAULT_LISTED_CONVERSATIONS: usize = 100;
/// Most messages one page (`GET …/messages`, the `messages` frame)
/// carries; `has_more` says to ask again with `after` = the last seq.
pub const MAX_PAGE_MESSAGES: usize = 500;
/// Largest sequence number (`after`): the largest integer JavaScript and
/// SQLite bindings carry exactly.
pub const MAX_SEQ: u64 = 9_007_199_254_740_991;

// ---------------------------------------------------------------- a site

/// Agents per site unless `MAX_AGENTS_PER_SITE` says otherwise.
pub const DEFAULT_MAX_AGENTS_PER_SITE: usize = 1000;
/// Groups per site unless `MAX_GROUPS_PER_SITE` says otherwise.
pub const DEFAULT_MAX_GROUPS_PER_SITE: usize = 100;
/// Open visitor sockets per site (the runtime allows 32,768 sockets in all).
pub const MAX_VISITOR_SOCKETS: usize = 30_000;
/// Connected devices per site: with the visitors' share this stays under
/// the runtime's 32,768 hibernatable sockets per object.
pub const MAX_DEVICE_SOCKETS: usize = 2_700;
/// The owner's open team sockets per site (owner tabs are few; this bounds
/// a leaked key's share of the object's sockets).
pub const MAX_TEAM_SOCKETS: usize = 50;
/// Connected devices per agent.
pub const MAX_DEVICES_PER_AGENT: usize = 20;
/// Device credentials one agent holds: signing in on one more device
/// revokes the one used longest ago.
pub const MAX_DEVICE_CREDENTIALS_PER_AGENT: usize = 20;
/// A device credential's last use is written at most this often (a device
/// with a live socket is seen through its session instead).
pub const DEVICE_LAST_USE_STEP_MS: i64 = 60_000;
/// HTTP sessions (distinct `X-Presenza-Session` ids) per agent.
pub const MAX_HTTP_SESSIONS_PER_AGENT: usize = 20;

// ---------------------------------------------------------------- history and insights

/// Days of status history a site keeps unless `history_days` says otherwise.
pub const DEFAULT_HISTORY_DAYS: u32 = 90;
/// The shortest and longest status history an owner may keep.
pub const HISTORY_DAYS: RangeInclusive<u32> = 1..=365;
/// The shortest and longest retention of closed conversations an owner
/// may choose (`retention_days`).
pub const RETENTION_DAYS: RangeInclusive<u32> = 1..=3650;
/// The longest period one `GET history` or `GET insights` covers.
pub const MAX_PERIOD_DAYS: i64 = 31;
/// The period without `from`: this many days before `to`.
pub const DEFAULT_PERIOD_DAYS: i64 = 7;
/// The latest instant a query names, in Unix ms (9999-12-31T23:59:59.999Z).
pub const MAX_INSTANT_MS: i64 = 253_402_300_799_999;
/// Most status changes one answer carries (all audiences together); past
/// it, `next_from` says where to ask again.
pub const MAX_HISTORY_CHANGES: usize = 20_000;
/// Most conversations one `GET insights` looks at; past it the figures
/// stop at the last one looked at (`complete: false`).
pub const MAX_INSIGHT_CONVERSATIONS: usize = 20_000;
/// Most missed conversations listed per audience (all are counted).
pub const MAX_LISTED_MISSED: usize = 100;
/// A first reply later than this many seconds misses the visitor, unless
/// `first_reply_secs` says otherwise.
pub const DEFAULT_FIRST_REPLY_SECS: u32 = 300;
/// The thresholds `first_reply_secs` may name.
pub const FIRST_REPLY_SECS: RangeInclusive<u32> = 10..=86_400;

/// The minutes an alert threshold (`settings.alerts`) may name: from one
/// minute to a day.
pub const ALERT_MINUTES: RangeInclusive<u32> = 1..=1440;
/// A new site's (and an existing one's, until changed) alert thresholds:
/// offline inside working hours for 10 minutes, a visitor waiting 5
/// minutes for a reply (`view::AlertSettings`).
pub const DEFAULT_OFFLINE_ALERT_MINUTES: u32 = 10;
pub const DEFAULT_WAIT_ALERT_MINUTES: u32 = 5;

/// Webhook endpoints a site may register (`PUT webhooks`).
pub const MAX_WEBHOOKS: usize = 5;
/// The longest webhook URL.
pub const MAX_WEBHOOK_URL_LEN: usize = 2000;
