//! The visitor's side of the conversation, kept in the site's localStorage
//! under `presenza:{site}` (one JSON object, so every tab of the site shares
//! it):
//!
//! ```text
//! {"v": visitor id, "k": visitor secret,     made once, on the first message
//!  "n": name, "e": e-mail,                   once given (a left message)
//!  "r": read mark (the last seq the visitor saw with the panel open),
//!  "rc": the conversation of the read mark (a closed one's next message
//!        starts a new conversation, numbered from 1 again),
//!  "o": [{"c": client id, "t": text, "n"?, "e"?}, …]   the outbox: sent, not acknowledged}
//! ```
//!
//! The id is 22 base64url characters (16 random bytes), the secret 43 (32
//! random bytes), both from `crypto.getRandomValues`; the secret proves
//! that the conversation is this visitor's. Every change is a
//! read-modify-write of the stored object, so tabs do not undo each other's
//! outbox. Without localStorage (blocked, sandboxed) the state lives in
//! memory for the page's lifetime.

use alloc::string::String;
use alloc::vec::Vec;
use wasm_bindgen::JsValue;

use crate::js;

const B64: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/// Base64url without padding.
pub fn base64url(bytes: &[u8]) -> String {
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |n, (i, &b)| n | u32::from(b) << (16 - 8 * i));
        for i in 0..=chunk.len() {
            out.push(char::from(B64[(n >> (18 - 6 * i)) as usize & 63]));
        }
    }
    out
}

/// `array.push(item)` (the helpers always pass two arguments, and
/// `push` would keep the second, `undefined`).
pub fn append(array: &JsValue, item: &JsValue) {
    let n = js::get(array, "length").as_f64().unwrap_or(0.0);
    js::call1(array, "push", item);
    js::set(array, "length", &JsValue::from_f64(n + 1.0));
}

/// `n` bytes from `crypto.getRandomValues`.
pub fn random(n: u32) -> Vec<u8> {
    let bytes = js::make(&js::G, "Uint8Array", &JsValue::from(n));
    js::call1(&js::g("crypto"), "getRandomValues", &bytes);
    (0..n)
        .map(|i| js::get_v(&bytes, &JsValue::from(i)).as_f64().unwrap_or(0.0) as u8)
        .collect()
}

/// A fresh client id: `c_` and 16 base64url characters (12 random bytes).
pub fn client_id() -> String {
    js::cat(&["c_", &base64url(&random(12))])
}

fn is_base64url(s: &str, len: usize) -> bool {
    s.len() == len
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// A message written but not acknowledged yet.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Pending {
    pub cid: String,
    pub text: String,
    /// The contact given with a left message.
    pub name: Option<String>,
    pub email: Option<String>,
}

impl Pending {
    fn from_js(o: &JsValue) -> Option<Pending> {
        if !o.is_object() {
            return None;
        }
        Some(Pending {
            cid: js::get_str(o, "c")?,
            text: js::get_str(o, "t")?,
            name: js::get_str(o, "n"),
            email: js::get_str(o, "e"),
        })
    }

    fn to_js(&self) -> JsValue {
        let o = js::json("{}");
        let put = |k: &str, v: &Option<String>| {
            if let Some(v) = v {
                js::set(&o, k, &JsValue::from_str(v));
            }
        };
        put("c", &Some(self.cid.clone()));
        put("t", &Some(self.text.clone()));
        put("n", &self.name);
        put("e", &self.email);
        o
    }
}

pub struct Store {
    key: String,
    /// The last state read or written (all there is without localStorage).
    mem: JsValue,
}

impl Store {
    pub fn new(site: &str) -> Store {
        Store {
            key: js::cat(&["presenza:", site]),
            mem: js::json("{}"),
        }
    }

    /// The stored object (`{}` when there is none or it is not JSON).
    pub fn load(&mut self) -> JsValue {
        let raw = js::call_s(&js::g("localStorage"), "getItem", &self.key, "");
        if raw.is_undefined() {
            // No localStorage (it threw): this page's memory only.
            return self.mem.clone();
        }
        // Nothing stored (null) is the common case: not JSON to parse.
        let state = raw.as_string().map_or(js::U, |s| js::json(&s));
        self.mem = if state.is_object() {
            state
        } else {
            js::json("{}")
        };
        self.mem.clone()
    }

    fn save(&mut self, state: &JsValue) {
        self.mem = state.clone();
        let text = js::call1(&js::g("JSON"), "stringify", state);
        js::call(
            &js::g("localStorage"),
            "setItem",
            &self.key.as_str().into(),
            &text,
        );
    }

    /// Reads, changes and writes the stored object.
    pub fn update(&mut self, f: impl FnOnce(&JsValue)) {
        let state = self.load();
        f(&state);
        self.save(&state);
    }

    /// `id.secret`, when this visitor has written before.
    pub fn credential(&mut self) -> Option<String> {
        let state = self.load();
        let id = js::get_str(&state, "v")?;
        let secret = js::get_str(&state, "k")?;
        (is_base64url(&id, 22) && is_base64url(&secret, 43)).then(|| js::cat(&[&id, ".", &secret]))
    }

    /// The credential, made (and stored) when there is none yet.
    pub fn ensure_credential(&mut self) -> String {
        if let Some(c) = self.credential() {
            return c;
        }
        self.new_credential()
    }

    /// A new visitor id and secret (also when the edge refused the old ones).
    pub fn new_credential(&mut self) -> String {
        let id = base64url(&random(16));
        let secret = base64url(&random(32));
        self.update(|s| {
            js::set(s, "v", &id.as_str().into());
            js::set(s, "k", &secret.as_str().into());
        });
        js::cat(&[&id, ".", &secret])
    }

    /// The name and e-mail given once (the edge remembers them too).
    pub fn contact(&mut self) -> Option<(String, String)> {
        let state = self.load();
        Some((js::get_str(&state, "n")?, js::get_str(&state, "e")?))
    }

    pub fn set_contact(&mut self, contact: Option<(&str, &str)>) {
        self.update(|s| match contact {
            Some((name, email)) => {
                js::set(s, "n", &name.into());
                js::set(s, "e", &email.into());
            }
            None => {
                js::call(&js::g("Reflect"), "deleteProperty", s, &"n".into());
                js::call(&js::g("Reflect"), "deleteProperty", s, &"e".into());
            }
        });
    }

    /// The read mark: the last seq seen with the panel open.
    pub fn read_mark(&mut self) -> u64 {
        js::get(&self.load(), "r").as_f64().unwrap_or(0.0) as u64
    }

    /// The read mark in conversation `conv`: 0 when the stored one is of
    /// another conversation (one stored without a conversation counts).
    pub fn read_mark_in(&mut self, conv: &str) -> u64 {
        let state = self.load();
        match js::get_str(&state, "rc") {
            Some(c) if c != conv => 0,
            _ => js::get(&state, "r").as_f64().unwrap_or(0.0) as u64,
        }
    }

    pub fn set_read_mark(&mut self, seq: u64, conv: Option<&str>) {
        self.update(|s| {
            js::set(s, "r", &JsValue::from_f64(seq as f64));
            if let Some(c) = conv {
                js::set(s, "rc", &c.into());
            }
        });
    }

    fn outbox_of(state: &JsValue) -> JsValue {
        let o = js::get(state, "o");
        if js::call1(&js::g("Array"), "isArray", &o).is_truthy() {
            o
        } else {
            js::json("[]")
        }
    }

    fn items(state: &JsValue) -> Vec<Pending> {
        let o = Self::outbox_of(state);
        let n = js::get(&o, "length").as_f64().unwrap_or(0.0) as u32;
        (0..n)
            .filter_map(|i| Pending::from_js(&js::get_v(&o, &JsValue::from(i))))
            .collect()
    }

    /// Every message not acknowledged yet, oldest first.
    pub fn outbox(&mut self) -> Vec<Pending> {
        Self::items(&self.load())
    }

    pub fn push(&mut self, p: &Pending) {
        self.update(|s| {
            let o = Self::outbox_of(s);
            append(&o, &p.to_js());
            js::set(s, "o", &o);
        });
    }

    /// Takes a message out of the outbox (acknowledged, or refused for
    /// good); returns it if it was there.
    pub fn remove(&mut self, cid: &str) -> Option<Pending> {
        let mut found = None;
        self.update(|s| {
            let o = js::json("[]");
            for p in Self::items(s) {
                if p.cid == cid {
                    found = Some(p);
                } else {
                    append(&o, &p.to_js());
                }
            }
            js::set(s, "o", &o);
        });
        found
    }
}
