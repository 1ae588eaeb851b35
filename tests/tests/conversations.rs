//! Conversations end to end (issue 6, docs/conversations-api.md), over real
//! HTTP and WebSocket against the edge in workerd: live delivery both ways,
//! left messages while offline, the grace period, idempotent retries, a
//! runtime restart mid-conversation, text never interpreted, the visitor
//! secret, groups, the busy auto-reply and the rate limit.
//!
//! Every test creates its own site on the shared edge (the restart test
//! starts its own edge), so they run in parallel.

use presenza_tests::api::{status_message, Api, Reply, TestAgent, TestSite};
use presenza_tests::edge::{shared_edge, EdgeOptions, LocalEdge};
use presenza_tests::ws::{frame_type, Ws};
use serde_json::{json, Value};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// How long a message may take to reach a socket.
const FRAME_WAIT: Duration = Duration::from_secs(5);
/// How long "nothing arrives" is observed.
const SILENCE: Duration = Duration::from_millis(1500);

fn site() -> TestSite {
    TestSite::create(shared_edge())
}

// ---------------------------------------------------------------------------
// A visitor: id and secret as the widget keeps them in localStorage.
// ---------------------------------------------------------------------------

const B64URL: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/// `len` pseudo-random base64url characters (unique per call in a process).
fn random_b64url(len: usize) -> String {
    static COUNTER: AtomicU64 = AtomicU64::new(1);
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_nanos() as u64)
        .unwrap_or(0);
    let mut x = nanos
        ^ COUNTER.fetch_add(0x9E37_79B9_7F4A_7C15, Ordering::Relaxed)
        ^ (u64::from(std::process::id()) << 32);
    (0..len)
        .map(|_| {
            // xorshift64*
            x ^= x >> 12;
            x ^= x << 25;
            x ^= x >> 27;
            let r = x.wrapping_mul(0x2545_F491_4F6C_DD1D);
            B64URL[(r >> 58) as usize] as char
        })
        .collect()
}

#[derive(Clone)]
struct Visitor {
    api: Api,
    site: String,
    id: String,
    secret: String,
}

impl Visitor {
    fn new(site: &TestSite) -> Visitor {
        Visitor {
            api: site.api.clone(),
            site: site.id.clone(),
            id: random_b64url(22),
            secret: random_b64url(43),
        }
    }

    /// The same id with another secret (someone who learnt the id).
    fn impostor(&self) -> Visitor {
        Visitor {
            secret: random_b64url(43),
            ..self.clone()
        }
    }

    fn credential(&self) -> String {
        format!("{}.{}", self.id, self.secret)
    }

    fn path(&self, rest: &str) -> String {
        format!("/v1/sites/{}{rest}", self.site)
    }

    /// POST /visitor/messages with this visitor's header.
    fn post(&self, body: &Value) -> Reply {
        let bytes = body.to_string().into_bytes();
        let cred = self.credential();
        self.api.send_raw(
            "POST",
            &self.path("/visitor/messages"),
            None,
            &[
                ("Content-Type", "application/json"),
                ("X-Presenza-Visitor", &cred),
            ],
            Some(&bytes),
        )
    }

    /// Sends `text` with `client_id` (no group, no contact).
    fn say(&self, client_id: &str, text: &str) -> Reply {
        self.post(&json!({ "client_id": client_id, "text": text, "group": null }))
    }

    /// Sends and asserts 201; returns the message.
    #[track_caller]
    fn say_ok(&self, client_id: &str, text: &str) -> Value {
        let r = self.say(client_id, text);
        assert_eq!(
            r.status,
            201,
            "visitor message {client_id}: {}",
            r.describe()
        );
        r.body["message"].clone()
    }

    /// GET /visitor/messages?after=SEQ
    fn messages(&self, after: u64) -> Reply {
        let cred = self.credential();
        self.api.send_raw(
            "GET",
            &self.path(&format!("/visitor/messages?after={after}")),
            None,
            &[("X-Presenza-Visitor", &cred)],
            None,
        )
    }

    /// Opens `/live[?group=G]&visitor=<id>`, authenticates, and returns the
    /// socket with the `messages` answer.
    #[track_caller]
    fn socket(&self, group: Option<&str>, tagged: bool) -> (Ws, Value) {
        let mut query = Vec::new();
        if let Some(g) = group {
            query.push(format!("group={g}"));
        }
        if tagged {
            query.push(format!("visitor={}", self.id));
        }
        let path = if query.is_empty() {
            self.path("/live")
        } else {
            self.path(&format!("/live?{}", query.join("&")))
        };
        let mut ws =
            Ws::connect(&self.api.base, &path, &[]).unwrap_or_else(|e| panic!("open {path}: {e}"));
        ws.next_json(FRAME_WAIT)
            .unwrap_or_else(|| panic!("{path} sent no status frame"));
        ws.send_json(&json!({ "type": "auth", "visitor": self.credential(), "after": 0 }));
        let answer = ws.expect(FRAME_WAIT, "a messages frame after auth", |v| {
            frame_type(v) == Some("messages") || frame_type(v) == Some("error")
        });
        (ws, answer)
    }
}

/// A visitor `message` frame carrying `seq`.
#[track_caller]
fn visitor_frame(ws: &mut Ws, seq: u64) -> Value {
    ws.expect(
        FRAME_WAIT,
        &format!("a message frame with seq {seq}"),
        |v| frame_type(v) == Some("message") && v["message"]["seq"] == seq,
    )
}

/// A device `message` frame whose message has `text`.
#[track_caller]
fn device_frame(ws: &mut Ws, text: &str) -> Value {
    ws.expect(
        FRAME_WAIT,
        &format!("a device message frame `{text}`"),
        |v| frame_type(v) == Some("message") && v["message"]["text"] == text,
    )
}

/// GET /conversations as an agent (asserts 200); returns the list.
#[track_caller]
fn inbox(agent: &TestAgent) -> Vec<Value> {
    let r = agent.request("GET", "/conversations", None, None);
    assert_eq!(r.status, 200, "GET /conversations: {}", r.describe());
    r.body["conversations"]
        .as_array()
        .unwrap_or_else(|| panic!("a list: {}", r.body))
        .clone()
}

/// GET /conversations/{id}/messages?after=SEQ as an agent.
fn agent_messages(agent: &TestAgent, conversation: &str, after: u64) -> Reply {
    agent.request(
        "GET",
        &format!("/conversations/{conversation}/messages?after={after}"),
        None,
        None,
    )
}

/// POST /conversations/{id}/messages as an agent.
fn agent_reply(agent: &TestAgent, conversation: &str, client_id: &str, text: &str) -> Reply {
    agent.request(
        "POST",
        &format!("/conversations/{conversation}/messages"),
        None,
        Some(&json!({ "client_id": client_id, "text": text })),
    )
}

fn texts(messages: &Value) -> Vec<(u64, String, String)> {
    messages
        .as_array()
        .unwrap_or_else(|| panic!("messages: {messages}"))
        .iter()
        .map(|m| {
            (
                m["seq"].as_u64().unwrap_or(0),
                m["from"].as_str().unwrap_or_default().to_string(),
                m["text"].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect()
}

fn contact(client_id: &str, text: &str) -> Value {
    json!({ "client_id": client_id, "text": text, "name": "Ada Lovelace", "email": "ada@example.com" })
}

// ---------------------------------------------------------------------------
// Live conversation
// ---------------------------------------------------------------------------

#[test]
fn visitor_and_agent_talk_live() {
    let site = site();
    let giulia = site.add_agent("giulia", "Giulia", &[]);
    let (mut device, hello) = giulia.device();
    assert_eq!(hello["conversations_waiting"], 0, "{hello}");
    site.wait_status(None, "online", Duration::from_secs(5));
    let ann = Visitor::new(&site);
    let (mut tab1, first) = ann.socket(None, true);
    assert_eq!(first["type"], "messages", "{first}");
    assert!(first["conversation_id"].is_null(), "{first}");
    // A second tab, opened without ?visitor= (the plain contract).
    let (mut tab2, _) = ann.socket(None, false);

    // The visitor writes over HTTP: the agent's device hears it at once.
    let sent = ann.say_ok("c_1", "Hello, is anyone there?");
    assert_eq!(sent["seq"], 1, "{sent}");
    assert_eq!(sent["from"], "visitor", "{sent}");
    assert_eq!(sent["client_id"], "c_1", "{sent}");
    assert!(sent["agent"].is_null(), "{sent}");
    let frame = device_frame(&mut device, "Hello, is anyone there?");
    let conversation = frame["conversation"].clone();
    let cid = conversation["id"].as_str().unwrap_or_default().to_string();
    assert!(!cid.is_empty(), "{frame}");
    assert_eq!(conversation["waiting"], true, "{frame}");
    assert_eq!(conversation["unread"], 1, "{frame}");
    assert_eq!(conversation["visitor"]["id"], ann.id.as_str(), "{frame}");
    assert_eq!(conversation["last_seq"], 1, "{frame}");
    assert!(conversation["group"].is_null(), "{frame}");
    // Both tabs see it too.
    visitor_frame(&mut tab1, 1);
    let copy = visitor_frame(&mut tab2, 1);
    assert_eq!(copy["conversation_id"], cid.as_str(), "{copy}");

    // The agent replies from the device: ack to it, the reply to both tabs.
    device.send_json(&json!({
        "type": "reply", "conversation_id": cid, "client_id": "r_1", "text": "Hi! How can I help?"
    }));
    let ack = device.expect(FRAME_WAIT, "an ack of the reply", |v| {
        frame_type(v) == Some("ack") && v["client_id"] == "r_1"
    });
    assert_eq!(ack["seq"], 2, "{ack}");
    assert_eq!(ack["conversation_id"], cid.as_str(), "{ack}");
    for tab in [&mut tab1, &mut tab2] {
        let reply = visitor_frame(tab, 2);
        assert_eq!(reply["message"]["from"], "agent", "{reply}");
        assert_eq!(reply["message"]["text"], "Hi! How can I help?", "{reply}");
        assert_eq!(
            reply["message"]["agent"],
            json!({ "id": "giulia", "name": "Giulia" }),
            "{reply}"
        );
    }

    // The visitor writes from tab 1's socket: ack there, the copy in tab 2.
    tab1.send_json(
        &json!({ "type": "send", "client_id": "c_2", "text": "My order is late", "group": null }),
    );
    let ack = tab1.expect(FRAME_WAIT, "an ack of the visitor message", |v| {
        frame_type(v) == Some("ack") && v["client_id"] == "c_2"
    });
    assert_eq!(ack["seq"], 3, "{ack}");
    visitor_frame(&mut tab2, 3);
    let frame = device_frame(&mut device, "My order is late");
    assert_eq!(frame["conversation"]["waiting"], true, "{frame}");
    let echoed = tab1.collect_for(SILENCE);
    assert!(
        !echoed
            .iter()
            .any(|v| frame_type(v) == Some("message") && v["message"]["seq"] == 3),
        "the sending tab gets an ack, not a copy: {echoed:?}"
    );

    // An HTTP reply reaches the tabs and the device.
    let r = agent_reply(&giulia, &cid, "r_2", "Let me check.");
    assert_eq!(r.status, 201, "{}", r.describe());
    assert_eq!(r.body["message"]["seq"], 4, "{}", r.body);
    visitor_frame(&mut tab1, 4);
    device_frame(&mut device, "Let me check.");

    // Both sides read the same history.
    let visitor_view = ann.messages(0);
    assert_eq!(visitor_view.status, 200, "{}", visitor_view.describe());
    assert_eq!(visitor_view.body["conversation_id"], cid.as_str());
    let expected = vec![
        (
            1,
            "visitor".to_string(),
            "Hello, is anyone there?".to_string(),
        ),
        (2, "agent".to_string(), "Hi! How can I help?".to_string()),
        (3, "visitor".to_string(), "My order is late".to_string()),
        (4, "agent".to_string(), "Let me check.".to_string()),
    ];
    assert_eq!(texts(&visitor_view.body["messages"]), expected);
    let agent_view = agent_messages(&giulia, &cid, 0);
    assert_eq!(agent_view.status, 200, "{}", agent_view.describe());
    assert_eq!(texts(&agent_view.body["messages"]), expected);
    let after = ann.messages(2);
    assert_eq!(texts(&after.body["messages"]), expected[2..].to_vec());
    // The agent answered last: not waiting; the reply marked it read.
    let list = inbox(&giulia);
    assert_eq!(list.len(), 1, "{list:?}");
    assert_eq!(list[0]["waiting"], false, "{:?}", list[0]);
    assert_eq!(list[0]["unread"], 0, "{:?}", list[0]);
    assert_eq!(list[0]["last_message"]["text"], "Let me check.");
    for ws in [tab1, tab2, device] {
        ws.close();
    }
}

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

// ---------------------------------------------------------------------------
// Offline and grace period
// ---------------------------------------------------------------------------

#[test]
fn offline_message_needs_contact_and_waits_for_an_agent() {
    let site = site();
    let giulia = site.add_agent("giulia", "Giulia", &[]);
    site.wait_status(None, "offline", Duration::from_secs(5));
    let ann = Visitor::new(&site);

    let r = ann.say("c_1", "Please call me back");
    assert_eq!(r.status, 400, "{}", r.describe());
    assert_eq!(r.error_code(), Some("contact_required"), "{}", r.describe());
    let r = ann.post(&json!({ "client_id": "c_1", "text": "Please call me back", "name": "Ada", "email": "ada@" }));
    assert_eq!(r.error_code(), Some("invalid_email"), "{}", r.describe());
    let r = ann.post(&json!({ "client_id": "c_1", "text": "Please call me back", "name": "  ", "email": "ada@example.com" }));
    assert_eq!(r.error_code(), Some("contact_required"), "{}", r.describe());
    // Nothing refused was stored.
    let r = ann.messages(0);
    assert_eq!(r.status, 200, "{}", r.describe());
    assert!(r.body["conversation_id"].is_null(), "{}", r.body);

    let r = ann.post(&contact("c_1", "Please call me back"));
    assert_eq!(r.status, 201, "{}", r.describe());
    assert_eq!(r.body["message"]["seq"], 1, "{}", r.body);
    let cid = r.body["conversation_id"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    // Contact details given once are remembered for the next left message.
    let r = ann.say("c_2", "Also: my order number is 42");
    assert_eq!(r.status, 201, "{}", r.describe());
    // An older conversation answered already, to check the order.
    let bob = Visitor::new(&site);
    let r = bob.post(&contact("b_1", "Older question"));
    assert_eq!(r.status, 201, "{}", r.describe());
    let bob_cid = r.body["conversation_id"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    let r = agent_reply(&giulia, &bob_cid, "r_1", "Answered");
    assert_eq!(r.status, 201, "{}", r.describe());
    let cara = Visitor::new(&site);
    let r = cara.post(&contact("k_1", "Newest, unanswered"));
    assert_eq!(r.status, 201, "{}", r.describe());

    // The agent comes online: the hello says what waits, the inbox shows it.
    let (device, hello) = giulia.device();
    assert_eq!(hello["conversations_waiting"], 2, "{hello}");
    let list = inbox(&giulia);
    let ids: Vec<&str> = list
        .iter()
        .map(|c| c["id"].as_str().unwrap_or(""))
        .collect();
    assert_eq!(ids.len(), 3, "{list:?}");
    assert_eq!(
        ids[2], bob_cid,
        "answered conversations come last: {list:?}"
    );
    assert!(
        list[0]["waiting"] == true && list[1]["waiting"] == true,
        "{list:?}"
    );
    let ann_row = list
        .iter()
        .find(|c| c["id"] == cid.as_str())
        .unwrap_or_else(|| panic!("ann's conversation is listed: {list:?}"));
    assert_eq!(ann_row["unread"], 2, "{ann_row}");
    assert_eq!(
        ann_row["visitor"],
        json!({ "id": ann.id, "name": "Ada Lovelace", "email": "ada@example.com" }),
        "{ann_row}"
    );
    assert_eq!(
        ann_row["last_message"]["text"],
        "Also: my order number is 42"
    );
    assert!(ann_row["created_at"].is_string() && ann_row["updated_at"].is_string());
    device.close();
}

#[test]
fn message_during_the_grace_period_waits_for_the_agent() {
    let site = site();
    site.set_grace(60);
    let giulia = site.add_agent("giulia", "Giulia", &[]);
    let (device, _) = giulia.device();
    site.wait_status(None, "online", Duration::from_secs(5));
    // The agent's connection drops without a sign-out: still online.
    device.drop_abruptly();
    std::thread::sleep(Duration::from_millis(500));
    assert_eq!(site.status_now(None)["status"], "online");

    // The visitor writes without contact details (the widget shows online).
    let ann = Visitor::new(&site);
    let r = ann.say("c_1", "Anyone?");
    assert_eq!(r.status, 201, "{}", r.describe());
    let cid = r.body["conversation_id"]
        .as_str()
        .unwrap_or_default()
        .to_string();

    // The agent comes back: the message is waiting for them.
    let (device, hello) = giulia.device();
    assert_eq!(hello["conversations_waiting"], 1, "{hello}");
    let list = inbox(&giulia);
    assert_eq!(list[0]["id"], cid.as_str(), "{list:?}");
    assert_eq!(list[0]["waiting"], true);
    assert_eq!(list[0]["unread"], 1);
    let r = agent_messages(&giulia, &cid, 0);
    assert_eq!(
        texts(&r.body["messages"]),
        vec![(1, "visitor".into(), "Anyone?".into())]
    );
    device.close();
}

// ---------------------------------------------------------------------------
// Delivery: idempotency and restarts
// ---------------------------------------------------------------------------

#[test]
fn retries_with_the_same_client_id_are_idempotent() {
    let site = site();
    let giulia = site.add_agent("giulia", "Giulia", &[]);
    let (mut device, _) = giulia.device();
    let ann = Visitor::new(&site);
    let first = ann.say("c_1", "Hello");
    assert_eq!(first.status, 201, "{}", first.describe());
    device_frame(&mut device, "Hello");
    let again = ann.say("c_1", "Hello");
    assert_eq!(
        again.status,
        200,
        "a retry answers 200: {}",
        again.describe()
    );
    assert_eq!(again.body, first.body, "a retry returns the stored message");
    let cid = first.body["conversation_id"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    // Nothing new was pushed for the retry.
    let pushed = device.collect_for(SILENCE);
    assert!(
        !pushed.iter().any(|v| frame_type(v) == Some("message")),
        "a retry is not pushed again: {pushed:?}"
    );
    // Over the socket too.
    let (mut tab, _) = ann.socket(None, true);
    tab.send_json(&json!({ "type": "send", "client_id": "c_1", "text": "Hello" }));
    let ack = tab.expect(FRAME_WAIT, "an ack", |v| frame_type(v) == Some("ack"));
    assert_eq!(ack["seq"], 1, "{ack}");
    // The agent's replies: the same client id as the visitor's is another
    // message; its own retry is not.
    let r1 = agent_reply(&giulia, &cid, "c_1", "Hi");
    assert_eq!(r1.status, 201, "{}", r1.describe());
    assert_eq!(r1.body["message"]["seq"], 2);
    let r2 = agent_reply(&giulia, &cid, "c_1", "Hi");
    assert_eq!(r2.status, 200, "{}", r2.describe());
    assert_eq!(r2.body["message"]["seq"], 2);
    device.send_json(
        &json!({ "type": "reply", "conversation_id": cid, "client_id": "c_1", "text": "Hi" }),
    );
    let ack = device.expect(FRAME_WAIT, "an ack", |v| frame_type(v) == Some("ack"));
    assert_eq!(ack["seq"], 2, "{ack}");
    let all = ann.messages(0);
    assert_eq!(
        texts(&all.body["messages"]),
        vec![
            (1, "visitor".into(), "Hello".into()),
            (2, "agent".into(), "Hi".into())
        ]
    );
    tab.close();
    device.close();
}

#[test]
fn restart_mid_conversation_loses_and_duplicates_nothing() {
    let mut edge = LocalEdge::start(EdgeOptions::for_test("conversations-restart"))
        .unwrap_or_else(|e| panic!("start the edge: {e}"));
    let site = TestSite::create(&edge.url);
    let giulia = site.add_agent("giulia", "Giulia", &[]);
    let (device, _) = giulia.device();
    let ann = Visitor::new(&site);
    ann.say_ok("c_1", "First");
    let second = ann.say_ok("c_2", "Second");
    let cid = ann.messages(0).body["conversation_id"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    let r = agent_reply(&giulia, &cid, "r_1", "Reply");
    assert_eq!(r.status, 201, "{}", r.describe());
    device.drop_abruptly();
    let before = ann.messages(0).body;

    edge.restart()
        .unwrap_or_else(|e| panic!("restart the edge: {e}"));
    let api = Api::new(&edge.url);
    let site = TestSite {
        api: api.clone(),
        ..site
    };
    let giulia = site.agent_with_token("giulia", &giulia.token);
    let ann = Visitor { api, ..ann };

    assert_eq!(
        ann.messages(0).body,
        before,
        "the history survives the restart"
    );
    // The widget did not see the ack of c_2: it resends it.
    let again = ann.say("c_2", "Second");
    assert_eq!(again.status, 200, "{}", again.describe());
    assert_eq!(again.body["message"], second, "same seq, no duplicate");
    let r = agent_reply(&giulia, &cid, "r_1", "Reply");
    assert_eq!(r.status, 200, "the agent's resend: {}", r.describe());
    let third = ann.say_ok("c_3", "Third");
    assert_eq!(third["seq"], 4, "seqs continue after the restart: {third}");
    let all = agent_messages(&giulia, &cid, 0);
    assert_eq!(
        texts(&all.body["messages"]),
        vec![
            (1, "visitor".into(), "First".into()),
            (2, "visitor".into(), "Second".into()),
            (3, "agent".into(), "Reply".into()),
            (4, "visitor".into(), "Third".into()),
        ]
    );
    let list = inbox(&giulia);
    assert_eq!(list.len(), 1, "{list:?}");
    assert_eq!(
        list[0]["unread"], 1,
        "the read mark survives: {:?}",
        list[0]
    );
    // Live delivery works after the restart.
    let (mut device, hello) = giulia.device();
    assert_eq!(hello["conversations_waiting"], 1, "{hello}");
    ann.say_ok("c_4", "Fourth");
    device_frame(&mut device, "Fourth");
    device.close();
    edge.stop();
}

// ---------------------------------------------------------------------------
// Text, secrets, groups
// ---------------------------------------------------------------------------

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
    let e = spy.expect(FRAME_WAIT, "an error frame", |v| {
        frame_type(v) == Some("error")
    });
    assert_eq!(e["error"]["code"], "visitor_forbidden", "{e}");
    spy.send_json(&json!({ "type": "send", "client_id": "x_2", "text": "hijack" }));
    let e = spy.expect(FRAME_WAIT, "an error frame", |v| {
        frame_type(v) == Some("error")
    });
    assert_eq!(e["error"]["code"], "visitor_forbidden", "{e}");
    assert_eq!(e["client_id"], "x_2", "{e}");
    // A socket tagged for Ann cannot authenticate as someone else.
    let other = Visitor::new(&site);
    tab.send_json(&json!({ "type": "auth", "visitor": other.credential() }));
    let e = tab.expect(FRAME_WAIT, "an error frame", |v| {
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

#[test]
fn agents_see_only_the_conversations_they_serve() {
    let site = site();
    site.add_group("sales", "Sales");
    site.add_group("support", "Support");
    let anna = site.add_agent("anna", "Anna", &["sales"]);
    let bruno = site.add_agent("bruno", "Bruno", &["support"]);
    let carla = site.add_agent("carla", "Carla", &[]);
    let (mut anna_device, _) = anna.device();
    let (mut bruno_device, _) = bruno.device();
    let (mut carla_device, _) = carla.device();

    let buyer = Visitor::new(&site);
    let r = buyer
        .post(&json!({ "client_id": "c_1", "text": "Price of the blue one?", "group": "sales" }));
    assert_eq!(r.status, 201, "{}", r.describe());
    let sales_cid = r.body["conversation_id"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    let user = Visitor::new(&site);
    let r = user.post(&json!({ "client_id": "c_1", "text": "It broke", "group": "support" }));
    assert_eq!(r.status, 201, "{}", r.describe());
    let support_cid = r.body["conversation_id"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    // The group is fixed by the first message.
    let r =
        buyer.post(&json!({ "client_id": "c_2", "text": "Also shipping?", "group": "support" }));
    assert_eq!(r.status, 201, "{}", r.describe());
    let r = buyer.post(&json!({ "client_id": "c_3", "text": "x", "group": "nope" }));
    assert_eq!(
        r.status,
        201,
        "an existing conversation keeps its group: {}",
        r.describe()
    );
    let r = Visitor::new(&site).post(&json!({ "client_id": "c_1", "text": "x", "group": "nope" }));
    assert_eq!(r.error_code(), Some("unknown_group"), "{}", r.describe());

    // Live: each group's agents and the ungrouped agent.
    device_frame(&mut anna_device, "Price of the blue one?");
    device_frame(&mut bruno_device, "It broke");
    device_frame(&mut carla_device, "Price of the blue one?");
    device_frame(&mut carla_device, "It broke");
    let anna_frames = anna_device.collect_for(SILENCE);
    assert!(
        !anna_frames
            .iter()
            .any(|v| v["message"]["text"] == "It broke"),
        "a sales agent never gets support's messages: {anna_frames:?}"
    );

    let ids = |agent: &TestAgent| -> Vec<String> {
        inbox(agent)
            .iter()
            .map(|c| c["id"].as_str().unwrap_or_default().to_string())
            .collect()
    };
    assert_eq!(ids(&anna), vec![sales_cid.clone()]);
    assert_eq!(ids(&bruno), vec![support_cid.clone()]);
    let mut both = ids(&carla);
    both.sort();
    let mut expected = vec![sales_cid.clone(), support_cid.clone()];
    expected.sort();
    assert_eq!(both, expected);
    assert_eq!(inbox(&anna)[0]["group"], "sales");

    // Not served = does not exist: 404 for reading, replying, marking read.
    let r = agent_messages(&anna, &support_cid, 0);
    assert_eq!(r.status, 404, "{}", r.describe());
    assert_eq!(r.error_code(), Some("conversation_not_found"));
    let r = agent_reply(&anna, &support_cid, "r_1", "hi");
    assert_eq!(
        r.error_code(),
        Some("conversation_not_found"),
        "{}",
        r.describe()
    );
    let r = anna.request(
        "POST",
        &format!("/conversations/{support_cid}/read"),
        None,
        Some(&json!({ "seq": 1 })),
    );
    assert_eq!(
        r.error_code(),
        Some("conversation_not_found"),
        "{}",
        r.describe()
    );
    let r = agent_messages(&anna, "c_00000000000000000000000000000000", 0);
    assert_eq!(
        r.error_code(),
        Some("conversation_not_found"),
        "{}",
        r.describe()
    );
    anna_device.send_json(&json!({
        "type": "reply", "conversation_id": support_cid, "client_id": "r_2", "text": "hi"
    }));
    let e = anna_device.expect(FRAME_WAIT, "an error frame", |v| {
        frame_type(v) == Some("error")
    });
    assert_eq!(e["error"]["code"], "conversation_not_found", "{e}");
    assert_eq!(e["client_id"], "r_2", "{e}");
    assert_eq!(agent_messages(&carla, &support_cid, 0).status, 200);
    assert_eq!(
        agent_reply(&carla, &support_cid, "r_1", "On it").status,
        201
    );
    device_frame(&mut bruno_device, "On it");

    // Roles: the owner key is not an agent token; no token at all is 401.
    let r = site.owner("GET", "/conversations", None);
    assert_eq!(r.status, 403, "{}", r.describe());
    let r = site.api.get(&site.path("/conversations"), None);
    assert_eq!(r.status, 401, "{}", r.describe());
    for ws in [anna_device, bruno_device, carla_device] {
        ws.close();
    }
}

#[test]
fn whole_site_conversations_go_to_ungrouped_agents_when_the_site_has_groups() {
    let site = site();
    site.add_group("sales", "Sales");
    let anna = site.add_agent("anna", "Anna", &["sales"]);
    let carla = site.add_agent("carla", "Carla", &[]);
    let (carla_device, _) = carla.device();
    let ann = Visitor::new(&site);
    let r = ann.say("c_1", "General question");
    assert_eq!(r.status, 201, "{}", r.describe());
    let cid = r.body["conversation_id"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    assert!(inbox(&anna).is_empty());
    assert_eq!(inbox(&carla).len(), 1);
    assert_eq!(agent_messages(&anna, &cid, 0).status, 404);
    carla_device.close();
}

// ---------------------------------------------------------------------------
// Busy auto-reply and rate limit
// ---------------------------------------------------------------------------

#[test]
fn busy_sends_the_busy_message_once_per_conversation() {
    let site = site();
    let giulia = site.add_agent("giulia", "Giulia", &[]);
    let (mut device, _) = giulia.device();
    device.send_json(&status_message(
        "busy",
        Some("In a call, back in 10 minutes"),
    ));
    site.wait_status(None, "busy", Duration::from_secs(5));
    let ann = Visitor::new(&site);
    let (mut tab, _) = ann.socket(None, true);

    let r = ann.say("c_1", "Hello?");
    assert_eq!(r.status, 201, "{}", r.describe());
    assert_eq!(
        r.body["message"]["seq"], 1,
        "the answer is the visitor's message"
    );
    let auto = visitor_frame(&mut tab, 2);
    assert_eq!(auto["message"]["from"], "system", "{auto}");
    assert_eq!(
        auto["message"]["text"], "In a call, back in 10 minutes",
        "{auto}"
    );
    assert!(auto["message"]["agent"].is_null(), "{auto}");
    assert_eq!(auto["message"]["kind"], "auto_reply", "{auto}");
    let frame = device_frame(&mut device, "In a call, back in 10 minutes");
    assert_eq!(
        frame["conversation"]["waiting"], true,
        "an auto-reply is no reply: {frame}"
    );
    assert_eq!(frame["message"]["kind"], "auto_reply", "{frame}");
    assert_eq!(
        frame["conversation"]["last_message"]["kind"], "auto_reply",
        "{frame}"
    );

    // Once per conversation, over HTTP and the socket.
    ann.say_ok("c_2", "Still there?");
    tab.send_json(&json!({ "type": "send", "client_id": "c_3", "text": "Hello again" }));
    let ack = tab.expect(FRAME_WAIT, "an ack", |v| frame_type(v) == Some("ack"));
    assert_eq!(ack["seq"], 4, "{ack}");
    let all = ann.messages(0);
    let got = texts(&all.body["messages"]);
    assert_eq!(
        got.iter().filter(|(_, from, _)| from == "system").count(),
        1,
        "{got:?}"
    );
    assert_eq!(got.len(), 4, "{got:?}");
    // The kind, as stored: null for the visitor's messages.
    let kinds: Vec<Value> = all.body["messages"]
        .as_array()
        .unwrap_or_else(|| panic!("messages: {}", all.body))
        .iter()
        .map(|m| m["kind"].clone())
        .collect();
    assert_eq!(
        kinds,
        vec![Value::Null, json!("auto_reply"), Value::Null, Value::Null]
    );
    let listed = inbox(&giulia);
    assert_eq!(listed[0]["last_message"]["kind"], Value::Null, "{listed:?}");

    // Another visitor's conversation gets its own.
    let bob = Visitor::new(&site);
    bob.say_ok("c_1", "Hi");
    let r = bob.messages(0);
    assert_eq!(
        texts(&r.body["messages"]),
        vec![
            (1, "visitor".into(), "Hi".into()),
            (2, "system".into(), "In a call, back in 10 minutes".into())
        ]
    );
    // Online again: no auto-reply.
    device.send_json(&status_message("online", None));
    site.wait_status(None, "online", Duration::from_secs(5));
    let cara = Visitor::new(&site);
    cara.say_ok("c_1", "Hi");
    assert_eq!(texts(&cara.messages(0).body["messages"]).len(), 1);
    tab.close();
    device.close();
}

#[test]
fn busy_without_a_message_uses_the_default_reply() {
    let site = site();
    let giulia = site.add_agent("giulia", "Giulia", &[]);
    let (mut device, _) = giulia.device();
    device.send_json(&status_message("busy", None));
    site.wait_status(None, "busy", Duration::from_secs(5));
    let ann = Visitor::new(&site);
    ann.say_ok("c_1", "Hello?");
    let got = texts(&ann.messages(0).body["messages"]);
    assert_eq!(got.len(), 2, "{got:?}");
    assert_eq!(got[1].1, "system");
    assert!(!got[1].2.is_empty(), "{got:?}");
    device.close();
}

#[test]
fn too_many_messages_are_refused_with_retry_after() {
    let site = site();
    let giulia = site.add_agent("giulia", "Giulia", &[]);
    let (device, _) = giulia.device();
    let ann = Visitor::new(&site);
    for i in 1..=10 {
        ann.say_ok(&format!("c_{i}"), &format!("message {i}"));
    }
    let r = ann.say("c_11", "one too many");
    assert_eq!(r.status, 429, "{}", r.describe());
    assert_eq!(r.error_code(), Some("rate_limited"), "{}", r.describe());
    let retry: u64 = r
        .header("Retry-After")
        .and_then(|v| v.parse().ok())
        .unwrap_or_else(|| panic!("Retry-After in {:?}", r.headers));
    assert!((1..=60).contains(&retry), "Retry-After {retry}");
    assert!(
        r.body["error"]["message"]
            .as_str()
            .is_some_and(|m| !m.is_empty()),
        "{}",
        r.body
    );
    // Retries of stored messages are still answered (they are not new).
    let again = ann.say("c_10", "message 10");
    assert_eq!(again.status, 200, "{}", again.describe());
    // Over the socket: an error frame naming the message.
    let (mut tab, _) = ann.socket(None, true);
    tab.send_json(&json!({ "type": "send", "client_id": "c_12", "text": "and another" }));
    let e = tab.expect(FRAME_WAIT, "an error frame", |v| {
        frame_type(v) == Some("error")
    });
    assert_eq!(e["error"]["code"], "rate_limited", "{e}");
    assert_eq!(e["client_id"], "c_12", "{e}");
    // Nothing refused was stored; other visitors are not affected.
    assert_eq!(texts(&ann.messages(0).body["messages"]).len(), 10);
    Visitor::new(&site).say_ok("c_1", "I am someone else");
    tab.close();
    device.close();
}

#[test]
fn socket_frames_are_checked() {
    let site = site();
    let ann = Visitor::new(&site);
    let path = format!("/v1/sites/{}/live", site.id);
    let mut ws = Ws::connect(&site.api.base, &path, &[]).unwrap_or_else(|e| panic!("{e}"));
    ws.next_json(FRAME_WAIT);
    // Sending before authenticating.
    ws.send_json(&json!({ "type": "send", "client_id": "c_1", "text": "hi" }));
    let e = ws.expect(FRAME_WAIT, "an error frame", |v| {
        frame_type(v) == Some("error")
    });
    assert_eq!(e["error"]["code"], "invalid_visitor", "{e}");
    for bad in [
        "{nope".to_string(),
        json!({ "type": "teleport" }).to_string(),
        json!({ "type": "auth", "visitor": "x.y" }).to_string(),
    ] {
        ws.send_text(&bad).unwrap_or_else(|e| panic!("{e}"));
        let e = ws.expect(FRAME_WAIT, "an error frame", |v| {
            frame_type(v) == Some("error")
        });
        assert!(e["error"]["code"].is_string(), "{e}");
    }
    // Still usable.
    ws.send_json(&json!({ "type": "auth", "visitor": ann.credential(), "after": 0 }));
    ws.expect(FRAME_WAIT, "messages", |v| {
        frame_type(v) == Some("messages")
    });
    ws.send_json(&json!({ "type": "send", "client_id": "c_1", "text": "hi", "name": "Ada", "email": "ada@example.com" }));
    let ack = ws.expect(FRAME_WAIT, "an ack", |v| frame_type(v) == Some("ack"));
    assert_eq!(ack["seq"], 1, "{ack}");
    // A bad ?visitor= is refused at the upgrade.
    let bad = Ws::connect(&site.api.base, &format!("{path}?visitor=a.b"), &[]);
    assert_eq!(bad.err().map(|e| e.status()), Some(400));
    ws.close();
}

#[test]
fn widget_pages_of_allowed_origins_may_write() {
    const SHOP: &str = "https://shop.example";
    const EVIL: &str = "https://evil.example";
    let site = site();
    site.settings(json!({ "allowed_origins": [SHOP] }));
    let giulia = site.add_agent("giulia", "Giulia", &[]);
    let (device, _) = giulia.device();
    let ann = Visitor::new(&site);
    let path = ann.path("/visitor/messages");
    // The browser's pre-flight: the visitor header and JSON are allowed.
    let r = site.api.send_raw(
        "OPTIONS",
        &path,
        None,
        &[
            ("Origin", SHOP),
            ("Access-Control-Request-Method", "POST"),
            (
                "Access-Control-Request-Headers",
                "content-type, x-presenza-visitor",
            ),
        ],
        None,
    );
    assert!(r.is_success(), "{}", r.describe());
    let allowed = r
        .header("Access-Control-Allow-Headers")
        .unwrap_or_default()
        .to_ascii_lowercase();
    assert!(
        allowed.contains("x-presenza-visitor") && allowed.contains("content-type"),
        "{:?}",
        r.headers
    );
    let body = json!({ "client_id": "c_1", "text": "from the shop" }).to_string();
    let cred = ann.credential();
    let send = |origin: &str| {
        site.api.send_raw(
            "POST",
            &path,
            None,
            &[
                ("Origin", origin),
                ("Content-Type", "application/json"),
                ("X-Presenza-Visitor", &cred),
            ],
            Some(body.as_bytes()),
        )
    };
    let r = send(EVIL);
    assert_eq!(r.status, 403, "{}", r.describe());
    assert_eq!(r.error_code(), Some("origin_not_allowed"));
    let r = send(SHOP);
    assert_eq!(r.status, 201, "{}", r.describe());
    assert_eq!(r.header("Access-Control-Allow-Origin"), Some(SHOP));
    let expose = r
        .header("Access-Control-Expose-Headers")
        .unwrap_or_default();
    assert!(expose.contains("Retry-After"), "{:?}", r.headers);
    device.close();
}

// ---------------------------------------------------------------------------
// Closing and reopening; listing with a filter and pages
// ---------------------------------------------------------------------------

/// POST /conversations/{id}/{action} (close, reopen) as an agent.
fn agent_action(agent: &TestAgent, conversation: &str, action: &str) -> Reply {
    agent.request(
        "POST",
        &format!("/conversations/{conversation}/{action}"),
        None,
        None,
    )
}

/// Closes or reopens (asserts 200); returns the summary.
#[track_caller]
fn action_ok(agent: &TestAgent, conversation: &str, action: &str) -> Value {
    let r = agent_action(agent, conversation, action);
    assert_eq!(r.status, 200, "{action} {conversation}: {}", r.describe());
    assert_eq!(r.body["conversation"]["id"], conversation, "{}", r.body);
    r.body["conversation"].clone()
}

/// GET /conversations?{query} as an agent (asserts 200): the ids and the
/// next cursor.
#[track_caller]
fn list_page(agent: &TestAgent, query: &str) -> (Vec<String>, Option<String>) {
    let r = agent.request("GET", &format!("/conversations?{query}"), None, None);
    assert_eq!(
        r.status,
        200,
        "GET /conversations?{query}: {}",
        r.describe()
    );
    let ids = r.body["conversations"]
        .as_array()
        .unwrap_or_else(|| panic!("a list: {}", r.body))
        .iter()
        .map(|c| c["id"].as_str().unwrap_or_default().to_string())
        .collect();
    (ids, r.body["next_cursor"].as_str().map(str::to_string))
}

/// GET /conversations?{query} as an agent (asserts 200): the body.
#[track_caller]
fn list_page_body(agent: &TestAgent, query: &str) -> Value {
    let r = agent.request("GET", &format!("/conversations?{query}"), None, None);
    assert_eq!(
        r.status,
        200,
        "GET /conversations?{query}: {}",
        r.describe()
    );
    r.body
}

/// Every page of `query` with `limit`, concatenated.
#[track_caller]
fn all_pages(agent: &TestAgent, query: &str, limit: usize) -> Vec<String> {
    let mut out = Vec::new();
    let mut cursor: Option<String> = None;
    for _ in 0..50 {
        let q = match &cursor {
            Some(c) => format!("{query}&limit={limit}&cursor={c}"),
            None => format!("{query}&limit={limit}"),
        };
        let (ids, next) = list_page(agent, &q);
        assert!(ids.len() <= limit, "{q}: {ids:?}");
        out.extend(ids);
        match next {
            Some(c) => cursor = Some(c),
            None => return out,
        }
    }
    panic!("{query}: more than 50 pages")
}

fn conversation_id_of(reply: &Reply) -> String {
    reply.body["conversation_id"]
        .as_str()
        .unwrap_or_else(|| panic!("a conversation id: {}", reply.describe()))
        .to_string()
}

#[test]
fn closing_tells_the_visitor_and_the_agents_once() {
    let site = site();
    let giulia = site.add_agent("giulia", "Giulia", &[]);
    let marco = site.add_agent("marco", "Marco", &[]);
    let (mut giulia_device, _) = giulia.device();
    let (mut marco_device, _) = marco.device();
    site.wait_status(None, "online", Duration::from_secs(5));
    let ann = Visitor::new(&site);
    let (mut tab, _) = ann.socket(None, true);
    let r = ann.say("c_1", "Where is my parcel?");
    assert_eq!(r.status, 201, "{}", r.describe());
    let cid = conversation_id_of(&r);
    visitor_frame(&mut tab, 1);
    device_frame(&mut giulia_device, "Where is my parcel?");
    device_frame(&mut marco_device, "Where is my parcel?");
    let (_, hello) = giulia.device();
    assert_eq!(hello["conversations_waiting"], 1, "{hello}");

    let closed = action_ok(&giulia, &cid, "close");
    assert_eq!(closed["state"], "closed", "{closed}");
    assert_eq!(
        closed["closed_by"],
        json!({ "id": "giulia", "name": "Giulia" }),
        "{closed}"
    );
    assert!(closed["closed_at"].is_string(), "{closed}");
    assert_eq!(closed["waiting"], false, "{closed}");
    assert_eq!(closed["last_seq"], 2, "{closed}");
    assert_eq!(closed["last_message"]["from"], "system", "{closed}");
    assert_eq!(closed["last_message"]["kind"], "closed", "{closed}");
    assert_eq!(
        closed["last_message"]["text"], "Conversation closed by Giulia.",
        "{closed}"
    );

    // The visitor: the system message, then `closed`.
    let note = visitor_frame(&mut tab, 2);
    assert_eq!(note["conversation_id"], cid.as_str(), "{note}");
    assert_eq!(note["message"]["from"], "system", "{note}");
    assert_eq!(note["message"]["kind"], "closed", "{note}");
    assert_eq!(
        note["message"]["text"], "Conversation closed by Giulia.",
        "{note}"
    );
    let frame = tab.expect(FRAME_WAIT, "a closed frame", |v| {
        frame_type(v) == Some("closed")
    });
    assert_eq!(frame["conversation_id"], cid.as_str(), "{frame}");
    // Every device of every agent who serves it: the new summary.
    for device in [&mut giulia_device, &mut marco_device] {
        let frame = device.expect(FRAME_WAIT, "a conversation frame", |v| {
            frame_type(v) == Some("conversation")
        });
        assert_eq!(frame["conversation"]["id"], cid.as_str(), "{frame}");
        assert_eq!(frame["conversation"]["state"], "closed", "{frame}");
        assert_eq!(frame["conversation"]["closed_by"]["id"], "giulia");
    }

    // Closing again changes and adds nothing, and tells no one.
    let again = action_ok(&marco, &cid, "close");
    assert_eq!(again["closed_at"], closed["closed_at"], "{again}");
    assert_eq!(again["closed_by"]["id"], "giulia", "{again}");
    assert_eq!(again["last_seq"], 2, "{again}");
    let quiet = tab.collect_for(SILENCE);
    assert!(
        !quiet
            .iter()
            .any(|v| matches!(frame_type(v), Some("message" | "closed"))),
        "nothing new for the visitor: {quiet:?}"
    );
    let history = ann.messages(0);
    assert_eq!(history.status, 200, "{}", history.describe());
    assert_eq!(history.body["conversation_id"], cid.as_str());
    assert_eq!(history.body["state"], "closed", "{}", history.body);
    assert_eq!(
        texts(&history.body["messages"]),
        vec![
            (1, "visitor".into(), "Where is my parcel?".into()),
            (2, "system".into(), "Conversation closed by Giulia.".into()),
        ]
    );
    let agent_view = agent_messages(&marco, &cid, 0);
    assert_eq!(texts(&agent_view.body["messages"]).len(), 2);
    assert_eq!(agent_view.body["messages"][0]["kind"], Value::Null);
    assert_eq!(agent_view.body["messages"][1]["kind"], "closed");
    let listed = list_page_body(&giulia, "state=closed");
    assert_eq!(
        listed["conversations"][0]["last_message"]["kind"], "closed",
        "{listed}"
    );

    // Out of the open inbox, kept among the closed ones; nothing waits.
    assert!(inbox(&giulia).is_empty(), "{:?}", inbox(&giulia));
    assert_eq!(list_page(&giulia, "state=closed").0, vec![cid.clone()]);
    assert_eq!(list_page(&giulia, "state=all").0, vec![cid.clone()]);
    let (_, hello) = giulia.device();
    assert_eq!(hello["conversations_waiting"], 0, "{hello}");
    // A reconnecting visitor learns the state from the auth answer.
    let (_, answer) = ann.socket(None, false);
    assert_eq!(answer["conversation_id"], cid.as_str(), "{answer}");
    assert_eq!(answer["state"], "closed", "{answer}");
    for ws in [tab, giulia_device, marco_device] {
        ws.close();
    }
}

#[test]
fn after_a_close_the_next_message_starts_a_new_conversation_and_reopen_may_conflict() {
    let site = site();
    site.add_group("sales", "Sales");
    let carla = site.add_agent("carla", "Carla", &[]);
    let (mut device, _) = carla.device();
    site.wait_status(None, "online", Duration::from_secs(5));
    let ann = Visitor::new(&site);
    let r = ann.say("c_1", "First question");
    assert_eq!(r.status, 201, "{}", r.describe());
    let first = conversation_id_of(&r);
    action_ok(&carla, &first, "close");
    let (mut tab, answer) = ann.socket(None, true);
    assert_eq!(answer["state"], "closed", "{answer}");

    // The next message (socket) starts a new conversation, seq from 1, in
    // the group it names.
    tab.send_json(
        &json!({ "type": "send", "client_id": "c_2", "text": "Second question", "group": "sales" }),
    );
    let ack = tab.expect(FRAME_WAIT, "an ack", |v| {
        frame_type(v) == Some("ack") && v["client_id"] == "c_2"
    });
    let second = ack["conversation_id"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    assert!(!second.is_empty() && second != first, "{ack}");
    assert_eq!(ack["seq"], 1, "{ack}");
    let frame = device_frame(&mut device, "Second question");
    assert_eq!(frame["conversation"]["id"], second.as_str(), "{frame}");
    assert_eq!(frame["conversation"]["group"], "sales", "{frame}");
    assert_eq!(frame["conversation"]["state"], "open", "{frame}");
    let r = ann.say("c_3", "Still there?");
    assert_eq!(r.status, 201, "{}", r.describe());
    assert_eq!(conversation_id_of(&r), second);
    assert_eq!(r.body["message"]["seq"], 2, "{}", r.body);
    // A retry of a message of the closed conversation stays idempotent.
    let r = ann.say("c_1", "First question");
    assert_eq!(r.status, 200, "{}", r.describe());
    assert_eq!(conversation_id_of(&r), first);
    assert_eq!(r.body["message"]["seq"], 1, "{}", r.body);
    let now = ann.messages(0);
    assert_eq!(now.body["conversation_id"], second.as_str(), "{}", now.body);
    assert_eq!(now.body["state"], "open", "{}", now.body);
    assert_eq!(texts(&now.body["messages"]).len(), 2, "{}", now.body);

    // The visitor has another open conversation: reopening conflicts.
    let r = agent_action(&carla, &first, "reopen");
    assert_eq!(r.status, 409, "{}", r.describe());
    assert_eq!(r.error_code(), Some("conversation_conflict"));
    assert_eq!(list_page(&carla, "state=closed").0, vec![first.clone()]);

    // Once that one is closed, the first reopens (no message added).
    action_ok(&carla, &second, "close");
    tab.expect(FRAME_WAIT, "the second closed", |v| {
        frame_type(v) == Some("closed") && v["conversation_id"] == second.as_str()
    });
    let reopened = action_ok(&carla, &first, "reopen");
    assert_eq!(reopened["state"], "open", "{reopened}");
    assert!(reopened["closed_at"].is_null(), "{reopened}");
    assert!(reopened["closed_by"].is_null(), "{reopened}");
    assert_eq!(reopened["last_seq"], 2, "{reopened}");
    let frame = tab.expect(FRAME_WAIT, "a reopened frame", |v| {
        frame_type(v) == Some("reopened")
    });
    assert_eq!(frame["conversation_id"], first.as_str(), "{frame}");
    device.expect(FRAME_WAIT, "the reopened summary", |v| {
        frame_type(v) == Some("conversation")
            && v["conversation"]["id"] == first.as_str()
            && v["conversation"]["state"] == "open"
    });
    // Reopening an open conversation changes nothing.
    let again = action_ok(&carla, &first, "reopen");
    assert_eq!(again["state"], "open", "{again}");
    assert_eq!(again["last_seq"], 2, "{again}");
    // The visitor's next message goes to the reopened conversation.
    let r = ann.say("c_4", "Back to the first");
    assert_eq!(r.status, 201, "{}", r.describe());
    assert_eq!(conversation_id_of(&r), first);
    assert_eq!(r.body["message"]["seq"], 3, "{}", r.body);
    assert_eq!(list_page(&carla, "state=open").0, vec![first.clone()]);
    assert_eq!(list_page(&carla, "state=closed").0, vec![second.clone()]);
    for ws in [tab, device] {
        ws.close();
    }
}

#[test]
fn an_agent_reply_reopens_a_closed_conversation_unless_another_is_open() {
    let site = site();
    let giulia = site.add_agent("giulia", "Giulia", &[]);
    let (mut device, _) = giulia.device();
    site.wait_status(None, "online", Duration::from_secs(5));
    let ann = Visitor::new(&site);
    let (mut tab, _) = ann.socket(None, true);
    let r = ann.say("c_1", "Is it in stock?");
    assert_eq!(r.status, 201, "{}", r.describe());
    let first = conversation_id_of(&r);
    action_ok(&giulia, &first, "close");
    tab.expect(FRAME_WAIT, "a closed frame", |v| {
        frame_type(v) == Some("closed")
    });
    device.expect(FRAME_WAIT, "the closed summary", |v| {
        frame_type(v) == Some("conversation") && v["conversation"]["state"] == "closed"
    });

    // A reply (HTTP) into the closed conversation reopens it, then goes out.
    let r = agent_reply(&giulia, &first, "r_1", "It is back in stock now.");
    assert_eq!(r.status, 201, "{}", r.describe());
    assert_eq!(r.body["message"]["seq"], 3, "{}", r.body);
    // The visitor: `reopened` first, then the message (expect skips
    // frames, so the message arriving first would fail the second wait).
    let frame = tab.expect(FRAME_WAIT, "a reopened frame", |v| {
        frame_type(v) == Some("reopened") || frame_type(v) == Some("message")
    });
    assert_eq!(frame_type(&frame), Some("reopened"), "{frame}");
    assert_eq!(frame["conversation_id"], first.as_str(), "{frame}");
    let message = visitor_frame(&mut tab, 3);
    assert_eq!(message["conversation_id"], first.as_str(), "{message}");
    assert_eq!(message["message"]["text"], "It is back in stock now.");
    let frame = device.expect(FRAME_WAIT, "the reopened summary", |v| {
        frame_type(v) == Some("conversation")
    });
    assert_eq!(frame["conversation"]["id"], first.as_str(), "{frame}");
    assert_eq!(frame["conversation"]["state"], "open", "{frame}");
    assert!(frame["conversation"]["closed_by"].is_null(), "{frame}");
    device_frame(&mut device, "It is back in stock now.");
    let history = ann.messages(0);
    assert_eq!(history.body["conversation_id"], first.as_str());
    assert_eq!(history.body["state"], "open", "{}", history.body);
    assert_eq!(
        texts(&history.body["messages"]).len(),
        3,
        "{}",
        history.body
    );
    assert_eq!(list_page(&giulia, "state=open").0, vec![first.clone()]);
    // A retry of that reply is idempotent and changes nothing.
    let r = agent_reply(&giulia, &first, "r_1", "It is back in stock now.");
    assert_eq!(r.status, 200, "{}", r.describe());
    assert_eq!(r.body["message"]["seq"], 3, "{}", r.body);

    // Closed again, and the visitor has started another conversation: a
    // reply into the first is refused and stores nothing (HTTP and socket).
    action_ok(&giulia, &first, "close");
    let r = ann.say("c_2", "Another question");
    assert_eq!(r.status, 201, "{}", r.describe());
    let second = conversation_id_of(&r);
    assert_ne!(second, first);
    let r = agent_reply(&giulia, &first, "r_2", "Too late");
    assert_eq!(r.status, 409, "{}", r.describe());
    assert_eq!(r.error_code(), Some("conversation_conflict"));
    device.send_json(&json!({
        "type": "reply", "conversation_id": first, "client_id": "r_3", "text": "Too late"
    }));
    let error = device.expect(FRAME_WAIT, "an error frame", |v| {
        frame_type(v) == Some("error") && v["client_id"] == "r_3"
    });
    assert_eq!(error["error"]["code"], "conversation_conflict", "{error}");
    assert_eq!(error["conversation_id"], first.as_str(), "{error}");
    let stored = agent_messages(&giulia, &first, 0);
    assert_eq!(texts(&stored.body["messages"]).len(), 4, "{}", stored.body);
    assert_eq!(list_page(&giulia, "state=closed").0, vec![first.clone()]);
    assert_eq!(list_page(&giulia, "state=open").0, vec![second.clone()]);

    // Once the second is closed, a socket reply reopens the first.
    action_ok(&giulia, &second, "close");
    tab.expect(FRAME_WAIT, "the second closed", |v| {
        frame_type(v) == Some("closed") && v["conversation_id"] == second.as_str()
    });
    device.send_json(&json!({
        "type": "reply", "conversation_id": first, "client_id": "r_4", "text": "Still here"
    }));
    let ack = device.expect(FRAME_WAIT, "an ack", |v| {
        frame_type(v) == Some("ack") && v["client_id"] == "r_4"
    });
    assert_eq!(ack["seq"], 5, "{ack}");
    device.expect(FRAME_WAIT, "the reopened summary", |v| {
        frame_type(v) == Some("conversation")
            && v["conversation"]["id"] == first.as_str()
            && v["conversation"]["state"] == "open"
    });
    let frame = tab.expect(FRAME_WAIT, "reopened", |v| {
        frame_type(v) == Some("reopened")
            || (frame_type(v) == Some("message") && v["conversation_id"] == first.as_str())
    });
    assert_eq!(frame_type(&frame), Some("reopened"), "{frame}");
    visitor_frame(&mut tab, 5);
    assert_eq!(list_page(&giulia, "state=open").0, vec![first.clone()]);
    for ws in [tab, device] {
        ws.close();
    }
}

#[test]
fn lists_filter_by_state_and_come_in_pages() {
    let site = site();
    let giulia = site.add_agent("giulia", "Giulia", &[]);
    let (device, _) = giulia.device();
    site.wait_status(None, "online", Duration::from_secs(5));
    let mut ids = Vec::new();
    for i in 0..7 {
        let v = Visitor::new(&site);
        let r = v.say("c_1", &format!("Question {i}"));
        assert_eq!(r.status, 201, "{}", r.describe());
        ids.push(conversation_id_of(&r));
        std::thread::sleep(Duration::from_millis(5));
    }
    // Two answered (not waiting), three closed (in this order).
    for id in &ids[0..2] {
        assert_eq!(agent_reply(&giulia, id, "r_1", "Answer").status, 201);
    }
    for id in [&ids[2], &ids[5], &ids[3]] {
        action_ok(&giulia, id, "close");
        std::thread::sleep(Duration::from_millis(5));
    }
    // Open: waiting first (most recent first), then the answered ones.
    let open = list_page(&giulia, "state=open").0;
    assert_eq!(
        open,
        vec![
            ids[6].clone(),
            ids[4].clone(),
            ids[1].clone(),
            ids[0].clone()
        ]
    );
    assert_eq!(list_page(&giulia, "").0, open, "open is the default");
    // Closed: most recently closed first.
    let closed = list_page(&giulia, "state=closed").0;
    assert_eq!(closed, vec![ids[3].clone(), ids[5].clone(), ids[2].clone()]);
    let all = list_page(&giulia, "state=all").0;
    assert_eq!(all, [open.clone(), closed.clone()].concat());
    // Pages of every size give the same lists.
    for limit in [1, 2, 3, 7] {
        assert_eq!(
            all_pages(&giulia, "state=open", limit),
            open,
            "limit {limit}"
        );
        assert_eq!(
            all_pages(&giulia, "state=closed", limit),
            closed,
            "limit {limit}"
        );
        assert_eq!(all_pages(&giulia, "state=all", limit), all, "limit {limit}");
    }
    let (first, next) = list_page(&giulia, "state=all&limit=4");
    assert_eq!(first, open);
    assert!(next.is_some(), "closed ones follow");
    let (_, next) = list_page(&giulia, "state=all&limit=7");
    assert!(next.is_none(), "the last page has no cursor");
    // Bad queries.
    for query in ["state=nope", "limit=0", "limit=201", "cursor=xyz"] {
        let r = giulia.request("GET", &format!("/conversations?{query}"), None, None);
        assert_eq!(r.status, 400, "{query}: {}", r.describe());
        assert_eq!(r.error_code(), Some("invalid_query"), "{query}");
    }
    device.close();
}

#[test]
fn only_an_agent_who_serves_a_conversation_may_close_or_reopen_it() {
    let site = site();
    site.add_group("sales", "Sales");
    site.add_group("support", "Support");
    let anna = site.add_agent("anna", "Anna", &["sales"]);
    let bruno = site.add_agent("bruno", "Bruno", &["support"]);
    let (anna_device, _) = anna.device();
    let buyer = Visitor::new(&site);
    let r = buyer.post(&json!({ "client_id": "c_1", "text": "Price?", "group": "sales" }));
    assert_eq!(r.status, 201, "{}", r.describe());
    let cid = conversation_id_of(&r);
    for action in ["close", "reopen"] {
        // Another group's agent: the conversation does not exist for them.
        let r = agent_action(&bruno, &cid, action);
        assert_eq!(r.status, 404, "{action}: {}", r.describe());
        assert_eq!(r.error_code(), Some("conversation_not_found"));
        // The owner is not an agent; visitors have no token.
        let path = site.path(&format!("/conversations/{cid}/{action}"));
        let r = site.owner("POST", &format!("/conversations/{cid}/{action}"), None);
        assert_eq!(r.status, 403, "owner {action}: {}", r.describe());
        let cred = buyer.credential();
        let r = site
            .api
            .send_raw("POST", &path, None, &[("X-Presenza-Visitor", &cred)], None);
        assert_eq!(r.status, 401, "visitor {action}: {}", r.describe());
        assert!(r.error_code().is_some(), "{}", r.describe());
    }
    // Still open: nobody closed it.
    assert_eq!(inbox(&anna).len(), 1);
    assert!(list_page(&bruno, "state=all").0.is_empty());
    let closed = action_ok(&anna, &cid, "close");
    assert_eq!(closed["state"], "closed", "{closed}");
    assert!(list_page(&bruno, "state=closed").0.is_empty());
    anna_device.close();
}

#[test]
fn a_closed_conversation_stays_closed_after_a_restart() {
    let mut edge = LocalEdge::start(EdgeOptions::for_test("conversations-close-restart"))
        .unwrap_or_else(|e| panic!("start the edge: {e}"));
    let site = TestSite::create(&edge.url);
    let giulia = site.add_agent("giulia", "Giulia", &[]);
    let ann = Visitor::new(&site);
    let r = ann.post(&contact("c_1", "Before the restart"));
    assert_eq!(r.status, 201, "{}", r.describe());
    let first = conversation_id_of(&r);
    let closed = action_ok(&giulia, &first, "close");

    edge.restart()
        .unwrap_or_else(|e| panic!("restart the edge: {e}"));
    let api = Api::new(&edge.url);
    let site = TestSite {
        api: api.clone(),
        ..site
    };
    let giulia = site.agent_with_token("giulia", &giulia.token);
    let ann = Visitor { api, ..ann };

    assert!(inbox(&giulia).is_empty());
    assert_eq!(list_page(&giulia, "state=closed").0, vec![first.clone()]);
    let again = action_ok(&giulia, &first, "close");
    assert_eq!(again, closed, "closed, by the same agent, at the same time");
    let history = ann.messages(0);
    assert_eq!(history.body["state"], "closed", "{}", history.body);
    assert_eq!(texts(&history.body["messages"]).len(), 2);
    let r = ann.post(&contact("c_2", "After the restart"));
    assert_eq!(r.status, 201, "{}", r.describe());
    let second = conversation_id_of(&r);
    assert_ne!(second, first);
    let r = agent_action(&giulia, &first, "reopen");
    assert_eq!(
        r.error_code(),
        Some("conversation_conflict"),
        "{}",
        r.describe()
    );
    edge.stop();
}
