//! The status history and the insights (issue 15) against the real runtime:
//! a scripted stretch of a day (agents in and out, a grace period running
//! out, a group's working hours opening and closing at real minute marks)
//! is recorded exactly — each change with its status, reason, cause and
//! instant (a grace period at the session's expiry, working hours at the
//! boundary) — and the coverage the insights give is what that history
//! says for every millisecond of the working hours; the CSV export has the same
//! rows; bad queries are JSON errors; only the owner may read it; the
//! history's retention deletes old changes but each audience's status in
//! force.
//!
//! The edge's clock is the real one, so the day is compressed: a grace
//! period of 10 s (the shortest) and working hours of one minute starting
//! at the next minute mark. The DST side of working hours is pure and
//! tested in `presenza_rules::insights` (time passed in).

use crate::helpers::{site, start_edge};
use presenza_tests::api::{now_ms, parse_rfc3339, poll_until, weekday_key, TestSite, ADMIN_TOKEN};
use presenza_tests::edge::{shared_edge, EdgeOptions};
use serde_json::{json, Value};
use std::thread::sleep;
use std::time::Duration;

const MINUTE: i64 = 60_000;
const DAY: i64 = 86_400_000;
const GRACE_MS: i64 = 10_000;

/// One recorded change, as the test reads it.
#[derive(Clone, Debug, PartialEq)]
struct Change {
    at: i64,
    status: String,
    reason: String,
    cause: Option<String>,
    agent: Option<String>,
}

fn change(v: &Value) -> Change {
    Change {
        at: v["at"]
            .as_str()
            .and_then(parse_rfc3339)
            .unwrap_or_else(|| panic!("a change has an instant: {v}")),
        status: v["status"].as_str().unwrap_or_default().to_string(),
        reason: v["reason"].as_str().unwrap_or_default().to_string(),
        cause: v["cause"].as_str().map(str::to_string),
        agent: v["agent"].as_str().map(str::to_string),
    }
}

/// `GET history?from=&to=` (ms) as JSON; must succeed.
#[track_caller]
fn history(site: &TestSite, query: &str) -> Value {
    site.owner_ok("GET", &format!("/history?{query}"), None)
        .body
}

/// The changes of one audience (`None`: the site) in a history answer.
fn changes_of(history: &Value, group: Option<&str>) -> Vec<Change> {
    let audience = history["audiences"]
        .as_array()
        .and_then(|list| list.iter().find(|a| a["group"].as_str() == group).cloned())
        .unwrap_or_else(|| panic!("audience {group:?} in {history}"));
    audience["changes"]
        .as_array()
        .map(|list| list.iter().map(change).collect())
        .unwrap_or_default()
}

/// Status and reason, for comparing a list of changes.
fn states(changes: &[Change]) -> Vec<(&str, &str)> {
    changes
        .iter()
        .map(|c| (c.status.as_str(), c.reason.as_str()))
        .collect()
}

/// The next UTC minute mark at least `lead` ahead with one more minute
/// before midnight (the hours fit in one day); waits past midnight first
/// when the day is too far gone.
fn minute_mark(lead: Duration) -> i64 {
    loop {
        let now = now_ms();
        let mark = (now + lead.as_millis() as i64 + MINUTE - 1) / MINUTE * MINUTE;
        let day = now.div_euclid(DAY);
        if (mark + MINUTE).div_euclid(DAY) == day && mark.rem_euclid(DAY) >= MINUTE {
            return mark;
        }
        sleep(Duration::from_millis(
            ((day + 1) * DAY - now + 2_000) as u64,
        ));
    }
}

/// UTC "HH:MM" of an instant.
fn hhmm(ms: i64) -> String {
    let minutes = ms.rem_euclid(DAY) / MINUTE;
    format!("{:02}:{:02}", minutes / 60, minutes % 60)
}

fn sleep_until(ms: i64) {
    let left = ms - now_ms();
    if left > 0 {
        sleep(Duration::from_millis(left as u64));
    }
}

/// Polls the history until the site's last change has `status`.
#[track_caller]
fn wait_site_change(site: &TestSite, from: i64, status: &str, within: Duration) -> Vec<Change> {
    poll_until(within, Duration::from_millis(500), || {
        let h = history(site, &format!("from={from}"));
        let changes = changes_of(&h, None);
        match changes.last() {
            Some(c) if c.status == status => Ok(changes),
            _ => Err(format!("{changes:?}")),
        }
    })
    .unwrap_or_else(|e| panic!("the site's history never ended {status}: {e}"))
}

#[test]
fn a_scripted_day_is_recorded_exactly_and_covered_as_it_says() {
    let site = site();
    let created = now_ms() - 5_000;
    site.set_grace(600);
    site.add_group("sales", "Sales");
    let bob = site.add_agent("bob", "Bob", &["sales"]);
    let ann = site.add_agent("ann", "Ann", &[]);

    // Sales' working hours: the next minute mark for one minute (a gate).
    let open = minute_mark(Duration::from_secs(20));
    let close = open + MINUTE;
    site.owner_ok(
        "PUT",
        "/groups/sales/working-hours",
        Some(&json!({
            "timezone": "UTC",
            "mode": "gate",
            "weekly": { weekday_key(open.div_euclid(DAY)): [[hhmm(open), hhmm(close)]] },
        })),
    );

    // Bob (sales only: he does not count for the site as a whole) comes
    // in before the opening and stays through it.
    let sent = now_ms();
    bob.set_status(None, "online", None);
    let bob_in = (sent, now_ms());
    sleep_until(close + 3_000);
    let r = bob.sign_out(None);
    assert!(r.is_success(), "{}", r.describe());
    // Ann (in no group: the site's) comes in at her desk and signs out;
    // then from her phone, and lets its grace period run out.
    let timed = |f: &dyn Fn()| {
        let sent = now_ms();
        f();
        (sent, now_ms())
    };
    let ann_desk = timed(&|| {
        ann.set_status(Some("desk"), "online", None);
    });
    let ann_out = timed(&|| {
        let r = ann.sign_out(Some("desk"));
        assert!(r.is_success(), "{}", r.describe());
    });
    site.set_grace(10);
    let ann_phone = timed(&|| {
        ann.set_status(Some("phone"), "online", None);
    });
    let site_changes = wait_site_change(
        &site,
        created,
        "offline",
        Duration::from_millis((GRACE_MS + 15_000) as u64),
    );
    let site_changes: Vec<Change> = site_changes
        .into_iter()
        .filter(|c| c.at >= bob_in.0)
        .collect();

    // The site: online by Ann's hand, offline when she signed out, online
    // again, offline when her grace period ran out — at its very end.
    assert_eq!(
        states(&site_changes),
        [
            ("online", "agents_online"),
            ("offline", "no_agents"),
            ("online", "agents_online"),
            ("offline", "no_agents"),
        ],
        "{site_changes:#?}"
    );
    let within = |c: &Change, (from, to): (i64, i64), what: &str| {
        assert!(
            (from..=to).contains(&c.at),
            "{what} at {} outside {from}..={to}",
            c.at
        );
    };
    let [desk_on, desk_off, phone_on, phone_gone] = &site_changes[..] else {
        unreachable!()
    };
    within(desk_on, ann_desk, "Ann online");
    assert_eq!(
        (desk_on.cause.as_deref(), desk_on.agent.as_deref()),
        (Some("manual"), Some("ann"))
    );
    within(desk_off, ann_out, "Ann signed out");
    assert_eq!(
        (desk_off.cause.as_deref(), desk_off.agent.as_deref()),
        (Some("signed_out"), Some("ann"))
    );
    within(phone_on, ann_phone, "Ann online from her phone");
    assert_eq!(phone_on.cause.as_deref(), Some("manual"));
    within(
        phone_gone,
        (ann_phone.0 + GRACE_MS, ann_phone.1 + GRACE_MS),
        "Ann's grace period",
    );
    assert_eq!(
        (phone_gone.cause.as_deref(), phone_gone.agent.as_deref()),
        (Some("grace_period_ended"), Some("ann")),
        "recorded at the session's expiry, not when the alarm noticed"
    );
    assert_eq!(
        phone_gone.at - phone_on.at,
        GRACE_MS,
        "her one sign of life, plus the grace period"
    );

    // Sales: outside hours until the opening, online at the very
    // opening, outside hours again at the very closing; Bob's sign-out and
    // Ann (after its hours) change nothing.
    let h = history(&site, &format!("from={created}&group=sales"));
    assert_eq!(h["audiences"].as_array().map(Vec::len), Some(1), "{h}");
    let sales = changes_of(&h, Some("sales"));
    let hours: Vec<&Change> = sales.iter().filter(|c| c.at >= bob_in.0).collect();
    assert_eq!(
        hours,
        [
            &Change {
                at: open,
                status: "online".into(),
                reason: "agents_online".into(),
                cause: Some("hours_opened".into()),
                agent: None,
            },
            &Change {
                at: close,
                status: "offline".into(),
                reason: "outside_hours".into(),
                cause: Some("hours_closed".into()),
                agent: None,
            },
        ],
        "{sales:#?}"
    );
    assert_eq!(
        states(&sales[..sales.len() - 2]).last().copied(),
        Some(("offline", "outside_hours")),
        "before the opening: {sales:#?}"
    );

    // Coverage: the insights from Bob's arrival to now agree with the history
    // for every millisecond of the working hours.
    let from = bob_in.1 + 1;
    let insights = site
        .owner_ok("GET", &format!("/insights?from={from}"), None)
        .body;
    let until = insights["until"]
        .as_str()
        .and_then(parse_rfc3339)
        .unwrap_or_else(|| panic!("until: {insights}"));
    assert_eq!(insights["complete"], true, "{insights}");
    let full = history(&site, &format!("from={from}&to={until}"));
    for audience in insights["audiences"].as_array().into_iter().flatten() {
        let group = audience["group"].as_str();
        let record = full["audiences"]
            .as_array()
            .and_then(|l| l.iter().find(|a| a["group"].as_str() == group))
            .unwrap_or_else(|| panic!("{group:?} in {full}"));
        let mut marks: Vec<Change> = record["in_force"]
            .as_object()
            .map(|_| change(&record["in_force"]))
            .into_iter()
            .collect();
        marks.extend(changes_of(&full, group));
        // Working hours: sales' minute; the site has none (all of it).
        let (work_from, work_to) = match group {
            Some(_) => (open, close),
            None => (from, until),
        };
        // Online, busy, offline, unknown: each stretch between two
        // instants where something changed has the status in force at its
        // start.
        let mut expected = [0i64; 4];
        let mut cuts: Vec<i64> = marks
            .iter()
            .map(|m| m.at)
            .filter(|at| (work_from..work_to).contains(at))
            .chain([work_from, work_to])
            .collect();
        cuts.sort_unstable();
        cuts.dedup();
        for pair in cuts.windows(2) {
            let slot = match marks.iter().rev().find(|m| m.at <= pair[0]) {
                Some(m) if m.status == "online" => 0,
                Some(m) if m.status == "busy" => 1,
                Some(_) => 2,
                None => 3,
            };
            expected[slot] += pair[1] - pair[0];
        }
        let coverage = &audience["coverage"];
        let got = ["online_ms", "busy_ms", "offline_ms", "unknown_ms"]
            .map(|k| coverage[k].as_i64().unwrap_or(-1));
        assert_eq!(got, expected, "{group:?}: {coverage}");
        assert_eq!(
            coverage["working_ms"].as_i64(),
            Some(work_to - work_from),
            "{group:?}"
        );
        if group == Some("sales") {
            assert_eq!(audience["has_working_hours"], true);
            assert_eq!(coverage["ratio"], json!(1.0), "Bob covered sales' hour");
            assert_eq!(coverage["offline"], json!([]));
        } else {
            // The site was offline until Ann came in, from her sign-out
            // to her phone, and since its grace period ended: in order.
            let spans: Vec<(i64, i64)> = coverage["offline"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|s| {
                    let at = |k: &str| s[k].as_str().and_then(parse_rfc3339).unwrap_or(-1);
                    (at("from"), at("to"))
                })
                .collect();
            assert_eq!(
                spans,
                [
                    (from, desk_on.at),
                    (desk_off.at, phone_on.at),
                    (phone_gone.at, until)
                ],
                "{coverage}"
            );
        }
    }
}

#[test]
fn the_csv_export_has_the_same_rows() {
    let site = site();
    let from = now_ms() - 1_000;
    site.set_grace(600);
    let ann = site.add_agent("ann", "Ann", &[]);
    ann.set_status(None, "online", None);
    ann.set_status(None, "busy", Some("lunch"));
    let json_answer = history(&site, &format!("from={from}"));
    let r = site.owner("GET", &format!("/history?from={from}&format=csv"), None);
    assert_eq!(r.status, 200, "{}", r.describe());
    assert_eq!(r.header("content-type"), Some("text/csv; charset=utf-8"));
    assert!(
        r.header("content-disposition")
            .is_some_and(|d| d.starts_with("attachment; filename=\"history-")),
        "{:?}",
        r.headers
    );
    let text = r
        .body
        .as_str()
        .unwrap_or_else(|| panic!("CSV text: {}", r.body));
    let mut lines = text.split("\r\n");
    assert_eq!(lines.next(), Some("group,at,status,reason,cause,agent"));
    let rows: Vec<&str> = lines.filter(|l| !l.is_empty()).collect();
    // The site's status in force at `from` first, then its changes.
    let site_audience = &json_answer["audiences"][0];
    let expected: Vec<String> = site_audience["in_force"]
        .as_object()
        .map(|_| &site_audience["in_force"])
        .into_iter()
        .chain(site_audience["changes"].as_array().into_iter().flatten())
        .map(|c| {
            let text = |k: &str| c[k].as_str().unwrap_or("").to_string();
            format!(
                ",{},{},{},{},{}",
                text("at"),
                text("status"),
                text("reason"),
                text("cause"),
                text("agent")
            )
        })
        .collect();
    assert_eq!(rows, expected, "{text}");
    assert!(
        rows.last()
            .is_some_and(|r| r.ends_with(",busy,all_busy,manual,ann")),
        "{text}"
    );
    assert!(
        rows.iter()
            .any(|r| r.ends_with(",online,agents_online,manual,ann")),
        "{text}"
    );
}

#[test]
fn bad_queries_are_json_errors_and_only_the_owner_may_ask() {
    let site = site();
    let now = now_ms();
    let bad = [
        format!("from={}&to={}", now, now - 1),
        format!("from={now}&to={now}"),
        format!("from={}&to={now}", now - 32 * DAY),
        format!("from={}", now - 40 * DAY),
        "from=yesterday".to_string(),
        "to=2026-13-01T00:00:00Z".to_string(),
        "from=2026-05-01".to_string(),
        "from=-5".to_string(),
        "format=xml".to_string(),
        "group=Sales".to_string(),
        "first_reply_secs=60".to_string(),
        "limit=10".to_string(),
        "from=1&from=2".to_string(),
    ];
    for query in &bad {
        for path in ["history", "insights"] {
            if path == "insights" && query.starts_with("first_reply_secs") {
                continue;
            }
            let r = site.owner("GET", &format!("/{path}?{query}"), None);
            assert_eq!(
                (r.status, r.error_code()),
                (400, Some("invalid_query")),
                "{path}?{query}: {}",
                r.describe()
            );
        }
    }
    for query in ["first_reply_secs=9", "first_reply_secs=86401", "format=csv"] {
        let r = site.owner("GET", &format!("/insights?{query}"), None);
        assert_eq!(
            (r.status, r.error_code()),
            (400, Some("invalid_query")),
            "insights?{query}: {}",
            r.describe()
        );
    }
    // A group the site does not have: the API's usual 404 for a group query.
    for path in ["history", "insights"] {
        let r = site.owner("GET", &format!("/{path}?group=nope"), None);
        assert_eq!(
            (r.status, r.error_code()),
            (404, Some("unknown_group")),
            "{}",
            r.describe()
        );
    }
    // Dates as RFC 3339, percent-encoded or not, are fine.
    let r = site.owner(
        "GET",
        "/history?from=2026-01-01T00%3A00%3A00Z&to=2026-01-02T00:00:00%2B01:00",
        None,
    );
    assert_eq!(r.status, 200, "{}", r.describe());
    assert_eq!(r.body["from"], "2026-01-01T00:00:00Z");
    assert_eq!(r.body["to"], "2026-01-01T23:00:00Z");

    // Only the owner: an agent is refused (403), no or another site's
    // credential is not one (401).
    let ann = site.add_agent("ann", "Ann", &[]);
    let other = TestSite::create(shared_edge());
    for path in ["history", "insights", "history?format=csv"] {
        let url = site.path(&format!("/{path}"));
        let agent = site.api.get(&url, Some(&ann.token));
        assert_eq!(agent.status, 403, "{}", agent.describe());
        assert_eq!(agent.error_code(), Some("wrong_role"));
        for token in [None, Some(other.owner_key.as_str()), Some(ADMIN_TOKEN)] {
            let r = site.api.get(&url, token);
            assert_eq!(r.status, 401, "{path} with {token:?}: {}", r.describe());
            assert!(r.error_code().is_some(), "{}", r.describe());
        }
        let r = site.owner("POST", &format!("/{path}"), None);
        assert_eq!(r.status, 405, "{}", r.describe());
    }
}

/// Every change of the site's history since `from`, the one in force
/// first.
fn site_rows(site: &TestSite, from: i64) -> (Option<Change>, Vec<Change>) {
    let h = history(site, &format!("from={from}"));
    let site_audience = &h["audiences"][0];
    let in_force = site_audience["in_force"]
        .as_object()
        .map(|_| change(&site_audience["in_force"]));
    (in_force, changes_of(&h, None))
}

#[test]
fn the_history_is_kept_for_history_days_but_the_status_in_force() {
    // A retention "day" of 2 s: the site sweeps every 2 s.
    let mut options = EdgeOptions::for_test("history-retention");
    options
        .vars
        .push(("TEST_FAULTS".to_string(), "day_ms=2000".to_string()));
    let edge = start_edge(options);
    let site = TestSite::create(&edge.url);
    let from = now_ms() - 60_000;
    // 90 days unless the owner says otherwise, 1 to 365.
    assert_eq!(
        site.owner_ok("GET", "/settings", None).body["history_days"],
        90
    );
    for days in [0, 366] {
        let r = site.owner("PUT", "/settings", Some(&json!({ "history_days": days })));
        assert_eq!(
            (r.status, r.error_code()),
            (400, Some("invalid_field")),
            "{}",
            r.describe()
        );
    }
    site.set_grace(600);
    let ann = site.add_agent("ann", "Ann", &[]);
    for status in ["online", "offline", "online", "busy"] {
        ann.set_status(None, status, None);
    }
    let (_, before) = site_rows(&site, from);
    assert!(before.len() >= 5, "{before:#?}");
    let last = before.last().cloned();
    let r = site.settings(json!({ "history_days": 1 }));
    assert_eq!(r.body["history_days"], 1);

    // Older than a "day": gone, but the last change (the status now).
    let kept = poll_until(Duration::from_secs(20), Duration::from_millis(500), || {
        let (in_force, changes) = site_rows(&site, from);
        if changes.len() == 1 {
            Ok((in_force, changes))
        } else {
            Err(format!("{} changes kept", changes.len()))
        }
    })
    .unwrap_or_else(|e| panic!("the history outlived history_days: {e}"));
    assert_eq!(kept.1.last().cloned(), last, "the status in force stays");
    assert_eq!(kept.0, None, "nothing older is left");
    // The insights still know the status: busy since then.
    let insights = site.owner_ok("GET", "/insights", None).body;
    let coverage = &insights["audiences"][0]["coverage"];
    assert!(
        coverage["busy_ms"].as_i64().unwrap_or(0) > 0 && coverage["online_ms"] == 0,
        "{coverage}"
    );
}
