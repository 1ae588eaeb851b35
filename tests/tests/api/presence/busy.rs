//! Busy agents: a busy agent makes the audience busy with its message;
//! online beats busy; the most recent busy message wins.

use crate::helpers::{site, HTTP_WAIT};
use std::time::Duration;

#[test]
fn busy_agent_makes_the_audience_busy_with_its_message() {
    let site = site();
    let giulia = site.add_agent("giulia", "Giulia", &[]);
    let marco = site.add_agent("marco", "Marco", &[]);
    giulia.set_status(None, "busy", Some("back in 10 minutes"));
    let v = site.wait_status(None, "busy", HTTP_WAIT);
    assert_eq!(v["reason"], "all_busy", "{v}");
    assert_eq!(v["message"], "back in 10 minutes", "{v}");

    // Online beats busy.
    marco.set_status(None, "online", None);
    let v = site.wait_status(None, "online", HTTP_WAIT);
    assert!(
        v["message"].is_null(),
        "no busy message while someone is online: {v}"
    );

    marco.set_status(None, "offline", None);
    let v = site.wait_status(None, "busy", HTTP_WAIT);
    assert_eq!(v["message"], "back in 10 minutes", "{v}");

    // The most recent busy message wins.
    std::thread::sleep(Duration::from_millis(20));
    marco.set_status(None, "busy", Some("at lunch"));
    let v = site.wait_status_where(None, HTTP_WAIT, "busy with the newest message", |b| {
        b["status"] == "busy" && b["message"] == "at lunch"
    });
    assert_eq!(v["reason"], "all_busy", "{v}");
}
