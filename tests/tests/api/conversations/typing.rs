//! Typing indicators against workerd (widgets on relays, the default): a
//! visitor's `typing` reaches exactly the devices of the agents serving
//! their open conversation, an agent's reaches exactly that visitor's
//! widgets with the agent's name; nothing reaches anyone else. A widget's
//! `typing` before `auth` or past its typing budget is dropped by its relay
//! (the site never hears of it: `stats.relay_frames`), and a flood of them
//! closes the socket like any other.

use crate::helpers::conversations::{action_ok, Visitor};
use crate::helpers::{site, MESSAGE_WAIT, SILENCE};
use presenza_tests::api::poll_until;
use presenza_tests::ws::{frame_type, Frame, Ws};
use serde_json::{json, Value};
use std::time::{Duration, Instant};

fn typing_frames(frames: &[Value]) -> Vec<&Value> {
    frames
        .iter()
        .filter(|v| frame_type(v) == Some("typing"))
        .collect()
}

/// Nothing typed reaches `ws` for a while.
#[track_caller]
fn no_typing(ws: &mut Ws, who: &str) {
    let heard = ws.collect_for(SILENCE);
    let typing = typing_frames(&heard);
    assert!(typing.is_empty(), "{who} heard typing: {typing:?}");
}

#[track_caller]
fn conversation_of(reply: &presenza_tests::api::Reply) -> String {
    assert_eq!(reply.status, 201, "{}", reply.describe());
    reply.body["conversation_id"]
        .as_str()
        .unwrap_or_default()
        .to_string()
}

#[test]
fn typing_reaches_exactly_the_serving_agents_and_the_visitors_tabs() {
    let site = site();
    site.add_group("sales", "Sales");
    site.add_group("support", "Support");
    let giulia = site.add_agent("giulia", "Giulia", &["sales"]);
    let bruno = site.add_agent("bruno", "Bruno", &["support"]);
    let (mut giulia_phone, _) = giulia.device();
    let (mut giulia_laptop, _) = giulia.device();
    let (mut bruno_device, _) = bruno.device();

    let ann = Visitor::new(&site);
    let ann_cid = conversation_of(
        &ann.post(&json!({ "client_id": "c_1", "text": "Blue or red?", "group": "sales" })),
    );
    let bob = Visitor::new(&site);
    let bob_cid = conversation_of(
        &bob.post(&json!({ "client_id": "c_1", "text": "It broke", "group": "support" })),
    );
    let (mut ann_tab1, _) = ann.socket(Some("sales"), true);
    let (mut ann_tab2, _) = ann.socket(Some("sales"), false);
    let (mut bob_tab, _) = bob.socket(Some("support"), true);
    for ws in [&mut giulia_phone, &mut giulia_laptop, &mut bruno_device] {
        ws.collect_for(Duration::from_millis(300));
    }

    // Ann types: both of Giulia's devices hear it, Bruno (support) does
    // not, nor any widget.
    ann_tab1.send_json(&json!({ "type": "typing", "typing": true }));
    for ws in [&mut giulia_phone, &mut giulia_laptop] {
        let t = ws.expect(MESSAGE_WAIT, "ann typing", |v| {
            frame_type(v) == Some("typing")
        });
        assert_eq!(
            t,
            json!({ "type": "typing", "conversation_id": ann_cid, "typing": true })
        );
    }
    no_typing(&mut bruno_device, "an agent of another group");
    no_typing(&mut ann_tab2, "the visitor's other tab");
    no_typing(&mut bob_tab, "another visitor");
    // ... and stops.
    ann_tab2.send_json(&json!({ "type": "typing", "typing": false }));
    for ws in [&mut giulia_phone, &mut giulia_laptop] {
        let t = ws.expect(MESSAGE_WAIT, "ann stopped", |v| {
            frame_type(v) == Some("typing")
        });
        assert_eq!(t["typing"], false, "{t}");
    }

    // Bob types: only Bruno hears it.
    bob_tab.send_json(&json!({ "type": "typing", "typing": true }));
    let t = bruno_device.expect(MESSAGE_WAIT, "bob typing", |v| {
        frame_type(v) == Some("typing")
    });
    assert_eq!(t["conversation_id"], bob_cid.as_str(), "{t}");
    no_typing(&mut giulia_laptop, "an agent of another group");

    // Giulia types in Ann's conversation: both of Ann's tabs hear it with
    // her name; Bob does not; the device gets no answer.
    giulia_phone
        .send_json(&json!({ "type": "typing", "conversation_id": ann_cid, "typing": true }));
    for ws in [&mut ann_tab1, &mut ann_tab2] {
        let t = ws.expect(MESSAGE_WAIT, "giulia typing", |v| {
            frame_type(v) == Some("typing")
        });
        assert_eq!(
            t,
            json!({ "type": "typing", "conversation_id": ann_cid, "agent": "Giulia", "typing": true })
        );
    }
    no_typing(&mut bob_tab, "another visitor");
    let answers = giulia_phone.collect_for(SILENCE);
    assert!(
        answers.is_empty(),
        "no answer to a typing frame: {answers:?}"
    );
    no_typing(&mut giulia_laptop, "the agent's other device");

    // A conversation Giulia does not serve, or that does not exist: the
    // reply's 404, and nothing reaches its visitor.
    for cid in [bob_cid.as_str(), "c_nope", ""] {
        giulia_laptop
            .send_json(&json!({ "type": "typing", "conversation_id": cid, "typing": true }));
        let e = giulia_laptop.expect(MESSAGE_WAIT, "an error", |v| frame_type(v) == Some("error"));
        assert_eq!(e["error"]["code"], "conversation_not_found", "{e}");
    }
    no_typing(
        &mut bob_tab,
        "the visitor of a conversation the agent does not serve",
    );

    // A closed conversation: nobody is told either way.
    action_ok(&giulia, &ann_cid, "close");
    ann_tab1.collect_for(Duration::from_millis(500));
    giulia_phone
        .send_json(&json!({ "type": "typing", "conversation_id": ann_cid, "typing": true }));
    no_typing(&mut ann_tab1, "the visitor of a closed conversation");
    ann_tab1.send_json(&json!({ "type": "typing", "typing": true }));
    no_typing(&mut giulia_laptop, "an agent, for a closed conversation");

    for ws in [
        ann_tab1,
        ann_tab2,
        bob_tab,
        giulia_phone,
        giulia_laptop,
        bruno_device,
    ] {
        ws.close();
    }
}

#[test]
fn a_widgets_typing_needs_auth_and_stays_within_its_budget() {
    let site = site();
    let giulia = site.add_agent("giulia", "Giulia", &[]);
    let (mut device, _) = giulia.device();
    let ann = Visitor::new(&site);
    ann.say_ok("c_1", "Hello?");
    device.collect_for(Duration::from_millis(500));
    let forwarded = || site.stats()["relay_frames"].as_i64().unwrap_or(-1);

    // Before `auth`, on a socket opened for Ann: dropped by the relay, the
    // site never hears of it.
    let path = format!("/v1/sites/{}/live?visitor={}", site.id, ann.id);
    let mut anon = Ws::connect(&site.api.base, &path, &[]).unwrap_or_else(|e| panic!("{e}"));
    anon.next_json(MESSAGE_WAIT);
    let before = forwarded();
    for _ in 0..10 {
        anon.send_json(&json!({ "type": "typing", "typing": true }));
    }
    no_typing(
        &mut device,
        "an agent, from a socket that did not authenticate",
    );
    let heard = anon.collect_for(Duration::from_millis(300));
    assert!(heard.is_empty(), "no answer either: {heard:?}");
    assert_eq!(forwarded(), before, "the relay forwarded nothing");

    // Malformed typing frames are refused like any bad frame.
    for (bad, code) in [
        (json!({ "type": "typing" }), "missing_field"),
        (json!({ "type": "typing", "typing": "yes" }), "invalid_type"),
        (
            json!({ "type": "typing", "typing": true, "conversation_id": "c_1" }),
            "unknown_field",
        ),
    ] {
        anon.send_json(&bad);
        let e = anon.expect(MESSAGE_WAIT, "an error frame", |v| {
            frame_type(v) == Some("error")
        });
        assert_eq!(e["error"]["code"], code, "{bad}: {e}");
    }
    anon.close();

    // Authenticated: ten at once reach the agent as four (the typing
    // bucket), the rest are dropped by the relay; the socket stays open.
    let (mut tab, _) = ann.socket(None, true);
    let before = forwarded();
    for _ in 0..10 {
        tab.send_json(&json!({ "type": "typing", "typing": true }));
    }
    let heard = device.collect_for(SILENCE);
    let typing = typing_frames(&heard);
    assert!(
        !typing.is_empty() && typing.len() <= 4,
        "a burst of 10 reaches the agent as at most 4: {typing:?}"
    );
    let counted = poll_until(Duration::from_secs(5), Duration::from_millis(200), || {
        let n = forwarded() - before;
        if n >= 1 {
            Ok(n)
        } else {
            Err(format!("nothing forwarded yet ({n})"))
        }
    })
    .unwrap_or_else(|e| panic!("{e}"));
    assert!(counted <= 4, "the relay forwarded {counted} of 10");

    // A client that keeps flooding runs into the frame budget: closed 1008.
    let deadline = Instant::now() + Duration::from_secs(10);
    let frame = json!({ "type": "typing", "typing": true }).to_string();
    let mut closed = None;
    'flood: while Instant::now() < deadline {
        for _ in 0..50 {
            if tab.send_text(&frame).is_err() {
                break;
            }
        }
        loop {
            match tab.next_frame(Duration::from_millis(5)) {
                Frame::Closed(code) => {
                    closed = Some(code);
                    break 'flood;
                }
                Frame::Text(_) => continue,
                Frame::Timeout => break,
            }
        }
    }
    assert_eq!(closed, Some(Some(1008)), "a typing flood closes the socket");
    let heard = device.collect_for(SILENCE);
    assert!(
        typing_frames(&heard).len() <= 16,
        "the flood reached the agent: {} typing frames",
        typing_frames(&heard).len()
    );
    device.close();
}
