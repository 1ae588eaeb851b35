//! Alerts, the pure part: what an alert is about ([`Subject`], stored by
//! its key), and what the owner is told when an episode opens and when it
//! is back to normal ([`Note`]: an e-mail's subject line and the text the
//! e-mail, the webhook's `data.text` and Slack's `text` all carry), in the
//! owner's words and the audience's time zone. When an episode opens or
//! closes is `presenza_rules::alerts`; the runtime part (the check run by
//! the alarm, the queues) is `site::alerts`.

use presenza_protocol::view::ChangeCause;
use presenza_protocol::{ConversationId, GroupId};
use presenza_rules::hours::Schedule;
use serde::{Deserialize, Serialize};

/// What an alert is about.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Subject {
    /// The whole site offline inside its working hours.
    Site,
    /// A group offline inside its working hours.
    Group(GroupId),
    /// A visitor waiting for a reply in this conversation.
    Waiting(ConversationId),
}

impl Subject {
    /// The stored key: `site`, `g:<group>`, `c:<conversation>`.
    pub fn key(&self) -> String {
        match self {
            Subject::Site => "site".to_owned(),
            Subject::Group(g) => format!("g:{g}"),
            Subject::Waiting(c) => format!("c:{c}"),
        }
    }

    /// A stored key read back; `None` for one this version does not make.
    pub fn parse(key: &str) -> Option<Subject> {
        if key == "site" {
            return Some(Subject::Site);
        }
        if let Some(g) = key.strip_prefix("g:") {
            return GroupId::parse(g).map(Subject::Group);
        }
        key.strip_prefix("c:")
            .and_then(ConversationId::parse)
            .map(Subject::Waiting)
    }

    /// The alert's kind on the wire (`data.alert` of the webhook events).
    pub fn kind(&self) -> &'static str {
        match self {
            Subject::Site | Subject::Group(_) => "offline",
            Subject::Waiting(_) => "wait",
        }
    }

    /// The key of an episode's e-mails: the subject and its `since`, so
    /// the same episode is never queued twice and a new one is new.
    pub fn episode_key(&self, since: i64) -> String {
        format!("{}@{since}", self.key())
    }
}

/// What the owner is told: an e-mail's subject line and its text.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Note {
    pub subject: String,
    pub text: String,
}

/// Reads instants as an owner does: in the audience's working-hours time
/// zone, UTC for an audience without working hours.
#[derive(Clone, Copy)]
pub struct Clock<'a>(pub Option<&'a Schedule>);

impl Clock<'_> {
    /// `"10:42"`.
    pub fn at(&self, ms: i64) -> String {
        match self.0 {
            Some(s) => s.local_clock(ms),
            None => {
                let minutes = ms.rem_euclid(86_400_000) / 60_000;
                format!("{:02}:{:02}", minutes / 60, minutes % 60)
            }
        }
    }

    /// `"Europe/Rome"`, `"UTC"`.
    pub fn zone(&self) -> &str {
        self.0.map_or("UTC", |s| s.spec().timezone.as_str())
    }
}

/// Why an audience went offline: the cause of the history change its
/// offline began with, the agent it was about (by name) and when.
#[derive(Clone, Copy, Debug)]
pub struct WentOffline<'a> {
    pub cause: Option<ChangeCause>,
    pub agent: Option<&'a str>,
    pub at: i64,
    /// The condition began later than the change: at the opening of
    /// working hours, nobody being online then.
    pub at_opening: bool,
}

/// The reason, in the owner's words: "the last agent's grace period ended
/// at 10:42 (Ann)".
fn offline_reason(why: &WentOffline<'_>, clock: Clock<'_>) -> String {
    let at = clock.at(why.at);
    let who = why.agent.map(|a| format!(" ({a})")).unwrap_or_default();
    if why.at_opening {
        return format!("working hours opened at {at} with nobody online");
    }
    match why.cause {
        Some(ChangeCause::GracePeriodEnded) => {
            format!("the last agent's grace period ended at {at}{who}")
        }
        Some(ChangeCause::SignedOut) => format!("the last agent signed out at {at}{who}"),
        Some(ChangeCause::Manual) => format!("the last agent went offline at {at}{who}"),
        Some(ChangeCause::AgentsChanged) => format!("the agents were changed at {at}{who}"),
        Some(ChangeCause::SettingsChanged) => {
            format!("the settings or working hours were changed at {at}")
        }
        Some(ChangeCause::HoursOpened) => {
            format!("working hours opened at {at} with nobody online")
        }
        Some(ChangeCause::HoursClosed | ChangeCause::SignedIn) | None => {
            format!("nobody has been online since {at}")
        }
    }
}

/// An audience offline inside its working hours for longer than the
/// owner's threshold.
pub fn offline_opened(
    site: &str,
    audience: &str,
    since: i64,
    why: &WentOffline<'_>,
    clock: Clock<'_>,
    link: &str,
) -> Note {
    Note {
        subject: format!("{site}: {audience} is offline during working hours"),
        text: format!(
            "{audience} has been offline since {} during working hours ({}): {}.\n\nVisitors see \
             nobody online and can only leave a message. Go online in the console: {link}",
            clock.at(since),
            clock.zone(),
            offline_reason(why, clock)
        ),
    }
}

/// Why an episode is over.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Back {
    /// An agent is online (or busy) again.
    Online,
    /// Working hours ended: offline is expected now.
    HoursEnded,
    /// An agent replied to the visitor.
    Replied,
    /// The conversation was closed (or deleted).
    Closed,
    /// The owner turned these alerts off.
    TurnedOff,
    /// The group is gone.
    GroupDeleted,
}

impl Back {
    fn words(self) -> &'static str {
        match self {
            Back::Online => "an agent is online again",
            Back::HoursEnded => "working hours ended",
            Back::Replied => "an agent replied",
            Back::Closed => "the conversation was closed",
            Back::TurnedOff => "these alerts were turned off",
            Back::GroupDeleted => "the group was deleted",
        }
    }
}

/// An audience's offline episode is over.
pub fn offline_closed(
    site: &str,
    audience: &str,
    since: i64,
    now: i64,
    back: Back,
    clock: Clock<'_>,
) -> Note {
    Note {
        subject: format!("{site}: {audience} is back to normal"),
        text: format!(
            "Back to normal: {} at {} ({}). {audience} was offline during working hours from {}.",
            back.words(),
            clock.at(now),
            clock.zone(),
            clock.at(since)
        ),
    }
}

/// Whole minutes between two instants (a test's minutes may be short).
pub fn minutes(from: i64, to: i64, minute_ms: i64) -> i64 {
    (to - from).max(0) / minute_ms.max(1)
}

/// A visitor has waited longer than the owner's threshold.
#[allow(clippy::too_many_arguments)]
pub fn wait_opened(
    site: &str,
    visitor: &str,
    audience: &str,
    first_reply: bool,
    since: i64,
    waited_minutes: i64,
    clock: Clock<'_>,
    link: &str,
) -> Note {
    let reply = if first_reply {
        "a first reply"
    } else {
        "a reply"
    };
    let plural = if waited_minutes == 1 { "" } else { "s" };
    Note {
        subject: format!("{site}: {visitor} is waiting for {reply}"),
        text: format!(
            "{visitor} has waited {waited_minutes} minute{plural} for {reply} ({audience}; \
             waiting since {} {}).\n\nAnswer in the console: {link}",
            clock.at(since),
            clock.zone(),
        ),
    }
}

/// A visitor's wait is over.
pub fn wait_closed(site: &str, visitor: &str, now: i64, back: Back, clock: Clock<'_>) -> Note {
    Note {
        subject: format!("{site}: {visitor} is no longer waiting"),
        text: format!(
            "Back to normal: {} at {} ({}); {visitor} is no longer waiting.",
            back.words(),
            clock.at(now),
            clock.zone()
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use presenza_rules::hours::ScheduleSpec;

    /// 2025-11-30 10:42 UTC.
    const AT: i64 = 1_764_460_800_000 + (10 * 60 + 42) * 60_000;

    fn rome() -> Schedule {
        Schedule::parse(&ScheduleSpec {
            timezone: "Europe/Rome".into(),
            weekly: Default::default(),
            exceptions: vec![],
        })
        .unwrap()
    }

    #[test]
    fn subjects_keep_their_keys() {
        let conv = ConversationId::parse("c_0123456789abcdef0123456789abcdef").unwrap();
        for s in [
            Subject::Site,
            Subject::Group(GroupId::parse("sales").unwrap()),
            Subject::Waiting(conv),
        ] {
            assert_eq!(Subject::parse(&s.key()), Some(s.clone()));
            assert_ne!(s.episode_key(1), s.episode_key(2));
        }
        assert_eq!(Subject::parse("x:1"), None);
        assert_eq!(Subject::parse("g:"), None);
        assert_eq!(Subject::Site.kind(), "offline");
    }

    #[test]
    fn offline_says_since_when_and_why_in_the_owners_time_zone() {
        let rome = rome();
        let why = WentOffline {
            cause: Some(ChangeCause::GracePeriodEnded),
            agent: Some("Ann"),
            at: AT,
            at_opening: false,
        };
        let note = offline_opened("Bottega", "Support", AT, &why, Clock(Some(&rome)), "L");
        assert_eq!(
            note.subject,
            "Bottega: Support is offline during working hours"
        );
        assert!(
            note.text.starts_with(
                "Support has been offline since 11:42 during working hours (Europe/Rome): \
                 the last agent's grace period ended at 11:42 (Ann)."
            ),
            "{}",
            note.text
        );
        assert!(note.text.ends_with("console: L"));
        let opening = WentOffline {
            at_opening: true,
            ..why
        };
        let note = offline_opened("B", "Support", AT, &opening, Clock(None), "L");
        assert!(
            note.text
                .contains("(UTC): working hours opened at 10:42 with nobody online."),
            "{}",
            note.text
        );
        let back = offline_closed("B", "Support", AT, AT + 600_000, Back::Online, Clock(None));
        assert_eq!(back.subject, "B: Support is back to normal");
        assert_eq!(
            back.text,
            "Back to normal: an agent is online again at 10:52 (UTC). Support was offline \
             during working hours from 10:42."
        );
    }

    #[test]
    fn a_wait_counts_whole_minutes() {
        assert_eq!(minutes(0, 359_999, 60_000), 5);
        assert_eq!(minutes(10, 0, 60_000), 0);
        let note = wait_opened("B", "Eva", "group Sales", true, AT, 6, Clock(None), "L");
        assert_eq!(note.subject, "B: Eva is waiting for a first reply");
        assert!(
            note.text
                .starts_with("Eva has waited 6 minutes for a first reply (group Sales; waiting since 10:42 UTC)."),
            "{}",
            note.text
        );
        let one = wait_opened("B", "Eva", "B", false, AT, 1, Clock(None), "L");
        assert!(
            one.text.contains("waited 1 minute for a reply"),
            "{}",
            one.text
        );
        let back = wait_closed("B", "Eva", AT, Back::Replied, Clock(None));
        assert_eq!(
            back.text,
            "Back to normal: an agent replied at 10:42 (UTC); Eva is no longer waiting."
        );
    }
}
