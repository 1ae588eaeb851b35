//! Conversation helpers: a visitor as the widget is one (an id and a secret
//! kept in localStorage), and the agent's inbox and message calls.

use super::MESSAGE_WAIT;
use presenza_tests::api::{Api, Reply, TestAgent, TestSite};
use presenza_tests::ws::{frame_type, Ws};
use serde_json::{json, Value};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

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

/// A visitor: an id and a secret, as the widget keeps them in localStorage.
#[derive(Clone)]
pub struct Visitor {
    pub api: Api,
    pub site: String,
    pub id: String,
    pub secret: String,
}

impl Visitor {
    pub fn new(site: &TestSite) -> Visitor {
        Visitor {
            api: site.api.clone(),
            site: site.id.clone(),
            id: random_b64url(22),
            secret: random_b64url(43),
        }
    }

    /// The same id with another secret (someone who learnt the id).
    pub fn impostor(&self) -> Visitor {
        Visitor {
            secret: random_b64url(43),
            ..self.clone()
        }
    }

    pub fn credential(&self) -> String {
        format!("{}.{}", self.id, self.secret)
    }

    pub fn path(&self, rest: &str) -> String {
        format!("/v1/sites/{}{rest}", self.site)
    }

    /// POST /visitor/messages with this visitor's header.
    pub fn post(&self, body: &Value) -> Reply {
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
    pub fn say(&self, client_id: &str, text: &str) -> Reply {
        self.post(&json!({ "client_id": client_id, "text": text, "group": null }))
    }

    /// Sends and asserts 201; returns the message.
    #[track_caller]
    pub fn say_ok(&self, client_id: &str, text: &str) -> Value {
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
    pub fn messages(&self, after: u64) -> Reply {
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
    pub fn socket(&self, group: Option<&str>, tagged: bool) -> (Ws, Value) {
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
        ws.next_json(MESSAGE_WAIT)
            .unwrap_or_else(|| panic!("{path} sent no status frame"));
        ws.send_json(&json!({ "type": "auth", "visitor": self.credential(), "after": 0 }));
        let answer = ws.expect(MESSAGE_WAIT, "a messages frame after auth", |v| {
            frame_type(v) == Some("messages") || frame_type(v) == Some("error")
        });
        (ws, answer)
    }
}

/// A visitor `message` frame carrying `seq`.
#[track_caller]
pub fn visitor_frame(ws: &mut Ws, seq: u64) -> Value {
    ws.expect(
        MESSAGE_WAIT,
        &format!("a message frame with seq {seq}"),
        |v| frame_type(v) == Some("message") && v["message"]["seq"] == seq,
    )
}

/// A device `message` frame whose message has `text`.
#[track_caller]
pub fn device_frame(ws: &mut Ws, text: &str) -> Value {
    ws.expect(
        MESSAGE_WAIT,
        &format!("a device message frame `{text}`"),
        |v| frame_type(v) == Some("message") && v["message"]["text"] == text,
    )
}

/// GET /conversations as an agent (asserts 200); returns the list.
#[track_caller]
pub fn inbox(agent: &TestAgent) -> Vec<Value> {
    let r = agent.request("GET", "/conversations", None, None);
    assert_eq!(r.status, 200, "GET /conversations: {}", r.describe());
    r.body["conversations"]
        .as_array()
        .unwrap_or_else(|| panic!("a list: {}", r.body))
        .clone()
}

/// GET /conversations/{id}/messages?after=SEQ as an agent.
pub fn agent_messages(agent: &TestAgent, conversation: &str, after: u64) -> Reply {
    agent.request(
        "GET",
        &format!("/conversations/{conversation}/messages?after={after}"),
        None,
        None,
    )
}

/// POST /conversations/{id}/messages as an agent.
pub fn agent_reply(agent: &TestAgent, conversation: &str, client_id: &str, text: &str) -> Reply {
    agent.request(
        "POST",
        &format!("/conversations/{conversation}/messages"),
        None,
        Some(&json!({ "client_id": client_id, "text": text })),
    )
}

/// (seq, from, text) of each message of a list.
pub fn texts(messages: &Value) -> Vec<(u64, String, String)> {
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

/// A visitor message body with contact details (needed while offline).
pub fn contact(client_id: &str, text: &str) -> Value {
    json!({ "client_id": client_id, "text": text, "name": "Ada Lovelace", "email": "ada@example.com" })
}

/// POST /conversations/{id}/{action} (close, reopen) as an agent.
pub fn agent_action(agent: &TestAgent, conversation: &str, action: &str) -> Reply {
    agent.request(
        "POST",
        &format!("/conversations/{conversation}/{action}"),
        None,
        None,
    )
}

/// Closes or reopens (asserts 200); returns the summary.
#[track_caller]
pub fn action_ok(agent: &TestAgent, conversation: &str, action: &str) -> Value {
    let r = agent_action(agent, conversation, action);
    assert_eq!(r.status, 200, "{action} {conversation}: {}", r.describe());
    assert_eq!(r.body["conversation"]["id"], conversation, "{}", r.body);
    r.body["conversation"].clone()
}

/// GET /conversations?{query} as an agent (asserts 200): the ids and the
/// next cursor.
#[track_caller]
pub fn list_page(agent: &TestAgent, query: &str) -> (Vec<String>, Option<String>) {
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
pub fn list_page_body(agent: &TestAgent, query: &str) -> Value {
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
pub fn all_pages(agent: &TestAgent, query: &str, limit: usize) -> Vec<String> {
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

/// The `conversation_id` of a visitor message answer.
pub fn conversation_id_of(reply: &Reply) -> String {
    reply.body["conversation_id"]
        .as_str()
        .unwrap_or_else(|| panic!("a conversation id: {}", reply.describe()))
        .to_string()
}
