//! A visitor message's fields are all checked, even when the message is a
//! retry of a stored one or goes to an open conversation (where its group
//! is not used): the fuzzer found a retry with a control character as the
//! name answered 200, and a later message with a malformed group accepted.

use crate::helpers::conversations::Visitor;
use crate::helpers::site;
use serde_json::json;

#[test]
fn malformed_fields_are_refused_on_retries_and_later_messages() {
    let site = site();
    site.add_group("sales", "Sales");
    let ann = Visitor::new(&site);
    let first = json!({
        "client_id": "c_1", "text": "Hello", "group": "sales",
        "name": "Ann", "email": "ann@example.com"
    });
    let r = ann.post(&first);
    assert_eq!(r.status, 201, "{}", r.describe());
    let with = |field: &str, value: &str, client_id: &str| {
        let mut body = first.clone();
        body[field] = json!(value);
        body["client_id"] = json!(client_id);
        ann.post(&body)
    };
    for (field, value, code) in [
        ("name", "\u{84}", "invalid_name"),
        ("email", "not an address", "invalid_email"),
        ("group", "Not a group!", "unknown_group"),
    ] {
        for client_id in ["c_1", "c_2"] {
            let r = with(field, value, client_id);
            assert_eq!(
                (r.status, r.error_code()),
                (400, Some(code)),
                "{field} {value:?} ({client_id}): {}",
                r.describe()
            );
        }
    }
    // The same request again is still a retry, answered with the stored
    // message; a valid later message still goes to the open conversation.
    let again = ann.post(&first);
    assert_eq!(again.status, 200, "{}", again.describe());
    assert_eq!(again.body, r.body);
    let next = with("text", "Still there?", "c_2");
    assert_eq!(next.status, 201, "{}", next.describe());
    assert_eq!(next.body["conversation_id"], r.body["conversation_id"]);
}
