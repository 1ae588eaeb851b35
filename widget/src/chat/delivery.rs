//! The socket side of the conversation: following the launcher's socket,
//! `auth` (the visitor's credential and the last seq seen, which catches
//! up), the outbox sent again after each (re)connect, the edge's frames,
//! acks and refusals, and the pause a rate limit asks for. Contract:
//! docs/conversations-api.md.

use super::*;

impl Chat {
    pub(super) fn follow(&mut self, ws: JsValue) {
        self.ws = ws;
        self.auth_sent = false;
        self.authed = false;
        self.sent.clear();
        if self.ws.is_object() {
            for (event, kind) in [("open", K_OPEN), ("message", K_MSG), ("close", K_CLOSE)] {
                js::call(
                    &self.ws,
                    "addEventListener",
                    &event.into(),
                    &self.hook(kind),
                );
            }
            self.hello();
        }
    }

    pub(super) fn send(&self, frame: &JsValue) {
        let text = js::call1(&js::g("JSON"), "stringify", frame);
        js::call1(&self.ws, "send", &text);
    }

    /// Authenticates an open socket for a visitor who has written before,
    /// asking for what came after the last seq seen.
    pub(super) fn hello(&mut self) {
        let open = js::get(&self.ws, "readyState").as_f64() == Some(1.0);
        if self.auth_sent || !open {
            return;
        }
        let Some(credential) = self.store.as_mut().and_then(Store::credential) else {
            return;
        };
        let frame = js::json(r#"{"type":"auth"}"#);
        js::set(&frame, "visitor", &credential.as_str().into());
        js::set(&frame, "after", &JsValue::from_f64(self.seq as f64));
        js::set(&frame, "context", &page_context());
        self.send(&frame);
        self.auth_sent = true;
    }

    /// Sends what the outbox holds (again, after a reconnect), unless the
    /// socket is not this visitor's yet or sending is paused.
    pub(super) fn flush(&mut self) {
        if !self.authed {
            self.hello();
            return;
        }
        if self.retry.is_some() {
            return;
        }
        let pending = self.store.as_mut().map(Store::outbox).unwrap_or_default();
        for p in pending {
            if self.sent.contains(&p.cid) {
                continue;
            }
            let frame = js::json(r#"{"type":"send"}"#);
            js::set(&frame, "context", &page_context());
            js::set(&frame, "client_id", &p.cid.as_str().into());
            js::set(&frame, "text", &p.text.as_str().into());
            js::set(&frame, "group", &js::get(&self.cx, "g"));
            // A left message's contact, else the page's signed-in visitor.
            let contact = match (&p.name, &p.email) {
                (Some(name), Some(email)) => Some((name.clone(), email.clone())),
                _ => self.page_contact(),
            };
            if let Some((name, email)) = contact {
                js::set(&frame, "name", &name.as_str().into());
                js::set(&frame, "email", &email.as_str().into());
            }
            self.send(&frame);
            self.show_pending(&p);
            self.sent.push(p.cid);
        }
    }

    /// A frame from the edge (the launcher handles the status ones).
    pub fn frame(&mut self, text: &str) {
        if !text.starts_with('{') {
            return;
        }
        let f = js::json(text);
        match js::get_str(&f, "type").as_deref() {
            Some("messages") => {
                self.authed = true;
                if self.switch(js::get_str(&f, "conversation_id"), false) {
                    // Another conversation than the one `after` counted in.
                    self.auth_sent = false;
                    self.authed = false;
                    self.hello();
                    self.paint();
                    return;
                }
                self.closed = js::get_str(&f, "state").as_deref() == Some("closed");
                self.mail = js::get(&f, "transcript").is_truthy();
                let list = js::get(&f, "messages");
                let n = js::get(&list, "length").as_f64().unwrap_or(0.0) as u32;
                for i in 0..n {
                    self.add(&js::get_v(&list, &JsValue::from(i)), false);
                }
                if js::get(&f, "has_more").is_truthy() {
                    self.auth_sent = false;
                    self.authed = false;
                    self.hello();
                } else {
                    self.flush();
                }
                // Who the header shows, as the edge knows it (a page of
                // messages may not hold the message that decides it).
                let agent = js::get(&f, "agent");
                if agent.is_object() {
                    self.agent = Some(js::get(&agent, "name"));
                    self.pic = self.picture(&agent);
                }
            }
            Some("message") => {
                if self.switch(js::get_str(&f, "conversation_id"), true) {
                    // Started in another tab: catch up with all of it.
                    self.auth_sent = false;
                    self.authed = false;
                    self.hello();
                }
                self.add(&js::get(&f, "message"), true)
            }
            Some("ack") => {
                let cid = js::get_str(&f, "client_id").unwrap_or_default();
                let mut seq = js::get(&f, "seq").as_f64().unwrap_or(0.0) as u64;
                let conv = js::get_str(&f, "conversation_id");
                if self.conv.is_none() || self.closed {
                    // This message started the visitor's (new) conversation.
                    self.switch(conv, true);
                } else if conv.is_some() && conv != self.conv {
                    // A resent message stored in an earlier conversation.
                    seq = 0;
                }
                self.acked(&cid, seq);
            }
            Some(kind @ ("closed" | "reopened")) => {
                let cid = js::get_str(&f, "conversation_id");
                if cid.is_some() && cid == self.conv {
                    // Reopened (by an agent, or by their reply, which
                    // follows): the note goes, the conversation stays.
                    self.closed = kind == "closed";
                } else if kind == "reopened" && self.switch(cid, false) {
                    // An older conversation is the visitor's again: show
                    // it from its start, as a reconnect would.
                    self.auth_sent = false;
                    self.authed = false;
                    self.hello();
                }
            }
            Some("error") => self.failed(js::get_str(&f, "client_id"), &js::get(&f, "error")),
            Some("agent") => {
                // Who the header shows, as they look now (a new picture, or
                // the agent who joined by an assignment).
                if js::get_str(&f, "conversation_id") != self.conv || self.closed {
                    return;
                }
                let agent = js::get(&f, "agent");
                self.agent = Some(js::get(&agent, "name"));
                self.pic = self.picture(&agent);
            }
            Some("typing") => {
                if js::get_str(&f, "conversation_id") != self.conv {
                    return;
                }
                if let Some(t) = self.typing_timer.take() {
                    js::call1(&js::G, "clearTimeout", &t);
                }
                self.typing = None;
                if js::get(&f, "typing").is_truthy() {
                    self.typing = Some(js::get(&f, "agent"));
                    self.typing_timer = Some(js::call(
                        &js::G,
                        "setTimeout",
                        &self.hook(K_TYPED),
                        &JsValue::from(TYPING_EXPIRES_MS),
                    ));
                }
            }
            _ => return,
        }
        self.paint();
    }

    pub(super) fn acked(&mut self, cid: &str, seq: u64) {
        self.sent.retain(|c| c != cid);
        let item = self.store.as_mut().and_then(|s| s.remove(cid));
        let known = self.msgs.iter().any(|m| m.seq == seq);
        let now = self.time(&JsValue::from_f64(js::now()));
        if let Some(p) = &item {
            // Another tab's message, resent by this one: show it too.
            self.show_pending(p);
        }
        if let Some(i) = self.msgs.iter().position(|m| m.seq == 0 && m.cid == cid) {
            let m = self.msgs.remove(i);
            if known || seq == 0 {
                js::call0(&m.node, "remove");
            } else {
                View::restyle(&m.node, "m v", &now);
                self.place(seq, m.cid, m.node, false);
                if let Some(p) = &item {
                    // Stored: the page's listeners hear of it.
                    let m = js::json(r#"{"from":"visitor"}"#);
                    js::set(&m, "seq", &JsValue::from_f64(seq as f64));
                    js::set(&m, "client_id", &cid.into());
                    js::set(&m, "text", &p.text.as_str().into());
                    // Now (`new Date(undefined)` would be an invalid date).
                    let at = js::make(&js::G, "Date", &JsValue::from_f64(js::now()));
                    js::set(&m, "at", &js::call0(&at, "toISOString"));
                    self.emit(&m);
                }
            }
        }
        if let Some(Pending {
            name: Some(name),
            email: Some(email),
            ..
        }) = item
        {
            self.confirm = Some((name, email));
        }
        if self.notice.as_ref().is_some_and(|n| n.key == "err_send") {
            self.notice = None;
        }
    }

    /// The edge refused a frame: `{"code","message","retry_after_secs"?}`.
    pub(super) fn failed(&mut self, cid: Option<String>, err: &JsValue) {
        let code = js::get_str(err, "code").unwrap_or_default();
        if code == "visitor_forbidden" || code == "invalid_visitor" {
            // The stored credential is not (or no longer) this visitor's:
            // a new one, on a new socket (the launcher reconnects and tags
            // it with the new id).
            let credential = self.store.as_mut().map(Store::new_credential);
            if let Some(c) = credential {
                let id = c.split('.').next().unwrap_or("");
                js::set(&self.cx, "v", &id.into());
            }
            js::call0(&self.ws, "close");
            return;
        }
        let Some(cid) = cid else { return };
        self.sent.retain(|c| *c != cid);
        match code.as_str() {
            "rate_limited" => {
                let secs = js::get(err, "retry_after_secs").as_f64().unwrap_or(5.0);
                let secs = if secs < 1.0 { 1 } else { secs as u32 };
                self.pause(secs * 1000);
                self.notice = Some(Notice {
                    key: "err_rate_limited".into(),
                    n: secs,
                });
            }
            "contact_required" | "invalid_name" | "invalid_email" | "empty_message"
            | "message_too_long" | "invalid_character" | "invalid_client_id" | "unknown_group" => {
                // Refused for good: out of the outbox, back to the visitor.
                let item = self.store.as_mut().and_then(|s| s.remove(&cid));
                if let Some(i) = self.msgs.iter().position(|m| m.seq == 0 && m.cid == cid) {
                    let m = self.msgs.remove(i);
                    js::call0(&m.node, "remove");
                }
                let contact = matches!(
                    code.as_str(),
                    "contact_required" | "invalid_name" | "invalid_email"
                );
                if contact {
                    if let Some(s) = self.store.as_mut() {
                        s.set_contact(None);
                    }
                    self.force_form = true;
                }
                if let (Some(p), Some(v)) = (&item, &self.view) {
                    let field = if contact { v.field("m") } else { v.ta.clone() };
                    if js::get_str(&field, "value").unwrap_or_default().is_empty() {
                        js::set(&field, "value", &p.text.as_str().into());
                    }
                }
                self.notice = Some(Notice {
                    key: js::cat(&["err_", &code]),
                    n: MAX_MESSAGE_CHARS as u32,
                });
            }
            _ => {
                // Anything else (the edge failed): keep it, try again soon.
                self.pause(RETRY_MS);
                self.notice = Some(Notice {
                    key: "err_send".into(),
                    n: 0,
                });
            }
        }
    }

    pub(super) fn pause(&mut self, ms: u32) {
        if let Some(t) = self.retry.take() {
            js::call1(&js::G, "clearTimeout", &t);
        }
        let t = js::call(
            &js::G,
            "setTimeout",
            &self.hook(K_RETRY),
            &JsValue::from(ms),
        );
        self.retry = Some(t);
    }

    /// Puts a message in the outbox and sends it.
    pub(super) fn queue(&mut self, text: String, contact: Option<(String, String)>) {
        let Some(store) = self.store.as_mut() else {
            return;
        };
        let credential = store.ensure_credential();
        // The launcher tags its next sockets with the visitor.
        let id = credential.split('.').next().unwrap_or("");
        js::set(&self.cx, "v", &id.into());
        let (name, email) = contact.unzip();
        let p = Pending {
            cid: client_id(),
            text,
            name,
            email,
        };
        store.push(&p);
        self.confirm = None;
        self.show_pending(&p);
        self.flush();
        self.paint();
    }
}
