//! The visitor's context against workerd: what a widget's socket request
//! (User-Agent; country and city from the platform's request data, which a
//! client cannot forge with the Worker's header) and its `auth` / `send`
//! frames (page, referrer, time zone) say is recorded for a visitor who
//! wrote, checked and cut as documented, pushed to the devices of the
//! agents serving their open conversation as they move from page to page,
//! and answered with the conversation's messages.

use crate::helpers::conversations::{agent_messages, Visitor};
use crate::helpers::{sales_and_support, site, MESSAGE_WAIT, SILENCE};
use presenza_tests::ws::{frame_type, Ws};
use serde_json::{json, Value};

const CHROME_ON_WINDOWS: &str = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 \
     (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36";
const SAFARI_ON_IPHONE: &str = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_6 like Mac OS X) \
     AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.6 Mobile/15E148 Safari/604.1";

/// A widget socket of `visitor` as a browser with `user_agent` opens it,
/// with a forged geo header (which the Worker must replace).
fn widget(visitor: &Visitor, user_agent: &str) -> Ws {
    let path = visitor.path(&format!("/live?visitor={}", visitor.id));
    let headers = [
        ("User-Agent", user_agent),
        // "FR;Paris" in the Worker's own format.
        ("X-Presenza-Geo", "FR;5061726973"),
    ];
    let mut ws =
        Ws::connect(&visitor.api.base, &path, &headers).unwrap_or_else(|e| panic!("{path}: {e}"));
    ws.next_json(MESSAGE_WAIT)
        .unwrap_or_else(|| panic!("{path}: no status"));
    ws
}

fn auth(ws: &mut Ws, visitor: &Visitor, context: Value) -> Value {
    ws.send_json(&json!({
        "type": "auth", "visitor": visitor.credential(), "after": 0, "context": context
    }));
    ws.expect(MESSAGE_WAIT, "messages or an error", |v| {
        matches!(frame_type(v), Some("messages" | "error"))
    })
}

/// The next `visitor` frame on a device.
#[track_caller]
fn context_frame(device: &mut Ws) -> Value {
    device.expect(MESSAGE_WAIT, "a visitor context frame", |v| {
        frame_type(v) == Some("visitor")
    })
}

#[test]
fn the_agent_sees_where_the_visitor_is_and_what_they_use() {
    let site = site();
    let giulia = site.add_agent("giulia", "Giulia", &[]);
    let (mut device, _) = giulia.device();
    let ann = Visitor::new(&site);

    // Before Ann wrote, nothing is recorded (nor sent).
    let mut tab = widget(&ann, CHROME_ON_WINDOWS);
    let kettle = "https://shop.example/kettle?colour=blue";
    let first = auth(
        &mut tab,
        &ann,
        json!({ "page": kettle, "referrer": "https://search.example/?q=kettle", "tz": "Europe/Rome" }),
    );
    assert!(first["conversation_id"].is_null(), "{first}");

    // Her first message: the page it was written from, and the socket's.
    tab.send_json(&json!({
        "type": "send", "client_id": "c_1", "text": "Is it in stock?",
        "context": { "page": kettle, "referrer": "https://search.example/?q=kettle", "tz": "Europe/Rome" }
    }));
    tab.expect(MESSAGE_WAIT, "an ack", |v| frame_type(v) == Some("ack"));
    let f = context_frame(&mut device);
    let cid = f["conversation_id"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    let c = &f["context"];
    assert_eq!(c["page"], kettle, "{f}");
    assert_eq!(c["wrote_from"], kettle, "{f}");
    assert_eq!(c["referrer"], "https://search.example/?q=kettle", "{f}");
    assert_eq!(c["browser"], "Chrome 131", "{f}");
    assert_eq!(c["os"], "Windows", "{f}");
    assert_eq!(c["time_zone"], "Europe/Rome", "{f}");
    assert!(c["at"].is_string(), "{f}");
    // The country and city are the platform's (locally there may be none),
    // never what the client's header claimed.
    assert_ne!(c["city"], "Paris", "a forged geo header is dropped: {f}");
    if let Some(country) = c["country"].as_str() {
        assert!(
            country.len() == 2 && country.bytes().all(|b| b.is_ascii_uppercase()),
            "{f}"
        );
    }

    // She moves to the checkout in a new tab on her phone: the agent
    // follows; she wrote from the kettle page still.
    let mut phone = widget(&ann, SAFARI_ON_IPHONE);
    let checkout = "https://shop.example/checkout";
    let answer = auth(
        &mut phone,
        &ann,
        json!({ "page": checkout, "referrer": "https://shop.example/kettle", "tz": "Europe/Rome" }),
    );
    assert_eq!(answer["conversation_id"], cid.as_str(), "{answer}");
    let f = context_frame(&mut device);
    let c = &f["context"];
    assert_eq!(c["page"], checkout, "{f}");
    assert_eq!(c["wrote_from"], kettle, "{f}");
    assert_eq!(
        c["referrer"], "https://search.example/?q=kettle",
        "the shop's own page is no referrer: {f}"
    );
    assert_eq!(
        (c["browser"].as_str(), c["os"].as_str()),
        (Some("Safari 17"), Some("iOS 17")),
        "{f}"
    );

    // The conversation's messages come with it.
    let page = agent_messages(&giulia, &cid, 0);
    assert_eq!(page.status, 200, "{}", page.describe());
    assert_eq!(page.body["context"], f["context"], "{}", page.body);

    // Bad context from an anonymous client: what is not valid is dropped
    // (what was known stays), what is too long is cut.
    let long = format!("https://shop.example/{}", "a".repeat(5_000));
    auth(
        &mut phone,
        &ann,
        json!({ "page": "javascript:alert(1)", "referrer": "data:text/html,x", "tz": "Europe/Rome'; DROP" }),
    );
    let f = context_frame(&mut device);
    assert_eq!(f["context"]["page"], checkout, "{f}");
    assert_eq!(f["context"]["time_zone"], "Europe/Rome", "{f}");
    auth(&mut phone, &ann, json!({ "page": long }));
    let f = context_frame(&mut device);
    let page = f["context"]["page"].as_str().unwrap_or_default();
    assert_eq!(page.chars().count(), 500, "cut to 500 characters");
    assert!(long.starts_with(page), "{page}");

    // Malformed context is refused like any bad frame, and records nothing.
    for (bad, code) in [
        (json!({ "page": kettle, "cookie": "x" }), "unknown_field"),
        (json!("https://shop.example/"), "invalid_type"),
        (json!({ "page": 5 }), "invalid_type"),
    ] {
        let e = auth(&mut phone, &ann, bad.clone());
        assert_eq!(frame_type(&e), Some("error"), "{bad}: {e}");
        assert_eq!(e["error"]["code"], code, "{bad}: {e}");
    }
    let heard = device.collect_for(SILENCE);
    assert!(
        !heard.iter().any(|v| frame_type(v) == Some("visitor")),
        "{heard:?}"
    );
    for ws in [tab, phone, device] {
        ws.close();
    }
}

#[test]
fn only_the_agents_serving_the_conversation_hear_of_it() {
    let (site, anna, bruno) = sales_and_support();
    let (mut anna_device, _) = anna.device();
    let (mut bruno_device, _) = bruno.device();
    let buyer = Visitor::new(&site);
    let r = buyer.post(&json!({ "client_id": "c_1", "text": "Price?", "group": "sales" }));
    assert_eq!(r.status, 201, "{}", r.describe());
    // The message's own request (no page named).
    let f = context_frame(&mut anna_device);
    assert!(f["context"]["page"].is_null(), "{f}");
    let mut tab = widget(&buyer, CHROME_ON_WINDOWS);
    auth(
        &mut tab,
        &buyer,
        json!({ "page": "https://shop.example/a" }),
    );
    let f = context_frame(&mut anna_device);
    assert_eq!(f["context"]["page"], "https://shop.example/a", "{f}");
    let heard = bruno_device.collect_for(SILENCE);
    assert!(
        !heard.iter().any(|v| frame_type(v) == Some("visitor")),
        "another group's agent: {heard:?}"
    );
    for ws in [tab, anna_device, bruno_device] {
        ws.close();
    }
}

#[test]
fn a_message_posted_over_http_records_the_context_too() {
    let site = site();
    let giulia = site.add_agent("giulia", "Giulia", &[]);
    let (mut device, _) = giulia.device();
    let eva = Visitor::new(&site);
    let post = |body: Value, referer: Option<&str>| {
        let bytes = body.to_string().into_bytes();
        let cred = eva.credential();
        let mut headers = vec![
            ("Content-Type", "application/json"),
            ("X-Presenza-Visitor", cred.as_str()),
            ("User-Agent", SAFARI_ON_IPHONE),
            ("X-Presenza-Geo", "FR;5061726973"),
        ];
        if let Some(r) = referer {
            headers.push(("Referer", r));
        }
        eva.api.send_raw(
            "POST",
            &eva.path("/visitor/messages"),
            None,
            &headers,
            Some(&bytes),
        )
    };
    let shoes = "https://shop.example/shoes";
    let r = post(
        json!({ "client_id": "h_1", "text": "Size 42?",
            "context": { "page": shoes, "referrer": "https://search.example/", "tz": "Europe/Paris" } }),
        Some("https://shop.example/"),
    );
    assert_eq!(r.status, 201, "{}", r.describe());
    let cid = r.body["conversation_id"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    let f = context_frame(&mut device);
    assert_eq!(f["conversation_id"], cid.as_str(), "{f}");
    let c = &f["context"];
    assert_eq!(c["page"], shoes, "the body's page wins over Referer: {f}");
    assert_eq!(c["wrote_from"], shoes, "{f}");
    assert_eq!(c["referrer"], "https://search.example/", "{f}");
    assert_eq!(c["time_zone"], "Europe/Paris", "{f}");
    assert_eq!(
        (c["browser"].as_str(), c["os"].as_str()),
        (Some("Safari 17"), Some("iOS 17")),
        "{f}"
    );
    assert_ne!(c["city"], "Paris", "a forged geo header is dropped: {f}");

    // Without a context in the body, the Referer names the page.
    let r = post(
        json!({ "client_id": "h_2", "text": "And 43?" }),
        Some("https://shop.example/boots"),
    );
    assert_eq!(r.status, 201, "{}", r.describe());
    let f = context_frame(&mut device);
    assert_eq!(
        f["context"]["wrote_from"], "https://shop.example/boots",
        "{f}"
    );
    // A retry records nothing new.
    let r = post(
        json!({ "client_id": "h_2", "text": "And 43?", "context": { "page": "https://shop.example/x" } }),
        None,
    );
    assert_eq!(r.status, 200, "{}", r.describe());
    let heard = device.collect_for(SILENCE);
    assert!(
        !heard.iter().any(|v| frame_type(v) == Some("visitor")),
        "{heard:?}"
    );
    let page = agent_messages(&giulia, &cid, 0);
    assert_eq!(
        page.body["context"]["page"], "https://shop.example/boots",
        "{}",
        page.body
    );
    device.close();
}
