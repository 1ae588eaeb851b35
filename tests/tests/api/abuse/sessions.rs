//! Device sessions never pile up: a device that reconnects again and again
//! leaves one lingering session (which carries the agent's grace period),
//! not one per connection.

use crate::helpers::site;
use std::time::Duration;

#[test]
fn reconnecting_devices_leave_one_lingering_session() {
    let site = site();
    let giulia = site.add_agent("giulia", "Giulia", &[]);
    let (kept, _) = giulia.device();
    for _ in 0..30 {
        let (ws, _) = giulia.device();
        ws.close();
    }
    // Close events arrive asynchronously: give the last ones a moment.
    std::thread::sleep(Duration::from_millis(500));
    let view = site.owner_ok("GET", "/agents/giulia", None);
    let sessions = view.body["sessions"].as_u64().unwrap_or(u64::MAX);
    assert!(
        sessions <= 2,
        "one open device and at most one lingering session after 30 reconnects: {}",
        view.body
    );
    assert_eq!(view.body["status"], "online", "{}", view.body);
    // The lingering one still carries the grace period once the kept device
    // closes too: still online right after.
    kept.close();
    std::thread::sleep(Duration::from_millis(300));
    assert_eq!(site.status_now(None)["status"], "online");
}
