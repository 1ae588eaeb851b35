//! A visitor's message (`POST visitor/messages`, and the socket's `send`
//! frame): validated, rate limited, stored with its conversation (created
//! on first use) and the busy auto-reply when due, then delivered; the
//! visitor's context recorded from the request as a socket's is.

use super::{context, thread};
use crate::bindings;
use crate::domain::context::{Client, GEO_HEADER};
use crate::domain::message::{check_message, contact_for, ClientKey, BUSY_REPLY_CLIENT_ID};
use crate::domain::visitor::VisitorCredential;
use crate::error::ApiError;
use crate::respond;
use crate::site::call::Call;
use crate::site::config::Config;
use crate::site::conversation::deliver::{self, Origin};
use crate::site::conversation::{view, Stored};
use crate::site::mail;
use crate::site::presence::Change;
use crate::site::state::Site;
use crate::site::webhooks;
use crate::store::{ConversationRow, MessageRow, StoreError, VisitorRow, WindowKey};
use presenza_protocol::body::VisitorMessageBody;
use presenza_protocol::frame::PageContext;
use presenza_protocol::http::VISITOR_HEADER;
use presenza_protocol::limits::CONVERSATION_WINDOW_SECS;
use presenza_protocol::view::VisitorMessageSent;
use presenza_protocol::{ConversationId, GroupId};
use presenza_rules::{busy_auto_reply, needs_contact, MessageKind, RateLimit, RateWindow, Sender};
use worker::Response;

pub async fn post(site: &Site, cfg: &Config, call: &Call<'_>) -> Result<Response, ApiError> {
    call.widget_origin_allowed()?;
    let cred = VisitorCredential::parse(call.header(VISITOR_HEADER).as_deref())?;
    let mut input: VisitorMessageBody = call.body.json()?;
    let page = input.context.take();
    let address = call.address_key(&cfg.site_id);
    let stored = store(site, &cred, input, address.as_deref(), call.now).await?;
    deliver::message(site, cfg, &stored, Origin::Http)?;
    tell(site, cfg, &stored).await?;
    if stored.created {
        record_context(site, call, &stored, page);
    }
    respond::json(
        stored.status(),
        &VisitorMessageSent {
            conversation_id: stored.conversation.id.clone(),
            message: view::message(&stored.message),
        },
    )
}

/// The visitor's context from this request, as a socket's `send` records
/// it: the page the body names (else the `Referer`, which a browser may
/// cut to the embedding page's origin), the browser and OS of its
/// `User-Agent`, the country and city the Worker passed on.
fn record_context(site: &Site, call: &Call<'_>, stored: &Stored, page: Option<PageContext>) {
    let page = page.or_else(|| {
        call.header("Referer").map(|referer| PageContext {
            page: Some(referer),
            ..PageContext::default()
        })
    });
    let client = Client::from_request(
        call.header("User-Agent").as_deref(),
        call.header(GEO_HEADER).as_deref(),
    );
    let recorded = context::record(
        site,
        &client,
        &stored.visitor.id,
        page.as_ref(),
        true,
        call.now,
    );
    if let Err(e) = recorded {
        worker::console_error!("visitor context: {e}");
    }
}

/// Who hears of a new message besides the conversation: the webhooks
/// (a conversation started, a message left while nobody was online), the
/// alerts (a visitor may wait from now on), and
/// for a message left, those who serve it by e-mail (when the site sends
/// e-mail).
pub async fn tell(site: &Site, cfg: &Config, stored: &Stored) -> Result<(), ApiError> {
    webhooks::visitor_message(site, cfg, stored).await?;
    if stored.created {
        crate::site::alerts::visitor_wrote(site, cfg, stored.message.at).await?;
    }
    if !stored.left {
        return Ok(());
    }
    let before = u64::try_from(stored.message.seq - 1).unwrap_or(0);
    mail::left(
        site,
        cfg,
        &stored.conversation.id,
        before,
        stored.message.at,
    )
    .await
}

/// Stores a visitor message (not yet delivered). `address` is the client
/// address's key: a new conversation counts against what one address, and
/// the whole site, may start (`VisitorLimits`).
pub async fn store(
    site: &Site,
    cred: &VisitorCredential,
    input: VisitorMessageBody,
    address: Option<&str>,
    now: i64,
) -> Result<Stored, ApiError> {
    // The only await: everything below runs without interruption.
    let snap = site.settle(Change::Read, now).await?;
    let cfg = site.config()?;
    let text = check_message(&input.client_id, &input.text)?;
    // Everything the body says is checked before a retry is answered: a
    // malformed name, e-mail or group is refused even on a retry or a later
    // message (where the group is not used), like any malformed request.
    contact_for(
        false,
        input.name.as_deref(),
        input.email.as_deref(),
        None,
        None,
    )?;
    let given_group = group_syntax(input.group.as_deref())?;
    let visitor = thread::visitor(site, cred)?;
    // A new message goes to the visitor's open conversation, or starts a
    // new one; a retry is found in any of their conversations (one closed
    // since included).
    let conv = match &visitor {
        Some(v) => site.store.open_conversation_of_visitor(&v.id)?,
        None => None,
    };
    let key = ClientKey::Visitor(&input.client_id);
    if let Some(v) = &visitor {
        if let Some((cid, message)) = site.store.visitor_message_by_key(&v.id, &key)? {
            let c = match &conv {
                Some(c) if c.id == cid => c.clone(),
                _ => site
                    .store
                    .conversation(&cid)?
                    .ok_or_else(ApiError::conversation_not_found)?,
            };
            return Ok(Stored::retry(c, v.clone(), message));
        }
    }
    // The group is fixed by the conversation's first message.
    let group = match &conv {
        Some(c) => c.grp.clone(),
        None => new_conversation_group(&cfg, given_group)?,
    };
    // A conversation of a deleted group is served as the whole site.
    let status = snap
        .eval
        .audience(group.as_ref().map(GroupId::as_str))
        .or_else(|_| snap.eval.audience(None))
        .map_err(|e| ApiError::internal(e.to_string()))?;
    let (name, email) = contact_for(
        needs_contact(status),
        input.name.as_deref(),
        input.email.as_deref(),
        visitor.as_ref().and_then(|v| v.name.as_deref()),
        visitor.as_ref().and_then(|v| v.email.as_deref()),
    )?;
    let window = visitor
        .as_ref()
        .map(VisitorRow::rate_window)
        .unwrap_or_default()
        .check(RateLimit::VISITOR.limit, RateLimit::VISITOR.window_ms, now)
        .map_err(|retry| ApiError::from_rule(&retry.into()))?;
    let auto_reply = busy_auto_reply(status, conv.as_ref().is_some_and(|c| c.busy_reply_sent));
    let left = needs_contact(status);
    let starts = match &conv {
        Some(_) => Vec::new(),
        None => new_conversation_windows(site, &cfg, address, now)?,
    };

    Ok(bindings::transaction(&site.state, || {
        let visitor = match &visitor {
            Some(v) => {
                site.store
                    .update_visitor(&v.id, name.as_deref(), email.as_deref(), window)?;
                VisitorRow {
                    name: name.clone().or_else(|| v.name.clone()),
                    email: email.clone().or_else(|| v.email.clone()),
                    rate_window_start: window.window_start,
                    rate_count: i64::from(window.count),
                    ..v.clone()
                }
            }
            None => {
                let row = VisitorRow {
                    id: cred.id.clone(),
                    secret_hash: cred.secret_hash.clone(),
                    name: name.clone(),
                    email: email.clone(),
                    created_at: now,
                    rate_window_start: window.window_start,
                    rate_count: i64::from(window.count),
                };
                site.store.insert_visitor(&row)?;
                row
            }
        };
        for (key, window) in &starts {
            site.store.set_window(*key, *window)?;
        }
        let mut conv = match &conv {
            Some(c) => c.clone(),
            None => {
                let row = ConversationRow::new(
                    ConversationId::from_random(&bindings::random_bytes()),
                    visitor.id.clone(),
                    group.clone(),
                    now,
                );
                site.store.insert_conversation(&row)?;
                row
            }
        };
        conv.last_seq += 1;
        conv.last_visitor_seq = conv.last_seq;
        conv.updated_at = now;
        let message = MessageRow {
            seq: conv.last_seq,
            client_id: input.client_id.clone(),
            sender: Sender::Visitor,
            agent_id: None,
            agent_name: None,
            text: text.clone(),
            at: now,
            kind: None,
            subject: None,
            agent_picture: None,
        };
        site.store.insert_message(&conv.id, &key, &message)?;
        let mut automatic = Vec::new();
        if let Some(reply) = &auto_reply {
            conv.last_seq += 1;
            conv.busy_reply_sent = true;
            let row = MessageRow {
                seq: conv.last_seq,
                client_id: BUSY_REPLY_CLIENT_ID.to_string(),
                sender: Sender::System,
                agent_id: None,
                agent_name: None,
                text: reply.clone(),
                at: now,
                kind: Some(MessageKind::AutoReply),
                subject: None,
                agent_picture: None,
            };
            site.store
                .insert_message(&conv.id, &ClientKey::BusyReply, &row)?;
            automatic.push(row);
        }
        site.store.save_conversation(&conv)?;
        Ok::<_, StoreError>(Stored {
            conversation: conv,
            visitor,
            message,
            created: true,
            automatic,
            reopened: false,
            left,
        })
    })?)
}

/// The windows a new conversation counts in (its address's, the site's),
/// or 429 `rate_limited` when one is full.
fn new_conversation_windows<'a>(
    site: &Site,
    cfg: &Config,
    address: Option<&'a str>,
    now: i64,
) -> Result<Vec<(WindowKey<'a>, RateWindow)>, ApiError> {
    let limits = cfg.limits;
    let mut windows = vec![(WindowKey::Site, limits.conversations_per_minute, 60_000)];
    if let Some(key) = address {
        windows.push((
            WindowKey::Address(key),
            limits.conversations_per_address,
            i64::from(CONVERSATION_WINDOW_SECS) * 1000,
        ));
    }
    windows
        .into_iter()
        .map(|(key, limit, window_ms)| {
            let window = site
                .store
                .window(key)?
                .check(limit, window_ms, now)
                .map_err(|retry| ApiError::from_rule(&retry.into()))?;
            Ok((key, window))
        })
        .collect()
}

/// The group a message names: none (absent or empty), or a group id (400
/// `unknown_group` otherwise, as for a group the site does not have).
fn group_syntax(given: Option<&str>) -> Result<Option<GroupId>, ApiError> {
    match given.filter(|g| !g.is_empty()) {
        None => Ok(None),
        Some(g) => GroupId::parse(g).map(Some).ok_or_else(|| unknown_group(g)),
    }
}

/// The group of a visitor's first message: none, or one the site has
/// (400 `unknown_group` otherwise).
fn new_conversation_group(
    cfg: &Config,
    given: Option<GroupId>,
) -> Result<Option<GroupId>, ApiError> {
    match given {
        Some(id) if !cfg.groups.contains_key(&id) => Err(unknown_group(id.as_str())),
        group => Ok(group),
    }
}

fn unknown_group(given: &str) -> ApiError {
    let shown: String = given.chars().take(60).collect();
    ApiError::bad_request("unknown_group", format!("no group `{shown}` on this site"))
}
