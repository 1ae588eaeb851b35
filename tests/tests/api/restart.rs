//! Restarting the runtime (workerd) with persisted state in the middle of a
//! scenario keeps everything: sites, groups, agents, tokens (old ones still
//! work, rotated ones stay replaced), statuses, settings, working hours, and
//! agents that were online stay online within their grace period.

use crate::helpers::{own_edge, HTTP_WAIT};
use presenza_tests::api::{date_string, now_ms, parse_rfc3339, status_message, Api, TestSite};
use presenza_tests::ws::{audience_status, frame_type, Frame};
use serde_json::{json, Value};
use std::time::Duration;

/// Does `body` mention `needle` as a string anywhere (ids, names)?
fn mentions(body: &Value, needle: &str) -> bool {
    match body {
        Value::String(s) => s == needle,
        Value::Array(items) => items.iter().any(|v| mentions(v, needle)),
        Value::Object(map) => map.values().any(|v| mentions(v, needle)),
        _ => false,
    }
}

#[test]
fn restart_keeps_agents_tokens_statuses_and_settings() {
    let mut edge = own_edge("restart-state");
    let site = TestSite::create(&edge.url);
    site.add_group("sales", "Sales");
    site.add_group("support", "Support");
    let giulia = site.add_agent("giulia", "Giulia", &["sales"]);
    let marco = site.add_agent("marco", "Marco", &[]);
    let rotated = site.owner_ok("POST", "/agents/marco/token", None);
    let marco_new = rotated.body["token"]
        .as_str()
        .unwrap_or_else(|| panic!("rotation returns the new token: {}", rotated.body))
        .to_string();
    assert_ne!(marco_new, marco.token);
    let marco_rotated = site.agent_with_token("marco", &marco_new);
    let settings = json!({
        "grace_period_secs": 600,
        "allowed_origins": ["https://shop.example"],
        "widget": { "title": "Chat with us" }
    });
    site.settings(settings.clone());
    let hours = json!({
        "timezone": "Europe/Rome",
        "weekly": { "mon": [["00:00", "24:00"]], "tue": [["00:00", "24:00"]],
                    "wed": [["00:00", "24:00"]], "thu": [["00:00", "24:00"]],
                    "fri": [["00:00", "24:00"]], "sat": [["00:00", "24:00"]],
                    "sun": [["00:00", "24:00"]] },
        "exceptions": [{ "date": "2099-12-25", "hours": [] }]
    });
    site.owner_ok("PUT", "/working-hours", Some(&hours));
    // Support is closed today (UTC), so its answer proves the schedule is kept.
    let today = now_ms().div_euclid(86_400_000);
    let closed_today = json!({
        "timezone": "UTC",
        "weekly": { "mon": [["00:00", "24:00"]], "tue": [["00:00", "24:00"]],
                    "wed": [["00:00", "24:00"]], "thu": [["00:00", "24:00"]],
                    "fri": [["00:00", "24:00"]], "sat": [["00:00", "24:00"]],
                    "sun": [["00:00", "24:00"]] },
        "exceptions": [{ "date": date_string(today), "hours": [] }]
    });
    site.owner_ok("PUT", "/groups/support/working-hours", Some(&closed_today));
    giulia.set_status(Some("laptop"), "busy", Some("back in 10 minutes"));
    marco_rotated.set_status(Some("phone"), "online", None);
    site.wait_status(None, "online", HTTP_WAIT);
    let sales = site.wait_status(Some("sales"), "online", HTTP_WAIT);
    site.wait_status(Some("support"), "offline", HTTP_WAIT);
    let settings_before = site.owner_ok("GET", "/settings", None).body;
    let agents_before = site.owner_ok("GET", "/agents", None).body;

    edge.restart()
        .unwrap_or_else(|e| panic!("restart the edge: {e}"));
    let site = TestSite {
        api: Api::new(&edge.url),
        ..site
    };

    // Tokens: the agent's original token and the rotated one work; the
    // token replaced by the rotation does not.
    let me = site.agent_with_token("giulia", &giulia.token).me();
    assert_eq!(
        me.status,
        200,
        "giulia's token after restart: {}",
        me.describe()
    );
    assert!(mentions(&me.body, "Giulia"), "{}", me.body);
    let me = marco_rotated.me();
    assert_eq!(
        me.status,
        200,
        "the rotated token after restart: {}",
        me.describe()
    );
    let old = site.agent_with_token("marco", &marco.token).me();
    assert_eq!(
        old.status,
        401,
        "the replaced token after restart: {}",
        old.describe()
    );
    let wrong_owner = site
        .api
        .get(&site.path("/settings"), Some("not-the-owner-key"));
    assert_eq!(wrong_owner.status, 401, "{}", wrong_owner.describe());

    // Settings, agents, groups.
    let settings_after = site.owner_ok("GET", "/settings", None).body;
    assert_eq!(
        settings_after, settings_before,
        "settings survive a restart"
    );
    assert_eq!(settings_after["grace_period_secs"], 600);
    assert_eq!(
        settings_after["allowed_origins"],
        json!(["https://shop.example"])
    );
    let agents_after = site.owner_ok("GET", "/agents", None).body;
    assert!(
        mentions(&agents_after, "giulia") && mentions(&agents_after, "marco"),
        "{agents_after}"
    );
    assert_eq!(agents_after, agents_before, "agents survive a restart");
    let groups = site.owner_ok("GET", "/groups", None).body;
    assert!(
        mentions(&groups, "sales") && mentions(&groups, "support"),
        "{groups}"
    );

    // Statuses: both agents were alive within the 600 s grace period.
    let now = site.wait_status(None, "online", HTTP_WAIT);
    assert_eq!(now["reason"], "agents_online", "{now}");
    let sales_after = site.wait_status(Some("sales"), "online", HTTP_WAIT);
    assert_eq!(sales_after["status"], sales["status"]);
    marco_rotated.set_status(Some("phone"), "offline", None);
    let busy = site.wait_status(Some("sales"), "busy", HTTP_WAIT);
    assert_eq!(
        busy["message"], "back in 10 minutes",
        "the busy message survives: {busy}"
    );

    // Working hours survive: support is still closed today.
    let support = site.wait_status(Some("support"), "offline", HTTP_WAIT);
    assert_eq!(support["reason"], "outside_hours", "{support}");
    if now_ms().div_euclid(86_400_000) == today {
        assert_eq!(
            support["back_at"].as_str().and_then(parse_rfc3339),
            Some((today + 1) * 86_400_000),
            "{support}"
        );
    }

    // The widget config is public and survives.
    let widget = site.api.get(&site.path("/widget-config"), None);
    assert_eq!(widget.status, 200, "{}", widget.describe());
    assert!(mentions(&widget.body, "Chat with us"), "{}", widget.body);
}

#[test]
fn agent_online_on_a_device_before_a_restart_is_online_after_it() {
    let mut edge = own_edge("restart-device");
    let site = TestSite::create(&edge.url);
    site.set_grace(300);
    site.add_group("sales", "Sales");
    let giulia = site.add_agent("giulia", "Giulia", &["sales"]);
    let (mut device, _) = giulia.device();
    device.send_json(&status_message("online", None));
    site.wait_status(Some("sales"), "online", HTTP_WAIT);
    device.ping_pong(Duration::from_secs(3));

    edge.restart()
        .unwrap_or_else(|e| panic!("restart the edge: {e}"));

    // The old socket died with the runtime...
    match device.next_frame(Duration::from_secs(5)) {
        Frame::Closed(_) | Frame::Timeout => {}
        Frame::Text(t) => panic!("the socket survived the restart? {t}"),
    }
    drop(device);

    // ...but the session counts until its grace period ends.
    let site = TestSite {
        api: Api::new(&edge.url),
        ..site
    };
    let v = site.wait_status(Some("sales"), "online", HTTP_WAIT);
    assert_eq!(v["reason"], "agents_online", "{v}");
    let (mut visitor, first) = site.live(Some("sales"));
    assert_eq!(audience_status(&first), Some("online"), "{first}");

    // A device reconnects and the agent's status is intact.
    let (device, hello) = giulia.device();
    assert_eq!(frame_type(&hello), Some("hello"));
    assert_eq!(hello["agent"]["status"], "online", "{hello}");
    let frames = visitor.collect_for(Duration::from_millis(1500));
    assert!(
        frames.iter().all(|f| audience_status(f) == Some("online")),
        "reconnecting changed nothing: {frames:?}"
    );
    device.close();
    visitor.close();
}
