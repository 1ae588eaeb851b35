//! The visitor secret proves who the visitor is: someone who knows only the
//! visitor id reads nothing, writes nothing and receives nothing (HTTP and
//! socket); malformed credentials are 400.

use crate::helpers::conversations::{contact, texts, visitor_frame, Visitor};
use crate::helpers::{site, MESSAGE_WAIT, SILENCE};
use presenza_tests::ws::frame_type;
use serde_json::json;

#[test]
fn the_secret_proves_who_the_visitor_is() {
    let site = site();
    let ann = Visitor::new(&site);
    let impostor = ann.impostor();
    // Before Ann's first write, someone claims her id on a socket.
    let (mut spy, answer) = impostor.socket(None, true);
    assert_eq!(answer["type"], "messages", "{answer}");
    let (mut tab, _) = ann.socket(None, true);

    let r = ann.post(&contact("c_1", "My address is 1 Main St"));
    assert_eq!(r.status, 201, "{}", r.describe());
    visitor_frame(&mut tab, 1);
    let leaked = spy.collect_for(SILENCE);
    assert!(
        !leaked.iter().any(|v| frame_type(v) == Some("message")),
        "a socket with another secret receives nothing: {leaked:?}"
    );

    // With the wrong secret: 403 for reading and writing.
    let r = impostor.messages(0);
    assert_eq!(r.status, 403, "{}", r.describe());
    assert_eq!(r.error_code(), Some("visitor_forbidden"));
    let r = impostor.post(&contact("x_1", "hijack"));
    assert_eq!(r.status, 403, "{}", r.describe());
    assert_eq!(r.error_code(), Some("visitor_forbidden"));
    spy.send_json(&json!({ "type": "auth", "visitor": impostor.credential() }));
    let e = spy.expect(MESSAGE_WAIT, "an error frame", |v| {
        frame_type(v) == Some("error")
    });
    assert_eq!(e["error"]["code"], "visitor_forbidden", "{e}");
    spy.send_json(&json!({ "type": "send", "client_id": "x_2", "text": "hijack" }));
    let e = spy.expect(MESSAGE_WAIT, "an error frame", |v| {
        frame_type(v) == Some("error")
    });
    assert_eq!(e["error"]["code"], "visitor_forbidden", "{e}");
    assert_eq!(e["client_id"], "x_2", "{e}");
    // A socket tagged for Ann cannot authenticate as someone else.
    let other = Visitor::new(&site);
    tab.send_json(&json!({ "type": "auth", "visitor": other.credential() }));
    let e = tab.expect(MESSAGE_WAIT, "an error frame", |v| {
        frame_type(v) == Some("error")
    });
    assert_eq!(e["error"]["code"], "invalid_visitor", "{e}");

    // Malformed or missing credentials: 400 invalid_visitor.
    let path = format!("/v1/sites/{}/visitor/messages", site.id);
    for header in [None, Some("nodot"), Some("short.secret"), Some("a.b.c")] {
        let headers: Vec<(&str, &str)> = header
            .map(|h| vec![("X-Presenza-Visitor", h)])
            .unwrap_or_default();
        let r = site.api.send_raw("GET", &path, None, &headers, None);
        assert_eq!(r.status, 400, "{header:?}: {}", r.describe());
        assert_eq!(r.error_code(), Some("invalid_visitor"), "{header:?}");
    }
    // Only Ann's messages, only to Ann.
    let r = ann.messages(0);
    assert_eq!(texts(&r.body["messages"]).len(), 1, "{}", r.body);
    spy.close();
    tab.close();
}
