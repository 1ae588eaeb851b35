//! The conversation rules of issue 6, one test per sentence, named after it,
//! plus property tests. Needs no feature (the widget's build has none).

use std::cmp::Ordering;
use std::collections::BTreeSet;

use presenza_rules::conversation::{
    DEFAULT_BUSY_REPLY, MAX_CLIENT_ID_LEN, MAX_EMAIL_CHARS, MAX_MESSAGE_CHARS, MAX_NAME_CHARS,
};
use presenza_rules::{
    advance_read_mark, agent_serves, busy_auto_reply, evaluate, inbox_order, needs_contact,
    validate_client_id, validate_contact, validate_email, validate_name, validate_text, Agent,
    AudienceStatus, Contact, ConversationSummary, GracePeriod, InboxKey, ManualStatus, RateLimit,
    RateWindow, Reason, RetryAfterMs, RuleError, Sender, Session, Site, Status,
};
use proptest::prelude::*;

const MINUTE: i64 = 60_000;
/// 2026-11-25T12:00:00Z.
const NOW: i64 = 1_795_608_000_000;

fn groups(ids: &[&str]) -> Vec<String> {
    ids.iter().map(|g| (*g).to_owned()).collect()
}

fn site_groups(ids: &[&str]) -> BTreeSet<String> {
    ids.iter().map(|g| (*g).to_owned()).collect()
}

/// A site with the given groups, the default grace period and no hours.
// Without the `hours` feature `Site` has no other fields.
#[allow(clippy::needless_update)]
fn site(ids: &[&str]) -> Site {
    Site {
        grace: GracePeriod::DEFAULT,
        groups: site_groups(ids),
        ..Site::default()
    }
}

fn agent(id: &str, status: Status, in_groups: &[&str], last_seen: i64) -> Agent {
    Agent {
        id: id.to_owned(),
        groups: groups(in_groups),
        manual: ManualStatus::new(status, 0),
        sessions: vec![Session {
            id: format!("{id}-desktop"),
            last_seen,
        }],
    }
}

fn audience(status: Status, reason: Reason, message: Option<&str>) -> AudienceStatus {
    AudienceStatus {
        status,
        reason,
        message: message.map(str::to_owned),
        back_at: None,
        next_change: None,
    }
}

// --- Who sees a conversation -------------------------------------------------

#[test]
fn on_a_site_without_groups_every_agent_sees_every_conversation() {
    let none = site_groups(&[]);
    for agent_groups in [groups(&[]), groups(&["sales"])] {
        for conversation in [None, Some("sales"), Some("support")] {
            assert!(
                agent_serves(&agent_groups, &none, conversation),
                "{agent_groups:?} {conversation:?}"
            );
        }
    }
}

#[test]
fn group_conversation_is_seen_by_group_agents_and_ungrouped_agents() {
    let site = site_groups(&["sales", "support"]);
    assert!(agent_serves(&groups(&["sales"]), &site, Some("sales")));
    assert!(agent_serves(&groups(&[]), &site, Some("sales")));
    assert!(!agent_serves(&groups(&["support"]), &site, Some("sales")));
}

#[test]
fn site_conversation_on_site_with_groups_is_seen_only_by_ungrouped_agents() {
    let site = site_groups(&["sales", "support"]);
    assert!(agent_serves(&groups(&[]), &site, None));
    assert!(!agent_serves(&groups(&["sales"]), &site, None));
    assert!(!agent_serves(&groups(&["sales", "support"]), &site, None));
}

#[test]
fn an_agent_in_several_groups_sees_the_conversations_of_each() {
    let site = site_groups(&["billing", "sales", "support"]);
    let ada = groups(&["sales", "support"]);
    assert!(agent_serves(&ada, &site, Some("sales")));
    assert!(agent_serves(&ada, &site, Some("support")));
    assert!(!agent_serves(&ada, &site, Some("billing")));
}

#[test]
fn unknown_group_ids_are_ignored_and_an_agent_left_with_none_is_ungrouped() {
    let site = site_groups(&["sales", "support"]);
    // Only "gone": counts as in no group, so sees everything.
    let orphan = groups(&["gone"]);
    assert!(agent_serves(&orphan, &site, None));
    assert!(agent_serves(&orphan, &site, Some("sales")));
    // "gone" is ignored next to a known group.
    let ada = groups(&["gone", "sales"]);
    assert!(!agent_serves(&ada, &site, None));
    assert!(agent_serves(&ada, &site, Some("sales")));
    assert!(!agent_serves(&ada, &site, Some("support")));
}

#[test]
fn a_conversation_of_a_group_the_site_no_longer_has_is_seen_by_ungrouped_agents_only() {
    let site = site_groups(&["sales"]);
    assert!(agent_serves(&groups(&[]), &site, Some("gone")));
    assert!(!agent_serves(&groups(&["sales"]), &site, Some("gone")));
    // Listed groups the site lost still name no audience: the agent is
    // ungrouped and sees it.
    assert!(agent_serves(&groups(&["gone"]), &site, Some("gone")));
}

#[test]
fn evaluate_counts_an_agent_for_exactly_the_audiences_it_serves() {
    let now = NOW;
    let site = site(&["sales", "support"]);
    let cases: [(&[&str], [bool; 3]); 4] = [
        // (agent groups, [site, sales, support] online?)
        (&[], [true, true, true]),
        (&["sales"], [false, true, false]),
        (&["sales", "support"], [false, true, true]),
        (&["gone"], [true, true, true]),
    ];
    for (agent_groups, expected) in cases {
        let ev = evaluate(
            &site,
            &[agent("ada", Status::Online, agent_groups, now)],
            now,
        );
        let online: Vec<bool> = [None, Some("sales"), Some("support")]
            .iter()
            .map(|a| ev.audience(*a).expect("known").status == Status::Online)
            .collect();
        assert_eq!(online, expected, "{agent_groups:?}");
        for (a, on) in [None, Some("sales"), Some("support")].iter().zip(expected) {
            assert_eq!(agent_serves(&groups(agent_groups), &site.groups, *a), on);
        }
    }
}

// --- Messages ------------------------------------------------------------------

#[test]
fn a_message_is_1_to_2000_characters_after_trimming() {
    assert_eq!(validate_text("  hello \n"), Ok("hello"));
    assert_eq!(validate_text(""), Err(RuleError::EmptyMessage));
    assert_eq!(
        validate_text(" \n\t \u{3000}"),
        Err(RuleError::EmptyMessage)
    );

    let exactly = "a".repeat(MAX_MESSAGE_CHARS);
    assert_eq!(MAX_MESSAGE_CHARS, 2000);
    assert_eq!(validate_text(&exactly), Ok(exactly.as_str()));
    let padded = format!("\n  {exactly}  \n");
    assert_eq!(validate_text(&padded), Ok(exactly.as_str()));
    let over = "a".repeat(2001);
    assert_eq!(validate_text(&over), Err(RuleError::MessageTooLong(2001)));
    assert_eq!(
        validate_text(&"a".repeat(100_000)),
        Err(RuleError::MessageTooLong(100_000))
    );
}

#[test]
fn message_length_counts_characters_not_bytes() {
    for c in ['é', '€', '😀', '語'] {
        let at_limit: String = std::iter::repeat_n(c, 2000).collect();
        assert!(at_limit.len() > 2000);
        assert_eq!(validate_text(&at_limit), Ok(at_limit.as_str()), "{c}");
        let over: String = std::iter::repeat_n(c, 2001).collect();
        assert_eq!(
            validate_text(&over),
            Err(RuleError::MessageTooLong(2001)),
            "{c}"
        );
    }
    // A single family emoji is several scalar values joined by ZWJ: each
    // one counts, and the joiner is not a control character.
    let family = "👨\u{200d}👩\u{200d}👧";
    assert_eq!(family.chars().count(), 5);
    assert_eq!(validate_text(family), Ok(family));
}

#[test]
fn a_message_rejects_control_characters_other_than_newline_and_tab() {
    assert_eq!(
        validate_text("line 1\nline 2\tend"),
        Ok("line 1\nline 2\tend")
    );
    for c in ['\0', '\u{7}', '\r', '\u{1b}', '\u{7f}', '\u{85}', '\u{9f}'] {
        let text = format!("a{c}b");
        assert_eq!(
            validate_text(&text),
            Err(RuleError::InvalidCharacter(c)),
            "{:?}",
            c
        );
    }
    // Control whitespace at the ends is trimmed away first.
    assert_eq!(validate_text("\r\nhello\r\n"), Ok("hello"));
    // Not control characters: bidi marks, zero-width space.
    assert!(validate_text("a\u{200b}b\u{202e}c").is_ok());
}

#[test]
fn a_client_id_is_1_to_64_characters_of_letters_digits_underscore_and_dash() {
    assert_eq!(MAX_CLIENT_ID_LEN, 64);
    for ok in ["c", "c_01HZX-abc", &"x".repeat(64), "ABC_xyz-09"] {
        assert_eq!(validate_client_id(ok), Ok(()), "{ok}");
    }
    for bad in ["", &"x".repeat(65), "c 1", " c1", "c.1", "c/1", "é", "c1\n"] {
        assert_eq!(
            validate_client_id(bad).map_err(|e| e.code()),
            Err("invalid_client_id"),
            "{bad:?}"
        );
    }
    // The error shortens a huge value.
    let Err(RuleError::InvalidClientId(shown)) = validate_client_id(&"y".repeat(10_000)) else {
        panic!("expected invalid_client_id");
    };
    assert_eq!(shown.chars().count(), 65);
    assert!(shown.ends_with('…'));
}

// --- Contact -------------------------------------------------------------------

#[test]
fn a_left_message_needs_a_name_and_an_email() {
    assert_eq!(
        validate_contact(Some(" Ada Lovelace "), Some(" ada@example.com ")),
        Ok(Contact {
            name: "Ada Lovelace".to_owned(),
            email: "ada@example.com".to_owned(),
        })
    );
    for (name, email) in [
        (None, None),
        (Some("Ada"), None),
        (None, Some("ada@example.com")),
        (Some("  "), Some("ada@example.com")),
        (Some("Ada"), Some("")),
    ] {
        assert_eq!(
            validate_contact(name, email),
            Err(RuleError::ContactRequired),
            "{name:?} {email:?}"
        );
    }
    // Given but wrong: the name first, then the e-mail.
    assert_eq!(
        validate_contact(Some("A\u{7}"), Some("nope")).map_err(|e| e.code()),
        Err("invalid_name")
    );
    assert_eq!(
        validate_contact(Some("Ada"), Some("nope")).map_err(|e| e.code()),
        Err("invalid_email")
    );
}

#[test]
fn a_name_is_1_to_80_characters_after_trimming_without_control_characters() {
    assert_eq!(MAX_NAME_CHARS, 80);
    assert_eq!(validate_name("  Ada  "), Ok("Ada"));
    let long: String = std::iter::repeat_n('ř', 80).collect();
    assert_eq!(validate_name(&long), Ok(long.as_str()));
    let too_long: String = std::iter::repeat_n('ř', 81).collect();
    for bad in ["", "   ", too_long.as_str(), "Ada\nLovelace", "Ada\tL"] {
        assert_eq!(
            validate_name(bad).map_err(|e| e.code()),
            Err("invalid_name"),
            "{bad:?}"
        );
    }
}

#[test]
fn an_email_is_a_pragmatic_local_at_domain_dot_tld_of_at_most_254_characters() {
    assert_eq!(MAX_EMAIL_CHARS, 254);
    for ok in [
        "ada@example.com",
        "ada.lovelace+chat@mail.example.co.uk",
        "a@b.io",
        "o'brien@example.ie",
        "jürgen@müller.de",
        "x@xn--mller-kva.de",
        " ada@example.com\n",
    ] {
        assert!(validate_email(ok).is_ok(), "{ok:?}");
    }
    assert_eq!(validate_email(" ada@example.com "), Ok("ada@example.com"));

    let domain = format!("{}.com", "d".repeat(MAX_EMAIL_CHARS - 6));
    let at_limit = format!("a@{domain}");
    assert_eq!(at_limit.chars().count(), 254);
    assert!(validate_email(&at_limit).is_ok());
    let over = format!("ab@{domain}");
    for bad in [
        "",
        "ada",
        "ada@",
        "@example.com",
        "ada@example",
        "ada@example.",
        "ada@.example.com",
        "ada@example..com",
        "ada@example.c",
        "ada@127.0.0.1",
        "ada@-example.com",
        "ada@example-.com",
        "ada@@example.com",
        "ada@ex@ample.com",
        "ada lovelace@example.com",
        "ada@exa mple.com",
        "Ada <ada@example.com>",
        "ada,bob@example.com",
        "\"ada\"@example.com",
        ".ada@example.com",
        "ada.@example.com",
        "ada..l@example.com",
        "ada@example.com\u{0}",
        over.as_str(),
    ] {
        assert_eq!(
            validate_email(bad).map_err(|e| e.code()),
            Err("invalid_email"),
            "{bad:?}"
        );
    }
}

#[test]
fn every_new_error_has_a_stable_code_and_a_sentence() {
    let cases = [
        (RuleError::EmptyMessage, "empty_message"),
        (RuleError::MessageTooLong(2001), "message_too_long"),
        (RuleError::InvalidCharacter('\0'), "invalid_character"),
        (
            RuleError::InvalidClientId("c 1".into()),
            "invalid_client_id",
        ),
        (RuleError::InvalidName(String::new()), "invalid_name"),
        (RuleError::InvalidEmail("nope".into()), "invalid_email"),
        (RuleError::ContactRequired, "contact_required"),
        (
            RuleError::RateLimited {
                retry_after_ms: 1_500,
            },
            "rate_limited",
        ),
    ];
    for (error, code) in cases {
        assert_eq!(error.code(), code);
        assert!(!error.to_string().is_empty());
    }
    assert_eq!(
        RuleError::MessageTooLong(2001).to_string(),
        "message too long: 2001 characters, at most 2000"
    );
    assert_eq!(
        RuleError::InvalidCharacter('\u{7}').to_string(),
        "invalid character U+0007 in message: no control characters except newline and tab"
    );
    assert_eq!(
        RuleError::from(RetryAfterMs(1_500)).to_string(),
        "too many messages: try again in 2 s"
    );
}

// --- Rate limiting -------------------------------------------------------------

/// Sends at the given instants; `Ok(count)` or `Err(retry)` for each.
fn send_all(limit: RateLimit, times: &[i64]) -> (RateWindow, Vec<Result<u32, i64>>) {
    let mut window = RateWindow::default();
    let mut results = Vec::new();
    for &t in times {
        match window.check(limit.limit, limit.window_ms, t) {
            Ok(next) => {
                window = next;
                results.push(Ok(next.count));
            }
            Err(RetryAfterMs(retry)) => results.push(Err(retry)),
        }
    }
    (window, results)
}

#[test]
fn a_visitor_may_send_10_messages_per_60_s() {
    assert_eq!(
        RateLimit::VISITOR,
        RateLimit {
            limit: 10,
            window_ms: 60_000
        }
    );
    let times: Vec<i64> = (0..10).map(|i| NOW + i * 1_000).collect();
    let (window, results) = send_all(RateLimit::VISITOR, &times);
    assert_eq!(results, (1..=10).map(Ok).collect::<Vec<_>>());
    assert_eq!(
        window,
        RateWindow {
            window_start: NOW,
            count: 10
        }
    );
    // The 11th within the minute waits for the rest of the window.
    assert_eq!(
        window.check(10, 60_000, NOW + 20_000),
        Err(RetryAfterMs(40_000))
    );
    assert_eq!(
        window.check(10, 60_000, NOW + MINUTE - 1),
        Err(RetryAfterMs(1))
    );
    // At the end of the window a new one opens with this message.
    assert_eq!(
        window.check(10, 60_000, NOW + MINUTE),
        Ok(RateWindow {
            window_start: NOW + MINUTE,
            count: 1
        })
    );
}

#[test]
fn a_rejected_message_does_not_count() {
    let full = RateWindow {
        window_start: NOW,
        count: 10,
    };
    // Rejections return no new value: the stored window stays as it was.
    for t in [NOW + 1, NOW + 2, NOW + 59_000] {
        assert!(full.check(10, 60_000, t).is_err());
    }
    assert_eq!(full.check(10, 60_000, NOW + MINUTE).map(|w| w.count), Ok(1));
}

#[test]
fn the_retry_after_is_the_rest_of_the_window_rounded_up_to_whole_seconds() {
    assert_eq!(RetryAfterMs(40_000).secs(), 40);
    assert_eq!(RetryAfterMs(39_001).secs(), 40);
    assert_eq!(RetryAfterMs(1).secs(), 1);
    assert_eq!(RetryAfterMs(0).secs(), 1);
    assert_eq!(
        RuleError::from(RetryAfterMs(1_500)),
        RuleError::RateLimited {
            retry_after_ms: 1_500
        }
    );
}

#[test]
fn agents_get_a_generous_120_messages_per_60_s() {
    let times: Vec<i64> = (0..121).map(|i| NOW + i * 100).collect();
    let (_, results) = send_all(RateLimit::AGENT, &times);
    assert!(results[..120].iter().all(Result::is_ok));
    assert_eq!(results[120], Err(MINUTE - 12_000));
}

#[test]
fn a_clock_that_goes_back_opens_a_new_window() {
    let full = RateWindow {
        window_start: NOW,
        count: 10,
    };
    assert_eq!(
        full.check(10, 60_000, NOW - 1),
        Ok(RateWindow {
            window_start: NOW - 1,
            count: 1
        })
    );
}

#[test]
fn a_zero_limit_rejects_everything_and_extreme_instants_do_not_panic() {
    assert_eq!(
        RateWindow::default().check(0, 60_000, NOW),
        Err(RetryAfterMs(60_000))
    );
    let w = RateWindow {
        window_start: i64::MIN,
        count: 3,
    };
    assert_eq!(w.check(10, 60_000, i64::MAX).map(|w| w.count), Ok(1));
    let w = RateWindow {
        window_start: i64::MAX - 5,
        count: 10,
    };
    assert_eq!(w.check(10, 60_000, i64::MAX), Err(RetryAfterMs(1)));
}

// --- Inbox ---------------------------------------------------------------------

fn summary(id: &str, updated_at: i64, visitor: u64, agent: u64, read: u64) -> ConversationSummary {
    ConversationSummary {
        id: id.to_owned(),
        created_at: updated_at - MINUTE,
        updated_at,
        last_visitor_seq: visitor,
        last_agent_seq: agent,
        read_seq: read,
        visitor_messages_after_read: visitor.saturating_sub(read),
    }
}

#[test]
fn a_conversation_waits_when_the_visitors_last_message_has_no_agent_reply_after_it() {
    // visitor 1, agent 2: answered.
    assert!(!summary("c", NOW, 1, 2, 0).waiting());
    // visitor 1, agent 2, visitor 3: waiting again.
    assert!(summary("c", NOW, 3, 2, 0).waiting());
    // visitor 1, system busy reply 2: the auto-reply is no agent reply.
    assert!(summary("c", NOW, 1, 0, 0).waiting());
    // No visitor message yet: nobody waits.
    assert!(!summary("c", NOW, 0, 0, 0).waiting());
    assert_eq!(Sender::parse("system"), Some(Sender::System));
    assert_eq!(Sender::Agent.as_str(), "agent");
    assert_eq!(Sender::parse("bot"), None);
}

#[test]
fn unread_counts_the_visitor_messages_after_this_agents_read_mark() {
    // seq 1 visitor, 2 agent, 3 visitor, 4 visitor; read up to 2.
    let mut s = summary("c", NOW, 4, 2, 2);
    s.visitor_messages_after_read = 2;
    assert_eq!(s.unread(), 2);
    // Read up to the last visitor message: nothing unread, even with a
    // stale count.
    s.read_seq = 4;
    assert_eq!(s.unread(), 0);
    // Read marks are per agent: another agent who read nothing sees 3.
    let other = ConversationSummary {
        read_seq: 0,
        visitor_messages_after_read: 3,
        ..s.clone()
    };
    assert_eq!(other.unread(), 3);
}

#[test]
fn the_read_mark_never_moves_back_nor_past_the_last_message() {
    assert_eq!(advance_read_mark(0, 3, 5), 3);
    assert_eq!(advance_read_mark(3, 2, 5), 3);
    assert_eq!(advance_read_mark(3, 99, 5), 5);
    assert_eq!(advance_read_mark(0, 0, 0), 0);
}

#[test]
fn the_inbox_lists_waiting_first_then_most_recently_updated_then_by_id() {
    let mut inbox = [
        summary("answered-new", NOW, 1, 2, 2),
        summary("waiting-old", NOW - 10 * MINUTE, 1, 0, 0),
        summary("answered-old", NOW - 20 * MINUTE, 1, 2, 2),
        summary("waiting-b", NOW - MINUTE, 3, 2, 2),
        summary("waiting-a", NOW - MINUTE, 3, 2, 2),
    ];
    inbox.sort_by(inbox_order);
    let ids: Vec<&str> = inbox.iter().map(|s| s.id.as_str()).collect();
    assert_eq!(
        ids,
        [
            "waiting-a",
            "waiting-b",
            "waiting-old",
            "answered-new",
            "answered-old"
        ]
    );
    // The console sorts its wire summaries with the same key.
    let key = |waiting, updated_at, id| InboxKey {
        waiting,
        updated_at,
        id,
    };
    assert_eq!(key(true, 0, "z").cmp(&key(false, NOW, "a")), Ordering::Less);
    assert_eq!(inbox[0].inbox_key(), key(true, NOW - MINUTE, "waiting-a"));
}

// --- Busy auto-reply and contact -----------------------------------------------

#[test]
fn a_visitor_writing_to_a_busy_audience_gets_the_busy_message_once_per_conversation() {
    let busy = audience(Status::Busy, Reason::AllBusy, Some("Back at 3 pm"));
    assert_eq!(
        busy_auto_reply(&busy, false).as_deref(),
        Some("Back at 3 pm")
    );
    assert_eq!(busy_auto_reply(&busy, true), None);
}

#[test]
fn without_a_busy_message_the_auto_reply_is_a_default_english_text() {
    for message in [None, Some(""), Some("   ")] {
        let busy = audience(Status::Busy, Reason::AllBusy, message);
        assert_eq!(
            busy_auto_reply(&busy, false).as_deref(),
            Some("We're busy right now and will be back soon."),
        );
    }
    assert_eq!(
        DEFAULT_BUSY_REPLY,
        "We're busy right now and will be back soon."
    );
}

#[test]
fn online_and_offline_audiences_get_no_auto_reply() {
    for a in [
        audience(Status::Online, Reason::AgentsOnline, None),
        audience(Status::Offline, Reason::NoAgents, None),
        audience(Status::Offline, Reason::OutsideHours, None),
    ] {
        assert_eq!(busy_auto_reply(&a, false), None, "{:?}", a.status);
    }
}

#[test]
fn an_offline_audience_needs_a_name_and_an_email_for_a_left_message() {
    assert!(needs_contact(&audience(
        Status::Offline,
        Reason::NoAgents,
        None
    )));
    assert!(needs_contact(&audience(
        Status::Offline,
        Reason::OutsideHours,
        None
    )));
}

#[test]
fn online_and_busy_audiences_need_no_contact_even_during_the_grace_period() {
    assert!(!needs_contact(&audience(
        Status::Online,
        Reason::AgentsOnline,
        None
    )));
    assert!(!needs_contact(&audience(
        Status::Busy,
        Reason::AllBusy,
        None
    )));

    // The agent's tab closed 119 s ago: still online inside the 120 s grace.
    let site = site(&[]);
    let ada = agent("ada", Status::Online, &[], NOW - 119_000);
    let during = evaluate(&site, std::slice::from_ref(&ada), NOW);
    assert!(!needs_contact(&during.site));
    let after = evaluate(&site, std::slice::from_ref(&ada), NOW + 1_000);
    assert!(needs_contact(&after.site));
}

// --- Wire shapes ---------------------------------------------------------------

#[cfg(feature = "serde")]
#[test]
fn the_rate_window_contact_and_sender_round_trip_as_json() {
    let window = RateWindow {
        window_start: NOW,
        count: 3,
    };
    let json = serde_json::to_string(&window).expect("serialize");
    assert_eq!(json, r#"{"window_start":1795608000000,"count":3}"#);
    assert_eq!(
        serde_json::from_str::<RateWindow>(&json).expect("parse"),
        window
    );
    assert_eq!(
        serde_json::to_string(&Sender::System).expect("serialize"),
        r#""system""#
    );
    let contact = Contact {
        name: "Ada".into(),
        email: "ada@example.com".into(),
    };
    let json = serde_json::to_string(&contact).expect("serialize");
    assert_eq!(json, r#"{"name":"Ada","email":"ada@example.com"}"#);
}

// --- Properties ----------------------------------------------------------------

const SITE_GROUPS: [&str; 3] = ["g0", "g1", "g2"];
/// Agents may name a group the site does not have, and a group twice.
const AGENT_GROUPS: [&str; 5] = ["g0", "g1", "g2", "gone", "g0"];

fn subset(of: &'static [&'static str]) -> impl Strategy<Value = Vec<&'static str>> {
    prop::sample::subsequence(of, 0..=of.len())
}

fn status() -> impl Strategy<Value = Status> {
    prop_oneof![
        Just(Status::Online),
        Just(Status::Busy),
        Just(Status::Offline)
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    /// An agent serves audience A iff that agent, online and alive, makes A
    /// online on its own.
    #[test]
    fn agent_serves_agrees_with_the_audiences_evaluate_counts_an_agent_for(
        site_ids in subset(&SITE_GROUPS),
        agent_ids in subset(&AGENT_GROUPS),
        seen in -119_999i64..=0,
    ) {
        let site = site(&site_ids);
        let ev = evaluate(&site, &[agent("ada", Status::Online, &agent_ids, NOW + seen)], NOW);
        let audiences = std::iter::once(None).chain(site.groups.iter().map(|g| Some(g.as_str())));
        for a in audiences {
            let online = ev.audience(a).expect("known").status == Status::Online;
            prop_assert_eq!(agent_serves(&groups(&agent_ids), &site.groups, a), online, "{:?}", a);
        }
    }

    /// With many agents, every audience's status is the best status among
    /// the alive agents that serve it.
    #[test]
    fn every_audience_is_the_best_status_among_the_agents_that_serve_it(
        site_ids in subset(&SITE_GROUPS),
        agents in prop::collection::vec((subset(&AGENT_GROUPS), status(), -200_000i64..=0), 0..6),
    ) {
        let site = site(&site_ids);
        let agents: Vec<Agent> = agents.iter().enumerate()
            .map(|(i, (g, s, seen))| agent(&format!("a{i}"), *s, g, NOW + seen))
            .collect();
        let ev = evaluate(&site, &agents, NOW);
        let audiences = std::iter::once(None).chain(site.groups.iter().map(|g| Some(g.as_str())));
        for a in audiences {
            let best = agents.iter()
                .filter(|agent| agent_serves(&agent.groups, &site.groups, a))
                .map(|agent| agent.effective_status(site.grace, NOW))
                .max()
                .unwrap_or(Status::Offline);
            prop_assert_eq!(ev.audience(a).expect("known").status, best, "{:?}", a);
        }
    }

    /// Whatever the instants, a window never accepts more than the limit,
    /// any span of one window length holds at most twice the limit, and a
    /// rejection's retry-after is exact.
    #[test]
    fn the_rate_window_accepts_at_most_the_limit_per_window_and_retry_after_is_exact(
        gaps in prop::collection::vec(0i64..15_000, 1..80),
        limit in 1u32..12,
        window_ms in 1_000i64..120_000,
    ) {
        let mut window = RateWindow::default();
        let mut now = NOW;
        let mut accepted = Vec::new();
        for gap in gaps {
            now += gap;
            match window.check(limit, window_ms, now) {
                Ok(next) => {
                    prop_assert!(next.count >= 1 && next.count <= limit);
                    prop_assert!(next.window_start <= now && now - next.window_start < window_ms);
                    window = next;
                    accepted.push(now);
                }
                Err(RetryAfterMs(retry)) => {
                    prop_assert!(retry >= 1 && retry <= window_ms);
                    prop_assert!(window.check(limit, window_ms, now + retry - 1).is_err());
                    prop_assert!(window.check(limit, window_ms, now + retry).is_ok());
                }
            }
        }
        for (i, &t) in accepted.iter().enumerate() {
            let in_span = accepted[i..].iter().take_while(|&&u| u < t + window_ms).count();
            prop_assert!(in_span <= 2 * limit as usize);
        }
    }

    /// The inbox order is a total order: sorting any permutation gives the
    /// same list, and it agrees with the sentence.
    #[test]
    fn the_inbox_order_is_total_and_follows_the_sentence(
        rows in prop::collection::vec((0u8..6, 0i64..5, 0u64..4, 0u64..4), 0..12),
        seed in any::<prop::sample::Index>(),
    ) {
        // Ids are unique (several rows may share a prefix).
        let inbox: Vec<ConversationSummary> = rows.iter().enumerate()
            .map(|(i, (id, t, v, a))| summary(&format!("c{id}-{i}"), NOW + t * MINUTE, *v, *a, 0))
            .collect();
        let mut sorted = inbox.clone();
        sorted.sort_by(inbox_order);
        let mut rotated = inbox.clone();
        if !rotated.is_empty() {
            let k = seed.index(rotated.len());
            rotated.rotate_left(k);
        }
        rotated.reverse();
        rotated.sort_by(inbox_order);
        prop_assert_eq!(&sorted, &rotated);
        for pair in sorted.windows(2) {
            let (a, b) = (&pair[0], &pair[1]);
            prop_assert!(a.waiting() >= b.waiting());
            if a.waiting() == b.waiting() {
                prop_assert!(a.updated_at >= b.updated_at);
                if a.updated_at == b.updated_at {
                    prop_assert!(a.id <= b.id);
                }
            }
            prop_assert_eq!(inbox_order(a, b), inbox_order(b, a).reverse());
        }
    }

    /// Validation never panics and either accepts a trimmed value within the
    /// limits or names the problem.
    #[test]
    fn validation_never_panics(text in ".{0,40}|[\\x00-\\x7f]{0,10}", n in 0usize..2100) {
        let long: String = std::iter::repeat_n('ž', n).collect();
        for input in [text.as_str(), long.as_str()] {
            match validate_text(input) {
                Ok(t) => {
                    prop_assert!(!t.is_empty() && t.chars().count() <= MAX_MESSAGE_CHARS);
                    prop_assert_eq!(t, input.trim());
                }
                Err(e) => prop_assert!(!e.code().is_empty() && !e.to_string().is_empty()),
            }
            let _ = validate_client_id(input);
            let _ = validate_contact(Some(input), Some(input));
            if let Ok(email) = validate_email(input) {
                prop_assert_eq!(email.matches('@').count(), 1);
            }
        }
    }
}

#[test]
fn names_refuse_invisible_formatting() {
    use presenza_rules::conversation::is_invisible_format;
    for spoof in [
        "Ann\u{202E}",
        "A\u{200B}nn",
        "\u{2066}Ann",
        "Ann\u{FEFF}",
        "A\u{200D}nn",
    ] {
        assert!(
            presenza_rules::validate_name(spoof).is_err(),
            "{spoof:?} must be refused"
        );
    }
    assert_eq!(
        presenza_rules::validate_name(" Zoë 日本 ").unwrap(),
        "Zoë 日本"
    );
    // Message texts keep them (emoji sequences join with U+200D).
    assert!(is_invisible_format('\u{200D}'));
    assert!(presenza_rules::validate_text("👨\u{200D}👩\u{200D}👧").is_ok());
}
