//! A failed alarm run is retried: a quiet site must not stay "online" past
//! its grace period because one alarm run failed (the edge's `TEST_FAULTS`
//! var makes each object's first alarm fail).

use crate::helpers::{live_until, start_edge};
use presenza_tests::api::TestSite;
use presenza_tests::edge::EdgeOptions;
use std::time::Duration;

#[test]
fn a_failed_alarm_is_run_again() {
    let mut options = EdgeOptions::for_test("alarm-faults");
    options
        .vars
        .push(("TEST_FAULTS".to_string(), "alarm=1".to_string()));
    let edge = start_edge(options);
    let site = TestSite::create(&edge.url);
    site.set_grace(10);
    let giulia = site.add_agent("giulia", "Giulia", &[]);
    let (mut visitor, _) = site.live(None);
    // An HTTP-only agent: online until its grace period ends, which only the
    // alarm can notice (nothing else happens on this site).
    let r = giulia.set_status(Some("desk"), "online", None);
    assert!(r.is_success(), "{}", r.describe());
    live_until(&mut visitor, "online", Duration::from_secs(3));
    // The first alarm run fails; the runtime runs it again.
    live_until(&mut visitor, "offline", Duration::from_secs(30));
    visitor.close();
}
