//! Audiences and groups: a site without groups is online when one agent is;
//! a group counts its agents and the ungrouped ones, the whole site only the
//! ungrouped ones; an agent in several groups counts for each.

use crate::helpers::{live_until, site, FRAME_WAIT, HTTP_WAIT, SILENCE};
use presenza_tests::ws::audience_status;
use serde_json::json;

#[test]
fn site_without_groups_is_online_when_one_agent_is_online() {
    let site = site();
    let giulia = site.add_agent("giulia", "Giulia", &[]);
    let _marco = site.add_agent("marco", "Marco", &[]);
    let first = site.status_now(None);
    assert_eq!(first["status"], "offline", "{first}");
    assert_eq!(first["reason"], "no_agents", "{first}");
    for key in ["status", "reason", "message", "back_at", "next_change"] {
        assert!(
            first.get(key).is_some(),
            "the status answer has {key}: {first}"
        );
    }

    giulia.set_status(None, "online", None);
    let v = site.wait_status(None, "online", HTTP_WAIT);
    assert_eq!(v["reason"], "agents_online", "{v}");
    assert!(v["message"].is_null(), "{v}");

    giulia.set_status(None, "offline", None);
    let v = site.wait_status(None, "offline", HTTP_WAIT);
    assert_eq!(v["reason"], "no_agents", "{v}");
}

#[test]
fn group_counts_its_agents_and_ungrouped_agents_site_counts_only_ungrouped() {
    let site = site();
    site.add_group("sales", "Sales");
    site.add_group("support", "Support");
    let anna = site.add_agent("anna", "Anna", &["sales"]);
    let sara = site.add_agent("sara", "Sara", &["support"]);
    let ugo = site.add_agent("ugo", "Ugo", &[]);
    let (mut pinned, first) = site.live(Some("sales"));
    assert_eq!(audience_status(&first), Some("offline"), "{first}");
    let (mut whole, _) = site.live(None);

    // An agent of the group: the pinned widget follows; the site does not.
    anna.set_status(None, "online", None);
    live_until(&mut pinned, "online", FRAME_WAIT);
    site.wait_status(Some("sales"), "online", HTTP_WAIT);
    assert_eq!(site.status_now(Some("support"))["status"], "offline");
    let frames = whole.collect_for(SILENCE);
    assert!(
        frames.is_empty(),
        "the site counts only ungrouped agents: {frames:?}"
    );
    let v = site.status_now(None);
    assert_eq!(
        v["status"], "offline",
        "the site counts only ungrouped agents: {v}"
    );

    // An agent of another group: ignored by the pinned widget.
    anna.set_status(None, "offline", None);
    live_until(&mut pinned, "offline", FRAME_WAIT);
    sara.set_status(None, "online", None);
    site.wait_status(Some("support"), "online", HTTP_WAIT);
    let frames = pinned.collect_for(SILENCE);
    assert!(
        frames.is_empty(),
        "sales ignores support's agents: {frames:?}"
    );
    assert_eq!(site.status_now(Some("sales"))["status"], "offline");
    assert_eq!(site.status_now(None)["status"], "offline");

    // An ungrouped agent counts for every group and for the site.
    sara.set_status(None, "offline", None);
    ugo.set_status(None, "online", None);
    live_until(&mut pinned, "online", FRAME_WAIT);
    live_until(&mut whole, "online", FRAME_WAIT);
    site.wait_status(Some("support"), "online", HTTP_WAIT);
    site.wait_status(None, "online", HTTP_WAIT);
    pinned.close();
    whole.close();
}

#[test]
fn agent_in_several_groups_counts_for_each() {
    let site = site();
    site.add_group("sales", "Sales");
    site.add_group("support", "Support");
    site.add_group("billing", "Billing");
    let anna = site.add_agent("anna", "Anna", &["sales", "support"]);
    anna.set_status(None, "online", None);
    site.wait_status(Some("sales"), "online", HTTP_WAIT);
    site.wait_status(Some("support"), "online", HTTP_WAIT);
    assert_eq!(site.status_now(Some("billing"))["status"], "offline");
    assert_eq!(site.status_now(None)["status"], "offline");

    // Moving the agent out of a group takes effect.
    site.owner_ok(
        "PUT",
        "/agents/anna",
        Some(&json!({ "name": "Anna", "groups": ["billing"] })),
    );
    site.wait_status(Some("sales"), "offline", HTTP_WAIT);
    site.wait_status(Some("billing"), "online", HTTP_WAIT);
}
