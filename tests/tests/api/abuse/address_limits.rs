//! What one client address may start on a site (its `VisitorLimits`): new
//! conversations per address and for the whole site, open widget sockets
//! per address, and the Worker's shield in front of the object. Locally
//! every request comes from 127.0.0.1, one address.

use crate::helpers::conversations::Visitor;
use crate::helpers::{site, MESSAGE_WAIT};
use presenza_tests::api::TestSite;
use presenza_tests::ws::Ws;
use serde_json::{json, Value};

fn new_conversation(site: &TestSite) -> presenza_tests::api::Reply {
    Visitor::new(site).post(&json!({
        "client_id": "c_1", "text": "hello", "name": "Ann", "email": "ann@example.com"
    }))
}

fn limits(site: &TestSite, limits: Value) {
    site.owner_ok("PUT", "/settings", Some(&json!({ "limits": limits })));
}

#[test]
fn fresh_visitor_ids_from_one_address_start_a_few_dozen_conversations_at_most() {
    let site = site();
    let mut created = 0;
    let mut refused = 0;
    for _ in 0..200 {
        let r = new_conversation(&site);
        match r.status {
            201 => created += 1,
            429 => {
                assert_eq!(r.error_code(), Some("rate_limited"), "{}", r.describe());
                let retry: u64 = r
                    .header("Retry-After")
                    .and_then(|v| v.parse().ok())
                    .unwrap_or_else(|| panic!("Retry-After in {:?}", r.headers));
                assert!((1..=600).contains(&retry), "Retry-After {retry}");
                refused += 1;
            }
            other => panic!("{other}: {}", r.describe()),
        }
    }
    assert!(
        (1..=40).contains(&created),
        "{created} conversations from one address in a burst"
    );
    assert_eq!(created + refused, 200);
    // Messages in conversations already started still go through.
    let list = site.owner_ok("GET", "/settings", None);
    assert_eq!(list.body["limits"]["conversations_per_address"], 20);
}

#[test]
fn the_site_takes_so_many_new_conversations_a_minute() {
    let site = site();
    limits(
        &site,
        json!({ "conversations_per_address": 1000, "conversations_per_minute": 5 }),
    );
    for i in 0..5 {
        let r = new_conversation(&site);
        assert_eq!(r.status, 201, "conversation {i}: {}", r.describe());
    }
    let r = new_conversation(&site);
    assert_eq!(r.status, 429, "{}", r.describe());
    assert_eq!(r.error_code(), Some("rate_limited"));
    // A visitor already in a conversation still writes.
    let ann = Visitor::new(&site);
    limits(&site, json!({ "conversations_per_minute": 6 }));
    ann.post(&json!({"client_id":"c_1","text":"first","name":"Ann","email":"ann@example.com"}));
    let again = ann.post(&json!({"client_id":"c_2","text":"second"}));
    assert_eq!(again.status, 201, "{}", again.describe());
}

#[test]
fn open_widget_sockets_per_address_are_capped() {
    let site = site();
    limits(&site, json!({ "sockets_per_address": 3 }));
    let path = site.live_path(None);
    let mut open: Vec<Ws> = (0..3)
        .map(|i| {
            let mut ws = Ws::connect(&site.api.base, &path, &[])
                .unwrap_or_else(|e| panic!("socket {i}: {e}"));
            ws.next_json(MESSAGE_WAIT);
            ws
        })
        .collect();
    let refused = Ws::connect(&site.api.base, &path, &[]);
    let e = refused
        .err()
        .unwrap_or_else(|| panic!("a fourth socket from one address"));
    assert_eq!(e.status(), 429);
    assert_eq!(e.body_json()["error"]["code"], "too_many_connections");
    // One closes: another may open.
    if let Some(ws) = open.pop() {
        ws.close();
    }
    std::thread::sleep(std::time::Duration::from_millis(300));
    let mut again = Ws::connect(&site.api.base, &path, &[])
        .unwrap_or_else(|e| panic!("a socket after one closed: {e}"));
    again.next_json(MESSAGE_WAIT);
}

#[test]
fn the_shield_turns_a_flood_of_visitor_calls_away_before_the_site() {
    let site = site();
    // Bodies the site would refuse (400): the shield counts them all the
    // same, and past its limit (300 a minute per address and site) answers
    // itself. Sent from 8 threads, so the burst fits well inside a minute,
    // but it may straddle two of the limiter's one-minute windows: at most
    // 600 of the 800 pass then, never more.
    let replies: Vec<presenza_tests::api::Reply> = std::thread::scope(|scope| {
        let workers: Vec<_> = (0..8)
            .map(|_| {
                let ann = Visitor::new(&site);
                scope.spawn(move || {
                    (0..100)
                        .map(|_| ann.post(&json!({ "client_id": "bad id", "text": "x" })))
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        workers
            .into_iter()
            .flat_map(|w| w.join().unwrap_or_default())
            .collect()
    });
    let site_answered = replies.iter().filter(|r| r.status == 400).count();
    let shielded: Vec<_> = replies.iter().filter(|r| r.status == 429).collect();
    assert_eq!(site_answered + shielded.len(), 800, "only 400s and 429s");
    assert!(
        (250..=600).contains(&site_answered),
        "the site answered {site_answered} of 800 calls (one or two windows of 300)"
    );
    let r = shielded[0];
    assert_eq!(r.error_code(), Some("rate_limited"), "{}", r.describe());
    assert!(r.header("Retry-After").is_some(), "{:?}", r.headers);
}
