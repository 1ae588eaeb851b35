//! Message text is plain text, never interpreted: HTML is stored and
//! returned as is (JSON, nosniff); the text rules (trimmed, 1..2000
//! characters, no control characters) and the `client_id` format.

use crate::helpers::conversations::{agent_messages, agent_reply, device_frame, Visitor};
use crate::helpers::site;

#[test]
fn html_is_stored_and_returned_as_plain_text() {
    let site = site();
    let giulia = site.add_agent("giulia", "Giulia", &[]);
    let (mut device, _) = giulia.device();
    let ann = Visitor::new(&site);
    let payload =
        "<script>alert(\"x\")</script><img src=x onerror=alert(1)> &amp; 'quotes'\n<b>bold</b>";
    let r = ann.say("c_1", payload);
    assert_eq!(r.status, 201, "{}", r.describe());
    assert_eq!(r.body["message"]["text"], payload);
    assert!(
        r.header("Content-Type")
            .is_some_and(|c| c.starts_with("application/json")),
        "{:?}",
        r.headers
    );
    assert_eq!(r.header("X-Content-Type-Options"), Some("nosniff"));
    let cid = r.body["conversation_id"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    assert_eq!(
        device_frame(&mut device, payload)["message"]["text"],
        payload
    );
    assert_eq!(ann.messages(0).body["messages"][0]["text"], payload);
    assert_eq!(
        agent_messages(&giulia, &cid, 0).body["messages"][0]["text"],
        payload
    );
    let reply = "</textarea><svg onload=alert(2)>";
    let r = agent_reply(&giulia, &cid, "r_1", reply);
    assert_eq!(r.body["message"]["text"], reply, "{}", r.describe());
    assert_eq!(ann.messages(1).body["messages"][0]["text"], reply);

    // Text rules: trimmed, 1..2000 characters, no control characters.
    let r = ann.say("c_2", "   padded   ");
    assert_eq!(r.body["message"]["text"], "padded", "{}", r.describe());
    for (text, code) in [
        ("   ".to_string(), "empty_message"),
        ("é".repeat(2001), "message_too_long"),
        ("bell\u{7}".to_string(), "invalid_character"),
    ] {
        let r = ann.say("c_3", &text);
        assert_eq!(r.status, 400, "{}", r.describe());
        assert_eq!(r.error_code(), Some(code), "{}", r.describe());
    }
    let r = ann.say("c_3", &"é".repeat(2000));
    assert_eq!(r.status, 201, "2000 characters are fine: {}", r.describe());
    let r = ann.say("not a client id!", "hi");
    assert_eq!(
        r.error_code(),
        Some("invalid_client_id"),
        "{}",
        r.describe()
    );
    device.close();
}
