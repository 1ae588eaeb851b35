//! What the visitor writes: the composer (and the typing indicator it
//! sends), the offline "leave a message" form, and the request for the
//! conversation by e-mail.

use super::*;

impl Chat {
    /// The composer changed: the agents may be told the visitor is typing
    /// (in an open conversation, on a socket that is theirs), or stopped.
    pub(super) fn typed(&mut self) {
        let Some(v) = &self.view else { return };
        let text = js::get_str(&v.ta, "value").unwrap_or_default();
        if text.trim().is_empty() {
            return self.stop_typing();
        }
        if !self.authed || self.conv.is_none() || self.closed || self.form_mode() {
            return;
        }
        let now = js::now();
        if now - self.typed_at >= f64::from(TYPING_EVERY_MS) {
            self.typed_at = now;
            self.send(&js::json(r#"{"type":"typing","typing":true}"#));
        }
    }

    /// The composer was emptied or left: a stop, if the agents were told.
    pub(super) fn stop_typing(&mut self) {
        if self.typed_at > 0.0 {
            self.typed_at = 0.0;
            if self.authed {
                self.send(&js::json(r#"{"type":"typing","typing":false}"#));
            }
        }
    }

    /// The composer's send (button or Enter).
    pub(super) fn submit_composer(&mut self) {
        let Some(v) = &self.view else { return };
        let (ta, form_text, root) = (v.ta.clone(), v.field("m"), v.root.clone());
        let raw = js::get_str(&ta, "value").unwrap_or_default();
        match validate_text(&raw) {
            // Enter in an empty composer: nothing to say.
            Err(RuleError::EmptyMessage) => {}
            Err(e) => {
                self.notice = Some(Self::rule_notice(&e));
                self.paint();
            }
            Ok(text) => {
                let text = String::from(text);
                if self.form_mode() {
                    // Offline now: the message goes into the form.
                    js::set(&form_text, "value", &text.as_str().into());
                    js::set(&ta, "value", &"".into());
                    self.paint();
                    js::call0(&js::call_s(&root, "getElementById", "f", ""), "focus");
                    return;
                }
                js::set(&ta, "value", &"".into());
                self.notice = None;
                // The message ends the indicator; the next keystroke
                // starts it again at once.
                self.typed_at = 0.0;
                self.queue(text, None);
            }
        }
    }

    /// "Email me this conversation": opens the form (prefilled with the
    /// address the visitor gave) with the focus in it, or closes it.
    pub(super) fn toggle_transcript(&mut self) {
        self.tr_open = !self.tr_open;
        self.tr_err = None;
        if self.tr_open {
            self.tr_sent = None;
        }
        let known = self.store.as_mut().and_then(Store::contact).map(|c| c.1);
        self.paint();
        let Some(v) = &self.view else { return };
        let input = v.by_id("ti");
        if self.tr_open {
            if js::get_str(&input, "value").unwrap_or_default().is_empty() {
                if let Some(email) = known {
                    js::set(&input, "value", &email.as_str().into());
                }
            }
            js::call0(&input, "focus");
        }
    }

    /// The transcript form's send: the address checked with the edge's
    /// rule, then `POST visitor/transcript` with the visitor's credential.
    pub(super) fn submit_transcript(&mut self) {
        let Some(v) = &self.view else { return };
        let input = v.by_id("ti");
        let raw = js::get_str(&input, "value").unwrap_or_default();
        let email = match validate_email(&raw) {
            Ok(e) => String::from(e),
            Err(e) => {
                self.tr_err = Some(Self::rule_notice(&e));
                self.paint();
                js::call0(&input, "focus");
                return;
            }
        };
        let credential = self.store.as_mut().and_then(Store::credential);
        let site = js::get_str(&self.cx, "i").unwrap_or_default();
        let (Some(credential), None) = (credential, &self.tr_to) else {
            return;
        };
        let origin = js::get(
            &js::make(&js::G, "URL", &self.base.as_str().into()),
            "origin",
        )
        .as_string()
        .unwrap_or_default();
        let url = js::cat(&[
            &origin,
            "/v1/sites/",
            &js::enc(&site),
            "/visitor/transcript",
        ]);
        let init = js::json(r#"{"method":"POST","headers":{"Content-Type":"application/json"}}"#);
        js::set(
            &js::get(&init, "headers"),
            VISITOR_HEADER,
            &credential.into(),
        );
        let body = js::json("{}");
        js::set(&body, "email", &email.as_str().into());
        js::set(
            &init,
            "body",
            &js::call1(&js::g("JSON"), "stringify", &body),
        );
        self.tr_to = Some(email);
        self.tr_err = None;
        self.paint();
        let req = js::call(&js::G, "fetch", &url.into(), &init);
        let done = self.hook(K_TR_RESP);
        js::call(&req, "then", &done, &done);
    }

    /// A refused (or failed) transcript request, in the visitor's words:
    /// the address, too many requests, e-mail off (the action goes), or
    /// anything else.
    pub(super) fn transcript_refused(&mut self, err: &JsValue) {
        self.tr_to = None;
        let code = js::get_str(err, "code").unwrap_or_default();
        let (key, n) = match code.as_str() {
            "invalid_email" | "contact_required" => ("err_invalid_email", 0),
            "rate_limited" => {
                let secs = js::get(err, "retry_after_secs").as_f64().unwrap_or(60.0);
                ("err_rate_limited", if secs < 1.0 { 1 } else { secs as u32 })
            }
            _ => ("err_transcript", 0),
        };
        if code == "email_off" {
            self.mail = false;
            self.tr_open = false;
        }
        self.tr_err = Some(Notice { key: key.into(), n });
        self.paint();
        if let (true, Some(v)) = (self.tr_open, &self.view) {
            js::call0(&v.by_id("ti"), "focus");
        }
    }

    /// The offline form's send: name, e-mail and message, each checked with
    /// the edge's rules; the errors are tied to their fields.
    pub(super) fn submit_form(&mut self) {
        let Some(v) = &self.view else { return };
        let value = |f: &str| js::get_str(&v.field(f), "value").unwrap_or_default();
        let (name, email, text) = (value("n"), value("e"), value("m"));
        let checks = [
            ("n", "en", validate_name(&name).err()),
            ("e", "ee", validate_email(&email).err()),
            ("m", "em", validate_text(&text).err()),
        ];
        let mut first_bad = None;
        for (field, error_id, err) in &checks {
            let el = v.field(field);
            let words = err.as_ref().map_or("".into(), |e| {
                self.texts(|tx| Self::notice_text(tx, &Self::rule_notice(e)))
            });
            v.error(error_id, Some(&el), &words);
            if err.is_some() && first_bad.is_none() {
                first_bad = Some(el);
            }
        }
        if let Some(el) = first_bad {
            js::call0(&el, "focus");
            return;
        }
        let contact = (String::from(name.trim()), String::from(email.trim()));
        let text = String::from(text.trim());
        js::set(&v.field("m"), "value", &"".into());
        let ta = v.ta.clone();
        if let Some(s) = self.store.as_mut() {
            s.set_contact(Some((&contact.0, &contact.1)));
        }
        self.force_form = false;
        self.notice = None;
        self.queue(text, Some(contact));
        // The form is gone: the composer takes over.
        js::call0(&ta, "focus");
    }
}
