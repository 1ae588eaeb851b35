//! Read marks are per agent: colleagues see each other's replies live, but
//! each agent's unread count is their own; a read mark never moves back nor
//! past the end.

use crate::helpers::conversations::{device_frame, inbox, Visitor};
use crate::helpers::site;
use serde_json::json;

#[test]
fn colleagues_see_replies_and_read_marks_are_per_agent() {
    let site = site();
    let giulia = site.add_agent("giulia", "Giulia", &[]);
    let marco = site.add_agent("marco", "Marco", &[]);
    let (mut g_device, _) = giulia.device();
    let (mut m_device, _) = marco.device();
    let ann = Visitor::new(&site);
    ann.say_ok("c_1", "Question one");
    ann.say_ok("c_2", "Question two");
    let frame = device_frame(&mut m_device, "Question two");
    let cid = frame["conversation"]["id"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    assert_eq!(frame["conversation"]["unread"], 2, "{frame}");
    g_device.send_json(&json!({
        "type": "reply", "conversation_id": cid, "client_id": "g_1", "text": "Answer from Giulia"
    }));
    // Marco's device sees his colleague's reply.
    let frame = device_frame(&mut m_device, "Answer from Giulia");
    assert_eq!(frame["message"]["agent"]["id"], "giulia", "{frame}");
    assert_eq!(frame["conversation"]["waiting"], false, "{frame}");
    // Marco has still read nothing; Giulia has read everything.
    assert_eq!(inbox(&marco)[0]["unread"], 2);
    assert_eq!(inbox(&giulia)[0]["unread"], 0);
    let r = marco.request(
        "POST",
        &format!("/conversations/{cid}/read"),
        None,
        Some(&json!({ "seq": 1 })),
    );
    assert_eq!(r.status, 204, "{}", r.describe());
    assert_eq!(inbox(&marco)[0]["unread"], 1);
    // A read mark never moves back and never past the end.
    for seq in [0, 99] {
        let r = marco.request(
            "POST",
            &format!("/conversations/{cid}/read"),
            None,
            Some(&json!({ "seq": seq })),
        );
        assert_eq!(r.status, 204, "{}", r.describe());
    }
    assert_eq!(inbox(&marco)[0]["unread"], 0);
    ann.say_ok("c_3", "Question three");
    let list = inbox(&marco);
    assert_eq!(list[0]["unread"], 1, "{:?}", list[0]);
    assert_eq!(list[0]["waiting"], true, "{:?}", list[0]);
    g_device.close();
    m_device.close();
}
