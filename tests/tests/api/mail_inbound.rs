//! Replies by e-mail (issue 14), end to end: every e-mail the edge sends
//! names its recipient's reply address; a raw RFC 822 reply posted to that
//! address through the local run's `email` handler
//! (`/cdn-cgi/handler/email`, what Email Routing calls in production)
//! lands in the conversation as the agent's reply (live to the visitor's
//! socket) or as the visitor's message. Forged addresses, wrong senders,
//! empty and oversized mails are rejected with a reason; a redelivered
//! mail adds nothing.

use crate::helpers::conversations::{action_ok, agent_messages, agent_reply, list_page, texts};
use crate::helpers::mailbox::Recorded;
use crate::helpers::MESSAGE_WAIT;
use crate::mail::{leave, mail_edge, mail_site, mails_with};
use presenza_tests::api::{unique, Reply, TestAgent, TestSite};
use presenza_tests::edge::LOCAL_REPLY_DOMAIN;
use presenza_tests::ws::frame_type;

/// The reply address an e-mail names (its Reply-To, said in the text).
#[track_caller]
fn reply_address(mail: &Recorded) -> String {
    mail.text
        .split(|c: char| c.is_whitespace() || c == '(' || c == ')')
        .find(|w| w.starts_with("reply+"))
        .map(|w| w.trim_end_matches('.').to_string())
        .unwrap_or_else(|| panic!("a reply address in: {}", mail.text))
}

fn percent(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'.' | b'-' | b'_' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// Posts a raw e-mail from `from` to `to` to the Worker's `email` handler:
/// 200 when accepted, 400 with the reason when rejected.
fn deliver(from: &str, to: &str, raw: &[u8]) -> Reply {
    let (url, _) = mail_edge();
    let api = presenza_tests::api::Api::new(url);
    api.send_raw(
        "POST",
        &format!(
            "/cdn-cgi/handler/email?from={}&to={}",
            percent(from),
            percent(to)
        ),
        None,
        &[("Content-Type", "message/rfc822")],
        Some(raw),
    )
}

/// A raw e-mail: headers, a blank line, the body (CRLF line ends).
fn raw_mail(from: &str, to: &str, message_id: &str, extra: &str, body: &str) -> Vec<u8> {
    let mut head = format!(
        "From: Someone <{from}>\r\nTo: {to}\r\nSubject: Re: your message\r\nMessage-ID: <{message_id}>\r\nDate: Sat, 5 Dec 2026 10:05:00 +0000\r\nMIME-Version: 1.0\r\n"
    );
    if !extra.is_empty() {
        head.push_str(extra);
        head.push_str("\r\n");
    }
    format!("{head}\r\n{body}").into_bytes()
}

fn token_agent(site: &TestSite, id: &str) -> TestAgent {
    let r = site.owner_ok("POST", &format!("/agents/{id}/token"), None);
    site.agent_with_token(id, r.body["token"].as_str().unwrap_or_default())
}

/// The conversation's messages as (seq, sender, text).
fn thread(agent: &TestAgent, conversation: &str) -> Vec<(u64, String, String)> {
    let r = agent_messages(agent, conversation, 0);
    assert_eq!(r.status, 200, "{}", r.describe());
    texts(&r.body["messages"])
}

#[track_caller]
fn assert_rejected(r: &Reply, reason: &str) {
    let body = r.body.as_str().unwrap_or_default();
    assert!(
        r.status == 400 && body.contains("rejected") && body.contains(reason),
        "rejected for `{reason}`: {}",
        r.describe()
    );
}

/// The agents' e-mail about `marker`, to `to`.
#[track_caller]
fn mail_to(marker: &str, count: usize, to: &str) -> Recorded {
    mails_with(marker, count)
        .into_iter()
        .find(|m| m.to == to)
        .unwrap_or_else(|| panic!("an e-mail to {to} about {marker}"))
}

#[test]
fn an_agent_answers_by_email_and_the_visitor_sees_it_live() {
    let site = mail_site(None);
    let ann = token_agent(&site, "ann");
    let marker = unique("boots");
    let (visitor, conversation) = leave(
        &site,
        "sales",
        &format!("Are the {marker} waterproof?"),
        "eva@boots.example",
    );
    let to_ann = mail_to(&marker, 1, "ann@bottega.example");
    let address = reply_address(&to_ann);
    assert!(
        address.ends_with(&format!("@{LOCAL_REPLY_DOMAIN}")),
        "{address}"
    );
    assert_eq!(address.split('@').next().map(str::len), Some(64));

    let (mut ws, _) = visitor.socket(Some("sales"), true);
    // Gmail's shape: multipart/alternative, quoted-printable UTF-8, the
    // answered mail quoted under an attribution, a signature.
    let body = concat!(
        "--alt\r\n",
        "Content-Type: text/plain; charset=\"UTF-8\"\r\n",
        "Content-Transfer-Encoding: quoted-printable\r\n\r\n",
        "S=C3=AC, fully waterproof =E2=80=94 size 42 too.\r\n\r\n",
        "On Sat, Dec 5, 2026 at 10:02 AM Bottega <notifications@presenza.test> wrote:\r\n",
        "> Eva left a message on Bottega while nobody was online:\r\n",
        "> Are they waterproof?\r\n\r\n",
        "-- \r\nAnn Lee, Bottega\r\n",
        "--alt\r\n",
        "Content-Type: text/html; charset=\"UTF-8\"\r\n\r\n",
        "<div>S&igrave;, fully waterproof</div><blockquote>old</blockquote>\r\n",
        "--alt--\r\n"
    );
    let expected = "Sì, fully waterproof — size 42 too.";
    let message_id = format!("{}@mail.example", unique("ann"));
    let raw = raw_mail(
        "ann@bottega.example",
        &address,
        &message_id,
        "Content-Type: multipart/alternative; boundary=\"alt\"",
        body,
    );
    let r = deliver("ann@bottega.example", &address, &raw);
    assert_eq!(r.status, 200, "{}", r.describe());

    // Live on the visitor's socket, as a console reply is: ann's message.
    let frame = ws.expect(MESSAGE_WAIT, "ann's reply by e-mail", |v| {
        frame_type(v) == Some("message") && v["message"]["text"] == expected
    });
    assert_eq!(frame["message"]["from"], "agent", "{frame}");
    assert_eq!(frame["message"]["agent"]["id"], "ann", "{frame}");
    let messages = thread(&ann, &conversation);
    assert_eq!(messages.len(), 2, "{messages:?}");
    assert_eq!(messages[1].1, "agent");
    assert_eq!(messages[1].2, expected, "the quote and signature are cut");

    // Redelivered (the same Message-ID): accepted, nothing added.
    let r = deliver("ann@bottega.example", &address, &raw);
    assert_eq!(r.status, 200, "{}", r.describe());
    assert_eq!(thread(&ann, &conversation).len(), 2, "one message per mail");
    ws.close();
}

#[test]
fn a_visitor_answers_by_email_in_latin_1() {
    let site = mail_site(None);
    let ann = token_agent(&site, "ann");
    let marker = unique("sunday");
    let (_visitor, conversation) = leave(&site, "sales", "Open on Sunday?", "eva@latin.example");
    let r = agent_reply(&ann, &conversation, "r1", &format!("Yes {marker}"));
    assert_eq!(r.status, 201, "{}", r.describe());
    // The visitor has left: the reply reaches them by e-mail, batched.
    let to_eva = mail_to(&marker, 1, "eva@latin.example");
    let address = reply_address(&to_eva);

    // "Très bien, à dimanche !" in ISO-8859-1, base64, with Outlook's quote.
    let latin1: Vec<u8> = "Très bien, à dimanche !\r\n\r\n-----Original Message-----\r\nFrom: Bottega\r\nSent: Saturday\r\n\r\nYes"
        .chars()
        .map(|c| c as u8)
        .collect();
    let body = base64(&latin1);
    let raw = raw_mail(
        "eva@latin.example",
        &address,
        &format!("{}@latin.example", unique("eva")),
        "Content-Type: text/plain; charset=iso-8859-1\r\nContent-Transfer-Encoding: base64",
        &body,
    );
    let (mut device, _) = ann.device();
    let r = deliver("eva@latin.example", &address, &raw);
    assert_eq!(r.status, 200, "{}", r.describe());
    let expected = "Très bien, à dimanche !";
    device.expect(MESSAGE_WAIT, "eva's e-mail on ann's device", |v| {
        frame_type(v) == Some("message") && v["message"]["text"] == expected
    });
    let messages = thread(&ann, &conversation);
    let last = messages.last().cloned().unwrap_or_default();
    assert_eq!((last.1.as_str(), last.2.as_str()), ("visitor", expected));
    device.close();
}

#[test]
fn forged_addresses_wrong_senders_and_bad_mails_are_rejected() {
    let site = mail_site(None);
    let ann = token_agent(&site, "ann");
    let marker = unique("forge");
    let (_visitor, conversation) = leave(
        &site,
        "sales",
        &format!("Hello {marker}"),
        "eva@forge.example",
    );
    let address = reply_address(&mail_to(&marker, 1, "ann@bottega.example"));
    let plain = |from: &str, to: &str, body: &str| {
        raw_mail(
            from,
            to,
            &format!("{}@x.example", unique("m")),
            "Content-Type: text/plain; charset=utf-8",
            body,
        )
    };

    // Someone else, even another agent of the site.
    let r = deliver(
        "mallory@evil.example",
        &address,
        &plain("mallory@evil.example", &address, "Refund me"),
    );
    assert_rejected(&r, "sent to another address");
    let r = deliver(
        "bob@bottega.example",
        &address,
        &plain("bob@bottega.example", &address, "Bob here"),
    );
    assert_rejected(&r, "sent to another address");

    // A forged code: one character changed.
    let (local, domain) = address.split_once('@').unwrap_or_default();
    let last = local.chars().last().unwrap_or('a');
    let swapped = if last == 'a' { 'q' } else { 'a' };
    let forged = format!("{}{swapped}@{domain}", &local[..local.len() - 1]);
    let r = deliver(
        "ann@bottega.example",
        &forged,
        &plain("ann@bottega.example", &forged, "Forged"),
    );
    assert_rejected(&r, "reply address");
    // Not a reply address at all.
    let r = deliver(
        "ann@bottega.example",
        &format!("ann@{LOCAL_REPLY_DOMAIN}"),
        &plain("ann@bottega.example", "x", "Hi"),
    );
    assert_rejected(&r, "no such reply address");

    // Nothing but the quoted mail.
    let r = deliver(
        "ann@bottega.example",
        &address,
        &plain(
            "ann@bottega.example",
            &address,
            "On Sat, Dec 5, 2026 Bottega <n@presenza.test> wrote:\r\n> Hello\r\n",
        ),
    );
    assert_rejected(&r, "empty message");
    // Too large (an attachment of 300 KB).
    let big = format!("Hi\r\n{}", "x".repeat(300 * 1024));
    let r = deliver(
        "ann@bottega.example",
        &address,
        &plain("ann@bottega.example", &address, &big),
    );
    assert_rejected(&r, "too large");

    let messages = thread(&ann, &conversation);
    assert_eq!(messages.len(), 1, "nothing added: {messages:?}");
    // The genuine sender still gets in.
    let r = deliver(
        "ann@bottega.example",
        &address,
        &plain("ann@bottega.example", &address, "Hello Eva"),
    );
    assert_eq!(r.status, 200, "{}", r.describe());
    assert_eq!(thread(&ann, &conversation).len(), 2);
}

#[test]
fn a_closed_conversation_reopens_as_a_console_reply_would() {
    let site = mail_site(None);
    let ann = token_agent(&site, "ann");
    let marker = unique("closed");
    let (_visitor, conversation) = leave(
        &site,
        "sales",
        &format!("Thanks {marker}"),
        "eva@closed.example",
    );
    let address = reply_address(&mail_to(&marker, 1, "ann@bottega.example"));
    action_ok(&ann, &conversation, "close");
    assert_eq!(list_page(&ann, "state=open").0, Vec::<String>::new());
    let raw = raw_mail(
        "ann@bottega.example",
        &address,
        &format!("{}@x.example", unique("m")),
        "",
        "One more thing: we ship free.\r\n",
    );
    let r = deliver("ann@bottega.example", &address, &raw);
    assert_eq!(r.status, 200, "{}", r.describe());
    assert_eq!(list_page(&ann, "state=open").0, vec![conversation.clone()]);
    let messages = thread(&ann, &conversation);
    assert_eq!(
        messages.last().map(|m| m.2.as_str()),
        Some("One more thing: we ship free.")
    );
}

/// Base64 with line breaks every 76 characters, as mail clients write it.
fn base64(bytes: &[u8]) -> String {
    const A: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let n =
            chunk.iter().fold(0u32, |acc, &b| acc << 8 | u32::from(b)) << (8 * (3 - chunk.len()));
        for k in 0..=chunk.len() {
            out.push(A[((n >> (18 - 6 * k)) & 63) as usize] as char);
        }
        for _ in chunk.len()..3 {
            out.push('=');
        }
    }
    out.as_bytes()
        .chunks(76)
        .map(|c| String::from_utf8_lossy(c).into_owned())
        .collect::<Vec<_>>()
        .join("\r\n")
}
