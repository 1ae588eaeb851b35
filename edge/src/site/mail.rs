//! E-mail, the runtime part: what is queued when (a message left while
//! nobody was online, an agent's replies to a visitor who has left, a
//! transcript), sending what is due from the object's one alarm through the
//! `send_email` binding, and the unsubscribe link. What the e-mails say and
//! how links are signed is the pure [`crate::mail`] (its doc says what is
//! sent when).
//!
//! **Has the visitor left?** A visitor's widget sockets live on relays
//! (`relaying`; on this object only with `VISITOR_SOCKETS=site`), and a
//! relay does not tell the site when one closes. What the site knows is
//! `visitor_routes`: the relays where the visitor authenticated a widget.
//! A reply is pushed to those relays after the event (`site::relays`), and
//! each relay answers which visitors it holds no socket of (`Delivered {
//! gone }`): their routes are deleted then. So the decision is made in two
//! steps, each on what is certain at that moment:
//!
//! 1. At the reply ([`reply`]): a widget on this object that got it means
//!    the visitor is here, nothing is queued. Otherwise the reply e-mail is
//!    queued for [`MAIL_REPLY_BATCH_SECS`] later, even if the visitor has
//!    routes: whether a relay still holds their widget is only known once
//!    the relays have answered, after the event.
//! 2. When it is due (the alarm, [`send_due`]): by then the reply's own
//!    delivery has cleared the route of every relay that held no socket of
//!    the visitor's. A route still there means a relay had their widget
//!    when the reply arrived (or they opened one and authenticated since),
//!    and so does a widget on this object: the visitor saw the replies, the
//!    row is dropped without an e-mail. No route and no widget here: the
//!    visitor has left, the e-mail goes.
//!
//! A relay that could not be reached keeps its routes (deliveries are best
//! effort); such a visitor counts as present and gets no e-mail for that
//! batch, the safe side of a doubt (never an e-mail for what a widget
//! showed). The batch wait (two minutes) is far longer than a delivery
//! round.
use crate::bindings;
use crate::bindings::now_ms;
use crate::error::ApiError;
use crate::mail::compose::{self, Links, Mail, Quoted};
use crate::mail::reply_address::{self, Side};
use crate::mail::unsubscribe;
use crate::site::config::Config;
use crate::site::presence::Change;
use crate::site::state::Site;
use crate::store::{ConversationRow, MailKind, MailRow, MetaKey, VisitorRow};
use presenza_protocol::id::hex;
use presenza_protocol::limits::{MAIL_REPLY_BATCH_SECS, MAX_MAILED_MESSAGES, MAX_MAILS_PER_RUN};
use presenza_protocol::ConversationId;
use presenza_rules::Sender;
use worker::SendEmailBuilder;

/// The `[[send_email]]` binding (wrangler.toml).
pub const BINDING: &str = "EMAIL";
/// The var naming the platform's sender address; unset: no e-mail at all.
pub const FROM_VAR: &str = "EMAIL_FROM";
/// A send that failed is tried again this much later.
const RETRY_MS: i64 = 60_000;

/// Whether this site sends e-mail now.
pub fn on(site: &Site, cfg: &Config) -> bool {
    cfg.email.enabled && site.mail_from().is_some()
}

/// Queues an e-mail and moves the alarm to it if it is due sooner.
async fn queue(
    site: &Site,
    kind: MailKind,
    conversation: &ConversationId,
    due_at: i64,
    after_seq: u64,
) -> Result<(), ApiError> {
    site.store
        .enqueue_mail(kind, conversation, due_at, after_seq)?;
    site.mail_queue_changed();
    site.settle(Change::Read, due_at.min(now_ms())).await?;
    Ok(())
}

/// A visitor left a message while nobody was online (`after_seq`: the seq
/// before it): the serving agents and the owner's address hear at once.
pub async fn left(
    site: &Site,
    cfg: &Config,
    conversation: &ConversationId,
    after_seq: u64,
    now: i64,
) -> Result<(), ApiError> {
    if on(site, cfg) {
        queue(site, MailKind::Left, conversation, now, after_seq).await?;
    }
    Ok(())
}

/// An agent replied (`here`: how many of the visitor's widgets on this
/// object got it): unless one did, a visitor with an address may hear by
/// e-mail, every reply of the next [`MAIL_REPLY_BATCH_SECS`] in one
/// e-mail, if they have no widget open then (see the module doc).
pub async fn reply(
    site: &Site,
    cfg: &Config,
    visitor: &VisitorRow,
    conversation: &ConversationId,
    after_seq: u64,
    here: usize,
    now: i64,
) -> Result<(), ApiError> {
    if here > 0 || visitor.email.is_none() || !on(site, cfg) {
        return Ok(());
    }
    // Tests shorten the wait (a var); the platform keeps the default.
    let batch = site.env_usize("MAIL_REPLY_BATCH_SECS", MAIL_REPLY_BATCH_SECS as usize);
    let due = now + batch as i64 * 1000;
    queue(site, MailKind::Reply, conversation, due, after_seq).await
}

/// The visitor asked for their conversation by e-mail.
pub async fn transcript(
    site: &Site,
    conversation: &ConversationId,
    now: i64,
) -> Result<(), ApiError> {
    queue(site, MailKind::Transcript, conversation, now, 0).await
}

/// Sends what is due (the alarm): at most [`MAX_MAILS_PER_RUN`] queued
/// e-mails a run, the rest at the next. A failed send is tried again a
/// minute later; e-mail turned off drops what waits.
pub async fn send_due(site: &Site, cfg: &Config, now: i64) -> Result<(), ApiError> {
    if site.next_mail_due()?.is_none_or(|due| due > now) {
        return Ok(());
    }
    let rows = site.store.due_mails(now, MAX_MAILS_PER_RUN)?;
    let from = site.mail_from().filter(|_| cfg.email.enabled);
    for row in rows {
        let sent = match &from {
            Some(from) => send_row(site, cfg, from, &row).await,
            None => Ok(()),
        };
        match sent {
            Ok(()) => site.store.delete_mail(row.kind, &row.about)?,
            Err(e) => {
                worker::console_error!("e-mail {:?} for {}: {e}", row.kind, row.about);
                site.store
                    .delay_mail(row.kind, &row.about, now + RETRY_MS)?;
            }
        }
    }
    site.mail_queue_changed();
    Ok(())
}

/// The e-mails of one queued row, each to one address.
async fn send_row(site: &Site, cfg: &Config, from: &str, row: &MailRow) -> Result<(), ApiError> {
    if matches!(row.kind, MailKind::AlertOpened | MailKind::AlertClosed) {
        return send_alert(site, cfg, from, row).await;
    }
    let Some(conv) = ConversationId::parse(&row.about)
        .map(|id| site.store.conversation(&id))
        .transpose()?
        .flatten()
    else {
        return Ok(()); // erased or deleted meanwhile
    };
    let Some(visitor) = site.store.visitor(&conv.visitor_id)? else {
        return Ok(());
    };
    let key = mail_key(site, cfg)?;
    let domain = site.reply_domain();
    let reply_to = |side: Side, to: &str| {
        domain
            .as_deref()
            .and_then(|d| reply_address::make(&key, &cfg.site_id, &conv.id, side, to, d))
    };
    let origin = cfg.public_origin.clone().unwrap_or_default();
    let site_name = cfg.name.clone().unwrap_or_else(|| "Presenza".to_owned());
    let unsubscribe = |to: &str| {
        format!(
            "{origin}/v1/sites/{}/email/unsubscribe/{}",
            cfg.site_id,
            unsubscribe::code(&key, to)
        )
    };
    let messages = site
        .store
        .messages_after(&conv.id, row.after_seq, MAX_MAILED_MESSAGES)?;
    let visitor_name = visitor
        .name
        .clone()
        .unwrap_or_else(|| "A visitor".to_owned());
    let mut mails: Vec<Mail> = Vec::new();
    match row.kind {
        MailKind::Left => {
            let Some(first) = messages.iter().find(|m| m.sender == Sender::Visitor) else {
                return Ok(());
            };
            let quoted = Quoted {
                who: &visitor_name,
                at: first.at,
                text: &first.text,
            };
            let link = format!("{origin}/console/?site={}", cfg.site_id);
            for to in left_recipients(site, cfg, &conv)? {
                mails.push(compose::left_message(
                    &to,
                    &site_name,
                    &visitor_name,
                    visitor.email.as_deref(),
                    &quoted,
                    &link,
                    &Links {
                        unsubscribe: &unsubscribe(&to),
                        reply_to: reply_to(Side::Agents, &to).as_deref(),
                    },
                ));
            }
        }
        MailKind::Reply => {
            // On the page, or back meanwhile: a widget showed the replies.
            if visitor_present(site, &visitor)? {
                return Ok(());
            }
            let names: Vec<String> = messages.iter().map(agent_label).collect();
            let lines: Vec<Quoted<'_>> = messages
                .iter()
                .zip(&names)
                .filter(|(m, _)| m.sender == Sender::Agent)
                .map(|(m, who)| Quoted {
                    who,
                    at: m.at,
                    text: &m.text,
                })
                .collect();
            if let (false, Some(to)) = (lines.is_empty(), visitor_address(site, &visitor)?) {
                mails.push(compose::replies(
                    &to,
                    &site_name,
                    &lines,
                    &Links {
                        unsubscribe: &unsubscribe(&to),
                        reply_to: reply_to(Side::Visitor, &to).as_deref(),
                    },
                ));
            }
        }
        MailKind::AlertOpened | MailKind::AlertClosed => {}
        MailKind::Transcript => {
            let all = site
                .store
                .messages_after(&conv.id, 0, MAX_MAILED_MESSAGES)?;
            let names: Vec<String> = all
                .iter()
                .map(|m| match m.sender {
                    Sender::Visitor => "You".to_owned(),
                    _ => agent_label(m),
                })
                .collect();
            let lines: Vec<Quoted<'_>> = all
                .iter()
                .zip(&names)
                .map(|(m, who)| Quoted {
                    who,
                    at: m.at,
                    text: &m.text,
                })
                .collect();
            if let Some(to) = visitor_address(site, &visitor)? {
                mails.push(compose::transcript(
                    &to,
                    &site_name,
                    &lines,
                    &Links {
                        unsubscribe: &unsubscribe(&to),
                        reply_to: reply_to(Side::Visitor, &to).as_deref(),
                    },
                ));
            }
        }
    }
    deliver(site, from, mails).await
}

/// Sends each e-mail through the binding.
async fn deliver(site: &Site, from: &str, mails: Vec<Mail>) -> Result<(), ApiError> {
    let mailer = site.mailer()?;
    for mail in mails {
        let message = SendEmailBuilder::new(from, &mail.to, &mail.subject);
        message.set_text(&mail.text);
        if let Some(reply_to) = &mail.reply_to {
            message.set_reply_to(reply_to);
        }
        mailer.send_with_builder(&message).await.map_err(|e| {
            ApiError::internal(format!("send_email: {}", String::from(e.message())))
        })?;
    }
    Ok(())
}

/// An alert's e-mail (`site::alerts`): what its note says, to the alert
/// address unless it unsubscribed.
async fn send_alert(site: &Site, cfg: &Config, from: &str, row: &MailRow) -> Result<(), ApiError> {
    let Some(note) = row
        .note
        .as_deref()
        .and_then(|n| serde_json::from_str::<crate::alert::Note>(n).ok())
    else {
        return Ok(()); // nothing this version can say
    };
    let Some(to) = crate::site::alerts::recipient(cfg) else {
        return Ok(());
    };
    if site.store.opted_out(&to)? {
        return Ok(());
    }
    let key = mail_key(site, cfg)?;
    let origin = cfg.public_origin.clone().unwrap_or_default();
    let site_name = cfg.name.clone().unwrap_or_else(|| "Presenza".to_owned());
    let unsubscribe = format!(
        "{origin}/v1/sites/{}/email/unsubscribe/{}",
        cfg.site_id,
        unsubscribe::code(&key, &to)
    );
    deliver(
        site,
        from,
        vec![compose::alert(&to, &site_name, &note, &unsubscribe)],
    )
    .await
}

/// Who wrote a message, as a visitor reads it.
fn agent_label(m: &crate::store::MessageRow) -> String {
    match m.sender {
        Sender::Agent => m.agent_name.clone().unwrap_or_else(|| "Agent".to_owned()),
        Sender::Visitor => "Visitor".to_owned(),
        Sender::System => "Automatic reply".to_owned(),
    }
}

/// The agents who serve the conversation and have an address, and the
/// owner's address; without those that unsubscribed, each once.
fn left_recipients(
    site: &Site,
    cfg: &Config,
    conv: &ConversationRow,
) -> Result<Vec<String>, ApiError> {
    let mut out: Vec<String> = Vec::new();
    let agents = site.store.agents()?;
    let candidates = agents
        .iter()
        .filter(|a| cfg.serves(&a.groups, conv.grp.as_ref()))
        .filter_map(|a| a.email.clone())
        .chain(cfg.email.notify_address.clone());
    for address in candidates {
        if !out.iter().any(|o| o.eq_ignore_ascii_case(&address))
            && !site.store.opted_out(&address)?
        {
            out.push(address);
        }
    }
    Ok(out)
}

/// The visitor's address, unless it unsubscribed.
fn visitor_address(site: &Site, visitor: &VisitorRow) -> Result<Option<String>, ApiError> {
    match &visitor.email {
        Some(e) if !site.store.opted_out(e)? => Ok(Some(e.clone())),
        _ => Ok(None),
    }
}

/// Whether the visitor has a widget open: one on this object (opened for
/// them or authenticated as them), or a relay that held one at the last
/// delivery (a route; see the module doc).
fn visitor_present(site: &Site, visitor: &VisitorRow) -> Result<bool, ApiError> {
    if !crate::sockets::of_visitor(&site.state, &visitor.id).is_empty() {
        return Ok(true);
    }
    Ok(!site.store.visitor_routes(&visitor.id)?.is_empty())
}

/// The site's unsubscribe secret, made and stored on first use.
fn mail_key(site: &Site, cfg: &Config) -> Result<String, ApiError> {
    if let Some(k) = &cfg.mail_key {
        return Ok(k.clone());
    }
    let key = hex(&bindings::random_bytes::<32>());
    site.store.meta_set(MetaKey::MailKey, &key)?;
    site.config_changed();
    Ok(key)
}

/// `GET email/unsubscribe/{code}`: the address the code names gets no more
/// e-mail from this site; 404 `invalid_unsubscribe_link` for a code this
/// site did not make.
pub fn unsubscribe_address(
    site: &Site,
    cfg: &Config,
    code: &str,
    now: i64,
) -> Result<String, ApiError> {
    let address = cfg
        .mail_key
        .as_deref()
        .and_then(|key| unsubscribe::verify(key, code))
        .ok_or_else(|| {
            ApiError::not_found(
                "invalid_unsubscribe_link",
                "this unsubscribe link was not made by this site",
            )
        })?;
    site.store.opt_out(&address, now)?;
    Ok(address)
}
