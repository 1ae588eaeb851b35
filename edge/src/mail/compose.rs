//! What each e-mail says: plain text, one conversation each, with the
//! site's name, the link it is about and its unsubscribe link. Pure, so
//! that the wording is tested natively.

use presenza_rules::time::civil_from_days;
use presenza_rules::UnixMillis;

/// One e-mail to one address.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Mail {
    pub to: String,
    pub subject: String,
    pub text: String,
    /// Its recipient's reply address (`Reply-To`), when replies by e-mail
    /// are on.
    pub reply_to: Option<String>,
}

/// What every e-mail offers its recipient: their unsubscribe link, and
/// their reply address when replies by e-mail are on.
#[derive(Clone, Copy, Debug)]
pub struct Links<'a> {
    pub unsubscribe: &'a str,
    pub reply_to: Option<&'a str>,
}

/// One message quoted in an e-mail.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Quoted<'a> {
    /// Who wrote it ("Ann (agent)", "You", the visitor's name).
    pub who: &'a str,
    pub at: UnixMillis,
    pub text: &'a str,
}

/// "2026-12-04 22:31 UTC".
pub fn utc(at: UnixMillis) -> String {
    let days = at.div_euclid(86_400_000);
    let minutes = at.rem_euclid(86_400_000) / 60_000;
    let (y, m, d) = civil_from_days(days);
    format!(
        "{y:04}-{m:02}-{d:02} {:02}:{:02} UTC",
        minutes / 60,
        minutes % 60
    )
}

fn quote(lines: &[Quoted<'_>]) -> String {
    let mut out = String::new();
    for q in lines {
        out.push_str(&format!("{} — {}\n", q.who, utc(q.at)));
        for line in q.text.lines() {
            out.push_str("  ");
            out.push_str(line);
            out.push('\n');
        }
        out.push('\n');
    }
    out
}

/// Where a reply goes, said in the text too (a client that shows no
/// `Reply-To` still tells the reader).
fn reply_line(reply_to: Option<&str>, goes: &str) -> String {
    reply_to
        .map(|r| format!("Reply to this e-mail to {goes} ({r}).\n\n"))
        .unwrap_or_default()
}

fn footer(site: &str, unsubscribe: &str) -> String {
    format!("--\nSent by {site} through Presenza.\nNo more e-mail from {site}: {unsubscribe}\n")
}

/// To an agent (or the owner's address): a visitor left a message while
/// nobody was online.
pub fn left_message(
    to: &str,
    site: &str,
    visitor: &str,
    visitor_email: Option<&str>,
    message: &Quoted<'_>,
    link: &str,
    links: &Links<'_>,
) -> Mail {
    let Links {
        unsubscribe,
        reply_to,
    } = *links;
    let contact = visitor_email
        .map(|e| format!("{visitor} <{e}>"))
        .unwrap_or_else(|| visitor.to_owned());
    Mail {
        to: to.to_owned(),
        subject: format!("{site}: new message from {visitor}"),
        text: format!(
            "{contact} left a message on {site} while nobody was online:\n\n{}Answer it in the console: {link}\n\n{}{}",
            quote(std::slice::from_ref(message)),
            reply_line(reply_to, &format!("answer {visitor} in the chat")),
            footer(site, unsubscribe)
        ),
        reply_to: reply_to.map(str::to_owned),
    }
}

/// To a visitor who has left: the replies written since.
pub fn replies(to: &str, site: &str, lines: &[Quoted<'_>], links: &Links<'_>) -> Mail {
    let Links {
        unsubscribe,
        reply_to,
    } = *links;
    let n = lines.len();
    Mail {
        to: to.to_owned(),
        subject: format!("{site} replied to your message"),
        text: format!(
            "{site} answered while you were away ({n} message{}):\n\n{}Reply on {site}'s website: the chat keeps the conversation.\n\n{}{}",
            if n == 1 { "" } else { "s" },
            quote(lines),
            reply_line(reply_to, &format!("answer {site} in the chat")),
            footer(site, unsubscribe)
        ),
        reply_to: reply_to.map(str::to_owned),
    }
}

/// To a visitor: the conversation, as they asked.
pub fn transcript(to: &str, site: &str, lines: &[Quoted<'_>], links: &Links<'_>) -> Mail {
    let Links {
        unsubscribe,
        reply_to,
    } = *links;
    Mail {
        to: to.to_owned(),
        subject: format!("Your conversation with {site}"),
        text: format!(
            "Your conversation with {site}, as you asked:\n\n{}{}{}",
            quote(lines),
            reply_line(reply_to, &format!("write to {site} in the chat")),
            footer(site, unsubscribe)
        ),
        reply_to: reply_to.map(str::to_owned),
    }
}

/// To the owner's alert address: an alert, or its back to normal
/// (`crate::alert::Note`), with how to turn alerts off.
pub fn alert(to: &str, site: &str, note: &crate::alert::Note, unsubscribe: &str) -> Mail {
    Mail {
        to: to.to_owned(),
        subject: note.subject.clone(),
        text: format!(
            "{}\n\nAlerts come once per episode, and again when it is back to normal. Change \
             their thresholds or turn them off in the console's Settings.\n\n{}",
            note.text,
            footer(site, unsubscribe)
        ),
        // An alert is about no conversation: a reply has nowhere to land.
        reply_to: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_in_utc() {
        assert_eq!(utc(0), "1970-01-01 00:00 UTC");
        assert_eq!(utc(1_764_887_460_000), "2025-12-04 22:31 UTC");
    }

    #[test]
    fn a_left_message_names_the_visitor_and_links_the_console() {
        let m = left_message(
            "ann@shop.example",
            "Bottega",
            "Eva",
            Some("eva@example.com"),
            &Quoted {
                who: "Eva",
                at: 0,
                text: "Is it in stock?\nSize 42",
            },
            "https://edge/console/?site=s_1",
            &Links {
                unsubscribe: "https://edge/u",
                reply_to: Some("reply+x@r.example"),
            },
        );
        assert_eq!(m.to, "ann@shop.example");
        assert_eq!(m.subject, "Bottega: new message from Eva");
        assert!(m
            .text
            .starts_with("Eva <eva@example.com> left a message on Bottega"));
        assert!(m.text.contains("  Is it in stock?\n  Size 42\n"));
        assert!(m
            .text
            .contains("Answer it in the console: https://edge/console/?site=s_1"));
        assert!(m
            .text
            .contains("Reply to this e-mail to answer Eva in the chat (reply+x@r.example)."));
        assert_eq!(m.reply_to.as_deref(), Some("reply+x@r.example"));
        assert!(m
            .text
            .ends_with("No more e-mail from Bottega: https://edge/u\n"));
    }

    #[test]
    fn replies_are_one_mail() {
        let lines = [
            Quoted {
                who: "Ann",
                at: 0,
                text: "Yes",
            },
            Quoted {
                who: "Ann",
                at: 60_000,
                text: "In size 42 too",
            },
        ];
        let m = replies(
            "eva@example.com",
            "Bottega",
            &lines,
            &Links {
                unsubscribe: "u",
                reply_to: None,
            },
        );
        assert!(m.text.contains("(2 messages)"));
        assert!(
            !m.text.contains("Reply to this e-mail"),
            "replies by e-mail off"
        );
        assert_eq!(m.reply_to, None);
        assert!(m.text.contains("  Yes\n") && m.text.contains("  In size 42 too\n"));
    }
}
