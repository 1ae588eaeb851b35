//! What a widget reads before its first paint (`widget-config?group=`: the
//! settings with the audience's status, and set-up mistakes as 404s it can
//! read), and the `widget` frame that brings an owner's change of the
//! widget's settings to every open visitor socket.

use crate::helpers::{site, FRAME_WAIT, SILENCE};
use serde_json::json;

#[test]
fn the_config_carries_the_audiences_status_and_names_a_wrong_group() {
    let site = site();
    site.add_group("sales", "Sales");
    let giulia = site.add_agent("giulia", "Giulia", &["sales"]);
    giulia.set_status(None, "online", None);
    let whole = site.api.get(&site.path("/widget-config"), None);
    assert_eq!(whole.status, 200, "{}", whole.describe());
    assert_eq!(whole.body["widget"]["accent_color"], "#2563eb");
    // The audience's own status: a sales agent counts for sales only.
    assert_eq!(whole.body["status"]["status"], "offline", "{}", whole.body);
    assert_eq!(whole.body["status"]["group"], json!(null));
    let sales = site.api.get(&site.path("/widget-config?group=sales"), None);
    assert_eq!(sales.body["status"]["status"], "online", "{}", sales.body);
    assert_eq!(sales.body["status"]["group"], "sales");
    let typo = site.api.get(&site.path("/widget-config?group=sale"), None);
    assert_eq!(typo.status, 404, "{}", typo.describe());
    assert_eq!(typo.error_code(), Some("unknown_group"));
}

#[test]
fn an_owners_change_of_the_widget_reaches_open_sockets_at_once() {
    let site = site();
    let (mut ws, _) = site.live(None);
    site.settings(json!({ "widget": { "texts": { "it": { "online": "Siamo qui" } } } }));
    let frame = ws.expect(FRAME_WAIT, "the widget frame", |v| v["type"] == "widget");
    assert_eq!(
        frame["widget"]["texts"],
        json!({ "it": { "online": "Siamo qui" } })
    );
    // A change of something else sends nothing; neither does the same widget.
    site.set_grace(60);
    site.settings(json!({ "widget": { "texts": { "it": { "online": "Siamo qui" } } } }));
    assert!(ws.next_json(SILENCE).is_none(), "nothing more");
}
