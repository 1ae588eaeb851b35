//! Webhooks, the runtime part: deliveries queued in SQLite by the event
//! that caused them ([`queue`], synchronous: it never waits for a
//! receiver) and sent by the object's one alarm ([`send_due`]) with
//! `Fetch`. What a body says, how it is signed and the retry schedule are
//! the pure [`crate::webhook`] (its doc says the order and retry rules).
//!
//! The events queued here: an audience's status changed (from the history
//! recording, `presence`), a conversation started and a message left while
//! nobody was online ([`visitor_message`]); alerts queue theirs too.

use crate::bindings;
use crate::error::ApiError;
use crate::site::config::Config;
use crate::site::conversation::Stored;
use crate::site::presence::Change;
use crate::site::state::Site;
use crate::store::{
    AgentRow, ConversationRow, MetaKey, NewDelivery, Store, StoreError, WebhookRow,
};
use crate::webhook::{self, DELIVERY_HEADER, EVENT_HEADER, MAX_ATTEMPTS, SIGNATURE_HEADER};
use futures_util::future::{select, Either};
use presenza_protocol::id::hex;
use presenza_protocol::view::{AudienceView, WebhookEvent};
use std::time::Duration;
use worker::{AbortController, Delay, Fetch, Headers, Method, Request, RequestInit};

/// Deliveries sent by one alarm run at most (the rest at the next).
const MAX_SENDS_PER_RUN: usize = 5;
/// A receiver that has not answered by then is a failed attempt (the
/// request is aborted): a slow receiver never holds the alarm long.
const TIMEOUT_MS: u64 = 10_000;

/// Queues `event` for every endpoint that receives it, due now; returns
/// whether any was queued (the alarm must then run soon).
pub fn queue(
    store: &Store,
    cfg: &Config,
    event: WebhookEvent,
    data: &serde_json::Value,
    text: &str,
    now: i64,
) -> Result<bool, StoreError> {
    let mut queued = false;
    for endpoint in cfg.webhooks.iter().filter(|e| e.events.contains(&event)) {
        let delivery = hex(&bindings::random_bytes::<12>());
        let body = webhook::body(
            endpoint.format,
            &delivery,
            event,
            cfg.site_id.as_str(),
            now,
            data,
            text,
        );
        store.enqueue_webhook(
            &NewDelivery {
                endpoint: &endpoint.id,
                delivery: &delivery,
                event: event.as_str(),
                body: &body,
            },
            now,
        )?;
        queued = true;
    }
    Ok(queued)
}

/// An audience's status or reason changed (recorded in its history at
/// `at`).
pub fn status_changed(
    store: &Store,
    cfg: &Config,
    view: &AudienceView,
    at: i64,
    now: i64,
) -> Result<bool, StoreError> {
    if cfg.webhooks.is_empty() {
        return Ok(false);
    }
    let audience = match &view.group {
        Some(g) => format!(
            "Group {}",
            cfg.groups.get(g).map_or(g.as_str(), String::as_str)
        ),
        None => cfg.name.clone().unwrap_or_else(|| "The site".to_owned()),
    };
    let text = format!(
        "{audience} is now {} ({})",
        view.status.as_str(),
        view.reason.as_str().replace('_', " ")
    );
    let data = serde_json::json!({
        "group": view.group.as_ref().map(|g| g.as_str()),
        "status": view.status.as_str(),
        "reason": view.reason.as_str(),
        "changed_at": at,
    });
    queue(store, cfg, WebhookEvent::StatusChanged, &data, &text, now)
}

/// A visitor's new message: a conversation started, a message left while
/// nobody was online. The alarm is moved to now if anything was queued.
pub async fn visitor_message(site: &Site, cfg: &Config, stored: &Stored) -> Result<(), ApiError> {
    if !stored.created || cfg.webhooks.is_empty() {
        return Ok(());
    }
    let conv = &stored.conversation;
    let who = stored
        .visitor
        .name
        .clone()
        .unwrap_or_else(|| "A visitor".to_owned());
    let data = serde_json::json!({
        "conversation_id": conv.id.as_str(),
        "group": conv.grp.as_ref().map(|g| g.as_str()),
        "visitor_name": stored.visitor.name,
        "visitor_email": stored.visitor.email,
        "text": stored.message.text,
    });
    let now = stored.message.at;
    let mut queued = false;
    if stored.message.seq == 1 {
        let text = format!("{who} started a conversation: {}", stored.message.text);
        queued |= queue(
            &site.store,
            cfg,
            WebhookEvent::ConversationStarted,
            &data,
            &text,
            now,
        )?;
    }
    if stored.left {
        let text = format!(
            "{who} left a message while nobody was online: {}",
            stored.message.text
        );
        queued |= queue(
            &site.store,
            cfg,
            WebhookEvent::MessageLeft,
            &data,
            &text,
            now,
        )?;
    }
    if queued {
        site.webhook_queue_changed();
        site.settle(Change::Read, now).await?;
    }
    Ok(())
}

/// A conversation was assigned to an agent or transferred to a group (by
/// `by`). The alarm is moved to now if anything was queued.
pub async fn conversation_assigned(
    site: &Site,
    cfg: &Config,
    conv: &ConversationRow,
    by: &AgentRow,
    now: i64,
) -> Result<(), ApiError> {
    if cfg.webhooks.is_empty() {
        return Ok(());
    }
    let group_name = conv
        .grp
        .as_ref()
        .map(|g| cfg.groups.get(g).cloned().unwrap_or_else(|| g.to_string()));
    let text = match (&conv.assignee_name, &group_name) {
        (Some(agent), _) => format!("{} assigned a conversation to {agent}", by.name),
        (None, Some(group)) => format!("{} transferred a conversation to {group}", by.name),
        (None, None) => format!("{} unassigned a conversation", by.name),
    };
    let data = serde_json::json!({
        "conversation_id": conv.id.as_str(),
        "group": conv.grp.as_ref().map(|g| g.as_str()),
        "group_name": group_name,
        "agent": conv.assignee_id.as_ref().map(|a| a.as_str()),
        "agent_name": conv.assignee_name,
        "by": by.id.as_str(),
    });
    if queue(
        &site.store,
        cfg,
        WebhookEvent::ConversationAssigned,
        &data,
        &text,
        now,
    )? {
        site.webhook_queue_changed();
        site.settle(Change::Read, now).await?;
    }
    Ok(())
}

/// Sends what is due (the alarm): each endpoint's oldest delivery, then
/// its next once that one succeeded, at most [`MAX_SENDS_PER_RUN`] a run.
/// A failure keeps the delivery for [`webhook::backoff_ms`] later (the
/// endpoint's later ones wait behind it).
pub async fn send_due(site: &Site, cfg: &Config, now: i64) -> Result<(), ApiError> {
    if site.next_webhook_due()?.is_none_or(|due| due > now) {
        return Ok(());
    }
    let secret = secret(site, cfg)?;
    let mut sends = 0;
    'runs: loop {
        let due: Vec<WebhookRow> = site
            .store
            .webhook_heads()?
            .into_iter()
            .filter(|r| r.due_at <= now)
            .collect();
        if due.is_empty() {
            break;
        }
        for row in due {
            if sends >= MAX_SENDS_PER_RUN {
                break 'runs;
            }
            sends += 1;
            let Some(endpoint) = cfg.webhooks.iter().find(|e| e.id == row.endpoint) else {
                site.store.delete_webhook(row.seq)?;
                continue;
            };
            let at = bindings::now_ms();
            let outcome = post(&endpoint.url, &row, &secret, at).await;
            match outcome {
                Ok(status) if (200..300).contains(&status) => {
                    site.store.delete_webhook(row.seq)?;
                    site.store
                        .set_webhook_result(&row.endpoint, at, true, Some(status), None)?;
                }
                failed => {
                    let (status, error) = match failed {
                        Ok(status) => (Some(status), format!("the receiver answered {status}")),
                        Err(e) => (None, webhook::short_error(&e)),
                    };
                    let attempts = u32::try_from(row.attempts).unwrap_or(u32::MAX) + 1;
                    if attempts >= MAX_ATTEMPTS {
                        site.store.delete_webhook(row.seq)?;
                    } else {
                        // Counted from the attempt's end (a timeout is long).
                        let ended = bindings::now_ms();
                        site.store
                            .retry_webhook(row.seq, ended + webhook::backoff_ms(attempts))?;
                    }
                    site.store.set_webhook_result(
                        &row.endpoint,
                        at,
                        false,
                        status,
                        Some(&error),
                    )?;
                }
            }
        }
    }
    site.webhook_queue_changed();
    Ok(())
}

/// One attempt: the receiver's status, or what went wrong.
async fn post(url: &str, row: &WebhookRow, secret: &str, at: i64) -> Result<u16, String> {
    let headers = Headers::new();
    let set = |k: &str, v: &str| headers.set(k, v).map_err(|e| e.to_string());
    set("Content-Type", "application/json")?;
    set("User-Agent", "Presenza-Webhooks/1")?;
    set(SIGNATURE_HEADER, &webhook::signature(secret, at, &row.body))?;
    set(DELIVERY_HEADER, &row.delivery)?;
    set(EVENT_HEADER, &row.event)?;
    let mut init = RequestInit::new();
    init.with_method(Method::Post)
        .with_headers(headers)
        .with_body(Some(row.body.clone().into()));
    let req = Request::new_with_init(url, &init).map_err(|e| e.to_string())?;
    let controller = AbortController::default();
    let signal = controller.signal();
    let fetch = Fetch::Request(req);
    let send = Box::pin(fetch.send_with_signal(&signal));
    let timeout = Box::pin(Delay::from(Duration::from_millis(TIMEOUT_MS)));
    let outcome = match select(send, timeout).await {
        Either::Left((resp, _)) => Some(resp.map(|r| r.status_code()).map_err(|e| e.to_string())),
        Either::Right(_) => None,
    };
    outcome.unwrap_or_else(|| {
        controller.abort();
        Err(format!("no answer within {} s", TIMEOUT_MS / 1000))
    })
}

/// The site's webhook secret, made and stored on first use.
pub fn secret(site: &Site, cfg: &Config) -> Result<String, ApiError> {
    if let Some(s) = &cfg.webhook_secret {
        return Ok(s.clone());
    }
    rotate(site)
}

/// A new secret (the old one signs nothing from now on).
pub fn rotate(site: &Site) -> Result<String, ApiError> {
    let secret = format!("whsec_{}", hex(&bindings::random_bytes::<24>()));
    site.store.meta_set(MetaKey::WebhookSecret, &secret)?;
    site.config_changed();
    Ok(secret)
}
