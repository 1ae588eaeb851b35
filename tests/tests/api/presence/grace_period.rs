//! The grace period: an agent whose device socket closes or drops, or whose
//! HTTP session goes quiet, stays online until one grace period after the
//! last sign of life (a ping, a heartbeat, a status call), not before.

use crate::helpers::{live_until, secs, site, FRAME_WAIT, HTTP_WAIT};
use presenza_tests::api::status_message;
use presenza_tests::ws::audience_status;
use std::time::{Duration, Instant};

#[test]
fn device_socket_closed_without_sign_out_counts_for_the_grace_period() {
    let site = site();
    site.set_grace(10);
    let giulia = site.add_agent("giulia", "Giulia", &[]);
    let (mut visitor, first) = site.live(None);
    assert_eq!(audience_status(&first), Some("offline"), "{first}");

    let (mut device, _) = giulia.device();
    device.send_json(&status_message("online", None));
    live_until(&mut visitor, "online", FRAME_WAIT);
    for _ in 0..2 {
        std::thread::sleep(Duration::from_secs(1));
        device.ping_pong(FRAME_WAIT);
    }
    // Closed cleanly but without signing out: the close is the last sign of life.
    let closed_at = Instant::now();
    device.close();

    // Nothing changes for the visitors before the grace period ends.
    let early = visitor.collect_for(Duration::from_secs(7).saturating_sub(closed_at.elapsed()));
    assert!(
        early.iter().all(|v| audience_status(v) != Some("offline")),
        "offline {:.1}s after the close, before the 10 s grace period: {early:?}",
        secs(closed_at.elapsed())
    );
    let now = site.status_now(None);
    assert_eq!(
        now["status"],
        "online",
        "still online {:.1}s after the close: {now}",
        secs(closed_at.elapsed())
    );

    // ...and it turns offline when the grace period ends.
    let (v, at) = live_until(
        &mut visitor,
        "offline",
        Duration::from_secs(12).saturating_sub(closed_at.elapsed()),
    );
    let after = secs(at.duration_since(closed_at));
    assert!(
        after >= 9.0,
        "offline after {after:.1}s, before the grace period: {v}"
    );
    assert_eq!(v["reason"], "no_agents", "{v}");
    site.wait_status(None, "offline", HTTP_WAIT);
    visitor.close();
}

#[test]
fn device_that_keeps_pinging_stays_online_and_a_dropped_one_expires_after_grace() {
    let site = site();
    site.set_grace(10);
    let giulia = site.add_agent("giulia", "Giulia", &[]);
    let (mut visitor, _) = site.live(None);
    let (mut device, _) = giulia.device();
    device.send_json(&status_message("online", None));
    live_until(&mut visitor, "online", FRAME_WAIT);

    // Pings keep the session alive past the grace period.
    let started = Instant::now();
    let mut last_ping = Instant::now();
    while started.elapsed() < Duration::from_secs(14) {
        let frames = visitor.collect_for(Duration::from_secs(2));
        assert!(
            frames.iter().all(|v| audience_status(v) != Some("offline")),
            "a pinging device went offline after {:.1}s: {frames:?}",
            secs(started.elapsed())
        );
        last_ping = Instant::now();
        device.ping_pong(FRAME_WAIT);
    }
    assert_eq!(site.status_now(None)["status"], "online");

    // A lost connection (no close frame): offline one grace period after the
    // last sign of life, not before.
    device.drop_abruptly();
    let early = visitor.collect_for(Duration::from_secs(7).saturating_sub(last_ping.elapsed()));
    assert!(
        early.iter().all(|v| audience_status(v) != Some("offline")),
        "offline {:.1}s after the last ping: {early:?}",
        secs(last_ping.elapsed())
    );
    let (v, at) = live_until(
        &mut visitor,
        "offline",
        Duration::from_secs(12).saturating_sub(last_ping.elapsed()),
    );
    let after = secs(at.duration_since(last_ping));
    assert!(after >= 9.0, "offline {after:.1}s after the last ping: {v}");
    visitor.close();
}

#[test]
fn http_only_agent_expires_after_the_grace_period() {
    let site = site();
    site.set_grace(10);
    let marco = site.add_agent("marco", "Marco", &[]);
    let (mut visitor, _) = site.live(None);
    let set_at = Instant::now();
    marco.set_status(Some("laptop"), "online", None);
    live_until(&mut visitor, "online", FRAME_WAIT);

    let early = visitor.collect_for(Duration::from_secs(7).saturating_sub(set_at.elapsed()));
    assert!(
        early.iter().all(|v| audience_status(v) != Some("offline")),
        "offline {:.1}s after the status call: {early:?}",
        secs(set_at.elapsed())
    );
    assert_eq!(
        site.status_now(None)["status"],
        "online",
        "still online at ~7 s"
    );

    let (v, at) = live_until(
        &mut visitor,
        "offline",
        Duration::from_secs(12).saturating_sub(set_at.elapsed()),
    );
    let after = secs(at.duration_since(set_at));
    assert!(after >= 9.0, "offline after {after:.1}s: {v}");
    site.wait_status(None, "offline", HTTP_WAIT);
    visitor.close();
}

#[test]
fn heartbeat_extends_an_http_session() {
    let site = site();
    site.set_grace(10);
    let marco = site.add_agent("marco", "Marco", &[]);
    let (mut visitor, _) = site.live(None);
    marco.set_status(Some("laptop"), "online", None);
    live_until(&mut visitor, "online", FRAME_WAIT);

    std::thread::sleep(Duration::from_secs(6));
    let beat = Instant::now();
    marco.heartbeat(Some("laptop"));

    // 12 s after the status call but 6 s after the heartbeat: still online.
    let early = visitor.collect_for(Duration::from_secs(7).saturating_sub(beat.elapsed()));
    assert!(
        early.iter().all(|v| audience_status(v) != Some("offline")),
        "offline {:.1}s after the heartbeat: {early:?}",
        secs(beat.elapsed())
    );
    assert_eq!(site.status_now(None)["status"], "online");
    let (_, at) = live_until(
        &mut visitor,
        "offline",
        Duration::from_secs(12).saturating_sub(beat.elapsed()),
    );
    assert!(secs(at.duration_since(beat)) >= 9.0);
    visitor.close();
}
