//! The Webhooks page: loads the endpoints with their last results, saves
//! the whole list (`PUT webhooks` replaces it) after one endpoint was
//! added, changed or removed, and makes a new signing secret (shown once).

use presenza_protocol::body::{WebhookBody, WebhooksBody};
use presenza_protocol::view::{WebhookSecret, WebhookView, Webhooks};

use super::Controller;
use crate::msg::WebhookMsg;
use crate::store::Page;
use crate::view::Fresh;

impl Controller {
    pub(super) fn webhooks(&mut self, msg: WebhookMsg) {
        match msg {
            WebhookMsg::Load => self.load_webhooks(),
            WebhookMsg::Loaded(result) => {
                match result {
                    Ok(hooks) => self.store.owner.webhooks = Some(hooks),
                    Err(e) => self.owner_error("page", e),
                }
                self.render_webhooks(Fresh::Keep);
            }
            WebhookMsg::Save { replaces, endpoint } => {
                let form = replaces.as_deref().map_or_else(
                    || "webhook-add".to_owned(),
                    |id| format!("webhook-save:{id}"),
                );
                let current = self.current_webhooks();
                match edited(&current, replaces.as_deref(), Some(endpoint)) {
                    Ok(list) => self.put_webhooks(form, list),
                    Err(problem) => {
                        self.store.note(&form, problem, true);
                        self.render_webhooks(Fresh::Keep);
                    }
                }
            }
            WebhookMsg::Remove(id) => {
                self.store.owner.confirm = None;
                let current = self.current_webhooks();
                if let Ok(list) = edited(&current, Some(&id), None) {
                    self.put_webhooks("page".to_owned(), list);
                }
            }
            WebhookMsg::Saved { form, result } => match result {
                Ok(hooks) => {
                    self.store.owner.webhooks = Some(hooks);
                    let text = match form.as_str() {
                        "page" => "Endpoint removed.",
                        "webhook-add" => "Endpoint added.",
                        _ => "Saved.",
                    };
                    self.store.note(&form, text, false);
                    // The saved form is drawn anew (the new one empty).
                    self.render_webhooks(Fresh::Form(&form));
                }
                Err(e) => {
                    self.owner_error(&form, e);
                    self.render_webhooks(Fresh::Keep);
                }
            },
            WebhookMsg::RotateSecret => {
                self.store.owner.confirm = None;
                let Some(api) = self.owner_api() else { return };
                self.spawn(async move {
                    let result = api
                        .post_empty::<WebhookSecret>("/webhooks/secret")
                        .await
                        .map(|s| s.secret);
                    WebhookMsg::SecretMade(result)
                });
            }
            WebhookMsg::SecretMade(result) => {
                match result {
                    Ok(secret) => {
                        self.store.owner.webhook_secret = Some(secret);
                        self.store.owner.note = None;
                        if let Some(hooks) = self.store.owner.webhooks.as_mut() {
                            hooks.has_secret = true;
                        }
                    }
                    Err(e) => self.owner_error("webhook-secret", e),
                }
                self.render_webhooks(Fresh::Keep);
                self.view.focus_new_token();
            }
        }
    }

    pub(super) fn load_webhooks(&self) {
        let Some(api) = self.owner_api() else { return };
        self.spawn(async move { WebhookMsg::Loaded(api.get::<Webhooks>("/webhooks").await) });
    }

    fn current_webhooks(&self) -> Vec<WebhookView> {
        self.store
            .owner
            .webhooks
            .as_ref()
            .map(|h| h.endpoints.clone())
            .unwrap_or_default()
    }

    fn put_webhooks(&mut self, form: String, endpoints: Vec<WebhookBody>) {
        self.store.owner.note = None;
        let Some(api) = self.owner_api() else { return };
        self.spawn(async move {
            let body = WebhooksBody { endpoints };
            let result = api.put::<Webhooks>("/webhooks", &body).await;
            WebhookMsg::Saved { form, result }
        });
    }

    fn render_webhooks(&self, fresh: Fresh) {
        if self.store.owner.page == Page::Webhooks {
            self.view.render_page(&self.store, fresh);
        }
    }
}

/// The list to send: `current` with the endpoint `replaces` changed to
/// `endpoint` (or removed when `None`), or `endpoint` added; refused in the
/// owner's words when it cannot be right.
fn edited(
    current: &[WebhookView],
    replaces: Option<&str>,
    endpoint: Option<WebhookBody>,
) -> Result<Vec<WebhookBody>, &'static str> {
    let mut list: Vec<WebhookBody> = current
        .iter()
        .filter(|w| Some(w.id.as_str()) != replaces)
        .map(|w| WebhookBody {
            url: w.url.clone(),
            events: w.events.clone(),
            format: w.format,
        })
        .collect();
    let Some(endpoint) = endpoint else {
        return Ok(list);
    };
    let url = endpoint.url.to_ascii_lowercase();
    if !(url.starts_with("https://") || url.starts_with("http://")) || url.len() <= "https://".len()
    {
        return Err("Give the full address, starting with https:// (or http://).");
    }
    if endpoint.url.chars().any(char::is_whitespace) {
        return Err("The address cannot contain spaces.");
    }
    if endpoint.events.is_empty() {
        return Err("Choose at least one event to send.");
    }
    if list.iter().any(|w| w.url == endpoint.url) {
        return Err("This address is already in the list.");
    }
    // A changed endpoint keeps its place in the list.
    let at = replaces
        .and_then(|id| current.iter().position(|w| w.id == id))
        .unwrap_or(list.len())
        .min(list.len());
    list.insert(at, endpoint);
    Ok(list)
}

#[cfg(test)]
mod tests {
    use super::*;
    use presenza_protocol::view::{WebhookEndpoint, WebhookEvent, WebhookFormat};

    fn view(id: &str, url: &str) -> WebhookView {
        WebhookView::new(
            WebhookEndpoint {
                id: id.into(),
                url: url.into(),
                events: vec![WebhookEvent::StatusChanged],
                format: WebhookFormat::Json,
            },
            0,
            None,
        )
    }

    fn body(url: &str, events: Vec<WebhookEvent>) -> WebhookBody {
        WebhookBody {
            url: url.into(),
            events,
            format: WebhookFormat::Slack,
        }
    }

    #[test]
    fn an_edit_adds_changes_in_place_or_removes() {
        let current = [
            view("a", "https://a.example"),
            view("b", "https://b.example"),
        ];
        let urls = |list: Vec<WebhookBody>| list.into_iter().map(|w| w.url).collect::<Vec<_>>();
        let added = edited(
            &current,
            None,
            Some(body("https://c.example", vec![WebhookEvent::MessageLeft])),
        );
        assert_eq!(
            urls(added.unwrap()),
            [
                "https://a.example",
                "https://b.example",
                "https://c.example"
            ]
        );
        let changed = edited(
            &current,
            Some("a"),
            Some(body("https://z.example", vec![WebhookEvent::MessageLeft])),
        )
        .unwrap();
        assert_eq!(changed[0].format, WebhookFormat::Slack);
        assert_eq!(urls(changed), ["https://z.example", "https://b.example"]);
        assert_eq!(
            urls(edited(&current, Some("a"), None).unwrap()),
            ["https://b.example"]
        );
    }

    #[test]
    fn problems_in_the_owners_words() {
        let current = [view("a", "https://a.example")];
        let ev = || vec![WebhookEvent::StatusChanged];
        assert_eq!(
            edited(&current, None, Some(body("example.com/hook", ev()))).unwrap_err(),
            "Give the full address, starting with https:// (or http://)."
        );
        assert_eq!(
            edited(&current, None, Some(body("https://b.example", vec![]))).unwrap_err(),
            "Choose at least one event to send."
        );
        assert_eq!(
            edited(&current, None, Some(body("https://a.example", ev()))).unwrap_err(),
            "This address is already in the list."
        );
        // Saving an endpoint unchanged is no duplicate of itself.
        assert!(edited(&current, Some("a"), Some(body("https://a.example", ev()))).is_ok());
    }
}
