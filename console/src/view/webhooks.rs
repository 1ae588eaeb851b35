//! The owner's Webhooks page: each endpoint with its events, its format
//! (JSON or Slack) and its last delivery (when, the receiver's status, the
//! error), edited row by row; a new endpoint; the signing secret, made or
//! replaced here and shown once.

use presenza_protocol::body::WebhookBody;
use presenza_protocol::limits::{MAX_WEBHOOKS, MAX_WEBHOOK_URL_LEN};
use presenza_protocol::view::{WebhookEvent, WebhookFormat, WebhookView};

use super::dom::{check, checked_values, el, field, El};
use super::owner::{confirm_button, loading, note, shown_once};
use crate::clock;
use crate::store::Store;

/// Every event an endpoint may receive, in the owner's words.
const EVENTS: [(WebhookEvent, &str); 5] = [
    (
        WebhookEvent::StatusChanged,
        "Status changed (site or group)",
    ),
    (WebhookEvent::ConversationStarted, "Conversation started"),
    (
        WebhookEvent::MessageLeft,
        "Message left while nobody was online",
    ),
    (WebhookEvent::AlertOpened, "Alert opened"),
    (WebhookEvent::AlertClosed, "Alert closed (back to normal)"),
];

pub fn page(store: &Store) -> Vec<El> {
    let mut parts = Vec::new();
    parts.extend(note(store, "page"));
    parts.extend(store.owner.webhook_secret.as_ref().map(|secret| {
        shown_once(
            "Signing secret",
            " — copy it now into your receiver: it is shown only once.",
            secret,
        )
    }));
    let Some(hooks) = &store.owner.webhooks else {
        parts.push(loading());
        return parts;
    };
    let full = hooks.endpoints.len() >= MAX_WEBHOOKS;
    parts.push(
        el("section")
            .class("card")
            .child(el("h2").text("Add an endpoint"))
            .child(el("p").class("muted").class("small").text(
                "Presenza sends each chosen event to the URL as a signed POST (header \
                 Presenza-Signature: HMAC-SHA256 with the signing secret), in order, retried \
                 with backoff until the receiver answers 2xx.",
            ))
            .child(if full {
                el("p").class("muted").text(&format!(
                    "At most {MAX_WEBHOOKS} endpoints: remove one to add another."
                ))
            } else {
                endpoint_form("webhook-add", None).child(
                    el("div")
                        .class("actions")
                        .class("wide")
                        .child(
                            el("button")
                                .attr("type", "submit")
                                .class("primary")
                                .text("Add endpoint"),
                        )
                        .child_if(note(store, "webhook-add")),
                )
            }),
    );
    let list = if hooks.endpoints.is_empty() {
        el("p").class("muted").text("No endpoints yet.")
    } else {
        el("ul")
            .class("rows")
            .attr("role", "list")
            .children(hooks.endpoints.iter().map(|w| endpoint_row(store, w)))
    };
    parts.push(
        el("section")
            .class("card")
            .child(
                el("div")
                    .class("card-head")
                    .child(el("h2").text("Endpoints"))
                    .child(
                        el("button")
                            .attr("type", "button")
                            .class("ghost")
                            .action("webhooks-reload")
                            .text("Check again"),
                    ),
            )
            .child(list),
    );
    parts.push(secret_card(store, hooks.has_secret));
    parts
}

/// The URL, events and format fields of an endpoint (`None`: a new one).
fn endpoint_form(action: &str, endpoint: Option<&WebhookView>) -> El {
    let key = endpoint.map_or("new", |w| w.id.as_str());
    let chosen = |e: WebhookEvent| endpoint.is_some_and(|w| w.events.contains(&e));
    let format = endpoint.map_or(WebhookFormat::Json, |w| w.format);
    let mut form = el("form").class("form-grid").action(action);
    if let Some(w) = endpoint {
        form = form.data("id", &w.id);
    }
    form.child(
        el("label").class("wide").text("URL").child(
            el("input")
                .attr("name", "url")
                .attr("type", "url")
                .attr("required", "")
                .attr("spellcheck", "false")
                .attr("autocomplete", "off")
                .attr("placeholder", "https://example.com/presenza")
                .maxlength(MAX_WEBHOOK_URL_LEN)
                .value(endpoint.map_or("", |w| w.url.as_str())),
        ),
    )
    .child(
        el("fieldset")
            .class("wide")
            .child(el("legend").text("Events"))
            .child(
                el("div")
                    .class("checks")
                    .children(EVENTS.iter().map(|(e, label)| {
                        let id = format!("ev-{key}-{}", e.as_str());
                        check(&id, "events", e.as_str(), label, chosen(*e))
                    })),
            ),
    )
    .child(
        el("label").text("Format").child(
            el("select")
                .attr("name", "format")
                .child(el("option").attr("value", "json").text("JSON"))
                .child(
                    el("option")
                        .attr("value", "slack")
                        .text("Slack (incoming webhook)"),
                )
                .value(match format {
                    WebhookFormat::Json => "json",
                    WebhookFormat::Slack => "slack",
                }),
        ),
    )
}

/// "Delivered at 10:42 (200)", "Failed at 10:42 (500): error", "Not sent
/// yet", and the deliveries waiting.
fn last_result(w: &WebhookView) -> El {
    let waiting = match w.pending {
        0 => String::new(),
        n => format!(" · {n} waiting"),
    };
    let (class, text) = match &w.last {
        None => ("muted", format!("Nothing sent yet{waiting}")),
        Some(a) => {
            let at = clock::when(a.at.millis(), clock::now());
            let status = a.status.map(|s| format!(" ({s})")).unwrap_or_default();
            let error = a
                .error
                .as_deref()
                .map(|e| format!(": {e}"))
                .unwrap_or_default();
            if a.ok {
                ("ok", format!("Delivered {at}{status}{waiting}"))
            } else {
                ("error", format!("Failed {at}{status}{error}{waiting}"))
            }
        }
    };
    el("p")
        .class("webhook-last")
        .class(class)
        .text("Last delivery: ")
        .child(el("span").user_text(&text))
}

fn endpoint_row(store: &Store, w: &WebhookView) -> El {
    let id = w.id.as_str();
    let form = format!("webhook-save:{id}");
    el("li").class("row").data("webhook", id).child(
        endpoint_form("webhook-save", Some(w))
            .class("webhook-form")
            .child(last_result(w).class("wide"))
            .child(
                el("div")
                    .class("row-actions")
                    .class("wide")
                    .child(el("button").attr("type", "submit").text("Save"))
                    .child(confirm_button(
                        store,
                        &format!("remove-webhook:{id}"),
                        "Remove",
                        "Confirm remove",
                        "remove-webhook",
                        id,
                    )),
            )
            .child_if(note(store, &form).map(|n| n.class("wide"))),
    )
}

fn secret_card(store: &Store, has_secret: bool) -> El {
    let (text, button) = if has_secret {
        (
            "A signing secret exists; it was shown once. A new one replaces it at once: give it \
             to your receivers.",
            confirm_button(
                store,
                "webhook-secret",
                "New secret",
                "Confirm: old secret stops",
                "webhook-secret",
                "",
            ),
        )
    } else {
        (
            "No secret yet: the first delivery makes one. Make it now to set up your receiver.",
            el("button")
                .attr("type", "button")
                .action("webhook-secret")
                .text("Make a secret"),
        )
    };
    el("section")
        .class("card")
        .child(el("h2").text("Signing secret"))
        .child(el("p").class("muted").class("small").text(text))
        .child(
            el("div")
                .class("actions")
                .child(button)
                .child_if(note(store, "webhook-secret")),
        )
}

/// An endpoint as its form shows it.
pub fn read(form: &web_sys::Element) -> WebhookBody {
    let events = checked_values(form, "events")
        .iter()
        .filter_map(|v| EVENTS.iter().find(|(e, _)| e.as_str() == v))
        .map(|(e, _)| *e)
        .collect();
    WebhookBody {
        url: field(form, "url").trim().to_owned(),
        events,
        format: if field(form, "format") == "slack" {
            WebhookFormat::Slack
        } else {
            WebhookFormat::Json
        },
    }
}
