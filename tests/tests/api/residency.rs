//! A site with a big live audience keeps its object in memory (edge/src/
//! residency.rs): an alarm tick stops the runtime from evicting it, so a
//! status change reaches the visitors without first waking every hibernated
//! socket. Smaller sites are evicted when idle, as before. The threshold is
//! lowered to 2 visitor sockets here (it is 2,000 by default). Widgets are
//! kept on the site's object here (`VISITOR_SOCKETS=site`); on relays, each
//! relay applies the same rule to its own sockets.
//!
//! Eviction is observed through `stats.instance_started_at`, which a new
//! in-memory instance resets. workerd evicts an object ~10 s after its last
//! event, and every request (stats included) is an event, so each check
//! waits longer than that without touching the objects.

use crate::helpers::start_edge;
use presenza_tests::api::TestSite;
use presenza_tests::edge::EdgeOptions;
use presenza_tests::ws::audience_status;
use serde_json::Value;
use std::thread::sleep;
use std::time::Duration;

/// Longer than workerd's ~10 s idle eviction.
const IDLE: Duration = Duration::from_secs(17);

/// A resident object's alarm tick (residency::TICK_MS) plus that idle wait.
const TICK_THEN_IDLE: Duration = Duration::from_secs(8 + 17);

fn started(stats: &Value) -> String {
    stats["instance_started_at"]
        .as_str()
        .unwrap_or_else(|| panic!("stats has instance_started_at: {stats}"))
        .to_string()
}

fn resident(stats: &Value) -> bool {
    stats["resident"]
        .as_bool()
        .unwrap_or_else(|| panic!("stats has resident: {stats}"))
}

#[test]
fn a_big_audience_keeps_its_object_in_memory_and_a_small_one_does_not() {
    let mut options = EdgeOptions::for_test("residency");
    options
        .vars
        .push(("KEEP_RESIDENT_FROM_VISITORS".into(), "2".into()));
    // The site's object holding the widgets itself (as before relays).
    options.vars.push(("VISITOR_SOCKETS".into(), "site".into()));
    let edge = start_edge(options);

    let big = TestSite::create(&edge.url);
    let agent = big.add_agent("giulia", "Giulia", &[]);
    let small = TestSite::create(&edge.url);
    let (mut first, _) = big.live(None);
    let (second, _) = big.live(None);
    let (_lone, _) = small.live(None);

    let big0 = big.stats();
    let small0 = small.stats();
    assert!(resident(&big0), "2 visitors reach the threshold: {big0}");
    assert!(!resident(&small0), "1 visitor does not: {small0}");

    sleep(IDLE);
    let big1 = big.stats();
    let small1 = small.stats();
    assert_eq!(
        started(&big1),
        started(&big0),
        "the resident object was not evicted while idle: {big1}"
    );
    assert!(
        big1["alarms"].as_i64().unwrap_or(0) >= 1,
        "its alarm ticked: {big1}"
    );
    assert_ne!(
        started(&small1),
        started(&small0),
        "the small site's idle object was evicted (and woken by stats): {small1}"
    );

    // Presence still works as ever for the resident site's visitors.
    let put = agent.set_status(None, "online", None);
    assert_eq!(put.status, 200, "{}", put.describe());
    first
        .wait_for(Duration::from_secs(5), |v| {
            audience_status(v) == Some("online")
        })
        .unwrap_or_else(|e| panic!("the resident site's visitor saw online: {e}"));

    // Below the threshold again: the next tick lets it go.
    second.close();
    sleep(TICK_THEN_IDLE);
    let big2 = big.stats();
    assert!(!resident(&big2), "1 visitor left: {big2}");
    assert_ne!(
        started(&big2),
        started(&big1),
        "once below the threshold the idle object was evicted: {big2}"
    );
}
