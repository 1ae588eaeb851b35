//! Saved replies (issue 14): the owner keeps a list of shortcuts and
//! texts; agents' devices get it in their `hello` and at once when it
//! changes. Bad lists are a clear 400 and change nothing.

use crate::helpers::{site, FRAME_WAIT};
use serde_json::json;

#[test]
fn the_owner_saves_replies_and_every_device_gets_them() {
    let site = site();
    let ann = site.add_agent("ann", "Ann", &[]);
    let (mut device, hello) = ann.device();
    assert_eq!(hello["saved_replies"], json!([]), "{hello}");
    let list = json!({ "replies": [
        { "shortcut": "hi", "text": " Hello! How can I help? " },
        { "shortcut": "hours", "text": "We are open 9 to 5." }
    ] });
    let r = site.owner("PUT", "/saved-replies", Some(&list));
    assert_eq!(r.status, 200, "{}", r.describe());
    assert_eq!(
        r.body["replies"][0]["text"], "Hello! How can I help?",
        "stored trimmed"
    );
    let frame = device.expect(FRAME_WAIT, "saved_replies", |v| {
        v["type"] == "saved_replies"
    });
    assert_eq!(frame["replies"][1]["shortcut"], "hours", "{frame}");
    assert_eq!(site.owner_ok("GET", "/saved-replies", None).body, r.body);
    let (_, hello) = ann.device();
    assert_eq!(hello["saved_replies"][0]["shortcut"], "hi", "{hello}");

    for bad in [
        json!({ "replies": [{ "shortcut": "Hi", "text": "x" }] }),
        json!({ "replies": [{ "shortcut": "a", "text": "x" }, { "shortcut": "a", "text": "y" }] }),
        json!({ "replies": [{ "shortcut": "a", "text": "   " }] }),
        json!({ "replies": [{ "shortcut": "a", "text": "x", "extra": 1 }] }),
        json!({ "replies": "no" }),
    ] {
        let r = site.owner("PUT", "/saved-replies", Some(&bad));
        assert_eq!(r.status, 400, "{bad}: {}", r.describe());
    }
    assert_eq!(
        site.owner_ok("GET", "/saved-replies", None).body,
        r.body,
        "unchanged"
    );
    // Agents read them from their devices; only the owner changes them.
    let r = ann.request("PUT", "/saved-replies", None, Some(&list));
    assert_eq!(r.status, 403, "{}", r.describe());
}
